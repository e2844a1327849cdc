package sim

import (
	"math"
	"testing"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// FuzzJobs: whatever the crew loads and whatever job commands a ground
// station sends, on any airframe, the drone answers without panicking, its
// load and tank stay within the airframe's limits and never grow in
// flight, the winch line stays on its drum, and every drop lands on the
// ground with the mass that was loaded.
func FuzzJobs(f *testing.F) {
	f.Add(uint8(1), float32(8), float32(20), uint8(1), float32(1), float32(float64(common.WINCH_DELIVER)), float32(0), float32(0), float32(0))
	f.Add(uint8(1), float32(10), float32(0), uint8(0), float32(1), float32(0), float32(0), float32(0), float32(0))
	f.Add(uint8(2), float32(50), float32(5), uint8(0), float32(1), float32(0), float32(0), float32(0), float32(0))
	f.Add(uint8(1), float32(3), float32(2), uint8(4), float32(1), float32(0), float32(0), float32(0), float32(0))
	f.Add(uint8(0), float32(-1), float32(float32(math.NaN())), uint8(2), float32(30), float32(0), float32(1), float32(0), float32(1))
	f.Add(uint8(1), float32(5), float32(0), uint8(1), float32(1), float32(float64(common.WINCH_RELATIVE_LENGTH_CONTROL)), float32(1e9), float32(-3), float32(0))
	f.Fuzz(func(t *testing.T, prof uint8, loadKg, tankL float32, which uint8, p1, p2, p3, p4, p5 float32) {
		profs := BuiltinProfiles()
		p := &profs[int(prof)%len(profs)]
		v, run := loneVehicle(Wind{SpeedMS: 4, GustMS: 1}, p, int(prof)%len(profs))
		set := func(name string, val float32) {
			v.receive(&common.MessageParamSet{TargetSystem: 1, TargetComponent: 1, ParamId: name, ParamValue: val}, 255, 190)
		}
		set(paramLoadKg, loadKg)
		set(paramTankL, tankL)
		loaded := v.state()
		if loaded.LoadKg < 0 || loaded.LoadKg > p.MaxPayloadKg || math.IsNaN(loaded.LoadKg) ||
			loaded.TankL < 0 || math.IsNaN(loaded.TankL) || (p.Sprayer == nil && loaded.TankL != 0) ||
			(p.Sprayer != nil && loaded.TankL > p.Sprayer.TankL) || (len(p.Release) == 0 && loaded.LoadKg != 0) {
			t.Fatalf("%s loaded %v kg, %v L", p.Name, loaded.LoadKg, loaded.TankL)
		}
		guided := uint32(4)
		if !p.Copter() {
			guided = 15
		}
		v.receive(&common.MessageSetMode{TargetSystem: 1, BaseMode: common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, CustomMode: guided}, 255, 190)
		v.command(command{cmd: common.MAV_CMD_COMPONENT_ARM_DISARM, p: [4]float64{1}})
		v.command(command{cmd: common.MAV_CMD_NAV_TAKEOFF, alt: 25, relAlt: true, lat: math.NaN(), lon: math.NaN()})
		run(150)
		cmds := []common.MAV_CMD{common.MAV_CMD_DO_GRIPPER, common.MAV_CMD_DO_WINCH, common.MAV_CMD_DO_SET_CAM_TRIGG_DIST,
			common.MAV_CMD_DO_DIGICAM_CONTROL, cmdDoSprayer}
		cmd := cmds[int(which)%len(cmds)]
		v.receive(&common.MessageCommandLong{TargetSystem: 1, TargetComponent: 1, Command: cmd,
			Param1: p1, Param2: p2, Param3: p3, Param4: p4, Param5: p5}, 255, 190)
		v.receive(&common.MessageCommandInt{TargetSystem: 1, TargetComponent: 1, Command: cmd,
			Param1: p1, Param2: p2, Param3: p3, Param4: p4, X: int32(clamp(float64(p5), -1e9, 1e9))}, 255, 190)
		set(paramLoadKg, loadKg+1) // refused in flight
		delivering := v.job.winch.deliver
		prev := v.state()
		for i := 0; i < 900; i++ {
			run(1)
			st := v.state()
			if st.LoadKg > prev.LoadKg || st.TankL > prev.TankL || st.TankL < 0 || st.LoadKg < 0 ||
				st.WinchLineM < 0 || st.WinchLineM > winchLineM || math.IsNaN(st.WinchLineM) || math.IsNaN(st.PowerW) {
				t.Fatalf("after %v: load %v -> %v kg, tank %v -> %v L, line %v m, power %v W",
					cmd, prev.LoadKg, st.LoadKg, prev.TankL, st.TankL, st.WinchLineM, st.PowerW)
			}
			prev = st
		}
		if delivering && (prev.LoadKg != 0 || prev.WinchLineM != 0 || len(v.job.drops) != 1) {
			t.Fatalf("a delivery accepted at 25 m: after 90 s load %v kg, line %v m, drops %+v", prev.LoadKg, prev.WinchLineM, v.job.drops)
		}
		for _, d := range v.job.drops {
			if d.MassKg != loaded.LoadKg || d.Impact.Alt != v.groundAlt() || d.Landed.Before(d.Time) ||
				math.IsNaN(d.Impact.Lat) || math.IsNaN(d.Impact.Lon) {
				t.Fatalf("drop %+v of a %v kg load", d, loaded.LoadKg)
			}
		}
	})
}
