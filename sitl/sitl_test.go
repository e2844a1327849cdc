package sitl

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/aerocell/aerocell/fleet"
)

func load(t *testing.T, name string) *Scenario {
	t.Helper()
	sc, err := LoadScenario(filepath.Join("..", "examples", "sitl", name))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func TestMixedFleetReachesPlan(t *testing.T) {
	sc := load(t, "quake-mixed.yaml")
	out := t.TempDir()
	rep, err := Run(context.Background(), sc, Options{Out: out})
	if os.Getenv("SITL_KEEP") != "" {
		out2 := os.Getenv("SITL_KEEP")
		os.MkdirAll(out2, 0o755)
		rep.write(out2)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range rep.Networks {
		if rep.TimeToPlanS[n] < 0 {
			t.Errorf("%s coverage never reached the plan", n)
		}
	}
	if rep.DeployedS <= 0 || rep.DeployedS > sc.Duration.Seconds() {
		t.Fatalf("first full deployment at %v s", rep.DeployedS)
	}
	last := rep.Series[len(rep.Series)-1]
	t.Logf("deployed after %.0f s; stations %d; coverage %v planned %v", rep.DeployedS, rep.Stations, last.Coverage, last.Planned)
	if last.Coverage[fleet.Public] < last.Planned[fleet.Public]-0.01 {
		t.Errorf("public coverage %.3f at the end, planned %.3f", last.Coverage[fleet.Public], last.Planned[fleet.Public])
	}
	for _, f := range []string{"report.json", "coverage.svg", "coverage.png", "tracks.geojson"} {
		fi, err := os.Stat(filepath.Join(out, f))
		if err != nil || fi.Size() == 0 {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	var back Report
	b, _ := os.ReadFile(filepath.Join(out, "report.json"))
	if err := json.Unmarshal(b, &back); err != nil || back.DeployedS != rep.DeployedS {
		t.Errorf("report.json does not read back: %v", err)
	}
}

// Six hours of battery rotation: coverage never falls below the plan minus
// one station's share, coverage-hours reach 98% of the plan, and every
// station is relieved at least three times.
func TestSixHourRotation(t *testing.T) {
	if testing.Short() {
		t.Skip("six hours of flight")
	}
	sc := load(t, "rotation-6h.yaml")
	out := t.TempDir()
	rep, err := Run(context.Background(), sc, Options{Out: out})
	if os.Getenv("SITL_KEEP") != "" && rep != nil {
		rep.write(os.Getenv("SITL_KEEP"))
	}
	if err != nil {
		t.Fatal(err)
	}
	if rep.DeployedS < 0 {
		t.Fatal("never fully deployed")
	}
	// A station turns over when a relief takes it, or when its holder must
	// leave before a relief can be there (a gap the next drone back fills:
	// six drones keep four stations only with such gaps now and then).
	perStation, gaps := map[string]int{}, 0
	for _, e := range rep.Events {
		switch e.Kind {
		case fleet.EventRotationCompleted:
			perStation[e.Station]++
		case "drone.home":
			perStation[e.Station]++
			gaps++
		}
	}
	t.Logf("stations %d, deployed at %.0f s, turnovers %v (%d with a gap), lowest %v (planned %v), coverage-hours ratio to the current plan %v, wall %.0f s",
		rep.Stations, rep.DeployedS, perStation, gaps, rep.Lowest, rep.LowestPlanned, rep.CurrentPlanRatio, rep.WallSeconds)
	if rep.Stations == 0 {
		t.Fatal("no station")
	}
	for _, n := range rep.Networks {
		planned := rep.LowestPlanned[n]
		share := planned / float64(rep.Stations)
		if rep.Lowest[n] < planned-share-1e-9 {
			t.Errorf("%s coverage fell to %.3f; plan %.3f minus one station's share %.3f", n, rep.Lowest[n], planned, share)
		}
		if rep.CurrentPlanRatio[n] < 0.98 {
			t.Errorf("%s coverage-hours %.3f of plan, want at least 0.98", n, rep.CurrentPlanRatio[n])
		}
	}
	for i := 1; i <= rep.Stations; i++ {
		id := fmt.Sprintf("S%d", i)
		if perStation[id] < 3 {
			t.Errorf("station %s turned over %d times in six hours, want at least 3", id, perStation[id])
		}
	}
}

// The bad afternoon: each fault has its effect and the fleet its answer,
// and the daemon's restart changes nothing in the air.
func TestFaultsScenario(t *testing.T) {
	if testing.Short() {
		t.Skip("ninety minutes of flight")
	}
	sc := load(t, "quake-faults.yaml")
	rep, err := Run(context.Background(), sc, Options{Out: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	find := func(kind fleet.EventKind, drone int) *fleet.Event {
		for i, e := range rep.Events {
			if e.Kind == kind && (drone == 0 || e.Drone == drone) {
				return &rep.Events[i]
			}
		}
		return nil
	}
	for _, c := range []struct {
		kind  fleet.EventKind
		drone int
	}{{fleet.EventDroneFailing, 7}, {fleet.EventDroneFailsafe, 1}, {fleet.EventDroneLost, 3}, {fleet.EventDroneRegained, 3}} {
		e := find(c.kind, c.drone)
		if e == nil {
			t.Errorf("no %s event for drone %d", c.kind, c.drone)
			continue
		}
		if c.kind != fleet.EventDroneRegained && e.Reason == "" {
			t.Errorf("%s for drone %d without a reason", c.kind, c.drone)
		}
	}
	// The tethered drone that lost ground power was replaced by the spare
	// at its site; the one whose link dropped kept serving on ground power
	// and kept its station through the drop (a lost link is not a lost
	// station), so its site's spare stayed on the ground.
	replaced := map[int]bool{}
	for _, e := range rep.Events {
		if e.Kind == fleet.EventDroneAssigned && e.Reason == "station empty" && (e.Drone == 2 || e.Drone == 4) {
			replaced[e.Drone] = true
		}
		if e.Kind == "station.released" && e.Drone == 3 {
			t.Errorf("drone 3 gave up its station during its link drop: %s (%s)", e.Text, e.Reason)
		}
	}
	if !replaced[2] || replaced[4] {
		t.Errorf("spares sent: %v, want drone 2 only", replaced)
	}
	if len(rep.Restarts) != 1 {
		t.Fatalf("restarts %v", rep.Restarts)
	}
	at := rep.Restarts[0].AtS
	for _, e := range rep.Events[rep.Restarts[0].EventsBefore:] {
		if e.Kind == fleet.EventDroneAssigned || e.Kind == fleet.EventDroneHome || e.Kind == fleet.EventStationReleased {
			t.Errorf("after the restart at %.0f s: %s %s", at, e.Kind, e.Text)
		}
	}
	for _, s := range rep.Series {
		if s.T.Seconds() >= at && s.Coverage[fleet.Public] < s.Planned[fleet.Public]*0.9 {
			t.Errorf("public coverage %.3f at %.0f s after the restart, plan %.3f", s.Coverage[fleet.Public], s.T.Seconds(), s.Planned[fleet.Public])
			break
		}
	}
}
