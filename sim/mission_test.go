package sim

import (
	"math"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
)

// A mission and a fence go up and come back down unchanged; AUTO flies the
// mission from the ground to its landing, reporting each item reached.
func TestMissionUploadDownloadAndAuto(t *testing.T) {
	f, g := startFleet(t, Config{Clock: scaled(t, 20), Drones: []DroneConfig{{SysID: 1, Profile: ProfileHeavy, Home: testHome}}})
	wp1Lat, wp1Lon := offset(testHome.Lat, testHome.Lon, 100, 0)
	wp2Lat, wp2Lon := offset(testHome.Lat, testHome.Lon, 100, 100)
	rel := common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT
	items := []common.MessageMissionItemInt{
		{Command: common.MAV_CMD_NAV_WAYPOINT, Frame: common.MAV_FRAME_GLOBAL_INT},
		{Command: common.MAV_CMD_NAV_TAKEOFF, Frame: rel, Z: 25},
		{Command: common.MAV_CMD_NAV_WAYPOINT, Frame: rel, X: degE7(wp1Lat), Y: degE7(wp1Lon), Z: 25, Param1: 5},
		{Command: common.MAV_CMD_DO_CHANGE_SPEED, Frame: rel, Param2: 6},
		{Command: common.MAV_CMD_NAV_WAYPOINT, Frame: rel, X: degE7(wp2Lat), Y: degE7(wp2Lon), Z: 40},
		{Command: common.MAV_CMD_NAV_LAND, Frame: rel, X: degE7(wp2Lat), Y: degE7(wp2Lon)},
	}
	if res := g.upload(t, 1, common.MAV_MISSION_TYPE_MISSION, items); res != common.MAV_MISSION_ACCEPTED {
		t.Fatalf("upload: %v", res)
	}
	got := g.download(t, 1, common.MAV_MISSION_TYPE_MISSION)
	if len(got) != len(items) {
		t.Fatalf("downloaded %d items, uploaded %d", len(got), len(items))
	}
	for i := 1; i < len(items); i++ {
		a, b := items[i], got[i]
		if a.Command != b.Command || a.X != b.X || a.Y != b.Y || a.Z != b.Z || a.Param1 != b.Param1 || a.Param2 != b.Param2 {
			t.Fatalf("item %d: up %+v, down %+v", i, a, b)
		}
	}
	if h := got[0]; h.X != degE7(testHome.Lat) || h.Y != degE7(testHome.Lon) {
		t.Fatalf("item 0 is not home: %+v", h)
	}
	fence := []common.MessageMissionItemInt{
		{Command: common.MAV_CMD_NAV_FENCE_CIRCLE_INCLUSION, Frame: common.MAV_FRAME_GLOBAL_INT, Param1: 500, X: degE7(testHome.Lat), Y: degE7(testHome.Lon)},
	}
	if res := g.upload(t, 1, common.MAV_MISSION_TYPE_FENCE, fence); res != common.MAV_MISSION_ACCEPTED {
		t.Fatalf("fence upload: %v", res)
	}
	if back := g.download(t, 1, common.MAV_MISSION_TYPE_FENCE); len(back) != 1 || back[0].Param1 != 500 || back[0].Command != fence[0].Command {
		t.Fatalf("fence back: %+v", back)
	}
	if s := f.Drone(1).State(); s.MissionCount != len(items) || s.FenceCount != 1 {
		t.Fatalf("state counts %d items, %d fence", s.MissionCount, s.FenceCount)
	}

	ctx := ctxT(t, 60*time.Second)
	reached, stop := g.subscribe()
	defer stop()
	// as on ArduPilot (AUTO_OPTIONS 0): AUTO is not armable; arm in GUIDED,
	// then AUTO starts the mission with its takeoff
	res, err := g.setMode(ctx, 1, 3)
	mustResult(t, "AUTO", res, err, common.MAV_RESULT_ACCEPTED)
	res, err = g.command(ctx, 1, common.MAV_CMD_COMPONENT_ARM_DISARM, 1)
	mustResult(t, "arm in AUTO", res, err, common.MAV_RESULT_FAILED)
	res, err = g.setMode(ctx, 1, 4)
	mustResult(t, "GUIDED", res, err, common.MAV_RESULT_ACCEPTED)
	res, err = g.command(ctx, 1, common.MAV_CMD_COMPONENT_ARM_DISARM, 1)
	mustResult(t, "arm", res, err, common.MAV_RESULT_ACCEPTED)
	res, err = g.setMode(ctx, 1, 3)
	mustResult(t, "AUTO", res, err, common.MAV_RESULT_ACCEPTED)
	wait(t, f, 60*time.Second, "wp2 at 40 m", func(s Snapshot) bool {
		d := s.Drones[1]
		n, e := northEast(d.Lat, d.Lon, wp2Lat, wp2Lon)
		return math.Hypot(n, e) < 3 && d.AltRel > 38
	})
	s := wait(t, f, 60*time.Second, "landing", func(s Snapshot) bool { return !s.Drones[1].Armed })
	d := s.Drones[1]
	if n, e := northEast(d.Lat, d.Lon, wp2Lat, wp2Lon); math.Hypot(n, e) > 3 || d.AltRel > 0.1 {
		t.Fatalf("landed %.1f m from the LAND point", math.Hypot(n, e))
	}
	seqs := map[uint16]bool{}
	for len(seqs) < len(items)-1 {
		select {
		case fr := <-reached:
			if r, ok := fr.Message().(*common.MessageMissionItemReached); ok && fr.SystemID() == 1 {
				seqs[r.Seq] = true
			}
		case <-ctx.Done():
			t.Fatalf("items reached: %v", seqs)
		}
	}
	for i := 1; i < len(items); i++ {
		if !seqs[uint16(i)] {
			t.Fatalf("item %d not reported reached: %v", i, seqs)
		}
	}
	// clearing leaves home only
	if res := g.upload(t, 1, common.MAV_MISSION_TYPE_MISSION, nil); res != common.MAV_MISSION_ACCEPTED {
		t.Fatalf("clear: %v", res)
	}
	if n := len(g.download(t, 1, common.MAV_MISSION_TYPE_MISSION)); n != 1 {
		t.Fatalf("%d items after clearing, want home only", n)
	}
	res, err = g.setMode(ctx, 1, 3)
	mustResult(t, "AUTO without a mission", res, err, common.MAV_RESULT_FAILED)
}

