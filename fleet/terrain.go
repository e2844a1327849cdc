package fleet

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/mavlink"
	"github.com/paulmach/orb"
)

// Planning and live coverage over terrain (Config.Terrain set): the plan's
// positions and heights come from the terrain placer, and coverage is
// measured from the stations' terrain footprints, cached by position and
// height so that only what moved is swept again. Placing and sweeping run
// beside the loop (beside.go); the checks of a target against the terrain
// before a command leaves are cheap and stay on it (terrain_flight.go).

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

// footprints caches swept terrain footprints: the plan's by position and
// height, each flying drone's where it was last swept, and the live layout
// last measured. It is safe for concurrent use: the workers beside the loop
// sweep into it. No lock is held during a sweep.
type footprints struct {
	mu      sync.Mutex
	planned map[footprintKey]*coverage.Footprint
	live    map[int]*liveFootprint // by drone
	// measured is the live layout last measured, and what it gave: the
	// same layout again is not measured again (nor drawn).
	measured struct {
		region *coverage.Region
		key    string
		rep    coverage.LiveReport
	}
}

func newFootprints() *footprints {
	return &footprints{planned: map[footprintKey]*coverage.Footprint{}, live: map[int]*liveFootprint{}}
}

// plannedFootprint returns the footprint named k, swept by sweep unless
// cached.
func (c *footprints) plannedFootprint(k footprintKey, sweep func() (*coverage.Footprint, error)) (*coverage.Footprint, error) {
	c.mu.Lock()
	f, ok := c.planned[k]
	c.mu.Unlock()
	if ok {
		return f, nil
	}
	f, err := sweep()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.planned) > 4096 {
		clear(c.planned) // stale layouts: keep the cache bounded
	}
	c.planned[k] = f
	c.mu.Unlock()
	return f, nil
}

// liveAnchor returns where drone id's live footprints are swept from: where
// they were last swept while it stayed within terrainMoveM (horizontally
// and in height) of it, else here, with no footprint yet.
func (c *footprints) liveAnchor(id int, reg *coverage.Region, lat, lon, altM float64) *liveFootprint {
	c.mu.Lock()
	defer c.mu.Unlock()
	lf := c.live[id]
	if lf == nil || lf.region != reg || distanceM(lf.lat, lf.lon, lat, lon) > terrainMoveM || math.Abs(lf.altM-altM) > terrainMoveM {
		lf = &liveFootprint{region: reg, lat: lat, lon: lon, altM: altM, fps: map[Network]*coverage.Footprint{}}
		c.live[id] = lf
	}
	return lf
}

// liveFootprint returns network n's footprint swept from anchor lf, swept
// by sweep unless it was.
func (c *footprints) liveFootprint(lf *liveFootprint, n Network, sweep func() (*coverage.Footprint, error)) (*coverage.Footprint, error) {
	c.mu.Lock()
	f := lf.fps[n]
	c.mu.Unlock()
	if f != nil {
		return f, nil
	}
	f, err := sweep()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	lf.fps[n] = f
	c.mu.Unlock()
	return f, nil
}

// keepLive forgets the live footprints of drones not in keep.
func (c *footprints) keepLive(keep map[int]bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id := range c.live {
		if !keep[id] {
			delete(c.live, id)
		}
	}
}

// lastLive returns the live report of layout key over reg, if it is the
// layout last measured.
func (c *footprints) lastLive(reg *coverage.Region, key string) (coverage.LiveReport, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.measured
	return m.rep, m.region == reg && m.key == key
}

// keepLast keeps rep as the live report of layout key over reg.
func (c *footprints) keepLast(reg *coverage.Region, key string, rep coverage.LiveReport) {
	c.mu.Lock()
	c.measured.region, c.measured.key, c.measured.rep = reg, key, rep
	c.mu.Unlock()
}

// sweepFunc sweeps the terrain footprint of profile p's cell of network n
// at lat, lon and altM above the ground, over reg. It touches nothing of
// the loop's: workers call it beside the loop.
type sweepFunc func(reg *coverage.Region, p Profile, n Network, lat, lon, altM float64) (*coverage.Footprint, error)

