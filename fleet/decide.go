package fleet

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/aerocell/aerocell/airframe"
	"github.com/aerocell/aerocell/clock"
	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/mavlink"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// decide updates what the controller wants of each drone from what it
// observes. It changes only l.st (saved before act runs) and emits events.
func (l *loop) decide() {
	for _, id := range sortedIDs(l.drones) {
		l.health(l.drones[id])
	}
	l.trackTasks()
	if !l.st.Paused {
		l.schedule()
	}
	inc := l.st.Incident
	if inc == nil || l.st.Plan == nil || l.st.Paused ||
		(inc.State != IncidentDeploying && inc.State != IncidentHolding) {
		return
	}
	l.forgetGhosts()
	l.fitTetheredToWind()
	l.handover()
	l.grow()
	l.fill()
	l.dismissSurplus()
	if inc.State == IncidentDeploying && l.allHeld() {
		inc.State = IncidentHolding
		l.emit(Event{Kind: EventIncidentHolding, Severity: Info, Text: fmt.Sprintf("every station of %s held", inc.ID)})
	}
}

// health turns what the telemetry says into decisions: a drone lost, failed,
// landed or sent home by its own failsafe gives up its station.
func (l *loop) health(d *drone) {
	r := d.rec
	switch {
	case d.state == DroneLost:
		if d.lostAt.IsZero() {
			d.lostAt = l.clk.Now()
		}
		if r.Station != "" && !l.keepThroughLoss(d) {
			l.releaseStation(d, "link lost")
			r.Adrift = r.Manual == nil && r.Failed == "" && !r.Home
			l.dirty = true
		}
		return
	case d.state == DroneExcluded:
		return
	}
	d.lostAt = time.Time{}
	l.watchFix(d)
	if r.Adrift && (r.Station != "" || r.Manual != nil || !d.airborne()) {
		r.Adrift = false // tasked again, under orders, or down
		l.dirty = true
	}
	// Home until down with nothing of ours running: a drone armed on the
	// ground by a launch a recall cancelled is down too.
	if r.Free && !d.airborne() {
		r.Free = false
		l.dirty = true
	}
	if r.Home && !d.airborne() && d.op == nil && !l.clk.Now().Before(d.launchSettled) {
		r.Home, r.HomeReason = false, ""
		l.emit(Event{Kind: EventDroneLanded, Severity: Info, Drone: d.id, Text: fmt.Sprintf("drone %d landed", d.id)})
		l.dirty = true
	}
	if p := d.profile; !p.Tethered() && d.airborne() && d.tel.BatteryPct >= 0 {
		at := float64(d.tel.BatteryPct) <= p.ReservePct+5
		if at && !d.reserveTold {
			l.emit(Event{Kind: EventBatteryReserve, Severity: Warning, Drone: d.id, Station: r.Station,
				Text: fmt.Sprintf("drone %d battery at %d%%, near its reserve", d.id, d.tel.BatteryPct)})
		}
		d.reserveTold = at
	}
	if d.crash != "" {
		l.failCrashed(d)
	}
	if d.emergency != "" {
		l.failEmergency(d)
	}
	if r.Failed != "" || r.Manual != nil {
		return
	}
	if r.Station != "" {
		st := l.station(r.Station)
		switch {
		case st == nil:
			l.releaseStation(d, "station no longer in the plan")
		case d.airborne() && l.cellFailed(d, st):
			r.Failed = "payload failed"
			l.emit(Event{Kind: EventDronePayloadFailed, Severity: Critical, Drone: d.id, Station: st.ID,
				Text: fmt.Sprintf("drone %d: base station failed", d.id), Reason: "payload reported failed"})
			l.releaseStation(d, "payload failed")
		case d.airborne() && (d.tel.Mode == "RTL" || d.tel.Mode == "LAND" || d.tel.Mode == "QRTL" || d.tel.Mode == "QLAND") &&
			d.op == nil && !d.gotoAt.IsZero() && l.clk.Since(d.gotoAt) > 5*time.Second:
			r.Home, r.HomeReason = true, "autopilot failsafe ("+d.tel.Mode+")"
			l.emit(Event{Kind: EventDroneFailsafe, Severity: Critical, Drone: d.id, Station: st.ID,
				Text: fmt.Sprintf("drone %d left its station in %s on its own", d.id, d.tel.Mode), Reason: r.HomeReason})
			l.releaseStation(d, r.HomeReason)
		case d.airborne() && !d.onStationAt.IsZero() && d.tel.Climb < -0.5 &&
			l.heightAGL(d) < 0.7*l.stationAGL(d, st) && d.op == nil && d.profile.Tethered() && l.tetherTension(d):
			// Its autopilot is bringing it down out of tether tension: the
			// wind is stronger on this post than planned for. The drone is
			// sound; its post is lowered and pulled in, and it keeps it,
			// rather than being given up and a spare sent into the same
			// tension.
			l.relieveTension(d, st)
		case d.airborne() && !d.onStationAt.IsZero() && d.tel.Climb < -0.5 &&
			l.heightAGL(d) < 0.7*l.stationAGL(d, st) && d.op == nil:
			// Sinking far below its station with no order of ours: a
			// failing motor or battery. Its cells will not hold the station.
			r.Failed = "losing altitude on station"
			l.emit(Event{Kind: EventDroneFailing, Severity: Critical, Drone: d.id, Station: st.ID,
				Text:   fmt.Sprintf("drone %d is sinking: %.0f m, station at %.0f m", d.id, l.heightAGL(d), l.stationAGL(d, st)),
				Reason: r.Failed})
			l.releaseStation(d, r.Failed)
		case d.airborne() && !d.profile.Tethered() && d.tel.BatteryPct >= 0 && l.enduranceLeft(d)+l.reserveFlight(d) <= l.homeCost(d)+time.Minute:
			// No relief in time, and too far out for the reserve to bring
			// it home: it must leave now, before its own failsafe lands it
			// where it is. (Nearer in, the autopilot's reserve RTL is
			// what the reserve is for.)
			r.Home, r.HomeReason = true, "battery: must leave now to reach home"
			l.emit(Event{Kind: EventDroneHome, Severity: Warning, Drone: d.id, Station: st.ID,
				Text: fmt.Sprintf("drone %d leaves %s for home: no relief on station in time", d.id, st.ID), Reason: r.HomeReason})
			l.handOver(d, st)
		case !d.airborne() && !d.onStationAt.IsZero():
			r.Failed = "landed while on duty"
			l.emit(Event{Kind: EventDroneDown, Severity: Critical, Drone: d.id, Station: st.ID,
				Text: fmt.Sprintf("drone %d came down while on duty", d.id), Reason: "landed unexpectedly"})
			l.releaseStation(d, r.Failed)
		}
	}
	if r.Station != "" && d.state == DroneOnStation && d.onStationAt.IsZero() {
		d.onStationAt = l.clk.Now()
	}
}

