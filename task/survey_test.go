package task

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aerocell/aerocell/airframe"
	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/internal/geojsontest"
	"github.com/paulmach/orb"
)

func builtin(t testing.TB, name string) airframe.Airframe {
	t.Helper()
	a, ok := airframe.Builtin().ByName(name)
	if !ok {
		t.Fatalf("no airframe %s", name)
	}
	return a
}

// localPolygon makes a ring of [lon, lat] from points in metres east and
// north of centre.
func localPolygon(t testing.TB, centre LonLat, pts ...coverage.Point) []LonLat {
	t.Helper()
	f, err := newFrame(centre)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]LonLat, len(pts))
	for i, p := range pts {
		out[i] = f.inv(p)
	}
	return out
}

// rotated turns the rectangle w × h (w along bearing deg) about the origin.
func rotated(w, h, deg float64) []coverage.Point {
	d, n := axes(deg)
	var out []coverage.Point
	for _, c := range [][2]float64{{-w / 2, -h / 2}, {w / 2, -h / 2}, {w / 2, h / 2}, {-w / 2, h / 2}} {
		out = append(out, add(scale(d, c[0]), scale(n, c[1])))
	}
	return out
}

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.4g, want %.4g ± %g", what, got, want, tol)
	}
}

var centre = LonLat{6.1, 45.2}

// The heavy multirotor's 1" camera (13.2 × 8.8 mm, 5472 px wide, 8.8 mm
// lens) at 2.74 cm/px: 2.74 cm × 5472 × 8.8 / 13.2 = 99.96 m up; the
// footprint is 99.96 × 13.2 / 8.8 = 149.9 m across and 99.96 m along;
// 70 % overlap leaves 30 %: transects 45.0 m apart, a photo every 30.0 m.
// At 12 m/s a photo comes every 2.5 s, slower than the camera's 2 s, so
// the speed stands.
func TestPlanSurveyWorkedExample(t *testing.T) {
	heavy := builtin(t, "heavy-multirotor")
	// A 600 m (east-west) × 450 m field: 10 transects along its long side.
	ring := localPolygon(t, centre, rotated(600, 450, 90)...)
	p, err := PlanSurvey(ring, *heavy.Camera, 2.74, 70, SurveyOptions{SpeedMS: heavy.CruiseSpeed})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "altitude", p.AltM, 99.96, 0.01)
	near(t, "footprint across", p.FootprintAcrossM, 149.94, 0.01)
	near(t, "footprint along", p.FootprintAlongM, 99.96, 0.01)
	near(t, "spacing", p.SpacingM, 44.98, 0.01)
	near(t, "trigger", p.TriggerM, 29.99, 0.01)
	near(t, "angle", p.AngleDeg, 90, 1e-6)
	near(t, "speed", p.SpeedMS, 12, 0)
	if len(p.Transects) != 11 { // ceil(450 / 44.98) = 11 (10.004)
		t.Fatalf("%d transects, want 11", len(p.Transects))
	}
	// Each transect spans 600 m: ceil(600/29.99)+1 = 22 photos, 629.8 m
	// from the first to the last, plus 10 m of turnaround at each end.
	f, _ := newFrame(centre)
	var legs float64
	for i, tr := range p.Transects {
		if tr.Photos != 22 {
			t.Errorf("transect %d: %d photos, want 22", i, tr.Photos)
		}
		e, x := f.fwd(tr.Entry), f.fwd(tr.Exit)
		near(t, "transect length", e.Dist(x), 21*p.TriggerM, 0.01)
		near(t, "lead-in", f.fwd(tr.LeadIn).Dist(e), 10, 0.01)
		// Alternate directions: east, then west.
		if east := x.X > e.X; east != (i%2 == 0) {
			t.Errorf("transect %d flies the wrong way", i)
		}
		if i > 0 {
			prev := f.fwd(p.Transects[i-1].Entry)
			near(t, "spacing between transects", math.Abs(e.Y-prev.Y), p.SpacingM, 0.01)
			legs += f.fwd(p.Transects[i-1].LeadOut).Dist(f.fwd(tr.LeadIn))
		}
	}
	near(t, "path", p.PathM, 11*(21*p.TriggerM+20)+legs, 0.01)
	near(t, "legs", legs, 10*p.SpacingM, 0.01)
	near(t, "flight time", p.FlightTime.Seconds(), p.PathM/12, 0.01)
	if len(p.Photos) != 11*22 || p.Photos[0].AltRelM != p.AltM || p.Photos[0].YawDeg != 90 || p.Photos[22].YawDeg != 270 {
		t.Fatalf("photos: %d, first %+v", len(p.Photos), p.Photos[0])
	}
	// The second photo comes a trigger distance after the first.
	near(t, "photo interval", (p.Photos[1].After - p.Photos[0].After).Seconds(), p.TriggerM/12, 1e-6)
	if c := FootprintCoverage(p.Photos, *heavy.Camera, ring); c < 0.99 {
		t.Fatalf("photos cover %.3f of the field, want ≥ 0.99", c)
	}
}