// placeFunc places stations over the terrain for req (coverage's
// Region.PlanTerrain), until ctx ends.
type placeFunc func(ctx context.Context, reg *coverage.Region, req coverage.Request) (*coverage.Plan, error)

// sweeper is the configuration's terrain sweep.
func (c *Config) sweeper() sweepFunc {
	if c.sweep != nil {
		return c.sweep
	}
	t, envName := c.Terrain, c.Env
	return func(reg *coverage.Region, p Profile, n Network, lat, lon, altM float64) (*coverage.Footprint, error) {
		env, err := coverage.EnvironmentByName(envName)
		if err != nil {
			return nil, err
		}
		return reg.StationFootprint(t, p.Radio, env, cellNetwork(n), coverage.LonLat{Lon: lon, Lat: lat}, math.Max(0, altM), terrainStepM)
	}
}

// placer is the configuration's terrain placer.
func (c *Config) placer() placeFunc {
	if c.place != nil {
		return c.place
	}
	t := c.Terrain
	return func(ctx context.Context, reg *coverage.Region, req coverage.Request) (*coverage.Plan, error) {
		return reg.PlanTerrain(ctx, t, req, terrainStepM)
	}
}

// stationCell is one station's cell of one network, as its coverage over
// terrain is measured: copied off the plan, so that a worker can sweep it
// and the loop can tell whether the plan still has it.
type stationCell struct {
	profile  string
	net      Network
	lat, lon float64
	altM     float64
}

// planCells are the cells of the plan's stations, in the plan's order.
func planCells(plan *Plan) []stationCell {
	var cells []stationCell
	for _, n := range Networks {
		for _, st := range plan.Stations {
			if st.RadiusM[n] <= 0 || !st.carries(n) {
				continue
			}
			cells = append(cells, stationCell{st.Profile, n, st.Lat, st.Lon, st.AltM})
		}
	}
	return cells
}

