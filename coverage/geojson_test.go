package coverage

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestParseIncidentForms(t *testing.T) {
	poly := `{"type":"Polygon","coordinates":[[[10,50],[10.1,50],[10.1,50.1],[10,50.1],[10,50]]]}`
	for name, doc := range map[string]string{
		"bare":       poly,
		"feature":    `{"type":"Feature","properties":{},"geometry":` + poly + `}`,
		"collection": `{"type":"FeatureCollection","features":[{"type":"Feature","properties":null,"geometry":` + poly + `}]}`,
		"multi":      `{"type":"MultiPolygon","coordinates":[[[[10,50],[10.1,50],[10.1,50.1],[10,50.1],[10,50]]]]}`,
	} {
		inc, err := ParseIncident([]byte(doc))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		reg, err := Prepare(inc)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		// 0.1 deg x 0.1 deg at 50N: about 7.15 km x 11.12 km.
		a := reg.Area.Area() / 1e6
		if math.Abs(a-79.5) > 1 {
			t.Errorf("%s: area %.2f km2", name, a)
		}
	}
}

func TestParseIncidentRoles(t *testing.T) {
	doc := `{"type":"FeatureCollection","features":[
	 {"type":"Feature","properties":{"name":"flood"},"geometry":{"type":"Polygon","coordinates":[[[10,50],[10.2,50],[10.2,50.2],[10,50.2],[10,50]],[[10.05,50.05],[10.05,50.1],[10.1,50.1],[10.1,50.05],[10.05,50.05]]]}},
	 {"type":"Feature","properties":{"role":"work-zone"},"geometry":{"type":"Polygon","coordinates":[[[10.12,50.12],[10.15,50.12],[10.15,50.15],[10.12,50.15],[10.12,50.12]]]}},
	 {"type":"Feature","properties":{"role":"no-fly"},"geometry":{"type":"Polygon","coordinates":[[[10.0,50.0],[10.02,50.0],[10.02,50.02],[10.0,50.02],[10.0,50.0]]]}},
	 {"type":"Feature","properties":{"role":"demand","name":"hospital","weight":500},"geometry":{"type":"Point","coordinates":[10.15,50.03]}},
	 {"type":"Feature","properties":{"role":"launch-site","capacity":3},"geometry":{"type":"Point","coordinates":[10.1,50.01]}},
	 {"type":"Feature","properties":{"role":"gateway"},"geometry":{"type":"Point","coordinates":[10.0,50.0]}}
	]}`
	inc, err := ParseIncident([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(inc.Area) != 1 || len(inc.Area[0]) != 2 || len(inc.WorkZones) != 1 || len(inc.NoFly) != 1 ||
		len(inc.Demand) != 1 || inc.Demand[0].Weight != 500 || len(inc.Sites) != 1 || inc.Sites[0].Capacity != 3 || len(inc.Gateways) != 1 {
		t.Fatalf("parsed %+v", inc)
	}
	reg, err := Prepare(inc)
	if err != nil {
		t.Fatal(err)
	}
	// The hole (written clockwise or not) is repaired to clockwise and
	// subtracted.
	if reg.Area[0][1].signedArea() >= 0 || reg.Area[0][0].signedArea() <= 0 {
		t.Error("winding not repaired")
	}
	outer := math.Abs(reg.Area[0][0].signedArea())
	if reg.Area.Area() >= outer {
		t.Error("hole not subtracted")
	}
}

func TestBadInput(t *testing.T) {
	ring := func(c string) string { return `{"type":"Polygon","coordinates":[` + c + `]}` }
	cases := []struct {
		name string
		doc  string
		want error
	}{
		{"not json", `hello`, ErrNotGeoJSON},
		{"array", `[1,2]`, ErrNotGeoJSON},
		{"truncated", `{"type":"Polygon","coordinates":[[[0,0],[1,0]`, ErrNotGeoJSON},
		{"no type", `{"coordinates":[]}`, ErrNotGeoJSON},
		{"unknown type", `{"type":"Circle"}`, ErrNotGeoJSON},
		{"point area", `{"type":"Point","coordinates":[1,2]}`, ErrUnsupportedType},
		{"line area", `{"type":"LineString","coordinates":[[1,2],[3,4]]}`, ErrUnsupportedType},
		{"empty polygon", `{"type":"Polygon","coordinates":[]}`, ErrEmptyGeometry},
		{"empty multipolygon", `{"type":"MultiPolygon","coordinates":[]}`, ErrEmptyGeometry},
		{"empty collection", `{"type":"FeatureCollection","features":[]}`, ErrEmptyGeometry},
		{"unclosed", ring(`[[0,0],[1,0],[1,1],[0,1]]`), ErrRingNotClosed},
		{"unclosed short", ring(`[[0,0],[1,0],[1,1]]`), ErrRingNotClosed},
		{"too short", ring(`[[0,0],[1,0],[0,0]]`), ErrRingTooShort},
		{"lon out of range", ring(`[[0,0],[181,0],[1,1],[0,0]]`), ErrBadCoordinate},
		{"lat out of range", ring(`[[0,0],[1,0],[1,91],[0,0]]`), ErrBadCoordinate},
		{"huge number", ring(`[[0,0],[1e400,0],[1,1],[0,0]]`), ErrNotGeoJSON},
		{"one value", ring(`[[0,0],[1],[1,1],[0,0]]`), ErrBadCoordinate},
		{"bow tie", ring(`[[0,0],[0.1,0.1],[0.1,0],[0,0.1],[0,0]]`), ErrSelfIntersection},
		{"zero area", ring(`[[0,0],[0.1,0],[0.2,0],[0,0]]`), ErrZeroArea},
		{"repeated points", ring(`[[0,0],[0,0],[0.1,0],[0.1,0],[0,0]]`), ErrRingTooShort},
		{"antimeridian", ring(`[[179.9,0],[-179.9,0],[-179.9,0.1],[179.9,0.1],[179.9,0]]`), ErrAntimeridian},
		{"hole outside", ring(`[[0,0],[0.1,0],[0.1,0.1],[0,0.1],[0,0]],[[0.2,0.2],[0.3,0.2],[0.3,0.3],[0.2,0.2]]`), ErrHoleOutside},
		{"hole crossing", ring(`[[0,0],[0.1,0],[0.1,0.1],[0,0.1],[0,0]],[[0.05,0.05],[0.2,0.05],[0.2,0.06],[0.05,0.05]]`), ErrSelfIntersection},
		{"too large", ring(`[[0,0],[40,0],[40,40],[0,40],[0,0]]`), ErrAreaTooLarge},
		{"bad role", `{"type":"Feature","properties":{"role":"lake"},"geometry":{"type":"Point","coordinates":[0,0]}}`, ErrBadParameter},
		{"negative weight", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"role":"demand","weight":-1},"geometry":{"type":"Point","coordinates":[0,0]}}]}`, ErrBadParameter},
	}
	for _, c := range cases {
		inc, err := ParseIncident([]byte(c.doc))
		if err == nil {
			_, err = Prepare(inc)
		}
		if !errors.Is(err, c.want) {
			t.Errorf("%s: error %v, want %v", c.name, err, c.want)
			continue
		}
		if !strings.Contains(err.Error(), "coverage:") {
			t.Errorf("%s: error %q does not name the package", c.name, err)
		}
	}
}

// An area split at the antimeridian as RFC 7946 asks is accepted, projected
// whole, and has the area of the unsplit square.
func TestAntimeridianSplit(t *testing.T) {
	doc := `{"type":"MultiPolygon","coordinates":[
	 [[[179.95,-17],[180,-17],[180,-16.9],[179.95,-16.9],[179.95,-17]]],
	 [[[-180,-17],[-179.95,-17],[-179.95,-16.9],[-180,-16.9],[-180,-17]]]]}`
	inc, err := ParseIncident([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := Prepare(inc)
	if err != nil {
		t.Fatal(err)
	}
	// 0.1 deg x 0.1 deg at 17 S: 10.63 km x 11.12 km.
	if a := reg.Area.Area() / 1e6; math.Abs(a-118.2) > 0.5 {
		t.Errorf("area %.2f km2, want about 118.2", a)
	}
	m := Measure(reg.Area, []Disk{{R: 20000}})
	if math.Abs(m.Fraction-1) > 1e-9 {
		t.Errorf("one disk over the whole split area covers %v", m.Fraction)
	}
	gap := `{"type":"MultiPolygon","coordinates":[
	 [[[179.95,-17],[179.999,-17],[179.999,-16.9],[179.95,-16.9],[179.95,-17]]],
	 [[[-179.999,-17],[-179.95,-17],[-179.95,-16.9],[-179.999,-16.9],[-179.999,-17]]]]}`
	inc, err = ParseIncident([]byte(gap))
	if err != nil {
		t.Fatal(err)
	}
	reg, err = Prepare(inc)
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := reg.Area.Bounds()
	if w := hi.X - lo.X; w > 11000 || w < 10000 {
		t.Errorf("projected width %.0f m, want about 10.6 km", w)
	}
}

func TestProjectionRoundTrip(t *testing.T) {
	for _, c := range []LonLat{{0, 0}, {113.6, 24.8}, {-179.99, -16.95}, {10, 89.5}} {
		pr, err := NewProjection(c)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range []LonLat{{0.3, 0.2}, {-0.5, 0.1}, {0.02, -0.4}} {
			ll := LonLat{Lon: wrapLon(c.Lon + d.Lon), Lat: math.Max(-90, math.Min(90, c.Lat+d.Lat))}
			back := pr.Inverse(pr.Forward(ll))
			if math.Abs(wrapLon(back.Lon-ll.Lon)) > 1e-9 || math.Abs(back.Lat-ll.Lat) > 1e-9 {
				t.Errorf("centre %v: %v -> %v", c, ll, back)
			}
		}
	}
	// Distances from the centre are exact: one degree of latitude north.
	pr, _ := NewProjection(LonLat{113.6, 24.8})
	p := pr.Forward(LonLat{113.6, 25.8})
	if want := EarthRadiusM * math.Pi / 180; math.Abs(p.Y-want) > 1e-6 || math.Abs(p.X) > 1e-6 {
		t.Errorf("1 deg north: %v, want (0, %v)", p, want)
	}
	if _, err := NewProjection(LonLat{math.NaN(), 0}); !errors.Is(err, ErrBadCoordinate) {
		t.Errorf("NaN centre: %v", err)
	}
}

func TestNormalizeRejectsNaN(t *testing.T) {
	m := MultiPolygon{{Ring{{0, 0}, {1, 0}, {math.NaN(), 1}}}}
	if _, err := m.Normalize(); !errors.Is(err, ErrBadCoordinate) {
		t.Errorf("NaN vertex: %v", err)
	}
	if _, err := (MultiPolygon{}).Normalize(); !errors.Is(err, ErrEmptyGeometry) {
		t.Errorf("empty: %v", err)
	}
}

// A multipolygon written as GeoJSON reads back as the same area.
func TestGeoMultiPolygonRoundTrip(t *testing.T) {
	doc := `{"type":"Polygon","coordinates":[[[10,50],[10.1,50],[10.1,50.1],[10,50.1],[10,50]],[[10.02,50.02],[10.02,50.05],[10.05,50.05],[10.05,50.02],[10.02,50.02]]]}`
	inc, err := ParseIncident([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	b, err := inc.Area.GeoJSON()
	if err != nil {
		t.Fatal(err)
	}
	again, err := ParseArea(b)
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	r1, err := Prepare(inc)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := Prepare(Incident{Area: again})
	if err != nil {
		t.Fatal(err)
	}
	if a1, a2 := r1.Area.Area(), r2.Area.Area(); math.Abs(a1-a2) > 1e-6*a1 {
		t.Errorf("area %v, after a round trip %v", a1, a2)
	}
}

// Overlapping area features are merged into their union (documented
// repair), so the overlap is neither rejected nor counted twice.
func TestOverlappingFeaturesMerged(t *testing.T) {
	doc := `{"type":"FeatureCollection","features":[
	 {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[0,0],[0.1,0],[0.1,0.1],[0,0.1],[0,0]]]}},
	 {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[0.05,0.05],[0.2,0.05],[0.2,0.2],[0.05,0.2],[0.05,0.05]]]}},
	 {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[0.01,0.01],[0.02,0.01],[0.02,0.02],[0.01,0.01]]]}}
	]}`
	inc, err := ParseIncident([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := Prepare(inc)
	if err != nil {
		t.Fatal(err)
	}
	// Union: 0.01 + 0.0225 - 0.0025 square degrees at the equator.
	deg := EarthRadiusM * math.Pi / 180
	want := 0.03 * deg * deg
	if got := reg.Area.Area(); math.Abs(got-want) > 1e-3*want {
		t.Errorf("merged area %.0f m2, want %.0f", got, want)
	}
	if len(reg.Area) != 1 {
		t.Errorf("%d polygons after merging, want 1", len(reg.Area))
	}
}

// CheckArea makes, at parse time, the planar checks Prepare makes: what the
// API path refuses when it plans, the MQTT path refuses on receipt.
func TestCheckArea(t *testing.T) {
	if _, err := CheckArea([]byte(`{"type":"Polygon","coordinates":[[[6,45],[6.01,45],[6.01,45.01],[6,45.01],[6,45]]]}`)); err != nil {
		t.Errorf("square: %v", err)
	}
	for name, c := range map[string]struct {
		doc  string
		want error
	}{
		"bow-tie":      {`{"type":"Polygon","coordinates":[[[6,45],[6.01,45.01],[6.01,45],[6,45.01],[6,45]]]}`, ErrSelfIntersection},
		"hole outside": {`{"type":"Polygon","coordinates":[[[6,45],[6.01,45],[6.01,45.01],[6,45]],[[7,46],[7.001,46],[7.001,46.001],[7,46]]]}`, ErrHoleOutside},
		"open ring":    {`{"type":"Polygon","coordinates":[[[6,45],[6.01,45],[6.01,45.01],[6,45.5]]]}`, ErrRingNotClosed},
		"too large":    {`{"type":"Polygon","coordinates":[[[0,0],[40,0],[40,40],[0,40],[0,0]]]}`, ErrAreaTooLarge},
	} {
		if _, err := CheckArea([]byte(c.doc)); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
}
