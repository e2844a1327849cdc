package coverage

import (
	"math"
	"math/rand/v2"
	"testing"
)

func square(x0, y0, s float64) Ring {
	return Ring{{x0, y0}, {x0 + s, y0}, {x0 + s, y0 + s}, {x0, y0 + s}}
}

func TestMeasureAnalytic(t *testing.T) {
	area := MultiPolygon{{square(0, 0, 10000)}}
	// A disk well inside: pi r^2 / A.
	m := Measure(area, []Disk{{C: Point{5000, 5000}, R: 2000}})
	want := math.Pi * 4e6 / 1e8
	if math.Abs(m.Fraction-want) > m.ErrorBound+1e-4 {
		t.Errorf("inside disk: %v, want %v (bound %v)", m.Fraction, want, m.ErrorBound)
	}
	// A quarter disk in a corner.
	m = Measure(area, []Disk{{C: Point{0, 0}, R: 3000}})
	want = math.Pi * 9e6 / 4 / 1e8
	if math.Abs(m.Fraction-want) > m.ErrorBound+1e-4 {
		t.Errorf("corner disk: %v, want %v (bound %v)", m.Fraction, want, m.ErrorBound)
	}
	// Two overlapping disks: the lens is counted once.
	r, d := 2000.0, 2000.0
	lens := 2*r*r*math.Acos(d/(2*r)) - d/2*math.Sqrt(4*r*r-d*d)
	m = Measure(area, []Disk{{C: Point{4000, 5000}, R: r}, {C: Point{6000, 5000}, R: r}})
	want = (2*math.Pi*r*r - lens) / 1e8
	if math.Abs(m.Fraction-want) > m.ErrorBound+1e-4 {
		t.Errorf("two disks: %v, want %v", m.Fraction, want)
	}
}

// Holes are never counted as covered.
func TestMeasureHoles(t *testing.T) {
	area, err := MultiPolygon{{square(0, 0, 10000), square(3000, 3000, 4000)}}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	if a := area.Area(); a != 1e8-16e6 {
		t.Fatalf("area %v", a)
	}
	// A disk entirely inside the hole covers nothing.
	if m := Measure(area, []Disk{{C: Point{5000, 5000}, R: 1900}}); m.Fraction != 0 {
		t.Errorf("disk in the hole covers %v", m.Fraction)
	}
	// A disk over everything covers all of the area and nothing more.
	m := Measure(area, []Disk{{C: Point{5000, 5000}, R: 8000}})
	if m.Fraction != 1 || math.Abs(m.CoveredM2-(1e8-16e6)) > 1 {
		t.Errorf("big disk: %+v", m)
	}
	// A disk over the hole: only the ring around the hole counts.
	m = Measure(area, []Disk{{C: Point{5000, 5000}, R: 3000}})
	want := (math.Pi*9e6 - 16e6) / (1e8 - 16e6)
	if math.Abs(m.Fraction-want) > m.ErrorBound+1e-4 {
		t.Errorf("disk over the hole: %v, want %v", m.Fraction, want)
	}
	// The uncovered polygons never include the hole either.
	un, err := Uncovered(area, []Disk{{C: Point{5000, 5000}, R: 3000}})
	if err != nil {
		t.Fatal(err)
	}
	if got := un.Area() / area.Area(); math.Abs(got-(1-want)) > 2e-3 {
		t.Errorf("uncovered polygons %v of the area, want %v", got, 1-want)
	}
	if un.Contains(Point{5000, 5000}) {
		t.Error("the hole is reported uncovered")
	}
}

// Coverage is never above 1, never below 0, and the exact overlay agrees
// with the scan.
func TestMeasureAgreesWithOverlay(t *testing.T) {
	regs := sharedAreas(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for name, reg := range regs {
		lo, hi := reg.Area.Bounds()
		for trial := 0; trial < 3; trial++ {
			var ds []Disk
			for i := 0; i < 5+trial*10; i++ {
				ds = append(ds, Disk{C: Point{lo.X + rng.Float64()*(hi.X-lo.X), lo.Y + rng.Float64()*(hi.Y-lo.Y)}, R: 1000 + rng.Float64()*4000})
			}
			m := Measure(reg.Area, ds)
			if m.Fraction < 0 || m.Fraction > 1 {
				t.Fatalf("%s: fraction %v", name, m.Fraction)
			}
			un, err := Uncovered(reg.Area, ds)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			over := 1 - un.Area()/reg.Area.Area()
			// 64-gons of equal area differ from circles by a sliver at each
			// boundary crossing: a few 1e-4 of the area.
			if math.Abs(over-m.Fraction) > 2e-3 {
				t.Errorf("%s: scan %v, overlay %v", name, m.Fraction, over)
			}
			if m.ErrorBound > 1e-3 {
				t.Errorf("%s: error bound %v", name, m.ErrorBound)
			}
		}
	}
}

// TestMeasureWholeIsOne: an area its disks cover whole measures exactly 1,
// so that a target of 100% can be met (the sums of covered and total
// length used to round apart, to 1 - 3e-16).
func TestMeasureWholeIsOne(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for i := 0; i < 20; i++ {
		var ring Ring
		n := 5 + rng.IntN(20)
		for k := 0; k < n; k++ {
			s, c := math.Sincos(2 * math.Pi * (float64(k) + 0.8*rng.Float64()) / float64(n))
			d := 1000 + 9000*rng.Float64()
			ring = append(ring, Point{X: d * c, Y: d * s})
		}
		area, err := MultiPolygon{{ring}}.Normalize()
		if err != nil {
			t.Fatal(err)
		}
		// A hexagonal lattice of 3 km cells over the whole box.
		var disks []Disk
		for row := 0; row <= 6; row++ {
			x0 := -12_000 + float64(row%2)*1500*math.Sqrt(3)
			for x := x0; x <= 12_000; x += 3000 * math.Sqrt(3) {
				disks = append(disks, Disk{C: Point{X: x, Y: -13_500 + 4500*float64(row)}, R: 3000})
			}
		}
		if m := Measure(area, disks); m.Fraction != 1 {
			t.Errorf("area %d covered whole measures %v, want 1", i, m.Fraction)
		}
	}
}
