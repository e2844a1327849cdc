package sitl

import (
	"maps"
	"testing"

	"github.com/aerocell/aerocell/fleet"
)

// Over terrain the bound places the same stations over the DEM and
// measures them there: no more than the flat bound's cells could cover,
// and less than the flat figure in a mountain valley, where the flat
// model's cells see over ridges.
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
	t.Logf("flat %v, over terrain %v (stations %v, ceiling %v)", flat.Coverage, over.Coverage, over.Stations, over.AreaCeiling)
	for _, n := range []fleet.Network{fleet.Public, fleet.Private} {
		if !(over.Coverage[n] > 0) || over.Coverage[n] > over.AreaCeiling[n]+1e-9 {
			t.Errorf("%s: bound over terrain %.3f, want in (0, %.3f]", n, over.Coverage[n], over.AreaCeiling[n])
		}
		if over.Coverage[n] >= flat.Coverage[n] {
			t.Errorf("%s: bound over terrain %.3f not under the flat one %.3f", n, over.Coverage[n], flat.Coverage[n])
		}
	}
	if !maps.Equal(over.Stations, flat.Stations) {
		t.Errorf("stations over terrain %v, flat %v", over.Stations, flat.Stations)
	}
}
