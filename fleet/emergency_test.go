package fleet

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aerocell/aerocell/sim"
)

// A motor fails on a heavy holding its station: its autopilot says so
// (EMERGENCY) and starts a forced landing. The controller takes it out of
// service on that report, within seconds, rather than once it has sunk to
// 70% of its height (before emergency.go the drone.failing event came
// from the sinking check alone, and never for a drone already heading
// home).
func TestEmergencyReportFailsDrone(t *testing.T) {
	drones := []sim.DroneConfig{heavyAt(1, base), heavyAt(2, base)}
	r, s := deployed(t, rigOptions{speed: 40, drones: drones}, 4)
	victim := holderOf(s, s.Plan.Stations[0].ID)
	at := r.clk.Now()
	if err := r.fleet.Drone(uint8(victim)).Inject(sim.Fault{Kind: sim.FaultMotor}); err != nil {
		t.Fatal(err)
	}
	r.waitFor("the drone out of service", time.Minute, func(s Snapshot) bool {
		return s.Drones[victim-1].State == DroneFailed
	})
	e := hasEvent(t, r, EventDroneFailing, victim)
	if !strings.HasPrefix(e.Reason, "autopilot emergency: ") || e.Severity != Critical {
		t.Errorf("failing event %+v, want the autopilot's emergency", e)
	}
	if d := e.Time.Sub(at); d > 10*time.Second {
		t.Errorf("emergency acted on %v after the fault", d)
	}
	rel := hasEvent(t, r, EventStationReleased, victim)
	if rel.Station != s.Plan.Stations[0].ID {
		t.Errorf("released %+v", rel)
	}
}

// A motor fails on a drone still on the ground (a spare, or one armed for
// its launch): the report is not dropped because the drone is not in the
// air. The drone is out of service with a critical event, and a deploy
// after it flies the other drone, not the failed one.
func TestEmergencyOnTheGround(t *testing.T) {
	drones := []sim.DroneConfig{heavyAt(1, base), heavyAt(2, base)}
	r := newRig(t, rigOptions{speed: 40, drones: drones})
	r.waitFor("located", 30*time.Second, func(s Snapshot) bool { return s.Located() == 2 })
	if err := r.fleet.Drone(1).Inject(sim.Fault{Kind: sim.FaultMotor}); err != nil {
		t.Fatal(err)
	}
	r.waitFor("the drone out of service", time.Minute, func(s Snapshot) bool {
		return s.Drones[0].State == DroneFailed
	})
	e := hasEvent(t, r, EventDroneFailing, 1)
	if e.Severity != Critical || !strings.Contains(e.Text, "on the ground") {
		t.Errorf("failing event %+v, want a critical one saying the drone is on the ground", e)
	}
	ctx := context.Background()
	if _, err := r.ctl.CreateIncident(ctx, IncidentSpec{Name: "ground", Area: square(base.Lat, base.Lon, 3)}); err != nil {
		t.Fatal(err)
	}
	if err := r.ctl.Deploy(ctx); err != nil {
		t.Fatal(err)
	}
	r.waitFor("the healthy drone on station", 10*time.Minute, func(s Snapshot) bool {
		return s.Drones[1].State == DroneOnStation
	})
	if s := r.ctl.Snapshot(); s.Drones[0].State != DroneFailed || r.fleet.Snapshot().Drones[1].Flying() {
		t.Errorf("the failed drone: state %s, flying %v", s.Drones[0].State, r.fleet.Snapshot().Drones[1].Flying())
	}
}
