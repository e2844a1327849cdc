package fleet

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/aerocell/aerocell/sim"
)

func cosDeg(d float64) float64 { return math.Cos(d * math.Pi / 180) }

var base = sim.LatLonAlt{Lat: 35.68, Lon: 102.80, Alt: 2000}

func heavyAt(id int, home sim.LatLonAlt) sim.DroneConfig {
	home.Lat += float64(id) * 0.0002
	return sim.DroneConfig{SysID: uint8(id), Profile: sim.ProfileHeavy, Home: home}
}

func TestDeployHoldsCoverage(t *testing.T) {
	var drones []sim.DroneConfig
	for i := 1; i <= 4; i++ {
		drones = append(drones, heavyAt(i, base))
	}
	r := newRig(t, rigOptions{speed: 40, drones: drones})
	r.waitFor("4 drones heard", 30*time.Second, func(s Snapshot) bool { return len(s.Drones) == 4 })
	ctx := context.Background()
	if _, err := r.ctl.CreateIncident(ctx, IncidentSpec{Name: "test", Area: square(base.Lat, base.Lon, 5)}); err != nil {
		t.Fatal(err)
	}
	if err := r.ctl.Deploy(ctx); err != nil {
		t.Fatal(err)
	}
	s := r.waitFor("incident holding", 20*time.Minute, func(s Snapshot) bool {
		return s.Incident != nil && s.Incident.State == IncidentHolding
	})
	if len(s.Plan.Stations) == 0 {
		t.Fatal("no stations")
	}
	s = r.waitFor("live coverage measured", time.Minute, func(s Snapshot) bool {
		return s.Coverage.Fraction[Public] >= s.Plan.Coverage[Public]-0.02
	})
	t.Logf("stations %d, planned %.3f, live public %.3f private %.3f", len(s.Plan.Stations), s.Plan.Coverage[Public], s.Coverage.Fraction[Public], s.Coverage.Fraction[Private])
	for _, st := range s.Plan.Stations {
		if st.Drone == 0 {
			t.Errorf("station %s has no drone", st.ID)
		}
	}
}
