package coverage

import (
	"fmt"
	"math"
	"sort"
)

// ReplanOptions describe a re-plan after a change, in local metres.
type ReplanOptions struct {
	// Area is the (possibly edited) area, normalized.
	Area MultiPolygon
	// Current are the stations after the change: lost drones removed, added
	// drones at their current position (a launch site, say). Radii may
	// differ.
	Current []Disk
	// Pinned stations may not move (tethered, landing); optional.
	Pinned []bool
	NoFly  MultiPolygon
	Demand []PlanarDemand
	// Tolerance: a layout within this coverage of the best found is good
	// enough. By default it is a fifth of the gap between the current and
	// the best coverage (so a re-plan recovers 80% of what it can), at
	// least 0.0005 and at most 0.005 of the area.
	Tolerance float64
	Seed      uint64
}

// Move is one station to move.
type Move struct {
	Index     int     `json:"index"`
	From      Point   `json:"from"`
	To        Point   `json:"to"`
	DistanceM float64 `json:"distance_m"`
}

// Replanned is the result of [Replan].
type Replanned struct {
	// Disks are the new positions, in the order of Current.
	Disks []Disk `json:"disks"`
	// Moves lists only the stations that move, largest move first.
	Moves    []Move      `json:"moves"`
	Before   Measurement `json:"before"`
	Coverage Measurement `json:"coverage"`
	// Best is the coverage found when every station may move.
	Best float64 `json:"best"`
}

// minMoveM is the smallest displacement reported as a move.
const minMoveM = 1.0

// Replan finds a layout close to the best coverage that moves as few
// stations as possible. It first optimises with every station free (the
// reference); then, for k = 1, 2, 3, 4, 6, 8, 12, ..., it tries moving only
// k stations: the k that moved most in the reference (to their reference
// positions, or optimised from there) or the k nearest the largest hole
// (optimised alone), until the coverage comes within Tolerance of the
// reference. The result never covers
// less than the current layout.
func Replan(o ReplanOptions) (Replanned, error) {
	if len(o.Area) == 0 {
		return Replanned{}, ErrEmptyGeometry
	}
	area, err := o.Area.Normalize()
	if err != nil {
		return Replanned{}, err
	}
	o.Area = area
	if len(o.NoFly) > 0 {
		if o.NoFly, err = o.NoFly.Normalize(); err != nil {
			return Replanned{}, fmt.Errorf("no-fly zones: %w", err)
		}
	}
	if !(o.Tolerance >= 0) {
		return Replanned{}, fmt.Errorf("%w: tolerance %v", ErrBadParameter, o.Tolerance)
	}
	if o.Pinned != nil && len(o.Pinned) != len(o.Current) {
		return Replanned{}, fmt.Errorf("%w: %d pinned flags for %d stations", ErrBadParameter, len(o.Pinned), len(o.Current))
	}
	maxR := 0.0
	for i, d := range o.Current {
		if !d.C.finite() || !(d.R >= 0) || !finite(d.R) {
			return Replanned{}, fmt.Errorf("%w: station %d at %v radius %v", ErrBadParameter, i, d.C, d.R)
		}
		maxR = math.Max(maxR, d.R)
	}
	before := Measure(o.Area, o.Current)
	out := Replanned{Disks: append([]Disk(nil), o.Current...), Before: before, Coverage: before, Best: before.Fraction}
	if len(o.Current) == 0 || maxR == 0 {
		return out, nil
	}
	a := o.Area.Area()
	h := sampleSpacing(a, maxR)
	p := newPlacer(o.Area, newRegionIndex(o.Area, h), h, o.Seed)
	if len(o.NoFly) > 0 {
		p.noFlyMP, p.noFly = o.NoFly, newRegionIndex(o.NoFly, h)
	}
	if len(o.Current) < 12 {
		p.circle = unitCircleFine
	}
	free := func(mask []bool) {
		mv := make([]bool, len(o.Current))
		for i := range mv {
			mv[i] = mask[i] && (o.Pinned == nil || !o.Pinned[i]) && o.Current[i].R > 0
		}
		p.setDisks(o.Current, mv)
	}
	all := make([]bool, len(o.Current))
	for i := range all {
		all[i] = true
	}
	rounds, iters := effort(len(o.Current))
	free(all)
	p.optimise(rounds, iters)
	ref := append([]Disk(nil), p.disks...)
	refM := Measure(o.Area, ref)
	out.Best = math.Max(refM.Fraction, before.Fraction)
	if o.Tolerance == 0 {
		o.Tolerance = math.Min(0.005, math.Max(0.0005, 0.2*(out.Best-before.Fraction)))
	}
	if before.Fraction >= out.Best-o.Tolerance {
		return out, nil
	}
	order := make([]int, len(o.Current))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool {
		return ref[order[i]].C.dist2(o.Current[order[i]].C) > ref[order[j]].C.dist2(o.Current[order[j]].C)
	})
	// Stations by distance to the deepest hole of the current layout.
	p.setDisks(o.Current, all)
	p.rebuild()
	hole, _, _ := p.hole(maxR)
	nearHole := make([]int, 0, len(o.Current))
	for i := range o.Current {
		if (o.Pinned == nil || !o.Pinned[i]) && o.Current[i].R > 0 {
			nearHole = append(nearHole, i)
		}
	}
	sort.SliceStable(nearHole, func(a, b int) bool {
		return o.Current[nearHole[a]].C.dist2(hole) < o.Current[nearHole[b]].C.dist2(hole)
	})
	for len(nearHole) < len(o.Current) {
		nearHole = append(nearHole, nearHole[len(nearHole)-1])
	}
	best := ref
	for k := 1; k < len(order); k = nextK(k) {
		mask := make([]bool, len(o.Current))
		for _, i := range order[:k] {
			mask[i] = true
		}
		// Candidate 1: the k stations go where the reference put them.
		jump := append([]Disk(nil), o.Current...)
		for _, i := range order[:k] {
			if o.Pinned == nil || !o.Pinned[i] {
				jump[i] = ref[i]
			}
		}
		// Candidate 2: optimise the k stations alone from there.
		free(mask)
		p.disks = append(p.disks[:0], jump...)
		p.optimise(max(2, rounds-1), iters)
		opt := append([]Disk(nil), p.disks...)
		// Candidate 3: the k stations nearest the largest hole, optimised
		// alone from where they are.
		near := make([]bool, len(o.Current))
		for _, i := range nearHole[:k] {
			near[i] = true
		}
		free(near)
		p.optimise(max(2, rounds-1), iters)
		loc := append([]Disk(nil), p.disks...)
		cand, cm := jump, Measure(o.Area, jump)
		for _, c := range [][]Disk{opt, loc} {
			if m := Measure(o.Area, c); m.Fraction > cm.Fraction {
				cand, cm = c, m
			}
		}
		if cm.Fraction >= out.Best-o.Tolerance {
			best = cand
			break
		}
	}
	// Undo moves that do not pay: smallest first, keep a station where it
	// was if the layout stays good enough without its move.
	best = append([]Disk(nil), best...)
	var moved []int
	for i := range best {
		if best[i].C.Dist(o.Current[i].C) >= minMoveM {
			moved = append(moved, i)
		}
	}
	sort.Slice(moved, func(a, b int) bool {
		return best[moved[a]].C.dist2(o.Current[moved[a]].C) < best[moved[b]].C.dist2(o.Current[moved[b]].C)
	})
	for _, i := range moved {
		keep := best[i]
		best[i] = o.Current[i]
		if m := measure(o.Area, best, true); m.Fraction >= out.Best-o.Tolerance {
			continue
		}
		best[i] = keep
	}
	out.Disks = best
	for i := range best {
		if d := best[i].C.Dist(o.Current[i].C); d >= minMoveM {
			out.Moves = append(out.Moves, Move{Index: i, From: o.Current[i].C, To: best[i].C, DistanceM: d})
		} else {
			out.Disks[i] = o.Current[i]
		}
	}
	sort.Slice(out.Moves, func(i, j int) bool { return out.Moves[i].DistanceM > out.Moves[j].DistanceM })
	out.Coverage = Measure(o.Area, out.Disks)
	return out, nil
}

