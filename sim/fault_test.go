package sim

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
)

func oneDrone(t *testing.T, speed float64, prof string, cfg Config) (*Fleet, *testGCS) {
	t.Helper()
	cfg.Clock = scaled(t, speed)
	cfg.Drones = []DroneConfig{{SysID: 1, Profile: prof, Home: testHome}}
	return startFleet(t, cfg)
}

func inject(t *testing.T, f *Fleet, ft Fault) State {
	t.Helper()
	if err := f.Drone(1).Inject(ft); err != nil {
		t.Fatal(err)
	}
	return f.Drone(1).State()
}

func heartbeatFrom(g *testGCS, id uint8) func(message.Message) bool {
	return func(m message.Message) bool { _, ok := m.(*common.MessageHeartbeat); return ok }
}

// A link drop silences the drone both ways (so the GCS failsafe brings it
// home); when it ends the ground station hears it and flies it again.
func TestFaultLinkDrop(t *testing.T) {
	f, g := oneDrone(t, 50, ProfileHeavy, Config{GCSTimeout: 120 * time.Second})
	flyUp(t, f, g, 1, 20)
	wait(t, f, 30*time.Second, "GCS heard", func(s Snapshot) bool { return !s.Drones[1].LastGCS.IsZero() })
	at := inject(t, f, Fault{Kind: FaultLinkDrop, Duration: 5 * time.Minute})
	s := wait(t, f, 60*time.Second, "GCS failsafe", func(s Snapshot) bool { return s.Drones[1].Failsafe == "gcs" })
	d := s.Drones[1]
	if d.Link.Sent != at.Link.Sent || d.Link.SendDropped <= at.Link.SendDropped || d.Link.Received != at.Link.Received {
		t.Fatalf("link during the drop: %+v, at injection %+v", d.Link, at.Link)
	}
	if d.Mode.Name != "RTL" {
		t.Fatalf("GCS failsafe took mode %s", d.Mode.Name)
	}
	wait(t, f, 60*time.Second, "landed", func(s Snapshot) bool { return !s.Drones[1].Armed })
	s = wait(t, f, 60*time.Second, "link back", func(s Snapshot) bool { return !s.Drones[1].HasFault(FaultLinkDrop) })
	after := s.Drones[1]
	if _, err := g.waitMsg(ctxT(t, 30*time.Second), 1, heartbeatFrom(g, 1)); err != nil {
		t.Fatalf("no heartbeat after the drop: %v", err)
	}
	flyUp(t, f, g, 1, 10)
	if now := f.Drone(1).State().Link; now.Sent <= after.Link.Sent || now.Received <= after.Link.Received {
		t.Fatalf("link after the drop: %+v", now)
	}
}

// Packet loss drops about the given share of frames, then none.
func TestFaultPacketLoss(t *testing.T) {
	f, _ := oneDrone(t, 100, ProfileHeavy, Config{})
	at := inject(t, f, Fault{Kind: FaultPacketLoss, Percent: 30, Duration: 200 * time.Second})
	s := wait(t, f, 60*time.Second, "loss over", func(s Snapshot) bool { return !s.Drones[1].HasFault(FaultPacketLoss) })
	l := s.Drones[1].Link
	sent, lost := float64(l.Sent-at.Link.Sent), float64(l.SendDropped-at.Link.SendDropped)
	n := sent + lost
	share := lost / n
	if sigma := math.Sqrt(0.3 * 0.7 / n); n < 100 || math.Abs(share-0.3) > 4*sigma {
		t.Fatalf("lost %.0f of %.0f frames (%.1f%%), want 30%%", lost, n, 100*share)
	}
	start := s.Time
	s = wait(t, f, 60*time.Second, "100 s more", func(s Snapshot) bool { return s.Time.Sub(start) > 100*time.Second })
	if got := s.Drones[1].Link; got.SendDropped != l.SendDropped || got.Sent <= l.Sent {
		t.Fatalf("after the loss: %+v, before %+v", got, l)
	}
}

