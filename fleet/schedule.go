package fleet

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/task"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// The scheduler: which drone does a task, at the least cost to coverage.
// A drone free for it (idle on the ground and no one's relief, or in the
// air with nothing to do) costs nothing; a spare kept on the ground to
// relieve a holder costs the gap its absence opens in that rotation; a
// holder taken off its station is relieved first (a spare is launched to
// its station and it leaves once the spare is on it, or sooner when
// waiting longer would miss the deadline) and costs its cell's area no
// other station held now covers for as long as the station is left
// without a drone (with no spare free, until the first spare through its
// battery swap is out to it or the holder is back), plus the gap in the
// rotation the spare was kept for. Costs are in coverage-hours: km² of the area
// left without public signal × hours. The cheapest option that meets the
// deadline wins, the earliest among equals.

// option is one drone's way of doing a task.
type option struct {
	d    *drone
	f    flight
	done time.Time
	// wait is how long before the drone can start from home: the flight
	// home and the crew's battery swap and loading, or the end of what it
	// does now.
	wait time.Duration
	// queued: the drone is not ours to take now (another task, on its way
	// home, charging); the task waits for it.
	queued bool
	// cost in km²·h of public coverage (costPrivate of private, which
	// breaks ties); station is the station the drone leaves, if any.
	cost, costPrivate float64
	station           string
	// relief is the drone sent to take station before its holder leaves
	// it for the task; hold is how long the holder keeps the station for
	// it (until the relief is on it, or less when waiting longer would
	// miss the deadline), leaveBy the latest it may leave; gap is how
	// long the station is left without a drone.
	relief    *drone
	hold, gap time.Duration
	leaveBy   time.Time
}

// option works out how d would do r's task and what it would cost, or why
// it cannot. chosen: a commander names the drone, which must be free to
// take the task now.
func (l *loop) option(r *taskRecord, d *drone, chosen bool) (*option, error) {
	rec := d.rec
	switch {
	case !d.heard || d.tel.Lost:
		return nil, errors.New("not heard")
	case rec.Excluded || rec.Manual != nil:
		return nil, errors.New("not under automation")
	case rec.Failed != "":
		return nil, fmt.Errorf("out of service (%s)", rec.Failed)
	case l.clk.Now().Before(d.restUntil):
		return nil, errors.New("resting after failed launches")
	}
	loaded := r.T.Kind != task.Survey // a load or water, put in on the ground
	a := d.profile.Air
	o := &option{d: d}
	v := d // the drone as it would start
	// home is the drone coming home (or on the ground) for a fresh
	// battery before it starts: the crew loads it during the swap, and
	// planFlight counts the loading.
	home := func() {
		var rest time.Duration // the swap still to run once home
		switch {
		case d.profile.Tethered():
		case d.airborne():
			o.wait += l.timeHome(d)
			rest = a.Battery.Swap
		case d.tel.BatteryPct >= 0 && d.tel.BatteryPct < 95:
			rest = a.Battery.Swap
			if !d.landedAt.IsZero() {
				rest = max(0, rest-l.clk.Since(d.landedAt))
			}
		}
		if loaded {
			rest = max(0, rest-loadTime)
		}
		o.wait += rest
		v = atHome(d)
	}
	waiting := l.waitingTask(d)
	switch {
	case rec.Task == r.T.ID:
	case waiting != nil && waiting != r:
		return nil, fmt.Errorf("waiting for its relief before %s", waiting.T.ID)
	case rec.Relief && rec.Task == "":
		// On its way to relieve a holder (a battery rotation, or one
		// taken for a task): taken away, it would leave that holder to
		// go without relief.
		return nil, fmt.Errorf("relieving the holder of %s", rec.Station)
	case rec.Task != "":
		if chosen {
			return nil, fmt.Errorf("busy with %s", rec.Task)
		}
		other := l.taskByID(rec.Task)
		if other == nil {
			return nil, fmt.Errorf("busy with %s", rec.Task)
		}
		o.queued = true
		o.wait = max(other.T.ETA.Sub(l.clk.Now()), 0) + other.back
		if !d.profile.Tethered() {
			o.wait += a.Battery.Swap
			if loaded {
				o.wait -= min(loadTime, a.Battery.Swap)
			}
		}
		v = atHome(d)
	case rec.Home:
		if chosen {
			return nil, errors.New("on its way home")
		}
		o.queued = true
		home()
	case d.op != nil && !chosen && !isTaskOp(d.op.what) && rec.Station == "":
		return nil, fmt.Errorf("busy: %s", d.op.what)
	case d.state == DroneIdle && d.airborne():
		if loaded {
			home()
		}
	case d.state == DroneIdle:
		if !d.profile.Tethered() && d.tel.BatteryPct >= 0 && d.tel.BatteryPct < 95 {
			if chosen {
				return nil, fmt.Errorf("charging (%d%%)", d.tel.BatteryPct)
			}
			o.queued = true
			home()
		}
	case rec.Station != "" && d.airborne():
		o.station = rec.Station
		if loaded {
			home()
		}
	default:
		return nil, fmt.Errorf("%s", d.state)
	}
	f, err := l.planFlight(v, r.left())
	if err != nil {
		return nil, err
	}
	if f.sorties > 1 {
		f.rest = l.laterSorties(d, r.left(), f, o.wait+f.reach+f.on)
	}
	o.f = f
	if o.station != "" {
		l.planRelief(o, r)
	}
	o.done = l.clk.Now().Add(o.wait + f.reach + f.on + f.rest)
	o.cost = l.taskCost(o, Public)
	o.costPrivate = l.taskCost(o, Private)
	return o, nil
}

