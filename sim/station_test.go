package sim_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/aerocell/aerocell/clock"
	"github.com/aerocell/aerocell/internal/closetest"
	"github.com/aerocell/aerocell/mavlink"
	"github.com/aerocell/aerocell/sim"
)

// aerocell's own link layer flies a task mission against the simulator
// as the fleet will: refusals come back as the station's sentinel errors
// (UNSUPPORTED without the part, DENIED with nothing loaded, a payload
// place refused at upload by a fixed wing), and a drop-spray-survey
// mission uploaded and started through the station is flown to its end.
func TestStationFliesATaskMission(t *testing.T) {
	clk, err := clock.NewScaled(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), 20)
	if err != nil {
		t.Fatal(err)
	}
	st, err := mavlink.Open(mavlink.Config{Endpoints: []string{"udpin:127.0.0.1:0"}, Clock: clk,
		LinkLossTimeout: 30 * time.Second, CommandTimeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	closetest.AtEnd(t, st)
	go func() { // a consumer, as the fleet loop
		for {
			select {
			case <-st.Events():
			case <-st.Done():
				return
			}
		}
	}()
	home := sim.LatLonAlt{Lat: 45.4642, Lon: 9.19, Alt: 120}
	near := func(n float64) sim.LatLonAlt { h := home; h.Lat += n; return h }
	f, err := sim.Start(context.Background(), sim.Config{Clock: clk, Seed: 1,
		Endpoints: []gomavlib.EndpointConf{gomavlib.EndpointUDPClient{Address: st.Addrs()[0].String()}},
		Drones: []sim.DroneConfig{{SysID: 1, Profile: sim.ProfileHeavy, Home: home},
			{SysID: 2, Profile: sim.ProfileTethered, Home: near(0.001)}, {SysID: 9, Profile: sim.ProfileFixedWing, Home: near(0.01)}}})
	if err != nil {
		t.Fatal(err)
	}
	closetest.AtEnd(t, f)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for len(st.Vehicles()) < 3 {
		select {
		case <-ctx.Done():
			t.Fatalf("%d of 3 drones heard", len(st.Vehicles()))
		case <-time.After(10 * time.Millisecond): // polls the station's vehicle list
		}
	}
	heavy, tethered, plane := mavlink.VehicleID{SysID: 1, CompID: 1}, mavlink.VehicleID{SysID: 2, CompID: 1}, mavlink.VehicleID{SysID: 9, CompID: 1}
	release := mavlink.Command{Command: common.MAV_CMD_DO_GRIPPER, Params: [7]float32{1, 0}}
	if _, err := st.Send(ctx, tethered, release); !errors.Is(err, mavlink.ErrUnsupported) {
		t.Fatalf("release on the tethered drone: %v", err)
	}
	if _, err := st.Send(ctx, heavy, release); !errors.Is(err, mavlink.ErrDenied) {
		t.Fatalf("release with nothing loaded: %v", err)
	}
	rel := common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT
	place := []mavlink.MissionItem{{Frame: common.MAV_FRAME_GLOBAL, Command: common.MAV_CMD_NAV_WAYPOINT},
		{Frame: rel, Command: common.MAV_CMD_NAV_PAYLOAD_PLACE, Lat: home.Lat, Lon: home.Lon, Alt: 100}}
	if err := st.UploadMission(ctx, plane, common.MAV_MISSION_TYPE_MISSION, place); !errors.Is(err, mavlink.ErrUnsupported) {
		t.Fatalf("payload place on a fixed wing: %v", err)
	}

	if err := f.Drone(1).Load(5, 2); err != nil {
		t.Fatal(err)
	}
	pLat, pLon := home.Lat+0.0004, home.Lon
	eLat, eLon := pLat, home.Lon+0.001
	items := []mavlink.MissionItem{
		{Frame: common.MAV_FRAME_GLOBAL, Command: common.MAV_CMD_NAV_WAYPOINT, Lat: home.Lat, Lon: home.Lon},
		{Frame: rel, Command: common.MAV_CMD_NAV_TAKEOFF, Alt: 20},
		mavlink.Waypoint(pLat, pLon, 20),
		{Frame: common.MAV_FRAME_MISSION, Command: common.MAV_CMD_DO_WINCH, Param1: 1, Param2: float32(common.WINCH_DELIVER)},
		{Frame: common.MAV_FRAME_MISSION, Command: common.MAV_CMD(216), Param1: 1}, // DO_SPRAYER on
		{Frame: rel, Command: common.MAV_CMD_NAV_LOITER_TIME, Lat: pLat, Lon: pLon, Alt: 20, Param1: 3},
		{Frame: common.MAV_FRAME_MISSION, Command: common.MAV_CMD(216), Param1: 0},
		{Frame: common.MAV_FRAME_MISSION, Command: common.MAV_CMD_DO_SET_CAM_TRIGG_DIST, Param1: 30, Param3: 1},
		mavlink.Waypoint(eLat, eLon, 20),
		{Frame: common.MAV_FRAME_MISSION, Command: common.MAV_CMD_DO_SET_CAM_TRIGG_DIST},
		{Frame: rel, Command: common.MAV_CMD_NAV_RETURN_TO_LAUNCH},
	}
	if err := st.UploadMission(ctx, heavy, common.MAV_MISSION_TYPE_MISSION, items); err != nil {
		t.Fatal(err)
	}
	for _, step := range []func() error{
		func() error { return st.SetMode(ctx, heavy, "GUIDED") },
		func() error { return st.Arm(ctx, heavy) },
		func() error { return st.SetMode(ctx, heavy, "AUTO") },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	s, err := f.WaitFor(ctx, func(s sim.Snapshot) bool { d := s.Drones[1]; return !d.Armed && d.MissionSeq == len(items) })
	if err != nil {
		t.Fatalf("mission: %v; drone %+v", err, s.Drones[1])
	}
	log := f.JobLog()
	sprayed := 0.0
	for _, sp := range log.Sprays {
		sprayed += sp.Litres
	}
	// a shot at once, one every 30 m of the 78 m leg (2.5 s apart at
	// cruise: the camera's 2 s minimum interval does not hold them back)
	if len(log.Drops) != 1 || log.Drops[0].Release != "winch" || sprayed < 0.25 || sprayed > 0.3 || len(log.Photos) != 3 {
		t.Fatalf("drops %+v, %.2f L sprayed, %d photos", log.Drops, sprayed, len(log.Photos))
	}
	if d := s.Drones[1]; d.LoadKg != 0 || math.Abs(d.TankL-(2-sprayed)) > 1e-9 || d.Photos != 3 {
		t.Fatalf("after the mission: %v kg, %v L, %d photos", d.LoadKg, d.TankL, d.Photos)
	}
}
