package fleet

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aerocell/aerocell/coverage"
)

// makePlan plans the open incident on flat earth for the drones
// available, and measures it (over terrain, see planOverTerrain).
func (l *loop) makePlan(reason string) (*Plan, error) {
	plan, _, _, err := l.flatPlan(reason)
	if err != nil {
		return nil, err
	}
	l.measurePlanFlat(plan)
	return plan, nil
}

// flatPlan places the open incident's stations on flat earth for the
// drones available: tethered drones over their launch sites first, then
// free-flying airframes from the largest cell to the smallest, each
// filling what the others leave. It returns the plan (not measured), the
// drones it was made for by airframe and the network planned first.
func (l *loop) flatPlan(reason string) (*Plan, map[string]*group, coverage.Networks, error) {
	inc := l.st.Incident
	if l.region == nil {
		return nil, nil, 0, ErrNoIncident
	}
	env, err := coverage.EnvironmentByName(l.cfg.Env)
	if err != nil {
		return nil, nil, 0, err
	}
	l.wind = l.windEstimate()
	primary := coverage.Public
	if !inc.wants(Public) {
		primary = coverage.Private
	}
	// Available drones by profile; tethered ones by site.
	groups := map[string]*group{}
	anyKnown := false
	for _, d := range l.drones {
		anyKnown = anyKnown || (d.heard && !d.tel.Lost && l.airframeKnown(d))
	}
	for _, id := range sortedIDs(l.drones) {
		d := l.drones[id]
		if d.rec.Excluded || d.rec.Failed != "" || d.rec.Manual != nil || !d.heard || d.tel.Lost {
			continue
		}
		if d.profile.Tethered() && d.site == "" {
			continue // a tethered drone needs its ground station
		}
		if anyKnown && !l.airframeKnown(d) {
			continue // planned as what it is, once it says
		}
		if !l.positionKnown(d) {
			continue // planned from where it stands, once it says
		}
		g := groups[d.profile.Name]
		if g == nil {
			g = &group{prof: d.profile, sites: map[string]int{}}
			groups[d.profile.Name] = g
		}
		g.n++
		if d.profile.Tethered() {
			g.sites[d.site]++
		} else {
			g.launch = append(g.launch, l.launchPoint(d))
		}
	}
	if len(groups) == 0 {
		return nil, nil, 0, fmt.Errorf("%w: no drone available to plan with", ErrLimit)
	}
	// The network that matters first, then the other: drones the first
	// leaves free serve the second rather than stay on the ground.
	nets := []coverage.Networks{primary}
	if primary == coverage.Public && inc.wants(Private) {
		nets = append(nets, coverage.Private)
	}
	reg := l.region
	plan := &Plan{CreatedAt: l.clk.Now(), Reason: reason, Coverage: map[Network]float64{}}
	next := 1
	for pass, net := range nets {
		fixed := l.stationDisks(plan, fromCell(net))
		cells := map[string]coverage.Cells{}
		var names []string
		for name, g := range groups {
			if !g.prof.carries(fromCell(net)) || (pass > 0 && g.prof.Tethered()) {
				continue // no such cell; tethered drones are all placed in the first pass
			}
			c, err := l.groupCells(g.prof, env, net)
			if err != nil {
				return nil, nil, 0, err
			}
			cells[name] = c
			names = append(names, name)
		}
		// Tethered first (they cannot move), then by radius, largest first.
		sort.Slice(names, func(i, j int) bool {
			a, b := groups[names[i]], groups[names[j]]
			if a.prof.Tethered() != b.prof.Tethered() {
				return a.prof.Tethered()
			}
			ra, rb := cells[names[i]].Radius(net), cells[names[j]].Radius(net)
			if ra != rb {
				return ra > rb
			}
			return names[i] < names[j]
		})
		for _, name := range names {
			g, c := groups[name], cells[name]
			r := c.Radius(net)
			if r < minCellRadiusM {
				continue // a cell this small adds nothing worth a drone
			}
			if len(fixed) > 0 && coverage.Measure(reg.Area, fixed).Fraction >= inc.TargetCoverage {
				break
			}
			opts := coverage.PlaceOptions{Area: reg.Area, RadiusM: r, Target: inc.TargetCoverage, NoFly: reg.NoFly,
				Fixed: fixed, Seed: l.cfg.Seed, TetherReachM: -1}
			if g.prof.Tethered() {
				if !g.prof.Air.HoldsIn(l.wind) {
					continue // beyond what it holds on its tether: not planned
				}
				opts.Tethered = true
				opts.TetherReachM = g.prof.planReach(c.AltM, l.wind)
				for _, s := range reg.Sites {
					if n := g.sites[s.Name]; n > 0 {
						s.Capacity = min(n, s.Capacity)
						opts.Sites = append(opts.Sites, s)
						opts.Drones += s.Capacity
					}
				}
				if opts.Drones == 0 {
					continue
				}
				pl, err := coverage.Place(opts)
				if err != nil {
					return nil, nil, 0, fmt.Errorf("fleet: placing %s: %w", name, err)
				}
				l.addStations(plan, pl, g.prof, c, reg, &next, &fixed, opts.Sites, false)
				g.used = float64(g.n)
				continue
			}
			free := float64(g.n) - g.used
			if free < 0.5 {
				continue
			}
			pl, cost, intermittent, err := l.placeHeld(g, c, opts, free)
			if err != nil {
				return nil, nil, 0, fmt.Errorf("fleet: placing %s: %w", name, err)
			}
			if len(pl.Disks) == 0 {
				continue
			}
			g.used += cost
			l.addStations(plan, pl, g.prof, c, reg, &next, &fixed, nil, intermittent)
		}
	}
	if len(plan.Stations) == 0 {
		return nil, nil, 0, fmt.Errorf("%w: no station could be placed", ErrLimit)
	}
	return plan, groups, primary, nil
}

