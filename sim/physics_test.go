package sim

import (
	"math"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/aerocell/aerocell/airframe"
)

// bench is a vehicle flown without sockets, for physics tests: only the
// fleet loop's stepping, driven directly.
type bench struct {
	f *Fleet
	v *vehicle
}

func newBench(t *testing.T, profile string, cfg Config) *bench {
	t.Helper()
	f := &Fleet{cfg: cfg, speed: 1}
	f.now = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, p := range BuiltinProfiles() {
		if p.Name == profile {
			v := newVehicle(f, DroneConfig{SysID: 1, Home: testHome}, &p, i, 7, f.now)
			f.vehicles = []*vehicle{v}
			return &bench{f, v}
		}
	}
	t.Fatalf("no profile %q", profile)
	return nil
}

func (b *bench) run(d time.Duration, each func(s State)) {
	for end := b.f.now.Add(d); b.f.now.Before(end); {
		b.f.now = b.f.now.Add(dt)
		b.v.step()
		if each != nil {
			each(b.v.state())
		}
	}
}

func (b *bench) takeoff(t *testing.T, alt float64) {
	t.Helper()
	if r := b.v.setMode(b.v.modeByKind(mGuided)); r != "" {
		t.Fatal(r)
	}
	if res, r := b.v.arm(true, false); res != common.MAV_RESULT_ACCEPTED {
		t.Fatal(r)
	}
	b.v.takeoff(alt)
	b.run(time.Minute, nil)
	if s := b.v.state(); s.Landed != InAir || math.Abs(s.AltRel-alt) > 0.5 {
		t.Fatalf("takeoff: %v at %.1f m", s.Landed, s.AltRel)
	}
}

// Wind costs power in a hover and pushes the drone about; GPS reports the
// position with noise of the configured size.
func TestWindCostsPowerAndPushes(t *testing.T) {
	hover := func(w Wind) (power, worst float64) {
		b := newBench(t, ProfileHeavy, Config{Wind: w, GPSNoiseM: 2})
		b.takeoff(t, 30)
		here := b.v.state()
		n := 0
		b.run(5*time.Minute, func(s State) {
			power += s.PowerW
			n++
			dn, de := northEast(here.Lat, here.Lon, s.Lat, s.Lon)
			worst = math.Max(worst, math.Hypot(dn, de))
		})
		return power / float64(n), worst
	}
	stillP, stillD := hover(Wind{})
	windP, windD := hover(Wind{SpeedMS: 8, FromDeg: 300, GustMS: 3})
	bat, cruise := BuiltinProfiles()[1].Battery, BuiltinProfiles()[1].CruiseSpeed
	if want := 0.9 * (bat.CruiseW - bat.HoverW) * (8 / cruise) * (8 / cruise); windP-stillP < want {
		t.Fatalf("hover power %.0f W in 8 m/s wind, %.0f W in still air: want %.0f W more", windP, stillP, want)
	}
	if stillD > 0.01 || windD < 0.3 {
		t.Fatalf("hover excursion %.2f m in still air, %.2f m in gusts", stillD, windD)
	}

	b := newBench(t, ProfileHeavy, Config{GPSNoiseM: 2})
	var sum2 float64
	n := 0
	b.run(10*time.Minute, func(s State) {
		m := b.v.message(msgGPSRawInt).(*common.MessageGpsRawInt)
		dn, de := northEast(s.Lat, s.Lon, float64(m.Lat)/1e7, float64(m.Lon)/1e7)
		sum2 += dn*dn + de*de
		n++
	})
	if rms := math.Sqrt(sum2 / float64(n) / 2); rms < 0.5 || rms > 4 {
		t.Fatalf("GPS error %.2f m rms per axis, configured 2 m", rms)
	}
}

// A reposition respects the speed and acceleration limits and stops on the
// point.
func TestSpeedAndAccelerationLimits(t *testing.T) {
	b := newBench(t, ProfileHeavy, Config{})
	b.takeoff(t, 20)
	p := b.v.prof
	lat, lon := offset(testHome.Lat, testHome.Lon, 500, 0)
	b.v.goTo(LatLonAlt{lat, lon, testHome.Alt + 60})
	prev := b.v.state()
	maxSpeed, maxAcc, maxClimb := 0.0, 0.0, 0.0
	b.run(2*time.Minute, func(s State) {
		maxSpeed = math.Max(maxSpeed, s.GroundSpeed)
		maxAcc = math.Max(maxAcc, math.Hypot(s.VN-prev.VN, s.VE-prev.VE)/dt.Seconds())
		maxClimb = math.Max(maxClimb, -s.VD)
		prev = s
	})
	if maxSpeed > p.CruiseSpeed+1e-9 || maxSpeed < 0.95*p.CruiseSpeed {
		t.Fatalf("top speed %.2f m/s, profile %v", maxSpeed, p.CruiseSpeed)
	}
	if maxAcc > p.Accel+1e-9 {
		t.Fatalf("acceleration %.2f m/s², limit %v", maxAcc, p.Accel)
	}
	if maxClimb > p.ClimbRate+1e-9 || maxClimb < 0.9*p.ClimbRate {
		t.Fatalf("climb %.2f m/s, limit %v", maxClimb, p.ClimbRate)
	}
	s := b.v.state()
	if n, e := northEast(s.Lat, s.Lon, lat, lon); math.Hypot(n, e) > 0.5 || s.GroundSpeed > 0.1 || math.Abs(s.AltRel-60) > 0.2 {
		t.Fatalf("stopped %.2f m from the point at %.2f m/s, %.1f m", math.Hypot(n, e), s.GroundSpeed, s.AltRel)
	}
}

