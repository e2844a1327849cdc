package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/aerocell/aerocell/airframe"
	"github.com/aerocell/aerocell/clock"
	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/mavlink"
	"github.com/aerocell/aerocell/store"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// stateKey names the controller's document in the store.
const stateKey = "fleet"

// saved is the controller's durable state: everything it decided. What it
// observes (telemetry) is not saved; after a restart it is heard again.
type saved struct {
	NextIncident int                  `json:"next_incident"`
	Incident     *Incident            `json:"incident,omitempty"`
	Plan         *Plan                `json:"plan,omitempty"`
	Paused       bool                 `json:"paused"`
	Drones       map[int]*droneRecord `json:"drones"`
	// NextTask numbers tasks; Tasks are every task taken in (tasks.go).
	NextTask int           `json:"next_task,omitempty"`
	Tasks    []*taskRecord `json:"tasks,omitempty"`
}

// droneRecord is what the controller decided for one drone.
type droneRecord struct {
	// Station is the station the drone holds or flies to.
	Station string `json:"station,omitempty"`
	// Relief: it flies to Station to relieve the drone holding it.
	Relief bool `json:"relief,omitempty"`
	// Home: sent home; not re-tasked until it has landed.
	Home       bool   `json:"home,omitempty"`
	HomeReason string `json:"home_reason,omitempty"`
	Excluded   bool   `json:"excluded,omitempty"`
	Manual     *Order `json:"manual,omitempty"`
	// Failed holds why the drone is out of service until it lands healthy.
	Failed string `json:"failed,omitempty"`
	// Adrift: the drone lost its station to a lost link while flying for
	// us. Heard again in the air, healthy, it is ours to task again rather
	// than a stranger's aircraft to leave alone.
	Adrift bool `json:"adrift,omitempty"`
	// Approved: a commander adopted this drone, not in the configured fleet.
	Approved bool `json:"approved,omitempty"`
	// Free: in the air for the controller with no task (a recalled drone
	// a new deployment took back): given a station, or sent home as
	// surplus.
	Free bool `json:"free,omitempty"`
	// Task is the task the drone is loaded for or flies (tasks.go).
	Task string `json:"task,omitempty"`
}

// drone is the loop's working view of one aircraft.
type drone struct {
	id      int
	vid     mavlink.VehicleID
	profile Profile
	site    string
	tel     mavlink.Telemetry
	heard   bool
	rec     *droneRecord

	op          *op
	failures    int       // consecutive failed command sequences
	retryAt     time.Time // no new sequence before
	gotoTarget  [3]float64
	gotoAt      time.Time
	takeoffAt   time.Time
	fenceFor    string // incident id whose fence is on board
	onStationAt time.Time
	reserveTold bool      // battery.reserve reported for this flight
	restUntil   time.Time // not tasked before (it would not launch)
	launchedAt  time.Time // its takeoff was accepted (telemetry may lag)
	// launchSettled: a launch sequence ended (however it ended) just
	// before; a takeoff it sent may still lift the drone, so a drone sent
	// home is not taken for landed before then.
	launchSettled time.Time
	state         DroneState
	// cellAsked is when each network's cell was last switched on: no
	// switch-on is repeated before the payload has had time to boot and
	// say so in its telemetry.
	cellAsked map[Network]time.Time
	// commands counts the command sequences sent since the start.
	commands uint64
	// lostAt is when the link to the drone was lost (zero while heard).
	lostAt time.Time
	// fixLostAt is when the drone reported its GPS fix lost (zero while it
	// has one): see fix.go.
	fixLostAt time.Time
	// emergency is what the autopilot said of an emergency, until health
	// takes the drone out of service (emergency.go).
	emergency string
	// fixInAir: the fix was lost while the drone flew.
	fixInAir bool
	// growAfter: no station is grown for the drone before (it could not
	// take the last one).
	growAfter time.Time
	// settleUntil holds, per kind of command sequence that succeeded, until
	// when the drone's telemetry is given to show its effect: the same kind
	// is not sent again before (a quiet link).
	settleUntil map[string]time.Time
	// Over terrain: crash is what the link said of a crash, until health
	// fails the drone; cruiseAlt the altitude above home a transit climbed
	// to over a ridge, and climbAt where it climbs (nil: no climb).
	crash     string
	cruiseAlt float64
	climbAt   *[2]float64
	// homeward is where a drone going home over terrain flies descending
	// (homeward.go), from homewardFrom since homewardAt; homewardFailed:
	// that order failed, and the RTL brings it home.
	homeward       *[3]float64
	homewardFrom   [2]float64
	homewardAt     time.Time
	homewardFailed bool
	// floors are the last homeward floors worked out (homeward.go).
	floors [4]floorMemo
	// gotoTerrain: the last go-to was sent in the terrain frame
	// (goToOp); noTerrainUntil: none is sent before (one failed).
	gotoTerrain    bool
	noTerrainUntil time.Time
	// flew and landedAt: the drone was seen in the air, and when it was
	// last seen come down (the crew's battery swap runs from then).
	flew     bool
	landedAt time.Time
}

