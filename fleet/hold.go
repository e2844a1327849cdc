package fleet

import (
	"math"
	"time"

	"github.com/aerocell/aerocell/airframe"
	"github.com/aerocell/aerocell/coverage"
)

// planHorizon is how long a plan is meant to hold: stations are chosen for
// the coverage they keep over it, not for the first minute.
const planHorizon = 6 * time.Hour

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

// holdLoad is how many drones of airframe p launching from one of from it
// takes, on average, to keep a post at pt, altM high, served over the
// plan's horizon in the forecast wind: a drone serves OnStation of every
// cycle (out, on station, back, swap, and the overlap a relief keeps with
// the drone it relieves), so a post costs cycle/OnStation drones; 1 for a
// tethered drone or one that outlasts the horizon. The least over the
// launch points; 0 when none can hold it at all.
func (l *loop) holdLoad(p Profile, from []coverage.Point, pt coverage.Point, altM float64) float64 {
	if p.Tethered() {
		return 1
	}
	best := 0.0
	for _, f := range from {
		dx, dy := pt.X-f.X, pt.Y-f.Y
		post := airframe.Post{DistM: math.Hypot(dx, dy), BearingDeg: math.Atan2(dx, dy) * 180 / math.Pi, AltM: altM}
		if k := l.rotationLoad(p, post); k > 0 && (best == 0 || k < best) {
			best = k
		}
	}
	return best
}

// rotationLoad is the drones a post costs (see holdLoad), 0 if unholdable.
func (l *loop) rotationLoad(p Profile, post airframe.Post) float64 {
	return rotationLoadIn(p, post, l.wind, l.cfg.RotationMargin)
}

// rotationLoadIn is rotationLoad in the wind w with the rotation margin m.
func rotationLoadIn(p Profile, post airframe.Post, w airframe.Wind, m time.Duration) float64 {
	r := p.Air.Rotation(post, w, 0, planHorizon)
	switch {
	case r.Drones == 0:
		return 0
	case r.Drones == 1:
		return 1
	}
	return (r.Cycle() + m).Seconds() / r.OnStation.Seconds()
}

// holdShare is the Available.Hold the terrain placer weighs group g's
// candidate posts by, when the plan gives it k stations: the share of the
// time its drones can keep each of k posts like it served, n/(k·load)
// capped at 1, where load is the drones such a post costs (holdLoad, from
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
			if load := rotationLoadIn(p, post, w, m); load > 0 {
				best = math.Max(best, math.Min(1, n/(float64(k)*load)))
			}
		}
		return best
	}
}

// holdReachM is the farthest from its launch point, whatever the bearing
// in the wind, that airframe p can hold a post at all: stations beyond it
// are brought in.
func (l *loop) holdReachM(p Profile, altM float64) float64 {
	ok := func(d float64) bool {
		for b := 0.0; b < 360; b += 45 {
			if l.rotationLoad(p, airframe.Post{DistM: d, BearingDeg: b, AltM: altM}) == 0 {
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
