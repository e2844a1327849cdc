package sim

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/ardupilotmega"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/aerocell/aerocell/airframe"
)

// Jobs besides the base stations (issue 12): a load the ground crew hangs
// on the gripper or winch or puts in the bay, released as ArduPilot's
// AP_Gripper, AP_Winch and Copter's NAV_PAYLOAD_PLACE do; a survey camera
// triggered by distance or one shot (AP_Camera); a sprayer's pump and tank
// (AC_Sprayer). What happened is kept as the truth a SITL report reads
// (Fleet.JobLog).

// Release is a way of putting a load down (see package airframe).
type Release = airframe.Release

// Parameters the ground crew sets before a flight (PARAM_SET, disarmed on
// the ground only), aerocell's own as AC_PROFILE is.
const (
	paramLoadKg = "AC_LOAD_KG" // mass on the gripper or winch, or in the bay
	paramTankL  = "AC_TANK_L"  // water in the sprayer's tank (1 L = 1 kg)
)

// cmdDoSprayer is ardupilotmega's MAV_CMD_DO_SPRAYER (not in common).
const cmdDoSprayer = common.MAV_CMD(ardupilotmega.MAV_CMD_DO_SPRAYER)

const (
	// winchRate is how fast the winch pays out and takes in its line:
	// ArduPilot's WINCH_RATE_MAX default, 1 m/s.
	winchRate = 1.0
	// winchLineM is the length of the winch's line.
	winchLineM = 40.0
	// hangM is how far below the drone's reference a load on the gripper
	// (or the winch's hook, line in) hangs.
	hangM = 0.5
	// placeDelay is how long NAV_PAYLOAD_PLACE waits after the release
	// before it climbs back (Copter's 0.5 s placed check, PLDP_DELAY 0).
	placeDelay = 500 * time.Millisecond
	// sprayLog is how often a spraying drone's litres are logged.
	sprayLog = time.Second
	// releaseRetry is how long after a release its retries are answered
	// as the release was: a ground station's command timeout and retries
	// (aerocell's station: 1.5 s, 4 retries).
	releaseRetry = 10 * time.Second
)

// lastRelease is the last command that let a load go (or started a
// delivery), for its retries.
type lastRelease struct {
	c  command
	at time.Time
}

// Drop is one load put down: by whom, when, from where, and where it came
// to rest.
type Drop struct {
	SysID   uint8
	Time    time.Time // released
	Release Release
	From    LatLonAlt // the release point (the load, not the drone)
	Impact  LatLonAlt // where the load came to rest on the ground
	Landed  time.Time // when it got there
	MassKg  float64
}

// Photo is one picture the survey camera took.
type Photo struct {
	SysID  uint8
	Time   time.Time
	Pos    LatLonAlt // the drone's true position (MSL)
	AltRel float64   // above home
	// Roll, Pitch and Yaw are in degrees (Yaw 0..360), as CAMERA_FEEDBACK.
	Roll, Pitch, Yaw float64
	// ImgIdx is the drone's image index, from 1, as CAMERA_FEEDBACK's.
	ImgIdx int
}

// Spray is water sprayed by one drone over at most a second, logged where
// the drone was at the end of it.
type Spray struct {
	SysID  uint8
	Time   time.Time
	Pos    LatLonAlt
	Litres float64
}

// JobLog is what the fleet's drones did besides carrying base stations,
// each list in time order.
type JobLog struct {
	Drops  []Drop
	Photos []Photo
	Sprays []Spray
}

// winch is a winch's line: paid out lineM, going to targetM at rate.
type winch struct {
	lineM, targetM float64
	rate           float64
	deliver        bool // a DO_WINCH deliver: retracts once the load is down
}

func (w *winch) idle() bool { return w.lineM == 0 && w.targetM == 0 }

// place stages of NAV_PAYLOAD_PLACE, as Copter's PayloadPlace.
const (
	placeFly = iota
	placeDescend
	placeDelay0
	placeAscend
)

type placing struct {
	stage    int
	startAlt float64
	maxDesc  float64
	until    time.Time
}

