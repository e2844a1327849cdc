package sim

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/ardupilotmega"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
)

// setParam sends PARAM_SET and returns the value the drone answers with.
func (g *testGCS) setParam(t *testing.T, id uint8, name string, val float32) float32 {
	t.Helper()
	ctx := ctxT(t, 30*time.Second)
	wait := g.expect(id, func(m message.Message) bool {
		p, ok := m.(*common.MessageParamValue)
		return ok && p.ParamId == name
	})
	g.send(&common.MessageParamSet{TargetSystem: id, TargetComponent: 1, ParamId: name, ParamValue: val, ParamType: common.MAV_PARAM_TYPE_REAL32})
	m, err := wait(ctx)
	if err != nil {
		t.Fatalf("PARAM_SET %s: no PARAM_VALUE: %v", name, err)
	}
	return m.(*common.MessageParamValue).ParamValue
}

// waitText waits for a STATUSTEXT from id containing text.
func waitText(t *testing.T, texts func() []string, text string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if slices.ContainsFunc(texts(), func(s string) bool { return strings.Contains(s, text) }) {
			return
		}
		time.Sleep(10 * time.Millisecond) // polls a wall-clock mailbox; the assertion is on content
	}
	t.Fatalf("no STATUSTEXT %q; got %q", text, texts())
}

// startAuto arms drone id in GUIDED and starts its mission in AUTO, as
// ArduPilot with AUTO_OPTIONS 0 wants it (Plane's mode numbers for a
// fixed wing).
func startAuto(t *testing.T, g *testGCS, id uint8, plane bool) {
	t.Helper()
	guided, auto := uint32(4), uint32(3)
	if plane {
		guided, auto = 15, 10
	}
	ctx := ctxT(t, 30*time.Second)
	res, err := g.setMode(ctx, id, guided)
	mustResult(t, "GUIDED", res, err, common.MAV_RESULT_ACCEPTED)
	res, err = g.command(ctx, id, common.MAV_CMD_COMPONENT_ARM_DISARM, 1)
	mustResult(t, "arm", res, err, common.MAV_RESULT_ACCEPTED)
	res, err = g.setMode(ctx, id, auto)
	mustResult(t, "AUTO", res, err, common.MAV_RESULT_ACCEPTED)
}

// bareProfiles are the built-in airframes and "bare": the heavy
// multirotor without release, camera or sprayer.
func bareProfiles() []Profile {
	ps := BuiltinProfiles()
	bare := ps[1]
	bare.Name, bare.Index = "bare", len(ps)
	bare.Release, bare.Camera, bare.Sprayer = nil, nil, nil
	return append(ps, bare)
}

// The ground crew loads a drone by parameter, within the airframe's
// payload and tank and only on the ground; the mass drains the battery
// faster and stops doing so once released.
func TestLoadParamsAndMassCostEnergy(t *testing.T) {
	f, g := startFleet(t, Config{Clock: scaled(t, 20), Drones: []DroneConfig{
		{SysID: 1, Profile: ProfileHeavy, Home: testHome},
		{SysID: 2, Profile: ProfileHeavy, Home: LatLonAlt{testHome.Lat + 0.001, testHome.Lon, testHome.Alt}},
		{SysID: 3, Profile: ProfileTethered, Home: LatLonAlt{testHome.Lat - 0.001, testHome.Lon, testHome.Alt}},
	}})
	texts, stop := g.statustexts(1)
	defer stop()
	if got := g.setParam(t, 1, paramLoadKg, 12); got != 0 {
		t.Fatalf("12 kg on a 10 kg airframe: param now %v, want 0 kept", got)
	}
	waitText(t, texts, "AC_LOAD_KG: 12.0kg above max 10.0kg")
	if got := g.setParam(t, 1, paramTankL, 25); got != 0 {
		t.Fatalf("25 L in a 20 L tank: param now %v", got)
	}
	waitText(t, texts, "AC_TANK_L: 25.0L above tank 20.0L")
	if got := g.setParam(t, 1, paramLoadKg, float32(math.NaN())); got != 0 {
		t.Fatalf("NaN load: param now %v", got)
	}
	if got := g.setParam(t, 1, paramLoadKg, 8); got != 8 {
		t.Fatalf("8 kg: param %v", got)
	}
	if got := g.setParam(t, 1, paramTankL, 10); got != 10 {
		t.Fatalf("10 L: param %v", got)
	}
	t3, stop3 := g.statustexts(3)
	defer stop3()
	if got := g.setParam(t, 3, paramLoadKg, 1); got != 0 {
		t.Fatalf("a load on the tethered drone: param %v", got)
	}
	waitText(t, t3, "AC_LOAD_KG: no gripper, winch or bay")
	if s := f.Drone(1).State(); s.LoadKg != 8 || s.TankL != 10 {
		t.Fatalf("state: load %v kg, tank %v L", s.LoadKg, s.TankL)
	}

	flyUp(t, f, g, 1, 30)
	flyUp(t, f, g, 2, 30)
	if got := g.setParam(t, 1, paramLoadKg, 2); got != 8 {
		t.Fatalf("loading in flight: param %v, want 8 kept", got)
	}
	waitText(t, texts, "AC_LOAD_KG: load on the ground, disarmed")
	// both hover still: the power ratio is the airframe's mass factor
	s := wait(t, f, 30*time.Second, "steady hover", func(s Snapshot) bool {
		a, b := s.Drones[1], s.Drones[2]
		return a.GroundSpeed < 0.01 && b.GroundSpeed < 0.01 && math.Abs(a.VD) < 0.01 && math.Abs(b.VD) < 0.01
	})
	heavy := BuiltinProfiles()[1]
	want := heavy.FlightPowerW(0, 18) - heavy.FlightPowerW(0, 0)
	if got := s.Drones[1].PowerW - s.Drones[2].PowerW; math.Abs(got/want-1) > 0.005 || want < 100 {
		t.Fatalf("18 kg cost %.0f W more, the airframe says %.0f W", got, want)
	}
	ctx := ctxT(t, 30*time.Second)
	res, err := g.command(ctx, 1, common.MAV_CMD_DO_GRIPPER, 1, 0)
	mustResult(t, "gripper release", res, err, common.MAV_RESULT_ACCEPTED)
	released := f.Now()
	s = wait(t, f, 30*time.Second, "steady hover after the drop", func(s Snapshot) bool {
		a := s.Drones[1]
		return s.Time.After(released) && a.LoadKg == 0 && a.GroundSpeed < 0.01 && math.Abs(a.VD) < 0.01
	})
	want = heavy.FlightPowerW(0, 10) - heavy.FlightPowerW(0, 0)
	if got := s.Drones[1].PowerW - s.Drones[2].PowerW; math.Abs(got/want-1) > 0.005 {
		t.Fatalf("10 L of water left cost %.0f W more, the airframe says %.0f W", got, want)
	}
}