// profileWait is how long after a drone is first heard the planner waits
// for it to declare its airframe (AC_PROFILE, every 5 s) before planning
// it as the configured default.
const profileWait = 15 * time.Second

// airframeKnown reports whether d's airframe is known: configured,
// declared, or not declared within profileWait of its discovery.
func (l *loop) airframeKnown(d *drone) bool {
	if dc, ok := l.cfg.Drones[d.id]; ok && dc.Profile != "" {
		return true
	}
	return d.tel.Profile >= 0 || l.clk.Since(d.tel.Discovered) >= profileWait
}

// minCellRadiusM is the smallest cell worth a station.
const minCellRadiusM = 50

// group is the drones of one airframe available to a plan.
type group struct {
	prof   Profile
	n      int
	used   float64          // drones the plan's stations of this group need
	sites  map[string]int   // tethered: drones per ground station
	launch []coverage.Point // battery: where each drone takes off
}

// groupCells is the radio plan of an airframe for network net: the best
// altitude for it within the airframe's limits (and, tethered, the tether's
// reach in the wind), and both cells' radii there.
func (l *loop) groupCells(p Profile, env coverage.Environment, net coverage.Networks) (coverage.Cells, error) {
	c, err := p.Radio.PlanCells(env, net)
	if err != nil {
		return coverage.Cells{}, fmt.Errorf("fleet: profile %s: %w", p.Name, err)
	}
	if alt := p.planAlt(c.AltM, l.wind); alt != c.AltM {
		// Off the radio optimum: the radii are those at the altitude flown.
		c.AltM = alt
		c.PublicRadiusM, c.PrivateRadiusM = l.radii[p.Name].At(alt)
	}
	return c, nil
}

// placeHeld places stations for a group of battery drones, free of them
// available. Each station costs the drones its rotation needs, from its
// distance to the launch points, the wind and the battery swap (see
// Hold.PostLoad); none is farther than is worth its cost (moved in).
// Over the horizon S stations of load L served by free drones give
// S·min(1, free/(S·L)) stations' worth of coverage: more stations than the
// drones keep served continuously add nothing once S·L passes free, and
// fewer leave drones idle. The group places the nearest whole number of
// stations to free/L (Hold.Posts, L the cheapest post's), shown as
// intermittent when their load exceeds the drones. It returns the
// placement, the drones it uses and whether it is intermittent.
func (l *loop) placeHeld(g *group, c coverage.Cells, opts coverage.PlaceOptions, free float64) (coverage.Placement, float64, bool, error) {
	reach := l.holdReachM(g.prof, c.AltM)
	if reach == 0 {
		return coverage.Placement{}, 0, false, nil // the wind forbids it
	}
	limit := l.hold().Posts(g.prof, free, l.region.Area, g.launch, c.AltM)
	if limit == 0 {
		return coverage.Placement{}, 0, false, nil
	}
	pl, err := coverage.Place(opts)
	if err != nil {
		return coverage.Placement{}, 0, false, err
	}
	if len(pl.Disks) > limit {
		opts.Drones = limit
		if pl, err = coverage.Place(opts); err != nil {
			return coverage.Placement{}, 0, false, err
		}
	}
	reach = l.hold().StationReachM(g.prof, c.AltM, opts.RadiusM, free/float64(len(pl.Disks)), g.launch, l.region.Area)
	cost, ok := l.fitHeld(g, &pl, c.AltM, reach)
	if !ok {
		return coverage.Placement{}, 0, false, nil
	}
	return pl, math.Min(cost, free), cost > free+1e-9, nil
}

