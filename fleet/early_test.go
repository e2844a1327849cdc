package fleet

import (
	"context"
	"testing"
	"time"

	"github.com/aerocell/aerocell/airframe"
	"github.com/aerocell/aerocell/sim"
)

// A fixed wing climbs for minutes to its 2,000 m station: its cell comes on
// half-way up, over the area, and serves while it climbs (before, it came on
// only on station: first coverage 766 s into gen-s1-13, now 221 s).
func TestCellsServeOnTheClimb(t *testing.T) {
	fw := sim.DroneConfig{SysID: 1, Profile: airframe.FixedWing, Home: base}
	r := newRig(t, rigOptions{speed: 60, drones: []sim.DroneConfig{fw}})
	r.waitFor("located", 30*time.Second, func(s Snapshot) bool { return s.Located() == 1 })
	ctx := context.Background()
	if _, err := r.ctl.CreateIncident(ctx, IncidentSpec{Name: "climb", Area: square(base.Lat, base.Lon, 20)}); err != nil {
		t.Fatal(err)
	}
	if err := r.ctl.Deploy(ctx); err != nil {
		t.Fatal(err)
	}
	s := r.waitFor("public cell on before the station's height", 15*time.Minute, func(s Snapshot) bool {
		d := s.Drones[0]
		return d.Payload[Public].State == "on"
	})
	st := s.Plan.Stations[0]
	d := s.Drones[0]
	if d.State == DroneOnStation || d.AltRel > 0.9*st.AltM {
		t.Fatalf("cell first seen on at %.0f m (%s), station at %.0f m: not on the climb", d.AltRel, d.State, st.AltM)
	}
	if d.AltRel < earlyCellsFrac*st.AltM-50 {
		t.Fatalf("cell on at %.0f m, below half the station's %.0f m", d.AltRel, st.AltM)
	}
	r.waitFor("live coverage while climbing", time.Minute, func(s Snapshot) bool {
		return s.Coverage.Fraction[Public] > 0 && s.Drones[0].State != DroneOnStation
	})
}
