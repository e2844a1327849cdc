package mavlink

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"testing"
	"time"

	"github.com/aerocell/aerocell/clock"
	"github.com/aerocell/aerocell/internal/closetest"
	"github.com/aerocell/aerocell/sim"
	"github.com/bluenviron/gomavlib/v3"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/frame"
)

var simHome = sim.LatLonAlt{Lat: 44.4949, Lon: 11.3426, Alt: 54}

// startSim flies n drones (sysid 1..n) at the station's address; every
// fifth is the fixed-wing relay, every fourth tethered.
func startSim(t testing.TB, clk clock.Clock, addr string, n int, key *frame.V2Key, fixedWing bool) *sim.Fleet {
	t.Helper()
	var drones []sim.DroneConfig
	for i := 1; i <= n; i++ {
		p := sim.ProfileHeavy
		switch {
		case fixedWing && i%5 == 0:
			p = sim.ProfileFixedWing
		case fixedWing && i%4 == 0:
			p = sim.ProfileTethered
		}
		home := simHome
		home.Lat += float64(i) * 0.0005
		drones = append(drones, sim.DroneConfig{SysID: uint8(i), Profile: p, Home: home})
	}
	f, err := sim.Start(context.Background(), sim.Config{
		Drones:     drones,
		Endpoints:  []gomavlib.EndpointConf{gomavlib.EndpointUDPClient{Address: addr}},
		Clock:      clk,
		SigningKey: key,
		Seed:       1,
	})
	if err != nil {
		t.Fatal(err)
	}
	closetest.AtEnd(t, f)
	return f
}

// mismatch compares what the station knows of a drone with the
// simulator's truth; "" when they agree.
func mismatch(v Telemetry, s sim.State) string {
	near := func(a, b, tol float64) bool { return math.Abs(a-b) <= tol }
	var cellPub, cellPrv = CellAbsent, CellAbsent
	if c, ok := s.Cell(sim.Public); ok {
		cellPub = CellState(c.State)
	}
	if c, ok := s.Cell(sim.Private); ok {
		cellPrv = CellState(c.State)
	}
	switch {
	case !near(v.Lat, s.Lat, 1e-6) || !near(v.Lon, s.Lon, 1e-6):
		return fmt.Sprintf("position %v,%v vs %v,%v", v.Lat, v.Lon, s.Lat, s.Lon)
	case !near(v.AltMSL, s.AltMSL, 0.1) || !near(v.AltRel, s.AltRel, 0.1):
		return fmt.Sprintf("altitude %v/%v vs %v/%v", v.AltMSL, v.AltRel, s.AltMSL, s.AltRel)
	case !near(v.VN, s.VN, 0.05) || !near(v.VE, s.VE, 0.05) || !near(v.VD, s.VD, 0.05):
		return fmt.Sprintf("velocity %v,%v,%v vs %v,%v,%v", v.VN, v.VE, v.VD, s.VN, s.VE, s.VD)
	case !near(math.Mod(v.Heading-s.Heading+540, 360)-180, 0, 1):
		return fmt.Sprintf("heading %v vs %v", v.Heading, s.Heading)
	case !near(v.Roll, s.Roll*180/math.Pi, 0.5) || !near(v.Pitch, s.Pitch*180/math.Pi, 0.5) || !near(v.Yaw, s.Yaw*180/math.Pi, 0.5):
		return fmt.Sprintf("attitude %v,%v,%v vs %v,%v,%v rad", v.Roll, v.Pitch, v.Yaw, s.Roll, s.Pitch, s.Yaw)
	case int(v.GPSFix) != s.GPSFix || v.Satellites != s.Sats:
		return fmt.Sprintf("gps %v/%d vs %d/%d", v.GPSFix, v.Satellites, s.GPSFix, s.Sats)
	case !near(float64(v.BatteryPct), s.BatteryPct, 1) || !near(v.BatteryVoltage, s.Voltage, 0.1) || !near(v.BatteryCurrent, s.Current, 0.5):
		return fmt.Sprintf("battery %d%% %vV %vA vs %v%% %vV %vA", v.BatteryPct, v.BatteryVoltage, v.BatteryCurrent, s.BatteryPct, s.Voltage, s.Current)
	case v.Armed != s.Armed || v.Mode != s.Mode.Name || v.CustomMode != s.Mode.Number:
		return fmt.Sprintf("armed %v mode %q(%d) vs %v %q(%d)", v.Armed, v.Mode, v.CustomMode, s.Armed, s.Mode.Name, s.Mode.Number)
	case int(v.LandedState) != int(s.Landed):
		return fmt.Sprintf("landed %v vs %v", v.LandedState, s.Landed)
	case !v.HomeSet || !near(v.HomeLat, s.Home.Lat, 1e-6) || !near(v.HomeLon, s.Home.Lon, 1e-6) || !near(v.HomeAlt, s.Home.Alt, 0.1):
		return fmt.Sprintf("home %v %v,%v,%v vs %+v", v.HomeSet, v.HomeLat, v.HomeLon, v.HomeAlt, s.Home)
	case v.Profile != s.ProfileIndex || v.PublicCell != cellPub || v.PrivateCell != cellPrv:
		return fmt.Sprintf("payload profile %d cells %v/%v vs %d %v/%v", v.Profile, v.PublicCell, v.PrivateCell, s.ProfileIndex, cellPub, cellPrv)
	case s.TimeLeft > 0 && s.TimeLeft < 100*time.Hour && v.BatteryTimeLeft > 0 && !near(v.BatteryTimeLeft.Seconds(), s.TimeLeft.Seconds(), 30):
		return fmt.Sprintf("time left %v vs %v", v.BatteryTimeLeft, s.TimeLeft)
	}
	return ""
}

