package coverage

import (
	"context"
	"math"
	"math/rand/v2"
	"sort"
)

// placer is the optimiser's working state: a grid of sample points over the
// area (each standing for h*h square metres) with a coverage count each, and
// the disks being placed. The counts are rebuilt or updated incrementally;
// the gradient uses exact circle geometry.
type placer struct {
	area    MultiPolygon
	reg     *regionIndex
	lo      Point
	h       float64
	gx, gy  int
	inside  []bool
	nInside int
	cnt     []int32
	covered int

	disks   []Disk
	movable []bool
	// anchors constrain disk centres: within anchorR[i] of anchor[i]
	// (tether reach, or demand points the disk must keep covering).
	anchors [][]anchor
	noFly   *regionIndex
	noFlyMP MultiPolygon

	// neighbour grid: disks bucketed by centre in cells of 2 max radius
	// (counting sort: cell c holds hidx[hstart[c]:hstart[c+1]]).
	hcell    float64
	hmargin  float64 // extra neighbour distance the grid must serve
	hlo      Point
	hnx, hny int
	hstart   []int32
	hidx     []int32
	hcellOf  []int32

	rng *rand.Rand
	// circle holds the unit-circle points for the gradient.
	circle []Point

	// ctx ends the search early: every loop that may run long checks
	// stopped() and returns what it has; the caller reports ctx.Err().
	ctx context.Context
}

// stopped reports whether the caller gave up on the search.
func (p *placer) stopped() bool { return p.ctx.Err() != nil }

type anchor struct {
	p Point
	r float64
}

// sampleSpacing picks the sample spacing for a radius and area: an eighth of
// the radius, coarser when that would exceed about 250,000 samples, finer
// when the area is small.
func sampleSpacing(area, r float64) float64 {
	h := r / 8
	if m := math.Sqrt(area / 250_000); h < m {
		h = m
	}
	// At least about 400 samples, however small the area is.
	return math.Min(h, math.Sqrt(area/400))
}

func newPlacer(area MultiPolygon, reg *regionIndex, h float64, seed uint64) *placer {
	for {
		p := newPlacerAt(area, reg, h, seed)
		// Thin areas can fall between sample rows: refine until enough
		// samples land inside (or the grid would get too big).
		if p.nInside >= 100 || p.gx*p.gy > 4_000_000 {
			return p
		}
		h /= 2
	}
}

func newPlacerAt(area MultiPolygon, reg *regionIndex, h float64, seed uint64) *placer {
	lo, hi := area.Bounds()
	p := &placer{area: area, reg: reg, lo: lo, h: h, rng: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)), circle: unitCircleCoarse, ctx: context.Background()}
	p.gx = int(math.Ceil((hi.X-lo.X)/h)) + 1
	p.gy = int(math.Ceil((hi.Y-lo.Y)/h)) + 1
	p.inside = make([]bool, p.gx*p.gy)
	p.cnt = make([]int32, p.gx*p.gy)
	// Rows by exact crossings (same rule as the region index).
	segs := reg.segs
	xs := make([]float64, 0, 64)
	for j := 0; j < p.gy; j++ {
		y := lo.Y + (float64(j)+0.5)*h
		xs = crossingsAt(segs, y, xs[:0])
		for k := 0; k+1 < len(xs); k += 2 {
			a := int(math.Ceil((xs[k]-lo.X)/h - 0.5))
			b := int(math.Floor((xs[k+1]-lo.X)/h - 0.5))
			for i := max(0, a); i <= min(p.gx-1, b); i++ {
				p.inside[j*p.gx+i] = true
				p.nInside++
			}
		}
	}
	return p
}

func (p *placer) sample(k int) Point {
	return Point{p.lo.X + (float64(k%p.gx)+0.5)*p.h, p.lo.Y + (float64(k/p.gx)+0.5)*p.h}
}

// span returns the rows of samples that disk d may cover.
func (p *placer) span(d Disk) (j0, j1 int) {
	j0 = max(0, int(math.Floor((d.C.Y-d.R-p.lo.Y)/p.h-0.5)))
	j1 = min(p.gy-1, int(math.Ceil((d.C.Y+d.R-p.lo.Y)/p.h-0.5)))
	return j0, j1
}

