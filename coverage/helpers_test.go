package coverage

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

// blob is a star-shaped test area of the given area (km^2) with a wavy
// boundary of 96 vertices, centred on the origin.
func blob(areaKm2 float64, seed int) MultiPolygon {
	const n = 96
	r := make([]float64, n)
	for i := range r {
		t := 2 * math.Pi * float64(i) / n
		r[i] = 1 + 0.18*math.Sin(3*t+float64(seed)) + 0.1*math.Cos(5*t+2*float64(seed)) + 0.05*math.Sin(11*t)
	}
	ring := make(Ring, n)
	for i := range ring {
		s, c := math.Sincos(2 * math.Pi * float64(i) / n)
		ring[i] = Point{r[i] * c, r[i] * s}
	}
	a := ring.signedArea()
	k := math.Sqrt(areaKm2 * 1e6 / a)
	for i := range ring {
		ring[i] = ring[i].scale(k)
	}
	m, err := MultiPolygon{{ring}}.Normalize()
	if err != nil {
		panic(err)
	}
	return m
}

// sharedAreas loads the sample areas copied into testdata.
func sharedAreas(t testing.TB) map[string]*Region {
	t.Helper()
	files, err := filepath.Glob("testdata/areas/*.geojson")
	if err != nil || len(files) == 0 {
		t.Fatalf("no sample areas in testdata/areas: %v", err)
	}
	out := map[string]*Region{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inc, err := ParseIncident(b)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		reg, err := Prepare(inc)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[filepath.Base(f[:len(f)-len(".geojson")])] = reg
	}
	return out
}

// loadRegion reads a GeoJSON incident and prepares it.
func loadRegion(tb testing.TB, path string) *Region {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	inc, err := ParseIncident(data)
	if err != nil {
		tb.Fatal(err)
	}
	reg, err := Prepare(inc)
	if err != nil {
		tb.Fatal(err)
	}
	return reg
}
