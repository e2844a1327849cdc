package sitl

import (
	"strings"
	"testing"
	"time"

	"github.com/aerocell/aerocell/fleet"
	"github.com/aerocell/aerocell/sim"
)

// checkScenario is two heavy multirotors at one site; a motor fault on
// drone 1 at 10 minutes.
func checkScenario(t *testing.T, faults string) *Scenario {
	t.Helper()
	sc, err := ParseScenario(strings.NewReader(`
name: check
duration: 1h
area: a.geojson
networks: [public]
launch_sites: [{name: base, lat: 35.68, lon: 102.80}]
drones: [{sysid: 1, count: 2, profile: heavy-multirotor, site: base}]
` + faults))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// checkReport is a run of an hour sampled every minute: coverage cov(t),
// drone i's truth drone(t, i).
func checkReport(cov func(time.Duration) float64, drone func(time.Duration, int) DroneTruth) *Report {
	rep := &Report{Networks: []fleet.Network{fleet.Public}, DurationS: 3600, StartedAt: epoch,
		Bound:           &Bound{Coverage: map[fleet.Network]float64{fleet.Public: 0.8}, Stations: map[string]int{sim.ProfileHeavy: 1}},
		CommandsByDrone: map[int]uint64{1: 10, 2: 10}, CommandsPerDroneHour: 10}
	for m := 1; m <= 60; m++ {
		ts := time.Duration(m) * time.Minute
		s := Sample{T: ts, Coverage: map[fleet.Network]float64{fleet.Public: cov(ts)}}
		for i := 1; i <= 2; i++ {
			s.Truth = append(s.Truth, drone(ts, i))
		}
		rep.Series = append(rep.Series, s)
	}
	return rep
}

func flying(ts time.Duration, id int) DroneTruth {
	return DroneTruth{ID: id, Profile: sim.ProfileHeavy, Flying: true, BatteryPct: 80}
}

func only(vs []Violation, prop string) []Violation {
	var out []Violation
	for _, v := range vs {
		if v.Property == prop {
			out = append(out, v)
		}
	}
	return out
}

func TestCheckIdle(t *testing.T) {
	sc := checkScenario(t, "")
	lim := DefaultLimits()
	grounded := func(ts time.Duration, id int) DroneTruth {
		return DroneTruth{ID: id, Profile: sim.ProfileHeavy, BatteryPct: 100}
	}
	low := func(time.Duration) float64 { return 0.3 }
	// Both on the ground, one relief allowed: the other could add coverage.
	if vs := only(Check(sc, checkReport(low, grounded), lim), PropIdle); len(vs) != 1 || vs[0].AtS != 60 {
		t.Errorf("two idle drones, one relief: %v", vs)
	}
	// One flying, the other its relief.
	oneUp := func(ts time.Duration, id int) DroneTruth {
		if id == 1 {
			return flying(ts, id)
		}
		return grounded(ts, id)
	}
	if vs := only(Check(sc, checkReport(low, oneUp), lim), PropIdle); len(vs) != 0 {
		t.Errorf("one up, one relief: %v", vs)
	}
	// Coverage at the bound: nothing left to serve.
	if vs := only(Check(sc, checkReport(func(time.Duration) float64 { return 0.79 }, grounded), lim), PropIdle); len(vs) != 0 {
		t.Errorf("at the bound: %v", vs)
	}
	// Faulty or flat drones are not idle; nor a short wait.
	faulty := func(ts time.Duration, id int) DroneTruth {
		d := grounded(ts, id)
		if id == 1 || ts < 55*time.Minute {
			d.Faults = []sim.FaultKind{sim.FaultMotor}
		}
		return d
	}
	if vs := only(Check(sc, checkReport(low, faulty), lim), PropIdle); len(vs) != 0 {
		t.Errorf("faulty drones: %v", vs)
	}
	// A drone the controller took out of service (down in the field after
	// a repaired motor fault) waits for the crew, not idle.
	outOfService := func(ts time.Duration, id int) DroneTruth {
		d := grounded(ts, id)
		d.State = fleet.DroneFailed
		return d
	}
	if vs := only(Check(sc, checkReport(low, outOfService), lim), PropIdle); len(vs) != 0 {
		t.Errorf("drones out of service: %v", vs)
	}
}

func TestCheckCommands(t *testing.T) {
	sc := checkScenario(t, "")
	rep := checkReport(func(time.Duration) float64 { return 0.8 }, flying)
	if vs := only(Check(sc, rep, DefaultLimits()), PropCommands); len(vs) != 0 {
		t.Errorf("quiet fleet: %v", vs)
	}
	rep.CommandsByDrone[2], rep.CommandsPerDroneHour = 500, 255
	vs := only(Check(sc, rep, DefaultLimits()), PropCommands)
	if len(vs) != 2 || vs[0].Drone != 0 || vs[1].Drone != 2 {
		t.Errorf("storm on drone 2: %v", vs)
	}
}

func TestCheckAnswered(t *testing.T) {
	sc := checkScenario(t, "faults: [{at: 10m, sysid: 1, kind: motor}, {at: 20m, kind: packet-loss, percent: 30}]\n")
	ev := func(at time.Duration, kind fleet.EventKind, drone int, sev fleet.Severity) fleet.Event {
		return fleet.Event{Time: epoch.Add(at), Kind: kind, Drone: drone, Severity: sev}
	}
	for _, c := range []struct {
		name   string
		events []fleet.Event
		want   int
	}{
		{"alerted", []fleet.Event{ev(11*time.Minute, fleet.EventDroneFailing, 1, fleet.Warning)}, 0},
		{"noticed and replanned", []fleet.Event{ev(11*time.Minute, fleet.EventDroneLanded, 1, fleet.Info), ev(12*time.Minute, fleet.EventPlanReplanned, 0, fleet.Info)}, 0},
		{"noticed only", []fleet.Event{ev(11*time.Minute, fleet.EventDroneLanded, 1, fleet.Info)}, 1},
		{"too late", []fleet.Event{ev(16*time.Minute, fleet.EventDroneFailing, 1, fleet.Warning)}, 1},
		{"another drone", []fleet.Event{ev(11*time.Minute, fleet.EventDroneFailing, 2, fleet.Warning)}, 1},
	} {
		rep := checkReport(func(time.Duration) float64 { return 0.8 }, flying)
		rep.Events = c.events
		if vs := only(Check(sc, rep, DefaultLimits()), PropAnswered); len(vs) != c.want {
			t.Errorf("%s: %v, want %d violation(s)", c.name, vs, c.want)
		}
	}
	// A fault in the run's last minutes cannot be judged.
	late := checkScenario(t, "faults: [{at: 58m, sysid: 1, kind: motor}]\n")
	if vs := only(Check(late, checkReport(func(time.Duration) float64 { return 0.8 }, flying), DefaultLimits()), PropAnswered); len(vs) != 0 {
		t.Errorf("a fault two minutes before the end: %v", vs)
	}
}

func TestCheckNearBound(t *testing.T) {
	lim := DefaultLimits()
	ramp := func(ts time.Duration) float64 { return min(0.8, ts.Minutes()/10) }
	if vs := only(Check(checkScenario(t, ""), checkReport(ramp, flying), lim), PropNearBound); len(vs) != 0 {
		t.Errorf("at the bound after the ramp: %v", vs)
	}
	half := func(time.Duration) float64 { return 0.4 }
	if vs := only(Check(checkScenario(t, ""), checkReport(half, flying), lim), PropNearBound); len(vs) != 1 {
		t.Errorf("half the bound: %v", vs)
	}
	// The second network is not held to its own bound: each network's
	// bound takes the whole fleet.
	both := checkReport(ramp, flying)
	both.Networks = []fleet.Network{fleet.Public, fleet.Private}
	both.Bound.Coverage[fleet.Private] = 0.8
	for i := range both.Series {
		both.Series[i].Coverage[fleet.Private] = 0.1
	}
	if vs := only(Check(checkScenario(t, ""), both, lim), PropNearBound); len(vs) != 0 {
		t.Errorf("private under its own bound while public holds: %v", vs)
	}
	// A fault that removes capacity: not checked.
	withFault := checkScenario(t, "faults: [{at: 10m, sysid: 1, kind: gps}]\n")
	if vs := only(Check(withFault, checkReport(half, flying), lim), PropNearBound); len(vs) != 0 {
		t.Errorf("with a GPS fault: %v", vs)
	}
}
