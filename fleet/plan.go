package fleet

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/mavlink"
	"github.com/paulmach/orb"
)

// prepareRegion parses an incident's GeoJSON and projects it.
func prepareRegion(spec IncidentSpec, sites []LaunchSite) (*coverage.Region, error) {
	if len(spec.Area) == 0 {
		return nil, fmt.Errorf("%w: incident has no area", ErrInvalid)
	}
	area, err := coverage.ParseArea(spec.Area)
	if err != nil {
		return nil, fmt.Errorf("%w: area: %v", ErrInvalid, err)
	}
	inc := coverage.Incident{Area: area}
	if len(spec.NoFly) > 0 {
		nf, err := coverage.ParseArea(spec.NoFly)
		if err != nil {
			return nil, fmt.Errorf("%w: no-fly zones: %v", ErrInvalid, err)
		}
		inc.NoFly = nf
	}
	for _, s := range sites {
		inc.Sites = append(inc.Sites, coverage.Site{Name: s.Name, Pos: coverage.LonLat{Lon: s.Lon, Lat: s.Lat}, Capacity: max(1, s.Capacity)})
	}
	reg, err := coverage.Prepare(inc)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return reg, nil
}

func checkSpec(spec *IncidentSpec) error {
	if strings.TrimSpace(spec.Name) == "" {
		return fmt.Errorf("%w: incident needs a name", ErrInvalid)
	}
	if len(spec.Networks) == 0 {
		spec.Networks = []Network{Public, Private}
	}
	seen := map[Network]bool{}
	for _, n := range spec.Networks {
		if n != Public && n != Private {
			return fmt.Errorf("%w: network %q (want public or private)", ErrInvalid, n)
		}
		if seen[n] {
			return fmt.Errorf("%w: network %q named twice", ErrInvalid, n)
		}
		seen[n] = true
	}
	if spec.TargetCoverage == 0 {
		spec.TargetCoverage = coverage.DefaultTarget
	}
	if !(spec.TargetCoverage > 0 && spec.TargetCoverage <= 1) {
		return fmt.Errorf("%w: target coverage %v not in (0, 1]", ErrInvalid, spec.TargetCoverage)
	}
	return nil
}

func (l *loop) createIncident(spec IncidentSpec) (Incident, error) {
	if l.st.Incident != nil && l.st.Incident.State != IncidentClosed {
		return Incident{}, ErrIncidentOpen
	}
	if err := checkSpec(&spec); err != nil {
		return Incident{}, err
	}
	reg, err := prepareRegion(spec, l.cfg.LaunchSites)
	if err != nil {
		return Incident{}, err
	}
	l.st.NextIncident++
	inc := &Incident{ID: fmt.Sprintf("inc-%d", l.st.NextIncident), IncidentSpec: spec, State: IncidentPlanned, CreatedAt: l.clk.Now()}
	l.st.Incident, l.st.Plan, l.region = inc, nil, reg
	l.lastLiveKey = "none" // draw the new area's uncovered parts
	l.emit(Event{Kind: EventIncidentCreated, Severity: Info, Text: fmt.Sprintf("incident %s (%s) opened", inc.ID, inc.Name)})
	return *inc, nil
}

func (l *loop) updateIncident(spec IncidentSpec) (Incident, error) {
	inc := l.st.Incident
	if inc == nil || inc.State == IncidentClosed {
		return Incident{}, ErrNoIncident
	}
	if err := checkSpec(&spec); err != nil {
		return Incident{}, err
	}
	reg, err := prepareRegion(spec, l.cfg.LaunchSites)
	if err != nil {
		return Incident{}, err
	}
	inc.IncidentSpec, l.region = spec, reg
	l.lastLiveKey = "none"
	l.emit(Event{Kind: EventIncidentUpdated, Severity: Info, Text: fmt.Sprintf("incident %s edited", inc.ID)})
	if l.st.Plan != nil {
		if err := l.replanMoves("area edited"); err != nil {
			return *inc, err
		}
	}
	return *inc, nil
}

