package fleet

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/mavlink"
)

// Planning and live coverage over terrain (Config.Terrain set): the plan's
// positions and heights come from the terrain placer, and coverage is
// measured from the stations' terrain footprints, cached by position and
// height so that the loop's tick sweeps only what moved.

// terrainStepM is the sweep step and measuring grid of the fleet's terrain
// coverage: SRTM3's own spacing.
const terrainStepM = 90

// terrainMoveM is how far a drone moves (or climbs) before its live
// footprint is swept again.
const terrainMoveM = 50

// footprintKey names a swept footprint: a profile's cell at a position and
// height, in the region it was swept for.
type footprintKey struct {
	region   *coverage.Region
	profile  string
	net      Network
	lat, lon float64
	altM     float64
}

// liveFootprint is a flying drone's footprints, swept where it was.
type liveFootprint struct {
	region   *coverage.Region
	lat, lon float64
	altM     float64
	fps      map[Network]*coverage.Footprint
}

// terrainState is the loop's terrain caches.
type terrainState struct {
	planned map[footprintKey]*coverage.Footprint
	live    map[int]*liveFootprint // by drone
}

// footprint returns the terrain footprint of profile p's cell of network n
// at lat, lon and altM above the ground, from the plan cache.
func (l *loop) footprint(p Profile, n Network, lat, lon, altM float64) (*coverage.Footprint, error) {
	k := footprintKey{l.region, p.Name, n, lat, lon, altM}
	if f, ok := l.terrain.planned[k]; ok {
		return f, nil
	}
	f, err := l.sweep(p, n, lat, lon, altM)
	if err != nil {
		return nil, err
	}
	if len(l.terrain.planned) > 4096 {
		clear(l.terrain.planned) // stale layouts: keep the cache bounded
	}
	l.terrain.planned[k] = f
	return f, nil
}

func (l *loop) sweep(p Profile, n Network, lat, lon, altM float64) (*coverage.Footprint, error) {
	env, err := coverage.EnvironmentByName(l.cfg.Env)
	if err != nil {
		return nil, err
	}
	cn := coverage.Public
	if n == Private {
		cn = coverage.Private
	}
	return l.region.StationFootprint(l.cfg.Terrain, p.Radio, env, cn, coverage.LonLat{Lon: lon, Lat: lat}, math.Max(0, altM), terrainStepM)
}

// measurePlanTerrain fills the plan's coverage per network from its
// stations' terrain footprints.
func (l *loop) measurePlanTerrain(plan *Plan) error {
	for _, n := range Networks {
		var fps []*coverage.Footprint
		for _, st := range plan.Stations {
			if st.RadiusM[n] <= 0 || !st.carries(n) {
				continue
			}
			f, err := l.footprint(l.cfg.Profiles[st.Profile], n, st.Lat, st.Lon, st.AltM)
			if err != nil {
				return fmt.Errorf("station %s: %w", st.ID, err)
			}
			fps = append(fps, f)
		}
		m, err := coverage.MeasureFootprints(l.region.Area, fps, terrainStepM)
		if err != nil {
			return err
		}
		plan.Coverage[n] = m.Fraction
	}
	return nil
}

// ceilingAMSL is the highest altitude above sea level every drone of the
// airframe can hold, from its home's altitude and its ceiling (counted
// from home); 0 when no home altitude is known or for tethered drones
// (their tether bounds them).
func (l *loop) ceilingAMSL(profile string) float64 {
	top := 0.0
	for _, id := range sortedIDs(l.drones) {
		d := l.drones[id]
		if d.profile.Name != profile || d.profile.Tethered() || !d.tel.HomeSet {
			continue
		}
		if c := d.tel.HomeAlt + d.profile.CeilingM; top == 0 || c < top {
			top = c
		}
	}
	return top
}