// The voltage falls with the charge, and the endurance the model flies
// matches each profile's stated one.
func TestEnergyModelMatchesProfiles(t *testing.T) {
	prev := math.Inf(1)
	for soc := 1.0; soc >= 0; soc -= 0.01 {
		v := cellVoltage(soc)
		if v > prev {
			t.Fatalf("cell voltage rises to %.3f V at %.0f%%", v, soc*100)
		}
		prev = v
	}
	for _, p := range BuiltinProfiles() {
		if p.Endurance == 0 {
			if p.Tether == nil {
				t.Fatalf("%s: no endurance and no tether", p.Name)
			}
			continue
		}
		b := p.Battery
		model := time.Duration(b.CapacityWh * (1 - b.ReservePct/100) / (b.HoverW + airframe.AvionicsW) * float64(time.Hour))
		if e := math.Abs(model.Seconds()/p.Endurance.Seconds() - 1); e > 0.02 {
			t.Fatalf("%s: model endurance %v, stated %v", p.Name, model, p.Endurance)
		}
	}
}

// A ground station enables the GCS failsafe with PARAM_SET, as on
// ArduPilot; silence past FS_GCS_TIMEOUT then gives RTL.
func TestGCSFailsafeByParameter(t *testing.T) {
	b := newBench(t, ProfileHeavy, Config{})
	b.takeoff(t, 20)
	b.run(time.Minute, nil)
	if s := b.v.state(); s.Failsafe != "" {
		t.Fatalf("failsafe %q with FS_GCS_ENABLE 0", s.Failsafe)
	}
	set := func(name string, v float32) {
		b.v.receive(&common.MessageParamSet{TargetSystem: 1, TargetComponent: 1, ParamId: name, ParamValue: v}, 255, 190)
	}
	set("FS_GCS_ENABLE", 1)
	set("FS_GCS_TIMEOUT", 3)
	start := b.f.now
	var at time.Duration
	b.run(time.Minute, func(s State) {
		if s.Failsafe == "gcs" && at == 0 {
			at = s.Time.Sub(start)
		}
	})
	if at < 3*time.Second || at > 3*time.Second+2*dt {
		t.Fatalf("GCS failsafe after %v of silence, FS_GCS_TIMEOUT 3 s", at)
	}
	if s := b.v.state(); s.Mode.Name != "RTL" {
		t.Fatalf("mode %s", s.Mode.Name)
	}
}

// At the reserve a drone too far from home to get there lands where it is.
func TestBatteryReserveLandsWhenHomeOutOfReach(t *testing.T) {
	for _, c := range []struct {
		name   string
		northM float64
		mode   string
	}{{"near", 500, "RTL"}, {"far", 40000, "LAND"}} {
		b := newBench(t, ProfileHeavy, Config{})
		b.takeoff(t, 30)
		bat := b.v.prof.Battery
		b.v.lat, b.v.lon = offset(testHome.Lat, testHome.Lon, c.northM, 0)
		b.v.holdHere()
		b.v.energyWh = bat.CapacityWh * (bat.ReservePct + 0.5) / 100
		var s State
		b.run(5*time.Minute, func(st State) {
			if s.Failsafe == "" {
				s = st
			}
		})
		if s.Failsafe != "battery" || s.Mode.Name != c.mode {
			t.Fatalf("%s: failsafe %q, mode %s; want %s", c.name, s.Failsafe, s.Mode.Name, c.mode)
		}
	}
}

// Tension near the tether's length brings a tethered drone down and in
// (here the winch reels the tether in under a hovering drone).
func TestTetherTensionDescends(t *testing.T) {
	b := newBench(t, ProfileTethered, Config{})
	b.takeoff(t, 60)
	lat, lon := offset(testHome.Lat, testHome.Lon, 100, 0)
	b.v.goTo(LatLonAlt{lat, lon, testHome.Alt + 60})
	b.run(time.Minute, nil)
	before := b.v.state()
	b.v.tetherM = 0.9 * before.TetherUsed / 0.97 // now well past 97 % of it
	worst := 0.0
	b.run(time.Minute, func(s State) { worst = math.Max(worst, s.TetherUsed/s.TetherM) })
	after := b.v.state()
	if after.AltRel >= before.AltRel-2 || after.TetherUsed > 0.97*after.TetherM || worst > 1+1e-9 {
		t.Fatalf("tension: alt %.1f -> %.1f m, tether %.1f/%.1f m (worst %.3f)", before.AltRel, after.AltRel, after.TetherUsed, after.TetherM, worst)
	}
}

