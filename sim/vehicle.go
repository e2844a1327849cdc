package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/aerocell/aerocell/airframe"
	"github.com/aerocell/aerocell/payload"
)

// dt is the fixed physics step on the fleet clock. Every drone steps by it,
// whatever the wall-clock scheduling, so a run is a function of its seed and
// of when commands arrive.
const dt = 100 * time.Millisecond

const gravity = 9.80665

// modeKind is a flight mode independent of the firmware numbering.
type modeKind int

const (
	mStabilize modeKind = iota
	mAltHold
	mAuto
	mGuided
	mLoiter
	mRTL
	mLand
	mBrake
	mManual
	mCircle
	mFBWA
	mTakeoff
)

type modeDef struct {
	kind modeKind
	name string
	num  uint32
}

// Copter and Plane custom_mode numbers (ArduPilot's COPTER_MODE and
// PLANE_MODE) for the modes the simulator flies.
var (
	copterModes = []modeDef{
		{mStabilize, "STABILIZE", 0}, {mAltHold, "ALT_HOLD", 2}, {mAuto, "AUTO", 3}, {mGuided, "GUIDED", 4},
		{mLoiter, "LOITER", 5}, {mRTL, "RTL", 6}, {mLand, "LAND", 9}, {mBrake, "BRAKE", 17},
	}
	planeModes = []modeDef{
		{mManual, "MANUAL", 0}, {mCircle, "CIRCLE", 1}, {mStabilize, "STABILIZE", 2}, {mFBWA, "FBWA", 5},
		{mAuto, "AUTO", 10}, {mRTL, "RTL", 11}, {mLoiter, "LOITER", 12}, {mTakeoff, "TAKEOFF", 13}, {mGuided, "GUIDED", 15},
	}
)

// phase is what the flight controller is doing, whatever the mode.
type phase int

const (
	phGround   phase = iota // disarmed or armed on the ground
	phTakeoff               // climbing to tAlt over the takeoff point
	phHold                  // flying to (tLat, tLon, tAlt) and holding there (Plane: loitering)
	phLand                  // descending over (tLat, tLon) to touch down
	phRTL                   // returning home (Copter then lands; Plane loiters)
	phDrift                 // no position control: holds altitude, drifts with the wind
	phForced                // motor failure: straight down
	phVelocity              // GUIDED velocity target (SET_POSITION_TARGET_GLOBAL_INT), then hold
)

// vehicle is one simulated drone. Only the fleet loop touches it.
type vehicle struct {
	f       *Fleet
	id      uint8
	prof    *Profile
	profIdx int
	rng     *rand.Rand // physics: gusts, GPS noise, users
	linkRng *rand.Rand // packet loss, so that link faults don't perturb physics
	boot    time.Time

	home    LatLonAlt
	gs      *LatLonAlt
	tetherM float64

	lat, lon, alt float64
	vn, ve, vd    float64
	heading       float64 // degrees
	roll, pitch   float64
	yawRate       float64
	airspeed      float64
	gustN, gustE  float64

	armed  bool
	mode   modeDef
	landed LandedState
	phase  phase
	// target of phHold/phLand/phTakeoff; tAlt is MSL.
	tLat, tLon, tAlt float64
	speed            float64 // horizontal speed limit now (DO_CHANGE_SPEED)
	afterTakeoff     func()

	energyWh    float64
	powerW      float64
	voltage     float64
	current     float64
	consumedWh  float64
	swapSince   time.Time // resting at home since, for Config.BatterySwap
	groundPower bool
	battFailed  bool
	fsReserve   bool
	fsCritical  bool
	failsafe    string

	gpsN, gpsE float64 // GPS error (Gauss-Markov), metres

	cells    []CellStatus
	bootDone []time.Time // per cell: when a switch-on completes (zero: none)
	bootAck  []time.Time // per cell: next IN_PROGRESS ack

	faults []activeFault

	lastGCS     time.Time
	gcs         ackTo
	gcsFailsafe bool
	param       map[string]float32
	tensionMsg  bool

	tel         telemetry
	mission     missionStore
	fence       missionStore
	rally       missionStore // stored and returned; RTL goes home, not to rally points
	xfer        *missionTransfer
	outQ        []queuedMsg
	inQ         []queuedIn
	link        LinkStats
	direct      []*directOut // UDP sockets written from the loop
	viaNode     bool         // other client endpoints: written through the node
	homeSent    bool
	fenceBreach bool
	usersNext   time.Time
	ground      float64 // flat terrain at the first home's altitude (MSL)
	// velocity target of phVelocity, m/s NED, until velUntil
	velN, velE, velD float64
	velUntil         time.Time
}

func newVehicle(f *Fleet, dc DroneConfig, prof *Profile, idx int, seed uint64, now time.Time) *vehicle {
	v := &vehicle{
		f: f, id: dc.SysID, prof: prof, profIdx: idx,
		rng:     rand.New(rand.NewPCG(seed, uint64(dc.SysID)*0x9e3779b97f4a7c15+1)),
		linkRng: rand.New(rand.NewPCG(seed^0x5bd1e995, uint64(dc.SysID)+7)),
		boot:    now,
		home:    dc.Home,
		ground:  dc.Home.Alt,
		lat:     dc.Home.Lat, lon: dc.Home.Lon, alt: dc.Home.Alt,
		landed: OnGround, phase: phGround,
		speed: prof.CruiseSpeed,
	}
	v.heading = wrap360(dc.Heading)
	if prof.Copter() {
		v.mode = copterModes[0]
	} else {
		v.mode = planeModes[0]
	}
	if prof.Tether != nil {
		gs := dc.Home
		if dc.GroundStation != nil {
			gs = *dc.GroundStation
		}
		v.gs = &gs
		v.tetherM = prof.Tether.LengthM
		if dc.TetherM > 0 {
			v.tetherM = dc.TetherM
		}
		v.groundPower = true
	}
	v.energyWh = prof.Battery.CapacityWh
	for _, c := range prof.Cells {
		v.cells = append(v.cells, CellStatus{Cell: c})
	}
	v.bootDone = make([]time.Time, len(v.cells))
	v.bootAck = make([]time.Time, len(v.cells))
	v.tel.init(v, now)
	v.mission.home(v)
	v.updateElectrics()
	return v
}

