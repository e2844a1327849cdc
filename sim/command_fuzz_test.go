package sim

import (
	"math"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// loneVehicle is one drone of profile p (index idx) in a fleet with no
// links or loop, and run, which steps it n times: for fuzzing, where a
// socket per input would cost more than the flight.
func loneVehicle(w Wind, p *Profile, idx int) (*vehicle, func(n int)) {
	fl := &Fleet{cfg: Config{Wind: w}, speed: 1}
	fl.now = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	v := newVehicle(fl, DroneConfig{SysID: 1, Home: testHome}, p, idx, 1, fl.now)
	fl.vehicles = []*vehicle{v}
	return v, func(n int) {
		for i := 0; i < n; i++ {
			fl.now = fl.now.Add(dt)
			v.step()
			v.tel.tick(fl.now, 1)
		}
	}
}

// FuzzCommand: whatever a ground station sends in a command, the drone
// answers without panicking and never leaves its tether or the ground
// below it.
func FuzzCommand(f *testing.F) {
	f.Add(uint16(common.MAV_CMD_DO_REPOSITION), float32(-1), float32(1), float32(45.465), float32(9.19), float32(30), true, uint16(0))
	f.Add(uint16(common.MAV_CMD_NAV_TAKEOFF), float32(0), float32(0), float32(0), float32(0), float32(1e9), false, uint16(0))
	f.Add(uint16(common.MAV_CMD_USER_1), float32(2), float32(1), float32(0), float32(0), float32(0), false, uint16(0))
	f.Add(uint16(common.MAV_CMD_SET_MESSAGE_INTERVAL), float32(30), float32(-1), float32(0), float32(0), float32(0), false, uint16(0))
	f.Add(uint16(common.MAV_CMD_DO_SET_MODE), float32(1), float32(6), float32(0), float32(0), float32(0), false, uint16(0))
	f.Add(uint16(common.MAV_CMD_REQUEST_MESSAGE), float32(math.NaN()), float32(0), float32(0), float32(0), float32(0), true, uint16(7))
	f.Fuzz(func(t *testing.T, cmd uint16, p1, p2, lat, lon, alt float32, asInt bool, mask uint16) {
		profs := BuiltinProfiles()
		v, run := loneVehicle(Wind{SpeedMS: 3, GustMS: 1}, &profs[0], 0)
		// take off, then the fuzzed command, then fly a minute
		v.receive(&common.MessageSetMode{TargetSystem: 1, BaseMode: common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, CustomMode: 4}, 255, 190)
		v.command(command{cmd: common.MAV_CMD_COMPONENT_ARM_DISARM, p: [4]float64{1}})
		v.command(command{cmd: common.MAV_CMD_NAV_TAKEOFF, alt: 20, relAlt: true, lat: math.NaN(), lon: math.NaN()})
		run(100)
		if asInt {
			v.receive(&common.MessageCommandInt{TargetSystem: 1, TargetComponent: 1, Frame: common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT,
				Command: common.MAV_CMD(cmd), Param1: p1, Param2: p2, X: int32(float64(lat) * 1e7), Y: int32(float64(lon) * 1e7), Z: alt}, 255, 190)
		} else {
			v.receive(&common.MessageCommandLong{TargetSystem: 1, TargetComponent: 1, Command: common.MAV_CMD(cmd),
				Param1: p1, Param2: p2, Param5: lat, Param6: lon, Param7: alt}, 255, 190)
		}
		v.receive(&common.MessageSetPositionTargetGlobalInt{TargetSystem: 1, CoordinateFrame: common.MAV_FRAME_GLOBAL_INT,
			TypeMask: common.POSITION_TARGET_TYPEMASK(mask), LatInt: int32(float64(lat) * 1e7), LonInt: int32(float64(lon) * 1e7), Alt: alt,
			Vx: p1, Vy: p2, Vz: alt}, 255, 190)
		for i := 0; i < 600; i++ {
			run(1)
			st := v.state()
			if st.TetherUsed > st.TetherM+1e-6 || st.AltMSL < testHome.Alt-1e-6 || math.IsNaN(st.Lat) || math.IsNaN(st.AltMSL) {
				t.Fatalf("after command %d: tether %.2f/%v m, alt %.2f MSL, lat %v", cmd, st.TetherUsed, st.TetherM, st.AltMSL, st.Lat)
			}
		}
	})
}
