package coverage

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseIncident feeds arbitrary bytes through the whole GeoJSON path:
// parse, project, check, and (for valid areas) measure. It must never
// panic, and a valid area must have a positive finite area.
func FuzzParseIncident(f *testing.F) {
	files, _ := filepath.Glob("testdata/areas/*.geojson")
	for _, fn := range files {
		b, err := os.ReadFile(fn)
		if err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}`,
		`{"type":"Polygon","coordinates":[[[0,0],[0.1,0.1],[0.1,0],[0,0.1],[0,0]]]}`,
		`{"type":"MultiPolygon","coordinates":[[[[179.9,0],[180,0],[180,0.1],[179.9,0]]],[[[-180,0],[-179.9,0],[-180,0.1],[-180,0]]]]}`,
		`{"type":"Feature","properties":{"role":"demand"},"geometry":{"type":"Point","coordinates":[0,0]}}`,
		`{"type":"GeometryCollection","geometries":[{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null}]}`,
		`{}`, `[]`, `null`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		inc, err := ParseIncident(data)
		if err != nil {
			return
		}
		reg, err := Prepare(inc)
		if err != nil {
			return
		}
		a := reg.Area.Area()
		if !(a > 0) || !finite(a) {
			t.Fatalf("valid area with area %v", a)
		}
		lo, hi := reg.Area.Bounds()
		r := (hi.X - lo.X + hi.Y - lo.Y) / 4
		if r > 0 && a/(r*r) > 1e-6 {
			m := Measure(reg.Area, []Disk{{C: lerp(lo, hi, 0.5), R: r}})
			if m.Fraction < 0 || m.Fraction > 1 {
				t.Fatalf("fraction %v", m.Fraction)
			}
		}
	})
}