func (v *vehicle) modes() []modeDef {
	if v.prof.Copter() {
		return copterModes
	}
	return planeModes
}

func (v *vehicle) modeByNumber(n uint32) (modeDef, bool) {
	for _, m := range v.modes() {
		if m.num == n {
			return m, true
		}
	}
	return modeDef{}, false
}

func (v *vehicle) modeByKind(k modeKind) modeDef {
	for _, m := range v.modes() {
		if m.kind == k {
			return m
		}
	}
	return v.modes()[0]
}

func (v *vehicle) now() time.Time { return v.f.now }

func (v *vehicle) hasFault(k FaultKind) bool {
	for _, f := range v.faults {
		if f.Kind == k {
			return true
		}
	}
	return false
}

func (v *vehicle) fault(k FaultKind) *activeFault {
	for i := range v.faults {
		if v.faults[i].Kind == k {
			return &v.faults[i]
		}
	}
	return nil
}

func (v *vehicle) gpsOK() bool        { return !v.hasFault(FaultGPS) }
func (v *vehicle) airborne() bool     { return v.armed && v.landed != OnGround }
func (v *vehicle) altRel() float64    { return v.alt - v.home.Alt }
func (v *vehicle) groundAlt() float64 { return v.ground }

func (v *vehicle) pos() LatLonAlt { return LatLonAlt{v.lat, v.lon, v.alt} }

// needsPosition reports whether a mode needs a position estimate (GPS).
func needsPosition(k modeKind) bool {
	switch k {
	case mAuto, mGuided, mLoiter, mRTL, mBrake, mCircle, mTakeoff:
		return true
	}
	return false
}

// reach checks that a target is within the ceiling and, for a tethered
// drone, within its tether. It returns a STATUSTEXT reason or "".
func (v *vehicle) reach(t LatLonAlt) string {
	if !(t.Lat >= -85 && t.Lat <= 85 && t.Lon >= -180 && t.Lon <= 180 && t.Alt > -1000 && t.Alt < 1e5) {
		return "Bad target position"
	}
	if n, e := northEast(v.lat, v.lon, t.Lat, t.Lon); math.Hypot(n, e) > 500e3 {
		return "Target more than 500km away"
	}
	if !v.insideFence(t) {
		return "Target outside fence"
	}
	if rel := t.Alt - v.home.Alt; rel > v.prof.Ceiling {
		return fmt.Sprintf("Target alt %.0fm above ceiling %.0fm", rel, v.prof.Ceiling)
	}
	if v.gs != nil {
		if d := slant(*v.gs, t); d > v.usableTether() {
			return fmt.Sprintf("Tether: target %.0fm away, reach %.0fm", d, v.usableTether())
		}
	}
	return ""
}

// usableTether is how far from its ground station a tethered drone may be
// ordered: a margin short of the tether length, where tension starts.
func (v *vehicle) usableTether() float64 {
	t := v.tetherSpec()
	return t.UsableM(v.f.cfg.Wind.SpeedMS)
}

// tetherSpec is the drone's tether: its airframe's, at its own length.
func (v *vehicle) tetherSpec() airframe.Tether {
	t := *v.prof.Tether
	t.LengthM = v.tetherM
	return t
}

// airSpeedNow is the speed of the air at the drone this instant, gusts
// included: what bows its tether.
func (v *vehicle) airSpeedNow() float64 { return math.Hypot(v.windNE()) }

// setMode changes the flight mode; it returns a refusal reason or "".
func (v *vehicle) setMode(m modeDef) string {
	if needsPosition(m.kind) && !v.gpsOK() {
		return "Mode change failed: " + m.name + " requires position"
	}
	if v.hasFault(FaultMotor) && v.airborne() && m.kind != mLand {
		return "Motor failure: forced landing"
	}
	if m.kind == mAuto && len(v.mission.items) < 2 {
		return "Mode change failed: no mission"
	}
	if m.kind == mCircle && !v.prof.Copter() {
		m = v.modeByKind(mLoiter) // fly CIRCLE as a loiter
		m.name, m.num = "CIRCLE", 1
	}
	v.mode = m
	if !v.armed || v.landed == OnGround {
		if v.armed && m.kind == mAuto {
			v.startMission()
		}
		if v.armed && m.kind == mTakeoff {
			v.takeoff(math.Min(v.prof.RTLAlt, 150))
		}
		return ""
	}
	switch m.kind {
	case mGuided, mLoiter, mBrake, mCircle:
		v.holdHere()
	case mAuto:
		v.startMission()
	case mRTL:
		v.phase = phRTL
		v.landed = InAir
	case mLand:
		v.landHere()
	case mTakeoff:
		v.holdHere()
	default:
		v.phase = phDrift
		v.tAlt = v.alt
	}
	v.speed = v.prof.CruiseSpeed
	return ""
}