// keepThroughLoss reports whether d, whose link is lost, keeps its station
// for now: it was on station when last heard, and has been silent for less
// than the link grace and less than the flight time its last report left
// it. A link drop is not a lost station; the drone keeps serving while its
// last known state says it can.
func (l *loop) keepThroughLoss(d *drone) bool {
	if d.onStationAt.IsZero() || d.rec.Failed != "" || d.rec.Home {
		return false
	}
	grace := l.cfg.LinkGrace
	if left := l.enduranceLeft(d); left < grace {
		grace = left
	}
	return l.clk.Since(d.lostAt) < grace
}

// fitTetheredToWind brings tethered stations within what their airframe
// holds in the wind now: lower, and nearer the winch, when the wind has
// risen past what they were planned for. A tethered drone that could not
// hold its station gets one it can hold, rather than meeting tension,
// being given up and its spare sent into the same fate.
func (l *loop) fitTetheredToWind() {
	for i := range l.st.Plan.Stations {
		st := &l.st.Plan.Stations[i]
		p, ok := l.cfg.Profiles[st.Profile]
		site, sok := l.site(st.Site)
		if !ok || !sok || !p.Tethered() {
			continue
		}
		alt := math.Min(st.AltM, p.planAlt(st.AltM, l.wind))
		reach := p.planReach(alt, l.wind)
		dist := distanceM(site.Lat, site.Lon, st.Lat, st.Lon)
		if alt >= st.AltM-0.5 && dist <= reach+1 {
			continue
		}
		if dist > reach && dist > 0 {
			k := reach / dist
			st.Lat = site.Lat + (st.Lat-site.Lat)*k
			st.Lon = site.Lon + (st.Lon-site.Lon)*k
		}
		l.setStationAlt(st, p, alt)
		l.emit(Event{Kind: EventStationAdjusted, Severity: Info, Station: st.ID, Drone: st.Drone,
			Text:   fmt.Sprintf("station %s brought to %.0f m, %.0f m from its winch, for %.0f m/s wind", st.ID, alt, math.Min(dist, reach), l.wind.SpeedMS),
			Reason: "wind"})
	}
}

// setStationAlt flies st at alt, with its cells' radii there.
func (l *loop) setStationAlt(st *Station, p Profile, alt float64) {
	st.AltM = alt
	pub, prv := l.radii[p.Name].At(alt)
	for n := range st.RadiusM {
		st.RadiusM[n] = map[Network]float64{Public: pub, Private: prv}[n]
	}
	l.dirty = true
}

// tetherTension reports whether d's autopilot said, within the last
// minute, that its tether is in tension.
func (l *loop) tetherTension(d *drone) bool {
	for _, t := range d.tel.StatusTexts {
		if strings.Contains(strings.ToLower(t.Text), "tether tension") && l.clk.Since(t.Time) < time.Minute {
			return true
		}
	}
	return false
}