// DO_GRIPPER releases the load from the hover: it falls below the drone
// and the drone says so as ArduPilot does; a second release has nothing to
// drop; an airframe without gripper or bay does not support it.
func TestGripperRelease(t *testing.T) {
	f, g := startFleet(t, Config{Clock: scaled(t, 20), Profiles: bareProfiles(), Drones: []DroneConfig{
		{SysID: 1, Profile: ProfileHeavy, Home: testHome},
		{SysID: 2, Profile: "bare", Home: LatLonAlt{testHome.Lat + 0.001, testHome.Lon, testHome.Alt}},
	}})
	texts, stop := g.statustexts(1)
	defer stop()
	g.setParam(t, 1, paramLoadKg, 5)
	ctx := ctxT(t, 60*time.Second)
	res, err := g.command(ctx, 2, common.MAV_CMD_DO_GRIPPER, 1, 0)
	mustResult(t, "gripper on a bare airframe", res, err, common.MAV_RESULT_UNSUPPORTED)
	flyUp(t, f, g, 1, 30)
	st := wait(t, f, 30*time.Second, "steady at 30 m", func(s Snapshot) bool {
		d := s.Drones[1]
		return math.Abs(d.AltRel-30) < 0.05 && math.Abs(d.VD) < 0.01
	}).Drones[1]
	res, err = g.command(ctx, 1, common.MAV_CMD_DO_GRIPPER, 1, 0)
	mustResult(t, "release", res, err, common.MAV_RESULT_ACCEPTED)
	waitText(t, texts, "Gripper load released")
	log := f.JobLog()
	if len(log.Drops) != 1 {
		t.Fatalf("drops %+v", log.Drops)
	}
	d := log.Drops[0]
	n, e := northEast(st.Lat, st.Lon, d.Impact.Lat, d.Impact.Lon)
	fallT := d.Landed.Sub(d.Time).Seconds()
	if d.SysID != 1 || d.MassKg != 5 || d.Release != "gripper" || math.Hypot(n, e) > 1 || math.Abs(d.Impact.Alt-testHome.Alt) > 1e-9 ||
		fallT < math.Sqrt(2*29.5/gravity) || fallT > 1.3*math.Sqrt(2*29.5/gravity) {
		t.Fatalf("drop %+v: %.1f m from below the drone, fell %.2f s", d, math.Hypot(n, e), fallT)
	}
	res, err = g.command(ctx, 1, common.MAV_CMD_DO_GRIPPER, 1, 0)
	mustResult(t, "release with nothing loaded", res, err, common.MAV_RESULT_DENIED)
	res, err = g.command(ctx, 1, common.MAV_CMD_DO_GRIPPER, 1, 1)
	mustResult(t, "grab", res, err, common.MAV_RESULT_ACCEPTED)
	waitText(t, texts, "Gripper load grabbed")
	res, err = g.command(ctx, 1, common.MAV_CMD_DO_GRIPPER, 1, 7)
	mustResult(t, "unknown gripper action", res, err, common.MAV_RESULT_UNSUPPORTED)
}

