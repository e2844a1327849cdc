package coverage

import (
	"context"
	"fmt"
	"math"
	"slices"
)

// DefaultTarget is the default covered fraction in fewest-drones mode.
const DefaultTarget = 0.99

// PlaceOptions describe one placement problem in local metres.
type PlaceOptions struct {
	// Area to cover; it must be normalized ([MultiPolygon.Normalize]).
	Area MultiPolygon
	// RadiusM is the ground radius of each new cell.
	RadiusM float64
	// Target is the fraction to reach in fewest-drones mode (default 0.99).
	Target float64
	// Drones > 0 asks for the best coverage from exactly that many drones
	// instead of the fewest drones for Target.
	Drones int
	// Demand points must be covered (fewest mode) or are covered heaviest
	// first (N mode).
	Demand []PlanarDemand
	// NoFly zones: no station may hover inside (their ground still counts).
	NoFly MultiPolygon
	// Fixed cells count for coverage and never move.
	Fixed []Disk
	// Sites and TetherReachM: when TetherReachM >= 0 and Tethered is set,
	// every new station hovers within TetherReachM of a launch site, at most
	// Capacity stations per site.
	Tethered     bool
	TetherReachM float64
	Sites        []PlanarSite
	// Start, in N mode, is a warm start (e.g. the current layout): the
	// result is never worse than Start topped up to N drones.
	Start []Disk
	// Seed makes runs reproducible (the same seed gives the same plan).
	Seed uint64
}

// Placement is the result of [Place].
type Placement struct {
	// Disks are the new cells (Fixed ones excluded).
	Disks []Disk
	// Site is each new disk's launch site index, or -1.
	Site []int
	// Coverage is measured exactly from Fixed plus Disks.
	Coverage Measurement
	// DemandWeightCovered is the covered share of the demand weight
	// (1 when there is no demand).
	DemandWeightCovered float64
	// LowerBound is area / (pi r^2), the count no layout can beat for full
	// coverage; Target times it bounds the fewest-drones count.
	LowerBound float64
	// Lattice is the best clipped hexagonal lattice for the same target.
	Lattice Lattice
}

// Lattice is a hexagonal lattice of spacing sqrt(3) r clipped to the area.
type Lattice struct {
	// Drones is the pruned lattice's count (cells not needed for the
	// target removed); Clipped is the complete clipped lattice's count
	// (every cell that meets the area), best over the same search.
	Drones      int         `json:"drones"`
	Clipped     int         `json:"clipped"`
	Coverage    Measurement `json:"coverage"`
	RotationDeg float64     `json:"rotation_deg"`
	Offset      [2]float64  `json:"offset"`
	Disks       []Disk      `json:"-"`
}

// Limits on the size of a placement problem, so that no request can keep a
// caller waiting for hours: the cells the area needs (area / pi r^2), and
// the hexagonal lattice over the area's bounding box, which also bounds the
// drones worth placing (that lattice alone covers everything).
const (
	MaxCells        = 50_000
	MaxLatticeCells = 250_000
)

// coverBound counts the cells of a hexagonal lattice of spacing sqrt(3) r
// (which covers the plane) needed to cover the area's bounding box.
func coverBound(area MultiPolygon, r float64) float64 {
	lo, hi := area.Bounds()
	cols := math.Ceil((hi.X-lo.X)/(math.Sqrt(3)*r)) + 2
	rows := math.Ceil((hi.Y-lo.Y)/(1.5*r)) + 2
	return cols * rows
}