func (l *loop) closeIncident() error {
	inc := l.st.Incident
	if inc == nil || inc.State == IncidentClosed {
		return ErrNoIncident
	}
	l.sendAllHome(homeClosed)
	now := l.clk.Now()
	inc.State, inc.ClosedAt = IncidentClosed, &now
	l.st.Plan, l.region = nil, nil
	l.emit(Event{Kind: EventIncidentClosed, Severity: Info, Text: fmt.Sprintf("incident %s closed", inc.ID)})
	return nil
}

func (l *loop) preview() (Plan, error) {
	if l.st.Incident == nil || l.st.Incident.State == IncidentClosed {
		return Plan{}, ErrNoIncident
	}
	p, err := l.makePlan("preview")
	if err != nil {
		return Plan{}, err
	}
	return *p, nil
}

func (l *loop) deploy() error {
	inc := l.st.Incident
	if inc == nil || inc.State == IncidentClosed {
		return ErrNoIncident
	}
	if l.st.Plan != nil && (inc.State == IncidentDeploying || inc.State == IncidentHolding) {
		return nil // already flying this plan
	}
	p, err := l.makePlan("deploy")
	if err != nil {
		return err
	}
	p.Planned = len(p.Stations)
	l.st.Plan = p
	inc.State = IncidentDeploying
	l.takeBack()
	l.emit(Event{Kind: EventPlanDeployed, Severity: Info,
		Text: fmt.Sprintf("deploying %d stations over %s", len(p.Stations), inc.ID), Reason: p.Reason})
	return nil
}

// Why sendAllHome sent drones home: a deployment may take them back.
const (
	homeRecalled = "recalled"
	homeClosed   = "incident closed"
)

// takeBack makes the drones a recall or a closed incident sent home, still
// in the air and healthy, spares for the new deployment: the next fill gives
// them stations (or dismissSurplus sends them home again) without waiting
// for them to land, which a fixed wing loitering over home never does.
func (l *loop) takeBack() {
	for _, id := range sortedIDs(l.drones) {
		d := l.drones[id]
		r := d.rec
		if r.Home && (r.HomeReason == homeRecalled || r.HomeReason == homeClosed) &&
			r.Failed == "" && r.Manual == nil && !r.Excluded && d.airborne() {
			r.Home, r.HomeReason, r.Free = false, "", true
			// Its last flight to a station is history: the next one is
			// sent afresh, and its RTL is not taken for a failsafe.
			d.gotoTarget, d.gotoAt, d.onStationAt = [3]float64{}, time.Time{}, time.Time{}
			if d.op != nil && (d.op.what == "cells off" || d.op.what == "return to launch") {
				// Its way home is abandoned: free for fill now. An RTL
				// already on the air left before the next order will,
				// and a cancelled command is not sent again.
				d.op.cancel()
				d.op = nil
			}
		}
	}
}

func (l *loop) recall() error {
	inc := l.st.Incident
	if inc == nil || inc.State == IncidentClosed {
		return ErrNoIncident
	}
	l.sendAllHome(homeRecalled)
	l.st.Plan = nil
	inc.State = IncidentRecalled
	l.emit(Event{Kind: EventIncidentRecalled, Severity: Warning, Text: fmt.Sprintf("incident %s recalled: every drone going home", inc.ID)})
	return nil
}

// sendAllHome takes every station away and sends home every drone that
// flies or may fly because of us: one in the air (a commander's own order
// included: a recall is the later order), one with a station, one with a
// command sequence under way. Launches and flights to a station that are
// under way are cancelled; a takeoff already on the air still lifts its
// drone, which then finds Home set and returns. Home is cleared only once
// the drone is down, disarmed, with no sequence running (see health).
// Excluded drones are the commander's alone and are left as they are.
func (l *loop) sendAllHome(reason string) {
	for _, id := range sortedIDs(l.drones) {
		d := l.drones[id]
		if d.rec.Excluded {
			continue
		}
		tasked := d.rec.Station != "" || d.op != nil || d.airborne()
		if d.rec.Station != "" {
			d.rec.Station, d.rec.Relief = "", false
			d.onStationAt = time.Time{}
		}
		if !tasked {
			continue
		}
		if d.op != nil && d.op.cancel != nil && (d.op.what == "launch" || strings.HasPrefix(d.op.what, "go to station") || d.op.what == "cells on") {
			d.op.cancel()
		}
		d.rec.Manual, d.rec.Free = nil, false
		if d.rec.Failed == "" {
			d.rec.Home, d.rec.HomeReason = true, reason
		}
	}
	l.dirty = true
}