// A fixed wing opens its bay on a pass: the load keeps the plane's speed,
// slows in the air and drifts with the wind, and lands down track and
// downwind of the release point.
func TestBayDropFallsWithSpeedAndWind(t *testing.T) {
	f, g := startFleet(t, Config{Clock: scaled(t, 50), Wind: Wind{SpeedMS: 8, FromDeg: 270},
		Drones: []DroneConfig{{SysID: 9, Profile: ProfileFixedWing, Home: testHome}}})
	g.setParam(t, 9, paramLoadKg, 40)
	flyUp(t, f, g, 9, 150)
	ctx := ctxT(t, 60*time.Second)
	res, err := g.command(ctx, 9, common.MAV_CMD_DO_WINCH, 1, float32(common.WINCH_DELIVER))
	mustResult(t, "winch on a fixed wing", res, err, common.MAV_RESULT_UNSUPPORTED)
	// a pass north, across the wind, towards a point 5 km away
	tLat, tLon := offset(testHome.Lat, testHome.Lon, 5000, 0)
	res, err = g.command(ctx, 9, common.MAV_CMD_DO_REPOSITION, -1, 0, 0, 0, float32(tLat), float32(tLon), 150)
	mustResult(t, "reposition", res, err, common.MAV_RESULT_ACCEPTED)
	before := wait(t, f, 60*time.Second, "on the pass", func(s Snapshot) bool {
		d := s.Drones[9]
		n, _ := northEast(testHome.Lat, testHome.Lon, d.Lat, d.Lon)
		return n > 1500 && math.Abs(d.Roll) < 0.01 && math.Abs(d.VD) < 0.01 && math.Abs(d.AltRel-150) < 0.5
	}).Drones[9]
	res, err = g.command(ctx, 9, common.MAV_CMD_DO_GRIPPER, 1, 0)
	mustResult(t, "bay release", res, err, common.MAV_RESULT_ACCEPTED)
	log := f.JobLog()
	if len(log.Drops) != 1 || log.Drops[0].Release != "bay" || log.Drops[0].MassKg != 40 {
		t.Fatalf("drops %+v", log.Drops)
	}
	d := log.Drops[0]
	if s := f.Drone(9).State(); s.LoadKg != 0 {
		t.Fatalf("load %v after the drop", s.LoadKg)
	}
	// on a steady pass the load leaves with the plane's velocity
	wn, we := -8*math.Cos(270*deg), -8*math.Sin(270*deg)
	want, wantT := fall(d.From, before.VN, before.VE, before.VD, wn, we, 40, testHome.Alt)
	n, e := northEast(want.Lat, want.Lon, d.Impact.Lat, d.Impact.Lon)
	fallT := d.Landed.Sub(d.Time)
	if math.Hypot(n, e) > 2 || (fallT-wantT).Abs() > 50*time.Millisecond {
		t.Fatalf("impact %.1f m from a fall at the plane's velocity, after %v (want %v)", math.Hypot(n, e), fallT, wantT)
	}
	n, e = northEast(d.From.Lat, d.From.Lon, d.Impact.Lat, d.Impact.Lon)
	if n < 0.5*before.GroundSpeed*fallT.Seconds() || e <= 0 || fallT.Seconds() < math.Sqrt(2*(d.From.Alt-testHome.Alt)/gravity) {
		t.Fatalf("landed %.0f m north and %.0f m east of the release, after %v", n, e, fallT)
	}
}

// The fall itself: the wind carries a load downwind, less than the air
// travels in the fall; a heavier load falls faster.
func TestFallDriftsDownwind(t *testing.T) {
	p := LatLonAlt{Lat: 45, Lon: 9, Alt: 300}
	still, t0 := fall(p, 0, 0, 0, 0, 0, 10, 100)
	windy, t1 := fall(p, 0, 0, 0, 0, 6, 10, 100) // air moving east at 6 m/s
	if n, e := northEast(p.Lat, p.Lon, still.Lat, still.Lon); math.Hypot(n, e) > 1e-6 {
		t.Fatalf("still air: drifted %.2f m", math.Hypot(n, e))
	}
	vacuum := time.Duration(math.Sqrt(2*200/gravity) * float64(time.Second))
	if (t0-t1).Abs() > 100*time.Millisecond || t0 < vacuum || t1 < vacuum {
		t.Fatalf("fall times %v, %v", t0, t1)
	}
	n, e := northEast(p.Lat, p.Lon, windy.Lat, windy.Lon)
	if math.Abs(n) > 1e-6 || e <= 5 || e >= 6*t1.Seconds() {
		t.Fatalf("drift %.1f m north, %.1f m east in %v", n, e, t1)
	}
	_, tHeavy := fall(p, 0, 0, 0, 0, 0, 50, 100)
	if tHeavy >= t0 || windy.Alt != 100 {
		t.Fatalf("50 kg fell in %v, 10 kg in %v", tHeavy, t0)
	}
}

