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
)

// The scheduler: which drone does a task, at the least cost to coverage.
// A drone free for it (idle on the ground and no one's relief, or in the
// air with nothing to do) costs nothing; a spare kept on the ground to
// relieve a holder costs the gap its absence opens in that rotation; a
// holder taken off its station costs its cell's area no other station
// covers, for as long as the station waits for a spare (or, with none,
// for the holder's return). Costs are in coverage-hours: km² of the area
// left without public signal × hours. The cheapest option that meets the
// deadline wins, the earliest among equals.

// option is one drone's way of doing a task.
type option struct {
	d    *drone
	f    flight
	done time.Time
	// cost in km²·h; station is the station the drone leaves, if any.
	cost    float64
	station string
}

// option works out how d would do r's task and what it would cost, or why
// it cannot. chosen: a commander names the drone, so a busy-free check is
// all that is asked of its state.
func (l *loop) option(r *taskRecord, d *drone, chosen bool) (*option, error) {
	rec := d.rec
	switch {
	case !d.heard || d.tel.Lost:
		return nil, errors.New("not heard")
	case rec.Excluded || rec.Manual != nil:
		return nil, errors.New("not under automation")
	case rec.Failed != "":
		return nil, fmt.Errorf("out of service (%s)", rec.Failed)
	case rec.Home:
		return nil, errors.New("on its way home")
	case rec.Task != "" && rec.Task != r.T.ID:
		return nil, fmt.Errorf("busy with %s", rec.Task)
	case l.clk.Now().Before(d.restUntil):
		return nil, errors.New("resting after failed launches")
	case rec.Task == "" && d.op != nil && !chosen:
		return nil, fmt.Errorf("busy: %s", d.op.what)
	}
	o := &option{d: d}
	switch {
	case rec.Task == r.T.ID, d.state == DroneIdle && d.airborne():
	case d.state == DroneIdle:
		if !d.profile.Tethered() && d.tel.BatteryPct >= 0 && d.tel.BatteryPct < 95 {
			return nil, fmt.Errorf("charging (%d%%)", d.tel.BatteryPct)
		}
	case d.state == DroneOnStation && rec.Station != "":
		if r.T.Kind != task.Survey {
			return nil, fmt.Errorf("on station %s with nothing loaded", rec.Station)
		}
		o.station = rec.Station
	default:
		return nil, fmt.Errorf("%s", d.state)
	}
	f, err := l.planFlight(d, &r.T)
	if err != nil {
		return nil, err
	}
	o.f = f
	o.done = l.clk.Now().Add(f.reach + f.on)
	o.cost = l.taskCost(o)
	return o, nil
}

// taskCost is what taking o.d for the task costs coverage, in km²·h.
func (l *loop) taskCost(o *option) float64 {
	d, f := o.d, o.f
	if o.station != "" {
		st := l.station(o.station)
		if st == nil {
			return 0
		}
		back := time.Duration(distanceM(f.end.Lat, f.end.Lon, st.Lat, st.Lon) / d.profile.CruiseMS * float64(time.Second))
		gap := f.reach + f.on + back
		others := slices.DeleteFunc(l.candidates(), func(c *drone) bool { return c == d })
		if lead := l.reliefLead(st, others); lead > 0 && lead < gap {
			gap = lead // a spare takes the station meanwhile
		}
		return l.uniqueKm2(o.station) * gap.Hours()
	}
	if d.airborne() {
		return 0
	}
	s := l.reliefs()[d.id]
	st := l.station(s)
	if st == nil {
		return 0
	}
	h := l.drones[st.Drone]
	if h == nil || h.state != DroneOnStation {
		// The station waits for a drone: this one would fill it.
		return l.uniqueKm2(s) * (f.reach + f.on + f.back + d.profile.Air.Battery.Swap).Hours()
	}
	mustLeave := l.enduranceLeft(h) - l.timeHome(h) - l.cfg.RotationMargin
	away := f.reach + f.on + f.back + d.profile.Air.Battery.Swap + l.timeTo(d, st.Lat, st.Lon, st.AltM)
	return l.uniqueKm2(s) * max(0, away-mustLeave).Hours()
}

