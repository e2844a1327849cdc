package coverage

import (
	"fmt"
	"math"
	"sort"
)

// Ring is a closed ring in local metres, stored open: the last point is not
// repeated.
type Ring []Point

// Polygon is an exterior ring (counter-clockwise) followed by holes
// (clockwise).
type Polygon []Ring

// MultiPolygon is a set of polygons whose interiors do not overlap.
type MultiPolygon []Polygon

// signedArea is positive for counter-clockwise rings.
func (r Ring) signedArea() float64 {
	var s float64
	n := len(r)
	for i := 0; i < n; i++ {
		a, b := r[i], r[(i+1)%n]
		s += a.X*b.Y - b.X*a.Y
	}
	return s / 2
}

func (r Ring) collinear() bool {
	for i := 2; i < len(r); i++ {
		if cross(r[0], r[1], r[i]) != 0 {
			return false
		}
	}
	return true
}

// Area is the area in square metres (holes subtracted).
func (p Polygon) Area() float64 {
	var s float64
	for i, r := range p {
		a := math.Abs(r.signedArea())
		if i == 0 {
			s += a
		} else {
			s -= a
		}
	}
	return s
}

// Area is the total area in square metres.
func (m MultiPolygon) Area() float64 {
	var s float64
	for _, p := range m {
		s += p.Area()
	}
	return s
}

// Contains reports whether pt is inside (even-odd over all rings, which is
// the same as "inside an exterior and outside its holes" for a valid
// multipolygon). Use a prepared index for many queries.
func (m MultiPolygon) Contains(pt Point) bool {
	in := false
	for _, p := range m {
		for _, r := range p {
			if ringCrossings(r, pt) {
				in = !in
			}
		}
	}
	return in
}

// ringCrossings reports whether a ray from pt towards +X crosses r an odd
// number of times.
func ringCrossings(r Ring, pt Point) bool {
	in := false
	n := len(r)
	for i, j := 0, n-1; i < n; j, i = i, i+1 {
		a, b := r[i], r[j]
		if (a.Y > pt.Y) != (b.Y > pt.Y) {
			x := a.X + (pt.Y-a.Y)*(b.X-a.X)/(b.Y-a.Y)
			if pt.X < x {
				in = !in
			}
		}
	}
	return in
}

// Bounds returns the bounding box.
func (m MultiPolygon) Bounds() (lo, hi Point) {
	lo = Point{math.Inf(1), math.Inf(1)}
	hi = Point{math.Inf(-1), math.Inf(-1)}
	for _, p := range m {
		for _, r := range p {
			for _, q := range r {
				lo.X, lo.Y = math.Min(lo.X, q.X), math.Min(lo.Y, q.Y)
				hi.X, hi.Y = math.Max(hi.X, q.X), math.Max(hi.Y, q.Y)
			}
		}
	}
	return lo, hi
}

type segment struct {
	a, b       Point
	poly, ring int
	idx        int // index of a in its ring
	n          int // ring length
}

func (m MultiPolygon) segments() []segment {
	var out []segment
	for pi, p := range m {
		for ri, r := range p {
			for i := range r {
				out = append(out, segment{a: r[i], b: r[(i+1)%len(r)], poly: pi, ring: ri, idx: i, n: len(r)})
			}
		}
	}
	return out
}

// segmentsIntersect reports whether closed segments ab and cd share a point.
func segmentsIntersect(a, b, c, d Point) bool {
	d1 := cross(c, d, a)
	d2 := cross(c, d, b)
	d3 := cross(a, b, c)
	d4 := cross(a, b, d)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	on := func(p, q, r Point) bool { // r on segment pq, given collinear
		return math.Min(p.X, q.X) <= r.X && r.X <= math.Max(p.X, q.X) && math.Min(p.Y, q.Y) <= r.Y && r.Y <= math.Max(p.Y, q.Y)
	}
	return (d1 == 0 && on(c, d, a)) || (d2 == 0 && on(c, d, b)) || (d3 == 0 && on(a, b, c)) || (d4 == 0 && on(a, b, d))
}