// jobs is a drone's load, camera and sprayer state.
type jobs struct {
	loadKg float64
	tankL  float64
	winch  winch
	place  placing

	trigDist    float64 // DO_SET_CAM_TRIGG_DIST; 0: off
	base        LatLonAlt
	baseSet     bool
	pending     bool // a picture waits for the camera's min interval
	lastPhoto   time.Time
	imgIdx      int
	spraying    bool
	sprayAcc    float64
	sprayLogged time.Time

	released lastRelease

	drops  []Drop
	photos []Photo
	sprays []Spray
}

// carriedKg is the mass the drone carries on top of its own: the load and
// the water.
func (v *vehicle) carriedKg() float64 { return v.job.loadKg + v.job.tankL }

// loadRefusal is why the crew may not set parameter name (AC_LOAD_KG or
// AC_TANK_L) to x now, or "".
func (v *vehicle) loadRefusal(name string, x float64) string {
	if v.armed || v.landed != OnGround {
		return name + ": load on the ground, disarmed"
	}
	if math.IsNaN(x) || x < 0 {
		return fmt.Sprintf("%s: must be 0 or more, got %v", name, x)
	}
	if name == paramLoadKg {
		switch {
		case len(v.prof.Release) == 0 && x > 0:
			return paramLoadKg + ": no gripper, winch or bay"
		case x > v.prof.MaxPayloadKg:
			return fmt.Sprintf("%s: %.1fkg above max %.1fkg", name, x, v.prof.MaxPayloadKg)
		}
		return ""
	}
	switch {
	case v.prof.Sprayer == nil && x > 0:
		return paramTankL + ": no sprayer"
	case v.prof.Sprayer != nil && x > v.prof.Sprayer.TankL:
		return fmt.Sprintf("%s: %.1fL above tank %.1fL", name, x, v.prof.Sprayer.TankL)
	}
	return ""
}

// jobParam takes a PARAM_SET of the crew's parameters; ok is false for
// another parameter. It returns a reason when the value is refused.
func (v *vehicle) jobParam(name string, val float32) (reason string, ok bool) {
	if name != paramLoadKg && name != paramTankL {
		return "", false
	}
	if r := v.loadRefusal(name, float64(val)); r != "" {
		return r, true
	}
	if name == paramLoadKg {
		v.job.loadKg = float64(val)
	} else {
		v.job.tankL = float64(val)
	}
	return "", true
}

// Load is the ground crew loading the drone: kg on its gripper or winch
// (or in its bay) and litres in its tank, as PARAM_SET AC_LOAD_KG and
// AC_TANK_L would, with the same limits (disarmed on the ground, within
// the airframe's payload and tank). A refusal changes nothing.
func (d *Drone) Load(kg, litres float64) error {
	var err error
	e := d.f.do(func() {
		v := d.f.byID[d.id]
		if r := v.loadRefusal(paramLoadKg, kg); r != "" {
			err = fieldErr("kg", "%s", r)
			return
		}
		if r := v.loadRefusal(paramTankL, litres); r != "" {
			err = fieldErr("litres", "%s", r)
			return
		}
		v.job.loadKg, v.job.tankL = kg, litres
		v.syncJobParams()
	})
	if e != nil {
		return e
	}
	return err
}

// syncJobParams mirrors the load and tank into the parameters.
func (v *vehicle) syncJobParams() {
	p := v.params()
	p[paramLoadKg] = float32(v.job.loadKg)
	p[paramTankL] = float32(v.job.tankL)
}

// jobCommand runs a job command (COMMAND_LONG or COMMAND_INT); it reports
// false for a command that is not one.
func (v *vehicle) jobCommand(c command) bool {
	// a retry (confirmation > 0) of the release just done lost its ack:
	// answer it again rather than refuse it for want of a load
	if r := v.job.released; c.confirm > 0 && r.at.Add(releaseRetry).After(v.now()) && r.c.cmd == c.cmd && r.c.p == c.p {
		v.ack(c.cmd, common.MAV_RESULT_ACCEPTED, 0)
		return true
	}
	loaded := v.job.loadKg
	var res common.MAV_RESULT
	var reason string
	switch c.cmd {
	case common.MAV_CMD_DO_GRIPPER:
		res, reason = v.doGripper(c.p[1])
	case common.MAV_CMD_DO_WINCH:
		res, reason = v.doWinch(c.p[1], c.p[2], c.p[3])
	case common.MAV_CMD_DO_SET_CAM_TRIGG_DIST:
		res, reason = v.doTriggDist(c.p[0], c.p[2])
	case common.MAV_CMD_DO_DIGICAM_CONTROL:
		res, reason = v.doDigicam(c.p5)
	case cmdDoSprayer:
		res, reason = v.doSprayer(c.p[0])
	default:
		return false
	}
	if res == common.MAV_RESULT_ACCEPTED && (loaded > v.job.loadKg || (c.cmd == common.MAV_CMD_DO_WINCH && v.job.winch.deliver)) {
		v.job.released = lastRelease{c: c, at: v.now()}
	}
	v.refuse(c.cmd, res, reason)
	return true
}

