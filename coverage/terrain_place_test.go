package coverage_test

import (
	"os"
	"testing"

	"github.com/aerocell/aerocell/coverage"
)

func crawfordNotch(t testing.TB) *coverage.Region {
	t.Helper()
	return loadRegion(t, "testdata/terrain/crawford-notch.geojson")
}

// loadRegion reads a GeoJSON incident and prepares it.
func loadRegion(t testing.TB, path string) *coverage.Region {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	inc, err := coverage.ParseIncident(data)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := coverage.Prepare(inc)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}
