package coverage

import (
	"fmt"
	"math"
	"math/rand/v2"
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
// cells 11.4 km apart reach 5.8 km along the strip each side), whole as
// well as to 99%, and the placer never uses more drones than the lattice,
// at either target.
func TestLatticeBound(t *testing.T) {
	for _, c := range []struct {
		area   string
		target float64
		want   int
	}{
		{"town", 0.99, 1},
		{"town", 1, 1},
		{"coastal-strip", 0.99, 7},
		{"coastal-strip", 1, 7},
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

// strip is an 80 km x 3 km rectangle turned deg degrees from east.
func strip(t *testing.T, deg float64) MultiPolygon {
	t.Helper()
	s, c := math.Sincos(deg * math.Pi / 180)
	var ring Ring
	for _, q := range []Point{{-40_000, -1500}, {40_000, -1500}, {40_000, 1500}, {-40_000, 1500}} {
		ring = append(ring, Point{X: 5000 + c*q.X - s*q.Y, Y: -2000 + s*q.X + c*q.Y})
	}
	area, err := MultiPolygon{{ring}}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	return area
}

// checkWithinLattice places the area in fewest mode and checks that the
// plan and the best pruned lattice both reach the target, and that the
// plan uses no more drones than the lattice. It returns the plan's count.
func checkWithinLattice(t *testing.T, name string, area MultiPolygon, r, target float64) int {
	t.Helper()
	pl, err := Place(PlaceOptions{Area: area, RadiusM: r, Target: target, Seed: 1})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	lat := BestLattice(area, r, target, nil)
	if lat.Coverage.Fraction < target {
		t.Errorf("%s: the lattice of %d covers %v, below the target %v", name, lat.Drones, lat.Coverage.Fraction, target)
	}
	if pl.Coverage.Fraction < target {
		t.Errorf("%s: the plan of %d covers %v, below the target %v", name, len(pl.Disks), pl.Coverage.Fraction, target)
	}
	if len(pl.Disks) > lat.Drones {
		t.Errorf("%s: the plan uses %d drones, the best pruned lattice %d", name, len(pl.Disks), lat.Drones)
	}
	return len(pl.Disks)
}

// TestLatticeBoundStrip: seven 6 km cells cover an 80 km x 3 km strip,
// whole (11.6 km apart they reach 5.8 km each side along it, 81.3 km in
// all), at any heading. Gradient ascent alone ended a hair short of 100%
// (slivers between circles thinner than its circle points) and the
// placer used 8; settle closes them.
func TestLatticeBoundStrip(t *testing.T) {
	for _, deg := range []float64{0, 30, 45, 90} {
		for _, target := range []float64{0.99, 1} {
			name := fmt.Sprintf("strip at %v degrees, target %v", deg, target)
			if n := checkWithinLattice(t, name, strip(t, deg), 6000, target); n != 7 {
				t.Errorf("%s: %d drones, want 7", name, n)
			}
		}
	}
}

// randomArea is a random simple polygon: a star of 5 to 24 vertices,
// stretched and turned, 3 to 27 km across.
func randomArea(t *testing.T, rng *rand.Rand) MultiPolygon {
	t.Helper()
	n := 5 + rng.IntN(20)
	size := 3000 + rng.Float64()*15_000
	stretch := 0.3 + rng.Float64()*1.4
	s, c := math.Sincos(rng.Float64() * math.Pi)
	var ring Ring
	for i := 0; i < n; i++ {
		a := 2 * math.Pi * (float64(i) + 0.8*rng.Float64()) / float64(n)
		d := size * (0.5 + rng.Float64())
		x, y := d*math.Cos(a)*stretch, d*math.Sin(a)/stretch
		ring = append(ring, Point{X: c*x - s*y, Y: s*x + c*y})
	}
	area, err := MultiPolygon{{ring}}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	return area
}

// TestPlacerWithinLatticeRandom is the bound as a property: over random
// polygons, radii and targets, the plan reaches the target with no more
// drones than the best pruned lattice, which reaches it too. Before, the
// placer compared itself with a quicker lattice search than BestLattice
// (9 drones against a lattice of 8), a lattice could not reach 100% (the
// cells that only graze the area were never added back), and a layout
// covering the area whole measured 1 - 3e-16.
func TestPlacerWithinLatticeRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for i, done := 0, 0; done < 14; i++ {
		area := randomArea(t, rng)
		r := []float64{2000, 4000, 6000}[rng.IntN(3)]
		target := []float64{0.95, 0.99, 1}[rng.IntN(3)]
		if area.Area()/(math.Pi*r*r) > 15 {
			continue // keep the test quick: the property is the same
		}
		done++
		checkWithinLattice(t, fmt.Sprintf("area %d (%.0f km², r %.0f m, target %v)", i, area.Area()/1e6, r, target), area, r, target)
	}
}