// Normalize checks a multipolygon and repairs what can be repaired without
// guessing: it drops repeated consecutive points and orients exterior rings
// counter-clockwise and holes clockwise (RFC 7946 asks for that winding but
// tells parsers not to reject the other one). It rejects rings with fewer
// than 3 distinct points, non-finite coordinates, rings that cross themselves
// or each other, holes outside their exterior, overlapping polygons and zero
// area. Ring crossings are found with a sweep over x, so the cost is about
// O(n log n + k) for n edges with k overlapping x-ranges.
func (m MultiPolygon) Normalize() (MultiPolygon, error) {
	if len(m) == 0 {
		return nil, ErrEmptyGeometry
	}
	out := make(MultiPolygon, 0, len(m))
	for pi, p := range m {
		if len(p) == 0 {
			return nil, fmt.Errorf("%w: polygon %d has no rings", ErrEmptyGeometry, pi)
		}
		np := make(Polygon, 0, len(p))
		for ri, r := range p {
			var nr Ring
			for i, q := range r {
				if !q.finite() {
					return nil, fmt.Errorf("%w: polygon %d ring %d vertex %d", ErrBadCoordinate, pi, ri, i)
				}
				if len(nr) > 0 && nr[len(nr)-1] == q {
					continue
				}
				nr = append(nr, q)
			}
			for len(nr) > 1 && nr[0] == nr[len(nr)-1] {
				nr = nr[:len(nr)-1]
			}
			if len(nr) < 3 {
				return nil, fmt.Errorf("%w: polygon %d ring %d has %d distinct points", ErrRingTooShort, pi, ri, len(nr))
			}
			if nr.collinear() {
				return nil, fmt.Errorf("%w: polygon %d ring %d has all its points on one line", ErrZeroArea, pi, ri)
			}
			// A ring whose signed area is 0 but is not a line crosses itself
			// (a symmetric bow tie); the crossing check below says so.
			if a := nr.signedArea(); a != 0 && (ri == 0) != (a > 0) {
				for i, j := 0, len(nr)-1; i < j; i, j = i+1, j-1 {
					nr[i], nr[j] = nr[j], nr[i]
				}
			}
			np = append(np, nr)
		}
		out = append(out, np)
	}
	if err := out.checkCrossings(); err != nil {
		return nil, err
	}
	for pi, p := range out {
		for ri := 1; ri < len(p); ri++ {
			if !ringCrossings(p[0], p[ri][0]) {
				return nil, fmt.Errorf("%w: polygon %d ring %d", ErrHoleOutside, pi, ri)
			}
			for rj := 1; rj < len(p); rj++ {
				if rj != ri && ringCrossings(p[rj], p[ri][0]) {
					return nil, fmt.Errorf("%w: polygon %d hole %d lies inside hole %d", ErrHoleOutside, pi, ri, rj)
				}
			}
		}
		for pj, q := range out {
			if pj == pi {
				continue
			}
			// A vertex of p off q's boundary tells whether p lies in q.
			v, ok := vertexOffBoundary(p[0], q)
			if ok && ringCrossings(q[0], v) {
				inHole := false
				for _, h := range q[1:] {
					if ringCrossings(h, v) {
						inHole = true
					}
				}
				if !inHole {
					return nil, fmt.Errorf("%w: polygon %d lies inside polygon %d", ErrOverlap, pi, pj)
				}
			}
		}
	}
	if a := out.Area(); !(a > 1e-6) {
		return nil, fmt.Errorf("%w: area %g m2", ErrZeroArea, a)
	}
	return out, nil
}

