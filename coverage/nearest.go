package coverage

import "math"

// ClosestOnSegment is the point of the segment ab nearest to p (a when the
// segment has no length).
func ClosestOnSegment(p, a, b Point) Point {
	ab := b.sub(a)
	t := 0.0
	if l2 := ab.X*ab.X + ab.Y*ab.Y; l2 > 0 {
		t = math.Max(0, math.Min(1, ((p.X-a.X)*ab.X+(p.Y-a.Y)*ab.Y)/l2))
	}
	return lerp(a, b, t)
}

// SegmentDist is the distance in metres from p to the segment ab.
func SegmentDist(p, a, b Point) float64 {
	return p.Dist(ClosestOnSegment(p, a, b))
}

// NearestEdge is the point of m's boundary (any ring, holes included)
// nearest to pt, and its distance from pt, whether pt is inside m or not.
// With no ring of m it is pt at an infinite distance.
func (m MultiPolygon) NearestEdge(pt Point) (Point, float64) {
	best, q := math.Inf(1), pt
	for _, poly := range m {
		for _, ring := range poly {
			for i := range ring {
				c := ClosestOnSegment(pt, ring[i], ring[(i+1)%len(ring)])
				if d := c.dist2(pt); d < best {
					best, q = d, c
				}
			}
		}
	}
	return q, math.Sqrt(best)
}

// Distance is the distance in metres from pt to m: zero inside, else to the
// nearest edge. With no ring of m it is infinite.
func (m MultiPolygon) Distance(pt Point) float64 {
	if m.Contains(pt) {
		return 0
	}
	_, d := m.NearestEdge(pt)
	return d
}

// Nearest is pt when it lies in m, else the point of m nearest to it
// stepped inM metres further in along the line from pt, or the nearest
// point of m's edge itself when that step would leave m (a narrow neck, a
// corner). With no ring of m it is pt.
func (m MultiPolygon) Nearest(pt Point, inM float64) Point {
	if m.Contains(pt) {
		return pt
	}
	q, d := m.NearestEdge(pt)
	if d == 0 || math.IsInf(d, 1) {
		return q
	}
	if in := q.add(q.sub(pt).scale(inM / d)); m.Contains(in) {
		return in
	}
	return q
}
