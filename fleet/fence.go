package fleet

import (
	"fmt"
	"math"
	"sort"

	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/mavlink"
)

// The fence and limits: what a target must satisfy before a command leaves,
// and the geofence sent to every drone.

// checkLimits refuses a target that breaks a limit of d: its ceiling, its
// tether, the geofence (the area plus the margin, outside no-fly zones).
//
// alt is relative to d's home. Over terrain (Config.Terrain) it must also
// keep d's terrain clearance above the ground at the target, and the route
// there must be one d can climb over within its ceiling (checkTerrain).
func (l *loop) checkLimits(d *drone, lat, lon, alt float64) error {
	p := d.profile
	if math.IsNaN(alt) {
		if _, err := l.homeAMSL(d); err != nil {
			return err
		}
		if _, err := l.groundM(lat, lon); err != nil {
			return err
		}
		return fmt.Errorf("%w: drone %d's altitude there is unknown", ErrLimit, d.id)
	}
	if alt > p.CeilingM {
		return fmt.Errorf("%w: altitude %.0f m above drone %d's ceiling of %.0f m", ErrLimit, alt, d.id, p.CeilingM)
	}
	if l.cfg.Terrain != nil {
		if err := l.checkTerrain(d, lat, lon, alt); err != nil {
			return err
		}
	} else if alt < 0 {
		return fmt.Errorf("%w: altitude %.0f m below ground", ErrLimit, alt)
	}
	if p.Tethered() {
		site, ok := l.site(d.site)
		if !ok {
			return fmt.Errorf("%w: tethered drone %d has no ground station", ErrLimit, d.id)
		}
		h := distanceM(site.Lat, site.Lon, lat, lon)
		up := alt // above the winch: home is at the site
		if l.cfg.Terrain != nil {
			home, _ := l.homeAMSL(d)
			g, err := l.groundM(site.Lat, site.Lon)
			if err != nil {
				return err
			}
			up = home + alt - g
		}
		if reach := p.ReachM(l.wind); math.Hypot(h, up) > reach {
			return fmt.Errorf("%w: %.0f m from drone %d's ground station, tether reaches %.0f m in %.0f m/s wind",
				ErrLimit, math.Hypot(h, up), d.id, reach, l.wind.SpeedMS)
		}
	}
	if l.region != nil {
		pt := l.region.Projection.Forward(coverage.LonLat{Lon: lon, Lat: lat})
		if len(l.region.NoFly) > 0 && l.region.NoFly.Contains(pt) {
			return fmt.Errorf("%w: position inside a no-fly zone", ErrLimit)
		}
		if fence := l.fence(); len(fence) > 0 && !fence.Contains(pt) {
			return fmt.Errorf("%w: position %.0f m outside the geofence", ErrLimit, distanceToArea(fence, pt))
		}
	}
	return nil
}

func (l *loop) site(name string) (LaunchSite, bool) {
	for _, s := range l.cfg.LaunchSites {
		if s.Name == name {
			return s, true
		}
	}
	return LaunchSite{}, false
}

// distanceToArea is the distance from pt to the nearest edge of m.
func distanceToArea(m coverage.MultiPolygon, pt coverage.Point) float64 {
	best := math.Inf(1)
	for _, poly := range m {
		for _, ring := range poly {
			for i := range ring {
				a, b := ring[i], ring[(i+1)%len(ring)]
				best = math.Min(best, segDist(pt, a, b))
			}
		}
	}
	return best
}

func segDist(p, a, b coverage.Point) float64 {
	c := closestOnSeg(p, a, b)
	return math.Hypot(p.X-c.X, p.Y-c.Y)
}

// closestOnSeg is the point of the segment ab nearest to p.
func closestOnSeg(p, a, b coverage.Point) coverage.Point {
	dx, dy := b.X-a.X, b.Y-a.Y
	t := 0.0
	if l2 := dx*dx + dy*dy; l2 > 0 {
		t = math.Max(0, math.Min(1, ((p.X-a.X)*dx+(p.Y-a.Y)*dy)/l2))
	}
	return coverage.Point{X: a.X + t*dx, Y: a.Y + t*dy}
}