// A rectangle turned 30° east of north, and a convex pentagon: the
// transects follow the longest side, sit one spacing apart across it, and
// the photos cover the polygon.
func TestPlanSurveyRotated(t *testing.T) {
	heavy := builtin(t, "heavy-multirotor")
	ring := localPolygon(t, centre, rotated(900, 300, 30)...)
	p, err := PlanSurvey(ring, *heavy.Camera, 2, 60, SurveyOptions{SpeedMS: 12})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "angle", p.AngleDeg, 30, 1e-6)
	f, _ := newFrame(centre)
	_, n := axes(30)
	for i := 1; i < len(p.Transects); i++ {
		a, b := f.fwd(p.Transects[i-1].Entry), f.fwd(p.Transects[i].Entry)
		near(t, "offset across", dot(add(b, scale(a, -1)), n), p.SpacingM, 0.01)
		e, x := f.fwd(p.Transects[i].Entry), f.fwd(p.Transects[i].Exit)
		if hd := bearing(x.X-e.X, x.Y-e.Y); math.Abs(hd-30) > 0.01 && math.Abs(hd-210) > 0.01 {
			t.Errorf("transect %d heads %.2f°", i, hd)
		}
	}
	if c := FootprintCoverage(p.Photos, *heavy.Camera, ring); c < 0.99 {
		t.Fatalf("photos cover %.3f of the rotated field, want ≥ 0.99", c)
	}
	pent := localPolygon(t, centre, coverage.Point{X: 0, Y: -400}, coverage.Point{X: 500, Y: -100}, coverage.Point{X: 350, Y: 450},
		coverage.Point{X: -300, Y: 380}, coverage.Point{X: -480, Y: 0})
	for _, angle := range []float64{0, 17, 45, 133} {
		p, err := PlanSurvey(pent, *heavy.Camera, 2.5, 70, SurveyOptions{SpeedMS: 12, AngleDeg: &angle})
		if err != nil {
			t.Fatal(err)
		}
		near(t, "given angle", p.AngleDeg, angle, 1e-9)
		if c := FootprintCoverage(p.Photos, *heavy.Camera, pent); c < 0.99 {
			t.Errorf("at %v°, photos cover %.3f of the pentagon, want ≥ 0.99", angle, c)
		}
	}
}

// The camera's 2 s between photos caps the speed: at 1 cm and 80 %
// overlap, photos 7.3 m apart allow 3.65 m/s. A fixed wing cannot slow
// down and is refused.
func TestPlanSurveySpeedCap(t *testing.T) {
	heavy := builtin(t, "heavy-multirotor")
	ring := localPolygon(t, centre, rotated(200, 200, 0)...)
	p, err := PlanSurvey(ring, *heavy.Camera, 1, 80, SurveyOptions{SpeedMS: 12})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "trigger", p.TriggerM, 36.48*8.8/8.8*0.2, 0.01)
	near(t, "speed", p.SpeedMS, p.TriggerM/2, 1e-9)
	near(t, "interval", p.PhotoInterval.Seconds(), 2, 1e-6)

	plane := builtin(t, "fixed-wing-relay")
	if _, err := PlanSurvey(ring, *plane.Camera, 2, 70, SurveyOptions{SpeedMS: 25, FixedSpeed: true}); err == nil {
		t.Fatal("a fixed wing at 25 m/s was given photos 23.9 m apart with a 1 s camera")
	}
	p, err = PlanSurvey(ring, *plane.Camera, 5, 70, SurveyOptions{SpeedMS: 25, FixedSpeed: true})
	if err != nil {
		t.Fatal(err)
	}
	if p.SpeedMS != 25 || p.TurnaroundM != TurnaroundPlaneM {
		t.Fatalf("plane: %v m/s, turnaround %v", p.SpeedMS, p.TurnaroundM)
	}
}