// chord returns the sample indices [a, b] of row j inside disk d (a > b
// when none).
func (p *placer) chord(d Disk, j int) (int, int) {
	y := p.lo.Y + (float64(j)+0.5)*p.h - d.C.Y
	w2 := d.R*d.R - y*y
	if w2 < 0 {
		return 1, 0
	}
	w := math.Sqrt(w2)
	a := max(0, int(math.Ceil((d.C.X-w-p.lo.X)/p.h-0.5)))
	b := min(p.gx-1, int(math.Floor((d.C.X+w-p.lo.X)/p.h-0.5)))
	return j*p.gx + a, j*p.gx + b
}

// forDisk calls f for every inside sample within d.
func (p *placer) forDisk(d Disk, f func(k int)) {
	j0, j1 := p.span(d)
	for j := j0; j <= j1; j++ {
		a, b := p.chord(d, j)
		for k := a; k <= b; k++ {
			if p.inside[k] {
				f(k)
			}
		}
	}
}

// touches reports whether d covers any inside sample.
func (p *placer) touches(d Disk) bool {
	j0, j1 := p.span(d)
	for j := j0; j <= j1; j++ {
		a, b := p.chord(d, j)
		for k := a; k <= b; k++ {
			if p.inside[k] {
				return true
			}
		}
	}
	return false
}

// gain counts the uncovered inside samples within d.
func (p *placer) gain(d Disk) int {
	n := 0
	j0, j1 := p.span(d)
	for j := j0; j <= j1; j++ {
		a, b := p.chord(d, j)
		for k := a; k <= b; k++ {
			if p.inside[k] && p.cnt[k] == 0 {
				n++
			}
		}
	}
	return n
}

func (p *placer) addDisk(d Disk, sign int32) {
	j0, j1 := p.span(d)
	for j := j0; j <= j1; j++ {
		a, b := p.chord(d, j)
		for k := a; k <= b; k++ {
			if !p.inside[k] {
				continue
			}
			if sign > 0 {
				if p.cnt[k] == 0 {
					p.covered++
				}
				p.cnt[k]++
			} else {
				p.cnt[k]--
				if p.cnt[k] == 0 {
					p.covered--
				}
			}
		}
	}
}

func (p *placer) rebuild() {
	clear(p.cnt)
	p.covered = 0
	for _, d := range p.disks {
		p.addDisk(d, 1)
	}
}

func (p *placer) fraction() float64 {
	if p.nInside == 0 {
		return 0
	}
	return float64(p.covered) / float64(p.nInside)
}

// exclusive counts the samples only disk i covers.
func (p *placer) exclusive(i int) int {
	d := p.disks[i]
	n := 0
	j0, j1 := p.span(d)
	for j := j0; j <= j1; j++ {
		a, b := p.chord(d, j)
		for k := a; k <= b; k++ {
			if p.inside[k] && p.cnt[k] == 1 {
				n++
			}
		}
	}
	return n
}

// maxHashCells bounds the placer's spatial hash.
const maxHashCells = 1 << 20

func (p *placer) buildHash() {
	maxR := 0.0
	for _, d := range p.disks {
		maxR = math.Max(maxR, d.R)
	}
	p.hcell = math.Max(2*maxR+p.hmargin, 1)
	hi := Point{p.lo.X + float64(p.gx)*p.h, p.lo.Y + float64(p.gy)*p.h}
	// Tiny cells over a large area would make the hash grid larger than
	// memory (a 30 m cell over a 286 km² strip: 300 million buckets); the
	// grid never has more than maxHashCells buckets, coarser if need be.
	if w, h := hi.X-p.lo.X, hi.Y-p.lo.Y; w*h > 0 {
		p.hcell = math.Max(p.hcell, math.Sqrt(w*h/maxHashCells))
	}
	p.hlo = p.lo.sub(Point{p.hcell, p.hcell})
	p.hnx = int((hi.X-p.hlo.X)/p.hcell) + 2
	p.hny = int((hi.Y-p.hlo.Y)/p.hcell) + 2
	n := p.hnx * p.hny
	if cap(p.hstart) < n+1 {
		p.hstart = make([]int32, n+1)
	}
	p.hstart = p.hstart[:n+1]
	clear(p.hstart)
	p.hcellOf = p.hcellOf[:0]
	for _, d := range p.disks {
		i, j := p.hcellXY(d.C)
		c := int32(j*p.hnx + i)
		p.hcellOf = append(p.hcellOf, c)
		p.hstart[c+1]++
	}
	for c := 1; c <= n; c++ {
		p.hstart[c] += p.hstart[c-1]
	}
	if cap(p.hidx) < len(p.disks) {
		p.hidx = make([]int32, len(p.disks))
	}
	p.hidx = p.hidx[:len(p.disks)]
	fill := append([]int32(nil), p.hstart[:n]...)
	for i, c := range p.hcellOf {
		p.hidx[fill[c]] = int32(i)
		fill[c]++
	}
}