// doGripper is MAV_CMD_DO_GRIPPER: a copter's gripper, or a fixed wing's
// bay (its gripper output), opens (action 0) or closes (1).
func (v *vehicle) doGripper(action float64) (common.MAV_RESULT, string) {
	bay := v.prof.Releases(airframe.ReleaseBay)
	if !v.prof.Releases(airframe.ReleaseGripper) && !bay {
		return common.MAV_RESULT_UNSUPPORTED, ""
	}
	switch action {
	case float64(common.GRIPPER_ACTION_GRAB):
		v.statustext(common.MAV_SEVERITY_INFO, "Gripper load grabbed")
		return common.MAV_RESULT_ACCEPTED, ""
	case float64(common.GRIPPER_ACTION_RELEASE):
		if v.job.loadKg <= 0 {
			return common.MAV_RESULT_DENIED, "Gripper: nothing loaded"
		}
		if !v.job.winch.idle() {
			return common.MAV_RESULT_TEMPORARILY_REJECTED, "Gripper: winch line out"
		}
		r := airframe.ReleaseGripper
		if bay {
			r = airframe.ReleaseBay
		}
		v.statustext(common.MAV_SEVERITY_INFO, "Gripper load released")
		v.dropFall(r)
		return common.MAV_RESULT_ACCEPTED, ""
	}
	return common.MAV_RESULT_UNSUPPORTED, ""
}

// doWinch is MAV_CMD_DO_WINCH: relaxed, relative length, rate control,
// deliver and retract. Whatever lowers the load releases it when it
// touches the ground and takes the line back in.
func (v *vehicle) doWinch(action, length, rate float64) (common.MAV_RESULT, string) {
	if !v.prof.Releases(airframe.ReleaseWinch) {
		return common.MAV_RESULT_UNSUPPORTED, ""
	}
	w := &v.job.winch
	if math.IsNaN(length) || math.IsInf(length, 0) || math.IsNaN(rate) || math.IsInf(rate, 0) {
		return common.MAV_RESULT_DENIED, "Winch: bad length or rate"
	}
	lowers := func() (common.MAV_RESULT, string) {
		switch {
		case v.job.loadKg <= 0:
			return common.MAV_RESULT_DENIED, "Winch: nothing loaded"
		case !v.airborne():
			return common.MAV_RESULT_TEMPORARILY_REJECTED, "Winch: not flying"
		}
		return common.MAV_RESULT_ACCEPTED, ""
	}
	switch action {
	case float64(common.WINCH_RELAXED):
		w.targetM = w.lineM
		return common.MAV_RESULT_ACCEPTED, ""
	case float64(common.WINCH_RELATIVE_LENGTH_CONTROL):
		if length > 0 {
			if res, r := lowers(); res != common.MAV_RESULT_ACCEPTED {
				return res, r
			}
		}
		w.targetM = clamp(w.lineM+length, 0, winchLineM)
		w.rate = winchRate
		if rate > 0 {
			w.rate = math.Min(rate, winchRate)
		}
		return common.MAV_RESULT_ACCEPTED, ""
	case float64(common.WINCH_RATE_CONTROL):
		if rate > 0 {
			if res, r := lowers(); res != common.MAV_RESULT_ACCEPTED {
				return res, r
			}
		}
		w.rate = math.Min(math.Abs(rate), winchRate)
		switch {
		case rate > 0:
			w.targetM = winchLineM
		case rate < 0:
			w.targetM = 0
		default:
			w.targetM = w.lineM
		}
		return common.MAV_RESULT_ACCEPTED, ""
	case float64(common.WINCH_DELIVER):
		if res, r := lowers(); res != common.MAV_RESULT_ACCEPTED {
			return res, r
		}
		if agl := v.alt - hangM - v.groundAlt(); agl > winchLineM {
			return common.MAV_RESULT_DENIED, fmt.Sprintf("Winch: ground %.0fm below, line %.0fm", agl, winchLineM)
		}
		*w = winch{lineM: w.lineM, targetM: winchLineM, rate: winchRate, deliver: true}
		v.statustext(common.MAV_SEVERITY_INFO, "Winch: delivering")
		return common.MAV_RESULT_ACCEPTED, ""
	case float64(common.WINCH_RETRACT):
		w.targetM, w.rate = 0, winchRate
		return common.MAV_RESULT_ACCEPTED, ""
	}
	return common.MAV_RESULT_UNSUPPORTED, ""
}