func TestPlanSurveyRefuses(t *testing.T) {
	heavy := builtin(t, "heavy-multirotor")
	ring := localPolygon(t, centre, rotated(200, 200, 0)...)
	for name, tc := range map[string]struct {
		ring     []LonLat
		cam      airframe.Camera
		gsd, ovl float64
		opts     SurveyOptions
		field    string
	}{
		"bow tie":   {[]LonLat{{6, 45}, {6.01, 45.01}, {6.01, 45}, {6, 45.01}}, *heavy.Camera, 2, 70, SurveyOptions{SpeedMS: 12}, "polygon"},
		"gsd":       {ring, *heavy.Camera, 0, 70, SurveyOptions{SpeedMS: 12}, "gsd_cm"},
		"overlap":   {ring, *heavy.Camera, 2, 96, SurveyOptions{SpeedMS: 12}, "overlap_pct"},
		"speed":     {ring, *heavy.Camera, 2, 70, SurveyOptions{}, "speed"},
		"no camera": {ring, airframe.Camera{}, 2, 70, SurveyOptions{SpeedMS: 12}, "camera.sensor_width_mm"},
		"ceiling":   {ring, *heavy.Camera, 20, 70, SurveyOptions{SpeedMS: 12, MaxAltM: 500}, "gsd_cm"},
		"nan angle": {ring, *heavy.Camera, 2, 70, SurveyOptions{SpeedMS: 12, AngleDeg: new(math.NaN())}, "angle"},
		"photos": {localPolygon(t, centre, rotated(9000, 9000, 0)...), *heavy.Camera, 0.5, 95, SurveyOptions{SpeedMS: 12},
			"gsd_cm"},
		// 40 km by 2 m flown across: 29 000 transects of one photo each.
		"transects": {localPolygon(t, centre, rotated(40000, 2, 0)...), *heavy.Camera, 0.5, 95, SurveyOptions{SpeedMS: 12, AngleDeg: new(90.0)},
			"gsd_cm"},
		"points": {manyPoints(t, MaxRingPoints+1), *heavy.Camera, 2, 70, SurveyOptions{SpeedMS: 12}, "polygon"},
	} {
		_, err := PlanSurvey(tc.ring, tc.cam, tc.gsd, tc.ovl, tc.opts)
		fe, ok := err.(*FieldError)
		if !ok || fe.Field != tc.field {
			t.Errorf("%s: error %v, want one naming %s", name, err, tc.field)
		}
	}
}

// geoJSON is a FeatureCollection as the tests read it.
type geoJSON struct {
	Type     string
	Features []struct {
		Geometry struct {
			Type        string
			Coordinates json.RawMessage
		}
		Properties map[string]any
	}
}

// readGeoJSON reads b as a map does, after checking that orb/geojson
// reads it back to the same JSON.
func readGeoJSON(t *testing.T, b []byte) geoJSON {
	t.Helper()
	geojsontest.FeatureCollection(t, b)
	var fc geoJSON
	if err := json.Unmarshal(b, &fc); err != nil {
		t.Fatalf("%v: %.200s", err, b)
	}
	return fc
}