// hcellXY is the (clamped) grid cell of a point.
func (p *placer) hcellXY(c Point) (int, int) {
	i := int(math.Floor((c.X - p.hlo.X) / p.hcell))
	j := int(math.Floor((c.Y - p.hlo.Y) / p.hcell))
	return min(p.hnx-1, max(0, i)), min(p.hny-1, max(0, j))
}

// bucket returns the disks in grid cell (i, j), or nil outside the grid.
func (p *placer) bucket(i, j int) []int32 {
	if i < 0 || j < 0 || i >= p.hnx || j >= p.hny {
		return nil
	}
	c := j*p.hnx + i
	return p.hidx[p.hstart[c]:p.hstart[c+1]]
}

// neighboursWithin appends the disks whose circle comes within extra of
// disk i's (extra must not exceed the hash margin).
func (p *placer) neighboursWithin(i int, extra float64, out []int32) []int32 {
	c := p.disks[i].C
	ri := p.disks[i].R
	ci, cj := p.hcellXY(c)
	for dj := -1; dj <= 1; dj++ {
		for di := -1; di <= 1; di++ {
			for _, j := range p.bucket(ci+di, cj+dj) {
				if int(j) == i {
					continue
				}
				d := p.disks[j]
				rr := d.R + ri + extra
				if d.C.dist2(c) < rr*rr {
					out = append(out, j)
				}
			}
		}
	}
	return out
}

// circlePoints returns n points evenly spread on the unit circle.
func circlePoints(n int) []Point {
	u := make([]Point, n)
	for k := range u {
		s, c := math.Sincos(2 * math.Pi * (float64(k) + 0.5) / float64(n))
		u[k] = Point{c, s}
	}
	return u
}

// Points on each circle used for the gradient: fine for few big cells
// (arcs inside a narrow valley get enough of them), coarse for many.
var (
	unitCircleFine   = circlePoints(192)
	unitCircleCoarse = circlePoints(48)
)

// gradient of the covered area with respect to the centre of disk i,
// divided by the radius: the integral of the outward normal over the arcs
// of the circle that are inside the area and outside every other disk.
// Moving the disk along it gains area on the front arcs (uncovered outside)
// and loses it on the back arcs (covered only by i inside).
func (p *placer) gradient(i int, nb []int32) Point {
	d := p.disks[i]
	var g Point
	inner := p.reg.interior(d.C, d.R)
	last := -1 // the neighbour that hid the previous point: try it first
	for _, u := range p.circle {
		b := Point{d.C.X + d.R*u.X, d.C.Y + d.R*u.Y}
		free := true
		if last >= 0 {
			if o := p.disks[nb[last]]; o.C.dist2(b) < o.R*o.R {
				continue
			}
		}
		for k, j := range nb {
			o := p.disks[j]
			if k != last && o.C.dist2(b) < o.R*o.R {
				free = false
				last = k
				break
			}
		}
		if free && (inner || p.reg.contains(b)) {
			g.X += u.X
			g.Y += u.Y
		}
	}
	return g.scale(2 * math.Pi / float64(len(p.circle)))
}

// constrain moves a proposed centre for disk i into its feasible set
// (anchors, then out of no-fly zones) by alternating projections.
func (p *placer) constrain(i int, c Point) Point {
	as := p.anchors[i]
	for it := 0; it < 8; it++ {
		moved := false
		for _, a := range as {
			v := c.sub(a.p)
			if n := v.norm(); n > a.r {
				if n == 0 {
					continue
				}
				c = a.p.add(v.scale(a.r / n))
				moved = true
			}
		}
		if p.noFly != nil && p.noFly.contains(c) {
			c = pushOut(p.noFlyMP, c)
			moved = true
		}
		if !moved {
			break
		}
	}
	return c
}

// constrainAll applies constrain to every movable disk.
func (p *placer) constrainAll() {
	for i := range p.disks {
		if p.movable[i] {
			p.disks[i].C = p.constrain(i, p.disks[i].C)
		}
	}
}