func (o *PlaceOptions) check() error {
	if len(o.Area) == 0 {
		return ErrEmptyGeometry
	}
	area, err := o.Area.Normalize()
	if err != nil {
		return err
	}
	o.Area = area
	if len(o.NoFly) > 0 {
		if o.NoFly, err = o.NoFly.Normalize(); err != nil {
			return fmt.Errorf("no-fly zones: %w", err)
		}
	}
	for i, d := range o.Fixed {
		if !d.C.finite() || !(d.R >= 0) || !finite(d.R) {
			return fmt.Errorf("%w: fixed cell %d at %v radius %v", ErrBadParameter, i, d.C, d.R)
		}
	}
	for i, d := range o.Demand {
		if !d.Pos.finite() || !(d.Weight >= 0) || !finite(d.Weight) {
			return fmt.Errorf("%w: demand %d at %v weight %v", ErrBadParameter, i, d.Pos, d.Weight)
		}
	}
	for i, s := range o.Sites {
		if !s.Pos.finite() || s.Capacity < 0 {
			return fmt.Errorf("%w: launch site %d at %v capacity %d", ErrBadParameter, i, s.Pos, s.Capacity)
		}
	}
	for i, d := range o.Start {
		if !d.C.finite() {
			return fmt.Errorf("%w: start cell %d at %v", ErrBadParameter, i, d.C)
		}
	}
	if o.Tethered && math.IsNaN(o.TetherReachM) {
		return fmt.Errorf("%w: tether reach %v", ErrBadParameter, o.TetherReachM)
	}
	if !(o.RadiusM > 0) || math.IsInf(o.RadiusM, 0) {
		return fmt.Errorf("%w: radius %v m", ErrBadParameter, o.RadiusM)
	}
	if o.Target == 0 {
		o.Target = DefaultTarget
	}
	if !(o.Target > 0 && o.Target <= 1) {
		return fmt.Errorf("%w: target coverage %v (want 0 < target <= 1)", ErrBadParameter, o.Target)
	}
	if o.Drones < 0 || o.Drones > 100_000 {
		return fmt.Errorf("%w: drone count %d", ErrBadParameter, o.Drones)
	}
	a := o.Area.Area()
	if n := a / (math.Pi * o.RadiusM * o.RadiusM); n > MaxCells {
		return fmt.Errorf("%w: about %.0f cells of radius %.0f m needed (limit %d); raise the radius or split the area", ErrBadParameter, n, o.RadiusM, MaxCells)
	}
	cover := coverBound(o.Area, o.RadiusM)
	if cover > MaxLatticeCells {
		return fmt.Errorf("%w: a lattice of about %.0f cells of radius %.0f m over the area's bounds (limit %d); raise the radius or split the area", ErrBadParameter, cover, o.RadiusM, MaxLatticeCells)
	}
	if !o.Tethered {
		if lim := 2*int(cover) + 16; o.Drones > lim {
			return fmt.Errorf("%w: %d drones is more than this area could ever use: %.0f cells of radius %.0f m cover its whole bounding box (limit %d)", ErrBadParameter, o.Drones, cover, o.RadiusM, lim)
		}
	}
	if o.Tethered && len(o.Sites) == 0 {
		return fmt.Errorf("%w: tethered drones need launch sites", ErrInfeasible)
	}
	return nil
}

// Place solves a placement problem. In fewest mode it starts from the best
// clipped hexagonal lattice and removes drones while an optimised layout of
// the rest still reaches the target; in N mode it starts from a lattice
// stretched to N cells. Layouts are optimised by gradient ascent of the
// covered area (the exact gradient: the outward normal integrated over each
// circle's exposed arcs inside the area) alternated with moving the least
// useful disk into the largest hole. Coverage figures are then measured
// exactly from the disks ([Measure]).
func Place(o PlaceOptions) (Placement, error) {
	return PlaceContext(context.Background(), o)
}

// PlaceContext is [Place] that gives up when ctx ends: it then returns
// ctx.Err() (and no placement) soon after, whatever the problem's size.
func PlaceContext(ctx context.Context, o PlaceOptions) (Placement, error) {
	if err := o.check(); err != nil {
		return Placement{}, err
	}
	if err := ctx.Err(); err != nil {
		return Placement{}, err
	}
	out, err := place(ctx, o)
	if cerr := ctx.Err(); cerr != nil {
		return Placement{}, cerr
	}
	return out, err
}

func place(ctx context.Context, o PlaceOptions) (Placement, error) {
	r := o.RadiusM
	a := o.Area.Area()
	h := sampleSpacing(a, r)
	reg := newRegionIndex(o.Area, h)
	p := newPlacer(o.Area, reg, h, o.Seed)
	p.ctx = ctx
	if len(o.NoFly) > 0 {
		p.noFlyMP = o.NoFly
		p.noFly = newRegionIndex(o.NoFly, h)
	}
	out := Placement{LowerBound: a / (math.Pi * r * r)}
	if out.LowerBound < 12 {
		p.circle = unitCircleFine
	}
	if o.Tethered {
		return placeTethered(o, p, out)
	}
	// The lattice bound, as BestLattice has it, and the placer's start.
	var start []Disk
	sg, bg := latticeGrids(out.LowerBound)
	if o.Drones > 0 {
		bg = sg // reported only: the quick search is enough
	}
	out.Lattice, start = bestLattice(p, o, r, sg, bg)
	var disks []Disk
	if o.Drones > 0 {
		disks = placeN(o, p)
	} else {
		disks = placeFewest(o, p, start)
		// Never more drones than the best pruned lattice: when the search
		// ends above it (no-fly zones and demand points add cells), the
		// lattice itself is the plan if it is feasible.
		if lat := out.Lattice.Disks; len(disks) > len(lat) && feasibleOutside(o, p, lat) {
			disks = append([]Disk(nil), lat...)
		}
	}
	sortDisks(disks)
	out.Disks = disks
	out.Site = make([]int, len(disks))
	for i := range out.Site {
		out.Site[i] = -1
	}
	out.Coverage = Measure(o.Area, append(append([]Disk(nil), o.Fixed...), disks...))
	out.DemandWeightCovered = demandCovered(o.Demand, append(append([]Disk(nil), o.Fixed...), disks...))
	return out, nil
}

