package fleet

import (
	"fmt"
	"math"

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
	return l.checkLimitsAbove(d, lat, lon, alt, d.profile.Air.TerrainClearanceM, "terrain clearance")
}

// checkLimitsAbove is checkLimits keeping clear metres above the ground
// over terrain (what names it in the error) instead of d's terrain
// clearance: a mission's job item keeps its job's height.
func (l *loop) checkLimitsAbove(d *drone, lat, lon, alt, clear float64, what string) error {
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
		if err := l.checkTerrain(d, lat, lon, alt, clear, what); err != nil {
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
			return fmt.Errorf("%w: position %.0f m outside the geofence", ErrLimit, fence.Distance(pt))
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
	if hull := coverage.ConvexHull(pts); len(hull) >= 3 {
		l.fenceCache = coverage.MultiPolygon{{coverage.OffsetConvex(hull, l.cfg.FenceMarginM)}}
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