// placeOverTerrain re-places a flat plan's stations over the terrain: as
// many stations of each airframe as the flat plan gives it (the flat
// planner weighs rotation, wind and reach), at the positions and heights
// above the ground the terrain placer chooses; tethered ones over the
// launch sites their drones stand at, battery ones within reach of their
// launch points.
func (l *loop) placeOverTerrain(plan *Plan, groups map[string]*group, primary coverage.Network) error {
	count := map[string]int{}
	intermittent := map[string]bool{}
	var order []string
	for _, st := range plan.Stations {
		if count[st.Profile] == 0 {
			order = append(order, st.Profile)
		}
		count[st.Profile]++
		intermittent[st.Profile] = intermittent[st.Profile] || st.Intermittent
	}
	reg := *l.region
	reg.Sites = nil
	var fleet []coverage.Available
	for _, name := range order {
		g := groups[name]
		fleet = append(fleet, coverage.Available{Profile: g.prof.Radio, Count: count[name], MaxAMSLM: l.ceilingAMSL(name)})
		for _, s := range l.region.Sites {
			if n := g.sites[s.Name]; g.prof.Tethered() && n > 0 {
				s.Capacity = min(n, s.Capacity)
				reg.Sites = append(reg.Sites, s)
			}
		}
	}
	req := coverage.Request{Fleet: fleet, Drones: len(plan.Stations), EnvName: l.cfg.Env, Network: primary, Seed: l.cfg.Seed}
	tp, err := reg.PlanTerrain(context.Background(), l.cfg.Terrain, req, terrainStepM)
	if err != nil {
		return fmt.Errorf("fleet: placing over terrain: %w", err)
	}
	stations := make([]Station, 0, len(tp.Stations))
	for i, s := range tp.Stations {
		g := groups[s.Profile]
		c := coverage.Point{X: s.XM, Y: s.YM}
		if !g.prof.Tethered() && len(g.launch) > 0 {
			// never farther than its drones can hold it
			c = bringWithin(c, g.launch, l.holdReachM(g.prof, s.AltM))
		}
		ll := l.region.Projection.Inverse(c)
		st := Station{ID: fmt.Sprintf("S%d", i+1), Lat: ll.Lat, Lon: ll.Lon, AltM: s.AltM,
			RadiusM: map[Network]float64{}, Profile: s.Profile, Intermittent: intermittent[s.Profile]}
		for _, n := range Networks {
			r := s.PublicRadiusM
			if n == Private {
				r = s.PrivateRadiusM
			}
			if g.prof.carries(n) && r > 0 {
				st.RadiusM[n] = r
				if l.st.Incident.wants(n) {
					st.Networks = append(st.Networks, n)
				}
			}
		}
		if s.LaunchSite >= 0 && s.LaunchSite < len(reg.Sites) {
			st.Site = reg.Sites[s.LaunchSite].Name
		}
		if s.GroundM != nil {
			gm := *s.GroundM
			st.GroundM = &gm
		}
		stations = append(stations, st)
	}
	plan.Stations = stations
	plan.Terrain = true
	return nil
}

// measureTerrain is live coverage over terrain: each flying drone's
// footprints, swept again only when it moved more than terrainMoveM.
func (l *loop) measureTerrain(ids []int) (coverage.LiveReport, string, func(bool) (coverage.LiveReport, []FootprintShape, error), error) {
	var pub, prv []*coverage.Footprint
	type drawn struct {
		drone int
		net   Network
		fp    *coverage.Footprint
	}
	var all []drawn
	var key strings.Builder
	seen := map[int]bool{}
	for _, id := range ids {
		d := l.drones[id]
		seen[id] = true
		on := map[Network]bool{Public: d.tel.PublicCell == mavlink.CellOn, Private: d.tel.PrivateCell == mavlink.CellOn}
		if !on[Public] && !on[Private] {
			continue
		}
		alt, err := l.heightAboveGround(d)
		if err != nil {
			return coverage.LiveReport{}, "", nil, err
		}
		lf := l.terrain.live[id]
		if lf == nil || lf.region != l.region || distanceM(lf.lat, lf.lon, d.tel.Lat, d.tel.Lon) > terrainMoveM || math.Abs(lf.altM-alt) > terrainMoveM {
			lf = &liveFootprint{region: l.region, lat: d.tel.Lat, lon: d.tel.Lon, altM: alt, fps: map[Network]*coverage.Footprint{}}
			l.terrain.live[id] = lf
		}
		for _, n := range Networks {
			if !on[n] || !d.profile.carries(n) {
				continue
			}
			f := lf.fps[n]
			if f == nil {
				if f, err = l.sweep(d.profile, n, lf.lat, lf.lon, lf.altM); err != nil {
					return coverage.LiveReport{}, "", nil, err
				}
				lf.fps[n] = f
			}
			if n == Public {
				pub = append(pub, f)
			} else {
				prv = append(prv, f)
			}
			all = append(all, drawn{id, n, f})
			fmt.Fprintf(&key, "%d,%s,%.6f,%.6f,%.0f;", id, n, lf.lat, lf.lon, lf.altM)
		}
	}
	for id := range l.terrain.live {
		if !seen[id] {
			delete(l.terrain.live, id)
		}
	}
	reg := l.region
	rep, err := reg.LiveTerrain(pub, prv, terrainStepM, false)
	// The worker draws the uncovered parts and each footprint's shape.
	draw := func(polygons bool) (coverage.LiveReport, []FootprintShape, error) {
		rep, err := reg.LiveTerrain(pub, prv, terrainStepM, polygons)
		if err != nil || !polygons {
			return rep, nil, err
		}
		shapes := make([]FootprintShape, 0, len(all))
		for _, d := range all {
			shapes = append(shapes, FootprintShape{Drone: d.drone, Network: d.net, Shape: toOrb(d.fp.Shape(reg.Projection))})
		}
		return rep, shapes, nil
	}
	return rep, "terrain:" + key.String(), draw, err
}

// heightAboveGround is a drone's height above the ground under it: its
// height above home plus how much higher home's ground is (both from the
// DEM), so that it does not depend on the autopilot's idea of sea level.
func (l *loop) heightAboveGround(d *drone) (float64, error) {
	if !d.tel.HomeSet {
		return math.Max(0, d.tel.AltRel), nil
	}
	g, err := l.cfg.Terrain.ElevationM(d.tel.Lon, d.tel.Lat)
	if err != nil {
		return 0, err
	}
	h, err := l.cfg.Terrain.ElevationM(d.tel.HomeLon, d.tel.HomeLat)
	if err != nil {
		return 0, err
	}
	return math.Max(0, d.tel.AltRel+h-g), nil
}