func nextK(k int) int {
	if k < 4 {
		return k + 1
	}
	return k + k/2
}

// GeoMove is a [Move] in lon/lat.
type GeoMove struct {
	Index     int     `json:"index"`
	From      LonLat  `json:"from"`
	To        LonLat  `json:"to"`
	DistanceM float64 `json:"distance_m"`
}

// GeoReplan is the result of [Region.Replan].
type GeoReplan struct {
	Stations []LiveStation `json:"stations"`
	Moves    []GeoMove     `json:"moves"`
	Before   Measurement   `json:"before"`
	Coverage Measurement   `json:"coverage"`
	Best     float64       `json:"best"`
}

// Replan re-plans the stations (after the change) for network n on the
// region, moving as few as it can; see [Replan].
func (reg *Region) Replan(ss []LiveStation, n Networks, pinned []bool, seed uint64) (GeoReplan, error) {
	if n != Private {
		n = Public
	}
	cur := make([]Disk, len(ss))
	for i, s := range ss {
		if _, err := position([]float64{s.Pos.Lon, s.Pos.Lat}); err != nil {
			return GeoReplan{}, fmt.Errorf("station %d: %w", i, err)
		}
		r := s.PublicRadiusM
		if n == Private {
			r = s.PrivateRadiusM
		}
		if s.Networks&n == 0 {
			r = 0
		}
		cur[i] = Disk{C: reg.Projection.Forward(s.Pos), R: r}
	}
	rp, err := Replan(ReplanOptions{Area: reg.Area, Current: cur, Pinned: pinned, NoFly: reg.NoFly, Demand: reg.Demand, Seed: seed})
	if err != nil {
		return GeoReplan{}, err
	}
	out := GeoReplan{Before: rp.Before, Coverage: rp.Coverage, Best: rp.Best, Stations: append([]LiveStation(nil), ss...)}
	for _, m := range rp.Moves {
		to := reg.Projection.Inverse(m.To)
		out.Stations[m.Index].Pos = to
		out.Moves = append(out.Moves, GeoMove{Index: m.Index, From: ss[m.Index].Pos, To: to, DistanceM: m.DistanceM})
	}
	return out, nil
}