// planRelief works out how o's holder leaves its station: a relief (a
// spare, as in a battery rotation) is sent to the station first and the
// holder keeps it until the relief is on it, or until waiting longer
// would miss r's deadline (the margin kept); the station's gap is what
// is left between the holder leaving and the relief arriving. With no
// relief free now, the station is without a drone until the first spare
// through its battery swap is on it, or the holder is back (the held
// neighbours' cells cover what they can: taskCost measures the hole).
func (l *loop) planRelief(o *option, r *taskRecord) {
	d, f := o.d, o.f
	st := l.station(o.station)
	if st == nil {
		return
	}
	back := time.Duration(distanceM(f.end.Lat, f.end.Lon, st.Lat, st.Lon) / d.profile.CruiseMS * float64(time.Second))
	o.gap = o.wait + f.reach + f.on + f.rest + back
	others := slices.DeleteFunc(l.candidates(), func(c *drone) bool { return c == d })
	rel, lead := l.bestRelief(st, others)
	if rel == nil {
		// No spare now: the station waits for the first drone of its
		// airframe through its battery swap and out to it (fill sends
		// it), or for the holder back.
		o.gap = min(o.gap, l.nextSpare(st, d))
		return
	}
	// done + margin() = now + 5/4 (wait + hold) + reach + on + rest ≤ due,
	// with holdSlack kept besides, and the way up to the station's height
	// and back down for a holder still climbing to it (the wait keeps it
	// there, and it leaves from there).
	var up time.Duration
	if dz := st.AltM - d.tel.AltRel; dz > 0 {
		up = time.Duration((dz/d.profile.ClimbMS + dz/d.profile.DescentMS) * float64(time.Second))
	}
	room := (r.T.DueAt.Sub(l.clk.Now())-f.reach-f.on-f.rest)*4/5 - o.wait - holdSlack - up
	room = max(0, room).Truncate(time.Second)
	o.relief, o.hold, o.leaveBy = rel, min(lead, room), l.clk.Now().Add(room)
	o.gap = lead - o.hold
	o.wait += o.hold
	if o.hold > 0 {
		o.wait += up
	}
}

// nextSpare is how long the first drone of st's airframe on the ground
// through its battery swap (not d, and free of any task) would take to be
// on st with its cells on; the longest duration when there is none.
func (l *loop) nextSpare(st *Station, d *drone) time.Duration {
	best := time.Duration(math.MaxInt64)
	for _, id := range sortedIDs(l.drones) {
		e := l.drones[id]
		if e == d || e.profile.Name != st.Profile || e.profile.Tethered() || e.state != DroneIdle || e.airborne() ||
			e.op != nil || e.rec.Task != "" || e.rec.Station != "" || !e.heard || e.tel.Lost || refusedForFix(e) {
			continue
		}
		ready := max(0, e.restUntil.Sub(l.clk.Now()))
		if e.tel.BatteryPct >= 0 && e.tel.BatteryPct < 95 {
			swap := e.profile.Air.Battery.Swap
			if !e.landedAt.IsZero() {
				swap = max(0, swap-l.clk.Since(e.landedAt))
			}
			ready = max(ready, swap)
		}
		best = min(best, ready+l.timeTo(atHome(e), st.Lat, st.Lon, st.AltM)+30*time.Second)
	}
	return best
}