// DO_WINCH deliver lowers the load at the winch rate, lets it go when it
// touches and takes the line back in; a ground beyond the line, an empty
// hook and a drone on the ground are refused.
func TestWinchDeliver(t *testing.T) {
	f, g := startFleet(t, Config{Clock: scaled(t, 40), Drones: []DroneConfig{{SysID: 1, Profile: ProfileHeavy, Home: testHome}}})
	texts, stop := g.statustexts(1)
	defer stop()
	ctx := ctxT(t, 60*time.Second)
	deliver := float32(common.WINCH_DELIVER)
	res, err := g.command(ctx, 1, common.MAV_CMD_DO_WINCH, 1, deliver)
	mustResult(t, "deliver with nothing loaded", res, err, common.MAV_RESULT_DENIED)
	g.setParam(t, 1, paramLoadKg, 5)
	res, err = g.command(ctx, 1, common.MAV_CMD_DO_WINCH, 1, deliver)
	mustResult(t, "deliver on the ground", res, err, common.MAV_RESULT_TEMPORARILY_REJECTED)
	flyUp(t, f, g, 1, 60)
	res, err = g.command(ctx, 1, common.MAV_CMD_DO_WINCH, 1, deliver)
	mustResult(t, "deliver from 60 m", res, err, common.MAV_RESULT_DENIED)
	waitText(t, texts, "Winch: ground 5")
	waitText(t, texts, "below, line 40m")
	res, err = g.command(ctx, 1, common.MAV_CMD_DO_REPOSITION, -1, 0, 0, 0, 0, 0, 20)
	mustResult(t, "down to 20 m", res, err, common.MAV_RESULT_ACCEPTED)
	wait(t, f, 30*time.Second, "at 20 m", func(s Snapshot) bool { return math.Abs(s.Drones[1].AltRel-20) < 0.05 })
	res, err = g.command(ctx, 1, common.MAV_CMD_DO_WINCH, 1, deliver)
	mustResult(t, "deliver", res, err, common.MAV_RESULT_ACCEPTED)
	start := f.Now()
	s := wait(t, f, 30*time.Second, "load down", func(s Snapshot) bool { return s.Drones[1].LoadKg == 0 })
	d := s.Drones[1]
	lowered := s.Time.Sub(start).Seconds()
	// the hook hangs 0.5 m below; the line pays out 19.5 m at 1 m/s
	if math.Abs(d.WinchLineM-(d.AltRel-hangM)) > 0.15 || math.Abs(lowered-(d.AltRel-hangM)/winchRate) > 1 {
		t.Fatalf("load down with %.1f m of line at %.1f m after %.1f s", d.WinchLineM, d.AltRel, lowered)
	}
	waitText(t, texts, "Winch: load down, released")
	s = wait(t, f, 30*time.Second, "line in", func(s Snapshot) bool { return s.Drones[1].WinchLineM == 0 })
	if in := s.Time.Sub(start).Seconds() - lowered; math.Abs(in-d.WinchLineM/winchRate) > 0.3 || !s.Drones[1].Flying() {
		t.Fatalf("line in after %.1f s", in)
	}
	log := f.JobLog()
	if len(log.Drops) != 1 || log.Drops[0].Release != "winch" || log.Drops[0].MassKg != 5 {
		t.Fatalf("drops %+v", log.Drops)
	}
	if n, e := northEast(d.Lat, d.Lon, log.Drops[0].Impact.Lat, log.Drops[0].Impact.Lon); math.Hypot(n, e) > 0.5 {
		t.Fatalf("winch load %.1f m from below the drone", math.Hypot(n, e))
	}
}

// A mission places a load with NAV_PAYLOAD_PLACE (descend until it
// touches, release, climb back) and comes home; its progress shows in
// MISSION_CURRENT (the navigation item, mission mode 1 in AUTO) and
// MISSION_ITEM_REACHED, as ArduPilot reports it. A fixed wing refuses the
// item at upload.
func TestPayloadPlaceMission(t *testing.T) {
	f, g := startFleet(t, Config{Clock: scaled(t, 40), Drones: []DroneConfig{
		{SysID: 1, Profile: ProfileHeavy, Home: testHome},
		{SysID: 9, Profile: ProfileFixedWing, Home: LatLonAlt{testHome.Lat + 0.01, testHome.Lon, testHome.Alt}},
	}})
	pLat, pLon := offset(testHome.Lat, testHome.Lon, 60, 20)
	rel := common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT
	items := []common.MessageMissionItemInt{
		{Command: common.MAV_CMD_NAV_WAYPOINT, Frame: common.MAV_FRAME_GLOBAL_INT},
		{Command: common.MAV_CMD_NAV_TAKEOFF, Frame: rel, Z: 15},
		{Command: common.MAV_CMD_NAV_PAYLOAD_PLACE, Frame: rel, X: degE7(pLat), Y: degE7(pLon), Z: 15},
		{Command: common.MAV_CMD_NAV_RETURN_TO_LAUNCH, Frame: rel},
	}
	if res := g.upload(t, 9, common.MAV_MISSION_TYPE_MISSION, items); res != common.MAV_MISSION_UNSUPPORTED {
		t.Fatalf("payload place on a fixed wing: %v", res)
	}
	if res := g.upload(t, 1, common.MAV_MISSION_TYPE_MISSION, items); res != common.MAV_MISSION_ACCEPTED {
		t.Fatalf("upload: %v", res)
	}
	g.setParam(t, 1, paramLoadKg, 6)
	texts, stop := g.statustexts(1)
	defer stop()
	frames, stopF := g.subscribe()
	defer stopF()
	ctx := ctxT(t, 60*time.Second)
	startAuto(t, g, 1, false)
	low := 100.0
	s := wait(t, f, 60*time.Second, "placed", func(s Snapshot) bool {
		if s.Drones[1].MissionSeq == 2 {
			low = math.Min(low, s.Drones[1].AltRel)
		}
		return s.Drones[1].LoadKg == 0
	})
	waitText(t, texts, "PayloadPlace: Releasing the gripper")
	waitText(t, texts, "Gripper load released")
	d := f.JobLog().Drops
	if len(d) != 1 || d[0].Release != "place" {
		t.Fatalf("drops %+v", d)
	}
	if n, e := northEast(pLat, pLon, d[0].Impact.Lat, d[0].Impact.Lon); math.Hypot(n, e) > 2.5 || math.Abs(low-hangM) > 0.1 {
		t.Fatalf("placed %.1f m from the point, lowest %.2f m", math.Hypot(n, e), low)
	}
	if st := s.Drones[1]; st.MissionSeq != 2 || !st.Flying() {
		t.Fatalf("at release: item %d, flying %v", st.MissionSeq, st.Flying())
	}
	s = wait(t, f, 60*time.Second, "back up", func(s Snapshot) bool { return s.Drones[1].MissionSeq == 3 })
	if a := s.Drones[1].AltRel; math.Abs(a-15) > 1.5 {
		t.Fatalf("place item done at %.1f m, started at 15 m", a)
	}
	wait(t, f, 60*time.Second, "home", func(s Snapshot) bool { return !s.Drones[1].Armed })
	reached := map[uint16]bool{}
	var cur []uint16
	modes := map[uint8]bool{}
	for len(reached) < 3 {
		select {
		case fr := <-frames:
			if fr.SystemID() != 1 {
				continue
			}
			switch m := fr.Message().(type) {
			case *common.MessageMissionItemReached:
				reached[m.Seq] = true
			case *common.MessageMissionCurrent:
				cur = append(cur, m.Seq)
				modes[m.MissionMode] = true
				if m.Total != 3 {
					t.Fatalf("MISSION_CURRENT total %d, want 3", m.Total)
				}
			}
		case <-ctx.Done():
			t.Fatalf("items reached %v", reached)
		}
	}
	if !slices.Contains(cur, 2) || !modes[1] {
		t.Fatalf("MISSION_CURRENT seqs %v, modes %v", cur, modes)
	}
}