func TestSurveyGeoJSON(t *testing.T) {
	heavy := builtin(t, "heavy-multirotor")
	at := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	photos := []Photo{
		{Seq: 0, Pos: centre, Time: at, AltAMSLM: 400, AltRelM: 100, YawDeg: 0},
		{Seq: 1, Pos: LonLat{6.101, 45.2}, After: 2500 * time.Millisecond, AltAMSLM: 400, AltRelM: 100, YawDeg: 90},
	}
	b, err := SurveyGeoJSON(photos, *heavy.Camera)
	if err != nil {
		t.Fatal(err)
	}
	fc := readGeoJSON(t, b)
	if fc.Type != "FeatureCollection" || len(fc.Features) != 4 {
		t.Fatalf("%s", b)
	}
	if g := geojsontest.FeatureCollection(t, b).Features[0].Geometry; g != orb.Point(centre) {
		t.Fatalf("the first photo reads back as %v, want the point %v", g, centre)
	}
	p0 := fc.Features[0]
	if p0.Geometry.Type != "Point" || p0.Properties["kind"] != "photo" || p0.Properties["time"] != "2026-12-03T12:00:00Z" ||
		p0.Properties["alt_rel_m"] != 100.0 || p0.Properties["alt_amsl_m"] != 400.0 || p0.Properties["footprint_w_m"] != 150.0 ||
		p0.Properties["footprint_h_m"] != 100.0 || p0.Properties["seq"] != 0.0 || p0.Properties["yaw_deg"] != 0.0 {
		t.Fatalf("photo feature: %+v", p0)
	}
	if fc.Features[1].Properties["t_s"] != 2.5 {
		t.Fatalf("planned photo: %+v", fc.Features[1].Properties)
	}
	fp := fc.Features[3]
	var rings [][]LonLat
	if err := json.Unmarshal(fp.Geometry.Coordinates, &rings); err != nil {
		t.Fatal(err)
	}
	if fp.Geometry.Type != "Polygon" || fp.Properties["kind"] != "footprint" || fp.Properties["seq"] != 1.0 || len(rings[0]) != 5 || rings[0][0] != rings[0][4] {
		t.Fatalf("footprint feature: %s %+v", fp.Geometry.Coordinates, fp.Properties)
	}
	// Heading east, the footprint is 100 m east-west and 150 m north-south.
	f, _ := newFrame(photos[1].Pos)
	a, c := f.fwd(rings[0][0]), f.fwd(rings[0][2])
	near(t, "footprint east-west", math.Abs(c.X-a.X), 100, 0.01)
	near(t, "footprint north-south", math.Abs(c.Y-a.Y), 150, 0.01)

	if _, err := SurveyGeoJSON([]Photo{{Pos: LonLat{math.NaN(), 0}}}, *heavy.Camera); err == nil {
		t.Fatal("a NaN photo was written")
	}
}

func TestFootprintCoverage(t *testing.T) {
	heavy := builtin(t, "heavy-multirotor")
	// One photo 100 m up covers 150 × 100 m: half of a 300 × 100 m field.
	ring := localPolygon(t, centre, rotated(300, 100, 90)...)
	one := []Photo{{Pos: centre, AltRelM: 100, YawDeg: 0}}
	// Yaw 0: 150 m across (east-west), 100 m along (north-south).
	near(t, "one photo", FootprintCoverage(one, *heavy.Camera, ring), 0.5, 0.01)
	if c := FootprintCoverage(nil, *heavy.Camera, ring); c != 0 {
		t.Fatalf("no photos cover %v", c)
	}
	if c := FootprintCoverage(one, *heavy.Camera, []LonLat{{0, 0}, {1, 1}}); c != 0 {
		t.Fatalf("a bad ring is covered %v", c)
	}
}

// manyPoints is a circle of radius 500 m through n points.
func manyPoints(t testing.TB, n int) []LonLat {
	pts := make([]coverage.Point, n)
	for i := range pts {
		s, c := math.Sincos(2 * math.Pi * float64(i) / float64(n))
		pts[i] = coverage.Point{X: 500 * c, Y: 500 * s}
	}
	return localPolygon(t, centre, pts...)
}