// checkCrossings finds any two edges that touch, other than neighbours in the
// same ring sharing their common vertex.
func (m MultiPolygon) checkCrossings() error {
	segs := m.segments()
	sort.Slice(segs, func(i, j int) bool {
		return math.Min(segs[i].a.X, segs[i].b.X) < math.Min(segs[j].a.X, segs[j].b.X)
	})
	var active []int
	for i := range segs {
		s := segs[i]
		minX := math.Min(s.a.X, s.b.X)
		k := 0
		for _, j := range active {
			if math.Max(segs[j].a.X, segs[j].b.X) >= minX {
				active[k] = j
				k++
			}
		}
		active = active[:k]
		for _, j := range active {
			t := segs[j]
			if math.Max(s.a.Y, s.b.Y) < math.Min(t.a.Y, t.b.Y) || math.Max(t.a.Y, t.b.Y) < math.Min(s.a.Y, s.b.Y) {
				continue
			}
			if s.poly == t.poly && s.ring == t.ring {
				d := (s.idx - t.idx + s.n) % s.n
				if d == 1 || d == s.n-1 {
					// Neighbours share one vertex; they cross only if collinear and overlapping.
					if s.n > 3 && collinearOverlap(s, t) {
						return fmt.Errorf("%w: polygon %d ring %d doubles back at vertex %d", ErrSelfIntersection, s.poly, s.ring, max(s.idx, t.idx))
					}
					continue
				}
			}
			if s.poly != t.poly {
				// Polygons of a multipolygon may share boundary (an area
				// split at the antimeridian as RFC 7946 asks), not cross.
				if segmentsCross(s.a, s.b, t.a, t.b) {
					return fmt.Errorf("%w: polygon %d crosses polygon %d", ErrOverlap, s.poly, t.poly)
				}
				continue
			}
			if segmentsIntersect(s.a, s.b, t.a, t.b) {
				if s.poly == t.poly && s.ring == t.ring {
					return fmt.Errorf("%w: polygon %d ring %d, edges %d and %d", ErrSelfIntersection, s.poly, s.ring, min(s.idx, t.idx), max(s.idx, t.idx))
				}
				return fmt.Errorf("%w: polygon %d: ring %d touches ring %d", ErrSelfIntersection, s.poly, s.ring, t.ring)
			}
		}
		active = append(active, i)
	}
	return nil
}

// segmentsCross reports whether ab and cd cross at a point interior to
// both (touching and collinear overlap do not count).
func segmentsCross(a, b, c, d Point) bool {
	d1, d2 := cross(c, d, a), cross(c, d, b)
	d3, d4 := cross(a, b, c), cross(a, b, d)
	return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))
}

// vertexOffBoundary returns a vertex or edge midpoint of r that is on no
// edge of q.
func vertexOffBoundary(r Ring, q Polygon) (Point, bool) {
	cands := append(Ring(nil), r...)
	for i := range r {
		cands = append(cands, lerp(r[i], r[(i+1)%len(r)], 0.5))
	}
	for _, v := range cands {
		on := false
		for _, qr := range q {
			for i := range qr {
				a, b := qr[i], qr[(i+1)%len(qr)]
				ab := b.sub(a)
				if math.Abs(cross(a, b, v)) <= 1e-9*(ab.X*ab.X+ab.Y*ab.Y) && math.Min(a.X, b.X) <= v.X && v.X <= math.Max(a.X, b.X) && math.Min(a.Y, b.Y) <= v.Y && v.Y <= math.Max(a.Y, b.Y) {
					on = true
				}
			}
		}
		if !on {
			return v, true
		}
	}
	return Point{}, false
}

func collinearOverlap(s, t segment) bool {
	// Shared vertex v; other ends p (of s) and q (of t). Overlap when p, v, q
	// are collinear and p, q on the same side of v.
	var v, p, q Point
	switch {
	case s.b == t.a:
		v, p, q = s.b, s.a, t.b
	case s.a == t.b:
		v, p, q = s.a, s.b, t.a
	default:
		return false
	}
	if cross(v, p, q) != 0 {
		return false
	}
	return (p.X-v.X)*(q.X-v.X)+(p.Y-v.Y)*(q.Y-v.Y) > 0
}

// regionIndex answers point-in-region queries in about constant time: a grid
// whose cells know whether their centre is inside and which edges cross them.
type regionIndex struct {
	lo      Point
	cell    float64
	nx, ny  int
	inside  []bool
	edges   [][]int32
	segs    []segment
	area    float64
	hiBound Point
	// clear[k] is the distance in cells from cell k to the nearest cell
	// crossed by an edge (chamfer estimate, a lower bound up to one cell).
	clear []int32
}