// fence is the geofence's inclusion polygon, projected: the convex hull of
// the area and of the launch sites, pushed out by the margin. The sites are
// in it because a drone must be able to take off and fly in: an autopilot
// refuses to arm outside its inclusion fence, and a ground station that
// checks targets against the area alone refuses every station a drone at
// a site beyond the margin could hold (seen: a tethered post dropped at
// deployment, a heavy's station grown and dropped every pass). Cached per
// region.
func (l *loop) fence() coverage.MultiPolygon {
	if l.region == nil {
		return nil
	}
	if l.fenceOf == l.region {
		return l.fenceCache
	}
	var pts []coverage.Point
	for _, poly := range l.region.Area {
		for _, ring := range poly {
			pts = append(pts, ring...)
		}
	}
	for _, s := range l.cfg.LaunchSites {
		pts = append(pts, l.region.Projection.Forward(coverage.LonLat{Lon: s.Lon, Lat: s.Lat}))
	}
	l.fenceOf, l.fenceCache = l.region, nil
	if hull := convexHull(pts); len(hull) >= 3 {
		l.fenceCache = coverage.MultiPolygon{{offsetConvex(hull, l.cfg.FenceMarginM)}}
	}
	return l.fenceCache
}

// fenceItems is the geofence uploaded before launch: the inclusion polygon
// of fence and each no-fly zone as an exclusion polygon.
func (l *loop) fenceItems() []mavlink.MissionItem {
	if l.region == nil {
		return nil
	}
	reg := l.region
	fence := l.fence()
	if len(fence) == 0 {
		return nil
	}
	var items []mavlink.MissionItem
	items = append(items, mavlink.FencePolygon(l.toLatLon(fence[0][0]), true, 0)...)
	for _, poly := range reg.NoFly {
		if len(poly) == 0 {
			continue
		}
		items = append(items, mavlink.FencePolygon(l.toLatLon(poly[0]), false, 0)...)
	}
	return items
}

func (l *loop) toLatLon(ring []coverage.Point) []mavlink.LatLon {
	out := make([]mavlink.LatLon, 0, len(ring))
	for _, p := range ring {
		ll := l.region.Projection.Inverse(p)
		out = append(out, mavlink.LatLon{Lat: ll.Lat, Lon: ll.Lon})
	}
	return out
}

// convexHull is Andrew's monotone chain, counter-clockwise, no repeated point.
func convexHull(pts []coverage.Point) []coverage.Point {
	ps := append([]coverage.Point(nil), pts...)
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].X != ps[j].X {
			return ps[i].X < ps[j].X
		}
		return ps[i].Y < ps[j].Y
	})
	cross := func(o, a, b coverage.Point) float64 { return (a.X-o.X)*(b.Y-o.Y) - (a.Y-o.Y)*(b.X-o.X) }
	var h []coverage.Point
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

// offsetConvex pushes each edge of a counter-clockwise convex polygon out by
// d, meeting at mitred corners: the result contains every point within d of
// the polygon.
func offsetConvex(h []coverage.Point, d float64) []coverage.Point {
	n := len(h)
	out := make([]coverage.Point, n)
	for i := range h {
		prev, cur, next := h[(i+n-1)%n], h[i], h[(i+1)%n]
		n1 := outward(prev, cur)
		n2 := outward(cur, next)
		bx, by := n1.X+n2.X, n1.Y+n2.Y
		bl := math.Hypot(bx, by)
		if bl < 1e-9 {
			out[i] = coverage.Point{X: cur.X + n1.X*d, Y: cur.Y + n1.Y*d}
			continue
		}
		bx, by = bx/bl, by/bl
		cos := bx*n1.X + by*n1.Y
		k := d / math.Max(cos, 0.2)
		out[i] = coverage.Point{X: cur.X + bx*k, Y: cur.Y + by*k}
	}
	return out
}

// outward is the unit normal pointing out of a counter-clockwise edge a->b.
func outward(a, b coverage.Point) coverage.Point {
	dx, dy := b.X-a.X, b.Y-a.Y
	l := math.Hypot(dx, dy)
	if l == 0 {
		return coverage.Point{}
	}
	return coverage.Point{X: dy / l, Y: -dx / l}
}