// fitHeld brings each of pl's stations within reach of the group's launch
// points and adds up the drones they need; false if one cannot be held.
func (l *loop) fitHeld(g *group, pl *coverage.Placement, altM, reach float64) (float64, bool) {
	cost := 0.0
	for i := range pl.Disks {
		pl.Disks[i].C = BringInto(pl.Disks[i].C, g.launch, reach, l.region.Area)
		k := l.hold().PostLoad(g.prof, g.launch, pl.Disks[i].C, altM)
		if k == 0 {
			return cost, false
		}
		cost += k
	}
	return cost, true
}

// stationDisks are the plan's cells of network n, in the region's plane.
func (l *loop) stationDisks(plan *Plan, n Network) []coverage.Disk {
	var ds []coverage.Disk
	for _, st := range plan.Stations {
		if r := st.RadiusM[n]; r > 0 && st.carries(n) {
			ds = append(ds, coverage.Disk{C: l.region.Projection.Forward(coverage.LonLat{Lon: st.Lon, Lat: st.Lat}), R: r})
		}
	}
	return ds
}

func (l *loop) addStations(plan *Plan, pl coverage.Placement, p Profile, cells coverage.Cells, reg *coverage.Region, next *int, fixed *[]coverage.Disk, sites []coverage.PlanarSite, intermittent bool) {
	radius, nets := l.cellsOf(p, cells)
	for i, dk := range pl.Disks {
		ll := reg.Projection.Inverse(dk.C)
		st := Station{ID: fmt.Sprintf("S%d", *next), Lat: ll.Lat, Lon: ll.Lon, AltM: cells.AltM,
			RadiusM: maps.Clone(radius), Networks: slices.Clone(nets), Profile: p.Name, Intermittent: intermittent}
		if i < len(pl.Site) && pl.Site[i] >= 0 && pl.Site[i] < len(sites) {
			st.Site = sites[pl.Site[i]].Name
		}
		*next++
		plan.Stations = append(plan.Stations, st)
		*fixed = append(*fixed, dk)
	}
	if plan.LowerBound == 0 || pl.LowerBound < plan.LowerBound {
		plan.LowerBound = pl.LowerBound
	}
}

// cellsOf are the radii of airframe p's cells as planned in cells, and
// the wanted networks a station of p serves.
func (l *loop) cellsOf(p Profile, cells coverage.Cells) (map[Network]float64, []Network) {
	nets := []Network{}
	radius := map[Network]float64{}
	for _, n := range Networks {
		if l.st.Incident.wants(n) && p.carries(n) {
			nets = append(nets, n)
		}
	}
	if p.carries(Public) {
		radius[Public] = cells.PublicRadiusM
	}
	if p.carries(Private) {
		radius[Private] = cells.PrivateRadiusM
	}
	return radius, nets
}

// measurePlan fills the plan's coverage per network from its stations:
// over terrain, beside the loop (measurePlanTerrain).
func (l *loop) measurePlan(plan *Plan) {
	if l.cfg.Terrain != nil {
		l.measurePlanTerrain(plan)
		return
	}
	l.measurePlanFlat(plan)
}

// measurePlanFlat fills the plan's coverage per network from its stations'
// disks.
func (l *loop) measurePlanFlat(plan *Plan) {
	for _, n := range Networks {
		plan.Coverage[n] = coverage.Measure(l.region.Area, l.stationDisks(plan, n)).Fraction
	}
}

func (s Station) carries(n Network) bool {
	for _, x := range s.Networks {
		if x == n {
			return true
		}
	}
	return false
}

func (inc *Incident) wants(n Network) bool {
	for _, x := range inc.Networks {
		if x == n {
			return true
		}
	}
	return false
}