func demandCovered(dem []PlanarDemand, disks []Disk) float64 {
	var tot, cov float64
	for _, d := range dem {
		tot += d.Weight
		for _, c := range disks {
			if c.C.dist2(d.Pos) <= c.R*c.R {
				cov += d.Weight
				break
			}
		}
	}
	if tot == 0 {
		return 1
	}
	return cov / tot
}

func disksOf(cs []Point, r float64) []Disk {
	out := make([]Disk, len(cs))
	for i, c := range cs {
		out[i] = Disk{C: c, R: r}
	}
	return out
}

// load puts fixed disks (not movable) and the given movable disks in p.
func load(p *placer, fixed, movable []Disk) {
	ds := append(append([]Disk(nil), fixed...), movable...)
	mv := make([]bool, len(ds))
	for i := len(fixed); i < len(ds); i++ {
		mv[i] = true
	}
	p.setDisks(ds, mv)
}

// allMovable returns the disks after the first nFixed (the placement's own
// disks, whether or not they are free in the current optimisation).
func allMovable(p *placer, nFixed int) []Disk {
	return append([]Disk(nil), p.disks[nFixed:]...)
}

func movableDisks(p *placer) []Disk {
	var out []Disk
	for i, d := range p.disks {
		if p.movable[i] {
			out = append(out, d)
		}
	}
	return out
}

// latticeGrid is a search grid of lattice placements: rot rotations over
// the lattice's 60 degrees of symmetry and off x off offsets.
type latticeGrid struct{ rot, off int }

// latticeGrids are the lattice search grids for an area needing
// lowerBound cells: the placer's start (as the placer was tuned on) and the
// bound (BestLattice's, which the placer never exceeds). The bound's grid
// holds the start's. The search costs a pruned lattice per point, each in
// proportion to the area: the bound's grid is finer where that is cheap.
func latticeGrids(lowerBound float64) (start, bound latticeGrid) {
	switch {
	case lowerBound <= 60:
		return latticeGrid{6, 3}, latticeGrid{12, 6}
	case lowerBound <= 150:
		return latticeGrid{6, 3}, latticeGrid{12, 3}
	case lowerBound <= 300:
		return latticeGrid{2, 2}, latticeGrid{6, 2}
	}
	return latticeGrid{2, 2}, latticeGrid{2, 2}
}

// points lists the grid's lattice placements (rotation, offsets) in search
// order.
func (g latticeGrid) points() [][3]float64 {
	var out [][3]float64
	for ri := 0; ri < g.rot; ri++ {
		for oi := 0; oi < g.off; oi++ {
			for oj := 0; oj < g.off; oj++ {
				out = append(out, [3]float64{float64(ri) * (math.Pi / 3) / float64(g.rot), float64(oi) / float64(g.off), float64(oj) / float64(g.off)})
			}
		}
	}
	return out
}