// The survey camera in a mission, as QGroundControl's Survey writes it:
// distance triggering (with a first shot at once) along a transect, then
// off, then one DO_DIGICAM_CONTROL shot; each photo comes as CAMERA_TRIGGER
// and CAMERA_FEEDBACK where the drone was, and into the fleet's log.
func TestCameraSurveyMission(t *testing.T) {
	f, g := startFleet(t, Config{Clock: scaled(t, 20), Drones: []DroneConfig{{SysID: 1, Profile: ProfileHeavy, Home: testHome}}})
	aLat, aLon := offset(testHome.Lat, testHome.Lon, 0, 0)
	bLat, bLon := offset(testHome.Lat, testHome.Lon, 0, 300)
	rel := common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT
	items := []common.MessageMissionItemInt{
		{Command: common.MAV_CMD_NAV_WAYPOINT, Frame: common.MAV_FRAME_GLOBAL_INT},
		{Command: common.MAV_CMD_NAV_TAKEOFF, Frame: rel, Z: 40},
		{Command: common.MAV_CMD_NAV_WAYPOINT, Frame: rel, X: degE7(aLat), Y: degE7(aLon), Z: 40},
		{Command: common.MAV_CMD_DO_SET_CAM_TRIGG_DIST, Frame: common.MAV_FRAME_MISSION, Param1: 40, Param3: 1},
		{Command: common.MAV_CMD_NAV_WAYPOINT, Frame: rel, X: degE7(bLat), Y: degE7(bLon), Z: 40},
		{Command: common.MAV_CMD_DO_SET_CAM_TRIGG_DIST, Frame: common.MAV_FRAME_MISSION},
		{Command: common.MAV_CMD_DO_DIGICAM_CONTROL, Frame: common.MAV_FRAME_MISSION, X: 1},
		{Command: common.MAV_CMD_NAV_LOITER_TIME, Frame: rel, X: degE7(bLat), Y: degE7(bLon), Z: 40, Param1: 5},
	}
	if res := g.upload(t, 1, common.MAV_MISSION_TYPE_MISSION, items); res != common.MAV_MISSION_ACCEPTED {
		t.Fatalf("upload: %v", res)
	}
	frames, stopF := g.subscribe()
	defer stopF()
	ctx := ctxT(t, 60*time.Second)
	startAuto(t, g, 1, false)
	wait(t, f, 60*time.Second, "mission done", func(s Snapshot) bool {
		return s.Drones[1].MissionSeq == len(items)
	})
	photos := f.JobLog().Photos
	// one at once, one every 40 m of the 300 m transect, one shot at the end
	if len(photos) != 1+7+1 {
		t.Fatalf("%d photos: %+v", len(photos), photos)
	}
	if s := f.Drone(1).State(); s.Photos != len(photos) {
		t.Fatalf("state counts %d photos", s.Photos)
	}
	for i, p := range photos {
		if p.ImgIdx != i+1 || p.SysID != 1 || math.Abs(p.AltRel-40) > 0.5 {
			t.Fatalf("photo %d: %+v", i, p)
		}
		if i == 0 || i == len(photos)-1 {
			continue
		}
		n, e := northEast(photos[i-1].Pos.Lat, photos[i-1].Pos.Lon, p.Pos.Lat, p.Pos.Lon)
		if d := math.Hypot(n, e); d < 40 || d > 40+12*dt.Seconds()+0.1 {
			t.Fatalf("photos %d and %d %.1f m apart, trigger distance 40 m", i, i+1, d)
		}
	}
	// the wire: a CAMERA_TRIGGER and a CAMERA_FEEDBACK per photo
	// and MISSION_CURRENT on navigation items only, the last once complete
	fb := map[uint16]*ardupilotmega.MessageCameraFeedback{}
	trig := map[uint32]bool{}
	complete := false
	for len(fb) < len(photos) || len(trig) < len(photos) || !complete {
		select {
		case fr := <-frames:
			if fr.SystemID() != 1 {
				continue
			}
			switch m := fr.Message().(type) {
			case *ardupilotmega.MessageCameraFeedback:
				fb[m.ImgIdx] = m
			case *common.MessageCameraTrigger:
				trig[m.Seq] = true
			case *common.MessageMissionCurrent:
				if int(m.Seq) >= len(items) || !isNav(items[m.Seq].Command) || m.Total != uint16(len(items)-1) {
					t.Fatalf("MISSION_CURRENT %+v", m)
				}
				complete = complete || (m.MissionState == common.MISSION_STATE_COMPLETE && int(m.Seq) == len(items)-1)
			}
		case <-ctx.Done():
			t.Fatalf("%d feedbacks, %d triggers for %d photos", len(fb), len(trig), len(photos))
		}
	}
	for _, p := range photos {
		m := fb[uint16(p.ImgIdx)]
		if m == nil || !trig[uint32(p.ImgIdx)] || m.Lat != degE7(p.Pos.Lat) || m.Lng != degE7(p.Pos.Lon) ||
			math.Abs(float64(m.AltMsl)-p.Pos.Alt) > 0.01 || math.Abs(float64(m.AltRel)-p.AltRel) > 0.01 ||
			math.Abs(float64(m.Yaw)-p.Yaw) > 0.01 || m.Flags != ardupilotmega.CAMERA_FEEDBACK_PHOTO ||
			m.TimeUsec != uint64(p.Time.UnixMicro()) {
			t.Fatalf("photo %+v, feedback %+v", p, m)
		}
	}
}