// relieveTension lowers a tethered post whose drone met tension to where
// it now is (the autopilot's descent found the height the tether holds in
// this wind) less a tenth, and pulls it in by a tenth of its offset.
func (l *loop) relieveTension(d *drone, st *Station) {
	site, ok := l.site(st.Site)
	if !ok {
		return
	}
	alt := math.Max(d.profile.Radio.Limits.MinAltM, 0.9*math.Min(l.heightAGL(d), st.AltM))
	st.Lat = site.Lat + 0.9*(st.Lat-site.Lat)
	st.Lon = site.Lon + 0.9*(st.Lon-site.Lon)
	l.setStationAlt(st, d.profile, alt)
	d.gotoAt = time.Time{} // the new post is sent
	l.emit(Event{Kind: EventStationAdjusted, Severity: Warning, Station: st.ID, Drone: d.id,
		Text:   fmt.Sprintf("station %s lowered to %.0f m: drone %d met tether tension", st.ID, alt, d.id),
		Reason: "tether tension"})
}

// forgetGhosts frees stations held by drones not heard since the
// controller started, once they had time to be heard: after a restart a
// drone is given StartGrace before a spare takes its place.
func (l *loop) forgetGhosts() {
	if l.clk.Since(l.started) < l.cfg.StartGrace {
		return
	}
	for i := range l.st.Plan.Stations {
		st := &l.st.Plan.Stations[i]
		if st.Drone == 0 {
			continue
		}
		if _, ok := l.drones[st.Drone]; ok {
			continue
		}
		if r := l.st.Drones[st.Drone]; r != nil {
			r.Station, r.Relief = "", false
		}
		l.emit(Event{Kind: EventStationReleased, Severity: Warning, Drone: st.Drone, Station: st.ID,
			Text: fmt.Sprintf("station %s: drone %d not heard since the controller started", st.ID, st.Drone), Reason: "link lost"})
		st.Drone = 0
		l.dirty = true
	}
}

// cellFailed reports whether a cell the station needs has failed on d.
func (l *loop) cellFailed(d *drone, st *Station) bool {
	for _, n := range st.Networks {
		if cellState(d, n) == mavlink.CellFailed {
			return true
		}
	}
	return false
}

func cellState(d *drone, n Network) mavlink.CellState {
	if n == Private {
		return d.tel.PrivateCell
	}
	return d.tel.PublicCell
}

// handOver gives st to the relief flying to it, if any, as d leaves it;
// else releases it.
func (l *loop) handOver(d *drone, st *Station) {
	rel := l.enRoute(st.ID)
	if rel == nil || rel == d {
		// A gap in the rotation, not lost capacity: the next drone back
		// with a fresh battery fills it, and nothing is re-planned.
		l.rotationGap[st.ID] = true
		l.releaseStation(d, d.rec.HomeReason)
		return
	}
	d.rec.Station, d.rec.Relief = "", false
	d.onStationAt = time.Time{}
	rel.rec.Relief = false
	st.Drone = rel.id
	l.dirty = true
}

// releaseStation takes d off its station; the station is filled again by
// fill (a spare, or a re-plan of the others).
func (l *loop) releaseStation(d *drone, reason string) {
	id := d.rec.Station
	if id == "" {
		return
	}
	d.rec.Station, d.rec.Relief = "", false
	d.onStationAt = time.Time{}
	if st := l.station(id); st != nil && st.Drone == d.id {
		st.Drone = 0
		l.emit(Event{Kind: EventStationReleased, Severity: Warning, Drone: d.id, Station: id,
			Text: fmt.Sprintf("station %s lost its drone %d", id, d.id), Reason: reason})
	}
	l.dirty = true
}

// handover completes reliefs: a relief on station with its cells on takes
// the station, and the drone it relieves goes home.
func (l *loop) handover() {
	for _, id := range sortedIDs(l.drones) {
		d := l.drones[id]
		if !d.rec.Relief || d.state != DroneOnStation || !l.cellsOn(d) {
			continue
		}
		st := l.station(d.rec.Station)
		if st == nil {
			continue
		}
		old := l.drones[st.Drone]
		st.Drone = d.id
		d.rec.Relief = false
		l.dirty = true
		if old != nil && old.id != d.id && old.rec.Station == st.ID {
			old.rec.Station = ""
			old.onStationAt = time.Time{}
			if r := l.waitingTask(old); r != nil {
				// Taken for a task, it kept the station for its relief.
				l.leaveForTask(old, r)
				l.emit(Event{Kind: EventRotationCompleted, Severity: Info, Drone: old.id, Station: st.ID, Task: r.T.ID,
					Text:   fmt.Sprintf("drone %d relieved on %s by drone %d, leaving for %s", old.id, st.ID, d.id, r.T.ID),
					Reason: "relieved for a task"})
				continue
			}
			old.rec.Home, old.rec.HomeReason = true, fmt.Sprintf("relieved by drone %d", d.id)
			l.emit(Event{Kind: EventRotationCompleted, Severity: Info, Drone: old.id, Station: st.ID,
				Text: fmt.Sprintf("drone %d relieved on %s by drone %d, going home", old.id, st.ID, d.id), Reason: "battery rotation"})
		}
	}
}

