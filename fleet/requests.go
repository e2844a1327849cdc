package fleet

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/mavlink"
)

// Requests: the incident's lifecycle, deploy and recall, pause, exclusions,
// pins and a commander's orders, as the loop carries them out.

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
	l.replanning() // a plan under way is made again over the new area
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
	l.cancelPlanning(fmt.Errorf("%w: incident %s closed while it was being planned", ErrNoIncident, inc.ID))
	l.sendAllHome(homeClosed)
	l.cancelTasks("incident closed")
	now := l.clk.Now()
	inc.State, inc.ClosedAt = IncidentClosed, &now
	l.st.Plan, l.region = nil, nil
	l.emit(Event{Kind: EventIncidentClosed, Severity: Info, Text: fmt.Sprintf("incident %s closed", inc.ID)})
	return nil
}

// preview plans the open incident without flying it; the answer comes on
// the channel returned (over terrain, from beside the loop).
func (l *loop) preview() (<-chan planReply, error) {
	if l.st.Incident == nil || l.st.Incident.State == IncidentClosed {
		return nil, ErrNoIncident
	}
	w := make(chan planReply, 1)
	if l.cfg.Terrain != nil {
		pg, err := l.planOverTerrain()
		if err != nil {
			return nil, err
		}
		pg.previews = append(pg.previews, w)
		return w, nil
	}
	p, err := l.makePlan("preview")
	if err != nil {
		return nil, err
	}
	w <- planReply{plan: *p}
	return w, nil
}

// deploy plans the open incident and flies the plan. Over terrain the
// plan is made beside the loop: the channel returned says when it flies.
func (l *loop) deploy() (<-chan error, error) {
	inc := l.st.Incident
	if inc == nil || inc.State == IncidentClosed {
		return nil, ErrNoIncident
	}
	if l.st.Plan != nil && (inc.State == IncidentDeploying || inc.State == IncidentHolding) {
		return nil, nil // already flying this plan
	}
	if l.cfg.Terrain != nil {
		pg, err := l.planOverTerrain()
		if err != nil {
			return nil, err
		}
		w := make(chan error, 1)
		pg.deploys = append(pg.deploys, w)
		return w, nil
	}
	p, err := l.makePlan("deploy")
	if err != nil {
		return nil, err
	}
	return nil, l.fly(p)
}

// fly makes p the plan flown over the open incident.
func (l *loop) fly(p *Plan) error {
	inc := l.st.Incident
	if inc == nil || inc.State == IncidentClosed {
		return ErrNoIncident
	}
	if l.st.Plan != nil && (inc.State == IncidentDeploying || inc.State == IncidentHolding) {
		return nil // already flying a plan
	}
	p.Reason = "deploy"
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
	l.cancelPlanning(fmt.Errorf("fleet: incident %s recalled while it was being planned", inc.ID))
	l.sendAllHome(homeRecalled)
	l.cancelTasks("incident recalled by a commander")
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
	var fn func(ctx context.Context, link MAVLink, vid mavlink.VehicleID) error
	switch o.Kind {
	case OrderGoto:
		if !validLatLon(o.Lat, o.Lon) || math.IsNaN(o.AltM) || math.IsInf(o.AltM, 0) {
			return nil, fmt.Errorf("%w: bad position %v,%v alt %v", ErrInvalid, o.Lat, o.Lon, o.AltM)
		}
		if err := l.checkLimits(d, o.Lat, o.Lon, o.AltM); err != nil {
			return nil, err
		}
		if err := l.checkRoute(d, o.Lat, o.Lon, o.AltM); err != nil {
			return nil, err
		}
		if !d.airborne() {
			return nil, fmt.Errorf("%w: drone %d is on the ground; deploy it first", ErrLimit, id)
		}
		lat, lon, alt := o.Lat, o.Lon, o.AltM
		fn = func(ctx context.Context, link MAVLink, vid mavlink.VehicleID) error {
			return link.GoTo(ctx, vid, lat, lon, alt)
		}
	case OrderRTL:
		fn = func(ctx context.Context, link MAVLink, vid mavlink.VehicleID) error { return link.RTL(ctx, vid) }
	case OrderLand:
		fn = func(ctx context.Context, link MAVLink, vid mavlink.VehicleID) error { return link.Land(ctx, vid) }
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
