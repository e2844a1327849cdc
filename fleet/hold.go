package fleet

import (
	"math"
	"time"

	"github.com/aerocell/aerocell/airframe"
	"github.com/aerocell/aerocell/coverage"
)

// PlanHorizon is how long a plan is meant to hold: stations are chosen for
// the coverage they keep over it, not for the first minute.
const PlanHorizon = 6 * time.Hour

// DefaultRotationMargin is Config.RotationMargin's default.
const DefaultRotationMargin = 2 * time.Minute

// launchPoints are where a group of battery drones takes off and lands
// for a new battery, in the region's plane: their launch site, else their
// home, else where they stand.
func (l *loop) launchPoint(d *drone) coverage.Point {
	ll := coverage.LonLat{Lon: d.tel.Lon, Lat: d.tel.Lat}
	if s, ok := l.site(d.site); ok {
		ll = coverage.LonLat{Lon: s.Lon, Lat: s.Lat}
	} else if d.tel.HomeSet {
		ll = coverage.LonLat{Lon: d.tel.HomeLon, Lat: d.tel.HomeLat}
	}
	return l.region.Projection.Forward(ll)
}

// positionKnown reports whether d's launch point is known: its site, its
// home, or a position it reported. A drone heard before its first position
// report would otherwise launch from (0°, 0°), and a plan would pull its
// stations thousands of kilometres towards it.
func (l *loop) positionKnown(d *drone) bool {
	if _, ok := l.site(d.site); ok {
		return true
	}
	return d.tel.HomeSet || d.tel.Lat != 0 || d.tel.Lon != 0
}

// launchPointsOf are the launch points of the drones of an airframe.
func (l *loop) launchPointsOf(profile string) []coverage.Point {
	var out []coverage.Point
	for _, id := range sortedIDs(l.drones) {
		if d := l.drones[id]; d.profile.Name == profile && d.heard && l.positionKnown(d) {
			out = append(out, l.launchPoint(d))
		}
	}
	return out
}

// Hold is how the planner reckons what battery airframes can hold, in a
// wind and with the margin a relief keeps. The controller plans with it
// and the simulator's upper bound counts with it: both must agree on how
// many drones a station's rotation keeps busy and how far out a station
// is worth its cost, or drones waiting their turn count as idle and the
// bound holds stations the controller would not.
type Hold struct {
	Wind   airframe.Wind
	Margin time.Duration
}

// hold is the loop's Hold: its wind estimate and rotation margin.
func (l *loop) hold() Hold { return Hold{Wind: l.wind, Margin: l.cfg.RotationMargin} }

// Load is the drones post costs airframe p over the plan's horizon
// (airframe's Rotation.Load), 0 if unholdable.
func (h Hold) Load(p Profile, post airframe.Post) float64 {
	return p.Air.Rotation(post, h.Wind, 0, PlanHorizon).Load(h.Margin)
}

// PostLoad is how many drones of airframe p launching from one of from it
// takes, on average, to keep a post at pt, altM high, served over the
// plan's horizon: a drone serves OnStation of every cycle (out, on
// station, back, swap, and the margin a relief keeps with the drone it
// relieves), so a post costs cycle/OnStation drones; 1 for a tethered
// drone or one that outlasts the horizon. The least over the launch
// points; 0 when none can hold it at all.
func (h Hold) PostLoad(p Profile, from []coverage.Point, pt coverage.Point, altM float64) float64 {
	if p.Tethered() {
		return 1
	}
	best := 0.0
	for _, f := range from {
		dx, dy := pt.X-f.X, pt.Y-f.Y
		post := airframe.Post{DistM: math.Hypot(dx, dy), BearingDeg: math.Atan2(dx, dy) * 180 / math.Pi, AltM: altM}
		if k := h.Load(p, post); k > 0 && (best == 0 || k < best) {
			best = k
		}
	}
	return best
}

// Posts is how many stations n drones of battery airframe p launching
// from one of from are given over area, altM high (airframe.Posts): each
// costs at least the load of the cheapest post in the area, the one
// nearest a launch point. The planner places no more, and the drones
// beyond the stations' holders are their reliefs, not idle.
func (h Hold) Posts(p Profile, n float64, area coverage.MultiPolygon, from []coverage.Point, altM float64) int {
	best := 0.0
	for _, f := range from {
		if k := h.PostLoad(p, from, area.Nearest(f, 100), altM); k > 0 && (best == 0 || k < best) {
			best = k
		}
	}
	return airframe.Posts(n, best)
}