func (l *loop) setPaused(p bool) error {
	if l.st.Paused == p {
		return nil
	}
	l.st.Paused = p
	text := "automation resumed"
	if p {
		text = "automation paused by a commander"
	}
	l.emit(Event{Kind: EventAutomation, Severity: Warning, Text: text})
	return nil
}

func (l *loop) exclude(id int, ex bool) error {
	d, ok := l.drones[id]
	if !ok {
		return fmt.Errorf("%w: %d", ErrUnknownDrone, id)
	}
	if d.rec.Excluded == ex {
		return nil
	}
	d.rec.Excluded = ex
	text := fmt.Sprintf("drone %d given back to automation", id)
	if ex {
		l.releaseStation(d, "excluded by a commander")
		text = fmt.Sprintf("drone %d excluded by a commander", id)
	} else {
		d.rec.Failed, d.failures = "", 0 // a commander's reset
	}
	l.emit(Event{Kind: EventDroneExcluded, Severity: Info, Drone: id, Text: text})
	return nil
}

func (l *loop) pin(station string, p bool) error {
	st := l.station(station)
	if st == nil {
		return fmt.Errorf("%w: %q", ErrUnknownStation, station)
	}
	st.Pinned = p
	l.dirty = true
	return nil
}

// order checks and starts a commander's order; the returned channel gets
// the drone's answer.
func (l *loop) order(id int, o Order) (<-chan error, error) {
	if o.Kind == OrderApprove {
		return nil, l.approve(id)
	}
	d, ok := l.drones[id]
	if !ok {
		return nil, fmt.Errorf("%w: %d", ErrUnknownDrone, id)
	}
	if !d.heard || d.tel.Lost {
		return nil, fmt.Errorf("%w: drone %d is not heard", ErrLimit, id)
	}
	if d.op != nil && o.Kind != OrderRelease {
		// A sequence of ours is under way: the order supersedes it, but the
		// link layer serialises per drone, so it simply queues behind.
		l.log.Info("order queued behind a running command", "drone", id, "op", d.op.what)
	}
	var fn func(ctx context.Context, link Radio, vid mavlink.VehicleID) error
	switch o.Kind {
	case OrderGoto:
		if !validLatLon(o.Lat, o.Lon) || math.IsNaN(o.AltM) || math.IsInf(o.AltM, 0) {
			return nil, fmt.Errorf("%w: bad position %v,%v alt %v", ErrInvalid, o.Lat, o.Lon, o.AltM)
		}
		if err := l.checkLimits(d, o.Lat, o.Lon, o.AltM); err != nil {
			return nil, err
		}
		if !d.airborne() {
			return nil, fmt.Errorf("%w: drone %d is on the ground; deploy it first", ErrLimit, id)
		}
		lat, lon, alt := o.Lat, o.Lon, o.AltM
		fn = func(ctx context.Context, link Radio, vid mavlink.VehicleID) error {
			return link.GoTo(ctx, vid, lat, lon, alt)
		}
	case OrderRTL:
		fn = func(ctx context.Context, link Radio, vid mavlink.VehicleID) error { return link.RTL(ctx, vid) }
	case OrderLand:
		fn = func(ctx context.Context, link Radio, vid mavlink.VehicleID) error { return link.Land(ctx, vid) }
	case OrderRelease:
		if d.rec.Manual == nil {
			return nil, nil
		}
		d.rec.Manual = nil
		l.emit(Event{Kind: EventDroneReleased, Severity: Info, Drone: id, Text: fmt.Sprintf("drone %d handed back to automation", id)})
		return nil, nil
	default:
		return nil, fmt.Errorf("%w: order %q (want goto, rtl, land, release or approve)", ErrInvalid, o.Kind)
	}
	order := o
	d.rec.Manual = &order
	l.releaseStation(d, "commander's order")
	l.emit(Event{Kind: EventDroneOrder, Severity: Info, Drone: id,
		Text: fmt.Sprintf("drone %d ordered: %s", id, o.Kind), Reason: "commander"})
	if err := l.save(); err != nil {
		return nil, err
	}
	reply := make(chan error, 1)
	l.startOp(d, "order "+string(o.Kind), reply, fn)
	return reply, nil
}