func (v *vehicle) holdHere() {
	v.phase = phHold
	v.tLat, v.tLon, v.tAlt = v.lat, v.lon, v.alt
	v.landed = InAir
}

func (v *vehicle) landHere() {
	v.phase = phLand
	v.tLat, v.tLon = v.lat, v.lon
	v.landed = Landing
}

// arm arms or disarms; it returns the COMMAND_ACK result and a STATUSTEXT
// reason for a refusal.
func (v *vehicle) arm(on, force bool) (common.MAV_RESULT, string) {
	if !on {
		if !v.armed {
			return common.MAV_RESULT_ACCEPTED, ""
		}
		if v.airborne() && !force {
			return common.MAV_RESULT_FAILED, "Disarm: vehicle is flying"
		}
		if v.airborne() {
			v.statustext(common.MAV_SEVERITY_CRITICAL, "Disarmed in flight: crash")
			v.alt = v.groundAlt()
		}
		v.disarm()
		return common.MAV_RESULT_ACCEPTED, ""
	}
	if v.armed {
		return common.MAV_RESULT_ACCEPTED, ""
	}
	if !force {
		if r := v.preArm(); r != "" {
			return common.MAV_RESULT_FAILED, r
		}
	}
	v.armed = true
	v.landed = OnGround
	v.phase = phGround
	v.failsafe = ""
	v.fsReserve, v.fsCritical, v.gcsFailsafe = v.belowReserve(), false, false
	if v.home.Lat != v.lat || v.home.Lon != v.lon { // ArduPilot sets home on arming
		v.home = LatLonAlt{v.lat, v.lon, v.alt}
		v.mission.home(v)
	}
	v.tel.sendNow(msgHomePosition)
	if v.mode.kind == mAuto {
		v.startMission()
	}
	return common.MAV_RESULT_ACCEPTED, ""
}

// preArm returns the first failing pre-arm check, as ArduPilot words it.
func (v *vehicle) preArm() string {
	switch {
	case !v.gpsOK():
		return "PreArm: GPS: No 3D fix"
	case v.hasFault(FaultMotor):
		return "PreArm: Motors: motor failure"
	case v.battFailed:
		return "PreArm: Battery 1 unhealthy"
	case v.gs != nil && !v.groundPower:
		return "PreArm: Tether ground power lost"
	case !v.groundPower && v.belowReserve():
		return "PreArm: Battery 1 below minimum arming capacity"
	}
	switch v.mode.kind {
	case mAuto, mRTL, mLand, mBrake:
		if v.prof.Copter() {
			return "Arm: Mode not armable"
		}
	}
	return ""
}

func (v *vehicle) disarm() {
	v.armed = false
	v.landed = OnGround
	v.phase = phGround
	v.vn, v.ve, v.vd = 0, 0, 0
	v.roll, v.pitch, v.yawRate = 0, 0, 0
}

// takeoff starts a climb to relAlt above home over the present position.
func (v *vehicle) takeoff(relAlt float64) {
	v.phase = phTakeoff
	v.landed = TakingOff
	v.tLat, v.tLon = v.lat, v.lon
	v.tAlt = v.home.Alt + relAlt
	v.afterTakeoff = nil
}

// goTo flies to t and holds there (Plane: loiters around it).
func (v *vehicle) goTo(t LatLonAlt) {
	v.phase = phHold
	v.tLat, v.tLon, v.tAlt = t.Lat, t.Lon, t.Alt
	if v.landed != InAir {
		v.landed = InAir
	}
}

// step advances the vehicle by dt.
func (v *vehicle) step() {
	now := v.now()
	if !v.homeSent { // ArduPilot announces home once it has a fix at boot
		v.homeSent = true
		v.tel.sendNow(msgHomePosition)
	}
	v.expireFaults(now)
	v.stepWind()
	if v.gs != nil && v.hasFault(FaultGroundPower) == v.groundPower {
		v.groundPowerChanged()
	}
	v.missionTick()
	if v.mode.kind == mAuto && v.armed {
		v.missionStep()
	}
	if v.prof.Copter() {
		v.stepCopter()
	} else {
		v.stepPlane()
	}
	if v.gs != nil {
		v.tether()
	}
	v.stepEnergy()
	v.stepSwap(now)
	v.stepGPS()
	v.stepPayload(now)
	if !now.Before(v.usersNext) { // users come and go once a second
		v.usersNext = now.Add(time.Second)
		v.stepUsers()
	}
	v.checkFailsafes(now)
	v.checkFence()
}

func (v *vehicle) windNE() (n, e float64) {
	w := v.f.cfg.Wind
	from := w.FromDeg * deg
	return -w.SpeedMS*math.Cos(from) + v.gustN, -w.SpeedMS*math.Sin(from) + v.gustE
}

// stepWind moves the gusts, an Ornstein-Uhlenbeck process per axis with
// standard deviation Wind.GustMS and a 5 s time constant.
func (v *vehicle) stepWind() {
	g := v.f.cfg.Wind.GustMS
	if g <= 0 {
		v.gustN, v.gustE = 0, 0
		return
	}
	a := math.Exp(-dt.Seconds() / 5)
	s := g * math.Sqrt(1-a*a)
	v.gustN = a*v.gustN + s*v.rng.NormFloat64()
	v.gustE = a*v.gustE + s*v.rng.NormFloat64()
}

func (v *vehicle) stepGPS() {
	s := v.f.cfg.GPSNoiseM
	if s <= 0 {
		v.gpsN, v.gpsE = 0, 0
		return
	}
	a := math.Exp(-dt.Seconds() / 30)
	k := s * math.Sqrt(1-a*a)
	v.gpsN = a*v.gpsN + k*v.rng.NormFloat64()
	v.gpsE = a*v.gpsE + k*v.rng.NormFloat64()
}