func newRegionIndex(m MultiPolygon, cellHint float64) *regionIndex {
	lo, hi := m.Bounds()
	segs := m.segments()
	w, h := hi.X-lo.X, hi.Y-lo.Y
	cell := cellHint
	// Aim at a few edges per cell and at most ~1M cells.
	if c := math.Sqrt(w * h / 1e6); cell < c {
		cell = c
	}
	if c := math.Sqrt(w*h/float64(4*len(segs)+1)) / 2; cell > c && c > 0 {
		cell = math.Max(c, math.Sqrt(w*h/1e6))
	}
	if !(cell > 0) {
		cell = math.Max(w, h) + 1
	}
	ix := &regionIndex{lo: lo, cell: cell, segs: segs, area: m.Area(), hiBound: hi}
	ix.nx = int(w/cell) + 1
	ix.ny = int(h/cell) + 1
	ix.inside = make([]bool, ix.nx*ix.ny)
	ix.edges = make([][]int32, ix.nx*ix.ny)
	for si, s := range segs {
		x0, x1 := ix.col(math.Min(s.a.X, s.b.X)), ix.col(math.Max(s.a.X, s.b.X))
		y0, y1 := ix.row(math.Min(s.a.Y, s.b.Y)), ix.row(math.Max(s.a.Y, s.b.Y))
		for j := y0; j <= y1; j++ {
			for i := x0; i <= x1; i++ {
				if x1 > x0 && y1 > y0 && !segTouchesBox(s.a, s.b, ix.cellLo(i, j), cell) {
					continue
				}
				ix.edges[j*ix.nx+i] = append(ix.edges[j*ix.nx+i], int32(si))
			}
		}
	}
	ix.chamfer()
	xs := make([]float64, 0, 64)
	for j := 0; j < ix.ny; j++ {
		y := lo.Y + (float64(j)+0.5)*cell
		xs = crossingsAt(segs, y, xs[:0])
		for k := 0; k+1 < len(xs); k += 2 {
			a, b := ix.colF(xs[k]), ix.colF(xs[k+1])
			for i := max(0, int(math.Ceil(a))); i <= min(ix.nx-1, int(math.Floor(b))); i++ {
				ix.inside[j*ix.nx+i] = true
			}
		}
	}
	return ix
}

// chamfer fills clear with a two-pass 8-neighbour distance transform
// (in cells, Chebyshev metric, which never exceeds the Euclidean one).
func (ix *regionIndex) chamfer() {
	n := ix.nx * ix.ny
	ix.clear = make([]int32, n)
	const inf = math.MaxInt32 / 2
	for k := range ix.clear {
		if len(ix.edges[k]) == 0 {
			ix.clear[k] = inf
		}
	}
	at := func(i, j int) int32 {
		if i < 0 || j < 0 || i >= ix.nx || j >= ix.ny {
			return inf
		}
		return ix.clear[j*ix.nx+i]
	}
	for j := 0; j < ix.ny; j++ {
		for i := 0; i < ix.nx; i++ {
			k := j*ix.nx + i
			v := ix.clear[k]
			v = min(v, at(i-1, j)+1, at(i-1, j-1)+1, at(i, j-1)+1, at(i+1, j-1)+1)
			ix.clear[k] = v
		}
	}
	for j := ix.ny - 1; j >= 0; j-- {
		for i := ix.nx - 1; i >= 0; i-- {
			k := j*ix.nx + i
			v := ix.clear[k]
			v = min(v, at(i+1, j)+1, at(i+1, j+1)+1, at(i, j+1)+1, at(i-1, j+1)+1)
			ix.clear[k] = v
		}
	}
}