// makePlan plans the open incident for the drones available: tethered
// drones over their launch sites first, then free-flying airframes from the
// largest cell to the smallest, each filling what the others leave.
func (l *loop) makePlan(reason string) (*Plan, error) {
	inc := l.st.Incident
	if l.region == nil {
		return nil, ErrNoIncident
	}
	env, err := coverage.EnvironmentByName(l.cfg.Env)
	if err != nil {
		return nil, err
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
		return nil, fmt.Errorf("%w: no drone available to plan with", ErrLimit)
	}
	// The network that matters first, then the other: drones the first
	// leaves free serve the second rather than stay on the ground.
	nets := []coverage.Network{primary}
	if primary == coverage.Public && inc.wants(Private) {
		nets = append(nets, coverage.Private)
	}
	reg := l.region
	plan := &Plan{CreatedAt: l.clk.Now(), Reason: reason, Coverage: map[Network]float64{}}
	next := 1
	for pass, net := range nets {
		fixed := l.stationDisks(plan, Network(net.String()))
		cells := map[string]coverage.Cells{}
		var names []string
		for name, g := range groups {
			if !g.prof.carries(Network(net.String())) || (pass > 0 && g.prof.Tethered()) {
				continue // no such cell; tethered drones are all placed in the first pass
			}
			c, err := l.groupCells(g.prof, env, net)
			if err != nil {
				return nil, err
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
					return nil, fmt.Errorf("fleet: placing %s: %w", name, err)
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
				return nil, fmt.Errorf("fleet: placing %s: %w", name, err)
			}
			if len(pl.Disks) == 0 {
				continue
			}
			g.used += cost
			l.addStations(plan, pl, g.prof, c, reg, &next, &fixed, nil, intermittent)
		}
	}
	if len(plan.Stations) == 0 {
		return nil, fmt.Errorf("%w: no station could be placed", ErrLimit)
	}
	l.measurePlan(plan)
	return plan, nil
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
func (l *loop) groupCells(p Profile, env coverage.Environment, net coverage.Network) (coverage.Cells, error) {
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
// holdLoad); none is farther than the drones can hold at all (moved in).
// Over the horizon S stations of load L served by free drones give
// S·min(1, free/(S·L)) stations' worth of coverage: more stations than the
// drones keep served continuously add nothing once S·L passes free, and
// fewer leave drones idle. The group places the nearest whole number of
// stations to free/L, shown as intermittent when their load exceeds the
// drones. It returns the placement, the drones it uses and whether it is
// intermittent.
func (l *loop) placeHeld(g *group, c coverage.Cells, opts coverage.PlaceOptions, free float64) (coverage.Placement, float64, bool, error) {
	reach := l.holdReachM(g.prof, c.AltM)
	if reach == 0 {
		return coverage.Placement{}, 0, false, nil // the wind forbids it
	}
	k0 := l.holdLoad(g.prof, g.launch, g.launch[0], c.AltM)
	if k0 == 0 {
		return coverage.Placement{}, 0, false, nil
	}
	limit := max(1, min(int(math.Round(free/k0)), int(math.Floor(free+1e-9))))
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
		pl.Disks[i].C = bringWithin(pl.Disks[i].C, g.launch, reach)
		k := l.holdLoad(g.prof, g.launch, pl.Disks[i].C, altM)
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

// measurePlan fills the plan's coverage per network from its stations.
func (l *loop) measurePlan(plan *Plan) {
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

// grow adds a station back to a plan shrunk by losses when a drone able to
// hold it is free again (back from a lost link, a new battery): the new
// station starts where the drone stands and the re-plan moves the fewest
// stations to make room for it.
func (l *loop) grow() {
	plan := l.st.Plan
	if plan == nil || len(plan.Stations) >= plan.Planned || l.region == nil {
		return
	}
	var spare *drone
	for _, d := range l.candidates() {
		if !d.profile.Tethered() {
			spare = d
			break
		}
	}
	if spare == nil {
		return
	}
	radius := map[Network]float64{}
	nets := []Network{}
	alt := 0.0
	for _, st := range plan.Stations {
		if st.Profile == spare.profile.Name {
			radius, nets, alt = maps.Clone(st.RadiusM), slices.Clone(st.Networks), st.AltM
			break
		}
	}
	if alt == 0 {
		return // no station of this airframe to take its radio plan from
	}
	next := 0
	for _, st := range plan.Stations {
		var n int
		if _, err := fmt.Sscanf(st.ID, "S%d", &n); err == nil && n > next {
			next = n
		}
	}
	st := Station{ID: fmt.Sprintf("S%d", next+1), Lat: spare.tel.Lat, Lon: spare.tel.Lon, AltM: alt,
		RadiusM: radius, Networks: nets, Profile: spare.profile.Name}
	plan.Stations = append(plan.Stations, st)
	l.emit(Event{Kind: EventPlanGrown, Severity: Info, Station: st.ID, Drone: spare.id,
		Text: fmt.Sprintf("station %s added back for drone %d", st.ID, spare.id), Reason: "drone available again"})
	if err := l.replanMoves("drone available again"); err != nil {
		plan.Stations = plan.Stations[:len(plan.Stations)-1]
		l.emit(Event{Kind: EventPlanFailed, Severity: Warning, Text: "re-plan failed: " + err.Error()})
	}
	l.dirty = true
}

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
			// never farther than its drones can hold it
			if from := l.launchPointsOf(p.Name); len(from) > 0 {
				c = bringWithin(c, from, l.holdReachM(p, st.AltM))
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

// checkLimits refuses a target that breaks a limit of d: its ceiling, its
// tether, the geofence (the area plus the margin, outside no-fly zones).
func (l *loop) checkLimits(d *drone, lat, lon, alt float64) error {
	p := d.profile
	if alt > p.CeilingM {
		return fmt.Errorf("%w: altitude %.0f m above drone %d's ceiling of %.0f m", ErrLimit, alt, d.id, p.CeilingM)
	}
	if alt < 0 {
		return fmt.Errorf("%w: altitude %.0f m below ground", ErrLimit, alt)
	}
	if p.Tethered() {
		site, ok := l.site(d.site)
		if !ok {
			return fmt.Errorf("%w: tethered drone %d has no ground station", ErrLimit, d.id)
		}
		h := distanceM(site.Lat, site.Lon, lat, lon)
		if reach := p.ReachM(l.wind); math.Hypot(h, alt) > reach {
			return fmt.Errorf("%w: %.0f m from drone %d's ground station, tether reaches %.0f m in %.0f m/s wind",
				ErrLimit, math.Hypot(h, alt), d.id, reach, l.wind.SpeedMS)
		}
	}
	if l.region != nil {
		pt := l.region.Projection.Forward(coverage.LonLat{Lon: lon, Lat: lat})
		if len(l.region.NoFly) > 0 && l.region.NoFly.Contains(pt) {
			return fmt.Errorf("%w: position inside a no-fly zone", ErrLimit)
		}
		if !l.region.Area.Contains(pt) && distanceToArea(l.region.Area, pt) > l.cfg.FenceMarginM {
			return fmt.Errorf("%w: position %.0f m outside the geofence", ErrLimit, distanceToArea(l.region.Area, pt)-l.cfg.FenceMarginM)
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
	dx, dy := b.X-a.X, b.Y-a.Y
	t := 0.0
	if l2 := dx*dx + dy*dy; l2 > 0 {
		t = math.Max(0, math.Min(1, ((p.X-a.X)*dx+(p.Y-a.Y)*dy)/l2))
	}
	return math.Hypot(p.X-(a.X+t*dx), p.Y-(a.Y+t*dy))
}

// fenceItems is the geofence uploaded before launch: the convex hull of the
// area pushed out by the margin as the inclusion polygon, and each no-fly
// zone as an exclusion polygon.
func (l *loop) fenceItems() []mavlink.MissionItem {
	if l.region == nil {
		return nil
	}
	reg := l.region
	var pts []coverage.Point
	for _, poly := range reg.Area {
		for _, ring := range poly {
			pts = append(pts, ring...)
		}
	}
	hull := convexHull(pts)
	if len(hull) < 3 {
		return nil
	}
	var items []mavlink.MissionItem
	items = append(items, mavlink.FencePolygon(l.toLatLon(offsetConvex(hull, l.cfg.FenceMarginM)), true, 0)...)
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

// measure computes live coverage from the drones' actual positions and cell
// states: fractions every tick, uncovered polygons when the picture changed.
func (l *loop) measure() {
	now := l.clk.Now()
	if l.region == nil {
		l.cov = Coverage{Time: now, Fraction: map[Network]float64{}}
		return
	}
	var ss []coverage.LiveStation
	for _, id := range sortedIDs(l.drones) {
		d := l.drones[id]
		if !d.heard || d.tel.Lost || !d.airborne() {
			continue
		}
		r, ok := l.radii[d.profile.Name]
		if !ok {
			continue
		}
		if st, ok := r.Live(d.tel.Lat, d.tel.Lon, d.tel.AltRel, d.tel.PublicCell == mavlink.CellOn, d.tel.PrivateCell == mavlink.CellOn); ok {
			ss = append(ss, st)
		}
	}
	rep, err := l.region.Live(ss, false)
	if err != nil {
		l.log.Warn("live coverage not measured", "err", err)
		return
	}
	cov := Coverage{Time: now, Fraction: map[Network]float64{Public: rep.Public.Fraction, Private: rep.Private.Fraction}, Uncovered: l.cov.Uncovered}
	l.coverageEvents(cov)
	l.cov = cov
	// The uncovered polygons take an exact overlay, too slow for the loop
	// with many cells: a worker draws them for the latest layout and the
	// loop picks them up when they are ready.
	if key := liveKey(ss); key != l.lastLiveKey && !l.drawing {
		l.lastLiveKey, l.drawing = key, true
		reg := l.region
		l.opWG.Add(1)
		go func() {
			defer l.opWG.Done()
			rep, err := reg.Live(ss, true)
			res := uncovered{region: reg, err: err}
			if err == nil {
				res.polys = map[Network]orb.MultiPolygon{Public: toOrb(rep.UncoveredPublic), Private: toOrb(rep.UncoveredPrivate)}
			}
			select {
			case l.drawn <- res:
			case <-l.stopped:
			}
		}()
	}
}

// uncovered is a worker's drawing of the uncovered parts.
type uncovered struct {
	region *coverage.Region
	polys  map[Network]orb.MultiPolygon
	err    error
}

func (l *loop) gotUncovered(u uncovered) {
	l.drawing = false
	if u.err != nil {
		l.log.Warn("uncovered parts not drawn", "err", u.err)
		return
	}
	if u.region == l.region {
		l.cov.Uncovered = u.polys
	}
}

// liveKey summarises the live stations coarsely (50 m, cell states): the
// uncovered polygons are recomputed only when it changes.
func liveKey(ss []coverage.LiveStation) string {
	var b strings.Builder
	for _, s := range ss {
		fmt.Fprintf(&b, "%.4f,%.4f,%d,%.0f;", s.Pos.Lat, s.Pos.Lon, s.Networks, s.PublicRadiusM/50)
	}
	return b.String()
}

// coverageEvents reports a network losing or regaining coverage of the area
// by more than a percent point against the last report.
func (l *loop) coverageEvents(cov Coverage) {
	if l.st.Plan == nil {
		return
	}
	for _, n := range Networks {
		if !l.st.Incident.wants(n) {
			continue
		}
		before, now := l.reported[n], cov.Fraction[n]
		switch {
		case now < before-0.01:
			l.emit(Event{Kind: EventCoverageLost, Severity: Warning, Network: n,
				Text: fmt.Sprintf("%s coverage down to %.1f%%", n, 100*now)})
		case now > before+0.01:
			l.emit(Event{Kind: EventCoverageRestored, Severity: Info, Network: n,
				Text: fmt.Sprintf("%s coverage up to %.1f%%", n, 100*now)})
		default:
			continue
		}
		l.reported[n] = now
	}
}

func toOrb(g coverage.GeoMultiPolygon) orb.MultiPolygon {
	out := make(orb.MultiPolygon, 0, len(g))
	for _, poly := range g {
		op := make(orb.Polygon, 0, len(poly))
		for _, ring := range poly {
			or := make(orb.Ring, len(ring))
			for i, p := range ring {
				or[i] = orb.Point{p.Lon, p.Lat}
			}
			op = append(op, or)
		}
		out = append(out, op)
	}
	return out
}