// verticalRate returns the climb rate (up positive) the controller asks
// for to reach alt, within the profile's limits.
func (v *vehicle) verticalRate(want, up, down float64) float64 {
	err := want - v.alt
	const aV = 2.0
	r := math.Copysign(math.Min(math.Abs(err)*1.0, math.Sqrt(2*aV*math.Abs(err))), err)
	return clamp(r, -down, up)
}

func (v *vehicle) stepCopter() {
	s := dt.Seconds()
	if !v.armed || v.phase == phGround {
		v.vn, v.ve, v.vd, v.roll, v.pitch = 0, 0, 0, 0, 0
		v.alt = math.Max(v.alt, v.groundAlt())
		if v.alt > v.groundAlt() { // disarmed in the air falls
			v.alt = v.groundAlt()
		}
		v.airspeed = 0
		return
	}
	wn, we := v.windNE()
	p := v.prof
	hold := true
	wantAlt := v.tAlt
	up, down := p.ClimbRate, p.DescentRate
	tLat, tLon := v.tLat, v.tLon
	limit := v.speed
	switch v.phase {
	case phTakeoff:
		if v.alt >= v.tAlt-0.3 {
			v.phase = phHold
			v.landed = InAir
			if f := v.afterTakeoff; f != nil {
				v.afterTakeoff = nil
				f()
			}
		}
	case phLand:
		wantAlt = v.groundAlt() - 5
		if v.alt-v.groundAlt() < 10 {
			down = p.LandSpeed
		}
	case phRTL:
		rtl := v.home.Alt + p.RTLAlt
		n, e := northEast(v.lat, v.lon, v.home.Lat, v.home.Lon)
		dist := math.Hypot(n, e)
		switch {
		case dist < 2 && math.Hypot(v.vn, v.ve) < 1:
			v.landed = Landing
			tLat, tLon = v.home.Lat, v.home.Lon
			wantAlt = v.groundAlt() - 5
			if v.alt-v.groundAlt() < 10 {
				down = p.LandSpeed
			}
		case v.alt < rtl-1 && dist > 5:
			tLat, tLon = v.lat, v.lon
			wantAlt = rtl
			limit = 0
		default:
			tLat, tLon = v.home.Lat, v.home.Lon
			wantAlt = math.Max(v.alt, rtl)
			if v.alt > rtl+1 && dist < 5 {
				wantAlt = rtl
			}
		}
		if v.gs != nil { // a tethered drone returns low: no climb away from its winch
			wantAlt = math.Min(wantAlt, math.Max(v.alt, v.groundAlt()))
		}
	case phDrift:
		hold = false
	case phForced:
		hold = false
		wantAlt = v.groundAlt() - 10
		down = 3
	case phVelocity:
		if !v.now().Before(v.velUntil) {
			v.holdHere()
			tLat, tLon, wantAlt = v.tLat, v.tLon, v.tAlt
		}
	}
	if !v.gpsOK() {
		hold = false
	}
	velocity := v.phase == phVelocity

	// horizontal: ground velocity demand
	var dn, de float64
	if velocity {
		dn, de = v.velN, v.velE
		if sp := math.Hypot(dn, de); sp > limit {
			dn, de = dn/sp*limit, de/sp*limit
		}
		up := -v.velD
		// never fly out of reach on a velocity: scale the demand so that
		// braking at the acceleration limits stops within reach
		stops := func(k float64) bool {
			tH := math.Hypot(dn, de)*k/(2*p.Accel) + s
			tV := math.Abs(up)*k/(2*2.5) + s
			var at LatLonAlt
			at.Lat, at.Lon = offset(v.lat, v.lon, dn*k*tH, de*k*tH)
			at.Alt = v.alt + up*k*tV
			return v.reach(at) == ""
		}
		k := 1.0
		if !stops(1) {
			lo, hi := 0.0, 1.0
			for i := 0; i < 16; i++ {
				if mid := (lo + hi) / 2; stops(mid) {
					lo = mid
				} else {
					hi = mid
				}
			}
			k = lo
		}
		dn, de = dn*k, de*k
		wantAlt = v.alt + up*k // a climb-rate demand, clamped below
	} else if hold {
		n, e := northEast(v.lat, v.lon, tLat, tLon)
		dist := math.Hypot(n, e)
		if dist > 0.05 {
			sp := math.Min(limit, math.Sqrt(2*p.Accel*dist)*0.8)
			sp = math.Min(sp, dist/s)
			ux, uy := n/dist, e/dist
			// the airframe flies at most its hold airspeed through the air
			dot := ux*wn + uy*we
			air := p.HoldAirspeed()
			disc := dot*dot - (wn*wn + we*we) + air*air
			if disc >= 0 {
				sp = math.Min(sp, dot+math.Sqrt(disc))
			}
			dn, de = ux*sp, uy*sp
		}
	} else {
		dn, de = wn, we // no position control: the airframe drifts with the air
	}
	// acceleration limit
	an, ae := dn-v.vn, de-v.ve
	amax := p.Accel * s
	if a := math.Hypot(an, ae); a > amax {
		an, ae = an/a*amax, ae/a*amax
	}
	v.vn += an
	v.ve += ae
	// vertical
	vz := v.verticalRate(wantAlt, up, down)
	if v.phase == phForced {
		vz = -down
	}
	dz := vz - (-v.vd)
	az := 2.5 * s
	dz = clamp(dz, -az, az)
	v.vd -= dz

	// gusts leak through the position controller
	leakN, leakE := 0.0, 0.0
	if hold {
		leakN, leakE = 0.3*v.gustN, 0.3*v.gustE
	}
	gn, ge := v.vn+leakN, v.ve+leakE
	v.lat, v.lon = offset(v.lat, v.lon, gn*s, ge*s)
	v.alt -= v.vd * s

	// attitude: tilt to accelerate and to hold against the air
	airN, airE := gn-wn, ge-we
	v.airspeed = math.Hypot(airN, airE)
	c := gravity * math.Tan(20*deg) / (p.CruiseSpeed * p.CruiseSpeed)
	fn := an/s + c*v.airspeed*airN
	fe := ae/s + c*v.airspeed*airE
	if gs := math.Hypot(gn, ge); gs > 1 && hold {
		want := math.Atan2(ge, gn) / deg
		v.turnTo(want, 90)
	} else {
		v.yawRate = 0
	}
	h := v.heading * deg
	fwd := fn*math.Cos(h) + fe*math.Sin(h)
	right := -fn*math.Sin(h) + fe*math.Cos(h)
	v.pitch = -math.Atan(fwd / gravity)
	v.roll = math.Atan(right / gravity)

	v.touchdown()
}