// A velocity target flies for 3 s (renewed or not) and never out of a
// tether's reach; DO_SET_HOME moves home.
func TestVelocityTargetAndSetHome(t *testing.T) {
	b := newBench(t, ProfileTethered, Config{})
	b.takeoff(t, 30)
	vel := func(n, e, d float32) {
		b.v.receive(&common.MessageSetPositionTargetGlobalInt{TargetSystem: 1, TargetComponent: 1,
			CoordinateFrame: common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT,
			TypeMask:        common.POSITION_TARGET_TYPEMASK_X_IGNORE | common.POSITION_TARGET_TYPEMASK_Y_IGNORE | common.POSITION_TARGET_TYPEMASK_Z_IGNORE,
			Vx:              n, Vy: e, Vz: d}, 255, 190)
	}
	start := b.v.state()
	vel(5, 0, 0)
	b.run(10*time.Second, nil)
	s := b.v.state()
	n, _ := northEast(start.Lat, start.Lon, s.Lat, s.Lon)
	if n < 8 || n > 16 || s.GroundSpeed > 0.1 {
		t.Fatalf("3 s at 5 m/s then stop: moved %.1f m, now %.1f m/s", n, s.GroundSpeed)
	}
	for i := 0; i < 100; i++ { // renewed for 100 s towards the edge
		vel(8, 0, -1)
		b.run(time.Second, nil)
		if st := b.v.state(); st.TetherUsed > 0.95*st.TetherM+0.5 {
			t.Fatalf("velocity took the drone to %.1f of %.0f m", st.TetherUsed, st.TetherM)
		}
	}
	b.v.command(command{cmd: common.MAV_CMD_DO_SET_HOME, p: [4]float64{1}, lat: math.NaN(), lon: math.NaN()})
	if s := b.v.state(); s.Home.Lat != s.Lat || s.Home.Lon != s.Lon {
		t.Fatalf("home %+v, drone at %.6f %.6f", s.Home, s.Lat, s.Lon)
	}
}

// An RTL in gusty wind lands at home once it has begun its final descent:
// as ArduPilot's land stage, it keeps home under it while it comes down
// and never climbs back to its return altitude when a gust pushes it a few
// metres off. (It used to bounce between 7 and 30 m over home for eight
// minutes in Irene's 7 m/s wind with 3 m/s gusts, until the battery was
// critical.)
func TestRTLLandsInGusts(t *testing.T) {
	for _, w := range []Wind{{}, {SpeedMS: 7, FromDeg: 220, GustMS: 3}, {SpeedMS: 12, FromDeg: 90, GustMS: 5}} {
		b := newBench(t, ProfileHeavy, Config{Wind: w, Seed: 3})
		b.takeoff(t, 120)
		b.v.lat, b.v.lon = offset(testHome.Lat, testHome.Lon, 800, 0)
		b.v.holdHere()
		if r := b.v.setMode(b.v.modeByKind(mRTL)); r != "" {
			t.Fatal(r)
		}
		p := b.v.prof
		// the flight home, the descent and the last 10 m at the landing speed, with a minute in hand
		within := time.Duration((800/math.Max(1, p.CruiseSpeed-w.SpeedMS-w.GustMS)+120/p.DescentRate+10/p.LandSpeed)*float64(time.Second)) + time.Minute
		descending, climbedBack := false, 0.0
		var landedAt time.Duration
		start := b.f.now
		b.run(within+5*time.Minute, func(s State) {
			if landedAt != 0 || !s.Armed {
				if landedAt == 0 {
					landedAt = b.f.now.Sub(start)
				}
				return
			}
			if s.Landed == Landing {
				descending = true
			}
			if descending && -s.VD > 0.5 {
				climbedBack = math.Max(climbedBack, -s.VD)
			}
		})
		s := b.v.state()
		dn, de := northEast(testHome.Lat, testHome.Lon, s.Lat, s.Lon)
		t.Logf("wind %v: landed after %v, %.1f m from home", w, landedAt, math.Hypot(dn, de))
		if landedAt == 0 || landedAt > within {
			t.Errorf("wind %v: not landed within %v (landed after %v, at %.1f m above home, %s)", w, within, landedAt, s.AltRel, s.Landed)
		}
		if climbedBack > 0 {
			t.Errorf("wind %v: climbed back at %.1f m/s after its final descent began", w, climbedBack)
		}
		if d := math.Hypot(dn, de); d > 5 {
			t.Errorf("wind %v: landed %.1f m from home", w, d)
		}
		if s.Failsafe == "crash" {
			t.Errorf("wind %v: crashed", w)
		}
	}
}