// interior reports whether the disk of radius r around c lies wholly
// inside the region (false when unsure).
func (ix *regionIndex) interior(c Point, r float64) bool {
	if c.X < ix.lo.X || c.Y < ix.lo.Y || c.X > ix.hiBound.X || c.Y > ix.hiBound.Y {
		return false
	}
	k := ix.row(c.Y)*ix.nx + ix.col(c.X)
	// Any point within (clear-1) cells of c's cell is in an edge-free cell
	// connected to c's without crossing an edge, so it has c's side.
	return ix.inside[k] && len(ix.edges[k]) == 0 && float64(ix.clear[k]-1)*ix.cell > r
}

// crossingsAt returns the sorted x of edge crossings with the line at y.
func crossingsAt(segs []segment, y float64, xs []float64) []float64 {
	for _, s := range segs {
		if (s.a.Y > y) != (s.b.Y > y) {
			xs = append(xs, s.a.X+(y-s.a.Y)*(s.b.X-s.a.X)/(s.b.Y-s.a.Y))
		}
	}
	sort.Float64s(xs)
	return xs
}

func (ix *regionIndex) colF(x float64) float64 { return (x-ix.lo.X)/ix.cell - 0.5 }
func (ix *regionIndex) col(x float64) int {
	return min(ix.nx-1, max(0, int((x-ix.lo.X)/ix.cell)))
}
func (ix *regionIndex) row(y float64) int {
	return min(ix.ny-1, max(0, int((y-ix.lo.Y)/ix.cell)))
}
func (ix *regionIndex) cellLo(i, j int) Point {
	return Point{ix.lo.X + float64(i)*ix.cell, ix.lo.Y + float64(j)*ix.cell}
}

func segTouchesBox(a, b, lo Point, size float64) bool {
	// Liang-Barsky clip of segment ab against the box, slightly enlarged.
	e := size * 1e-9
	t0, t1 := 0.0, 1.0
	dx, dy := b.X-a.X, b.Y-a.Y
	for _, c := range [4][2]float64{{-dx, a.X - (lo.X - e)}, {dx, lo.X + size + e - a.X}, {-dy, a.Y - (lo.Y - e)}, {dy, lo.Y + size + e - a.Y}} {
		p, q := c[0], c[1]
		if p == 0 {
			if q < 0 {
				return false
			}
			continue
		}
		r := q / p
		if p < 0 {
			t0 = math.Max(t0, r)
		} else {
			t1 = math.Min(t1, r)
		}
		if t0 > t1 {
			return false
		}
	}
	return true
}

// contains reports whether p is inside the region.
func (ix *regionIndex) contains(p Point) bool {
	if p.X < ix.lo.X || p.Y < ix.lo.Y || p.X > ix.hiBound.X || p.Y > ix.hiBound.Y {
		return false
	}
	i, j := ix.col(p.X), ix.row(p.Y)
	k := j*ix.nx + i
	in := ix.inside[k]
	es := ix.edges[k]
	if len(es) == 0 {
		return in
	}
	c := ix.cellLo(i, j).add(Point{ix.cell / 2, ix.cell / 2})
	// Toggle for each edge crossed by the segment from the cell centre to p:
	// a horizontal move then a vertical move keeps the tests simple.
	mid := Point{p.X, c.Y}
	for _, si := range es {
		s := ix.segs[si]
		// Horizontal leg c -> mid at y = c.Y (half-open rule on y).
		if (s.a.Y > c.Y) != (s.b.Y > c.Y) {
			x := s.a.X + (c.Y-s.a.Y)*(s.b.X-s.a.X)/(s.b.Y-s.a.Y)
			if (x > math.Min(c.X, mid.X)) && (x <= math.Max(c.X, mid.X)) {
				in = !in
			}
		}
		// Vertical leg mid -> p at x = p.X (half-open rule on x).
		if (s.a.X > p.X) != (s.b.X > p.X) {
			y := s.a.Y + (p.X-s.a.X)*(s.b.Y-s.a.Y)/(s.b.X-s.a.X)
			if (y > math.Min(mid.Y, p.Y)) && (y <= math.Max(mid.Y, p.Y)) {
				in = !in
			}
		}
	}
	return in
}