// cellsOn reports whether every cell d's station needs (and d carries) is on.
func (l *loop) cellsOn(d *drone) bool {
	st := l.station(d.rec.Station)
	if st == nil {
		return false
	}
	any := false
	for _, n := range st.Networks {
		switch cellState(d, n) {
		case mavlink.CellOn:
			any = true
		case mavlink.CellAbsent:
		default:
			return false
		}
	}
	return any
}

// need is a station wanting a drone: empty, or its holder due for relief.
type need struct {
	st     *Station
	relief bool
}

// fill gives stations that need a drone the best available one; when none
// is left for a station that lost its drone, the rest re-plan around the hole.
func (l *loop) fill() {
	var needs []need
	cands := l.candidates()
	early := l.earlyReliefs(cands)
	for i := range l.st.Plan.Stations {
		st := &l.st.Plan.Stations[i]
		if l.enRoute(st.ID) != nil {
			continue
		}
		if st.Drone == 0 {
			needs = append(needs, need{st: st})
			continue
		}
		if h := l.drones[st.Drone]; h != nil && (l.reliefDue(h, st, cands) || early[h.id]) {
			needs = append(needs, need{st: st, relief: true})
		}
	}
	if len(needs) == 0 {
		return
	}
	cost := make([][]float64, len(cands))
	for i, d := range cands {
		cost[i] = make([]float64, len(needs))
		for j, n := range needs {
			cost[i][j] = l.costTo(d, n.st)
		}
	}
	got := make([]bool, len(needs))
	for i, j := range assign(cost) {
		if j < 0 {
			continue
		}
		d, n := cands[i], needs[j]
		got[j] = true
		reason := "station empty"
		if n.relief {
			reason = fmt.Sprintf("drone %d must leave for its reserve", n.st.Drone)
		}
		l.sendTo(d, n.st, n.relief, reason)
	}
	var empty []string
	for j, n := range needs {
		// An intermittent station waits for the next drone back with a
		// fresh battery: its gap was planned, no reason to re-plan.
		if !got[j] && !n.relief && n.st.Drone == 0 && !l.rotationGap[n.st.ID] {
			empty = append(empty, n.st.ID)
		}
	}
	if len(empty) > 0 && l.deployed() {
		l.replanAround(empty)
	}
}

// sendTo sends d to st: to hold it when it is empty, or to relieve its
// holder (relief), which leaves once d is on it (handover).
func (l *loop) sendTo(d *drone, st *Station, relief bool, reason string) {
	delete(l.rotationGap, st.ID)
	d.rec.Station, d.rec.Relief, d.rec.Free = st.ID, relief, false
	d.onStationAt = time.Time{}
	if !relief {
		st.Drone = d.id
	}
	l.dirty = true
	kind, text := EventDroneAssigned, fmt.Sprintf("drone %d sent to station %s", d.id, st.ID)
	if relief {
		kind, text = EventRotationBegun, fmt.Sprintf("drone %d launched to relieve drone %d on %s", d.id, st.Drone, st.ID)
	}
	eta := l.clk.Now().Add(l.timeTo(d, st.Lat, st.Lon, st.AltM) + 30*time.Second)
	l.emit(Event{Kind: kind, Severity: Info, Drone: d.id, Station: st.ID, Text: text, Reason: reason, ETA: &eta})
}

// deployed reports whether the first deployment has had its drones: holes
// before that are stations still waiting for their launch.
func (l *loop) deployed() bool {
	for _, st := range l.st.Plan.Stations {
		if st.Drone != 0 {
			return true
		}
	}
	return false
}

// enRoute is the drone flying to relieve st's holder, if any.
func (l *loop) enRoute(station string) *drone {
	for _, id := range sortedIDs(l.drones) {
		d := l.drones[id]
		if d.rec.Station == station && d.rec.Relief {
			return d
		}
	}
	return nil
}

// candidates are the drones free for a task: heard, healthy, not excluded,
// under no order, on the ground with a charged battery or airborne with no
// task.
func (l *loop) candidates() []*drone {
	var out []*drone
	for _, id := range sortedIDs(l.drones) {
		d := l.drones[id]
		if d.state != DroneIdle || d.op != nil || d.rec.Station != "" || l.clk.Now().Before(d.restUntil) || refusedForFix(d) {
			continue
		}
		if d.airborne() {
			out = append(out, d)
			continue
		}
		if d.profile.Tethered() || d.tel.BatteryPct < 0 || float64(d.tel.BatteryPct) >= 95 {
			out = append(out, d)
		}
	}
	return out
}