// holdShare is the Available.Hold the terrain placer weighs group g's
// candidate posts by, when the plan gives it k stations: the share of the
// time its drones can keep each of k posts like it served, n/(k·load)
// capped at 1, where load is the drones such a post costs (Hold.Load, from
// the nearest launch point, its climb counted from the ground there). Over
// terrain a post on a ridge a kilometre above the launch site costs a
// battery drone most of each sortie in the climb and the descent; it is
// worth what it gives over the plan's horizon. Nil for tethered drones
// (they stand over their sites) or without launch points. What it reads
// of the loop is copied: the placer runs beside it.
func (l *loop) holdShare(g *group, k int) func(coverage.LonLat, float64) float64 {
	if g.prof.Tethered() || len(g.launch) == 0 || k <= 0 || l.cfg.Terrain == nil {
		return nil
	}
	type launch struct {
		at     coverage.Point
		ground float64
	}
	var from []launch
	for _, pt := range g.launch {
		ll := l.region.Projection.Inverse(pt)
		gm, err := l.cfg.Terrain.ElevationM(ll.Lon, ll.Lat)
		if err != nil {
			continue
		}
		from = append(from, launch{pt, gm})
	}
	if len(from) == 0 {
		return nil
	}
	p, w, m, pr, n := g.prof, l.wind, l.cfg.RotationMargin, l.region.Projection, float64(g.n)
	return func(pos coverage.LonLat, amslM float64) float64 {
		pt := pr.Forward(pos)
		best := 0.0
		for _, f := range from {
			dx, dy := pt.X-f.at.X, pt.Y-f.at.Y
			post := airframe.Post{DistM: math.Hypot(dx, dy), BearingDeg: math.Atan2(dx, dy) * 180 / math.Pi, AltM: math.Max(0, amslM-f.ground)}
			if load := (Hold{Wind: w, Margin: m}).Load(p, post); load > 0 {
				best = math.Max(best, math.Min(1, n/(float64(k)*load)))
			}
		}
		return best
	}
}

// usefulLoad is how much dearer than a post over the launch point a
// station may be, when drones are scarce, and usefulDuty the least share
// of the time its drones must keep it served, for the reach of
// StationReachM.
const (
	usefulLoad = 1.25
	usefulDuty = 0.75
)

// StationReachM is how far from its launch points (from) a station of
// battery airframe p, altM high with a cell of radiusM, is placed over
// area, with perStation drones for each station: as far as a station
// costs no more drones than that, or costs at most usefulLoad times a
// post over the launch point; never less than the way from the launch
// points into the area by the cell's radius, and never farther than it
// can be held at all. At the very edge of what it can hold a station
// costs tens of drones (2 minutes on station each sortie): placed there,
// a lone heavy flew 11 minutes out for 8 on station (gen-s1-03), and a
// plan of two heavy stations on a long strip could not be held at all
// (gen-s1-12: no station placed).
func (h Hold) StationReachM(p Profile, altM, radiusM, perStation float64, from []coverage.Point, area coverage.MultiPolygon) float64 {
	hold := h.ReachM(p, altM, math.Inf(1))
	k0 := h.Load(p, airframe.Post{AltM: altM})
	if hold == 0 || k0 == 0 {
		return hold
	}
	into := math.Inf(1)
	for _, f := range from {
		into = math.Min(into, area.Distance(f)+radiusM)
	}
	reach := math.Max(h.ReachM(p, altM, math.Max(perStation/usefulDuty, usefulLoad*k0)), into)
	return math.Min(reach, hold)
}

// ReachM is the farthest from its launch point, whatever the bearing in
// the wind, that airframe p holds a post at altM costing at most maxLoad
// drones (+Inf: at all); 0 if none.
func (h Hold) ReachM(p Profile, altM, maxLoad float64) float64 {
	ok := func(d float64) bool {
		for b := 0.0; b < 360; b += 45 {
			if k := h.Load(p, airframe.Post{DistM: d, BearingDeg: b, AltM: altM}); k == 0 || k > maxLoad {
				return false
			}
		}
		return true
	}
	if !ok(0) {
		return 0
	}
	lo, hi := 0.0, 200e3
	for i := 0; i < 40 && hi-lo > 10; i++ {
		if mid := (lo + hi) / 2; ok(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

// holdReachM is the farthest from its launch point, whatever the bearing
// in the wind, that airframe p can hold a post at all.
func (l *loop) holdReachM(p Profile, altM float64) float64 {
	return l.hold().ReachM(p, altM, math.Inf(1))
}

// BringInto moves a station's centre within reach of the nearest launch
// point and as far into the area as that allows: pulled straight towards
// a launch point beside a long strip, a station lands off the strip and
// covers nothing (gen-s1-12). Alternating the two moves converges on
// the point of the area within reach nearest the first pull, when there
// is one (both sets convex); the last move is within reach.
func BringInto(c coverage.Point, from []coverage.Point, reach float64, area coverage.MultiPolygon) coverage.Point {
	c = bringWithin(c, from, reach)
	for i := 0; i < 32 && !area.Contains(c); i++ {
		in := area.Nearest(c, 1)
		next := bringWithin(in, from, reach)
		if math.Hypot(next.X-c.X, next.Y-c.Y) < 1 {
			return next
		}
		c = next
	}
	return c
}

// bringWithin moves a disk's centre towards the nearest launch point until
// it is within reach of it.
func bringWithin(c coverage.Point, from []coverage.Point, reach float64) coverage.Point {
	bi, bd := -1, math.Inf(1)
	for i, f := range from {
		if d := math.Hypot(c.X-f.X, c.Y-f.Y); d < bd {
			bi, bd = i, d
		}
	}
	if bi < 0 || bd <= reach {
		return c
	}
	f := from[bi]
	k := reach / bd
	return coverage.Point{X: f.X + (c.X-f.X)*k, Y: f.Y + (c.Y-f.Y)*k}
}