// Shots asked for faster than the camera's minimum interval wait for it,
// as ArduPilot's pending trigger; an airframe without a camera does not
// support the commands.
func TestCameraMinInterval(t *testing.T) {
	f, g := startFleet(t, Config{Clock: scaled(t, 10), Profiles: bareProfiles(), Drones: []DroneConfig{
		{SysID: 1, Profile: ProfileHeavy, Home: testHome},
		{SysID: 2, Profile: "bare", Home: LatLonAlt{testHome.Lat + 0.001, testHome.Lon, testHome.Alt}},
	}})
	ctx := ctxT(t, 30*time.Second)
	res, err := g.command(ctx, 2, common.MAV_CMD_DO_DIGICAM_CONTROL, 0, 0, 0, 0, 1)
	mustResult(t, "shot without a camera", res, err, common.MAV_RESULT_UNSUPPORTED)
	res, err = g.command(ctx, 2, common.MAV_CMD_DO_SET_CAM_TRIGG_DIST, 20)
	mustResult(t, "trigger distance without a camera", res, err, common.MAV_RESULT_UNSUPPORTED)
	res, err = g.command(ctx, 1, common.MAV_CMD_DO_SET_CAM_TRIGG_DIST, -3)
	mustResult(t, "negative trigger distance", res, err, common.MAV_RESULT_DENIED)
	for i := 0; i < 2; i++ {
		res, err = g.command(ctx, 1, common.MAV_CMD_DO_DIGICAM_CONTROL, 0, 0, 0, 0, 1)
		mustResult(t, "shot", res, err, common.MAV_RESULT_ACCEPTED)
	}
	res, err = g.command(ctx, 1, common.MAV_CMD_DO_DIGICAM_CONTROL, 0, 0, 0, 0, 0)
	mustResult(t, "no shot", res, err, common.MAV_RESULT_ACCEPTED)
	wait(t, f, 30*time.Second, "two photos", func(s Snapshot) bool { return s.Drones[1].Photos == 2 })
	p := f.JobLog().Photos
	if len(p) != 2 || p[1].Time.Sub(p[0].Time) != 2*time.Second {
		t.Fatalf("photos %+v; min interval 2 s", p)
	}
	// a COMMAND_INT carries param5 in x
	g.send(&common.MessageCommandInt{TargetSystem: 1, TargetComponent: 1, Command: common.MAV_CMD_DO_DIGICAM_CONTROL, X: 1})
	wait(t, f, 30*time.Second, "third photo", func(s Snapshot) bool { return s.Drones[1].Photos == 3 })
}

// The sprayer drains the tank at the pump rate while on and flying, logs
// where the water went, and switches off with a STATUSTEXT when the tank
// is empty.
func TestSprayerDrainsTank(t *testing.T) {
	f, g := startFleet(t, Config{Clock: scaled(t, 20), Drones: []DroneConfig{
		{SysID: 1, Profile: ProfileHeavy, Home: testHome},
		{SysID: 9, Profile: ProfileFixedWing, Home: LatLonAlt{testHome.Lat + 0.01, testHome.Lon, testHome.Alt}},
	}})
	texts, stop := g.statustexts(1)
	defer stop()
	ctx := ctxT(t, 60*time.Second)
	res, err := g.command(ctx, 9, cmdDoSprayer, 1)
	mustResult(t, "sprayer on a fixed wing", res, err, common.MAV_RESULT_UNSUPPORTED)
	res, err = g.command(ctx, 1, cmdDoSprayer, 1)
	mustResult(t, "empty tank", res, err, common.MAV_RESULT_DENIED)
	waitText(t, texts, "Sprayer: tank empty")
	g.setParam(t, 1, paramTankL, 2)
	res, err = g.command(ctx, 1, cmdDoSprayer, 1)
	mustResult(t, "on, on the ground", res, err, common.MAV_RESULT_ACCEPTED)
	flyUp(t, f, g, 1, 10)
	if s := f.Drone(1).State(); s.TankL >= 2 || s.TankL < 2-5.0/60*15 {
		t.Fatalf("tank %.3f L after the climb", s.TankL) // sprayed only once airborne
	}
	res, err = g.command(ctx, 1, cmdDoSprayer, 0)
	mustResult(t, "off", res, err, common.MAV_RESULT_ACCEPTED)
	left := f.Drone(1).State().TankL
	st := f.Drone(1).State()
	wait(t, f, 30*time.Second, "ten seconds", func(s Snapshot) bool { return s.Time.Sub(st.Time) > 10*time.Second })
	if s := f.Drone(1).State(); s.TankL != left {
		t.Fatalf("tank went from %.3f to %.3f L with the sprayer off", left, s.TankL)
	}
	res, err = g.command(ctx, 1, cmdDoSprayer, 1)
	mustResult(t, "on", res, err, common.MAV_RESULT_ACCEPTED)
	on := f.Now()
	s := wait(t, f, 30*time.Second, "empty", func(s Snapshot) bool { return s.Drones[1].TankL == 0 })
	if took, want := s.Time.Sub(on).Seconds(), left/5*60; math.Abs(took-want) > 1 {
		t.Fatalf("%.2f L sprayed in %.1f s, the pump does it in %.1f s", left, took, want)
	}
	waitText(t, texts, "Sprayer: off")
	total := 0.0
	for _, sp := range f.JobLog().Sprays {
		total += sp.Litres
		if sp.SysID != 1 || sp.Litres > 5.0/60+1e-9 {
			t.Fatalf("spray %+v", sp)
		}
	}
	if math.Abs(total-2) > 1e-6 {
		t.Fatalf("log holds %.4f L sprayed, the tank held 2 L", total)
	}
	res, err = g.command(ctx, 1, cmdDoSprayer, 1)
	mustResult(t, "on with the tank empty", res, err, common.MAV_RESULT_DENIED)
	if v := g.setParam(t, 1, paramTankL, 0); v != 0 {
		t.Fatalf("tank param %v after spraying it empty", v)
	}
}

