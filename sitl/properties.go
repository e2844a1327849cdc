package sitl

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aerocell/aerocell/fleet"
	"github.com/aerocell/aerocell/sim"
)

// Properties a run of any scenario should have, whatever its numbers.
const (
	// PropIdle: no drone stays on the ground while it could add coverage
	// (healthy, charged, in service, not one of its airframe's reliefs, and
	// some of the area it could serve uncovered).
	PropIdle = "idle-drone"
	// PropCommands: no command storm (commands per drone-hour, the fleet's
	// and each drone's, under a bound).
	PropCommands = "command-storm"
	// PropAnswered: every failure of a flying drone is noticed and
	// answered (an alert, a reassignment or a replan) within a bound.
	PropAnswered = "failure-unanswered"
	// PropNearBound: where no fault removes capacity, the mean coverage of
	// the primary network after the deployment comes near the fleet's
	// upper bound.
	PropNearBound = "below-upper-bound"
)

// Limits are the bounds the properties are checked against.
type Limits struct {
	// IdleFor is how long drones may stay idle that could add coverage
	// (launch queues and battery swaps take some minutes).
	IdleFor time.Duration
	// ChargedPct is the charge from which a drone on the ground counts as
	// ready to fly.
	ChargedPct float64
	// Gap is how far under the upper bound coverage must be for a drone
	// to have area it could serve.
	Gap float64
	// FleetCommands and DroneCommands bound commands per drone-hour over
	// the whole fleet and for any one drone, over the whole run: the
	// deployment included (a launch costs a drone about eight commands,
	// which weighs in a short run), storms are hundreds.
	FleetCommands, DroneCommands float64
	// AnswerWithin is how soon a failure must be noticed and answered.
	AnswerWithin time.Duration
	// Settle is the deployment time left out of the mean compared with the
	// bound, and NearBound the share of the bound that mean must reach.
	Settle    time.Duration
	NearBound float64
}

// DefaultLimits are the limits the property test uses.
func DefaultLimits() Limits {
	return Limits{IdleFor: 10 * time.Minute, ChargedPct: 90, Gap: 0.02, FleetCommands: 45, DroneCommands: 90,
		AnswerWithin: 5 * time.Minute, Settle: 15 * time.Minute, NearBound: 0.85}
}

// Violation is one breach of a property in a run.
type Violation struct {
	Property string  `json:"property"`
	AtS      float64 `json:"at_s"`
	Drone    int     `json:"drone,omitempty"`
	Detail   string  `json:"detail"`
}

func (v Violation) String() string {
	s := fmt.Sprintf("%s at %.0f s", v.Property, v.AtS)
	if v.Drone != 0 {
		s += fmt.Sprintf(" drone %d", v.Drone)
	}
	return s + ": " + v.Detail
}

// DroneTruth is one drone at one sample, as the simulator has it (and the
// state the controller gives it).
type DroneTruth struct {
	ID         int              `json:"id"`
	Profile    string           `json:"profile"`
	Flying     bool             `json:"flying"`
	BatteryPct float64          `json:"battery_pct"`
	Faults     []sim.FaultKind  `json:"faults,omitempty"`
	State      fleet.DroneState `json:"state,omitempty"`
}