// TestSimTwentyDrones: 20 simulated drones, on the wall clock, are all
// discovered within 3 s, and every telemetry field comes to match the
// simulator's state.
func TestSimTwentyDrones(t *testing.T) {
	s, addr := openStation(t, clock.Real(), nil)
	f := startSim(t, nil, addr, 20, nil, true)
	start := time.Now() // the fleet is up: its drones heartbeat from now
	for len(s.Vehicles()) < 20 {
		if time.Since(start) > 3*time.Second {
			t.Fatalf("%d of 20 drones discovered in 3 s", len(s.Vehicles()))
		}
		time.Sleep(5 * time.Millisecond)
	}
	for _, d := range f.Drones() {
		id := VehicleID{d.SysID(), 1}
		var last string
		waitFor(t, "telemetry of "+id.String(), 20*time.Second, func() bool {
			v, _ := s.Vehicle(id)
			last = mismatch(v, d.State())
			return last == ""
		})
		if t.Failed() {
			t.Fatalf("%v: %s", id, last)
		}
	}
	for _, v := range s.Vehicles() {
		if v.Type == common.MAV_TYPE_FIXED_WING && v.Mode != "MANUAL" && v.Mode != "FBWA" && v.Mode != "RTL" && v.Mode != "LOITER" {
			t.Errorf("%v: Plane mode %q", v.ID, v.Mode)
		}
	}
}

// flyAll runs one order on every drone at once and fails on any error.
func flyAll(t *testing.T, s *Station, ids []VehicleID, what string, fn func(context.Context, VehicleID) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for id, err := range s.Each(ctx, ids, fn) {
		if err != nil {
			t.Fatalf("%s %v: %v", what, id, err)
		}
	}
}