// pushOut moves c to just outside the nearest boundary of m.
func pushOut(m MultiPolygon, c Point) Point {
	best, _ := m.NearestEdge(c)
	v := best.sub(c)
	if n := v.norm(); n > 0 {
		return best.add(v.scale(1 / n))
	}
	return best
}

// descend runs iters gradient steps with a step that shrinks from gamma0 to
// gamma1 times the radius.
func (p *placer) descend(iters int, gamma0, gamma1 float64) {
	maxR := 0.0
	for _, d := range p.disks {
		maxR = math.Max(maxR, d.R)
	}
	// Neighbour lists are kept with a margin and rebuilt only when disks
	// may have closed it: a pair approaches by at most twice the largest
	// step taken since the lists were built.
	margin := 0.5 * maxR
	p.hmargin = margin
	defer func() { p.hmargin = 0 }()
	n := len(p.disks)
	off := make([]int32, n+1)
	var flat []int32
	moved := math.Inf(1)
	next := make([]Point, n)
	for t := 0; t < iters && !p.stopped(); t++ {
		if 2*moved >= margin {
			p.buildHash()
			flat = flat[:0]
			for i := range p.disks {
				off[i] = int32(len(flat))
				if p.movable[i] {
					flat = p.neighboursWithin(i, margin, flat)
				}
			}
			off[n] = int32(len(flat))
			moved = 0
		}
		gamma := gamma0 + (gamma1-gamma0)*float64(t)/math.Max(1, float64(iters-1))
		step := 0.0
		for i := range p.disks {
			next[i] = p.disks[i].C
			if !p.movable[i] {
				continue
			}
			g := p.gradient(i, flat[off[i]:off[i+1]])
			next[i] = p.constrain(i, p.disks[i].C.add(g.scale(gamma*p.disks[i].R/2)))
			step = math.Max(step, next[i].Dist(p.disks[i].C))
		}
		for i := range p.disks {
			p.disks[i].C = next[i]
		}
		moved += step
	}
}

// hole finds the uncovered sample farthest inside the uncovered region
// (largest distance to the nearest disk edge) and how many uncovered samples
// a disk of radius r centred there would cover.
func (p *placer) hole(r float64) (Point, int, bool) {
	p.buildHash()
	best, bestD := -1, -1.0
	for k, in := range p.inside {
		if !in || p.cnt[k] != 0 {
			continue
		}
		s := p.sample(k)
		d := p.gapDistance(s)
		if d > bestD {
			best, bestD = k, d
		}
	}
	if best < 0 {
		return Point{}, 0, false
	}
	c := p.sample(best)
	// Pull the candidate centre towards the centroid of the nearby
	// uncovered samples so the new disk covers as much as it can.
	var sum Point
	n := 0
	p.forDisk(Disk{C: c, R: r}, func(k int) {
		if p.cnt[k] == 0 {
			sum = sum.add(p.sample(k))
			n++
		}
	})
	if n > 0 {
		c = sum.scale(1 / float64(n))
	}
	return c, p.gain(Disk{C: c, R: r}), true
}

// gapDistance is the distance from s to the nearest disk edge (s outside
// all disks), capped at a few hash cells.
func (p *placer) gapDistance(s Point) float64 {
	ci, cj := p.hcellXY(s)
	best := math.Inf(1)
	for ring := 0; ring <= 3; ring++ {
		for dj := -ring; dj <= ring; dj++ {
			for di := -ring; di <= ring; di++ {
				if max(absInt(di), absInt(dj)) != ring {
					continue
				}
				for _, j := range p.bucket(ci+di, cj+dj) {
					d := p.disks[j]
					if v := math.Sqrt(d.C.dist2(s)) - d.R; v < best {
						best = v
					}
				}
			}
		}
		if best < float64(ring)*p.hcell {
			break
		}
	}
	if math.IsInf(best, 1) {
		return 4 * p.hcell
	}
	return best
}

