package fleet

import (
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
