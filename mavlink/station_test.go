package mavlink

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/aerocell/aerocell/clock"
	"github.com/aerocell/aerocell/internal/closetest"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

var testEpoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// scaled is the test clock: 25 virtual seconds per wall second.
func scaled(t testing.TB) *clock.Scaled {
	c, err := clock.NewScaled(testEpoch, 25)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// openStation opens a station on an ephemeral loopback udpin port and
// returns it with that address.
func openStation(t testing.TB, clk clock.Clock, edit func(*Config)) (*Station, string) {
	t.Helper()
	// A sped-up clock magnifies a stall of the loaded test machine: 100 ms
	// of starvation is seconds of virtual silence. The tests' timeouts are
	// therefore longer than a field configuration's.
	cfg := Config{Endpoints: []string{"udpin:127.0.0.1:0"}, Clock: clk,
		LinkLossTimeout: 30 * time.Second, CommandTimeout: 3 * time.Second}
	if edit != nil {
		edit(&cfg)
	}
	s, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	closetest.AtEnd(t, s)
	go func() { // a consumer, as the fleet loop will be
		for {
			select {
			case <-s.Events():
			case <-s.Done():
				return
			}
		}
	}()
	if a := s.Addrs()[0]; a != nil {
		return s, a.String()
	}
	return s, ""
}

// waitFor polls cond until it holds or the wall-clock limit passes (a
// generous bound against a hung test, not a speed assertion).
func waitFor(t testing.TB, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s after %v", what, limit)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func waitVehicles(t testing.TB, s *Station, n int) {
	t.Helper()
	waitFor(t, "vehicles", 20*time.Second, func() bool {
		vs := s.Vehicles()
		ok := 0
		for _, v := range vs {
			if v.Lat != 0 && v.BatteryPct >= 0 && !v.Lost {
				ok++
			}
		}
		return ok >= n
	})
}

func TestDiscoversVehiclesWithTelemetry(t *testing.T) {
	clk := scaled(t)
	s, addr := openStation(t, clk, nil)
	var fakes []*fakeVehicle
	for i := 1; i <= 5; i++ {
		fakes = append(fakes, newFake(t, clk, addr, VehicleID{uint8(i), 1}, fakeOpts{home: LatLon{45 + float64(i)/100, 7.5}}))
	}
	waitVehicles(t, s, 5)
	vs := s.Vehicles()
	if len(vs) != 5 {
		t.Fatalf("%d vehicles, want 5: %+v", len(vs), vs)
	}
	for i, v := range vs {
		f := fakes[i]
		if v.ID != f.id {
			t.Fatalf("vehicle %d is %v, want %v", i, v.ID, f.id)
		}
		_, _, lat, lon, _ := f.state()
		if math.Abs(v.Lat-lat) > 1e-6 || math.Abs(v.Lon-lon) > 1e-6 {
			t.Errorf("%v at %v,%v, fake at %v,%v", v.ID, v.Lat, v.Lon, lat, lon)
		}
		if v.Mode != "LOITER" || v.Armed || v.Type != common.MAV_TYPE_QUADROTOR ||
			v.Autopilot != common.MAV_AUTOPILOT_ARDUPILOTMEGA {
			t.Errorf("%v: mode %q armed %v type %v autopilot %v", v.ID, v.Mode, v.Armed, v.Type, v.Autopilot)
		}
		if v.BatteryPct != 87 || v.BatteryVoltage != 15.8 || v.BatteryCurrent != 12.3 {
			t.Errorf("%v battery %d%% %vV %vA", v.ID, v.BatteryPct, v.BatteryVoltage, v.BatteryCurrent)
		}
		if v.GPSFix != common.GPS_FIX_TYPE_3D_FIX || v.Satellites != 14 {
			t.Errorf("%v gps %v/%d", v.ID, v.GPSFix, v.Satellites)
		}
		if v.Heading != 90 || math.Abs(v.Yaw-90) > 1e-3 || v.VN != 1.2 || v.VE != -0.4 {
			t.Errorf("%v heading %v yaw %v v %v,%v", v.ID, v.Heading, v.Yaw, v.VN, v.VE)
		}
		if v.PublicCell != CellOff || v.PrivateCell != CellAbsent || v.Profile != 1 {
			t.Errorf("%v payload pub %v prv %v profile %d", v.ID, v.PublicCell, v.PrivateCell, v.Profile)
		}
		if v.Quality.Link != "udpin:127.0.0.1:0" || v.Quality.Received == 0 {
			t.Errorf("%v link quality %+v", v.ID, v.Quality)
		}
	}
	// the station asked for its streams
	waitFor(t, "message intervals", 20*time.Second, func() bool {
		f := fakes[0]
		f.mu.Lock()
		defer f.mu.Unlock()
		return len(f.intervals) == len(streamMessages)
	})
}

func TestCommandsFlyAFake(t *testing.T) {
	clk := scaled(t)
	s, addr := openStation(t, clk, nil)
	f := newFake(t, clk, addr, VehicleID{7, 1}, fakeOpts{home: LatLon{45, 7}})
	waitVehicles(t, s, 1)
	ctx := context.Background()
	id := f.id
	if err := s.Arm(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := s.Takeoff(ctx, id, 40); err != nil {
		t.Fatal(err)
	}
	if err := s.GoTo(ctx, id, 45.01, 7.02, 60); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "position reached", 20*time.Second, func() bool {
		v, _ := s.Vehicle(id)
		return math.Abs(v.Lat-45.01) < 1e-5 && math.Abs(v.Lon-7.02) < 1e-5 && v.AltRel == 60 && v.Armed && v.Mode == "GUIDED"
	})
	if err := s.ChangeSpeed(ctx, id, 8); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPayload(ctx, id, Public, true); err != nil {
		t.Fatal(err)
	}
	if err := s.RTL(ctx, id); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "RTL", 20*time.Second, func() bool { v, _ := s.Vehicle(id); return v.Mode == "RTL" && v.PublicCell == CellOn })
	if err := s.Land(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := s.Disarm(ctx, id); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "landed, disarmed", 20*time.Second, func() bool { v, _ := s.Vehicle(id); return v.Mode == "LAND" && !v.Armed })
	if err := s.SetMode(ctx, id, "nonsense"); !errors.Is(err, ErrUnknownMode) {
		t.Fatalf("unknown mode: %v", err)
	}
}