// doTriggDist is MAV_CMD_DO_SET_CAM_TRIGG_DIST: a picture every dist
// metres (0: stop), and one at once when once is 1.
func (v *vehicle) doTriggDist(dist, once float64) (common.MAV_RESULT, string) {
	if v.prof.Camera == nil {
		return common.MAV_RESULT_UNSUPPORTED, ""
	}
	if math.IsNaN(dist) || math.IsInf(dist, 0) || dist < 0 {
		return common.MAV_RESULT_DENIED, fmt.Sprintf("Camera: bad trigger distance %v", dist)
	}
	v.job.trigDist = dist
	if dist == 0 {
		v.job.baseSet = false
	}
	if once == 1 {
		v.takePicture()
	}
	return common.MAV_RESULT_ACCEPTED, ""
}

// doDigicam is MAV_CMD_DO_DIGICAM_CONTROL: shoot is param5, 1 takes a
// picture.
func (v *vehicle) doDigicam(shoot float64) (common.MAV_RESULT, string) {
	if v.prof.Camera == nil {
		return common.MAV_RESULT_UNSUPPORTED, ""
	}
	if shoot == 1 {
		v.takePicture()
	}
	return common.MAV_RESULT_ACCEPTED, ""
}

// doSprayer is MAV_CMD_DO_SPRAYER: param1 1 on, 0 off.
func (v *vehicle) doSprayer(on float64) (common.MAV_RESULT, string) {
	if v.prof.Sprayer == nil {
		return common.MAV_RESULT_UNSUPPORTED, ""
	}
	if on != 0 && on != 1 {
		return common.MAV_RESULT_DENIED, fmt.Sprintf("Sprayer: param1 must be 0 or 1, got %v", on)
	}
	if on == 1 && v.job.tankL <= 0 {
		return common.MAV_RESULT_DENIED, "Sprayer: tank empty"
	}
	v.setSpraying(on == 1)
	return common.MAV_RESULT_ACCEPTED, ""
}

func (v *vehicle) setSpraying(on bool) {
	if v.job.spraying == on {
		return
	}
	if !on {
		v.logSpray()
	}
	v.job.spraying = on
	v.job.sprayLogged = v.now()
	if on {
		v.statustext(common.MAV_SEVERITY_INFO, "Sprayer: on")
	} else {
		v.statustext(common.MAV_SEVERITY_INFO, "Sprayer: off")
	}
}

func (v *vehicle) logSpray() {
	if v.job.sprayAcc <= 0 {
		return
	}
	v.job.sprays = append(v.job.sprays, Spray{SysID: v.id, Time: v.now(), Pos: v.pos(), Litres: v.job.sprayAcc})
	v.job.sprayAcc = 0
	v.job.sprayLogged = v.now()
}