// laterSorties is the time a fire's sorties after d's first take, from
// its end (first from now): each goes to the drone ready first (as
// schedule gives each in turn), d once home through its battery swap, or
// another drone of its airframe idle on the ground once charged; each is
// loaded, takes off and flies a full tank from home. Without such drones
// it is d's own turnaround, as f.rest says.
func (l *loop) laterSorties(d *drone, t *task.Task, f flight, first time.Duration) time.Duration {
	a := d.profile.Air
	if a.Sprayer == nil {
		return f.rest
	}
	v := atHome(d)
	home := task.LonLat{v.tel.Lon, v.tel.Lat}
	one := *t
	one.Litres = math.Min(t.Litres, a.Sprayer.TankL)
	c, err := task.Estimate(one, a, home, home, l.wind, a.Battery.CapacityWh)
	if err != nil {
		return f.rest
	}
	sortie := loadTime + 15*time.Second + c.Reach + c.OnTask
	turnaround := c.Back + a.Battery.Swap
	ready := []time.Duration{f.back + a.Battery.Swap} // from the first sortie's end
	for _, id := range sortedIDs(l.drones) {
		e := l.drones[id]
		if e == d || e.state != DroneIdle || e.airborne() || e.profile.Name != d.profile.Name || e.op != nil ||
			e.rec.Task != "" || !e.heard || e.tel.Lost || l.clk.Now().Before(e.restUntil) {
			continue
		}
		charged := time.Duration(0)
		if e.tel.BatteryPct >= 0 && e.tel.BatteryPct < 95 {
			charged = a.Battery.Swap
			if !e.landedAt.IsZero() {
				charged = max(0, charged-l.clk.Since(e.landedAt))
			}
		}
		ready = append(ready, max(0, charged-first))
	}
	var end time.Duration
	for range f.sorties - 1 {
		i := 0
		for j := range ready {
			if ready[j] < ready[i] {
				i = j
			}
		}
		end = max(end, ready[i]) + sortie
		ready[i] = end + turnaround
	}
	return min(end, f.rest+time.Duration(f.sorties-1)*loadTime)
}

// holdSlack is what a holder that waits on its station for its relief
// keeps in hand against the task's deadline: the flight takes longer
// than its estimate, and the wait should not make the task late.
const holdSlack = 2 * time.Minute

// waitingTask is the task whose drone d is, still holding its station
// for the relief that lets it leave, if any.
func (l *loop) waitingTask(d *drone) *taskRecord {
	for _, r := range l.st.Tasks {
		if r.Phase == phaseRelief && r.T.Drone == d.id && !r.T.Status.Final() {
			return r
		}
	}
	return nil
}

// margin is what an option that waits for its drone (home, through its
// swap, or free of what it does now) keeps in hand against the deadline:
// a drone comes home and through its swap later than the plain flight
// time says (cells off, the RTL climb, the landing), and a task taken in
// should not fail for it.
func (o *option) margin() time.Duration { return o.wait / 4 }

// atHome is d as it would be on the ground at home with a full battery.
func atHome(d *drone) *drone {
	v := *d
	t := &v.tel
	if t.HomeSet {
		t.Lat, t.Lon = t.HomeLat, t.HomeLon
	}
	t.AltRel, t.Armed, t.LandedState = 0, false, common.MAV_LANDED_STATE_ON_GROUND
	t.BatteryPct, t.BatteryTimeLeft = 100, 0
	return &v
}

// taskCost is what taking o.d for the task costs network n's coverage,
// in km²·h.
func (l *loop) taskCost(o *option, n Network) float64 {
	d := o.d
	if o.station != "" {
		c := l.uniqueKm2(o.station, n) * o.gap.Hours()
		if o.relief != nil {
			// The relief may have been kept for another station's
			// rotation: the holder, back from the task, takes its place.
			if s := l.reliefs()[o.relief.id]; s != o.station {
				c += l.rotationCost(o, s, n)
			}
		}
		return c
	}
	if d.airborne() && o.wait == 0 {
		return 0
	}
	return l.rotationCost(o, l.reliefs()[d.id], n)
}