func TestCommandErrorsAreTyped(t *testing.T) {
	clk := scaled(t)
	s, addr := openStation(t, clk, func(c *Config) { c.CommandRetries = 2 })
	f := newFake(t, clk, addr, VehicleID{3, 1}, fakeOpts{})
	waitVehicles(t, s, 0)
	waitFor(t, "discovery", 20*time.Second, func() bool { _, ok := s.Vehicle(f.id); return ok })
	ctx := context.Background()
	cases := []struct {
		result common.MAV_RESULT
		want   error
	}{
		{common.MAV_RESULT_DENIED, ErrDenied},
		{common.MAV_RESULT_UNSUPPORTED, ErrUnsupported},
		{common.MAV_RESULT_TEMPORARILY_REJECTED, ErrTemporarilyRejected},
		{common.MAV_RESULT_FAILED, ErrFailed},
		{common.MAV_RESULT_CANCELLED, ErrCancelled},
	}
	for _, c := range cases {
		f.mu.Lock()
		f.result[common.MAV_CMD_COMPONENT_ARM_DISARM] = c.result
		f.mu.Unlock()
		err := s.Arm(ctx, f.id)
		var ce *CommandError
		if !errors.Is(err, c.want) || !errors.As(err, &ce) || ce.Result != c.result || !ce.Answered {
			t.Errorf("answer %v: got %v, want %v", c.result, err, c.want)
		}
	}
	// no answer: retried with confirmation raised, then ErrTimeout
	f.mu.Lock()
	f.noAnswer[common.MAV_CMD_NAV_RETURN_TO_LAUNCH] = true
	f.confirms = nil
	f.mu.Unlock()
	if err := s.RTL(ctx, f.id); !errors.Is(err, ErrTimeout) {
		t.Fatalf("no answer: %v", err)
	}
	f.mu.Lock()
	confirms := append([]uint8(nil), f.confirms...)
	f.mu.Unlock()
	if len(confirms) != 3 || confirms[0] != 0 || confirms[2] != 2 {
		t.Errorf("confirmations %v, want 0 1 2", confirms)
	}
	// IN_PROGRESS then ACCEPTED
	f.mu.Lock()
	f.inProgress[common.MAV_CMD_USER_1] = true
	f.mu.Unlock()
	if err := s.SetPayload(ctx, f.id, Private, true); err != nil {
		t.Fatalf("in progress: %v", err)
	}
	// cancelled by the caller
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.RTL(cctx, f.id); !errors.Is(err, ErrCancelled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	if err := s.Arm(ctx, VehicleID{99, 1}); !errors.Is(err, ErrUnknownVehicle) {
		t.Fatalf("unknown vehicle: %v", err)
	}
	// link lost while waiting
	f.mu.Lock()
	f.silent = true
	f.mu.Unlock()
	if err := s.RTL(ctx, f.id); !errors.Is(err, ErrLinkLost) && !errors.Is(err, ErrTimeout) {
		t.Fatalf("silent vehicle: %v", err)
	}
	waitFor(t, "lost", 20*time.Second, func() bool { v, _ := s.Vehicle(f.id); return v.Lost })
	if err := s.RTL(ctx, f.id); !errors.Is(err, ErrLinkLost) {
		t.Fatalf("lost vehicle: %v", err)
	}
}

// TestStreamRequestFallsBack: a vehicle that does not support
// SET_MESSAGE_INTERVAL is asked with REQUEST_DATA_STREAM instead.
func TestStreamRequestFallsBack(t *testing.T) {
	clk := scaled(t)
	s, addr := openStation(t, clk, func(c *Config) { c.CommandRetries = 1 })
	f := newFake(t, clk, addr, VehicleID{11, 1}, fakeOpts{
		result: map[common.MAV_CMD]common.MAV_RESULT{common.MAV_CMD_SET_MESSAGE_INTERVAL: common.MAV_RESULT_UNSUPPORTED},
	})
	waitFor(t, "data stream request", 20*time.Second, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.dataStream > 0
	})
	f.mu.Lock()
	n := f.commands[common.MAV_CMD_SET_MESSAGE_INTERVAL]
	f.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d SET_MESSAGE_INTERVAL after UNSUPPORTED, want 1", n)
	}
	if _, ok := s.Vehicle(f.id); !ok {
		t.Fatal("vehicle not known")
	}
}