// bestLattice searches rotations and offsets of the sqrt(3) r lattice for
// the fewest clipped disks that reach the target, pruning disks that only
// cover what others cover too (the lattice is then no longer complete, but
// it is the fairest lattice baseline for a partial target). The bound
// (the result) is the best over both grids, and over the lattice with a
// cell on the area's centroid at each rotation, which alone may cover a
// compact area that the grid of offsets needs two cells for. The placer's
// start (start) stays the best of the start grid, as the placer was tuned
// on. Each placement both grids share is tried once.
func bestLattice(p *placer, o PlaceOptions, r float64, sg, bg latticeGrid) (bound Lattice, start []Disk) {
	s := math.Sqrt(3) * r
	type scored struct {
		l Lattice
		f float64 // sampled fraction
	}
	better := func(a, b scored) bool {
		return a.l.Drones < b.l.Drones || (a.l.Drones == b.l.Drones && a.f > b.f)
	}
	// The sampled counts only rank the lattices: the few best are then
	// made exact (latticeExact), which may add cells back, and compared.
	keepN := 4
	if bg.rot < 12 {
		keepN = 1
	}
	first := scored{l: Lattice{Drones: math.MaxInt}}
	var best []scored
	clipped := math.MaxInt
	try := func(th, ox, oy float64) scored {
		cs, grazing := latticeCells(p, s, th, ox, oy, r)
		if c := len(cs) + grazing; c < clipped {
			clipped = c
		}
		load(p, o.Fixed, disksOf(cs, r))
		p.pruneTo(o.Target)
		l := Lattice{Drones: len(p.disks) - len(o.Fixed), RotationDeg: th * 180 / math.Pi, Offset: [2]float64{ox, oy}, Disks: movableDisks(p)}
		return scored{l, p.fraction()}
	}
	keep := func(c scored) {
		k := len(best)
		for k > 0 && better(c, best[k-1]) {
			k--
		}
		if k < keepN {
			best = slices.Insert(best, k, c)
			best = best[:min(len(best), keepN)]
		}
	}
	same := func(a, b [3]float64) bool {
		return math.Abs(a[0]-b[0]) < 1e-9 && math.Abs(a[1]-b[1]) < 1e-9 && math.Abs(a[2]-b[2]) < 1e-9
	}
	quick := sg.points()
	for _, q := range quick {
		if p.stopped() {
			break
		}
		c := try(q[0], q[1], q[2])
		if better(c, first) {
			first = c
		}
		keep(c)
	}
	rots := map[float64]bool{}
	for _, q := range bg.points() {
		if p.stopped() {
			break
		}
		if !rots[q[0]] {
			rots[q[0]] = true
			off := p.centredOffset(s, q[0])
			keep(try(q[0], off[0], off[1]))
		}
		if !slices.ContainsFunc(quick, func(x [3]float64) bool { return same(x, q) }) {
			keep(try(q[0], q[1], q[2]))
		}
	}
	p.latticeExact(o, s, r, &first.l)
	bound = first.l
	for _, c := range best {
		if c.l.RotationDeg == first.l.RotationDeg && c.l.Offset == first.l.Offset || c.l.Drones >= bound.Drones {
			continue
		}
		p.latticeExact(o, s, r, &c.l)
		if c.l.Drones < bound.Drones || (c.l.Drones == bound.Drones && c.l.Coverage.Fraction > bound.Coverage.Fraction) {
			bound = c.l
		}
	}
	bound.Clipped = clipped
	return bound, first.l.Disks
}

// latticeExact makes sure the exact figure of a pruned lattice holds (the
// pruning works on samples) by adding back lattice disks, most useful
// first, if it does not. The disks it may add back include those that
// only graze the area between samples: without them a target of 100% may
// be out of reach (a strip at 45 degrees ended at 99.7%).
func (p *placer) latticeExact(o PlaceOptions, s, r float64, best *Lattice) {
	if best.Drones == math.MaxInt {
		best.Drones = 0
		return
	}
	all := clippedLattice(p, s, best.RotationDeg*math.Pi/180, best.Offset[0], best.Offset[1], r)
	for !p.stopped() {
		m := Measure(o.Area, append(append([]Disk(nil), o.Fixed...), best.Disks...))
		best.Coverage = m
		if m.Fraction >= o.Target || len(best.Disks) >= len(all) {
			break
		}
		load(p, o.Fixed, best.Disks)
		p.rebuild()
		bi, bg := -1, -1
		for i, c := range all {
			if g := p.gain(Disk{C: c, R: r}); g > bg && !containsDisk(best.Disks, c) {
				bi, bg = i, g
			}
		}
		if bi < 0 {
			break
		}
		best.Disks = append(best.Disks, Disk{C: all[bi], R: r})
	}
	best.Drones = len(best.Disks)
}