// A fixed wing flies an AUTO drop mission as Plane does: straight through
// its waypoints (not circling them), the bay opening as it passes the
// release point, the load landing down track and downwind.
func TestFixedWingDropMission(t *testing.T) {
	f, g := startFleet(t, Config{Clock: scaled(t, 50), Wind: Wind{SpeedMS: 6, FromDeg: 270},
		Drones: []DroneConfig{{SysID: 9, Profile: ProfileFixedWing, Home: testHome}}})
	rel := common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT
	wp := func(north float64) common.MessageMissionItemInt {
		lat, lon := offset(testHome.Lat, testHome.Lon, north, 0)
		return common.MessageMissionItemInt{Command: common.MAV_CMD_NAV_WAYPOINT, Frame: rel, X: degE7(lat), Y: degE7(lon), Z: 120}
	}
	items := []common.MessageMissionItemInt{
		{Command: common.MAV_CMD_NAV_WAYPOINT, Frame: common.MAV_FRAME_GLOBAL_INT},
		{Command: common.MAV_CMD_NAV_TAKEOFF, Frame: rel, Z: 120},
		wp(1500), wp(3000),
		{Command: common.MAV_CMD_DO_GRIPPER, Frame: common.MAV_FRAME_MISSION, Param1: 1, Param2: 0},
		wp(4500),
		{Command: common.MAV_CMD_NAV_RETURN_TO_LAUNCH, Frame: rel},
	}
	if res := g.upload(t, 9, common.MAV_MISSION_TYPE_MISSION, items); res != common.MAV_MISSION_ACCEPTED {
		t.Fatalf("upload: %v", res)
	}
	g.setParam(t, 9, paramLoadKg, 30)
	startAuto(t, g, 9, true)
	off := 0.0 // the leg from 1.5 to 3 km north is flown on its line, crabbing into the wind
	s := wait(t, f, 60*time.Second, "dropped", func(s Snapshot) bool {
		d := s.Drones[9]
		if n, e := northEast(testHome.Lat, testHome.Lon, d.Lat, d.Lon); d.MissionSeq == 3 && n > 2000 {
			off = math.Max(off, math.Abs(e))
		}
		return d.LoadKg == 0
	})
	if off > 5 {
		t.Fatalf("on the leg to the release point the plane strayed %.0f m off its line", off)
	}
	drops := f.JobLog().Drops
	if len(drops) != 1 || drops[0].Release != "bay" {
		t.Fatalf("drops %+v", drops)
	}
	d := drops[0]
	n, e := northEast(testHome.Lat, testHome.Lon, d.From.Lat, d.From.Lon)
	if math.Abs(n-3000) > 10 || math.Abs(e) > 10 || s.Drones[9].MissionSeq != 4 {
		t.Fatalf("released %.0f m north, %.0f m east of home (want 3000, 0), item %d", n, e, s.Drones[9].MissionSeq)
	}
	ni, ei := northEast(d.From.Lat, d.From.Lon, d.Impact.Lat, d.Impact.Lon)
	if ni < 50 || ei <= 0 {
		t.Fatalf("impact %.0f m north, %.0f m east of the release", ni, ei)
	}
	wait(t, f, 60*time.Second, "past the last waypoint", func(s Snapshot) bool { return s.Drones[9].MissionSeq == 6 })
}