// TestFleetOrdersGoOutInParallel: each vehicle answers ARM only once all
// ten have received theirs, so a station that waited for vehicle after
// vehicle would time out on the first; Each must succeed everywhere.
func TestFleetOrdersGoOutInParallel(t *testing.T) {
	clk := scaled(t)
	s, addr := openStation(t, clk, func(c *Config) { c.StreamRate = -1; c.CommandRetries = 1 })
	b := newBarrier(10)
	var ids []VehicleID
	for i := 1; i <= 10; i++ {
		f := newFake(t, clk, addr, VehicleID{uint8(i), 1}, fakeOpts{barrier: b})
		ids = append(ids, f.id)
	}
	waitFor(t, "ten vehicles", 20*time.Second, func() bool { return len(s.Vehicles()) == 10 })
	for id, err := range s.Each(context.Background(), ids, s.Arm) {
		if err != nil {
			t.Errorf("%v: %v", id, err)
		}
	}
}

// TestGoToFallsBackToPositionTarget: a vehicle without DO_REPOSITION is
// flown with SET_POSITION_TARGET_GLOBAL_INT in GUIDED.
func TestGoToFallsBackToPositionTarget(t *testing.T) {
	clk := scaled(t)
	s, addr := openStation(t, clk, func(c *Config) { c.StreamRate = -1 })
	f := newFake(t, clk, addr, VehicleID{13, 1}, fakeOpts{home: LatLon{45, 7},
		result: map[common.MAV_CMD]common.MAV_RESULT{common.MAV_CMD_DO_REPOSITION: common.MAV_RESULT_UNSUPPORTED}})
	waitVehicles(t, s, 1)
	if err := s.GoTo(context.Background(), f.id, 45.003, 7.004, 35); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "position reached", 20*time.Second, func() bool {
		v, _ := s.Vehicle(f.id)
		return math.Abs(v.Lat-45.003) < 1e-5 && math.Abs(v.Lon-7.004) < 1e-5 && v.AltRel == 35 && v.Mode == "GUIDED"
	})
}