// turnTo yaws towards heading want (degrees) at up to rate deg/s.
func (v *vehicle) turnTo(want, rate float64) {
	d := wrap180(want - v.heading)
	max := rate * dt.Seconds()
	d = clamp(d, -max, max)
	v.heading = wrap360(v.heading + d)
	v.yawRate = d / dt.Seconds() * deg
}

func (v *vehicle) touchdown() {
	if v.alt > v.groundAlt() {
		return
	}
	v.alt = v.groundAlt()
	if v.vd > 0 {
		v.vd = 0
	}
	switch {
	case v.phase == phLand || v.phase == phForced || (v.phase == phRTL && v.landed == Landing) || v.phase == phDrift || v.phase == phVelocity:
		v.disarm()
		v.statustext(common.MAV_SEVERITY_INFO, "Landed, disarmed")
		v.missionLanded()
	}
}

func (v *vehicle) stepPlane() {
	s := dt.Seconds()
	p := v.prof
	if !v.armed || v.phase == phGround {
		v.vn, v.ve, v.vd, v.roll, v.pitch, v.airspeed = 0, 0, 0, 0, 0, 0
		v.alt = v.groundAlt()
		return
	}
	wn, we := v.windNE()
	v.airspeed = v.speed
	wantAlt := v.tAlt
	cn, ce := v.tLat, v.tLon // loiter centre
	up, down := p.ClimbRate, p.DescentRate
	loiter := true
	switch v.phase {
	case phTakeoff:
		loiter = false
		if v.alt >= v.tAlt-2 {
			v.phase = phHold
			v.landed = InAir
			if f := v.afterTakeoff; f != nil {
				v.afterTakeoff = nil
				f()
			}
		}
	case phRTL:
		cn, ce = v.home.Lat, v.home.Lon
		wantAlt = v.home.Alt + p.RTLAlt
	case phLand:
		wantAlt = v.groundAlt() - 5
		if v.alt-v.groundAlt() < 30 {
			down = p.LandSpeed
		}
	case phDrift:
		loiter = false
	case phForced:
		loiter = false
		wantAlt = v.groundAlt() - 10
		down = 3
	}
	if !v.gpsOK() {
		loiter = false
	}
	if loiter {
		n, e := northEast(cn, ce, v.lat, v.lon)
		d := math.Hypot(n, e)
		R := p.LoiterRadius
		var want float64
		if d > 2*R {
			want = math.Atan2(-e, -n) / deg
		} else {
			bearing := math.Atan2(e, n) / deg
			want = bearing + 90 + clamp((d-R)/R*90, -60, 60)
		}
		// bank limit 30 degrees
		rate := gravity * math.Tan(30*deg) / math.Max(v.airspeed, 1) / deg
		before := v.heading
		v.turnTo(want, rate)
		v.roll = math.Atan(v.airspeed * wrap180(v.heading-before) * deg / s / gravity)
	} else {
		v.yawRate, v.roll = 0, 0
	}
	vz := v.verticalRate(wantAlt, up, down)
	if v.phase == phTakeoff {
		vz = up
	}
	if v.phase == phForced {
		vz = -down
	}
	v.vd = -vz
	h := v.heading * deg
	v.vn = v.airspeed*math.Cos(h) + wn
	v.ve = v.airspeed*math.Sin(h) + we
	v.pitch = math.Atan2(vz, v.airspeed)
	v.lat, v.lon = offset(v.lat, v.lon, v.vn*s, v.ve*s)
	v.alt += vz * s
	if v.alt <= v.groundAlt() {
		v.airspeed = 0
		v.vn, v.ve = 0, 0
	}
	v.touchdown()
}