// costTo is the time d needs to reach st, +Inf when it cannot reach or hold
// it (another airframe, another tether site, not enough battery).
func (l *loop) costTo(d *drone, st *Station) float64 {
	if d.profile.Name != st.Profile {
		return math.Inf(1)
	}
	if d.profile.Tethered() && (st.Site == "" || d.site != st.Site) {
		return math.Inf(1)
	}
	alt := l.relAlt(d, st.Lat, st.Lon, st.AltM)
	t := l.timeTo(d, st.Lat, st.Lon, alt)
	if err := l.checkLimits(d, st.Lat, st.Lon, alt); err != nil {
		return math.Inf(1)
	}
	if !d.profile.Tethered() {
		// Out, on station, and back home, as the plan's rotation has it
		// (airframe.Rotation): the way back timed on its own, downwind
		// when the way out was upwind, and the least time on station that
		// makes a sortie. A stricter test here than the plan's refused
		// stations the plan counted as held: they were dropped, grown
		// back, and dropped again every five minutes.
		if l.enduranceLeft(d) < t+l.timeBack(d, st.Lat, st.Lon, alt)+airframe.MinOnStation {
			return math.Inf(1)
		}
	}
	return t.Seconds()
}

// timeTo estimates the flight time from d's position to a point.
func (l *loop) timeTo(d *drone, lat, lon, alt float64) time.Duration {
	climb := math.Abs(alt - d.tel.AltRel)
	rate := d.profile.ClimbMS
	if alt < d.tel.AltRel {
		rate = d.profile.DescentMS
	}
	s := climb / rate
	if !d.airborne() {
		s += 15 // mode, arm, spin up
	}
	return l.transit(d, d.tel.Lat, d.tel.Lon, lat, lon) + time.Duration(s*float64(time.Second))
}

// noHeadway stands for the flight time of a leg d cannot fly against the
// wind: longer than any endurance, so the leg is never planned and a drone
// that needs it heads home at once.
const noHeadway = 1000 * time.Hour

// transit is the time d takes over the ground from one point to another at
// its cruise airspeed in the planned wind: a drone flying home into a
// headwind takes longer than the distance over its airspeed, and one that
// makes no headway never arrives.
func (l *loop) transit(d *drone, lat0, lon0, lat1, lon1 float64) time.Duration {
	north, east := coverage.Displacement(lat0, lon0, lat1, lon1)
	dist := math.Hypot(north, east)
	if !(dist > 0) {
		return 0
	}
	gs := d.profile.CruiseMS
	if l.wind.SpeedMS > 0 && d.profile.Air.CruiseSpeed > 0 {
		tail, cross := l.wind.Components(math.Atan2(east, north) * 180 / math.Pi)
		gs = d.profile.Air.GroundSpeed(tail, cross)
	}
	if !(gs > 0.5) {
		return noHeadway
	}
	return time.Duration(dist / gs * float64(time.Second))
}

// enduranceLeft estimates the flight time left before the battery reserve.
func (l *loop) enduranceLeft(d *drone) time.Duration {
	p := d.profile
	if p.Tethered() {
		return time.Duration(math.MaxInt64)
	}
	// Holding a post with the cells on in the forecast wind: the
	// airframe's endurance as sold (still air, cells off) is longer.
	full := p.Air.HoldEndurance(l.wind, 0)
	if d.tel.BatteryPct < 0 {
		return full
	}
	usable := (float64(d.tel.BatteryPct) - p.ReservePct) / (100 - p.ReservePct)
	if usable < 0 {
		usable = 0
	}
	est := time.Duration(usable * float64(full))
	// The autopilot's own figure (BATTERY_STATUS time_remaining, to the
	// reserve at the present draw) catches wind and payload power that the
	// profile's endurance does not.
	if tl := d.tel.BatteryTimeLeft; tl > 0 && d.airborne() && tl < est {
		est = tl
	}
	return est
}

// reliefDue reports whether h, holding st, must be relieved now: its
// relief must be on station, cells on, before h has to leave for home.
func (l *loop) reliefDue(h *drone, st *Station, cands []*drone) bool {
	if h.profile.Tethered() || h.state != DroneOnStation || h.rec.Station != st.ID {
		return false
	}
	// The reserve is there for the flight home: the holder must be
	// relieved before it reaches it, and then only needs the time home.
	mustLeave := l.enduranceLeft(h) - l.timeHome(h) - l.cfg.RotationMargin
	lead := l.reliefLead(st, cands)
	return mustLeave <= lead
}

// earlyReliefs picks holders to relieve before they are due, so that a
// fleet launched together falls out of step: when more holders of an
// airframe will have to leave within a spare's turnaround (home, a fresh
// battery, back out) than there are spares, the spares go now to the
// holders due first, rather than wait and leave the later ones without
// relief.
func (l *loop) earlyReliefs(cands []*drone) map[int]bool {
	type holder struct {
		d    *drone
		left time.Duration
	}
	holders := map[string][]holder{}
	spares := map[string]int{}
	for _, d := range cands {
		if !d.profile.Tethered() && !d.airborne() {
			spares[d.profile.Name]++
		}
	}
	for _, id := range sortedIDs(l.drones) {
		d := l.drones[id]
		if d.profile.Tethered() || d.state != DroneOnStation || d.rec.Relief || l.enRoute(d.rec.Station) != nil {
			continue
		}
		left := l.enduranceLeft(d) - l.timeHome(d) - l.cfg.RotationMargin
		holders[d.profile.Name] = append(holders[d.profile.Name], holder{d, left})
	}
	out := map[int]bool{}
	for name, hs := range holders {
		n := spares[name]
		if n == 0 {
			continue
		}
		sort.Slice(hs, func(i, j int) bool { return hs[i].left < hs[j].left })
		a := hs[0].d.profile.Air
		turnaround := 2*l.timeHome(hs[0].d) + a.Battery.Swap + l.cfg.RotationMargin
		due := 0
		for _, h := range hs {
			if h.left <= turnaround {
				due++
			}
		}
		if due <= n {
			continue
		}
		for _, h := range hs[:n] {
			out[h.d.id] = true
		}
	}
	return out
}