// TestSimTenDronesFly: arm, take off, go to, RTL and land ten drones at once.
func TestSimTenDronesFly(t *testing.T) {
	clk := scaled(t)
	s, addr := openStation(t, clk, nil)
	f := startSim(t, clk, addr, 10, nil, false)
	var ids []VehicleID
	for i := 1; i <= 10; i++ {
		ids = append(ids, VehicleID{uint8(i), 1})
	}
	waitFor(t, "ten drones", 20*time.Second, func() bool { return len(s.Vehicles()) == 10 })
	ctx := context.Background()
	wait := func(what string, cond func(sim.State) bool) {
		t.Helper()
		wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		_, err := f.WaitFor(wctx, func(sn sim.Snapshot) bool {
			for _, st := range sn.Drones {
				if !cond(st) {
					return false
				}
			}
			return true
		})
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	flyAll(t, s, ids, "guided", func(ctx context.Context, id VehicleID) error { return s.SetMode(ctx, id, "GUIDED") })
	flyAll(t, s, ids, "arm", s.Arm)
	flyAll(t, s, ids, "takeoff", func(ctx context.Context, id VehicleID) error { return s.Takeoff(ctx, id, 30) })
	wait("climb to 30 m", func(st sim.State) bool { return st.AltRel > 29 })
	target := func(id VehicleID) (float64, float64) {
		return simHome.Lat + float64(id.SysID)*0.0005 + 0.001, simHome.Lon + 0.001
	}
	flyAll(t, s, ids, "goto", func(ctx context.Context, id VehicleID) error {
		lat, lon := target(id)
		return s.GoTo(ctx, id, lat, lon, 45)
	})
	wait("positions reached", func(st sim.State) bool {
		lat, lon := target(VehicleID{st.SysID, 1})
		return math.Abs(st.Lat-lat) < 2e-5 && math.Abs(st.Lon-lon) < 2e-5 && math.Abs(st.AltRel-45) < 1
	})
	// the station sees them there too
	for _, id := range ids {
		lat, lon := target(id)
		waitFor(t, "telemetry at target", 20*time.Second, func() bool {
			v, _ := s.Vehicle(id)
			return math.Abs(v.Lat-lat) < 2e-5 && math.Abs(v.Lon-lon) < 2e-5 && v.Mode == "GUIDED" && v.Armed
		})
	}
	flyAll(t, s, ids, "rtl", s.RTL)
	wait("back over home", func(st sim.State) bool {
		return math.Abs(st.Lat-st.Home.Lat) < 3e-5 && math.Abs(st.Lon-st.Home.Lon) < 3e-5 || !st.Armed
	})
	flyAll(t, s, ids, "land", func(ctx context.Context, id VehicleID) error {
		if v, _ := s.Vehicle(id); !v.Armed {
			return nil // RTL already landed it
		}
		return s.Land(ctx, id)
	})
	wait("landed", func(st sim.State) bool { return st.Landed == sim.OnGround })
	for _, v := range s.Vehicles() {
		if v.Quality.Link == "" || v.Lost {
			t.Errorf("%v: link %+v lost %v", v.ID, v.Quality, v.Lost)
		}
	}
}

// TestSimPayloadSwitch: MAV_CMD_USER_1 is answered IN_PROGRESS, then
// ACCEPTED, and BS_PUB comes back on.
func TestSimPayloadSwitch(t *testing.T) {
	clk := scaled(t)
	s, addr := openStation(t, clk, nil)
	f := startSim(t, clk, addr, 1, nil, false)
	id := VehicleID{1, 1}
	waitFor(t, "drone", 20*time.Second, func() bool { v, ok := s.Vehicle(id); return ok && v.PublicCell != CellAbsent })
	if err := s.SetPayload(context.Background(), id, Public, true); err != nil {
		t.Fatal(err)
	}
	if c, _ := f.Drone(1).State().Cell(sim.Public); c.State != sim.CellOn {
		t.Fatalf("sim cell %+v", c)
	}
	waitFor(t, "cell on", 20*time.Second, func() bool { v, _ := s.Vehicle(id); return v.PublicCell == CellOn })
}

// TestSimPacketLoss: 30% loss injected by the simulator on every drone.
func TestSimPacketLoss(t *testing.T) {
	clk := scaled(t)
	s, addr := openStation(t, clk, func(c *Config) {
		c.CommandRetries = 8
		c.MissionRetries = 10
	})
	f := startSim(t, clk, addr, 5, nil, false)
	var ids []VehicleID
	for _, d := range f.Drones() {
		if err := d.Inject(sim.Fault{Kind: sim.FaultPacketLoss, Percent: 30}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, VehicleID{d.SysID(), 1})
	}
	waitFor(t, "drones", 20*time.Second, func() bool { return len(s.Vehicles()) == 5 })
	typed := func(err error) bool {
		for _, e := range []error{ErrDenied, ErrUnsupported, ErrTemporarilyRejected, ErrFailed, ErrTimeout, ErrLinkLost, ErrCancelled} {
			if errors.Is(err, e) {
				return true
			}
		}
		return false
	}
	ctx := context.Background()
	for _, order := range []struct {
		name string
		fn   func(context.Context, VehicleID) error
	}{
		{"guided", func(ctx context.Context, id VehicleID) error { return s.SetMode(ctx, id, "GUIDED") }},
		{"arm", s.Arm},
		{"takeoff", func(ctx context.Context, id VehicleID) error { return s.Takeoff(ctx, id, 20) }},
		{"rtl", s.RTL},
	} {
		// the deadline is on the station clock, through the context
		cctx, cancel := context.WithTimeout(ctx, clk.Wall(2*time.Minute))
		for id, err := range s.Each(cctx, ids, order.fn) {
			if err != nil && !typed(err) {
				t.Errorf("%s %v: untyped %v", order.name, id, err)
			}
		}
		cancel()
	}
	items := []MissionItem{
		{Frame: common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT, Command: common.MAV_CMD_NAV_TAKEOFF, Autocontinue: true, Alt: 20},
		Waypoint(simHome.Lat+0.001, simHome.Lon, 30), Waypoint(simHome.Lat+0.001, simHome.Lon+0.001, 30),
		Waypoint(simHome.Lat, simHome.Lon+0.001, 30),
		{Frame: common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT, Command: common.MAV_CMD_NAV_RETURN_TO_LAUNCH, Autocontinue: true},
	}
	home := MissionItem{Frame: common.MAV_FRAME_GLOBAL, Command: common.MAV_CMD_NAV_WAYPOINT, Lat: simHome.Lat, Lon: simHome.Lon}
	ok := 0
	for _, id := range ids {
		err := s.UploadMission(ctx, id, common.MAV_MISSION_TYPE_MISSION, append([]MissionItem{home}, items...))
		switch {
		case err == nil:
			ok++
			if n := f.Drone(id.SysID).State().MissionCount; n != len(items)+1 {
				t.Errorf("%v: sim holds %d items after upload, want %d", id, n, len(items)+1)
			}
		case !typed(err):
			t.Errorf("upload %v: untyped %v", id, err)
		}
	}
	if ok == 0 {
		t.Fatal("no mission upload completed under 30% loss")
	}
}

// TestSimSigning: a signed fleet is flown; a fleet with another key and an
// unsigned fleet are never discovered, and their frames are counted.
func TestSimSigning(t *testing.T) {
	key, _ := ParseSigningKey("aerocell fleet key")
	other, _ := ParseSigningKey("someone else's key")
	clk := scaled(t)
	s, addr := openStation(t, clk, func(c *Config) { c.SigningKey = key })
	good := startSim(t, clk, addr, 2, key, false)
	_ = good
	bad, err := sim.Start(context.Background(), sim.Config{
		Drones:     []sim.DroneConfig{{SysID: 50, Home: simHome}},
		Endpoints:  []gomavlib.EndpointConf{gomavlib.EndpointUDPClient{Address: addr}},
		Clock:      clk,
		SigningKey: other,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer closetest.Now(t, bad)
	unsigned, err := sim.Start(context.Background(), sim.Config{
		Drones:    []sim.DroneConfig{{SysID: 60, Home: simHome}},
		Endpoints: []gomavlib.EndpointConf{gomavlib.EndpointUDPClient{Address: addr}},
		Clock:     clk,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer closetest.Now(t, unsigned)
	waitFor(t, "signed drones", 20*time.Second, func() bool { return len(s.Vehicles()) == 2 })
	if err := s.SetMode(context.Background(), VehicleID{1, 1}, "GUIDED"); err != nil {
		t.Fatal(err)
	}
	if err := s.Arm(context.Background(), VehicleID{1, 1}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "refused frames", 20*time.Second, func() bool {
		st := s.Stats()
		return st.RxBadSignature > 10 && st.RxUnsigned > 10
	})
	for _, v := range s.Vehicles() {
		if v.ID.SysID != 1 && v.ID.SysID != 2 {
			t.Fatalf("discovered %v", v.ID)
		}
	}
	if err := s.Arm(context.Background(), VehicleID{50, 1}); !errors.Is(err, ErrUnknownVehicle) {
		t.Fatalf("commanded a stranger: %v", err)
	}
	if bad.Drone(50).State().Armed || !good.Drone(1).State().Armed {
		t.Fatal("wrong drones armed")
	}
}

// TestSimRedundantLinks: drones heard on UDP and on TCP at once are one
// vehicle each, with both links listed, and obey over either.
func TestSimRedundantLinks(t *testing.T) {
	clk := scaled(t)
	s, _ := openStation(t, clk, func(c *Config) {
		c.Endpoints = []string{"udpin:127.0.0.1:0", "tcpin:127.0.0.1:0"}
	})
	addrs := s.Addrs()
	f, err := sim.Start(context.Background(), sim.Config{
		Drones: []sim.DroneConfig{{SysID: 1, Home: simHome}, {SysID: 2, Home: simHome}},
		Endpoints: []gomavlib.EndpointConf{
			gomavlib.EndpointUDPClient{Address: addrs[0].String()},
			gomavlib.EndpointTCPClient{Address: addrs[1].String()},
		},
		Clock: clk,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer closetest.Now(t, f)
	waitFor(t, "two links per drone", 20*time.Second, func() bool {
		vs := s.Vehicles()
		return len(vs) == 2 && len(vs[0].Quality.Links) == 2 && len(vs[1].Quality.Links) == 2
	})
	if err := s.SetMode(context.Background(), VehicleID{2, 1}, "GUIDED"); err != nil {
		t.Fatal(err)
	}
	if err := s.Arm(context.Background(), VehicleID{2, 1}); err != nil {
		t.Fatal(err)
	}
	if !f.Drone(2).State().Armed {
		t.Fatal("not armed")
	}
}

// TestSimOverTCPOut: the station dials a fleet that listens (as a
// mavlink-router's TCP server does).
func TestSimOverTCPOut(t *testing.T) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	clk := scaled(t)
	f, err := sim.Start(context.Background(), sim.Config{
		Drones:    []sim.DroneConfig{{SysID: 3, Home: simHome}},
		Endpoints: []gomavlib.EndpointConf{gomavlib.EndpointTCPServer{Address: addr}},
		Clock:     clk,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer closetest.Now(t, f)
	s, _ := openStation(t, clk, func(c *Config) { c.Endpoints = []string{"tcpout:" + addr} })
	waitFor(t, "drone over tcpout", 20*time.Second, func() bool { v, ok := s.Vehicle(VehicleID{3, 1}); return ok && v.Lat != 0 })
	if err := s.SetMode(context.Background(), VehicleID{3, 1}, "GUIDED"); err != nil {
		t.Fatal(err)
	}
	if m := f.Drone(3).State().Mode.Name; m != "GUIDED" {
		t.Fatalf("mode %q", m)
	}
}

// TestSimFixedWingTakeoff: the relay plane takes off in TAKEOFF mode and
// flies to a point in GUIDED, with Plane mode names.
func TestSimFixedWingTakeoff(t *testing.T) {
	clk := scaled(t)
	s, addr := openStation(t, clk, nil)
	f, err := sim.Start(context.Background(), sim.Config{
		Drones:    []sim.DroneConfig{{SysID: 5, Profile: sim.ProfileFixedWing, Home: simHome}},
		Endpoints: []gomavlib.EndpointConf{gomavlib.EndpointUDPClient{Address: addr}},
		Clock:     clk,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer closetest.Now(t, f)
	id := VehicleID{5, 1}
	waitFor(t, "plane", 20*time.Second, func() bool { v, ok := s.Vehicle(id); return ok && v.Type == common.MAV_TYPE_FIXED_WING })
	ctx := context.Background()
	if err := s.Arm(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := s.Takeoff(ctx, id, 120); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if _, err := f.WaitFor(wctx, func(sn sim.Snapshot) bool { return sn.Drones[5].AltRel > 50 }); err != nil {
		t.Fatalf("climb: %v", err)
	}
	if err := s.GoTo(ctx, id, simHome.Lat+0.02, simHome.Lon, 150); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "GUIDED", 20*time.Second, func() bool { v, _ := s.Vehicle(id); return v.Mode == "GUIDED" && v.AltRel > 50 })
}