// replanAround removes stations no drone can fill and moves the fewest
// others to cover the hole.
func (l *loop) replanAround(empty []string) {
	gone := map[string]bool{}
	for _, id := range empty {
		gone[id] = true
	}
	kept := l.st.Plan.Stations[:0:0]
	for _, st := range l.st.Plan.Stations {
		if !gone[st.ID] {
			kept = append(kept, st)
		}
	}
	l.st.Plan.Stations = kept
	l.dirty = true
	reason := fmt.Sprintf("no spare for %s", strings.Join(empty, ", "))
	l.emit(Event{Kind: EventPlanShrunk, Severity: Warning, Text: fmt.Sprintf("stations %s dropped: no drone left to fill them", strings.Join(empty, ", ")), Reason: reason})
	if err := l.replanMoves(reason); err != nil {
		l.emit(Event{Kind: EventPlanFailed, Severity: Critical, Text: "re-plan failed: " + err.Error(), Reason: reason})
	}
}

// perStation is how many drones of airframe name there are for each of
// its stations in the plan.
func (l *loop) perStation(name string) float64 {
	n, k := l.strength(name)
	return float64(n) / float64(max(k, 1))
}

// strength is how many drones of airframe name are in service (heard, not
// failed, excluded or under a commander's orders) and how many stations
// of it the plan has.
func (l *loop) strength(name string) (drones, stations int) {
	for _, d := range l.drones {
		if d.profile.Name == name && d.heard && !d.tel.Lost && d.rec.Failed == "" && !d.rec.Excluded && d.rec.Manual == nil {
			drones++
		}
	}
	for _, st := range l.st.Plan.Stations {
		if st.Profile == name {
			stations++
		}
	}
	return drones, stations
}

// grow adds a station back to a plan shrunk by losses when a drone able to
// hold it is free again (back from a lost link, a new battery): the new
// station starts where the drone stands and the re-plan moves the fewest
// stations to make room for it.
func (l *loop) grow() {
	plan := l.st.Plan
	if plan == nil || l.region == nil {
		return
	}
	shrunk := len(plan.Stations) < plan.Planned
	var spare *drone
	for _, d := range l.candidates() {
		if !d.profile.Tethered() && !l.clk.Now().Before(d.growAfter) && (shrunk || l.unplanned(d.profile)) {
			spare = d
			break
		}
	}
	if spare == nil {
		return
	}
	radius, nets, alt := l.radioPlan(spare.profile)
	if alt == 0 {
		return // no cell worth a station
	}
	next := 0
	for _, st := range plan.Stations {
		var n int
		if _, err := fmt.Sscanf(st.ID, "S%d", &n); err == nil && n > next {
			next = n
		}
	}
	// The new station starts where the drone stands, or at the nearest
	// point of the area when it stands outside (a launch site beyond the
	// geofence), and is grown only if the drone can take it: a station
	// added for a drone that cannot reach it is dropped again at once,
	// and grown again, every pass (seen: 1,086 times in an hour).
	at := l.region.Area.Nearest(l.launchPoint(spare), 100)
	if spare.airborne() {
		at = l.region.Area.Nearest(l.region.Projection.Forward(coverage.LonLat{Lon: spare.tel.Lon, Lat: spare.tel.Lat}), 100)
	}
	ll := l.region.Projection.Inverse(at)
	st := Station{ID: fmt.Sprintf("S%d", next+1), Lat: ll.Lat, Lon: ll.Lon, AltM: alt,
		RadiusM: radius, Networks: nets, Profile: spare.profile.Name}
	spare.growAfter = l.clk.Now().Add(growRetry) // once per drone in growRetry, whatever follows
	if math.IsInf(l.costTo(spare, &st), 1) {
		return
	}
	plan.Stations = append(plan.Stations, st)
	l.emit(Event{Kind: EventPlanGrown, Severity: Info, Station: st.ID, Drone: spare.id,
		Text: fmt.Sprintf("station %s added back for drone %d", st.ID, spare.id), Reason: "drone available again"})
	if err := l.replanMoves("drone available again"); err != nil {
		plan.Stations = plan.Stations[:len(plan.Stations)-1]
		l.emit(Event{Kind: EventPlanFailed, Severity: Warning, Text: "re-plan failed: " + err.Error()})
	}
	l.dirty = true
}

