package coverage

import (
	"math"
	"testing"
)

func TestSegmentDist(t *testing.T) {
	a, b := Point{X: 0, Y: 0}, Point{X: 10, Y: 0}
	for _, c := range []struct {
		name    string
		p, near Point
		dist    float64
	}{
		{"beyond a", Point{X: -3, Y: 4}, a, 5},
		{"beyond b", Point{X: 13, Y: -4}, b, 5},
		{"over the middle", Point{X: 5, Y: 7}, Point{X: 5, Y: 0}, 7},
		{"on the segment", Point{X: 2, Y: 0}, Point{X: 2, Y: 0}, 0},
	} {
		if got := ClosestOnSegment(c.p, a, b); !near(got, c.near) {
			t.Errorf("%s: closest %v, want %v", c.name, got, c.near)
		}
		if got := SegmentDist(c.p, a, b); math.Abs(got-c.dist) > 1e-12 {
			t.Errorf("%s: distance %v, want %v", c.name, got, c.dist)
		}
	}
	// A segment of no length is its point.
	if got := SegmentDist(Point{X: 3, Y: 4}, Point{}, Point{}); got != 5 {
		t.Errorf("point segment: distance %v, want 5", got)
	}
}

// lShape is an L of 100 m arms, 40 m thick: the square (0,0)-(100,100)
// without (40,40)-(100,100).
var lShape = MultiPolygon{{{{X: 0, Y: 0}, {X: 100, Y: 0}, {X: 100, Y: 40}, {X: 40, Y: 40}, {X: 40, Y: 100}, {X: 0, Y: 100}}}}

func TestNearestLShape(t *testing.T) {
	for _, c := range []struct {
		name     string
		pt, edge Point
		dist     float64
		in       Point // Nearest(pt, 10)
	}{
		{"inside stays", Point{X: 10, Y: 80}, Point{X: 0, Y: 80}, 10, Point{X: 10, Y: 80}},
		{"in the notch, nearer the lower arm", Point{X: 80, Y: 50}, Point{X: 80, Y: 40}, 10, Point{X: 80, Y: 30}},
		{"in the notch, nearer the upper arm", Point{X: 45, Y: 90}, Point{X: 40, Y: 90}, 5, Point{X: 30, Y: 90}},
		{"off the inner corner", Point{X: 60, Y: 75}, Point{X: 40, Y: 75}, 20, Point{X: 30, Y: 75}},
		{"past the arm's end", Point{X: 130, Y: 20}, Point{X: 100, Y: 20}, 30, Point{X: 90, Y: 20}},
		{"off the outer corner", Point{X: -30, Y: -40}, Point{X: 0, Y: 0}, 50, Point{X: 6, Y: 8}},
		// Nearest the tip of a 40 m arm from straight beyond it: stepping
		// 10 m in stays inside.
		{"above the upper arm", Point{X: 20, Y: 150}, Point{X: 20, Y: 100}, 50, Point{X: 20, Y: 90}},
	} {
		e, d := lShape.NearestEdge(c.pt)
		if !near(e, c.edge) || math.Abs(d-c.dist) > 1e-9 {
			t.Errorf("%s: nearest edge %v at %v, want %v at %v", c.name, e, d, c.edge, c.dist)
		}
		if got := lShape.Nearest(c.pt, 10); !near(got, c.in) || !lShape.Contains(got) {
			t.Errorf("%s: nearest %v, want %v inside", c.name, got, c.in)
		}
		want := c.dist
		if lShape.Contains(c.pt) {
			want = 0
		}
		if got := lShape.Distance(c.pt); math.Abs(got-want) > 1e-9 {
			t.Errorf("%s: distance %v, want %v", c.name, got, want)
		}
	}
}

func TestNearestStepWouldLeave(t *testing.T) {
	// A 4 m wide strip: stepping 10 m in from its edge would cross it, so
	// the point of the edge itself is kept.
	strip := MultiPolygon{{{{X: 0, Y: 0}, {X: 100, Y: 0}, {X: 100, Y: 4}, {X: 0, Y: 4}}}}
	if got, want := strip.Nearest(Point{X: 50, Y: -20}, 10), (Point{X: 50, Y: 0}); !near(got, want) {
		t.Errorf("nearest %v, want %v", got, want)
	}
}

func TestNearestEmpty(t *testing.T) {
	var m MultiPolygon
	p := Point{X: 1, Y: 2}
	if q, d := m.NearestEdge(p); q != p || !math.IsInf(d, 1) {
		t.Errorf("empty: nearest edge %v at %v, want %v at +Inf", q, d, p)
	}
	if got := m.Nearest(p, 10); got != p {
		t.Errorf("empty: nearest %v, want %v", got, p)
	}
	if d := m.Distance(p); !math.IsInf(d, 1) {
		t.Errorf("empty: distance %v, want +Inf", d)
	}
}