// truthOf lists the simulator's drones by id, with the controller's state.
func truthOf(s sim.Snapshot, ctl []fleet.Drone) []DroneTruth {
	state := map[int]fleet.DroneState{}
	for _, d := range ctl {
		state[d.ID] = d.State
	}
	out := make([]DroneTruth, 0, len(s.Drones))
	for id, d := range s.Drones {
		out = append(out, DroneTruth{ID: int(id), Profile: d.Profile, Flying: d.Flying(), BatteryPct: d.BatteryPct,
			Faults: slices.Clone(d.Faults), State: state[int(id)]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Check checks a run's report against the properties and returns every
// violation (none: the run has them all). The scenario is the one run.
func Check(sc *Scenario, rep *Report, lim Limits) []Violation {
	var out []Violation
	out = append(out, checkIdle(sc, rep, lim)...)
	out = append(out, checkCommands(rep, lim)...)
	out = append(out, checkAnswered(sc, rep, lim)...)
	out = append(out, checkNearBound(sc, rep, lim)...)
	return out
}

// checkIdle finds spells of at least lim.IdleFor during which an airframe
// had more drones ready on the ground than its reliefs, while a network it
// carries was more than lim.Gap under the bound.
func checkIdle(sc *Scenario, rep *Report, lim Limits) []Violation {
	if rep.Bound == nil {
		return nil
	}
	profiles := fleet.BuiltinProfiles()
	count := map[string]int{}
	for _, d := range sc.simDrones() {
		count[d.Profile]++
	}
	type spell struct {
		from  time.Duration
		ids   []int
		found bool
	}
	spells := map[string]*spell{}
	var out []Violation
	for _, s := range rep.Series {
		ready := map[string][]int{}
		for _, d := range s.Truth {
			p := profiles[d.Profile]
			if d.Flying || len(d.Faults) > 0 || d.BatteryPct < lim.ChargedPct {
				continue
			}
			if d.State == fleet.DroneFailed || d.State == fleet.DroneExcluded {
				// Out of service until the crew has seen to it and the
				// commander gives it back: not a drone left idle.
				continue
			}
			serve := false
			for _, n := range rep.Networks {
				serve = serve || (carries(p, n) && s.Coverage[n] < rep.Bound.Coverage[n]-lim.Gap)
			}
			if serve {
				ready[d.Profile] = append(ready[d.Profile], d.ID)
			}
		}
		for name := range count {
			reliefs := count[name] - rep.Bound.Stations[name]
			sp := spells[name]
			if len(ready[name]) <= reliefs {
				delete(spells, name)
				continue
			}
			if sp == nil {
				sp = &spell{from: s.T}
				spells[name] = sp
			}
			sp.ids = ready[name]
			if !sp.found && s.T-sp.from >= lim.IdleFor {
				sp.found = true
				out = append(out, Violation{Property: PropIdle, AtS: sp.from.Seconds(),
					Detail: fmt.Sprintf("%s: drones %v ready on the ground for %v with %d relief(s) allowed, coverage %s under the bound %s",
						name, sp.ids, lim.IdleFor, reliefs, fmtNets(s.Coverage, rep.Networks), fmtNets(rep.Bound.Coverage, rep.Networks))})
			}
		}
	}
	return out
}

func fmtNets(m map[fleet.Network]float64, nets []fleet.Network) string {
	var parts []string
	for _, n := range nets {
		parts = append(parts, fmt.Sprintf("%s %.2f", n, m[n]))
	}
	return strings.Join(parts, ", ")
}

func checkCommands(rep *Report, lim Limits) []Violation {
	var out []Violation
	if rep.CommandsPerDroneHour > lim.FleetCommands {
		out = append(out, Violation{Property: PropCommands, AtS: rep.DurationS,
			Detail: fmt.Sprintf("%.1f commands per drone-hour over the fleet (limit %.0f)", rep.CommandsPerDroneHour, lim.FleetCommands)})
	}
	hours := 0.0
	if k := len(rep.Series); k > 0 {
		hours = rep.Series[k-1].T.Hours()
	}
	ids := make([]int, 0, len(rep.CommandsByDrone))
	for id := range rep.CommandsByDrone {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	for _, id := range ids {
		if hours > 0 && float64(rep.CommandsByDrone[id])/hours > lim.DroneCommands {
			out = append(out, Violation{Property: PropCommands, AtS: rep.DurationS, Drone: id,
				Detail: fmt.Sprintf("%d commands in %.2f h: %.0f per hour (limit %.0f)", rep.CommandsByDrone[id], hours,
					float64(rep.CommandsByDrone[id])/hours, lim.DroneCommands)})
		}
	}
	return out
}

// Failures that take a drone out of service (a link drop only when longer
// than any link-loss timeout), the events that notice them, and those
// that answer them.
var (
	capacityFaults = []sim.FaultKind{sim.FaultLinkDrop, sim.FaultBattery, sim.FaultMotor, sim.FaultGPS, sim.FaultPayload, sim.FaultGroundPower}
	noticeKinds    = []fleet.EventKind{fleet.EventDroneFailing, fleet.EventDroneFailsafe, fleet.EventDroneLost,
		fleet.EventDroneFailed, fleet.EventDroneDown, fleet.EventDronePayloadFailed, fleet.EventDroneLanded,
		fleet.EventDroneNoFix, fleet.EventDroneCrashed, fleet.EventBatteryReserve}
	answerFamilies = []fleet.EventFamily{fleet.FamilyPlan, fleet.FamilyStation, fleet.FamilyRotation}
)

const shortLinkDrop = 30 * time.Second

func removesCapacity(f sim.FileFault) bool {
	if !slices.Contains(capacityFaults, f.Kind) {
		return false
	}
	return f.Kind != sim.FaultLinkDrop || f.Duration == 0 || f.Duration >= shortLinkDrop
}

// checkAnswered wants, for each failure of one flying drone, an event about
// that drone noticing it within lim.AnswerWithin, and an answer in that
// time: the notice itself as a warning or worse (an alert), or a
// reassignment, replan or station change after it.
func checkAnswered(sc *Scenario, rep *Report, lim Limits) []Violation {
	var out []Violation
	end := time.Duration(0)
	if k := len(rep.Series); k > 0 {
		end = rep.Series[k-1].T
	}
	for _, f := range sc.Faults {
		// A fault too near the end cannot be judged.
		if f.SysID == 0 || !removesCapacity(f) || f.At+lim.AnswerWithin > end || !flyingAt(rep, int(f.SysID), f.At) {
			continue
		}
		from, to := rep.StartedAt.Add(f.At), rep.StartedAt.Add(f.At+lim.AnswerWithin)
		var notice *fleet.Event
		answered := false
		for i, e := range rep.Events {
			if e.Time.Before(from) || e.Time.After(to) {
				continue
			}
			if notice == nil && e.Drone == int(f.SysID) && slices.Contains(noticeKinds, e.Kind) {
				notice = &rep.Events[i]
				answered = e.Severity == fleet.Warning || e.Severity == fleet.Critical
				continue
			}
			if notice != nil && !answered {
				answered = e.Kind == fleet.EventDroneAssigned || slices.Contains(answerFamilies, e.Kind.Family())
			}
		}
		switch {
		case notice == nil:
			out = append(out, Violation{Property: PropAnswered, AtS: f.At.Seconds(), Drone: int(f.SysID),
				Detail: fmt.Sprintf("%s fault not noticed within %v", f.Kind, lim.AnswerWithin)})
		case !answered:
			out = append(out, Violation{Property: PropAnswered, AtS: f.At.Seconds(), Drone: int(f.SysID),
				Detail: fmt.Sprintf("%s fault noticed (%s) but neither alerted nor answered within %v", f.Kind, notice.Kind, lim.AnswerWithin)})
		}
	}
	return out
}

// flyingAt reports whether drone id was flying at the last sample before at.
func flyingAt(rep *Report, id int, at time.Duration) bool {
	flying := false
	for _, s := range rep.Series {
		if s.T > at {
			break
		}
		for _, d := range s.Truth {
			if d.ID == id {
				flying = d.Flying
			}
		}
	}
	return flying
}

// checkNearBound compares the mean coverage after lim.Settle with the
// bound, in runs where no fault removes capacity.
func checkNearBound(sc *Scenario, rep *Report, lim Limits) []Violation {
	if rep.Bound == nil {
		return nil
	}
	for _, f := range sc.Faults {
		if removesCapacity(f) {
			return nil
		}
	}
	var out []Violation
	// The primary network only (public when wanted): the bound is computed
	// per network, each with the whole fleet, and a drone flies one height
	// for both cells, so the second network's bound is not reachable
	// together with the first's (see Bound).
	nets := rep.Networks
	if len(nets) > 1 {
		nets = nets[:1]
		if slices.Contains(rep.Networks, fleet.Public) {
			nets = []fleet.Network{fleet.Public}
		}
	}
	for _, n := range nets {
		sum, span, prev := 0.0, 0.0, time.Duration(0)
		for _, s := range rep.Series {
			if s.T > lim.Settle {
				dt := (s.T - max(prev, lim.Settle)).Hours()
				sum += s.Coverage[n] * dt
				span += dt
			}
			prev = s.T
		}
		if span <= 0 {
			continue
		}
		if mean, bd := sum/span, rep.Bound.Coverage[n]; mean < lim.NearBound*bd {
			out = append(out, Violation{Property: PropNearBound, AtS: lim.Settle.Seconds(),
				Detail: fmt.Sprintf("%s: mean coverage %.3f after %v, under %.0f%% of the upper bound %.3f", n, mean, lim.Settle, 100*lim.NearBound, bd)})
		}
	}
	return out
}