// timeHome is the flight time from d to its home and down, in the wind.
func (l *loop) timeHome(d *drone) time.Duration {
	return l.timeBack(d, d.tel.Lat, d.tel.Lon, d.tel.AltRel)
}

// timeBack is the flight time home and down, in the wind, for d at a
// point altRel above its home.
func (l *loop) timeBack(d *drone, lat, lon, altRel float64) time.Duration {
	hLat, hLon := d.tel.HomeLat, d.tel.HomeLon
	if !d.tel.HomeSet {
		hLat, hLon = d.tel.Lat, d.tel.Lon
	}
	return l.transit(d, lat, lon, hLat, hLon) + time.Duration(math.Max(0, altRel)/d.profile.DescentMS*float64(time.Second))
}

// reserveFlight is how long d cruises on its reserve: from the reserve
// down to the charge at which its autopilot lands wherever it is.
func (l *loop) reserveFlight(d *drone) time.Duration {
	a := d.profile.Air
	wh := a.Battery.CapacityWh * (a.Battery.ReservePct - a.Battery.CriticalPct) / 100
	return time.Duration(wh / (a.FlightPowerW(a.CruiseSpeed, 0) + airframe.AvionicsW) * float64(time.Hour))
}

// homeCost is the hold time the flight home costs d: the time home, at the
// power cruising draws rather than holding.
func (l *loop) homeCost(d *drone) time.Duration {
	a := d.profile.Air
	k := (a.FlightPowerW(a.CruiseSpeed, 0) + airframe.AvionicsW) / a.HoldPowerW(l.wind, 0)
	return time.Duration(float64(l.timeHome(d)) * math.Max(1, k))
}

// bestRelief is the candidate that would be on st soonest, able to reach
// and hold it, and how long it would need with its cells on; nil when
// there is none.
func (l *loop) bestRelief(st *Station, cands []*drone) (*drone, time.Duration) {
	var best *drone
	t := math.Inf(1)
	for _, d := range cands {
		if c := l.costTo(d, st); c < t {
			best, t = d, c
		}
	}
	if best == nil {
		return nil, 0
	}
	return best, time.Duration(t*float64(time.Second)) + 30*time.Second
}

// reliefLead is how long the best spare would need to be on st with its
// cells on; with no spare, the time a spare on the ground at the nearest
// site would need.
func (l *loop) reliefLead(st *Station, cands []*drone) time.Duration {
	best := time.Duration(math.MaxInt64)
	for _, d := range cands {
		if d.profile.Name != st.Profile {
			continue
		}
		if t := l.timeTo(d, st.Lat, st.Lon, st.AltM); t < best {
			best = t
		}
	}
	if best == time.Duration(math.MaxInt64) {
		return 0 // nobody to send: the holder stays until it must leave
	}
	return best + 30*time.Second // cells switched on
}

// dismissSurplus sends home drones flying with nothing to do.
func (l *loop) dismissSurplus() {
	for _, id := range sortedIDs(l.drones) {
		d := l.drones[id]
		if d.state == DroneIdle && d.airborne() && d.op == nil && d.rec.Station == "" && !refusedForFix(d) {
			d.rec.Home, d.rec.HomeReason, d.rec.Free = true, "not needed", false
			l.dirty = true
			l.emit(Event{Kind: EventDroneHome, Severity: Info, Drone: d.id,
				Text: fmt.Sprintf("drone %d sent home: not needed", d.id), Reason: "surplus"})
		}
	}
}

func (l *loop) allHeld() bool {
	for _, st := range l.st.Plan.Stations {
		d := l.drones[st.Drone]
		if d == nil || d.state != DroneOnStation || !l.cellsOn(d) {
			return false
		}
	}
	return len(l.st.Plan.Stations) > 0
}

// act sends each drone the next command towards what decide wants of it.
// One command sequence per drone at a time; the loop never waits for one.
func (l *loop) act() {
	now := l.clk.Now()
	for _, id := range sortedIDs(l.drones) {
		d := l.drones[id]
		if d.op != nil || now.Before(d.retryAt) || !d.heard || d.tel.Lost {
			continue
		}
		if refusedForFix(d) && d.airborne() {
			continue // refused for certain until its fix is back (fix.go)
		}
		if l.st.Paused || d.rec.Manual != nil || d.rec.Excluded {
			continue
		}
		switch {
		case d.rec.Failed != "" || d.rec.Home:
			l.actHome(d)
		case d.rec.Task != "":
			l.actTask(d)
		case d.rec.Station != "":
			l.actStation(d)
		}
	}
}