// windEstimate is the forecast wind, raised to the strongest steady wind
// an airborne drone's autopilot reports (WIND), from its direction; the
// gusts are the forecast's.
func (l *loop) windEstimate() airframe.Wind {
	w := l.cfg.Wind
	for _, d := range l.drones {
		if t := d.tel; d.heard && !t.Lost && t.WindSet && d.airborne() && t.WindMS > w.SpeedMS {
			w.SpeedMS, w.FromDeg = t.WindMS, t.WindFromDeg
		}
	}
	return w
}

// settled reports whether a command sequence of kind may be sent to d: no
// earlier one of that kind succeeded so recently that its effect may not
// yet show in the telemetry.
func (l *loop) settled(d *drone, kind string) bool {
	return !l.clk.Now().Before(d.settleUntil[kind])
}

// settleTime is how long the effect of a command sequence of kind is
// trusted to be on its way to d's telemetry: the drone acknowledged it,
// and its payload reports (1 Hz on a good link, far rarer on a slow radio)
// take a while to say so. HEARTBEAT, which carries the mode, is never held
// back.
func settleTime(d *drone, kind string) time.Duration {
	switch kind {
	case "cells on", "cells off":
		return d.profile.Air.PayloadBoot + cellSettle
	}
	return 5 * time.Second
}

type op struct {
	id     uint64
	what   string
	onFail func() // undoes what the loop assumed when it started the op
	cancel context.CancelFunc
}

type opResult struct {
	drone int
	id    uint64
	what  string
	err   error
}

type loop struct {
	c      *Controller
	cfg    *Config
	clk    clock.Clock
	log    *slog.Logger
	st     saved
	drones map[int]*drone
	region *coverage.Region
	// fenceOf and fenceCache: the geofence computed for region (fence.go).
	fenceOf    *coverage.Region
	fenceCache coverage.MultiPolygon
	cov        Coverage
	results    chan opResult
	opSeq      uint64
	opCtx      context.Context
	opWG       sync.WaitGroup
	stopped    chan struct{}
	pending    []Event // events decided, written with the next save
	dirty      bool
	radii      map[string]CellRadii // by profile
	// rotationGap holds the intermittent stations left by a holder gone
	// home for a battery with no relief: a planned gap, not a hole.
	rotationGap map[string]bool
	// wind is the wind planned with: the configured forecast, raised to
	// the strongest steady wind the drones in the air report.
	wind    airframe.Wind
	ready   bool // heard the fleet long enough after start to act
	started time.Time
	// lastLiveKey is the station layout the uncovered polygons were
	// computed for; reported the coverage last announced per network.
	lastLiveKey string
	reported    map[Network]float64
	// strangers are drones heard but not adopted, each reported once.
	strangers map[int]bool
	// terrain caches footprints when Config.Terrain is set; the workers
	// beside the loop sweep into it (terrain.go).
	terrain *footprints
	// Work beside the loop (beside.go): the uncovered parts on flat
	// earth, live coverage over terrain, the flying plan's measurement
	// over terrain, and the planning of a deploy or preview over terrain
	// (planning, while one is under way).
	drawing, livening, measuring, placing besideSlot
	besideDone                            chan besideResult
	planning                              *planning
	// unique caches the stations' own areas during one task choice
	// (schedule.go).
	unique *uniqueCache
}

