package coverage_test

import (
	"context"
	"os"
	"testing"

	"github.com/aerocell/aerocell/coverage"
)

func crawfordNotch(t testing.TB) *coverage.Region {
	t.Helper()
	data, err := os.ReadFile("testdata/terrain/crawford-notch.geojson")
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

// TestPlanTerrainCrawford places 8 heavy multirotors over Crawford Notch
// with the SRTM tile and compares with the flat plan evaluated over the
// same terrain: placing over the terrain must cover more of the valley.
func TestPlanTerrainCrawford(t *testing.T) {
	reg := crawfordNotch(t)
	d := whiteMountains(t)
	prof, _ := coverage.ProfileByName(coverage.ProfileHeavy)
	req := coverage.Request{Profile: prof, Drones: 8, Seed: 1}
	flat, err := reg.Plan(req)
	if err != nil {
		t.Fatal(err)
	}
	if err := flat.ApplyTerrain(d, req, 0); err != nil {
		t.Fatal(err)
	}
	terr, err := reg.PlanTerrain(context.Background(), d, req, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("flat plan: claims %.4f, terrain gives %.4f; terrain plan: %.4f (flat claim of its stations %.4f)", flat.Terrain.FlatCoverage, flat.Coverage, terr.Coverage, terr.Terrain.FlatCoverage)
	for _, s := range terr.Stations {
		t.Logf("station %d: %.5f,%.5f alt %.0f ground %.0f", s.ID, s.Lat, s.Lon, s.AltM, *s.GroundM)
	}
	if len(terr.Stations) != 8 || !terr.Terrain.Placed {
		t.Fatalf("%d stations, placed %v", len(terr.Stations), terr.Terrain.Placed)
	}
	if !(terr.Coverage > flat.Coverage+0.03) {
		t.Errorf("placed over terrain %.4f, flat plan over terrain %.4f: want 3 points more", terr.Coverage, flat.Coverage)
	}
}