func (l *loop) actHome(d *drone) {
	if !d.airborne() {
		return
	}
	if d.rec.Failed != "" && d.failures >= failedGiveUp && !refusedForFix(d) {
		// A failing aircraft whose autopilot refuses to come home (a motor
		// out: it is in its own forced descent) is left to it: commanding
		// again only crowds the link. Its failure was reported.
		return
	}
	var on []mavlink.Network
	for _, n := range Networks {
		if cellState(d, n) == mavlink.CellOn {
			on = append(on, n)
		}
	}
	if len(on) > 0 {
		if !l.settled(d, "cells off") {
			return
		}
		l.startOp(d, "cells off", nil, func(ctx context.Context, link MAVLink, id mavlink.VehicleID) error {
			for _, n := range on {
				if err := link.SetPayload(ctx, id, n, false); err != nil {
					return err
				}
			}
			return nil
		})
		return
	}
	if d.tel.Mode != "RTL" && d.tel.Mode != "LAND" && d.tel.Mode != "QRTL" && d.tel.Mode != "QLAND" && l.climbForHome(d) {
		return // up over the ridge on the way home first
	}
	if d.tel.Mode != "RTL" && d.tel.Mode != "LAND" && d.tel.Mode != "QRTL" && d.tel.Mode != "QLAND" && l.settled(d, "return to launch") {
		l.startOp(d, "return to launch", nil, func(ctx context.Context, link MAVLink, id mavlink.VehicleID) error {
			return link.RTL(ctx, id)
		})
	}
}

func (l *loop) actStation(d *drone) {
	st := l.station(d.rec.Station)
	if st == nil {
		return
	}
	alt := l.targetAlt(d, st)
	if math.IsNaN(alt) {
		return // over terrain, its home altitude is not known yet: no command on a guess
	}
	if err := l.checkLimits(d, st.Lat, st.Lon, alt); err != nil {
		l.emit(Event{Kind: EventCommandRefused, Severity: Warning, Drone: d.id, Station: st.ID,
			Text: fmt.Sprintf("drone %d not sent to %s: %v", d.id, st.ID, err), Reason: "limit"})
		l.releaseStation(d, err.Error())
		return
	}
	switch d.state {
	case DroneLaunching:
		if !d.airborne() && !d.launchedAt.IsZero() && l.clk.Since(d.launchedAt) < time.Minute {
			return // the takeoff was accepted: telemetry will show the climb
		}
		up := l.launchAlt(d, st.Lat, st.Lon, alt)
		if d.airborne() {
			if l.switchOnEarly(d, st) {
				return
			}
			if l.clk.Since(d.takeoffAt) < 3*time.Minute+time.Duration(up/d.profile.ClimbMS*float64(time.Second)) {
				return // climbing
			}
			l.gotoStation(d, st, alt) // stuck in the climb: fly there
			return
		}
		fence := l.fenceItems()
		incID := incidentID(l.st.Incident)
		needFence := d.fenceFor != incID && len(fence) > 0
		d.takeoffAt = l.clk.Now()
		d.gotoAt = time.Time{}
		clk := l.clk
		l.startOp(d, "launch", nil, func(ctx context.Context, link MAVLink, id mavlink.VehicleID) error {
			if needFence {
				if err := link.UploadFence(ctx, id, fence); err != nil {
					return fmt.Errorf("geofence upload: %w", err)
				}
			}
			return launch(ctx, clk, link, id, up)
		})
		if needFence {
			d.fenceFor = incID // set now; a failed launch resets it below
			l.onFail(d, func() { d.fenceFor = "" })
		}
	case DroneTransit:
		l.gotoStation(d, st, alt)
		if d.op == nil {
			l.switchOnEarly(d, st)
		}
	case DroneOnStation:
		if off := l.cellsToSwitchOn(d, st); len(off) > 0 {
			l.switchOn(d, off)
			return
		}
		// Holding: correct a drift or a mode change by a third party.
		if d.tel.Mode != "GUIDED" && !d.profile.FixedWing {
			l.gotoStation(d, st, alt)
		}
	}
}

// switchOn sends the switch-on of the cells off.
func (l *loop) switchOn(d *drone, off []mavlink.Network) {
	now := l.clk.Now()
	if d.cellAsked == nil {
		d.cellAsked = map[Network]time.Time{}
	}
	for _, n := range off {
		d.cellAsked[n] = now
	}
	l.startOp(d, "cells on", nil, func(ctx context.Context, link MAVLink, id mavlink.VehicleID) error {
		for _, n := range off {
			if err := link.SetPayload(ctx, id, n, true); err != nil {
				return err
			}
		}
		return nil
	})
}

// earlyCellsFrac is the share of its station's height from which a drone
// climbing or flying to its station switches its cells on.
const earlyCellsFrac = 0.5

