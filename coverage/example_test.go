package coverage_test

import (
	"fmt"

	"github.com/aerocell/aerocell/coverage"
)

// The radio side: the best altitude for a drone whose link tolerates 110 dB
// of path loss at 2 GHz over a city, with a 300 m ceiling.
func ExampleModel_BestAltitude() {
	env, _ := coverage.EnvironmentByName("urban")
	m, _ := coverage.NewModel(env, 2000)
	a, _ := m.BestAltitude(110, 0, 300)
	fmt.Printf("optimal elevation %.2f deg\n", a.OptimalElevationDeg)
	fmt.Printf("unconstrained: %.0f m up, %.0f m radius\n", a.OptimalAltM, a.OptimalRadiusM)
	fmt.Printf("at the ceiling: %.0f m up, %.0f m radius\n", a.AltM, a.RadiusM)
	// Output:
	// optimal elevation 42.44 deg
	// unconstrained: 2043 m up, 2234 m radius
	// at the ceiling: 300 m up, 801 m radius
}

// Planning and measuring: the fewest 3 km cells for 99% of a 20 km square.
func ExamplePlace() {
	square := coverage.MultiPolygon{{{{X: 0, Y: 0}, {X: 20000, Y: 0}, {X: 20000, Y: 20000}, {X: 0, Y: 20000}}}}
	area, err := square.Normalize()
	if err != nil {
		fmt.Println(err)
		return
	}
	pl, err := coverage.Place(coverage.PlaceOptions{Area: area, RadiusM: 3000})
	if err != nil {
		fmt.Println(err)
		return
	}
	live := coverage.Measure(area, pl.Disks)
	fmt.Printf("lower bound %.1f cells\n", pl.LowerBound)
	fmt.Println("at least 99%:", live.Fraction >= 0.99)
	fmt.Println("fewer than the lattice:", len(pl.Disks) < pl.Lattice.Drones)
	// Output:
	// lower bound 14.1 cells
	// at least 99%: true
	// fewer than the lattice: true
}

// Offset places a position by metres north and east of another, and
// Displacement reads them back.
func ExampleOffset() {
	lat, lon := coverage.Offset(45.0, 6.0, 1000, -500)
	fmt.Printf("%.5f, %.5f\n", lat, lon)
	n, e := coverage.Displacement(45.0, 6.0, lat, lon)
	fmt.Printf("%.1f m north, %.1f m east\n", n, e)
	// Output:
	// 45.00899, 5.99364
	// 1000.0 m north, -500.0 m east
}

// A geofence: the convex hull of an area's corners and a launch site, pushed
// out by a 50 m margin, and how far a target outside it lies.
func ExampleOffsetConvex() {
	pts := []coverage.Point{{X: 0, Y: 0}, {X: 1000, Y: 0}, {X: 1000, Y: 600}, {X: 0, Y: 600}, {X: 400, Y: 300}, {X: 1500, Y: 300}}
	hull := coverage.ConvexHull(pts)
	fmt.Println("hull:", hull)
	fence := coverage.MultiPolygon{{coverage.OffsetConvex(hull, 50)}}
	fmt.Printf("(0, -40) inside: %v; (0, -100) is %.0f m out\n", fence.Contains(coverage.Point{X: 0, Y: -40}), fence.Distance(coverage.Point{X: 0, Y: -100}))
	// Output:
	// hull: [{0 0} {1000 0} {1500 300} {1000 600} {0 600}]
	// (0, -40) inside: true; (0, -100) is 50 m out
}