// The fixed-wing relay flies Plane: its mode numbers, a climb to loiter
// altitude and a loiter circle at its radius, and RTL loiters over home.
func TestFixedWingLoitersLikePlane(t *testing.T) {
	f, g := startFleet(t, Config{Clock: scaled(t, 100), Wind: Wind{SpeedMS: 5, FromDeg: 0},
		Drones: []DroneConfig{{SysID: 9, Profile: ProfileFixedWing, Home: testHome}}})
	ctx := ctxT(t, 60*time.Second)
	m, err := g.waitMsg(ctx, 9, func(m message.Message) bool { _, ok := m.(*common.MessageHeartbeat); return ok })
	if err != nil {
		t.Fatal(err)
	}
	if hb := m.(*common.MessageHeartbeat); hb.Type != common.MAV_TYPE_FIXED_WING {
		t.Fatalf("type %v", hb.Type)
	}
	flyUp(t, f, g, 9, 1200)
	if s := f.Drone(9).State(); s.Mode.Number != 15 || s.Mode.Name != "GUIDED" {
		t.Fatalf("mode %+v", s.Mode)
	}
	cLat, cLon := offset(testHome.Lat, testHome.Lon, 3000, 0)
	res, err := g.command(ctx, 9, common.MAV_CMD_DO_REPOSITION, -1, 0, 0, 0, float32(cLat), float32(cLon), 1500)
	mustResult(t, "reposition", res, err, common.MAV_RESULT_ACCEPTED)
	wait(t, f, 60*time.Second, "at the loiter", func(s Snapshot) bool {
		d := s.Drones[9]
		n, e := northEast(d.Lat, d.Lon, cLat, cLon)
		return math.Hypot(n, e) < 600 && math.Abs(d.AltRel-1500) < 5
	})
	start := f.Now()
	lo, hi := math.Inf(1), 0.0
	wait(t, f, 3*time.Minute, "five minutes of loiter", func(s Snapshot) bool {
		d := s.Drones[9]
		n, e := northEast(cLat, cLon, d.Lat, d.Lon)
		if s.Time.Sub(start) > time.Minute {
			r := math.Hypot(n, e)
			lo, hi = math.Min(lo, r), math.Max(hi, r)
		}
		if d.Airspeed < 20 {
			t.Errorf("airspeed %.1f in loiter", d.Airspeed)
		}
		return s.Time.Sub(start) > 5*time.Minute
	})
	R := 400.0
	if lo < 0.6*R || hi > 1.4*R {
		t.Fatalf("loiter radius %.0f..%.0f m, profile %v m", lo, hi, R)
	}
	res, err = g.command(ctx, 9, common.MAV_CMD_NAV_RETURN_TO_LAUNCH)
	mustResult(t, "RTL", res, err, common.MAV_RESULT_ACCEPTED)
	s := wait(t, f, 60*time.Second, "over home", func(s Snapshot) bool {
		d := s.Drones[9]
		n, e := northEast(d.Lat, d.Lon, testHome.Lat, testHome.Lon)
		return math.Hypot(n, e) < 600 && math.Abs(d.AltRel-1000) < 10
	})
	if d := s.Drones[9]; d.Mode.Number != 11 || !d.Flying() {
		t.Fatalf("after RTL: mode %+v flying %v", d.Mode, d.Flying())
	}
}