func newLoop(c *Controller) (*loop, error) {
	l := &loop{
		c: c, cfg: &c.cfg, clk: c.cfg.Clock, log: c.cfg.Logger,
		drones:      map[int]*drone{},
		results:     make(chan opResult, 64),
		stopped:     make(chan struct{}),
		radii:       map[string]CellRadii{},
		reported:    map[Network]float64{},
		rotationGap: map[string]bool{},
		wind:        c.cfg.Wind,
		strangers:   map[int]bool{},
		terrain:     newFootprints(),
		besideDone:  make(chan besideResult, 4),
		// No layout drawn yet: the first measurement draws even an empty
		// sky (the whole area uncovered).
		lastLiveKey: "none",
	}
	l.st.Drones = map[int]*droneRecord{}
	err := c.cfg.Store.Get(stateKey, &l.st)
	switch {
	case err == nil:
		if l.st.Drones == nil {
			l.st.Drones = map[int]*droneRecord{}
		}
		l.log.Info("state loaded", "incident", incidentID(l.st.Incident), "drones", len(l.st.Drones))
	case isNotFound(err):
	default:
		return nil, fmt.Errorf("fleet: load state: %w", err)
	}
	if l.st.Incident != nil && l.st.Incident.State != IncidentClosed {
		reg, err := prepareRegion(l.st.Incident.IncidentSpec, l.cfg.LaunchSites)
		if err != nil {
			return nil, fmt.Errorf("fleet: saved incident %s: %w", l.st.Incident.ID, err)
		}
		l.region = reg
	}
	env, err := coverage.EnvironmentByName(l.cfg.Env)
	if err != nil {
		return nil, err
	}
	for name, p := range l.cfg.Profiles {
		r, err := p.CellRadii(env)
		if err != nil {
			return nil, err
		}
		l.radii[name] = r
	}
	return l, nil
}

func (l *loop) run(ctx context.Context) error {
	opCtx, cancelOps := context.WithCancel(ctx)
	l.opCtx = opCtx
	l.started = l.clk.Now()
	tick := clock.PacingTicker(l.clk, l.cfg.Tick)
	defer func() {
		tick.Stop()
		cancelOps()
		close(l.stopped)
		l.opWG.Wait()
	}()
	events := l.cfg.MAVLink.Events()
	l.publish()
	for {
		select {
		case <-ctx.Done():
			return nil
		case r := <-l.c.reqs:
			err := r.fn(l)
			if err == nil {
				err = l.save()
			}
			l.publish() // before the answer: the caller then sees its change
			r.reply <- err
		case ev, ok := <-events:
			if !ok {
				return errors.New("fleet: link closed")
			}
			if l.linkEvent(ev) {
				l.step()
			}
		case res := <-l.results:
			l.opDone(res)
			l.step()
		case r := <-l.besideDone:
			l.besideFinished(r)
			l.step()
		case <-tick.C():
			l.measure()
			l.step()
		}
	}
}

// step re-evaluates the fleet: decide, save, then act on what was saved.
func (l *loop) step() {
	l.refresh()
	if !l.ready && l.clk.Since(l.started) >= 2*l.cfg.Tick {
		// After a start or restart, act only once every drone had a chance
		// to be heard: a drone on station must not be taken for one on the
		// ground because its telemetry has not arrived yet.
		l.ready = true
	}
	l.wind = l.windEstimate()
	if l.ready {
		l.decide()
	}
	if err := l.save(); err != nil {
		l.log.Error("state not saved: holding every action", "err", err)
		return
	}
	if l.ready {
		l.act()
	}
	l.publish()
}

// refresh copies the link's telemetry into the drone views and derives
// each drone's state.
func (l *loop) refresh() {
	for _, t := range l.cfg.MAVLink.Vehicles() {
		if t.ID.CompID != 1 || t.ID.SysID == 0 {
			continue // autopilots only
		}
		if !l.adopted(int(t.ID.SysID)) {
			l.stranger(int(t.ID.SysID))
			continue
		}
		d := l.drone(int(t.ID.SysID))
		d.vid = t.ID
		if d.heard && d.tel.Profile != t.Profile && t.Profile >= 0 {
			l.assignProfile(d, t.Profile)
		}
		if !d.heard {
			l.assignProfile(d, t.Profile)
		}
		l.noticeCrash(d, d.tel, t) // d.tel is zero when first heard
		d.tel = t
		d.heard = true
	}
	for _, id := range sortedIDs(l.drones) {
		d := l.drones[id]
		d.state = l.deriveState(d)
	}
}