// A copter's drop and fire mission in AUTO: a winch delivery over the
// point holds the mission until the line is back in, then the sprayer runs
// through a timed loiter and stops, and the drone comes home.
func TestWinchAndSprayerMission(t *testing.T) {
	f, g := startFleet(t, Config{Clock: scaled(t, 40), Drones: []DroneConfig{{SysID: 1, Profile: ProfileHeavy, Home: testHome}}})
	pLat, pLon := offset(testHome.Lat, testHome.Lon, 40, 0)
	rel := common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT
	items := []common.MessageMissionItemInt{
		{Command: common.MAV_CMD_NAV_WAYPOINT, Frame: common.MAV_FRAME_GLOBAL_INT},
		{Command: common.MAV_CMD_NAV_TAKEOFF, Frame: rel, Z: 20},
		{Command: common.MAV_CMD_NAV_WAYPOINT, Frame: rel, X: degE7(pLat), Y: degE7(pLon), Z: 20},
		{Command: common.MAV_CMD_DO_WINCH, Frame: common.MAV_FRAME_MISSION, Param1: 1, Param2: float32(common.WINCH_DELIVER)},
		{Command: cmdDoSprayer, Frame: common.MAV_FRAME_MISSION, Param1: 1},
		{Command: common.MAV_CMD_NAV_LOITER_TIME, Frame: rel, X: degE7(pLat), Y: degE7(pLon), Z: 20, Param1: 6},
		{Command: cmdDoSprayer, Frame: common.MAV_FRAME_MISSION, Param1: 0},
		{Command: common.MAV_CMD_NAV_RETURN_TO_LAUNCH, Frame: rel},
	}
	if res := g.upload(t, 1, common.MAV_MISSION_TYPE_MISSION, items); res != common.MAV_MISSION_ACCEPTED {
		t.Fatalf("upload: %v", res)
	}
	g.setParam(t, 1, paramLoadKg, 4)
	g.setParam(t, 1, paramTankL, 3)
	startAuto(t, g, 1, false)
	s := wait(t, f, 60*time.Second, "home", func(s Snapshot) bool { return !s.Drones[1].Armed && s.Drones[1].MissionSeq == len(items) })
	log := f.JobLog()
	if len(log.Drops) != 1 || log.Drops[0].Release != "winch" || len(log.Sprays) == 0 {
		t.Fatalf("drops %+v, %d sprays", log.Drops, len(log.Sprays))
	}
	d := log.Drops[0]
	if n, e := northEast(pLat, pLon, d.Impact.Lat, d.Impact.Lon); math.Hypot(n, e) > 2.5 {
		t.Fatalf("delivered %.1f m from the point", math.Hypot(n, e))
	}
	// the sprayer came on once the line was in: 19.5 m down and up at 1 m/s
	if wait := log.Sprays[0].Time.Sub(d.Time); wait < 19*time.Second {
		t.Fatalf("spraying %v after the load was down: the mission did not wait for the line", wait)
	}
	sprayed := 0.0
	for _, sp := range log.Sprays {
		sprayed += sp.Litres
		if n, e := northEast(pLat, pLon, sp.Pos.Lat, sp.Pos.Lon); math.Hypot(n, e) > 3 {
			t.Fatalf("sprayed %.1f m from the point", math.Hypot(n, e))
		}
	}
	// 6 s of loiter and the few 100 ms steps the items between take
	if want := 6 * 5.0 / 60; sprayed < want || sprayed > want+5*dt.Minutes()*5 || math.Abs(s.Drones[1].TankL-(3-sprayed)) > 1e-6 {
		t.Fatalf("sprayed %.3f L in a 6 s loiter (want %.3f), tank %.3f L", sprayed, want, s.Drones[1].TankL)
	}
}

// A release whose ack was lost is sent again with confirmation raised: the
// drone answers it as it answered the release (ACCEPTED), not DENIED for
// want of a load, and drops nothing twice; a new release (confirmation 0)
// with nothing loaded is DENIED.
func TestReleaseRetryAnsweredAsTheRelease(t *testing.T) {
	f, g := startFleet(t, Config{Clock: scaled(t, 10), Drones: []DroneConfig{{SysID: 1, Profile: ProfileHeavy, Home: testHome}}})
	if err := f.Drone(1).Load(3, 0); err != nil {
		t.Fatal(err)
	}
	flyUp(t, f, g, 1, 15)
	ctx := ctxT(t, 30*time.Second)
	release := func(confirm uint8) common.MAV_RESULT {
		t.Helper()
		res, err := g.await(ctx, 1, common.MAV_CMD_DO_GRIPPER, &common.MessageCommandLong{TargetSystem: 1, TargetComponent: 1,
			Command: common.MAV_CMD_DO_GRIPPER, Param1: 1, Param2: 0, Confirmation: confirm})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := release(0); res != common.MAV_RESULT_ACCEPTED {
		t.Fatalf("release: %v", res)
	}
	if res := release(1); res != common.MAV_RESULT_ACCEPTED {
		t.Fatalf("the release's retry: %v", res)
	}
	if res := release(0); res != common.MAV_RESULT_DENIED {
		t.Fatalf("a new release with nothing loaded: %v", res)
	}
	if d := f.JobLog().Drops; len(d) != 1 {
		t.Fatalf("%d drops", len(d))
	}
}

// The crew's Load is PARAM_SET's: the same limits, and a refusal names
// the field and changes nothing.
func TestDroneLoad(t *testing.T) {
	f, _ := startFleet(t, Config{Clock: scaled(t, 10), Drones: []DroneConfig{{SysID: 1, Profile: ProfileHeavy, Home: testHome}}})
	d := f.Drone(1)
	if err := d.Load(6, 12); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		kg, l float64
		field string
	}{{11, 0, "kg"}, {1, 21, "litres"}, {math.NaN(), 1, "kg"}, {1, -1, "litres"}} {
		err := d.Load(c.kg, c.l)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != c.field {
			t.Fatalf("Load(%v, %v): %v, want an error naming %s", c.kg, c.l, err, c.field)
		}
	}
	if s := d.State(); s.LoadKg != 6 || s.TankL != 12 {
		t.Fatalf("after refusals: %v kg, %v L", s.LoadKg, s.TankL)
	}
}