// An enabled inclusion fence refuses orders outside it and brings a drone
// found outside home (ArduPilot's default fence action, RTL).
func TestFenceEnforced(t *testing.T) {
	f, g := startFleet(t, Config{Clock: scaled(t, 20), Drones: []DroneConfig{{SysID: 1, Profile: ProfileHeavy, Home: testHome}}})
	fence := []common.MessageMissionItemInt{
		{Command: common.MAV_CMD_NAV_FENCE_CIRCLE_INCLUSION, Frame: common.MAV_FRAME_GLOBAL_INT, Param1: 100, X: degE7(testHome.Lat), Y: degE7(testHome.Lon)},
	}
	if res := g.upload(t, 1, common.MAV_MISSION_TYPE_FENCE, fence); res != common.MAV_MISSION_ACCEPTED {
		t.Fatalf("fence upload: %v", res)
	}
	flyUp(t, f, g, 1, 20)
	ctx := ctxT(t, 60*time.Second)
	outLat, outLon := offset(testHome.Lat, testHome.Lon, 150, 0)
	res, err := g.command(ctx, 1, common.MAV_CMD_DO_REPOSITION, -1, 0, 0, 0, float32(outLat), float32(outLon), 20)
	mustResult(t, "outside a disabled fence", res, err, common.MAV_RESULT_ACCEPTED)
	wait(t, f, 60*time.Second, "outside", func(s Snapshot) bool { return s.Drones[1].Lat > outLat-1e-5 })
	res, err = g.command(ctx, 1, common.MAV_CMD_DO_FENCE_ENABLE, 1)
	mustResult(t, "fence enable", res, err, common.MAV_RESULT_ACCEPTED)
	s := wait(t, f, 60*time.Second, "breach RTL", func(s Snapshot) bool { return s.Drones[1].Failsafe == "fence" })
	if d := s.Drones[1]; d.Mode.Name != "RTL" {
		t.Fatalf("fence breach took mode %s", d.Mode.Name)
	}
	wait(t, f, 60*time.Second, "home", func(s Snapshot) bool { return !s.Drones[1].Armed })
	flyUp(t, f, g, 1, 20)
	res, err = g.command(ctx, 1, common.MAV_CMD_DO_REPOSITION, -1, 0, 0, 0, float32(outLat), float32(outLon), 20)
	mustResult(t, "outside an enabled fence", res, err, common.MAV_RESULT_DENIED)
	inLat, inLon := offset(testHome.Lat, testHome.Lon, 50, 0)
	res, err = g.command(ctx, 1, common.MAV_CMD_DO_REPOSITION, -1, 0, 0, 0, float32(inLat), float32(inLon), 20)
	mustResult(t, "inside the fence", res, err, common.MAV_RESULT_ACCEPTED)
}