// adopted reports whether drone id is one of the fleet: configured,
// approved by a commander, already flying for the controller (a saved
// task from before a restart), or any drone when AdoptUnknown is set.
func (l *loop) adopted(id int) bool {
	if _, ok := l.cfg.Drones[id]; ok || l.cfg.AdoptUnknown {
		return true
	}
	r := l.st.Drones[id]
	return r != nil && (r.Approved || r.Station != "" || r.Home || r.Task != "")
}

// stranger reports, once, a drone heard that is not one of the fleet.
func (l *loop) stranger(id int) {
	if l.strangers[id] {
		return
	}
	l.strangers[id] = true
	l.emit(Event{Kind: EventDroneUnknown, Severity: Warning, Drone: id,
		Text:   fmt.Sprintf("drone %d heard but not in the fleet: nothing is sent to it unless a commander approves it", id),
		Reason: "not in fleet.drones"})
}

// approve adopts a stranger on a commander's order.
func (l *loop) approve(id int) error {
	if l.adopted(id) {
		return nil
	}
	if !l.strangers[id] {
		return fmt.Errorf("%w: %d (not heard)", ErrUnknownDrone, id)
	}
	rec := l.st.Drones[id]
	if rec == nil {
		rec = &droneRecord{}
		l.st.Drones[id] = rec
	}
	rec.Approved = true
	delete(l.strangers, id)
	l.emit(Event{Kind: EventDroneApproved, Severity: Info, Drone: id,
		Text: fmt.Sprintf("drone %d adopted into the fleet by a commander", id), Reason: "commander"})
	return nil
}

// drone returns the view of drone id, creating it on first sight.
func (l *loop) drone(id int) *drone {
	if d, ok := l.drones[id]; ok {
		return d
	}
	rec := l.st.Drones[id]
	if rec == nil {
		rec = &droneRecord{}
		l.st.Drones[id] = rec
	}
	d := &drone{id: id, vid: mavlink.VehicleID{SysID: uint8(id), CompID: 1}, rec: rec}
	d.profile = l.cfg.Profiles[l.cfg.DefaultProfile]
	if dc, ok := l.cfg.Drones[id]; ok {
		d.site = dc.Site
		if dc.Profile != "" {
			d.profile = l.cfg.Profiles[dc.Profile]
		}
	}
	l.drones[id] = d
	return d
}

// assignProfile takes the profile a drone declares unless the configuration
// names one.
func (l *loop) assignProfile(d *drone, declared int) {
	if dc, ok := l.cfg.Drones[d.id]; ok && dc.Profile != "" {
		return
	}
	for _, p := range l.cfg.Profiles {
		if p.Air.Index == declared {
			d.profile = p
			return
		}
	}
}

func (d *drone) airborne() bool {
	switch d.tel.LandedState {
	case common.MAV_LANDED_STATE_IN_AIR, common.MAV_LANDED_STATE_TAKEOFF, common.MAV_LANDED_STATE_LANDING:
		return true
	case common.MAV_LANDED_STATE_ON_GROUND:
		return false
	}
	return d.tel.Armed && d.tel.AltRel > 2
}