// centredOffset is the lattice offset (fractions of the cell, as
// latticePoints takes them) that puts a lattice point on the centroid of
// the area's samples.
func (p *placer) centredOffset(s, theta float64) [2]float64 {
	var sum Point
	n := 0
	for k, in := range p.inside {
		if in {
			sum = sum.add(p.sample(k))
			n++
		}
	}
	if n == 0 {
		return [2]float64{}
	}
	hi := Point{p.lo.X + float64(p.gx)*p.h, p.lo.Y + float64(p.gy)*p.h}
	d := sum.scale(1 / float64(n)).sub(lerp(p.lo, hi, 0.5))
	// Solve d = ox a1 + oy a2 for the lattice's basis vectors.
	a1 := Point{s * math.Cos(theta), s * math.Sin(theta)}
	a2 := Point{s * math.Cos(theta+math.Pi/3), s * math.Sin(theta+math.Pi/3)}
	det := a1.X*a2.Y - a1.Y*a2.X
	ox, oy := (d.X*a2.Y-d.Y*a2.X)/det, (a1.X*d.Y-a1.Y*d.X)/det
	return [2]float64{ox - math.Floor(ox), oy - math.Floor(oy)}
}

// clippedLattice is the cells of a lattice whose disk meets the area:
// those that reach a sample, plus those that only graze the boundary
// between samples (an edge closer than r). Together they cover the area.
func clippedLattice(p *placer, s, th, ox, oy, r float64) []Point {
	var out []Point
	for _, c := range p.latticePoints(s, th, ox, oy, r) {
		if p.touches(Disk{C: c, R: r}) || grazes(p, c, r) {
			out = append(out, c)
		}
	}
	return out
}

// latticeCells is hexLattice (the cells that reach a sample) and the count
// of the cells that only graze the area, in one pass over the lattice.
func latticeCells(p *placer, s, th, ox, oy, r float64) (touching []Point, grazing int) {
	for _, c := range p.latticePoints(s, th, ox, oy, r) {
		switch {
		case p.touches(Disk{C: c, R: r}):
			touching = append(touching, c)
		case grazes(p, c, r):
			grazing++
		}
	}
	return touching, grazing
}

// grazes reports whether a disk of radius r at c meets the area although
// it reaches no sample.
func grazes(p *placer, c Point, r float64) bool {
	ix := p.reg
	switch {
	case ix.contains(c):
		return true
	case c.X < ix.lo.X-r || c.Y < ix.lo.Y-r || c.X > ix.hiBound.X+r || c.Y > ix.hiBound.Y+r:
		return false // farther than r from the area's bounds
	case c.X >= ix.lo.X && c.Y >= ix.lo.Y && c.X <= ix.hiBound.X && c.Y <= ix.hiBound.Y &&
		float64(ix.clear[ix.row(c.Y)*ix.nx+ix.col(c.X)]-1)*ix.cell > r:
		return false // no edge within r (the index's distance transform)
	}
	return distToSegments(ix.segs, c) < r
}

func distToSegments(segs []segment, c Point) float64 {
	best := math.Inf(1)
	for _, s := range segs {
		best = math.Min(best, ClosestOnSegment(c, s.a, s.b).dist2(c))
	}
	return math.Sqrt(best)
}

// BestLattice is the baseline: the best clipped hexagonal lattice of
// spacing sqrt(3) r over 12 rotations (every 5 degrees of the lattice's 60
// degree symmetry) and 6 x 6 offsets (coarser grids for areas needing more
// than 60 cells, see latticeGrids), and with a cell on the area's centroid
// at each rotation; each lattice clipped to the cells that touch the area
// and then pruned, weakest cell first, while the target still holds. Its
// coverage is measured exactly. Fixed cells count as covered. It is the
// bound Place keeps to in fewest mode (Placement.Lattice).
func BestLattice(area MultiPolygon, r, target float64, fixed []Disk) Lattice {
	return bestLatticeContext(context.Background(), area, r, target, fixed)
}

// bestLatticeContext is BestLattice cut short (with a partial result the
// caller must drop) when ctx ends.
func bestLatticeContext(ctx context.Context, area MultiPolygon, r, target float64, fixed []Disk) Lattice {
	if target == 0 {
		target = DefaultTarget
	}
	h := sampleSpacing(area.Area(), r)
	p := newPlacer(area, newRegionIndex(area, h), h, 1)
	p.ctx = ctx
	sg, bg := latticeGrids(area.Area() / (math.Pi * r * r))
	l, _ := bestLattice(p, PlaceOptions{Area: area, RadiusM: r, Target: target, Fixed: fixed}, r, sg, bg)
	return l
}

