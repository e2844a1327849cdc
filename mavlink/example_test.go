package mavlink_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aerocell/aerocell/clock"
	"github.com/aerocell/aerocell/mavlink"
	"github.com/aerocell/aerocell/sim"
	"github.com/bluenviron/gomavlib/v3"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

func ExampleParseEndpoint() {
	for _, s := range []string{"udpin:0.0.0.0:14550", "serial:/dev/ttyUSB0:57600", "udp:14550"} {
		e, err := mavlink.ParseEndpoint(s)
		if err != nil {
			fmt.Println(errors.Is(err, mavlink.ErrBadEndpoint), err)
			continue
		}
		fmt.Println(e.Kind, e.Address, e.Baud)
	}
	// Output:
	// udpin 0.0.0.0:14550 0
	// serial /dev/ttyUSB0 57600
	// true mavlink: bad endpoint "udp:14550": unknown kind "udp": want udpin, udpout, tcpin, tcpout, serial or tlog
}

func ExampleModeName() {
	fmt.Println(mavlink.ModeName(common.MAV_AUTOPILOT_ARDUPILOTMEGA, common.MAV_TYPE_HEXAROTOR, 4))
	fmt.Println(mavlink.ModeName(common.MAV_AUTOPILOT_ARDUPILOTMEGA, common.MAV_TYPE_FIXED_WING, 5))
	fmt.Println(mavlink.ModeName(common.MAV_AUTOPILOT_PX4, common.MAV_TYPE_QUADROTOR, 4<<16|5<<24))
	// Output:
	// GUIDED
	// FBWA
	// AUTO.RTL
}

// Open a station, wait for a simulated drone, and order it about: the way
// the fleet controller uses the link layer.
func ExampleOpen() {
	clk, _ := clock.NewScaled(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 10)
	st, err := mavlink.Open(mavlink.Config{
		Endpoints: []string{"udpin:127.0.0.1:0"}, // port 0: learn it from Addrs
		Clock:     clk,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() {
		if err := st.Close(context.Background()); err != nil {
			fmt.Println(err)
		}
	}()

	fleet, err := sim.Start(context.Background(), sim.Config{
		Drones:    []sim.DroneConfig{{SysID: 7, Home: sim.LatLonAlt{Lat: 44.49, Lon: 11.34, Alt: 54}}},
		Endpoints: []gomavlib.EndpointConf{gomavlib.EndpointUDPClient{Address: st.Addrs()[0].String()}},
		Clock:     clk,
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

	var id mavlink.VehicleID
	for ev := range st.Events() {
		if d, ok := ev.(*mavlink.EventDiscovered); ok {
			id = d.Vehicle
			break
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := st.SetMode(ctx, id, "GUIDED"); err != nil {
		fmt.Println(err)
		return
	}
	if err := st.Arm(ctx, id); err != nil {
		fmt.Println(err)
		return
	}
	_, err = st.Send(ctx, id, mavlink.Command{Command: common.MAV_CMD_DO_FLIGHTTERMINATION})
	fmt.Println("discovered", id)
	fmt.Println("armed:", fleet.Drone(7).State().Armed)
	fmt.Println("termination unsupported:", errors.Is(err, mavlink.ErrUnsupported))
	// Output:
	// discovered 7/1
	// armed: true
	// termination unsupported: true
}