// rotationCost is what o's drone away on the task costs station s, whose
// relief it is (or becomes): the time s's holder must leave before the
// drone is back with a fresh battery, or with no holder, the whole time
// away.
func (l *loop) rotationCost(o *option, s string, n Network) float64 {
	st := l.station(s)
	if st == nil {
		return 0
	}
	d, f := o.d, o.f
	away := o.wait + f.reach + f.on + f.rest + f.back + d.profile.Air.Battery.Swap + l.timeTo(d, st.Lat, st.Lon, st.AltM)
	h := l.drones[st.Drone]
	if h == nil || h.state != DroneOnStation {
		// The station waits for a drone: this one would fill it.
		return l.uniqueKm2(s, n) * away.Hours()
	}
	mustLeave := l.enduranceLeft(h) - l.timeHome(h) - l.cfg.RotationMargin
	return l.uniqueKm2(s, n) * max(0, away-mustLeave).Hours()
}

// uniqueKm2 is the area, in km², of station id's cell of network n that
// no station held now covers (0 when the incident does not want n): what
// is left without signal while id has no drone. The neighbours counted
// are those with a drone on them or on its way (held), not every station
// of the plan: a neighbour in a rotation gap, thinned out of its
// rotation, or whose drone is going home, covers nothing of id's cell. During one choice (bestOption) the layout
// is measured once.
func (l *loop) uniqueKm2(id string, n Network) float64 {
	if l.region == nil || l.st.Plan == nil {
		return 0
	}
	if inc := l.st.Incident; inc != nil && !slices.Contains(inc.Networks, n) {
		return 0
	}
	c := l.unique
	if c == nil {
		c = &uniqueCache{}
	}
	lay, ok := c.layouts[n]
	if !ok {
		lay = l.layout(n)
		if c.layouts == nil {
			c.layouts, c.km2 = map[Network]*layout{}, map[string]float64{}
		}
		c.layouts[n] = lay
	}
	key := n.String() + "/" + id
	if v, ok := c.km2[key]; ok {
		return v
	}
	v := 0.0
	if lay.err == nil {
		if i := slices.Index(lay.ids, id); i >= 0 {
			// Held now: what the layout loses without it.
			without := slices.Delete(slices.Clone(lay.stations), i, i+1)
			if b, err := l.region.Live(without, false); err == nil {
				v = math.Max(0, lay.fraction-fractionOf(b, n))
			}
		} else if st := l.station(id); st != nil {
			// Empty now: what it adds to the layout once held.
			if ls, ok := l.liveStation(st, n); ok {
				if b, err := l.region.Live(append(slices.Clone(lay.stations), ls), false); err == nil {
					v = math.Max(0, fractionOf(b, n)-lay.fraction)
				}
			}
		}
		v *= l.region.Area.Area() / 1e6
	}
	if c.km2 != nil {
		c.km2[key] = v
	}
	return v
}

// uniqueCache keeps, during one choice, each network's layout and the
// stations' own areas measured so far.
type uniqueCache struct {
	layouts map[Network]*layout
	km2     map[string]float64
}

// layout is the cells of one network of the plan's stations held now
// (held) and the fraction they cover.
type layout struct {
	ids      []string
	stations []coverage.LiveStation
	fraction float64
	err      error
}

func (l *loop) layout(n Network) *layout {
	lay := &layout{}
	for i := range l.st.Plan.Stations {
		st := &l.st.Plan.Stations[i]
		if !l.held(st) {
			continue
		}
		ls, ok := l.liveStation(st, n)
		if !ok {
			continue
		}
		lay.ids = append(lay.ids, st.ID)
		lay.stations = append(lay.stations, ls)
	}
	rep, err := l.region.Live(lay.stations, false)
	lay.fraction, lay.err = fractionOf(rep, n), err
	return lay
}

// held reports whether st has a drone on it, or on its way to it: not
// one the station still names that is going home with its cells off.
func (l *loop) held(st *Station) bool {
	d := l.drones[st.Drone]
	if d == nil || d.rec.Station != st.ID {
		return false
	}
	switch d.state {
	case DroneOnStation, DroneTransit, DroneLaunching:
		return true
	}
	return false
}

// liveStation is st's cell of network n as the plan places it.
func (l *loop) liveStation(st *Station, n Network) (coverage.LiveStation, bool) {
	r, ok := l.radii[st.Profile]
	if !ok {
		return coverage.LiveStation{}, false
	}
	return r.Live(st.Lat, st.Lon, st.AltM, n == Public && slices.Contains(st.Networks, Public), n == Private && slices.Contains(st.Networks, Private))
}