// takePicture takes a picture now, or as soon as the camera's minimum
// interval allows (AP_Camera's pending trigger).
func (v *vehicle) takePicture() {
	j := &v.job
	if !j.lastPhoto.IsZero() && v.now().Sub(j.lastPhoto) < v.prof.Camera.MinInterval {
		j.pending = true
		return
	}
	j.pending = false
	j.imgIdx++
	j.lastPhoto = v.now()
	j.base, j.baseSet = v.pos(), true
	p := Photo{SysID: v.id, Time: v.now(), Pos: v.pos(), AltRel: v.altRel(),
		Roll: v.roll / deg, Pitch: v.pitch / deg, Yaw: wrap360(v.heading), ImgIdx: j.imgIdx}
	j.photos = append(j.photos, p)
	// what the autopilot believes: its position estimate, as
	// GLOBAL_POSITION_INT
	lat, lon := offset(v.lat, v.lon, 0.3*v.gpsN, 0.3*v.gpsE)
	us := uint64(v.now().UnixMicro())
	v.send(&common.MessageCameraTrigger{TimeUsec: us, Seq: uint32(j.imgIdx)})
	v.send(cameraFeedback(us, j.imgIdx, lat, lon, p))
}

// stepJobs runs the winch, the camera's distance trigger and the sprayer
// for one step.
func (v *vehicle) stepJobs() {
	v.stepWinch()
	j := &v.job
	if cam := v.prof.Camera; cam != nil {
		if j.pending {
			v.takePicture()
		}
		if j.trigDist > 0 && v.gpsOK() {
			if !j.baseSet {
				j.base, j.baseSet = v.pos(), true
			} else if n, e := northEast(j.base.Lat, j.base.Lon, v.lat, v.lon); math.Hypot(n, e) >= j.trigDist {
				v.takePicture()
			}
		}
	}
	if j.spraying {
		if !v.airborne() {
			v.logSpray()
			return
		}
		l := math.Min(j.tankL, v.prof.Sprayer.PumpLPM*dt.Minutes())
		j.tankL -= l
		j.sprayAcc += l
		if v.now().Sub(j.sprayLogged) >= sprayLog {
			v.logSpray()
		}
		if j.tankL <= 1e-9 {
			j.tankL = 0
			v.statustext(common.MAV_SEVERITY_WARNING, "Sprayer: tank empty")
			v.setSpraying(false)
		}
		v.syncJobParams()
	}
}

// stepWinch moves the winch's line; a load that touches the ground is let
// go and the line comes back in.
func (v *vehicle) stepWinch() {
	w := &v.job.winch
	if w.lineM != w.targetM {
		step := w.rate * dt.Seconds()
		if w.rate <= 0 {
			step = winchRate * dt.Seconds()
		}
		if w.targetM > w.lineM {
			w.lineM = math.Min(w.targetM, w.lineM+step)
		} else {
			w.lineM = math.Max(w.targetM, w.lineM-step)
		}
	}
	if w.idle() {
		w.deliver = false
	}
	if w.deliver && w.lineM >= winchLineM && v.job.loadKg > 0 {
		v.statustext(common.MAV_SEVERITY_WARNING, "Winch: line out, load above ground")
		w.targetM = 0
	}
	if w.lineM > 0 && v.job.loadKg > 0 && v.alt-hangM-w.lineM <= v.groundAlt() {
		w.lineM = math.Max(0, v.alt-hangM-v.groundAlt())
		v.statustext(common.MAV_SEVERITY_INFO, "Winch: load down, released")
		v.drop(airframe.ReleaseWinch, LatLonAlt{v.lat, v.lon, v.groundAlt()}, LatLonAlt{v.lat, v.lon, v.groundAlt()}, 0)
		w.targetM, w.rate = 0, winchRate
	}
}

// dropFall lets the load fall from the drone: it keeps the drone's
// velocity, slows in the air and drifts with the wind to the ground.
func (v *vehicle) dropFall(r Release) {
	from := LatLonAlt{v.lat, v.lon, v.alt - hangM}
	if from.Alt <= v.groundAlt() {
		from.Alt = v.groundAlt()
		v.drop(r, from, from, 0)
		return
	}
	wn, we := v.windNE()
	at, t := fall(from, v.vn, v.ve, v.vd, wn, we, v.job.loadKg, v.groundAlt())
	v.drop(r, from, at, t)
}

// drop records the load's release and takes its mass off the drone.
func (v *vehicle) drop(r Release, from, impact LatLonAlt, fallT time.Duration) {
	v.job.drops = append(v.job.drops, Drop{SysID: v.id, Time: v.now(), Release: r, From: from, Impact: impact,
		Landed: v.now().Add(fallT), MassKg: v.job.loadKg})
	v.job.loadKg = 0
	v.syncJobParams()
}

