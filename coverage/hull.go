package coverage

import (
	"cmp"
	"slices"
)

// ConvexHull is the convex hull of pts by Andrew's monotone chain: a
// counter-clockwise ring, stored open, with no repeated point and no
// collinear vertex. Fewer than three distinct points, or points all on one
// line, give a hull of fewer than three points. pts is not changed.
func ConvexHull(pts []Point) Ring {
	ps := slices.Clone(pts)
	slices.SortFunc(ps, func(a, b Point) int {
		if c := cmp.Compare(a.X, b.X); c != 0 {
			return c
		}
		return cmp.Compare(a.Y, b.Y)
	})
	ps = slices.Compact(ps)
	var h Ring
	for _, p := range ps {
		for len(h) >= 2 && cross(h[len(h)-2], h[len(h)-1], p) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, p)
	}
	lower := len(h) + 1
	for i := len(ps) - 2; i >= 0; i-- {
		p := ps[i]
		for len(h) >= lower && cross(h[len(h)-2], h[len(h)-1], p) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, p)
	}
	if len(h) > 1 {
		h = h[:len(h)-1]
	}
	return h
}

// OffsetConvex pushes each edge of the counter-clockwise convex ring h out
// by d metres, the edges meeting at mitred corners: the result contains
// every point within d of h. A corner sharper than 23 degrees, whose mitre
// would run out more than 5 d, is squared off instead by two vertices d
// beyond the corner along each edge. h is not changed.
func OffsetConvex(h Ring, d float64) Ring {
	n := len(h)
	out := make(Ring, 0, n)
	for i := range h {
		prev, cur, next := h[(i+n-1)%n], h[i], h[(i+1)%n]
		n1 := outward(prev, cur)
		n2 := outward(cur, next)
		bis := n1.add(n2)
		bl := bis.norm()
		if bl < 1e-9 {
			out = append(out, cur.add(n1.scale(d)))
			continue
		}
		bis = bis.scale(1 / bl)
		if cos := bis.X*n1.X + bis.Y*n1.Y; cos >= 0.2 {
			out = append(out, cur.add(bis.scale(d/cos)))
			continue
		}
		// Square: the edge directions are the normals turned a quarter
		// counter-clockwise.
		e1, e2 := Point{X: -n1.Y, Y: n1.X}, Point{X: -n2.Y, Y: n2.X}
		out = append(out, cur.add(n1.add(e1).scale(d)), cur.add(n2.sub(e2).scale(d)))
	}
	return out
}

// outward is the unit normal pointing out of a counter-clockwise edge a->b
// (zero for an edge of no length).
func outward(a, b Point) Point {
	v := b.sub(a)
	l := v.norm()
	if l == 0 {
		return Point{}
	}
	return Point{X: v.Y / l, Y: -v.X / l}
}
