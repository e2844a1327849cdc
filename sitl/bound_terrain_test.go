package sitl

import (
	"maps"
	"math"
	"testing"

	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/fleet"
)

// Over terrain the bound places the same stations over the DEM and
// measures them there, where a flat cell's radius means little: a cell in
// a notch sees less of the area than the flat model says, one over a
// ridge more. The bound over terrain is checked against an independent
// measurement of its own kind: the footprints of the tethered stations
// alone, at their sites, never cover more than it.
func TestUpperBoundOverTerrain(t *testing.T) {
	sc := load(t, "irene-crawford.yaml")
	tr, err := newTruth(sc)
	if err != nil {
		t.Fatal(err)
	}
	radii := tr.radii
	over, err := UpperBound(sc, radii)
	if err != nil {
		t.Fatal(err)
	}
	flatSc := load(t, "irene-crawford.yaml")
	flatSc.terrain, flatSc.demDir = nil, ""
	flat, err := UpperBound(flatSc, radii)
	if err != nil {
		t.Fatal(err)
	}
	if !over.Terrain || flat.Terrain {
		t.Fatalf("terrain flags: over terrain %v, flat %v", over.Terrain, flat.Terrain)
	}
	t.Logf("flat %v, over terrain %v (stations %v)", flat.Coverage, over.Coverage, over.Stations)
	if over.AreaCeiling != nil {
		t.Errorf("a flat area ceiling over terrain: %v", over.AreaCeiling)
	}
	// the tethered posts alone, swept at the top of their tether over
	// their sites: what the bound must at least give
	prof := fleet.ProfilesOf(sc.Table())["tethered-multirotor"]
	env, err := coverage.EnvironmentByName(sc.Environment)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []fleet.Network{fleet.Public, fleet.Private} {
		var fps []*coverage.Footprint
		for _, s := range sc.LaunchSites {
			f, err := tr.region.StationFootprint(sc.terrain, prof.Radio, env, coverage.NetworkSet(n), coverage.LonLat{Lon: s.Lon, Lat: s.Lat}, prof.TetherM*0.8, truthStepM)
			if err != nil {
				t.Fatal(err)
			}
			fps = append(fps, f)
		}
		m, err := coverage.MeasureFootprints(tr.region.Area, fps, truthStepM)
		if err != nil {
			t.Fatal(err)
		}
		if !(over.Coverage[n] > m.Fraction) || over.Coverage[n] > 1 {
			t.Errorf("%s: bound over terrain %.3f, want in (%.3f, 1]: more than the tethered posts alone give", n, over.Coverage[n], m.Fraction)
		}
		if math.Abs(over.Coverage[n]-flat.Coverage[n]) < 0.01 {
			t.Errorf("%s: bound over terrain %.3f is the flat one %.3f", n, over.Coverage[n], flat.Coverage[n])
		}
	}
	if !maps.Equal(over.Stations, flat.Stations) {
		t.Errorf("stations over terrain %v, flat %v", over.Stations, flat.Stations)
	}
}