func fractionOf(r coverage.LiveReport, n Network) float64 {
	if n == Private {
		return r.Private.Fraction
	}
	return r.Public.Fraction
}

// bestOption is the cheapest option that meets r's deadline, the earliest
// among equals; with none, why (or, for a fire between its sorties, the
// earliest, late as it is).
func (l *loop) bestOption(r *taskRecord) (*option, string) {
	// The stations' own areas are the same for every option of one
	// choice: measured once each.
	l.unique = &uniqueCache{}
	defer func() { l.unique = nil }()
	best, earliest, why := l.choose(r, nil)
	switch {
	case best != nil:
		return best, ""
	case earliest != nil && !r.T.StartedAt.IsZero():
		// A fire between its sorties: the water sprayed is not taken
		// back, the rest is flown as soon as it can be, late or not (a
		// task under way is carried to its end, as a mission is).
		return earliest, ""
	case earliest != nil:
		late := earliest.done.Add(earliest.margin()).Sub(r.T.DueAt).Round(time.Second)
		how := ""
		if n := earliest.f.sorties; n > 1 {
			how = fmt.Sprintf(" after %d sorties of %.0f L taking %v in all", n, earliest.f.tankL,
				earliest.done.Sub(l.clk.Now()).Round(time.Second))
		}
		return nil, fmt.Sprintf("%s: the earliest, drone %d, would be done at %s%s, %v too late (with %v kept in hand for its wait)",
			lateReason, earliest.d.id, earliest.done.Format(time.TimeOnly), how, late, earliest.margin().Round(time.Second))
	case len(why) == 0:
		return nil, "no drone in the fleet"
	}
	sort.Strings(why)
	if len(why) > 6 {
		why = append(why[:6], fmt.Sprintf("and %d more", len(why)-6))
	}
	return nil, "no drone can do it: " + strings.Join(why, "; ")
}

// choose is, among the drones' options for r that accept takes (nil:
// all), the cheapest that meets r's deadline and the earliest; why says
// why each drone without an option has none.
func (l *loop) choose(r *taskRecord, accept func(*option) bool) (best, earliest *option, why []string) {
	for _, id := range sortedIDs(l.drones) {
		o, err := l.option(r, l.drones[id], false)
		if err != nil {
			why = append(why, fmt.Sprintf("drone %d: %s", id, strings.TrimPrefix(err.Error(), ErrLimit.Error()+": ")))
			continue
		}
		if accept != nil && !accept(o) {
			continue
		}
		if earliest == nil || o.done.Add(o.margin()).Before(earliest.done.Add(earliest.margin())) {
			earliest = o
		}
		if o.done.Add(o.margin()).After(r.T.DueAt) {
			continue
		}
		if best == nil || cheaper(o, best) {
			best = o
		}
	}
	return best, earliest, why
}

// cheaper reports whether o costs less than b: public coverage first, then
// private (a tie in public coverage, as when the stations overlap, goes to
// the option that keeps the rescuers' network), then the earlier done.
func cheaper(o, b *option) bool {
	const eps = 1e-3 // km²·h: a few seconds of a small cell
	switch {
	case math.Abs(o.cost-b.cost) > eps:
		return o.cost < b.cost
	case math.Abs(o.costPrivate-b.costPrivate) > eps:
		return o.costPrivate < b.costPrivate
	}
	return o.done.Before(b.done)
}

// lateReason starts the reason of a task no drone can do by its deadline.
const lateReason = "no drone can do it by its deadline"

// offer gives r the best option now, or keeps it waiting for a drone
// that will be free in time, or ends it (refused when just asked for,
// failed later) when no drone can do it in time. approved: it may be
// given to a drone (no approval needed, or given).
func (l *loop) offer(r *taskRecord, fresh, approved bool) {
	best, why := l.bestOption(r)
	end := task.Failed
	if fresh {
		end = task.Refused
	}
	if best == nil {
		// Sorties one after the other miss the deadline: drones spraying
		// at once may meet it.
		parts, pwhy := l.parallelFire(r)
		switch {
		case parts != nil && approved:
			l.splitFire(r, parts)
			return
		case parts != nil:
			r.T.Reason = fmt.Sprintf("awaiting a commander's approval; %d drones spraying at once could do it by %s", len(parts), partsDone(parts).Format(time.TimeOnly))
			r.T.ETA = partsDone(parts)
			l.dirty = true
			return
		case pwhy != "":
			why += "; " + pwhy
		}
	}
	switch {
	case best == nil:
		l.endTask(r, end, why)
	case !approved:
		reason := fmt.Sprintf("awaiting a commander's approval; drone %d could do it by %s", best.d.id, best.done.Format(time.TimeOnly))
		if r.T.Reason != reason || fresh {
			r.T.Reason, r.T.ETA = reason, best.done
			l.dirty = true
		}
	case best.queued:
		reason := fmt.Sprintf("waiting for drone %d, busy now; done by %s", best.d.id, best.done.Format(time.TimeOnly))
		if r.T.Reason != reason {
			r.T.Reason, r.T.ETA = reason, best.done
			l.dirty = true
		}
	default:
		l.assignTask(r, best)
	}
}