// unplanned reports whether battery airframe p has drones the plan does
// not use: the plan is short of its target, and p has fewer stations than
// its drones keep served (Posts). Drones heard, or whose airframe became
// known, after the plan was made are planned this way; before, four
// heavies that declared their airframe a second after the deployment
// stayed on the ground for the whole run (gen-s1-09: public 0.14 of a
// 0.62 bound).
func (l *loop) unplanned(p Profile) bool {
	plan, inc := l.st.Plan, l.st.Incident
	primary := Public
	if !inc.wants(Public) {
		primary = Private
	}
	if plan.Coverage[primary] >= inc.TargetCoverage {
		return false
	}
	n, k := l.strength(p.Name)
	_, _, alt := l.radioPlan(p)
	from := l.launchPointsOf(p.Name)
	return alt > 0 && len(from) > 0 && k < l.hold().Posts(p, float64(n), l.region.Area, from, alt)
}

// radioPlan is how a station of airframe p flies: its cells' radii, the
// wanted networks it serves and its altitude; those of a station of p in
// the plan, else worked out afresh for the plan's first network (all of
// p's stations may have been dropped: its drones lost, or between
// batteries when the last holder had to leave). Altitude 0: no cell of p
// is worth a station.
func (l *loop) radioPlan(p Profile) (map[Network]float64, []Network, float64) {
	for _, st := range l.st.Plan.Stations {
		if st.Profile == p.Name {
			return maps.Clone(st.RadiusM), slices.Clone(st.Networks), st.AltM
		}
	}
	env, err := coverage.EnvironmentByName(l.cfg.Env)
	if err != nil {
		return nil, nil, 0
	}
	for _, n := range Networks {
		if !l.st.Incident.wants(n) || !p.carries(n) {
			continue
		}
		c, err := l.groupCells(p, env, cellNetwork(n))
		if err != nil || math.Max(c.PublicRadiusM, c.PrivateRadiusM) < minCellRadiusM {
			continue
		}
		radius, nets := l.cellsOf(p, c)
		return radius, nets, c.AltM
	}
	return nil, nil, 0
}

// growRetry is how long a drone that could not take a grown station waits
// before the plan is grown for it again.
const growRetry = 5 * time.Minute

// replanMoves moves the fewest stations of the current plan to get back to
// the best coverage of the (possibly edited) area.
func (l *loop) replanMoves(reason string) error {
	plan := l.st.Plan
	if plan == nil || len(plan.Stations) == 0 || l.region == nil {
		return nil
	}
	primary := Public
	if !l.st.Incident.wants(Public) {
		primary = Private
	}
	reg := l.region
	cur := make([]coverage.Disk, len(plan.Stations))
	pinned := make([]bool, len(plan.Stations))
	for i, st := range plan.Stations {
		cur[i] = coverage.Disk{C: reg.Projection.Forward(coverage.LonLat{Lon: st.Lon, Lat: st.Lat}), R: st.RadiusM[primary]}
		p := l.cfg.Profiles[st.Profile]
		pinned[i] = st.Pinned || p.Tethered()
	}
	res, err := coverage.Replan(coverage.ReplanOptions{Area: reg.Area, Current: cur, Pinned: pinned, NoFly: reg.NoFly, Seed: l.cfg.Seed})
	if err != nil {
		return fmt.Errorf("fleet: re-plan: %w", err)
	}
	for _, mv := range res.Moves {
		if mv.Index < 0 || mv.Index >= len(plan.Stations) || pinned[mv.Index] {
			continue
		}
		st := &plan.Stations[mv.Index]
		c := res.Disks[mv.Index].C
		if p := l.cfg.Profiles[st.Profile]; !p.Tethered() {
			// never farther than its drones hold it at a useful cost
			if from := l.launchPointsOf(p.Name); len(from) > 0 {
				c = BringInto(c, from, l.hold().StationReachM(p, st.AltM, st.RadiusM[primary], l.perStation(p.Name), from, reg.Area), reg.Area)
			}
		}
		ll := reg.Projection.Inverse(c)
		moved := distanceM(st.Lat, st.Lon, ll.Lat, ll.Lon)
		st.Lat, st.Lon = ll.Lat, ll.Lon
		l.emit(Event{Kind: EventStationMoved, Severity: Info, Station: st.ID, Drone: st.Drone,
			Text: fmt.Sprintf("station %s moved %.0f m", st.ID, moved), Reason: reason})
	}
	l.measurePlan(plan)
	plan.Reason = reason
	l.dirty = true
	l.emit(Event{Kind: EventPlanReplanned, Severity: Info,
		Text: fmt.Sprintf("re-planned: %d stations move, coverage %.1f%% -> %.1f%%", len(res.Moves), 100*res.Before.Fraction, 100*res.Coverage.Fraction), Reason: reason})
	return nil
}