func (l *loop) deriveState(d *drone) DroneState {
	switch {
	case d.rec.Excluded:
		return DroneExcluded
	case !d.heard || d.tel.Lost:
		return DroneLost
	case d.rec.Failed != "":
		return DroneFailed
	case d.rec.Manual != nil:
		return DroneManual
	case d.rec.Home:
		return DroneReturning
	case d.rec.Task != "":
		return DroneOnTask
	case d.rec.Station != "":
		st := l.station(d.rec.Station)
		if st == nil {
			return DroneIdle
		}
		if !d.airborne() {
			return DroneLaunching
		}
		if l.atStation(d, st) {
			return DroneOnStation
		}
		if d.takeoffAt.After(d.gotoAt) && d.tel.AltRel < 0.9*l.targetAlt(d, st) {
			return DroneLaunching
		}
		return DroneTransit
	}
	if d.airborne() {
		if d.rec.Free || d.rec.Adrift {
			// ours, in the air with no task (taken back after a recall,
			// or back from a lost link): a spare for fill or dismissSurplus
			return DroneIdle
		}
		return DroneManual // flying with no task of ours: left alone
	}
	return DroneIdle
}

func (l *loop) station(id string) *Station {
	if l.st.Plan == nil {
		return nil
	}
	for i := range l.st.Plan.Stations {
		if l.st.Plan.Stations[i].ID == id {
			return &l.st.Plan.Stations[i]
		}
	}
	return nil
}

// targetAlt is the altitude above its home a drone flies its station at:
// stationAGL over the ground under the station (without terrain, the
// ground is home's); NaN while that cannot be known (see relAlt).
func (l *loop) targetAlt(d *drone, st *Station) float64 {
	return l.relAlt(d, st.Lat, st.Lon, l.stationAGL(d, st))
}

// stationAGL is the height above the ground a drone flies its station at: a relief keeps
// clear of the drone it relieves.
func (l *loop) stationAGL(d *drone, st *Station) float64 {
	alt := st.AltM
	if d.rec.Relief {
		if alt+15 <= d.profile.CeilingM {
			alt += 15
		} else {
			alt -= 15
		}
	}
	return alt
}

// atStation reports whether d is holding st: within the hold tolerance
// horizontally (a fixed wing's loiter circle) and vertically.
func (l *loop) atStation(d *drone, st *Station) bool {
	tol := 25.0
	if d.profile.FixedWing {
		tol = 600
	}
	return distanceM(d.tel.Lat, d.tel.Lon, st.Lat, st.Lon) <= tol &&
		l.stationHeightOff(d, st) <= math.Max(5, 0.05*st.AltM)
}

// linkEvent handles a link event; it reports whether the fleet must be
// re-evaluated now rather than at the next tick.
func (l *loop) linkEvent(ev mavlink.Event) bool {
	if v, ok := vehicleOf(ev); ok && v.CompID == 1 && !l.adopted(int(v.SysID)) {
		if _, ok := ev.(*mavlink.EventDiscovered); ok {
			return true // refresh reports the stranger
		}
		if _, ok := ev.(*mavlink.EventConflict); !ok {
			return false
		}
	}
	switch e := ev.(type) {
	case *mavlink.EventConflict:
		id := int(e.Vehicle.SysID)
		l.emit(Event{Kind: EventLinkConflict, Severity: Critical, Drone: id, Station: l.recStation(id),
			Text: fmt.Sprintf("drone %d/%d: a second source %s speaks for it on %s, first heard from %s; its frames are refused",
				e.Vehicle.SysID, e.Vehicle.CompID, e.Other, e.Link, e.Source),
			Reason: "second source (spoofing?): sign the fleet's MAVLink"})
		return false
	case *mavlink.EventDiscovered:
		if e.Vehicle.CompID == 1 {
			l.emit(Event{Kind: EventDroneDiscovered, Severity: Info, Drone: int(e.Vehicle.SysID), Text: fmt.Sprintf("drone %d heard", e.Vehicle.SysID)})
			return true
		}
	case *mavlink.EventLost:
		if e.Vehicle.CompID == 1 {
			id := int(e.Vehicle.SysID)
			l.emit(Event{Kind: EventDroneLost, Severity: Critical, Drone: id, Station: l.recStation(id),
				Text: fmt.Sprintf("drone %d lost: no heartbeat", id), Reason: "link timeout"})
			return true
		}
	case *mavlink.EventRegained:
		if e.Vehicle.CompID == 1 {
			id := int(e.Vehicle.SysID)
			l.emit(Event{Kind: EventDroneRegained, Severity: Info, Drone: id, Text: fmt.Sprintf("drone %d heard again", id)})
			return true
		}
	case *mavlink.EventStatusText:
		if d := l.drones[int(e.Vehicle.SysID)]; d != nil && e.Vehicle.CompID == 1 && crashText(e.Text) && d.crash == "" {
			d.crash = "its autopilot says " + e.Text
		}
		if d := l.drones[int(e.Vehicle.SysID)]; d != nil && e.Vehicle.CompID == 1 && emergencyText(e.Severity, e.Text) && d.emergency == "" {
			d.emergency = e.Text
		}
		if e.Vehicle.CompID == 1 {
			sev := Info
			if e.Severity <= common.MAV_SEVERITY_WARNING {
				sev = Warning
			}
			l.emit(Event{Kind: EventDroneStatusText, Severity: sev, Drone: int(e.Vehicle.SysID), Text: e.Text})
		}
	case *mavlink.EventOverflow:
		l.log.Warn("link events overflowed: re-reading every vehicle")
		return true
	}
	return false
}

