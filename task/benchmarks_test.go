package task

import "testing"

// BenchmarkPlanSurvey plans a 5 km² survey (2.5 × 2 km, turned 20°) with
// the heavy multirotor's camera at 2.74 cm and 70 % overlap: 50 transects
// of about 85 photos each.
func BenchmarkPlanSurvey(b *testing.B) {
	heavy := builtin(b, "heavy-multirotor")
	ring := localPolygon(b, centre, rotated(2500, 2000, 20)...)
	b.ReportAllocs()
	var photos int
	for b.Loop() {
		p, err := PlanSurvey(ring, *heavy.Camera, 2.74, 70, SurveyOptions{SpeedMS: 12})
		if err != nil {
			b.Fatal(err)
		}
		photos = len(p.Photos)
	}
	b.ReportMetric(float64(photos), "photos")
}

// BenchmarkFootprintCoverage measures the coverage of that survey's photos.
func BenchmarkFootprintCoverage(b *testing.B) {
	heavy := builtin(b, "heavy-multirotor")
	ring := localPolygon(b, centre, rotated(2500, 2000, 20)...)
	p, err := PlanSurvey(ring, *heavy.Camera, 2.74, 70, SurveyOptions{SpeedMS: 12})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var c float64
	for b.Loop() {
		c = FootprintCoverage(p.Photos, *heavy.Camera, ring)
	}
	if c < 0.99 {
		b.Fatalf("coverage %.3f", c)
	}
}
