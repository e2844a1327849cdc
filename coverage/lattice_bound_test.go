package coverage

import (
	"math"
	"testing"
)

// exampleArea is one of the example areas shipped with the binary.
func exampleArea(t *testing.T, name string) MultiPolygon {
	t.Helper()
	return loadRegion(t, "../examples/areas/"+name+".geojson").Area
}

// TestLatticeBound checks the flat placer against the best pruned
// hexagonal lattice (issue 11, item 7): a single 6 km cell covers the
// 6 km-wide town, and 7 cells of 6 km the 80 km x 3 km coastal strip (7
// cells 11.4 km apart reach 5.8 km along the strip each side), and the
// placer never uses more drones than the lattice, at either target.
func TestLatticeBound(t *testing.T) {
	for _, c := range []struct {
		area   string
		target float64
		want   int
	}{
		{"town", 0.99, 1},
		{"town", 1, 1},
		{"coastal-strip", 0.99, 7},
		{"coastal-strip", 1, 8},
	} {
		area := exampleArea(t, c.area)
		pl, err := Place(PlaceOptions{Area: area, RadiusM: 6000, Target: c.target, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		lat := BestLattice(area, 6000, c.target, nil)
		t.Logf("%s at %.2f: placer %d (%.4f), quick lattice %d, best lattice %d (%.4f)", c.area, c.target, len(pl.Disks), pl.Coverage.Fraction, pl.Lattice.Drones, lat.Drones, lat.Coverage.Fraction)
		if len(pl.Disks) > pl.Lattice.Drones || len(pl.Disks) > lat.Drones {
			t.Errorf("%s at %.2f: %d drones, more than the lattice's %d (best %d)", c.area, c.target, len(pl.Disks), pl.Lattice.Drones, lat.Drones)
		}
		if len(pl.Disks) != c.want || pl.Coverage.Fraction < c.target {
			t.Errorf("%s at %.2f: %d drones covering %.4f, want %d", c.area, c.target, len(pl.Disks), pl.Coverage.Fraction, c.want)
		}
	}
}

// TestLatticeCentredOnArea: a regular pentagon 5.9 km from its centre to
// each corner is covered by one 6 km cell on its centroid, which is 0.56 km
// off its bounding box's centre where the lattice's offsets start: the
// lattice search must try a cell on the centroid and find one drone.
func TestLatticeCentredOnArea(t *testing.T) {
	var ring Ring
	for k := 0; k <= 5; k++ {
		s, c := math.Sincos(2 * math.Pi * float64(k%5) / 5)
		ring = append(ring, Point{X: 10_000 + 5900*s, Y: -3000 + 5900*c})
	}
	area, err := MultiPolygon{{ring}}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	lat := BestLattice(area, 6000, 1, nil)
	if lat.Drones != 1 || lat.Coverage.Fraction < 1 {
		t.Errorf("pentagon: lattice of %d cells covering %.4f, want 1 covering it all", lat.Drones, lat.Coverage.Fraction)
	}
	pl, err := Place(PlaceOptions{Area: area, RadiusM: 6000, Target: 1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(pl.Disks) != 1 {
		t.Errorf("pentagon: placer used %d drones, want 1", len(pl.Disks))
	}
}