// tether keeps a tethered drone within its tether and brings it down when
// the tension is high.
func (v *vehicle) tether() {
	gs := *v.gs
	d := slant(gs, v.pos())
	spec := v.tetherSpec()
	air := v.airSpeedNow()
	chord := spec.ChordM(air)
	if d > spec.TensionM(air) && v.airborne() {
		if !v.tensionMsg {
			v.tensionMsg = true
			v.statustext(common.MAV_SEVERITY_WARNING, "Tether tension high: descending")
		}
		// the tether pulls towards the winch: descend and move in
		v.tAlt = math.Min(v.tAlt, v.alt-2)
		n, e := northEast(v.lat, v.lon, gs.Lat, gs.Lon)
		if h := math.Hypot(n, e); h > 1 && (v.phase == phHold || v.phase == phTakeoff) {
			v.tLat, v.tLon = offset(v.lat, v.lon, n/h*2, e/h*2)
		}
	} else if d < 0.9*chord {
		v.tensionMsg = false
	}
	if d > chord {
		// the tether, bowed by the wind, is a hard limit: pull back onto
		// the sphere its chord spans
		n, e := northEast(gs.Lat, gs.Lon, v.lat, v.lon)
		up := v.alt - gs.Alt
		k := chord / d
		v.lat, v.lon = offset(gs.Lat, gs.Lon, n*k, e*k)
		v.alt = gs.Alt + up*k
		// remove the outward velocity
		un, ue, uu := n/d, e/d, up/d
		out := v.vn*un + v.ve*ue - v.vd*uu
		if out > 0 {
			v.vn -= out * un
			v.ve -= out * ue
			v.vd += out * uu
		}
	}
}

func (v *vehicle) groundPowerChanged() {
	v.groundPower = !v.hasFault(FaultGroundPower)
	if !v.groundPower {
		v.statustext(common.MAV_SEVERITY_CRITICAL, "Tether ground power lost: landing on backup")
		if v.airborne() {
			v.failsafe = "ground-power"
			v.mode = v.modeByKind(mLand)
			v.landHere()
		}
	} else {
		v.statustext(common.MAV_SEVERITY_INFO, "Tether ground power restored")
	}
}

// stepEnergy draws the power of this step from the battery (or from the
// ground for a tethered drone on ground power).
func (v *vehicle) stepEnergy() {
	b := v.prof.Battery
	p := airframe.AvionicsW
	for i, c := range v.cells {
		if c.State == CellOn || !v.bootDone[i].IsZero() {
			p += c.PowerW
		}
	}
	if v.armed && (v.landed != OnGround || v.phase == phTakeoff) {
		climb := math.Max(0, -v.vd)
		p += v.prof.FlightPowerW(v.airspeed, 0)
		p += b.ClimbW * climb / v.prof.ClimbRate
	} else if v.armed {
		p += 0.05 * b.HoverW // spinning at idle
	}
	v.powerW = p
	h := dt.Hours()
	if v.groundPower {
		// the winch powers the drone and trickle-charges the backup
		v.energyWh = math.Min(b.CapacityWh, v.energyWh+200*h)
	} else {
		v.energyWh = math.Max(0, v.energyWh-p*h)
		v.consumedWh += p * h
	}
	v.updateElectrics()
	if v.energyWh <= 0 && v.airborne() {
		v.energyWh = 0
		if v.phase != phForced {
			v.statustext(common.MAV_SEVERITY_EMERGENCY, "Battery empty: motors stopping")
			v.phase = phForced
			v.failsafe = "battery-empty"
		}
	}
}

// stepSwap gives a drone resting at home a full battery once the ground
// crew's turnaround (Config.BatterySwap) has passed.
func (v *vehicle) stepSwap(now time.Time) {
	swap := v.f.cfg.BatterySwap
	n, e := northEast(v.lat, v.lon, v.home.Lat, v.home.Lon)
	resting := swap > 0 && v.gs == nil && !v.armed && v.landed == OnGround && math.Hypot(n, e) <= 50 &&
		!v.battFailed && v.energyWh < 0.99*v.prof.Battery.CapacityWh
	if !resting {
		v.swapSince = time.Time{}
		return
	}
	if v.swapSince.IsZero() {
		v.swapSince = now
		return
	}
	if now.Sub(v.swapSince) >= swap {
		v.energyWh, v.consumedWh = v.prof.Battery.CapacityWh, 0
		v.fsReserve, v.fsCritical = false, false
		v.swapSince = time.Time{}
		v.updateElectrics()
		v.statustext(common.MAV_SEVERITY_INFO, "Battery 1 replaced")
	}
}

// LiPo open-circuit voltage per cell against state of charge.
var lipoCurve = [][2]float64{{0, 3.27}, {0.05, 3.5}, {0.1, 3.6}, {0.2, 3.7}, {0.5, 3.82}, {0.8, 3.98}, {1, 4.2}}

func cellVoltage(soc float64) float64 {
	soc = clamp(soc, 0, 1)
	for i := 1; i < len(lipoCurve); i++ {
		a, b := lipoCurve[i-1], lipoCurve[i]
		if soc <= b[0] {
			return a[1] + (b[1]-a[1])*(soc-a[0])/(b[0]-a[0])
		}
	}
	return lipoCurve[len(lipoCurve)-1][1]
}

func (v *vehicle) soc() float64 { return v.energyWh / v.prof.Battery.CapacityWh }

func (v *vehicle) belowReserve() bool { return v.soc()*100 <= v.prof.Battery.ReservePct }

func (v *vehicle) updateElectrics() {
	b := v.prof.Battery
	ocv := cellVoltage(v.soc()) * float64(b.Cells)
	if v.groundPower {
		v.voltage = 4.15 * float64(b.Cells) // the ground supply holds the bus up
		v.current = v.powerW / v.voltage
		return
	}
	rint := 0.003 * float64(b.Cells)
	i := v.powerW / math.Max(ocv, 1)
	v.current = i
	v.voltage = math.Max(0, ocv-i*rint)
}

