package fleet

import (
	"testing"
	"time"

	"github.com/aerocell/aerocell/airframe"
	"github.com/aerocell/aerocell/sim"
)

// A fixed wing on station loses its GPS fix for four minutes: its autopilot
// glides on in FBWA and refuses position commands. The controller must not
// take it out of service for those refusals (before fix.go it was failed
// after four, then "unresponsive" after three RTLs, and drifted for good
// once its fix was back); it gives the station up while the fix is lost and
// puts the drone back on a station once the fix returns.
func TestGPSLossIsNotAFailure(t *testing.T) {
	fw := sim.DroneConfig{SysID: 1, Profile: airframe.FixedWing, Home: base}
	r, s := deployed(t, rigOptions{speed: 60, drones: []sim.DroneConfig{fw}}, 20)
	if len(s.Plan.Stations) != 1 || holderOf(s, s.Plan.Stations[0].ID) != 1 {
		t.Fatalf("plan %+v: want the fixed wing on one station", s.Plan.Stations)
	}
	if err := r.fleet.Drone(1).Inject(sim.Fault{Kind: sim.FaultGPS, Duration: 4 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	r.waitFor("station given up while the fix is lost", 2*time.Minute, func(s Snapshot) bool {
		return holderOf(s, s.Plan.Stations[0].ID) == 0
	})
	hasEvent(t, r, EventDroneNoFix, 1)
	s = r.waitFor("back on station with its fix", 20*time.Minute, func(s Snapshot) bool {
		return len(s.Plan.Stations) > 0 && holderOf(s, s.Plan.Stations[0].ID) == 1 && s.Drones[0].State == DroneOnStation
	})
	hasEvent(t, r, EventDroneFixBack, 1)
	evs, err := r.ctl.Events(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if e.Drone == 1 && (e.Kind == EventDroneFailed || e.Kind == EventDroneUnresponsive) {
			t.Errorf("GPS loss taken for a failure: %s %q (%s)", e.Kind, e.Text, e.Reason)
		}
	}
	if s.Drones[0].State == DroneFailed {
		t.Errorf("drone 1 still failed")
	}
}

// A heavy multirotor whose fix is lost for good lands by its EKF failsafe
// where it is. The controller sends it nothing meanwhile (every position
// command would be refused), and once it is down it is out of service for
// the crew to fetch, not relaunched from the field.
func TestGPSLossLandsCopterOutOfService(t *testing.T) {
	drones := []sim.DroneConfig{heavyAt(1, base), heavyAt(2, base)}
	r, s := deployed(t, rigOptions{speed: 40, drones: drones}, 4)
	victim := holderOf(s, s.Plan.Stations[0].ID)
	if victim == 0 {
		t.Fatalf("no holder: %+v", s.Plan.Stations)
	}
	if err := r.fleet.Drone(uint8(victim)).Inject(sim.Fault{Kind: sim.FaultGPS}); err != nil {
		t.Fatal(err)
	}
	noFix := r.waitFor("fix loss noticed", time.Minute, func(s Snapshot) bool {
		for _, d := range s.Drones {
			if d.ID == victim {
				return d.State == DroneFailed || holderOf(s, s.Plan.Stations[0].ID) != victim
			}
		}
		return false
	})
	sent := noFix.Drones[victim-1].Commands
	s = r.waitFor("down and out of service", 10*time.Minute, func(s Snapshot) bool {
		return s.Drones[victim-1].State == DroneFailed
	})
	down := hasEvent(t, r, EventDroneDown, victim)
	if down.Reason != "landed without a GPS fix" {
		t.Errorf("down event %+v", down)
	}
	hasEvent(t, r, EventDroneNoFix, victim)
	if got := s.Drones[victim-1].Commands; got > sent+1 {
		t.Errorf("drone %d without a fix was sent %d command sequences", victim, got-sent)
	}
}