// Latency delays an ack by the round trip; cleared, the link is prompt.
func TestFaultLatency(t *testing.T) {
	f, g := oneDrone(t, 20, ProfileHeavy, Config{})
	const lat = 4 * time.Second
	inject(t, f, Fault{Kind: FaultLatency, Latency: lat})
	ctx := ctxT(t, 60*time.Second)
	t0 := f.Now()
	res, err := g.command(ctx, 1, common.MAV_CMD_DO_CHANGE_SPEED, 0, 5)
	mustResult(t, "change speed", res, err, common.MAV_RESULT_ACCEPTED)
	if rtt := f.Now().Sub(t0); rtt < 2*lat {
		t.Fatalf("ack after %v of fleet time, want at least %v", rtt, 2*lat)
	}
	if err := f.Drone(1).Clear(FaultLatency); err != nil {
		t.Fatal(err)
	}
	res, err = g.command(ctx, 1, common.MAV_CMD_DO_CHANGE_SPEED, 0, 8)
	mustResult(t, "change speed", res, err, common.MAV_RESULT_ACCEPTED)
	if s := f.Drone(1).State(); len(s.Faults) != 0 {
		t.Fatalf("faults left: %v", s.Faults)
	}
}

// A failed battery makes the drone land; it cannot arm until the battery is
// replaced.
func TestFaultBattery(t *testing.T) {
	f, g := oneDrone(t, 50, ProfileHeavy, Config{})
	flyUp(t, f, g, 1, 30)
	inject(t, f, Fault{Kind: FaultBattery})
	s := wait(t, f, 60*time.Second, "forced landing", func(s Snapshot) bool { return !s.Drones[1].Armed })
	if d := s.Drones[1]; d.Failsafe != "battery-critical" || d.Mode.Name != "LAND" || d.AltRel > 0.1 {
		t.Fatalf("after battery failure: %+v", d)
	}
	expectArmRefused(t, g, "PreArm: Battery")
	if err := f.Drone(1).Clear(FaultBattery); err != nil {
		t.Fatal(err)
	}
	if d := f.Drone(1).State(); d.BatteryPct < 99.9 {
		t.Fatalf("battery %.1f%% after replacement", d.BatteryPct)
	}
	flyUp(t, f, g, 1, 10)
}