// TestPlanGeoJSON: a 600 × 300 m field surveyed by the heavy multirotor
// at 2.74 cm and 70 % (transects 45 m apart, photos every 30 m) is drawn
// as its polygon, its transects in the order flown, and the photos taken
// so far with their footprints, which cover part of it: drawn where the
// camera reported them (here 20 m east of the plan's, as wind drift
// leaves them), not where the plan put them.
func TestPlanGeoJSON(t *testing.T) {
	heavy := builtin(t, "heavy-multirotor")
	ring := localPolygon(t, centre, rotated(600, 300, 90)...)
	tk := Task{ID: "task-1", Request: Request{Kind: Survey, Deadline: time.Hour, Polygon: ring, GSDcm: 2.74, OverlapPct: 70}}
	p, err := PlanSurveyFor(tk, heavy, SurveyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p.SpeedMS > heavy.CruiseSpeed || p.AltM > heavy.Ceiling || len(p.Transects) != 7 {
		t.Fatalf("plan for the heavy multirotor: %v", p)
	}
	taken := slices.Clone(p.Photos[:12])
	for i := range taken {
		taken[i].Pos[0] += 20 / (111320 * math.Cos(taken[i].Pos[1]*math.Pi/180))
		taken[i].Time, taken[i].After = time.Date(2026, 5, 1, 12, 0, i, 0, time.UTC), 0
	}
	b, err := PlanGeoJSON(p, ring, *heavy.Camera, taken, map[string]any{"task": "task-1"})
	if err != nil {
		t.Fatal(err)
	}
	fc := readGeoJSON(t, b)
	if fc.Type != "FeatureCollection" || len(fc.Features) != 1+7+2*12 {
		t.Fatalf("%d features: %s", len(fc.Features), b)
	}
	area := fc.Features[0]
	var rings [][]LonLat
	if err := json.Unmarshal(area.Geometry.Coordinates, &rings); err != nil {
		t.Fatal(err)
	}
	if area.Geometry.Type != "Polygon" || area.Properties["kind"] != "area" || area.Properties["task"] != "task-1" ||
		len(rings[0]) != 5 || rings[0][0] != rings[0][4] || rings[0][1] != ring[1] {
		t.Fatalf("area feature: %s %+v", area.Geometry.Coordinates, area.Properties)
	}
	if area.Properties["photos"] != float64(len(p.Photos)) || area.Properties["photos_taken"] != 12.0 ||
		area.Properties["spacing_m"] != round(p.SpacingM, 2) || area.Properties["transects"] != 7.0 {
		t.Fatalf("area figures: %+v", area.Properties)
	}
	// 12 photos of 150 × 100 m, 30 m apart along the first 300 m transect
	// (and into the second), cover between a tenth and a half of the field.
	if c := area.Properties["covered"].(float64); c < 0.1 || c > 0.5 {
		t.Fatalf("covered %v", c)
	}
	for i, f := range fc.Features[1:8] {
		var line []LonLat
		if err := json.Unmarshal(f.Geometry.Coordinates, &line); err != nil {
			t.Fatal(err)
		}
		tr := p.Transects[i]
		if f.Geometry.Type != "LineString" || f.Properties["kind"] != "transect" || f.Properties["index"] != float64(i) ||
			len(line) != 4 || line[0] != tr.LeadIn || line[3] != tr.LeadOut {
			t.Fatalf("transect %d: %s %+v", i, f.Geometry.Coordinates, f.Properties)
		}
	}
	if last := fc.Features[len(fc.Features)-1]; last.Geometry.Type != "Polygon" || last.Properties["kind"] != "footprint" || last.Properties["seq"] != 11.0 {
		t.Fatalf("last footprint: %+v", last.Properties)
	}
	for i, f := range fc.Features[8:] {
		if i%2 == 1 {
			continue
		}
		var pt LonLat
		if err := json.Unmarshal(f.Geometry.Coordinates, &pt); err != nil {
			t.Fatal(err)
		}
		ph := taken[i/2]
		if f.Geometry.Type != "Point" || f.Properties["kind"] != "photo" || f.Properties["seq"] != float64(ph.Seq) ||
			pt != ph.Pos || pt == p.Photos[i/2].Pos || f.Properties["time"] != ph.Time.Format(time.RFC3339Nano) {
			t.Fatalf("photo %d: %s %+v, reported at %v", i/2, f.Geometry.Coordinates, f.Properties, ph.Pos)
		}
	}

	// Nothing taken yet: no footprint, nothing covered; every photo taken
	// where planned covers the field.
	b, err = PlanGeoJSON(p, ring, *heavy.Camera, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	fc = readGeoJSON(t, b)
	if len(fc.Features) != 8 || fc.Features[0].Properties["covered"] != 0.0 {
		t.Fatalf("nothing taken: %d features, %+v", len(fc.Features), fc.Features[0].Properties)
	}
	b, err = PlanGeoJSON(p, ring, *heavy.Camera, p.Photos, nil)
	if err != nil {
		t.Fatal(err)
	}
	fc = readGeoJSON(t, b)
	if len(fc.Features) != 8+2*len(p.Photos) || fc.Features[0].Properties["covered"].(float64) < 0.99 {
		t.Fatalf("all taken: %d features, %+v", len(fc.Features), fc.Features[0].Properties)
	}

	bad := slices.Clone(taken)
	bad[3].AltRelM = math.NaN()
	if _, err := PlanGeoJSON(p, ring, *heavy.Camera, bad, nil); err == nil || !strings.Contains(err.Error(), "photos[3]") {
		t.Fatalf("a photo at no height: %v", err)
	}
	relay := builtin(t, "tethered-multirotor")
	relay.Camera = nil
	if _, err := PlanSurveyFor(tk, relay, SurveyOptions{}); err == nil {
		t.Fatal("a survey planned without a camera")
	}
	drop := tk
	drop.Kind = Drop
	if _, err := PlanSurveyFor(drop, heavy, SurveyOptions{}); err == nil {
		t.Fatal("a drop planned as a survey")
	}
}