// fall integrates a load's fall from p with ground velocity (vn, ve, vd)
// NED in air moving at (wn, we) to the ground at alt ground: a compact
// bundle (250 kg/m³, drag coefficient 1.05) under gravity and quadratic
// drag. It returns the impact point and the fall time.
func fall(p LatLonAlt, vn, ve, vd, wn, we, massKg, ground float64) (LatLonAlt, time.Duration) {
	const rho, cd, density, h = 1.225, 1.05, 250.0, 0.02
	m := math.Max(massKg, 0.1)
	side := math.Cbrt(m / density)
	k := 0.5 * rho * cd * side * side / m
	var n, e float64
	z := p.Alt - ground // height above the ground
	t := 0.0
	for z > 0 && t < 600 {
		rn, re, rd := vn-wn, ve-we, vd
		sp := math.Sqrt(rn*rn + re*re + rd*rd)
		vn -= k * sp * rn * h
		ve -= k * sp * re * h
		vd += (gravity - k*sp*rd) * h
		n += vn * h
		e += ve * h
		z -= vd * h
		t += h
	}
	lat, lon := offset(p.Lat, p.Lon, n, e)
	return LatLonAlt{lat, lon, ground}, time.Duration(t * float64(time.Second))
}

// jobItem starts a job's mission item; it reports false for an item that
// is not one.
func (v *vehicle) jobItem(it common.MessageMissionItemInt) bool {
	var res common.MAV_RESULT
	var reason string
	switch it.Command {
	case common.MAV_CMD_DO_GRIPPER:
		res, reason = v.doGripper(float64(it.Param2))
	case common.MAV_CMD_DO_WINCH:
		res, reason = v.doWinch(float64(it.Param2), float64(it.Param3), float64(it.Param4))
	case common.MAV_CMD_DO_SET_CAM_TRIGG_DIST:
		res, reason = v.doTriggDist(float64(it.Param1), float64(it.Param3))
	case common.MAV_CMD_DO_DIGICAM_CONTROL:
		res, reason = v.doDigicam(float64(it.X))
	case cmdDoSprayer:
		res, reason = v.doSprayer(float64(it.Param1))
	default:
		return false
	}
	if res != common.MAV_RESULT_ACCEPTED && reason != "" {
		v.statustext(common.MAV_SEVERITY_WARNING, reason)
	}
	return true
}

// jobItemReached reports whether a job's mission item is complete: a
// winch delivery once the line is back in (so that the mission waits over
// the point), every other at once.
func (v *vehicle) jobItemReached(it common.MessageMissionItemInt) bool {
	if it.Command == common.MAV_CMD_DO_WINCH {
		return !v.job.winch.deliver
	}
	return true
}

// beginPlace starts NAV_PAYLOAD_PLACE: fly to the point at the item's
// altitude (or the present one), then descend until the load touches.
func (v *vehicle) beginPlace(p LatLonAlt, z float32, maxDesc float32) {
	if z == 0 {
		p.Alt = v.alt
	}
	v.job.place = placing{stage: placeFly, maxDesc: math.Max(0, float64(maxDesc))}
	v.goTo(p)
}

// placeReached runs NAV_PAYLOAD_PLACE as Copter's PayloadPlace: descend at
// LAND_SPEED until the load is down, release it, wait, climb back to the
// height the descent started from.
func (v *vehicle) placeReached() bool {
	pl := &v.job.place
	switch pl.stage {
	case placeFly:
		n, e := northEast(v.lat, v.lon, v.tLat, v.tLon)
		if math.Hypot(n, e) > 2 || math.Abs(v.alt-v.tAlt) > 1 {
			return false
		}
		if v.job.loadKg <= 0 {
			v.statustext(common.MAV_SEVERITY_WARNING, "PayloadPlace: nothing loaded")
			return true
		}
		pl.stage, pl.startAlt = placeDescend, v.alt
		fallthrough
	case placeDescend:
		if pl.maxDesc > 0 && pl.startAlt-v.alt > pl.maxDesc {
			v.statustext(common.MAV_SEVERITY_WARNING, "PayloadPlace: Reached maximum descent")
			pl.stage = placeAscend
			v.tAlt = pl.startAlt
			return false
		}
		if v.alt-hangM > v.groundAlt()+0.05 {
			v.tAlt = math.Max(v.groundAlt(), v.alt-v.prof.LandSpeed)
			return false
		}
		v.tAlt = v.alt
		v.statustext(common.MAV_SEVERITY_INFO, "PayloadPlace: Releasing the gripper")
		v.statustext(common.MAV_SEVERITY_INFO, "Gripper load released")
		at := LatLonAlt{v.lat, v.lon, v.groundAlt()}
		v.drop(airframe.ReleasePlace, at, at, 0)
		pl.stage, pl.until = placeDelay0, v.now().Add(placeDelay)
		return false
	case placeDelay0:
		if v.now().Before(pl.until) {
			return false
		}
		pl.stage = placeAscend
		v.tAlt = pl.startAlt
		return false
	}
	v.tAlt = pl.startAlt
	return math.Abs(v.alt-pl.startAlt) < 0.5
}