func pushOutIfInside(p *placer, c Point) Point {
	if p.noFly != nil && p.noFly.contains(c) {
		return pushOut(p.noFlyMP, c)
	}
	return c
}

// containsDisk reports whether one of ds is centred within a metre of c:
// a lattice rebuilt from its rotation in degrees puts its points a few
// nanometres off the first build's, and they are the same cells.
func containsDisk(ds []Disk, c Point) bool {
	for _, d := range ds {
		if d.C.dist2(c) < 1 {
			return true
		}
	}
	return false
}

// effort picks optimisation rounds and iterations for a problem size.
func effort(n int) (rounds, iters int) {
	switch {
	case n <= 40:
		return 5, 60
	case n <= 300:
		return 4, 40
	default:
		return 3, 30
	}
}

// feasible reports whether the disks (with fixed ones) reach the target
// exactly and cover every demand point.
func feasible(o PlaceOptions, disks []Disk) bool {
	all := append(append([]Disk(nil), o.Fixed...), disks...)
	if demandCovered(o.Demand, all) < 1 {
		return false
	}
	return measure(o.Area, all, true).Fraction >= o.Target
}

// feasibleOutside is feasible for disks whose centres are also outside
// the no-fly zones.
func feasibleOutside(o PlaceOptions, p *placer, disks []Disk) bool {
	for _, d := range disks {
		if p.noFly != nil && p.noFly.contains(d.C) {
			return false
		}
	}
	return feasible(o, disks)
}

// pinDemand anchors each uncovered demand point to the nearest movable disk
// that can still take it (its other anchors within 2r), heaviest first.
func pinDemand(p *placer, dem []PlanarDemand) {
	order := make([]int, len(dem))
	for i := range order {
		order[i] = i
	}
	sortByWeight(order, dem)
	for _, di := range order {
		d := dem[di]
		covered := false
		for _, c := range p.disks {
			if c.C.dist2(d.Pos) <= c.R*c.R*0.999 {
				covered = true
				break
			}
		}
		if covered {
			continue
		}
		best, bd := -1, math.Inf(1)
		for i, c := range p.disks {
			if !p.movable[i] {
				continue
			}
			ok := true
			for _, a := range p.anchors[i] {
				if a.p.Dist(d.Pos) > 2*a.r {
					ok = false
				}
			}
			if dd := c.C.dist2(d.Pos); ok && dd < bd {
				best, bd = i, dd
			}
		}
		if best >= 0 {
			p.anchors[best] = append(p.anchors[best], anchor{p: d.Pos, r: 0.98 * p.disks[best].R})
			p.disks[best].C = p.constrain(best, p.disks[best].C)
		}
	}
}

