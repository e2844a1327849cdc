package sitl

import (
	"math"
	"testing"

	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/sim"
)

// Drones at a site stand in a row 10 m apart eastwards from it, with the
// site as a tethered drone's ground station; drones with no site stand in
// a row from their home.
func TestSimDronesStandInARow(t *testing.T) {
	home := sim.LatLonAlt{Lat: -33.9, Lon: 151.2, Alt: 20}
	sc := &Scenario{
		Home:        &home,
		LaunchSites: []Site{{Name: "north", Lat: 60.1, Lon: 10.7, Alt: 150, Capacity: 4}},
		Drones: []Drone{
			{SysID: 1, Count: 3, Profile: sim.ProfileTethered, Site: "north"},
			{SysID: 4, Count: 2, Profile: sim.ProfileHeavy},
		},
	}
	ds := sc.simDrones()
	if len(ds) != 5 {
		t.Fatalf("%d drones, want 5", len(ds))
	}
	for i, d := range ds {
		from, k := home, i-3
		if i < 3 {
			from, k = sim.LatLonAlt{Lat: 60.1, Lon: 10.7, Alt: 150}, i
			if d.GroundStation == nil || *d.GroundStation != from {
				t.Errorf("drone %d: ground station %v, want the site", d.SysID, d.GroundStation)
			}
		}
		n, e := coverage.Displacement(from.Lat, from.Lon, d.Home.Lat, d.Home.Lon)
		if math.Abs(n) > 1e-6 || math.Abs(e-float64(k)*10) > 1e-6 || d.Home.Alt != from.Alt {
			t.Errorf("drone %d: %.6f m north, %.6f m east, alt %v; want 0, %d, %v", d.SysID, n, e, d.Home.Alt, k*10, from.Alt)
		}
	}
}
