package coverage

import (
	"math"
	"math/rand/v2"
	"testing"
)

func near(p, q Point) bool { return math.Abs(p.X-q.X) < 1e-9 && math.Abs(p.Y-q.Y) < 1e-9 }

func TestConvexHullSquare(t *testing.T) {
	// The corners of a square, its centre, a point on an edge and a repeated
	// corner: the hull is the four corners, counter-clockwise from the
	// lowest-left.
	pts := []Point{{10, 10}, {0, 0}, {5, 5}, {10, 0}, {0, 10}, {5, 0}, {0, 0}}
	want := Ring{{0, 0}, {10, 0}, {10, 10}, {0, 10}}
	got := ConvexHull(pts)
	if len(got) != len(want) {
		t.Fatalf("hull %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("hull %v, want %v", got, want)
		}
	}
	if pts[0] != (Point{10, 10}) || pts[1] != (Point{0, 0}) {
		t.Errorf("ConvexHull reordered its input: %v", pts)
	}
}

func TestConvexHullDegenerate(t *testing.T) {
	for _, c := range []struct {
		name string
		pts  []Point
		n    int
	}{
		{"none", nil, 0},
		{"one", []Point{{1, 2}}, 1},
		{"one twice", []Point{{1, 2}, {1, 2}}, 1},
		{"a line", []Point{{0, 0}, {1, 1}, {2, 2}, {3, 3}}, 2},
	} {
		if got := ConvexHull(c.pts); len(got) != c.n {
			t.Errorf("%s: hull %v, want %d points", c.name, got, c.n)
		}
	}
}

func TestOffsetConvexSquare(t *testing.T) {
	sq := Ring{{0, 0}, {10, 0}, {10, 10}, {0, 10}}
	got := OffsetConvex(sq, 2)
	want := Ring{{-2, -2}, {12, -2}, {12, 12}, {-2, 12}}
	if len(got) != len(want) {
		t.Fatalf("offset %v, want %v", got, want)
	}
	for i := range want {
		if !near(got[i], want[i]) {
			t.Errorf("corner %d: %v, want %v", i, got[i], want[i])
		}
	}
	if sq[0] != (Point{0, 0}) {
		t.Errorf("OffsetConvex changed its input: %v", sq)
	}
}

func TestOffsetConvexTriangle(t *testing.T) {
	// A right isosceles triangle: the right-angle corner moves d out along
	// both legs' normals, the 45-degree corners d/sin(22.5°) out along their
	// bisectors.
	tri := Ring{{0, 0}, {10, 0}, {0, 10}}
	d := 1.0
	got := OffsetConvex(tri, d)
	k := d / math.Sin(math.Pi/8)
	want := Ring{
		{-d, -d},
		{10 + k*math.Cos(math.Pi/8), -k * math.Sin(math.Pi/8)},
		{-k * math.Sin(math.Pi/8), 10 + k*math.Cos(math.Pi/8)},
	}
	for i := range want {
		if !near(got[i], want[i]) {
			t.Errorf("corner %d: %v, want %v", i, got[i], want[i])
		}
	}
}

// TestHullOffsetContains checks on random point sets that the hull holds
// every point and the offset hull every point d from the hull.
func TestHullOffsetContains(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 1))
	for trial := range 200 {
		pts := make([]Point, 3+rng.IntN(40))
		for i := range pts {
			pts[i] = Point{X: rng.Float64() * 1000, Y: rng.Float64() * 400}
		}
		h := ConvexHull(pts)
		if len(h) < 3 {
			t.Fatalf("trial %d: hull of %d random points has %d", trial, len(pts), len(h))
		}
		if h.signedArea() <= 0 {
			t.Fatalf("trial %d: hull is not counter-clockwise", trial)
		}
		for i := range h {
			if cross(h[i], h[(i+1)%len(h)], h[(i+2)%len(h)]) <= 0 {
				t.Fatalf("trial %d: hull not strictly convex at %d", trial, i)
			}
		}
		hull := MultiPolygon{{h}}
		for _, p := range pts {
			if !hull.Contains(p) && hull.Distance(p) > 1e-9 {
				t.Fatalf("trial %d: %v outside its hull", trial, p)
			}
		}
		const d = 50.0
		off := MultiPolygon{{OffsetConvex(h, d)}}
		for i := range h {
			// Points d - 1 m out from each vertex, in every direction.
			for a := 0.0; a < 2*math.Pi; a += math.Pi / 12 {
				s, c := math.Sincos(a)
				q := Point{X: h[i].X + (d-1)*c, Y: h[i].Y + (d-1)*s}
				if !off.Contains(q) {
					t.Fatalf("trial %d: %v, %.0f m from the hull, is outside the offset", trial, q, d-1)
				}
			}
		}
	}
}

func TestOffsetConvexSharpCorner(t *testing.T) {
	// A sliver with a 5.7-degree corner at the origin: its mitre would run
	// 10 d out, so the corner is squared off d beyond it along each edge;
	// the other two corners are mitred.
	tri := Ring{{0, 0}, {100, 0}, {100, 10}}
	got := OffsetConvex(tri, 1)
	if len(got) != 4 {
		t.Fatalf("offset %v, want 4 corners", got)
	}
	l := math.Hypot(100, 10)
	n1 := Point{X: -10 / l, Y: 100 / l} // out of the edge (100,10)->(0,0)
	e1 := Point{X: -100 / l, Y: -10 / l}
	if want := n1.add(e1); !near(got[0], want) {
		t.Errorf("first square corner %v, want %v", got[0], want)
	}
	if want := (Point{X: -1, Y: -1}); !near(got[1], want) {
		t.Errorf("second square corner %v, want %v", got[1], want)
	}
	if want := (Point{X: 101, Y: -1}); !near(got[2], want) {
		t.Errorf("right-angle corner %v, want %v", got[2], want)
	}
	off := MultiPolygon{{got}}
	for a := 0.0; a < 2*math.Pi; a += math.Pi / 36 {
		s, c := math.Sincos(a)
		if q := (Point{X: 0.999 * c, Y: 0.999 * s}); !off.Contains(q) {
			t.Errorf("%v, within d of the sharp corner, is outside the offset", q)
		}
	}
}