func sortByWeight(order []int, dem []PlanarDemand) {
	for i := 1; i < len(order); i++ {
		for j := i; j > 0 && dem[order[j]].Weight > dem[order[j-1]].Weight; j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
}

// optimiseWithDemand optimises, then pins uncovered demand points and
// optimises again.
func optimiseWithDemand(p *placer, o PlaceOptions, rounds, iters int) {
	p.optimise(rounds, iters)
	if len(o.Demand) > 0 && demandCovered(o.Demand, p.disks) < 1 {
		pinDemand(p, o.Demand)
		p.optimise(2, iters)
	}
}

// settleMargins are the fractions of the radius by which settle shrinks
// the movable disks, smallest first.
var settleMargins = [...]float64{0.01, 0.03}

// settleSlack is how far below the target a layout may end for settle to
// try it: farther off, a margin cannot close the gaps. settleMaxDisks is
// the largest layout it tries: in big ones a sliver is one drone among
// hundreds, not worth two more descents of the whole layout.
const (
	settleSlack    = 0.002
	settleMaxDisks = 60
)

// settle is the second chance of a layout that ends just short of the
// target. Gradient ascent reaches full cover only in the limit: its last
// gaps are slivers between circles, thinner than the spacing of the
// gradient's circle points and of the samples, so it stops a hair short
// (seven 6 km cells on an 80 km x 3 km strip, which cover it with 1.3 km to
// spare, end at 99.9996%). Optimised again with every movable disk shrunk
// by a small margin, the disks spread until the shrunk ones meet, and the
// real ones then overlap where they met. The layout in p is the one tried;
// settle returns the first feasible one, or false.
func settle(p *placer, o PlaceOptions, iters int) ([]Disk, bool) {
	if len(p.disks)-len(o.Fixed) > settleMaxDisks {
		return nil, false
	}
	if f := measure(o.Area, append(append([]Disk(nil), o.Fixed...), allMovable(p, len(o.Fixed))...), true).Fraction; f < o.Target-settleSlack {
		return nil, false
	}
	base := append([]Disk(nil), p.disks...)
	for _, m := range settleMargins {
		if p.stopped() {
			break
		}
		copy(p.disks, base)
		for i := range p.disks {
			if p.movable[i] {
				p.disks[i].R *= 1 - m
			}
		}
		p.descend(iters, 0.05, 0.002)
		for i := range p.disks {
			if p.movable[i] {
				p.disks[i].R = base[i].R
			}
		}
		p.rebuild()
		if cand := allMovable(p, len(o.Fixed)); feasible(o, cand) {
			return cand, true
		}
	}
	copy(p.disks, base)
	p.rebuild()
	return nil, false
}

func placeFewest(o PlaceOptions, p *placer, lattice []Disk) []Disk {
	best := append([]Disk(nil), lattice...)
	// The lattice might miss demand points: add disks on them.
	for _, d := range o.Demand {
		if demandCovered([]PlanarDemand{d}, append(append([]Disk(nil), o.Fixed...), best...)) < 1 {
			best = append(best, Disk{C: d.Pos, R: o.RadiusM})
		}
	}
	if p.noFly != nil {
		// The lattice ignores no-fly zones: push its disks out, then add
		// disks at the largest holes until the target holds again.
		load(p, o.Fixed, best)
		p.constrainAll()
		for guard := 0; guard < len(best)+10 && !p.stopped(); guard++ {
			if cand := movableDisks(p); feasible(o, cand) {
				break
			}
			p.rebuild()
			c, _, ok := p.hole(o.RadiusM)
			if !ok {
				break
			}
			if c2 := pushOutIfInside(p, c); p.gain(Disk{C: c2, R: o.RadiusM}) == 0 {
				break // the rest is out of reach from outside the no-fly zones
			}
			p.push(Disk{C: c, R: o.RadiusM}, true)
			last := len(p.disks) - 1
			p.disks[last].C = p.constrain(last, c)
			optimiseWithDemand(p, o, 1, 20)
		}
		best = movableDisks(p)
	}
	floor := int(math.Ceil(o.Target*p.nInside2Area()/(math.Pi*o.RadiusM*o.RadiusM) - 1e-9))
	rounds, iters := effort(len(best))
	// Descending search: remove k drones and re-optimise; keep k while
	// that works, halve it when it does not. Big layouts first move as a
	// whole (the lattice must stretch everywhere), then lose single drones
	// with only their surroundings re-optimised, and try a global pass
	// before giving up.
	try := func(k int, local bool) bool {
		load(p, o.Fixed, best)
		gone := p.removeWeakest(k)
		if local {
			p.localise(gone, 6*o.RadiusM)
		}
		optimiseWithDemand(p, o, rounds, iters)
		cand := allMovable(p, len(o.Fixed))
		if feasible(o, cand) {
			best = cand
			return true
		}
		if cand, ok := settle(p, o, iters); ok {
			best = cand
			return true
		}
		return false
	}
	big := len(best) > 60
	minK := 1
	if big {
		minK = max(2, len(best)/150)
	}
	k := max(minK, int(math.Round(0.03*float64(len(best)))))
	for k >= minK && len(best)-k >= max(1, floor) && !p.stopped() {
		if !try(k, false) {
			k /= 2
		}
	}
	if big {
		for len(best)-1 >= max(1, floor) && !p.stopped() {
			if !try(1, true) && !try(1, false) {
				break
			}
		}
	}
	// Small problems: restarts from k-means layouts one drone below.
	if len(best) <= 40 {
		for n := len(best) - 1; n >= max(1, floor) && !p.stopped(); n-- {
			ok := false
			for try := 0; try < 8 && !ok && !p.stopped(); try++ {
				load(p, o.Fixed, disksOf(p.kmeansInit(n, 12), o.RadiusM))
				optimiseWithDemand(p, o, rounds, iters)
				if cand := movableDisks(p); feasible(o, cand) {
					best, ok = cand, true
				} else if cand, settled := settle(p, o, iters); settled {
					best, ok = cand, true
				}
			}
			if !ok {
				break
			}
		}
	}
	return best
}

// nInside2Area is the sampled area in square metres.
func (p *placer) nInside2Area() float64 { return float64(p.nInside) * p.h * p.h }

func placeN(o PlaceOptions, p *placer) []Disk {
	n := o.Drones
	r := o.RadiusM
	a := p.nInside2Area()
	var best []Disk
	bestScore := math.Inf(-1)
	consider := func(ds []Disk) {
		all := append(append([]Disk(nil), o.Fixed...), ds...)
		score := Measure(o.Area, all).Fraction + 1e-3*demandCovered(o.Demand, all)
		if score > bestScore {
			best, bestScore = append([]Disk(nil), ds...), score
		}
	}
	rounds, iters := effort(n)
	// fill tops the movable disks up to n at the largest holes.
	fill := func() {
		if m := len(p.disks) - len(o.Fixed); m > n {
			p.removeWeakest(m - n)
		}
		for len(p.disks)-len(o.Fixed) < n && !p.stopped() {
			p.rebuild()
			c, _, ok := p.hole(r)
			if !ok {
				c = p.sample(p.rng.IntN(len(p.inside)))
			}
			p.push(Disk{C: c, R: r}, true)
			last := len(p.disks) - 1
			p.disks[last].C = p.constrain(last, c)
		}
	}
	if len(o.Start) > 0 {
		// A warm start (the current layout): its padded form is a
		// candidate as it is, so one more drone never lowers coverage.
		load(p, o.Fixed, o.Start)
		fill()
		consider(movableDisks(p))
		optimiseWithDemand(p, o, rounds, iters)
		consider(movableDisks(p))
	}
	// Lattice stretched so that about n cells span the area, then trimmed
	// or filled to exactly n; and k-means layouts.
	s := math.Max(math.Sqrt(2*a/(math.Sqrt(3)*float64(n))), math.Sqrt(3)*r*0.5)
	s = math.Min(s, math.Sqrt(3)*r)
	tries := 3
	switch {
	case n <= 40:
		tries = 8
	case n > 300:
		tries = 1
	}
	for t := 0; t < tries && !p.stopped(); t++ {
		var start []Disk
		if t%2 == 0 {
			cs := p.hexLattice(s, p.rng.Float64()*math.Pi/3, p.rng.Float64(), p.rng.Float64(), r)
			start = disksOf(cs, r)
		} else {
			start = disksOf(p.kmeansInit(n, 12), r)
		}
		load(p, o.Fixed, start)
		fill()
		optimiseWithDemand(p, o, rounds, iters)
		consider(movableDisks(p))
	}
	return best
}

// placeTethered chooses launch sites greedily by the area each adds, up to
// each site's capacity (a second drone at a site adds coverage only if the
// tether lets it hover elsewhere), then optimises within tether reach.
func placeTethered(o PlaceOptions, p *placer, out Placement) (Placement, error) {
	r := o.RadiusM
	reach := math.Max(0, o.TetherReachM)
	load(p, o.Fixed, nil)
	p.rebuild()
	used := make([]int, len(o.Sites))
	var site []int
	limit := o.Drones
	for !p.stopped() {
		if limit > 0 && len(site) >= limit {
			break
		}
		if limit == 0 && p.fraction() >= o.Target {
			break
		}
		bi, bg := -1, 0
		for i, s := range o.Sites {
			if used[i] >= s.Capacity {
				continue
			}
			if g := p.gain(Disk{C: s.Pos, R: r}); g > bg {
				bi, bg = i, g
			}
		}
		if bi < 0 {
			break
		}
		used[bi]++
		site = append(site, bi)
		p.push(Disk{C: o.Sites[bi].Pos, R: r}, true)
		p.anchors[len(p.disks)-1] = []anchor{{p: o.Sites[bi].Pos, r: reach}}
		p.addDisk(p.disks[len(p.disks)-1], 1)
	}
	if reach > 0 {
		p.descend(30, 0.05, 0.005)
	}
	disks := movableDisks(p)
	all := append(append([]Disk(nil), o.Fixed...), disks...)
	out.Disks = disks
	out.Site = site
	out.Coverage = Measure(o.Area, all)
	out.DemandWeightCovered = demandCovered(o.Demand, all)
	out.Lattice = Lattice{Drones: -1}
	if o.Drones == 0 && out.Coverage.Fraction < o.Target {
		return out, fmt.Errorf("%w: the launch sites reach %.1f%% of the area (target %.1f%%)", ErrInfeasible, 100*out.Coverage.Fraction, 100*o.Target)
	}
	return out, nil
}