// vehicleOf is the vehicle a link event is about.
func vehicleOf(ev mavlink.Event) (mavlink.VehicleID, bool) {
	switch e := ev.(type) {
	case *mavlink.EventDiscovered:
		return e.Vehicle, true
	case *mavlink.EventLost:
		return e.Vehicle, true
	case *mavlink.EventRegained:
		return e.Vehicle, true
	case *mavlink.EventStatusText:
		return e.Vehicle, true
	case *mavlink.EventConflict:
		return e.Vehicle, true
	}
	return mavlink.VehicleID{}, false
}

func (l *loop) recStation(id int) string {
	if r := l.st.Drones[id]; r != nil {
		return r.Station
	}
	return ""
}

// emit records an event: it is written to the log with the next save and
// then published.
func (l *loop) emit(e Event) {
	e.Time = l.clk.Now()
	l.pending = append(l.pending, e)
	l.dirty = true
	attrs := []any{"kind", e.Kind, "drone", e.Drone, "station", e.Station}
	if e.Reason != "" {
		attrs = append(attrs, "reason", e.Reason)
	}
	l.log.Info(e.Text, attrs...)
}

// save writes the state and the pending events before anything acts on
// them; then it publishes the events.
func (l *loop) save() error {
	if !l.dirty {
		return nil
	}
	st := l.cfg.Store
	if len(l.pending) == 0 {
		if err := st.Put(stateKey, &l.st); err != nil {
			return err
		}
	} else {
		evs := make([]any, len(l.pending))
		for i := range l.pending {
			evs[i] = l.pending[i]
		}
		seq, err := st.PutAndAppend(stateKey, &l.st, evs...)
		if err != nil {
			return err
		}
		for i := range l.pending {
			l.pending[i].Seq = seq + uint64(i)
		}
		for _, e := range l.pending {
			l.c.subs.publish(e)
		}
		l.pending = l.pending[:0]
	}
	l.dirty = false
	return nil
}

// startOp runs a command sequence beside the loop; its result comes back
// through l.results. reply, when set, also gets the result (a commander
// waiting for an order's acknowledgement).
func (l *loop) startOp(d *drone, what string, reply chan<- error, fn func(ctx context.Context, link MAVLink, id mavlink.VehicleID) error) {
	l.opSeq++
	ctx, cancel := context.WithCancel(l.opCtx)
	o := &op{id: l.opSeq, what: what, cancel: cancel}
	d.op = o
	d.commands++
	link, vid, id, clk, hook := l.cfg.MAVLink, d.vid, d.id, l.clk, l.cfg.OnCommand
	l.opWG.Add(1)
	go func() {
		defer l.opWG.Done()
		defer cancel()
		began := clk.Now()
		err := fn(ctx, link, vid)
		if hook != nil {
			hook(id, kindOf(what), clk.Since(began), err)
		}
		if reply != nil {
			reply <- err
		}
		select {
		case l.results <- opResult{drone: id, id: o.id, what: what, err: err}:
		case <-l.stopped:
		}
	}()
}