// assignTask gives r to o's drone. A holder taken off its station leaves
// a planned gap there, filled by a spare or by itself on its return.
func (l *loop) assignTask(r *taskRecord, o *option) {
	d := o.d
	r.T.Drone, r.T.Reason = d.id, ""
	if r.T.StartedAt.IsZero() {
		r.T.Status = task.Assigned // between a fire's sorties it stays active
	}
	r.T.ETA, r.T.CoverageCostKm2h = o.done, r.SortiesCost+o.cost
	r.Phase, r.Tries = phaseAssigned, 0
	d.rec.Free = false
	why := "least coverage cost by the deadline"
	leave := ""
	if o.station != "" {
		r.Station = o.station
		st := l.station(o.station)
		switch {
		case o.relief == nil:
			leave = fmt.Sprintf("taken for %s: no drone free to relieve it, the neighbours' cells cover what they can", r.T.ID)
		case o.hold == 0:
			leave = fmt.Sprintf("taken for %s at once: waiting %v for its relief, drone %d, would miss the deadline %s",
				r.T.ID, o.gap.Round(time.Second), o.relief.id, r.T.DueAt.Format(time.TimeOnly))
		default:
			r.Phase, r.LeaveBy = phaseRelief, o.leaveBy
			why = fmt.Sprintf("leaves %s once its relief, drone %d, is on it (by %s at the latest)",
				o.station, o.relief.id, o.leaveBy.Format(time.TimeOnly))
		}
		if o.relief != nil && st != nil {
			l.sendTo(o.relief, st, true, fmt.Sprintf("drone %d taken off %s for %s", d.id, st.ID, r.T.ID))
		}
	}
	if r.Phase == phaseAssigned {
		d.rec.Task = r.T.ID
		if leave != "" {
			l.rotationGap[o.station] = true
			l.releaseStation(d, leave)
		}
	}
	l.dirty = true
	l.emitTask(r, EventTaskAssigned, Info, fmt.Sprintf("%s given to drone %d: done by %s, costing %.2f km²·h of public coverage (%.2f private)",
		r.T.ID, d.id, o.done.Format(time.TimeOnly), o.cost, o.costPrivate), why)
}

// trackRelief follows a task whose drone keeps its station until its
// relief is on it (handover then sends it on the task): it leaves
// without its relief when waiting longer would miss the deadline; a
// drone that lost its station otherwise (a failure, a failsafe) leaves
// the task to be given again.
func (l *loop) trackRelief(r *taskRecord) {
	d := l.drones[r.T.Drone]
	if d == nil || d.rec.Station != r.Station || d.rec.Home || d.rec.Failed != "" || d.rec.Manual != nil || d.rec.Excluded {
		r.Phase, r.T.Status, r.T.Drone, r.T.ETA = "", task.Pending, 0, time.Time{}
		r.T.Reason = "its drone left its station before its relief came: to be given again"
		l.dirty = true
		return
	}
	if l.clk.Now().Before(r.LeaveBy) {
		return
	}
	rel := l.enRoute(r.Station)
	who := "its relief"
	if rel != nil {
		who = fmt.Sprintf("its relief (drone %d)", rel.id)
	}
	l.rotationGap[r.Station] = true
	l.releaseStation(d, fmt.Sprintf("leaving for %s before %s is on station: waiting longer would miss the deadline %s",
		r.T.ID, who, r.T.DueAt.Format(time.TimeOnly)))
	l.leaveForTask(d, r)
}