// timeLeft is the flight time to the reserve at the present draw.
func (v *vehicle) timeLeft() time.Duration {
	if v.groundPower {
		return 1000 * time.Hour
	}
	b := v.prof.Battery
	usable := v.energyWh - b.CapacityWh*b.ReservePct/100
	if usable <= 0 || v.powerW <= 0 {
		return 0
	}
	return time.Duration(usable / v.powerW * float64(time.Hour))
}

// energyHome estimates the energy (Wh) needed to return home and land.
func (v *vehicle) energyHome() float64 {
	n, e := northEast(v.lat, v.lon, v.home.Lat, v.home.Lon)
	b := v.prof.Battery
	t := math.Hypot(n, e)/v.prof.CruiseSpeed + math.Max(0, v.altRel())/v.prof.DescentRate
	w := b.CruiseW
	if !v.prof.Copter() || w < b.HoverW {
		w = b.HoverW
	}
	return w * t / 3600
}

func (v *vehicle) checkFailsafes(now time.Time) {
	if !v.armed {
		return
	}
	b := v.prof.Battery
	pct := v.soc() * 100
	if !v.groundPower && v.airborne() {
		if !v.fsCritical && (pct <= b.CriticalPct || v.battFailed) {
			v.fsCritical, v.fsReserve = true, true
			v.failsafe = "battery-critical"
			v.statustext(common.MAV_SEVERITY_CRITICAL, "Battery 1 is critical: LAND")
			if v.prof.Copter() {
				v.mode = v.modeByKind(mLand)
				v.landHere()
			} else {
				v.planeLand(v.lat, v.lon)
			}
		} else if !v.fsReserve && pct <= b.ReservePct {
			v.fsReserve = true
			v.failsafe = "battery"
			if v.energyHome() < v.energyWh-b.CapacityWh*b.CriticalPct/100 {
				v.statustext(common.MAV_SEVERITY_CRITICAL, "Battery 1 is low: RTL")
				v.setMode(v.modeByKind(mRTL))
			} else {
				v.statustext(common.MAV_SEVERITY_CRITICAL, "Battery 1 is low, home out of reach: LAND")
				if v.prof.Copter() {
					v.setMode(v.modeByKind(mLand))
				} else {
					v.planeLand(v.lat, v.lon)
				}
			}
		}
	}
	if to := v.gcsTimeout(); to > 0 && !v.lastGCS.IsZero() && v.airborne() && !v.gcsFailsafe && now.Sub(v.lastGCS) > to {
		v.gcsFailsafe = true
		v.failsafe = "gcs"
		v.statustext(common.MAV_SEVERITY_CRITICAL, "GCS Failsafe: RTL")
		if v.mode.kind != mLand && v.mode.kind != mRTL {
			v.setMode(v.modeByKind(mRTL))
		}
	}
	if !v.gpsOK() && v.airborne() && needsPosition(v.mode.kind) {
		v.failsafe = "gps"
		v.statustext(common.MAV_SEVERITY_CRITICAL, "EKF Failsafe: GPS lost, LAND")
		if v.prof.Copter() {
			v.mode = v.modeByKind(mLand)
			v.phase = phLand
			v.landed = Landing
		} else {
			v.mode = v.modeByKind(mFBWA)
			v.phase = phDrift
			v.tAlt = v.alt
		}
	}
}

// planeLand flies a circling descent to touch down at (lat, lon). Plane has
// no LAND mode: the landing is reported as AUTO.
func (v *vehicle) planeLand(lat, lon float64) {
	v.mode = v.modeByKind(mAuto)
	v.phase = phLand
	v.tLat, v.tLon = lat, lon
	v.landed = Landing
}

func (v *vehicle) expireFaults(now time.Time) {
	kept := v.faults[:0]
	for _, f := range v.faults {
		if !f.until.IsZero() && !now.Before(f.until) {
			v.endFault(f.Fault)
			continue
		}
		kept = append(kept, f)
	}
	v.faults = kept
}

// inject starts a fault.
func (v *vehicle) inject(f Fault) {
	if old := v.fault(f.Kind); old != nil {
		v.clear(f.Kind)
	}
	a := activeFault{Fault: f}
	if f.Duration > 0 {
		a.until = v.now().Add(f.Duration)
	}
	v.faults = append(v.faults, a)
	switch f.Kind {
	case FaultBattery:
		v.battFailed = true
		b := v.prof.Battery
		v.energyWh = math.Min(v.energyWh, b.CapacityWh*b.CriticalPct/100)
		v.statustext(common.MAV_SEVERITY_CRITICAL, "Battery 1 failure")
	case FaultMotor:
		v.statustext(common.MAV_SEVERITY_EMERGENCY, "Motor failure: forced landing")
		if v.airborne() {
			v.failsafe = "motor"
			if v.prof.Copter() {
				v.mode = v.modeByKind(mLand)
			}
			v.phase = phForced
			v.landed = Landing
		}
	case FaultGPS:
		v.statustext(common.MAV_SEVERITY_CRITICAL, "GPS 1: lost fix")
	case FaultPayload:
		for i := range v.cells {
			if f.Network == 0 || v.cells[i].Network == f.Network {
				v.cells[i].State = CellFailed
				v.cells[i].Users = 0
				v.cells[i].Booting = false
				v.bootDone[i] = time.Time{}
			}
		}
		v.statustext(common.MAV_SEVERITY_ERROR, "Payload: base station failure")
	}
}

func (v *vehicle) clear(k FaultKind) {
	kept := v.faults[:0]
	for _, f := range v.faults {
		if f.Kind == k {
			v.endFault(f.Fault)
			continue
		}
		kept = append(kept, f)
	}
	v.faults = kept
}