func (l *loop) opDone(r opResult) {
	d, ok := l.drones[r.drone]
	if !ok || d.op == nil || d.op.id != r.id {
		return
	}
	o := d.op
	d.op = nil
	if r.what == "launch" {
		d.launchSettled = l.clk.Now().Add(launchSettle)
	}
	if r.err == nil {
		d.failures = 0
		if d.settleUntil == nil {
			d.settleUntil = map[string]time.Time{}
		}
		k := kindOf(r.what)
		d.settleUntil[k] = l.clk.Now().Add(settleTime(d, k))
		if r.what == "launch" {
			d.launchedAt = l.clk.Now()
		}
		return
	}
	if o.onFail != nil {
		o.onFail()
	}
	if errors.Is(r.err, context.Canceled) {
		return
	}
	d.failures++
	d.retryAt = l.clk.Now().Add(retryBackoff(d.failures))
	l.emit(Event{Kind: EventCommandFailed, Severity: Warning, Drone: d.id, Station: d.rec.Station,
		Text: fmt.Sprintf("drone %d: %s failed: %v", d.id, r.what, r.err), Reason: r.what})
	if d.rec.Failed != "" && d.failures == failedGiveUp && !refusedForFix(d) {
		l.emit(Event{Kind: EventDroneUnresponsive, Severity: Critical, Drone: d.id,
			Text:   fmt.Sprintf("drone %d refused %s %d times: left to its autopilot", d.id, r.what, d.failures),
			Reason: d.rec.Failed})
	}
	if d.failures >= 4 && d.rec.Failed == "" && d.rec.Manual == nil && !refusedForFix(d) {
		reason := fmt.Sprintf("%s failed %d times: %v", r.what, d.failures, r.err)
		if d.airborne() {
			// A drone in the air that does not obey is out of service.
			d.rec.Failed = reason
			l.emit(Event{Kind: EventDroneFailed, Severity: Critical, Drone: d.id, Station: d.rec.Station,
				Text: fmt.Sprintf("drone %d out of service", d.id), Reason: reason})
		} else {
			// On the ground it gives its task to another and rests before
			// it is tried again.
			d.failures = 0
			d.restUntil = l.clk.Now().Add(2 * time.Minute)
			l.emit(Event{Kind: EventDroneResting, Severity: Warning, Drone: d.id, Station: d.rec.Station,
				Text: fmt.Sprintf("drone %d would not launch; another takes its station", d.id), Reason: reason})
		}
		l.releaseStation(d, reason)
	}
}

// Backoff after failed command sequences: 5 s after the first, doubling
// with each further failure, never more than two minutes.
const (
	backoffFirst = 5 * time.Second
	backoffCap   = 2 * time.Minute
)

// retryBackoff is how long a drone is left alone after its n-th consecutive
// failed command sequence.
func retryBackoff(n int) time.Duration {
	b := backoffFirst
	for i := 1; i < n && b < backoffCap; i++ {
		b *= 2
	}
	return min(b, backoffCap)
}

// launchSettle is how long after a launch sequence ends a drone sent home
// stays so even if it is seen on the ground: the takeoff may have gone out
// (its acknowledgement lost, or the sequence cancelled once it was on the
// air) and the telemetry may not show the climb yet.
const launchSettle = 30 * time.Second

// kindOf is the kind of a command sequence, its name without the station
// or order it names: "go to station S3" is "go to station".
func kindOf(what string) string {
	if i := strings.LastIndexByte(what, ' '); i > 0 && strings.HasPrefix(what, "go to station") {
		return what[:i]
	}
	return what
}

func incidentID(inc *Incident) string {
	if inc == nil {
		return ""
	}
	return inc.ID
}

func decodeJSON(b []byte, v any) error { return json.Unmarshal(b, v) }

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

func validLatLon(lat, lon float64) bool {
	return !math.IsNaN(lat) && !math.IsNaN(lon) && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180
}

// distanceM is the great-circle distance in metres.
func distanceM(lat1, lon1, lat2, lon2 float64) float64 {
	const r = coverage.EarthRadiusM
	p1, p2 := lat1*math.Pi/180, lat2*math.Pi/180
	dp, dl := p2-p1, (lon2-lon1)*math.Pi/180
	a := math.Sin(dp/2)*math.Sin(dp/2) + math.Cos(p1)*math.Cos(p2)*math.Sin(dl/2)*math.Sin(dl/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(a)))
}