func absInt(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// relocate moves the weakest movable disk into the biggest hole while that
// gains area; at most max moves. It reports how many it made.
func (p *placer) relocate(maxMoves int) int {
	moves := 0
	p.rebuild()
	for moves < maxMoves && !p.stopped() {
		weak, weakN := -1, math.MaxInt
		for i := range p.disks {
			if !p.movable[i] || len(p.anchors[i]) > 0 {
				continue
			}
			if n := p.exclusive(i); n < weakN {
				weak, weakN = i, n
			}
		}
		if weak < 0 {
			return moves
		}
		// Take the weak disk out first so the hole search sees its gap.
		p.addDisk(p.disks[weak], -1)
		c, gain, ok := p.hole(p.disks[weak].R)
		if !ok || float64(gain) < 1.15*float64(weakN)+2 {
			p.addDisk(p.disks[weak], 1)
			return moves
		}
		p.disks[weak].C = p.constrain(weak, c)
		p.addDisk(p.disks[weak], 1)
		moves++
	}
	return moves
}

// optimise alternates gradient descent and relocations.
func (p *placer) optimise(rounds, iters int) {
	for r := 0; r < rounds && !p.stopped(); r++ {
		g0 := 0.25 / float64(r+1)
		p.descend(iters, g0, 0.02)
		if r == rounds-1 {
			break
		}
		nm := 0
		for _, m := range p.movable {
			if m {
				nm++
			}
		}
		if p.relocate(max(1, nm/8)) == 0 && r > 0 {
			break
		}
	}
	// Polish with small steps: the annealed steps end at 2% of the radius.
	p.descend(iters, 0.03, 0.002)
	p.rebuild()
}

// removeWeakest removes k movable disks one at a time, each time the one
// whose removal loses the fewest samples.
func (p *placer) removeWeakest(k int) []Point {
	p.rebuild()
	return p.lazyRemove(func(int) bool { return true }, k)
}

// localise makes movable only the movable disks within dist of one of the
// given points.
func (p *placer) localise(at []Point, dist float64) {
	d2 := dist * dist
	for i := range p.disks {
		if !p.movable[i] {
			continue
		}
		near := false
		for _, q := range at {
			if p.disks[i].C.dist2(q) < d2 {
				near = true
				break
			}
		}
		p.movable[i] = near
	}
}

func (p *placer) drop(i int) {
	last := len(p.disks) - 1
	p.disks[i], p.disks[last] = p.disks[last], p.disks[i]
	p.movable[i], p.movable[last] = p.movable[last], p.movable[i]
	p.anchors[i], p.anchors[last] = p.anchors[last], p.anchors[i]
	p.disks, p.movable, p.anchors = p.disks[:last], p.movable[:last], p.anchors[:last]
}

func (p *placer) push(d Disk, movable bool) {
	p.disks = append(p.disks, d)
	p.movable = append(p.movable, movable)
	p.anchors = append(p.anchors, nil)
}

func (p *placer) setDisks(ds []Disk, movable []bool) {
	p.disks = append(p.disks[:0], ds...)
	p.movable = append(p.movable[:0], movable...)
	p.anchors = make([][]anchor, len(ds))
}

// kmeansInit places n centres by k-means++ seeding on the samples and a few
// Lloyd iterations: a centroidal Voronoi start, close to a hexagonal layout
// inside and bent to the boundary.
func (p *placer) kmeansInit(n int, iters int) []Point {
	idx := make([]int, 0, p.nInside)
	for k, in := range p.inside {
		if in {
			idx = append(idx, k)
		}
	}
	if len(idx) == 0 || n == 0 {
		return nil
	}
	// Subsample for speed.
	stride := max(1, len(idx)/(200*n+2000))
	pts := make([]Point, 0, len(idx)/stride+1)
	for i := p.rng.IntN(stride); i < len(idx); i += stride {
		pts = append(pts, p.sample(idx[i]))
	}
	cs := []Point{pts[p.rng.IntN(len(pts))]}
	d2 := make([]float64, len(pts))
	for i := range d2 {
		d2[i] = math.Inf(1)
	}
	for len(cs) < n {
		if len(cs)%64 == 0 && p.stopped() {
			return cs
		}
		last := cs[len(cs)-1]
		var sum float64
		for i, q := range pts {
			d2[i] = math.Min(d2[i], q.dist2(last))
			sum += d2[i]
		}
		x := p.rng.Float64() * sum
		pick := len(pts) - 1
		for i := range pts {
			x -= d2[i]
			if x <= 0 {
				pick = i
				break
			}
		}
		cs = append(cs, pts[pick])
	}
	sums := make([]Point, n)
	cnt := make([]int, n)
	for it := 0; it < iters && !p.stopped(); it++ {
		clear(sums)
		clear(cnt)
		for _, q := range pts {
			b, bd := 0, math.Inf(1)
			for j, c := range cs {
				if d := q.dist2(c); d < bd {
					b, bd = j, d
				}
			}
			sums[b] = sums[b].add(q)
			cnt[b]++
		}
		for j := range cs {
			if cnt[j] > 0 {
				cs[j] = sums[j].scale(1 / float64(cnt[j]))
			}
		}
	}
	return cs
}

// latticePoints returns the points of the hexagonal lattice of spacing s,
// rotation theta and offset (fractions of the cell) whose disk of radius r
// meets the sample grid's bounding box.
func (p *placer) latticePoints(s, theta, ox, oy, r float64) []Point {
	a1 := Point{s * math.Cos(theta), s * math.Sin(theta)}
	a2 := Point{s * math.Cos(theta+math.Pi/3), s * math.Sin(theta+math.Pi/3)}
	hi := Point{p.lo.X + float64(p.gx)*p.h, p.lo.Y + float64(p.gy)*p.h}
	mid := lerp(p.lo, hi, 0.5)
	half := hi.sub(p.lo).norm()/2 + r
	n := int(math.Ceil(half/s*1.2)) + 2
	var out []Point
	origin := mid.add(a1.scale(ox)).add(a2.scale(oy))
	for i := -n; i <= n; i++ {
		for j := -n; j <= n; j++ {
			c := origin.add(a1.scale(float64(i))).add(a2.scale(float64(j)))
			if c.X < p.lo.X-r || c.X > hi.X+r || c.Y < p.lo.Y-r || c.Y > hi.Y+r {
				continue
			}
			out = append(out, c)
		}
	}
	return out
}

// hexLattice returns the lattice points whose disk covers an inside sample.
func (p *placer) hexLattice(s, theta, ox, oy, r float64) []Point {
	all := p.latticePoints(s, theta, ox, oy, r)
	out := all[:0]
	for _, c := range all {
		if p.touches(Disk{C: c, R: r}) {
			out = append(out, c)
		}
	}
	return out
}

// pruneTo removes disks (weakest first) while the sampled fraction stays at
// or above target.
func (p *placer) pruneTo(target float64) {
	p.rebuild()
	need := int(math.Ceil(target * float64(p.nInside)))
	p.lazyRemove(func(loss int) bool { return p.covered-loss >= need }, len(p.disks))
}

// lazyRemove removes, at most limit times, the movable disk whose removal
// loses the fewest samples, while ok(loss) holds. Removing a disk never
// lowers another disk's exclusive count, so stale counts are lower bounds
// and a lazy priority queue finds the true minimum (lazy greedy).
func (p *placer) lazyRemove(ok func(loss int) bool, limit int) (removedAt []Point) {
	type item struct{ id, n int }
	ids := make([]int, len(p.disks)) // stable id -> index
	var q []item
	for i := range p.disks {
		ids[i] = i
		if p.movable[i] {
			q = append(q, item{i, p.exclusive(i)})
		}
	}
	sort.Slice(q, func(a, b int) bool { return q[a].n < q[b].n })
	idx := make([]int, len(p.disks)) // id -> current index, -1 removed
	for i := range idx {
		idx[i] = i
	}
	for removed := 0; removed < limit && len(q) > 0 && !p.stopped(); {
		it := q[0]
		cur := p.exclusive(idx[it.id])
		if len(q) > 1 && cur > q[1].n {
			q[0].n = cur
			// Sift down by insertion (the queue is small and nearly sorted).
			for k := 0; k+1 < len(q) && q[k].n > q[k+1].n; k++ {
				q[k], q[k+1] = q[k+1], q[k]
			}
			continue
		}
		if !ok(cur) {
			return removedAt
		}
		q = q[1:]
		i := idx[it.id]
		removedAt = append(removedAt, p.disks[i].C)
		p.addDisk(p.disks[i], -1)
		last := len(p.disks) - 1
		// drop swaps the last disk into i.
		lastID := ids[last]
		p.drop(i)
		ids[i] = lastID
		idx[lastID] = i
		idx[it.id] = -1
		ids = ids[:last]
		removed++
	}
	return removedAt
}

// sortDisks orders disks north to south, west to east, for stable output.
func sortDisks(ds []Disk) {
	sort.Slice(ds, func(i, j int) bool {
		if ds[i].C.Y != ds[j].C.Y {
			return ds[i].C.Y > ds[j].C.Y
		}
		return ds[i].C.X < ds[j].C.X
	})
}