func (v *vehicle) endFault(f Fault) {
	switch f.Kind {
	case FaultBattery:
		if !v.airborne() {
			v.battFailed = false
			v.energyWh = v.prof.Battery.CapacityWh
			v.consumedWh = 0
			v.fsReserve, v.fsCritical = false, false
			v.statustext(common.MAV_SEVERITY_INFO, "Battery 1 replaced")
		} else {
			// still flying on the failed battery: keep it failed
			v.faults = append(v.faults, activeFault{Fault: Fault{Kind: FaultBattery}, until: v.now().Add(time.Second)})
		}
	case FaultGPS:
		v.statustext(common.MAV_SEVERITY_INFO, "GPS 1: 3D fix")
	case FaultMotor:
		v.statustext(common.MAV_SEVERITY_INFO, "Motors: repaired")
	case FaultPayload:
		for i := range v.cells {
			if (f.Network == 0 || v.cells[i].Network == f.Network) && v.cells[i].State == CellFailed {
				v.cells[i].State = CellOff
			}
		}
		v.statustext(common.MAV_SEVERITY_INFO, "Payload: base station recovered (off)")
	}
}

// stepPayload completes switch-ons and moves the attached-user counts.
func (v *vehicle) stepPayload(now time.Time) {
	for i := range v.cells {
		c := &v.cells[i]
		if !v.bootDone[i].IsZero() {
			if !now.Before(v.bootDone[i]) {
				v.bootDone[i] = time.Time{}
				c.Booting = false
				c.State = CellOn
				v.ack(payload.Command, common.MAV_RESULT_ACCEPTED, 100)
				v.statustext(common.MAV_SEVERITY_INFO, fmt.Sprintf("Payload: %s cell on", c.Network))
			} else if !now.Before(v.bootAck[i]) {
				left := v.bootDone[i].Sub(now)
				prog := 100 - int(100*left/max(v.prof.PayloadBoot, time.Millisecond))
				v.ack(payload.Command, common.MAV_RESULT_IN_PROGRESS, uint8(clamp(float64(prog), 0, 99)))
				v.bootAck[i] = now.Add(time.Second)
			}
		}
	}
}

// stepUsers moves the attached-user counts; called once a second.
func (v *vehicle) stepUsers() {
	for i := range v.cells {
		c := &v.cells[i]
		if c.State != CellOn {
			c.Users = 0
			continue
		}
		target := 0.0
		if v.airborne() && v.altRel() > 5 {
			target = 0.8 * float64(c.MaxUsers) * math.Min(1, v.altRel()/100)
		}
		d := 0.1*(target-float64(c.Users)) + v.rng.NormFloat64()*math.Sqrt(target)*0.1
		c.Users = int(clamp(math.Round(float64(c.Users)+d), 0, float64(c.MaxUsers)))
	}
}

// switchCell handles MAV_CMD_USER_1.
func (v *vehicle) switchCell(n Network, on bool) common.MAV_RESULT {
	for i := range v.cells {
		c := &v.cells[i]
		if c.Network != n {
			continue
		}
		if c.State == CellFailed {
			return common.MAV_RESULT_FAILED
		}
		if !on {
			c.State, c.Users, c.Booting = CellOff, 0, false
			v.bootDone[i] = time.Time{}
			return common.MAV_RESULT_ACCEPTED
		}
		if c.State == CellOn {
			return common.MAV_RESULT_ACCEPTED
		}
		if !v.bootDone[i].IsZero() {
			return common.MAV_RESULT_IN_PROGRESS
		}
		c.Booting = true
		v.bootDone[i] = v.now().Add(v.prof.PayloadBoot)
		v.bootAck[i] = v.now().Add(time.Second)
		return common.MAV_RESULT_IN_PROGRESS
	}
	// No such cell on this airframe: the command is not supported here,
	// as an autopilot answers a command it does not implement.
	return common.MAV_RESULT_UNSUPPORTED
}

// state copies the vehicle's state.
func (v *vehicle) state() State {
	st := State{
		SysID: v.id, Profile: v.prof.Name, ProfileIndex: v.profIdx, Time: v.now(),
		Lat: v.lat, Lon: v.lon, AltMSL: v.alt, AltRel: v.altRel(),
		VN: v.vn, VE: v.ve, VD: v.vd, GroundSpeed: math.Hypot(v.vn, v.ve), Airspeed: v.airspeed,
		Heading: v.heading, Roll: v.roll, Pitch: v.pitch, Yaw: wrap180(v.heading) * deg,
		Armed: v.armed, Mode: Mode{v.mode.name, v.mode.num}, Landed: v.landed, Failsafe: v.failsafe,
		BatteryPct: v.soc() * 100, Voltage: v.voltage, Current: v.current, PowerW: v.powerW,
		EnergyWh: v.energyWh, TimeLeft: v.timeLeft(), GroundPower: v.groundPower,
		Home: v.home, TetherM: v.tetherM,
		MissionCount: len(v.mission.items), MissionSeq: v.mission.cur, FenceCount: len(v.fence.items),
		LastGCS: v.lastGCS, Link: v.link,
	}
	st.GPSFix = 1
	if v.gpsOK() {
		st.GPSFix, st.Sats = 3, 14
	}
	if v.gs != nil {
		gs := *v.gs
		st.GroundStation = &gs
		st.TetherUsed = slant(gs, v.pos())
	}
	st.Cells = append([]CellStatus(nil), v.cells...)
	for _, f := range v.faults {
		st.Faults = append(st.Faults, f.Kind)
	}
	return st
}