// switchOnEarly switches d's cells on while it climbs or flies to st, once
// it is half-way up and within the cells' reach of the station: a fixed
// wing climbing to 2,000 m takes minutes on the way, and its cells serve
// meanwhile (live coverage follows its height). A relief keeps its cells
// off until it is on station: the holder still serves. It reports whether
// a command went out.
func (l *loop) switchOnEarly(d *drone, st *Station) bool {
	if d.rec.Relief || !d.airborne() || !(l.heightAGL(d) >= earlyCellsFrac*l.stationAGL(d, st)) {
		return false
	}
	reach := 0.0
	for _, r := range st.RadiusM {
		reach = math.Max(reach, r)
	}
	if distanceM(d.tel.Lat, d.tel.Lon, st.Lat, st.Lon) > reach {
		return false
	}
	off := l.cellsToSwitchOn(d, st)
	if len(off) == 0 {
		return false
	}
	l.switchOn(d, off)
	return true
}

// failedGiveUp is how many refused commands a failed drone gets before the
// controller stops commanding it and leaves it to its autopilot.
const failedGiveUp = 3

// cellSettle is how long after a switch acknowledged, beyond the
// airframe's payload boot, a cell's report is given to show it: the drone
// said it is done; a ground station that asks again before its report had
// time to arrive only crowds the radio.
const cellSettle = 30 * time.Second

// cellsToSwitchOn lists the cells of st's networks that d carries, reports
// off, and was not asked to switch on within its payload's boot time: a
// ground station never commands a cell the airframe lacks, nor repeats a
// switch-on the drone is still carrying out.
func (l *loop) cellsToSwitchOn(d *drone, st *Station) []mavlink.Network {
	var off []mavlink.Network
	now := l.clk.Now()
	for _, n := range st.Networks {
		if !d.profile.carries(n) || cellState(d, n) != mavlink.CellOff {
			continue
		}
		if at, ok := d.cellAsked[n]; ok && now.Before(at.Add(d.profile.Air.PayloadBoot+cellSettle)) {
			continue
		}
		off = append(off, n)
	}
	return off
}

// launch puts the drone in GUIDED, arms it and takes off to alt. An
// autopilot refuses a takeoff as temporarily rejected when it is not ready:
// not yet in GUIDED, or disarmed again by its own timer (ArduPilot disarms an
// idle armed copter after a few seconds); the sequence is then run again a
// few times. A takeoff refused because an earlier copy of the command
// already started the climb (its acknowledgement was lost) counts as done.
func launch(ctx context.Context, clk clock.Clock, link MAVLink, id mavlink.VehicleID, alt float64) error {
	var err error
	for try := 0; try < 4; try++ {
		if try > 0 {
			select {
			case <-clk.After(time.Second):
			case <-ctx.Done():
				return ctx.Err()
			}
			if climbing(link, id) {
				return nil
			}
		}
		if err = link.SetMode(ctx, id, "GUIDED"); err != nil {
			return fmt.Errorf("mode GUIDED: %w", err)
		}
		if err = link.Arm(ctx, id); err != nil {
			return fmt.Errorf("arm: %w", err)
		}
		err = link.Takeoff(ctx, id, alt)
		if err == nil || !errors.Is(err, mavlink.ErrTemporarilyRejected) {
			break
		}
		if climbing(link, id) {
			return nil
		}
	}
	if err != nil {
		return fmt.Errorf("takeoff: %w", err)
	}
	return nil
}

func climbing(link MAVLink, id mavlink.VehicleID) bool {
	for _, t := range link.Vehicles() {
		if t.ID == id {
			return t.Armed && (t.LandedState == common.MAV_LANDED_STATE_TAKEOFF || t.LandedState == common.MAV_LANDED_STATE_IN_AIR)
		}
	}
	return false
}

// gotoStation sends d to st unless that order is already on its way; over
// terrain, by way of a climb over a ridge in the way (transitTarget).
func (l *loop) gotoStation(d *drone, st *Station, alt float64) {
	target, err := l.transitTarget(d, st.Lat, st.Lon, alt)
	if err != nil {
		l.emit(Event{Kind: EventCommandRefused, Severity: Warning, Drone: d.id, Station: st.ID,
			Text: fmt.Sprintf("drone %d not sent to %s: %v", d.id, st.ID, err), Reason: "limit"})
		l.releaseStation(d, err.Error())
		return
	}
	fresh := d.gotoTarget != target || d.gotoAt.IsZero()
	stale := l.clk.Since(d.gotoAt) > 60*time.Second && d.tel.Mode != "GUIDED"
	if !fresh && !stale {
		return
	}
	d.gotoTarget, d.gotoAt = target, l.clk.Now()
	l.startOp(d, "go to station "+st.ID, nil, func(ctx context.Context, link MAVLink, id mavlink.VehicleID) error {
		return link.GoTo(ctx, id, target[0], target[1], target[2])
	})
	l.onFail(d, func() { d.gotoAt = time.Time{} })
}

// onFail arranges for fn to run if d's current command sequence fails.
func (l *loop) onFail(d *drone, fn func()) {
	if d.op != nil {
		d.op.onFail = fn
	}
}