// leaveForTask sends d, off its station, on the task r it waited for.
func (l *loop) leaveForTask(d *drone, r *taskRecord) {
	r.Phase = phaseAssigned
	d.rec.Task, d.rec.Free = r.T.ID, false
	d.state = l.deriveState(d)
	l.dirty = true
}

// schedule gives the tasks waiting for a drone one, highest priority
// first, and ends those whose deadline can no longer be met.
func (l *loop) schedule() {
	var wait []*taskRecord
	for _, r := range l.st.Tasks {
		if r.Phase == "" && (r.T.Status == task.Pending || r.T.Status == task.Active) {
			wait = append(wait, r) // not yet given a drone, or between sorties
		}
	}
	sort.SliceStable(wait, func(i, j int) bool { return wait[i].T.Priority > wait[j].T.Priority })
	for _, r := range wait {
		approved := !l.cfg.TaskApproval || r.T.Approved
		if !approved && l.clk.Now().After(r.T.DueAt) {
			l.endTask(r, task.Failed, "deadline passed while awaiting approval")
			continue
		}
		if approved {
			l.offer(r, false, true)
		}
	}
}

// Parallel sorties: a fire bigger than a tank is flown sortie after
// sortie; when those would miss its deadline, and two or more drones
// spraying at once, each its share, would meet it, the fire is split into
// parts, each a fire task of its own given at once to its own drone (a
// holder relieved as for any task), and the fire is done when every part
// is. The fewest parts that meet the deadline at the least coverage cost
// win.

// phaseParts: the fire is flown as parts at once (Task.Parts).
const phaseParts = "parts"

// part is one part of a split fire and the option that flies it.
type part struct {
	r *taskRecord
	o *option
}

// partsDone is when the last of the parts is done.
func partsDone(parts []part) time.Time {
	var t time.Time
	for _, p := range parts {
		if p.o.done.After(t) {
			t = p.o.done
		}
	}
	return t
}

// parallelFire is r's fire split into parts of a tank or less flown at
// once by drones of their own, each meeting the deadline, at the least
// coverage cost (then the fewest parts); nil, and why when it is worth
// saying, when no split meets the deadline. Only a fire not yet started
// is split.
func (l *loop) parallelFire(r *taskRecord) ([]part, string) {
	if r.T.Kind != task.Fire || r.T.Parent != "" || !r.T.StartedAt.IsZero() {
		return nil, ""
	}
	tank, sprayers := 0.0, 0
	for _, d := range l.drones {
		if s := d.profile.Air.Sprayer; s != nil {
			tank, sprayers = math.Max(tank, s.TankL), sprayers+1
		}
	}
	litres := r.left().Litres
	if sprayers < 2 || litres <= tank {
		return nil, ""
	}
	// Each part one tank: a part of more would lean, for its later
	// sorties, on the drones the other parts fly.
	least := max(2, int(math.Ceil(litres/tank-1e-9)))
	if least > sprayers {
		return nil, fmt.Sprintf("%.0f L at once takes %d drones with a tank each, the fleet has %d", litres, least, sprayers)
	}
	l.unique = &uniqueCache{}
	defer func() { l.unique = nil }()
	var best []part
	bestCost := math.Inf(1)
	var late time.Time // the earliest the most parts would be done
	for k := least; k <= sprayers; k++ {
		parts, done := l.splitOptions(r, k, litres/float64(k))
		if parts == nil {
			if k == sprayers {
				late = done
			}
			continue
		}
		cost := 0.0
		for _, p := range parts {
			cost += p.o.cost
		}
		if cost < bestCost-1e-3 {
			best, bestCost = parts, cost
		}
	}
	if best != nil {
		return best, ""
	}
	if late.IsZero() {
		return nil, fmt.Sprintf("nor can %d drones spraying at once", sprayers)
	}
	return nil, fmt.Sprintf("even %d drones spraying %.1f L each at once would be done at %s, %v too late", sprayers,
		litres/float64(sprayers), late.Format(time.TimeOnly), late.Sub(r.T.DueAt).Round(time.Second))
}