// uniqueKm2 is the area, in km², of the public cell of station id that no
// other station of the plan covers (the private cell where the incident
// wants no public one).
func (l *loop) uniqueKm2(id string) float64 {
	if l.region == nil || l.st.Plan == nil {
		return 0
	}
	n := Public
	if inc := l.st.Incident; inc != nil && !slices.Contains(inc.Networks, Public) {
		n = Private
	}
	var all, without []coverage.LiveStation
	for _, st := range l.st.Plan.Stations {
		r, ok := l.radii[st.Profile]
		if !ok {
			continue
		}
		ls, ok := r.Live(st.Lat, st.Lon, st.AltM, n == Public && slices.Contains(st.Networks, Public), n == Private && slices.Contains(st.Networks, Private))
		if !ok {
			continue
		}
		all = append(all, ls)
		if st.ID != id {
			without = append(without, ls)
		}
	}
	a, err := l.region.Live(all, false)
	if err != nil {
		return 0
	}
	b, err := l.region.Live(without, false)
	if err != nil {
		return 0
	}
	fa, fb := a.Public.Fraction, b.Public.Fraction
	if n == Private {
		fa, fb = a.Private.Fraction, b.Private.Fraction
	}
	return math.Max(0, fa-fb) * l.region.Area.Area() / 1e6
}

// bestOption is the cheapest option that meets r's deadline, the earliest
// among equals; with none, why.
func (l *loop) bestOption(r *taskRecord, _ *drone) (*option, string) {
	var best, earliest *option
	var why []string
	for _, id := range sortedIDs(l.drones) {
		o, err := l.option(r, l.drones[id], false)
		if err != nil {
			why = append(why, fmt.Sprintf("drone %d: %v", id, err))
			continue
		}
		if earliest == nil || o.done.Before(earliest.done) {
			earliest = o
		}
		if o.done.After(r.T.DueAt) {
			continue
		}
		if best == nil || o.cost < best.cost-1e-9 || (math.Abs(o.cost-best.cost) <= 1e-9 && o.done.Before(best.done)) {
			best = o
		}
	}
	switch {
	case best != nil:
		return best, ""
	case earliest != nil:
		return nil, fmt.Sprintf("no drone can do it by its deadline: the earliest, drone %d, would be done %v after it",
			earliest.d.id, earliest.done.Sub(r.T.DueAt).Round(time.Second))
	case len(why) == 0:
		return nil, "no drone in the fleet"
	}
	sort.Strings(why)
	if len(why) > 6 {
		why = append(why[:6], fmt.Sprintf("and %d more", len(why)-6))
	}
	return nil, "no drone can do it: " + strings.Join(why, "; ")
}

// assignTask gives r to o's drone. A holder taken off its station leaves
// a planned gap there, filled by a spare or by itself on its return.
func (l *loop) assignTask(r *taskRecord, o *option) {
	d := o.d
	r.T.Drone, r.T.Status, r.T.Reason = d.id, task.Assigned, ""
	r.T.ETA, r.T.CoverageCostKm2h = o.done, o.cost
	r.Phase, r.Tries = phaseAssigned, 0
	d.rec.Task, d.rec.Free = r.T.ID, false
	if o.station != "" {
		r.Station = o.station
		l.rotationGap[o.station] = true
		l.releaseStation(d, "taken for "+r.T.ID)
	}
	l.dirty = true
	l.emitTask(r, EventTaskAssigned, Info, fmt.Sprintf("%s given to drone %d: done by %s, costing %.2f km²·h of coverage",
		r.T.ID, d.id, o.done.Format(time.TimeOnly), o.cost), "least coverage cost by the deadline")
}

// schedule gives the tasks waiting for a drone one, highest priority
// first, and ends those whose deadline can no longer be met.
func (l *loop) schedule() {
	var wait []*taskRecord
	for _, r := range l.st.Tasks {
		if r.T.Status == task.Pending && r.Phase == "" {
			wait = append(wait, r)
		}
	}
	sort.SliceStable(wait, func(i, j int) bool { return wait[i].T.Priority > wait[j].T.Priority })
	now := l.clk.Now()
	for _, r := range wait {
		if l.cfg.TaskApproval && !r.T.Approved {
			if now.After(r.T.DueAt) {
				l.endTask(r, task.Failed, "deadline passed while awaiting approval")
			}
			continue
		}
		best, why := l.bestOption(r, nil)
		switch {
		case best != nil:
			l.assignTask(r, best)
		case now.After(r.T.DueAt) || strings.HasPrefix(why, "no drone can do it by"):
			l.endTask(r, task.Failed, why)
		}
	}
}
