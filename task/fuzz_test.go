package task

import (
	"encoding/json"
	"testing"

	"github.com/aerocell/aerocell/coverage"
)

// FuzzParseRequest feeds arbitrary bytes to ParseRequest: it must never
// panic, and what it accepts must validate, write and read back the same.
func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{
		`{"kind":"drop","priority":7,"deadline":"45m","point":[6.1,45.2],"mass_kg":4.5}`,
		`{"kind":"drop","deadline":2700,"point":[6.1,45.2],"mass_kg":1}`,
		`{"kind":"survey","deadline":"2h","polygon":[[6,45],[6.01,45],[6.01,45.01],[6,45.01]],"gsd_cm":2.74,"overlap_pct":70}`,
		`{"kind":"survey","deadline":"2h","polygon":[[6,45],[6.01,45.01],[6.01,45],[6,45.01]],"gsd_cm":2,"overlap_pct":70}`,
		`{"kind":"fire","deadline":"20m","point":[6,45],"litres":60}`,
		`{"kind":"fire","deadline":"20m","polygon":[[6,45],[6.001,45],[6.001,45.001],[6,45]],"litres":60}`,
		`{"kind":"drop","deadline":1e300}`,
		`{"kind":"drop","point":[6,45,1]}`,
		`[]`, `null`, `{}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseRequest(data)
		if err != nil {
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("accepted %q but Validate says %v", data, err)
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("accepted %q but cannot write it: %v", data, err)
		}
		again, err := ParseRequest(b)
		if err != nil {
			t.Fatalf("wrote %s from %q and cannot read it back: %v", b, data, err)
		}
		if c, _ := json.Marshal(again); string(c) != string(b) {
			t.Fatalf("round trip %s != %s", c, b)
		}
	})
}

// FuzzPlanSurvey plans surveys of arbitrary triangles (always convex):
// PlanSurvey must never panic, and a plan it makes must be finite and its
// photos must cover at least 99 % of the triangle.
func FuzzPlanSurvey(f *testing.F) {
	f.Add(0.0, 0.0, 600.0, 0.0, 300.0, 450.0, 2.74, 70.0, -1.0)
	f.Add(-900.0, 10.0, 900.0, -10.0, 0.0, 60.0, 1.5, 80.0, 33.0)
	f.Add(0.0, 0.0, 1.0, 1.0, 2.0, 2.0, 2.0, 70.0, 0.0)
	heavy := builtin(f, "heavy-multirotor")
	f.Fuzz(func(t *testing.T, x0, y0, x1, y1, x2, y2, gsd, overlap, angle float64) {
		ring := localPolygon(t, centre, coverage.Point{X: x0, Y: y0}, coverage.Point{X: x1, Y: y1}, coverage.Point{X: x2, Y: y2})
		opts := SurveyOptions{SpeedMS: 12}
		if angle >= 0 {
			opts.AngleDeg = &angle
		}
		p, err := PlanSurvey(ring, *heavy.Camera, gsd, overlap, opts)
		if err != nil {
			return
		}
		if !finite(p.PathM) || p.FlightTime <= 0 || len(p.Photos) == 0 || len(p.Transects) == 0 {
			t.Fatalf("plan %v", p)
		}
		// Thin slivers are measured too coarsely by the sampling grid.
		_, r, _ := localRing("polygon", ring)
		var perim float64
		for i := range r {
			perim += r[i].Dist(r[(i+1)%len(r)])
		}
		if 2*ringArea(r)/perim < 10 || len(p.Photos) > 20000 {
			return
		}
		if c := FootprintCoverage(p.Photos, *heavy.Camera, ring); c < 0.99 {
			t.Fatalf("photos cover %.4f of the triangle %v (%v)", c, ring, p)
		}
	})
}
