package sitl

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// propertyHorizon and propertySpeed keep the property runs short: the
// first 45 minutes of flight of each scenario at 300 times real time.
const (
	propertyHorizon = 45 * time.Minute
	propertySpeed   = 300
)

// enforced are the properties TestProperties fails on (issue 10). Seen
// on main (6236b05) with this sample, before any was enforced:
//   - PropCommands: 40 to 1,300 commands per drone-hour over the fleet,
//     up to 2,800 for one drone (limits 30 and 60);
//   - PropIdle: rotation-6h keeps four heavies on the ground with one
//     relief allowed while private coverage is 0.82; gen-s1-01 launches
//     nothing for 23 minutes (tethered, heavy and fixed wing ready);
//   - PropNearBound: private coverage 0.03 of a 0.045 bound
//     (quake-mixed), 0.19 of 0.29 (gen-s1-02), 0.84 of 1.0 (rotation-6h);
//   - PropAnswered: held in two runs, then under -race on a loaded machine
//     drone 7's motor fault (quake-faults) and drone 5's GPS fault
//     (gen-s1-04) went unnoticed for 5 minutes; in gen-s1-03's full two
//     hours a battery and a GPS fault on the fixed wing go unnoticed.
//
// None held on main reliably then. Since the quiet link (issue 10 item 5)
// the fleets receive 2 to 25 commands per drone-hour over whole runs and
// up to 30 in the first 45 minutes, deployment included (measured under
// a machine load of 2 to 12), against 107 to 1,525 before; the command
// storm is enforced (limit 45); the others are logged until they hold. The bound itself (the
// mean never above it) is enforced.
//
// Since session 3 every failure in the sample is answered (a lost GPS fix
// by drone.no_fix, an autopilot's emergency by drone.failing at once, a
// failing battery by its reserve warning), so PropAnswered is enforced
// too.
//
// Since the cont10 branch the idle-drone and near-bound properties are enforced
// as well, with the limits unchanged. Their breaches in the generated
// family (seed 1, 20 scenarios run whole with --check on main at
// db27860: 22 idle spells in 13 runs, 2 runs under the bound, and one run
// that failed to deploy; 1 idle spell in rotation-6h; after: none) had
// two kinds of cause. The check
// disagreed with the controller: the bound gave an airframe the stations
// a run's single sorties could keep up (rounded up), where the controller
// holds as many as a rotation keeps served (both now count with
// fleet.Hold); it counted tethered drones whose site cannot reach the
// area or whose tether cannot hold in the wind, drones beyond those the
// target needs, and cells above the airframe's station band. And the
// controller was wrong: a drone heard or declared after the deployment
// was never planned, a plan that lost every station of an airframe never
// grew one back, battery stations were placed at the very edge of what
// they can hold (2 minutes on station per sortie), and a post reached in
// the take-off climb fought its drone's battery failsafe.
var enforced = map[string]bool{PropCommands: true, PropAnswered: true, PropIdle: true, PropNearBound: true}

// shorten returns the scenario cut to its first d of flight: faults and
// restarts after it are dropped.
func shorten(t *testing.T, sc *Scenario, d time.Duration) *Scenario {
	t.Helper()
	s := *sc
	if s.Duration > d {
		s.Duration = d
	}
	s.Faults, s.Restarts = nil, nil
	for _, f := range sc.Faults {
		if f.At <= s.Duration {
			s.Faults = append(s.Faults, f)
		}
	}
	for _, r := range sc.Restarts {
		if r < s.Duration {
			s.Restarts = append(s.Restarts, r)
		}
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	return &s
}

// The shipped scenarios and a sample of the generated family, each run for
// a short horizon, checked against the properties of issue 10.
func TestProperties(t *testing.T) {
	var scs []*Scenario
	for _, name := range []string{"quake-mixed.yaml", "quake-faults.yaml", "rotation-6h.yaml"} {
		scs = append(scs, load(t, name))
	}
	paths, err := Generate(t.TempDir(), 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		sc, err := LoadScenario(p)
		if err != nil {
			t.Fatal(err)
		}
		scs = append(scs, sc)
	}
	for _, full := range scs {
		sc := shorten(t, full, propertyHorizon)
		t.Run(sc.Name, func(t *testing.T) {
			rep, err := Run(context.Background(), sc, Options{Out: filepath.Join(t.TempDir(), "out"), Speed: propertySpeed})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("mean %s, bound %s (stations %v), first coverage %v, plan %v, %.1f commands per drone-hour",
				fmtNets(rep.Mean, rep.Networks), fmtNets(rep.Bound.Coverage, rep.Networks), rep.Bound.Stations,
				rep.FirstCoverageS, rep.TimeToPlanS, rep.CommandsPerDroneHour)
			for _, v := range Check(sc, rep, DefaultLimits()) {
				if enforced[v.Property] {
					t.Errorf("%v", v)
				} else {
					t.Logf("not yet enforced: %v", v)
				}
			}
			for _, n := range rep.Networks {
				if rep.Mean[n] > rep.Bound.Coverage[n]+1e-9 {
					t.Errorf("%s: mean coverage %.3f above the upper bound %.3f", n, rep.Mean[n], rep.Bound.Coverage[n])
				}
			}
		})
	}
}
