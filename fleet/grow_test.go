package fleet

import (
	"testing"

	"github.com/aerocell/aerocell/mavlink"
)

// A plan that lost every station of an airframe grows one back when a
// drone of it is free again: the station's radio plan comes from the
// airframe, not from a station of it in the plan (there is none left).
// Before, the returning drone stayed on the ground for the rest of the run
// (gen-s1-04: the last heavy's station dropped, its relief charged and
// idle while public coverage sat at 0.75 of a 0.98 bound).
func TestAirframeGrownBackWithNoStationLeft(t *testing.T) {
	r := newFakeRig(t, 2, Config{})
	// drone 1 a fixed-wing relay, drone 2 a heavy multirotor
	r.radio.set(mavlink.VehicleID{SysID: 1, CompID: 1}, func(t *mavlink.Telemetry) { t.Profile = 2 })
	r.radio.set(mavlink.VehicleID{SysID: 2, CompID: 1}, func(t *mavlink.Telemetry) { t.Profile = 1 })
	r.tick(2)
	s := r.deploy(25)
	fixedWing := 0
	for _, st := range s.Plan.Stations {
		if st.Profile == "fixed-wing-relay" {
			fixedWing++
		}
	}
	if fixedWing != 1 || len(s.Plan.Stations) < 2 {
		t.Fatalf("plan %+v: want one fixed-wing station beside the heavy's", s.Plan.Stations)
	}
	victim := mavlink.VehicleID{SysID: 1, CompID: 1}
	r.radio.set(victim, func(t *mavlink.Telemetry) { t.Lost = true })
	r.radio.events <- &mavlink.EventLost{Vehicle: victim}
	r.until("the fixed wing's station dropped", func(s Snapshot) bool {
		for _, st := range s.Plan.Stations {
			if st.Profile == "fixed-wing-relay" {
				return false
			}
		}
		return true
	})
	r.radio.set(victim, func(t *mavlink.Telemetry) {
		t.Lost, t.Armed, t.AltRel, t.LandedState, t.BatteryPct = false, false, 0, 1, 100
		t.PublicCell, t.PrivateCell = mavlink.CellOff, mavlink.CellOff
	})
	r.radio.events <- &mavlink.EventRegained{Vehicle: victim}
	s = r.until("the fixed wing back on a station", func(s Snapshot) bool {
		return s.Drones[0].State == DroneOnStation
	})
	for _, st := range s.Plan.Stations {
		if st.Drone == 1 && (st.Profile != "fixed-wing-relay" || st.AltM <= 0 || st.RadiusM[Public] <= 0) {
			t.Fatalf("grown station %+v: want a fixed-wing station with its cell and altitude", st)
		}
	}
}

// Drones that join after the deployment (heard late, their airframe
// declared late, or back from a link lost before the plan was made) get a
// station when their airframe's drones can keep one more served (Posts)
// and the plan is short of its target; before, only a plan shrunk by
// losses grew, and late drones stayed on the ground for the whole run
// (gen-s1-09: four heavies idle, public 0.14 of a 0.62 bound). A heavy's
// post over its launch point costs about 1.4 drones (37 minutes on
// station, 10 for the swap, transit and margin): four keep three served,
// the fourth their relief, and no more are grown.
func TestLateDronesGetAStation(t *testing.T) {
	r := newFakeRig(t, 4, Config{})
	for id := uint8(3); id <= 4; id++ {
		late := mavlink.VehicleID{SysID: id, CompID: 1}
		r.radio.set(late, func(t *mavlink.Telemetry) { t.Lost = true })
		r.radio.events <- &mavlink.EventLost{Vehicle: late}
	}
	r.tick(2)
	s := r.deploy(25)
	before := len(s.Plan.Stations)
	for id := uint8(3); id <= 4; id++ {
		late := mavlink.VehicleID{SysID: id, CompID: 1}
		r.radio.set(late, func(t *mavlink.Telemetry) { t.Lost = false })
		r.radio.events <- &mavlink.EventRegained{Vehicle: late}
	}
	s = r.until("a late drone on a new station", func(s Snapshot) bool {
		return len(s.Plan.Stations) > before && (s.Drones[2].State == DroneOnStation || s.Drones[3].State == DroneOnStation)
	})
	r.tick(60)
	if s = r.ctl.Snapshot(); len(s.Plan.Stations) != 3 || before >= 3 {
		t.Fatalf("%d stations for two heavies, %d for four a minute after the late ones joined: want fewer, then 3",
			before, len(s.Plan.Stations))
	}
}