// validateJob checks a job's mission item against the airframe: a drone
// asked to release, shoot or spray what it has not got refuses the upload.
func (v *vehicle) validateJob(i int, it common.MessageMissionItemInt) string {
	p := v.prof
	var missing string
	switch it.Command {
	case common.MAV_CMD_DO_GRIPPER:
		if !p.Releases(airframe.ReleaseGripper) && !p.Releases(airframe.ReleaseBay) {
			missing = "no gripper or bay"
		}
	case common.MAV_CMD_DO_WINCH:
		if !p.Releases(airframe.ReleaseWinch) {
			missing = "no winch"
		}
	case common.MAV_CMD_NAV_PAYLOAD_PLACE:
		if !p.Copter() || !p.Releases(airframe.ReleasePlace) {
			missing = "cannot place a payload"
		}
	case common.MAV_CMD_DO_SET_CAM_TRIGG_DIST, common.MAV_CMD_DO_DIGICAM_CONTROL:
		if p.Camera == nil {
			missing = "no camera"
		}
	case cmdDoSprayer:
		if p.Sprayer == nil {
			missing = "no sprayer"
		}
	}
	if missing == "" {
		return ""
	}
	return fmt.Sprintf("Mission: item %d: %s", i, missing)
}

// cameraFeedback is ArduPilot's CAMERA_FEEDBACK for photo p, at the
// position the autopilot believes (lat, lon).
func cameraFeedback(us uint64, idx int, lat, lon float64, p Photo) *ardupilotmega.MessageCameraFeedback {
	return &ardupilotmega.MessageCameraFeedback{
		TimeUsec: us, ImgIdx: uint16(idx), Lat: degE7(lat), Lng: degE7(lon),
		AltMsl: float32(p.Pos.Alt), AltRel: float32(p.AltRel),
		Roll: float32(p.Roll), Pitch: float32(p.Pitch), Yaw: float32(p.Yaw),
		Flags: ardupilotmega.CAMERA_FEEDBACK_PHOTO, CompletedCaptures: uint16(idx),
	}
}

// jobState copies the job's state into st.
func (v *vehicle) jobState(st *State) {
	st.LoadKg, st.TankL, st.Photos, st.WinchLineM = v.job.loadKg, v.job.tankL, v.job.imgIdx, v.job.winch.lineM
}

// JobLog returns copies of the drops, photos and sprays of every drone so
// far, each list in time order (then by system id).
func (f *Fleet) JobLog() JobLog {
	var l JobLog
	f.do(func() { //nolint:errcheck // an empty log once closed
		for _, v := range f.vehicles {
			l.Drops = append(l.Drops, v.job.drops...)
			l.Photos = append(l.Photos, v.job.photos...)
			l.Sprays = append(l.Sprays, v.job.sprays...)
		}
	})
	sort.SliceStable(l.Drops, func(i, j int) bool { return l.Drops[i].Time.Before(l.Drops[j].Time) })
	sort.SliceStable(l.Photos, func(i, j int) bool { return l.Photos[i].Time.Before(l.Photos[j].Time) })
	sort.SliceStable(l.Sprays, func(i, j int) bool { return l.Sprays[i].Time.Before(l.Sprays[j].Time) })
	return l
}