func expectArmRefused(t *testing.T, g *testGCS, reason string) {
	t.Helper()
	texts, stop := g.statustexts(1)
	defer stop()
	ctx := ctxT(t, 30*time.Second)
	res, err := g.command(ctx, 1, common.MAV_CMD_COMPONENT_ARM_DISARM, 1)
	mustResult(t, "arm", res, err, common.MAV_RESULT_FAILED)
	for ctx.Err() == nil {
		for _, s := range texts() {
			if strings.HasPrefix(s, reason) {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no STATUSTEXT %q; got %q", reason, texts())
}

// A motor failure forces a landing straight down; once repaired the drone
// arms and flies.
func TestFaultMotor(t *testing.T) {
	f, g := oneDrone(t, 50, ProfileHeavy, Config{})
	flyUp(t, f, g, 1, 40)
	before := inject(t, f, Fault{Kind: FaultMotor})
	s := wait(t, f, 60*time.Second, "forced landing", func(s Snapshot) bool { return !s.Drones[1].Armed })
	d := s.Drones[1]
	if d.Failsafe != "motor" || d.AltRel > 0.1 {
		t.Fatalf("after motor failure: %+v", d)
	}
	if fell := d.Time.Sub(before.Time); fell > 20*time.Second {
		t.Fatalf("forced landing from 40 m took %v", fell)
	}
	expectArmRefused(t, g, "PreArm: Motors")
	if err := f.Drone(1).Clear(FaultMotor); err != nil {
		t.Fatal(err)
	}
	flyUp(t, f, g, 1, 10)
}

// GPS loss: no fix on the wire, the EKF failsafe lands (drifting with the
// wind); with the fix back the drone flies in GUIDED again.
func TestFaultGPS(t *testing.T) {
	f, g := oneDrone(t, 20, ProfileHeavy, Config{Wind: Wind{SpeedMS: 6, FromDeg: 90}})
	flyUp(t, f, g, 1, 30)
	before := inject(t, f, Fault{Kind: FaultGPS, Duration: 10 * time.Minute})
	ctx := ctxT(t, 60*time.Second)
	if _, err := g.waitMsg(ctx, 1, func(m message.Message) bool {
		r, ok := m.(*common.MessageGpsRawInt)
		return ok && r.FixType == common.GPS_FIX_TYPE_NO_FIX && r.SatellitesVisible == 0
	}); err != nil {
		t.Fatalf("no GPS_RAW_INT without fix: %v", err)
	}
	s := wait(t, f, 60*time.Second, "landed", func(s Snapshot) bool { return !s.Drones[1].Armed })
	d := s.Drones[1]
	if d.Failsafe != "gps" || d.Mode.Name != "LAND" || d.GPSFix >= 2 {
		t.Fatalf("after GPS loss: failsafe %q mode %s fix %d", d.Failsafe, d.Mode.Name, d.GPSFix)
	}
	if n, e := northEast(before.Lat, before.Lon, d.Lat, d.Lon); e > -5 || math.Abs(n) > math.Abs(e) {
		t.Fatalf("drift %.1f m N, %.1f m E; the wind blows from the east", n, e)
	}
	res, err := g.setMode(ctx, 1, 4)
	mustResult(t, "GUIDED without GPS", res, err, common.MAV_RESULT_FAILED)
	if err := f.Drone(1).Clear(FaultGPS); err != nil {
		t.Fatal(err)
	}
	flyUp(t, f, g, 1, 10)
}

// A payload failure shows as state 2 on the wire and refuses switching;
// recovered, the cell is off and switches on again.
func TestFaultPayload(t *testing.T) {
	f, g := oneDrone(t, 10, ProfileHeavy, Config{})
	ctx := ctxT(t, 60*time.Second)
	res, err := g.command(ctx, 1, common.MAV_CMD_USER_1, 1, 1)
	mustResult(t, "public on", res, err, common.MAV_RESULT_ACCEPTED)
	inject(t, f, Fault{Kind: FaultPayload, Network: Public, Duration: time.Hour})
	if _, err := g.waitMsg(ctx, 1, namedValue("BS_PUB", 2)); err != nil {
		t.Fatalf("BS_PUB=2 not seen: %v", err)
	}
	res, err = g.command(ctx, 1, common.MAV_CMD_USER_1, 1, 1)
	mustResult(t, "public on while failed", res, err, common.MAV_RESULT_FAILED)
	if c, _ := f.Drone(1).State().Cell(Private); c.State != CellOff {
		t.Fatalf("the private cell was hit too: %v", c.State)
	}
	if err := f.Drone(1).Clear(FaultPayload); err != nil {
		t.Fatal(err)
	}
	if c, _ := f.Drone(1).State().Cell(Public); c.State != CellOff {
		t.Fatalf("recovered cell is %v, want off", c.State)
	}
	res, err = g.command(ctx, 1, common.MAV_CMD_USER_1, 1, 1)
	mustResult(t, "public on again", res, err, common.MAV_RESULT_ACCEPTED)
	if _, err := g.waitMsg(ctx, 1, namedValue("BS_PUB", 1)); err != nil {
		t.Fatalf("BS_PUB=1 not seen: %v", err)
	}
}

func namedValue(name string, v int32) func(message.Message) bool {
	return func(m message.Message) bool {
		n, ok := m.(*common.MessageNamedValueInt)
		return ok && n.Name == name && n.Value == v
	}
}

// Injection rejects bad faults with the field named.
func TestInjectRejectsBadFaults(t *testing.T) {
	f, _ := oneDrone(t, 1, ProfileHeavy, Config{})
	for _, c := range []struct {
		f    Fault
		want string
	}{
		{Fault{Kind: "meteor"}, "kind"},
		{Fault{Kind: FaultPacketLoss}, "percent"},
		{Fault{Kind: FaultLatency, Latency: -time.Second}, "latency"},
		{Fault{Kind: FaultLinkDrop, Duration: -time.Second}, "duration"},
		{Fault{Kind: FaultGroundPower}, "not tethered"},
	} {
		err := f.Drone(1).Inject(c.f)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v", c.f, err)
		}
	}
	_ = context.Background
}
