package sim_test

import (
	"context"
	"fmt"
	"time"

	"github.com/bluenviron/gomavlib/v3"

	"github.com/aerocell/aerocell/clock"
	"github.com/aerocell/aerocell/sim"
)

// A tethered drone waits on the ground, on ground power, for a ground
// station at 127.0.0.1:14550. The manual clock keeps it still until a test
// advances it.
func Example() {
	clk := clock.NewManual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	fleet, err := sim.Start(context.Background(), sim.Config{
		Drones: []sim.DroneConfig{{
			SysID: 1, Profile: sim.ProfileTethered,
			Home: sim.LatLonAlt{Lat: 45.4642, Lon: 9.19, Alt: 120},
		}},
		Endpoints: []gomavlib.EndpointConf{gomavlib.EndpointUDPClient{Address: "127.0.0.1:14550"}},
		Clock:     clk,
		Seed:      1,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() {
		if err := fleet.Close(context.Background()); err != nil {
			fmt.Println(err)
		}
	}()
	st := fleet.Drone(1).State()
	pub, _ := st.Cell(sim.Public)
	fmt.Println(st.Profile, st.Mode.Name, st.Landed, st.TetherM, st.GroundPower, pub.Band, pub.State)
	// Output: tethered-multirotor STABILIZE on-ground 150 true B20 off
}
