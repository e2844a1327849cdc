package sim

import (
	"math"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
)

// A plain gomavlib ground station sees both drones and flies each one:
// mode, arm, takeoff, go to, RTL, landing.
func TestGCSFliesEveryDrone(t *testing.T) {
	f, g := startFleet(t, Config{
		Clock: scaled(t, 20),
		Drones: []DroneConfig{
			{SysID: 1, Profile: ProfileHeavy, Home: testHome},
			{SysID: 2, Profile: ProfileHeavy, Home: LatLonAlt{testHome.Lat + 0.001, testHome.Lon, testHome.Alt}},
		},
	})
	ctx := ctxT(t, 60*time.Second)
	for _, id := range []uint8{1, 2} {
		m, err := g.waitMsg(ctx, id, func(m message.Message) bool { _, ok := m.(*common.MessageHeartbeat); return ok })
		if err != nil {
			t.Fatalf("no heartbeat from %d: %v", id, err)
		}
		hb := m.(*common.MessageHeartbeat)
		if hb.Autopilot != common.MAV_AUTOPILOT_ARDUPILOTMEGA || hb.Type != common.MAV_TYPE_HEXAROTOR {
			t.Fatalf("heartbeat %+v", hb)
		}
	}
	for _, id := range []uint8{1, 2} {
		home := f.Drone(id).State().Home
		res, err := g.command(ctx, id, common.MAV_CMD_NAV_TAKEOFF, 0, 0, 0, 0, 0, 0, 20)
		mustResult(t, "takeoff disarmed", res, err, common.MAV_RESULT_TEMPORARILY_REJECTED)
		res, err = g.setMode(ctx, id, 4)
		mustResult(t, "GUIDED", res, err, common.MAV_RESULT_ACCEPTED)
		res, err = g.command(ctx, id, common.MAV_CMD_COMPONENT_ARM_DISARM, 1)
		mustResult(t, "arm", res, err, common.MAV_RESULT_ACCEPTED)
		res, err = g.command(ctx, id, common.MAV_CMD_NAV_TAKEOFF, 0, 0, 0, 0, 0, 0, 20)
		mustResult(t, "takeoff", res, err, common.MAV_RESULT_ACCEPTED)
		wait(t, f, 30*time.Second, "takeoff", func(s Snapshot) bool { return s.Drones[id].AltRel > 19.5 })
		dLat, dLon := offset(home.Lat, home.Lon, 150, 50)
		if id == 1 {
			res, err = g.command(ctx, id, common.MAV_CMD_DO_REPOSITION, -1, 0, 0, 0, float32(dLat), float32(dLon), 30)
		} else { // COMMAND_INT, as QGroundControl sends it
			res, err = g.await(ctx, id, common.MAV_CMD_DO_REPOSITION, &common.MessageCommandInt{
				TargetSystem: id, TargetComponent: 1, Frame: common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT,
				Command: common.MAV_CMD_DO_REPOSITION, Param1: -1, X: degE7(dLat), Y: degE7(dLon), Z: 30})
		}
		mustResult(t, "reposition", res, err, common.MAV_RESULT_ACCEPTED)
		wait(t, f, 30*time.Second, "arrival", func(s Snapshot) bool {
			d := s.Drones[id]
			n, e := northEast(d.Lat, d.Lon, dLat, dLon)
			return math.Hypot(n, e) < 2 && math.Abs(d.AltRel-30) < 1
		})
		// the GCS sees the drone there (frames sent on the way may still be
		// in flight: wait for one from there)
		if _, err := g.waitMsg(ctx, id, func(m message.Message) bool {
			p, ok := m.(*common.MessageGlobalPositionInt)
			if !ok {
				return false
			}
			n, e := northEast(float64(p.Lat)/1e7, float64(p.Lon)/1e7, dLat, dLon)
			return math.Abs(float64(p.RelativeAlt)/1000-30) < 1.5 && math.Hypot(n, e) < 5
		}); err != nil {
			t.Fatalf("no GLOBAL_POSITION_INT at the target: %v", err)
		}
		if id == 2 { // LAND where it is
			res, err = g.command(ctx, id, common.MAV_CMD_NAV_LAND)
			mustResult(t, "LAND", res, err, common.MAV_RESULT_ACCEPTED)
			s := wait(t, f, 60*time.Second, "landed", func(s Snapshot) bool { return !s.Drones[id].Armed })
			d := s.Drones[id]
			if n, e := northEast(d.Lat, d.Lon, dLat, dLon); math.Hypot(n, e) > 2 || d.AltRel > 0.1 || d.Mode.Number != 9 {
				t.Fatalf("landed %.1f m from the LAND point at %.1f m in %+v", math.Hypot(n, e), d.AltRel, d.Mode)
			}
			continue
		}
		res, err = g.command(ctx, id, common.MAV_CMD_NAV_RETURN_TO_LAUNCH)
		mustResult(t, "RTL", res, err, common.MAV_RESULT_ACCEPTED)
		s := wait(t, f, 60*time.Second, "landed at home", func(s Snapshot) bool { return !s.Drones[id].Armed })
		d := s.Drones[id]
		if n, e := northEast(d.Lat, d.Lon, home.Lat, home.Lon); math.Hypot(n, e) > 3 || d.AltRel > 0.1 {
			t.Fatalf("landed %.1f m from home at %.1f m", math.Hypot(n, e), d.AltRel)
		}
		if d.Mode.Name != "RTL" || d.Mode.Number != 6 {
			t.Fatalf("mode %+v", d.Mode)
		}
	}
}