// measureCells measures the coverage per network of cells over reg from
// their terrain footprints (cached in c). It runs beside the loop.
func measureCells(ctx context.Context, c *footprints, sweep sweepFunc, profiles map[string]Profile, reg *coverage.Region, cells []stationCell) (map[Network]float64, error) {
	out := map[Network]float64{}
	for _, n := range Networks {
		var fps []*coverage.Footprint
		for _, cl := range cells {
			if cl.net != n {
				continue
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			p := profiles[cl.profile]
			f, err := c.plannedFootprint(footprintKey{reg, cl.profile, n, cl.lat, cl.lon, cl.altM}, func() (*coverage.Footprint, error) {
				return sweep(reg, p, n, cl.lat, cl.lon, cl.altM)
			})
			if err != nil {
				return nil, fmt.Errorf("station at %.5f,%.5f: %w", cl.lat, cl.lon, err)
			}
			fps = append(fps, f)
		}
		m, err := coverage.MeasureFootprints(reg.Area, fps, terrainStepM)
		if err != nil {
			return nil, err
		}
		out[n] = m.Fraction
	}
	return out, nil
}

// measureBeside measures cells over reg beside the loop, in slot s, and
// gives take the figures (or the error) on the loop.
func (l *loop) measureBeside(s *besideSlot, reg *coverage.Region, cells []stationCell, take func(map[Network]float64, error)) {
	fps, sweep, profiles := l.terrain, l.cfg.sweeper(), l.cfg.Profiles
	l.beside(s, func(ctx context.Context) func() {
		cov, err := measureCells(ctx, fps, sweep, profiles, reg, cells)
		return func() { take(cov, err) }
	})
}

// measurePlanTerrain measures the flying plan's coverage over terrain
// beside the loop. Until the measurement is in, the plan keeps the figures
// it had; then they are taken if the plan still has the cells measured (a
// plan changed meanwhile is measured again, and that measurement is
// taken). A failed measurement falls back to the flat figures.
func (l *loop) measurePlanTerrain(plan *Plan) {
	reg, cells := l.region, planCells(plan)
	l.measureBeside(&l.measuring, reg, cells, func(cov map[Network]float64, err error) {
		if l.st.Plan != plan || l.region != reg || !slices.Equal(planCells(plan), cells) {
			return // stale: the plan changed since
		}
		if err != nil {
			l.log.Warn("plan coverage not measured over terrain: measured flat", "err", err)
			l.measurePlanFlat(plan)
		} else {
			plan.Coverage = cov
		}
		l.dirty = true
	})
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

// terrainRequest is what the terrain placer is asked to re-place a flat
// plan's stations with: as many stations of each airframe as the flat plan
// gives it (the flat planner weighs rotation, wind and reach), tethered
// ones over the launch sites their drones stand at, in a copy of the
// region holding only those sites.
func (l *loop) terrainRequest(plan *Plan, groups map[string]*group, primary coverage.Networks) (*coverage.Region, coverage.Request) {
	count := map[string]int{}
	var order []string
	for _, st := range plan.Stations {
		if count[st.Profile] == 0 {
			order = append(order, st.Profile)
		}
		count[st.Profile]++
	}
	reg := *l.region
	reg.Sites = nil
	var fleet []coverage.Available
	for _, name := range order {
		g := groups[name]
		fleet = append(fleet, coverage.Available{Profile: g.prof.Radio, Count: count[name], MaxAMSLM: l.ceilingAMSL(name), Hold: l.holdShare(g, count[name])})
		for _, s := range l.region.Sites {
			if n := g.sites[s.Name]; g.prof.Tethered() && n > 0 {
				s.Capacity = min(n, s.Capacity)
				reg.Sites = append(reg.Sites, s)
			}
		}
	}
	return &reg, coverage.Request{Fleet: fleet, Drones: len(plan.Stations), EnvName: l.cfg.Env, Networks: primary, Seed: l.cfg.Seed}
}

// stationsOverTerrain puts in the flat plan the stations the terrain placer
// placed over reg (terrainRequest's): at the positions and heights above
// the ground it chose, battery ones brought within reach of their launch
// points.
func (l *loop) stationsOverTerrain(plan *Plan, groups map[string]*group, reg *coverage.Region, tp *coverage.Plan) {
	intermittent := map[string]bool{}
	for _, st := range plan.Stations {
		intermittent[st.Profile] = intermittent[st.Profile] || st.Intermittent
	}
	stations := make([]Station, 0, len(tp.Stations))
	for i, s := range tp.Stations {
		g := groups[s.Profile]
		c := coverage.Point{X: s.XM, Y: s.YM}
		if !g.prof.Tethered() && len(g.launch) > 0 {
			// never farther than its drones can hold it
			c = bringWithin(c, g.launch, l.holdReachM(g.prof, s.AltM))
		}
		ll := reg.Projection.Inverse(c)
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
}

// liveSource is one flying drone as live coverage over terrain sees it,
// copied off the loop.
type liveSource struct {
	drone    int
	profile  string
	lat, lon float64
	altM     float64   // above the ground under it
	on       []Network // its cells on
}

// liveTerrain is a measurement of live coverage over terrain, made beside
// the loop for the region and the moment it names.
type liveTerrain struct {
	region *coverage.Region
	at     time.Time
	rep    coverage.LiveReport
	// drawn: the layout changed, and polys and shapes are its uncovered
	// parts and footprints.
	drawn  bool
	polys  map[Network]orb.MultiPolygon
	shapes []FootprintShape
	err    error
}

// measureTerrain measures live coverage over terrain beside the loop:
// each flying drone's footprints (swept again only when it moved more than
// terrainMoveM), the uncovered parts and the footprints' shapes drawn when
// the layout changed (an unchanged layout is not measured again). The loop takes the latest finished measurement
// (gotLiveTerrain) and never waits for one; asked while one runs, the
// newest waits in place of any older.
func (l *loop) measureTerrain(ids []int) {
	srcs := make([]liveSource, 0, len(ids))
	for _, id := range ids {
		d := l.drones[id]
		src := liveSource{drone: id, profile: d.profile.Name, lat: d.tel.Lat, lon: d.tel.Lon}
		on := map[Network]bool{Public: d.tel.PublicCell == mavlink.CellOn, Private: d.tel.PrivateCell == mavlink.CellOn}
		for _, n := range Networks {
			if on[n] && d.profile.carries(n) {
				src.on = append(src.on, n)
			}
		}
		if len(src.on) > 0 {
			alt, err := l.heightAboveGround(d)
			if err != nil {
				l.log.Warn("live coverage not measured", "err", err)
				return
			}
			src.altM = alt
		}
		srcs = append(srcs, src)
	}
	reg, at := l.region, l.clk.Now()
	fps, sweep, profiles := l.terrain, l.cfg.sweeper(), l.cfg.Profiles
	l.beside(&l.livening, func(ctx context.Context) func() {
		m := measureLive(ctx, fps, sweep, profiles, reg, srcs)
		m.at = at
		return func() { l.gotLiveTerrain(m) }
	})
}

// measureLive is live coverage over reg from the drones srcs, their
// footprints cached in c. It runs beside the loop.
func measureLive(ctx context.Context, c *footprints, sweep sweepFunc, profiles map[string]Profile, reg *coverage.Region, srcs []liveSource) liveTerrain {
	out := liveTerrain{region: reg}
	var pub, prv []*coverage.Footprint
	type drawn struct {
		drone int
		net   Network
		fp    *coverage.Footprint
	}
	var all []drawn
	var key strings.Builder
	keep := map[int]bool{}
	for _, s := range srcs {
		keep[s.drone] = true
		if len(s.on) == 0 {
			continue
		}
		lf := c.liveAnchor(s.drone, reg, s.lat, s.lon, s.altM)
		p := profiles[s.profile]
		for _, n := range s.on {
			if out.err = ctx.Err(); out.err != nil {
				return out
			}
			f, err := c.liveFootprint(lf, n, func() (*coverage.Footprint, error) {
				return sweep(reg, p, n, lf.lat, lf.lon, lf.altM)
			})
			if err != nil {
				out.err = fmt.Errorf("drone %d: %w", s.drone, err)
				return out
			}
			if n == Public {
				pub = append(pub, f)
			} else {
				prv = append(prv, f)
			}
			all = append(all, drawn{s.drone, n, f})
			fmt.Fprintf(&key, "%d,%s,%.6f,%.6f,%.0f;", s.drone, n, lf.lat, lf.lon, lf.altM)
		}
	}
	c.keepLive(keep)
	k := key.String()
	if rep, ok := c.lastLive(reg, k); ok {
		out.rep = rep // the same footprints over the same area
		return out
	}
	// A new layout: measured, and its uncovered parts drawn.
	out.rep, out.err = reg.LiveTerrain(pub, prv, terrainStepM, true)
	if out.err != nil {
		return out
	}
	c.keepLast(reg, k, out.rep)
	out.drawn = true
	out.polys = map[Network]orb.MultiPolygon{Public: toOrb(out.rep.UncoveredPublic), Private: toOrb(out.rep.UncoveredPrivate)}
	out.shapes = make([]FootprintShape, 0, len(all))
	for _, d := range all {
		out.shapes = append(out.shapes, FootprintShape{Drone: d.drone, Network: d.net, Shape: toOrb(d.fp.Shape(reg.Projection))})
	}
	return out
}

// gotLiveTerrain takes a live measurement over terrain, unless it was made
// for an area since edited or closed.
func (l *loop) gotLiveTerrain(m liveTerrain) {
	if m.region != l.region {
		return // stale
	}
	if m.err != nil {
		if !errors.Is(m.err, context.Canceled) {
			l.log.Warn("live coverage not measured", "err", m.err)
		}
		return
	}
	cov := Coverage{Time: m.at, Fraction: map[Network]float64{Public: m.rep.Public.Fraction, Private: m.rep.Private.Fraction},
		Uncovered: l.cov.Uncovered, Footprints: l.cov.Footprints}
	if m.drawn {
		cov.Uncovered, cov.Footprints = m.polys, m.shapes
	}
	l.coverageEvents(cov)
	l.cov = cov
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
