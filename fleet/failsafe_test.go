package fleet

import (
	"testing"

	"github.com/aerocell/aerocell/mavlink"
)

// A drone whose station is right over its launch point reaches it in the
// take-off climb, with no goto of ours. When its autopilot then takes RTL
// on its own (its battery reserve), the controller lets it go and frees
// the station; before, it took the RTL for a drift and sent the drone
// back to its station, until the battery's critical level landed it where
// it was (gen-s1-03: "left its station in LAND on its own" at 8%).
func TestFailsafeAfterStationReachedInTheClimb(t *testing.T) {
	// Where the plan puts the one station over this area (the same plan
	// for a drone standing anywhere near its middle)...
	first := newFakeRig(t, 1, Config{}).deploy(2).Plan.Stations[0]
	// ...is where the drone stands this time.
	r := newFakeRig(t, 1, Config{})
	id := mavlink.VehicleID{SysID: 1, CompID: 1}
	r.radio.set(id, func(t *mavlink.Telemetry) {
		t.Lat, t.Lon, t.HomeLat, t.HomeLon = first.Lat, first.Lon, first.Lat, first.Lon
	})
	r.tick(2)
	s := r.deploy(2)
	if len(s.Plan.Stations) != 1 || s.Drones[0].State != DroneOnStation {
		t.Fatalf("plan %+v, drone %+v: want the one drone on its station", s.Plan.Stations, s.Drones[0])
	}
	if st := s.Plan.Stations[0]; distanceM(st.Lat, st.Lon, first.Lat, first.Lon) > 25 {
		t.Fatalf("station %+v, want it over the launch point %+v", st, first)
	}
	var mode string
	r.tick(60) // holding a while
	r.radio.set(id, func(t *mavlink.Telemetry) { t.Mode = "RTL" })
	r.until("the failsafe noticed", func(s Snapshot) bool { return s.Drones[0].Station == "" })
	r.tick(10)
	r.radio.set(id, func(t *mavlink.Telemetry) { mode = t.Mode })
	if mode != "RTL" {
		t.Fatalf("mode %q after the autopilot's RTL: the controller overrode its failsafe", mode)
	}
	evs, err := r.ctl.Events(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if e.Kind == EventDroneFailsafe && e.Drone == 1 {
			return
		}
	}
	t.Fatal("no drone.failsafe event")
}
