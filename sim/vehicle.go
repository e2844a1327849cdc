package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/aerocell/aerocell/airframe"
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
	// tTerrain: phHold's target is tAGL metres above the terrain (a
	// MAV_FRAME_GLOBAL_TERRAIN_ALT order); tAlt follows the ground under
	// the drone (followTerrain)
	tTerrain     bool
	tAGL         float64
	speed        float64 // horizontal speed limit now (DO_CHANGE_SPEED)
	afterTakeoff func()

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
	ground      float64 // flat terrain at the first home's altitude (MSL), or the DEM's under groundLat, groundLon
	// groundLat, groundLon: where ground was last read from Config.Terrain
	groundLat, groundLon float64
	crashed              bool // met the ground in flight; cleared by arming
	terrain              *terrainGrid
	terrainNext          time.Time // when the grid is asked for again
	// velocity target of phVelocity, m/s NED, until velUntil
	velN, velE, velD float64
	velUntil         time.Time
	job              jobs // load, winch, camera, sprayer (jobs.go)
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

func (v *vehicle) gpsOK() bool     { return !v.hasFault(FaultGPS) }
func (v *vehicle) airborne() bool  { return v.armed && v.landed != OnGround }
func (v *vehicle) altRel() float64 { return v.alt - v.home.Alt }

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
	v.tTerrain = false
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
	v.crashed = false
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
	v.tTerrain = false
	v.afterTakeoff = nil
}

// goTo flies to t and holds there (Plane: loiters around it).
func (v *vehicle) goTo(t LatLonAlt) {
	v.phase = phHold
	v.tLat, v.tLon, v.tAlt = t.Lat, t.Lon, t.Alt
	v.tTerrain = false
	if v.landed != InAir {
		v.landed = InAir
	}
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
	v.jobState(&st)
	return st
}