// splitOptions gives each of k parts of share litres the cheapest drone
// not given another that meets the deadline; nil when one part has none,
// with when the slowest part would be done given the earliest drones.
func (l *loop) splitOptions(r *taskRecord, k int, share float64) ([]part, time.Time) {
	taken := map[int]bool{}
	var parts []part
	var done time.Time
	ok := true
	for i := range k {
		p := &taskRecord{T: r.T}
		p.T.ID, p.T.Parent, p.T.Parts, p.T.Litres = fmt.Sprintf("%s.%d", r.T.ID, i+1), r.T.ID, nil, share
		p.T.Status, p.T.Reason, p.T.Drone, p.T.ETA = task.Pending, "", 0, time.Time{}
		best, earliest, _ := l.choose(p, func(o *option) bool { return !taken[o.d.id] && !o.queued })
		if earliest == nil {
			return nil, time.Time{}
		}
		if best == nil {
			ok, best = false, earliest
		}
		taken[best.d.id] = true
		if t := best.done.Add(best.margin()); t.After(done) {
			done = t
		}
		parts = append(parts, part{p, best})
	}
	if !ok {
		return nil, done
	}
	return parts, done
}

// splitFire flies r's fire as parts: each a task of its own, given to its
// drone at once (its option worked out again as the earlier parts left
// the fleet); a part whose drone no longer makes it is offered as any
// task is.
func (l *loop) splitFire(r *taskRecord, parts []part) {
	var ids, drones []string
	for _, p := range parts {
		ids = append(ids, p.r.T.ID)
		drones = append(drones, fmt.Sprint(p.o.d.id))
	}
	r.T.Parts, r.T.Status, r.T.Drone, r.T.ETA = ids, task.Assigned, parts[0].o.d.id, partsDone(parts)
	r.Phase, r.T.Reason = phaseParts, ""
	l.dirty = true
	l.emitTask(r, EventTaskAssigned, Info, fmt.Sprintf("%s flown as %d parts of %.1f L at once by drones %s: done by %s",
		r.T.ID, len(parts), parts[0].r.T.Litres, strings.Join(drones, ", "), r.T.ETA.Format(time.TimeOnly)),
		"sorties one after the other would miss the deadline")
	for _, p := range parts {
		pr := p.r
		pr.T.RequestedAt, pr.T.Approved = l.clk.Now(), true
		l.st.Tasks = append(l.st.Tasks, pr)
		l.emitTask(pr, EventTaskRequested, Info, fmt.Sprintf("%s requested: %s, part of %s", pr.T.ID, describe(&pr.T), r.T.ID), r.T.Team)
		l.unique = &uniqueCache{}
		o, err := l.option(pr, p.o.d, false)
		l.unique = nil
		if err != nil || o.queued || o.done.Add(o.margin()).After(pr.T.DueAt) {
			l.offer(pr, false, true)
			continue
		}
		l.assignTask(pr, o)
	}
	l.trackParts(r)
}

// trackParts follows a fire flown as parts: active once one is, done
// when every part is; a part that fails fails the fire, and the others
// are cancelled.
func (l *loop) trackParts(r *taskRecord) {
	var cost float64
	var eta time.Time
	done, active := 0, false
	var failed *taskRecord
	for _, id := range r.T.Parts {
		p := l.taskByID(id)
		if p == nil {
			continue
		}
		cost += p.T.CoverageCostKm2h
		if p.T.ETA.After(eta) {
			eta = p.T.ETA
		}
		switch p.T.Status {
		case task.Done:
			done++
		case task.Active:
			active = true
		case task.Failed, task.Cancelled, task.Refused:
			if failed == nil {
				failed = p
			}
		}
	}
	if r.T.CoverageCostKm2h != cost || (!eta.IsZero() && !eta.Equal(r.T.ETA)) {
		r.T.CoverageCostKm2h = cost
		if !eta.IsZero() {
			r.T.ETA = eta
		}
		l.dirty = true
	}
	switch {
	case failed != nil:
		l.endParts(r, fmt.Sprintf("%s failed with it", r.T.ID))
		l.endTask(r, task.Failed, fmt.Sprintf("%s %s: %s", failed.T.ID, failed.T.Status, failed.T.Reason))
	case done == len(r.T.Parts):
		l.endTask(r, task.Done, "")
	case active && r.T.Status == task.Assigned:
		r.T.Status, r.T.StartedAt = task.Active, l.clk.Now()
		l.dirty = true
		l.emitTask(r, EventTaskActive, Info, fmt.Sprintf("%s under way: its parts fly", r.T.ID), "")
	}
}

// endParts cancels the parts of r not yet ended.
func (l *loop) endParts(r *taskRecord, reason string) {
	for _, id := range r.T.Parts {
		if p := l.taskByID(id); p != nil && !p.T.Status.Final() {
			l.endTask(p, task.Cancelled, reason)
		}
	}
}
