package sim

import (
	"fmt"
	"math"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/aerocell/aerocell/payload"
)

// forceArm is the param2 of COMPONENT_ARM_DISARM that skips the checks.
const forceArm = 21196

// msgIDSetMode is the command number ArduPilot acks SET_MODE with (the
// message id of SET_MODE).
const msgIDSetMode = 11

// send passes a message to the link, through the link faults.
func (v *vehicle) send(m message.Message) {
	if v.hasFault(FaultLinkDrop) {
		v.link.SendDropped++
		return
	}
	if f := v.fault(FaultPacketLoss); f != nil && v.linkRng.Float64()*100 < f.Percent {
		v.link.SendDropped++
		return
	}
	if f := v.fault(FaultLatency); f != nil {
		v.outQ = append(v.outQ, queuedMsg{at: v.now().Add(f.Latency), m: m})
		return
	}
	v.f.transmit(v, m)
}

type queuedMsg struct {
	at time.Time
	m  message.Message
}

type queuedIn struct {
	at        time.Time
	m         message.Message
	sys, comp uint8
}

// deliver takes a frame from the link, through the link faults.
func (v *vehicle) deliver(m message.Message, sys, comp uint8) {
	if v.hasFault(FaultLinkDrop) {
		v.link.RecvDropped++
		return
	}
	if f := v.fault(FaultPacketLoss); f != nil && v.linkRng.Float64()*100 < f.Percent {
		v.link.RecvDropped++
		return
	}
	if f := v.fault(FaultLatency); f != nil {
		v.inQ = append(v.inQ, queuedIn{at: v.now().Add(f.Latency), m: m, sys: sys, comp: comp})
		return
	}
	v.receive(m, sys, comp)
}

// flushQueues passes on the frames whose latency has elapsed.
func (v *vehicle) flushQueues() {
	now := v.now()
	n := 0
	for _, q := range v.outQ {
		if now.Before(q.at) {
			v.outQ[n] = q
			n++
			continue
		}
		if v.hasFault(FaultLinkDrop) {
			v.link.SendDropped++
		} else {
			v.f.transmit(v, q.m)
		}
	}
	clear(v.outQ[n:])
	v.outQ = v.outQ[:n]
	in := v.inQ
	v.inQ = nil
	for _, q := range in {
		if now.Before(q.at) {
			v.inQ = append(v.inQ, q)
			continue
		}
		if v.hasFault(FaultLinkDrop) {
			v.link.RecvDropped++
		} else {
			v.receive(q.m, q.sys, q.comp)
		}
	}
}

func (v *vehicle) statustext(sev common.MAV_SEVERITY, text string) {
	if len(text) > 50 {
		text = text[:50]
	}
	v.send(&common.MessageStatustext{Severity: sev, Text: text})
}

// ackTo is the ground station the last command came from.
type ackTo struct{ sys, comp uint8 }

func (v *vehicle) ack(cmd common.MAV_CMD, res common.MAV_RESULT, progress uint8) {
	v.send(&common.MessageCommandAck{
		Command: cmd, Result: res, Progress: progress,
		TargetSystem: v.gcs.sys, TargetComponent: v.gcs.comp,
	})
}

// forMe reports whether a message's target is this drone's autopilot.
func (v *vehicle) forMe(sys, comp uint8) bool {
	return (sys == v.id || sys == 0) && (comp == 0 || comp == 1)
}

// receive handles one message from a ground station.
func (v *vehicle) receive(msg message.Message, sys, comp uint8) {
	v.link.Received++
	// As ArduPilot, any message from the ground station (SYSID_MYGCS) shows
	// the link is up; a GCS heartbeat from another system id does too.
	hb, isHB := msg.(*common.MessageHeartbeat)
	if float32(sys) == v.params()["SYSID_MYGCS"] || (isHB && hb.Type == common.MAV_TYPE_GCS) {
		v.lastGCS = v.now()
		if v.gcsFailsafe {
			v.gcsFailsafe = false
			v.statustext(common.MAV_SEVERITY_INFO, "GCS Failsafe Cleared")
		}
	}
	switch m := msg.(type) {
	case *common.MessageCommandLong:
		if !v.forMe(m.TargetSystem, m.TargetComponent) {
			return
		}
		v.link.Commands++
		v.gcs = ackTo{sys, comp}
		c := command{cmd: m.Command, p: [4]float64{float64(m.Param1), float64(m.Param2), float64(m.Param3), float64(m.Param4)},
			lat: float64(m.Param5), lon: float64(m.Param6), alt: float64(m.Param7), relAlt: true, p5: float64(m.Param5),
			confirm: m.Confirmation}
		if m.Param5 == 0 && m.Param6 == 0 {
			c.lat, c.lon = math.NaN(), math.NaN()
		}
		v.command(c)
	case *common.MessageCommandInt:
		if !v.forMe(m.TargetSystem, m.TargetComponent) {
			return
		}
		v.link.Commands++
		v.gcs = ackTo{sys, comp}
		c := command{cmd: m.Command, p: [4]float64{float64(m.Param1), float64(m.Param2), float64(m.Param3), float64(m.Param4)},
			lat: float64(m.X) / 1e7, lon: float64(m.Y) / 1e7, alt: float64(m.Z), relAlt: relativeFrame(m.Frame),
			terrain: terrainFrame(m.Frame), p5: float64(m.X)}
		if m.X == math.MaxInt32 || m.Y == math.MaxInt32 || (m.X == 0 && m.Y == 0) {
			c.lat, c.lon = math.NaN(), math.NaN()
		}
		v.command(c)
	case *common.MessageSetMode:
		if m.TargetSystem != v.id {
			return
		}
		v.link.Commands++
		v.gcs = ackTo{sys, comp}
		res := common.MAV_RESULT_FAILED
		if m.BaseMode&common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED != 0 {
			res = v.changeMode(m.CustomMode)
		}
		v.ack(msgIDSetMode, res, 0)
	case *common.MessageSetPositionTargetGlobalInt:
		if !v.forMe(m.TargetSystem, m.TargetComponent) {
			return
		}
		v.positionTarget(m)
	case *common.MessageRequestDataStream:
		if !v.forMe(m.TargetSystem, m.TargetComponent) {
			return
		}
		v.tel.setGroup(m.ReqStreamId, int(m.ReqMessageRate), m.StartStop != 0)
	case *common.MessageMissionCount, *common.MessageMissionItemInt, *common.MessageMissionItem,
		*common.MessageMissionRequestList, *common.MessageMissionRequestInt, *common.MessageMissionRequest,
		*common.MessageMissionAck, *common.MessageMissionClearAll, *common.MessageMissionSetCurrent:
		v.missionMessage(msg, sys, comp)
	case *common.MessageParamRequestList, *common.MessageParamRequestRead, *common.MessageParamSet:
		v.paramMessage(msg, sys, comp)
	case *common.MessageTerrainData:
		v.terrainData(m)
	case *common.MessageTerrainCheck:
		v.send(v.terrainReport(float64(m.Lat)/1e7, float64(m.Lon)/1e7))
	case *common.MessageTimesync:
		if m.Tc1 == 0 && (m.TargetSystem == 0 || m.TargetSystem == v.id) {
			v.send(&common.MessageTimesync{Tc1: v.now().UnixNano(), Ts1: m.Ts1, TargetSystem: sys, TargetComponent: comp})
		}
	}
}

func relativeFrame(f common.MAV_FRAME) bool {
	switch f {
	case common.MAV_FRAME_GLOBAL, common.MAV_FRAME_GLOBAL_INT:
		return false
	}
	return true
}

// terrainFrame reports whether f gives altitudes above the terrain.
func terrainFrame(f common.MAV_FRAME) bool {
	return f == common.MAV_FRAME_GLOBAL_TERRAIN_ALT || f == common.MAV_FRAME_GLOBAL_TERRAIN_ALT_INT
}

// command is a COMMAND_LONG or COMMAND_INT: lat/lon NaN when absent, alt
// above home when relAlt, above the terrain when terrain.
type command struct {
	cmd      common.MAV_CMD
	p        [4]float64
	lat, lon float64
	alt      float64
	relAlt   bool
	terrain  bool
	p5       float64 // param5 as sent (COMMAND_INT: x), for commands where it is no latitude
	confirm  uint8   // COMMAND_LONG's confirmation: 0 first sent, more on a retry
}

// target returns the command's position, defaulting to the drone's own.
func (v *vehicle) target(c command) LatLonAlt {
	t := LatLonAlt{Lat: c.lat, Lon: c.lon, Alt: c.alt}
	if math.IsNaN(t.Lat) || math.IsNaN(t.Lon) {
		t.Lat, t.Lon = v.lat, v.lon
	}
	switch {
	case math.IsNaN(t.Alt):
		t.Alt = v.alt
	case c.terrain:
		// what the drone flies to now: the height over the terrain under
		// it (see followTerrain); the caller checks it has terrain here
		h, _ := v.terrainUnder()
		t.Alt += h
	case c.relAlt:
		t.Alt += v.home.Alt
	}
	return t
}

func (v *vehicle) refuse(cmd common.MAV_CMD, res common.MAV_RESULT, reason string) {
	if reason != "" {
		v.statustext(common.MAV_SEVERITY_WARNING, reason)
	}
	v.ack(cmd, res, 0)
}

func (v *vehicle) changeMode(num uint32) common.MAV_RESULT {
	md, ok := v.modeByNumber(num)
	if !ok {
		v.statustext(common.MAV_SEVERITY_WARNING, fmt.Sprintf("Mode change failed: unknown mode %d", num))
		return common.MAV_RESULT_FAILED
	}
	if r := v.setMode(md); r != "" {
		v.statustext(common.MAV_SEVERITY_WARNING, r)
		return common.MAV_RESULT_FAILED
	}
	return common.MAV_RESULT_ACCEPTED
}

func (v *vehicle) command(c command) {
	switch c.cmd {
	case common.MAV_CMD_COMPONENT_ARM_DISARM:
		res, reason := v.arm(c.p[0] >= 0.5, c.p[1] == forceArm)
		v.refuse(c.cmd, res, reason)

	case common.MAV_CMD_NAV_TAKEOFF:
		okMode := v.mode.kind == mGuided || (!v.prof.Copter() && v.mode.kind == mTakeoff)
		switch {
		case !v.armed:
			v.refuse(c.cmd, common.MAV_RESULT_TEMPORARILY_REJECTED, "Takeoff: not armed")
			return
		case !okMode:
			v.refuse(c.cmd, common.MAV_RESULT_TEMPORARILY_REJECTED, "Takeoff: mode "+v.mode.name+" cannot take off")
			return
		case v.landed != OnGround || v.phase != phGround:
			v.refuse(c.cmd, common.MAV_RESULT_TEMPORARILY_REJECTED, "Takeoff: already flying")
			return
		}
		rel := c.alt
		if !c.relAlt {
			rel -= v.home.Alt
		}
		if math.IsNaN(rel) || rel <= 0 {
			rel = math.Min(10, v.prof.RTLAlt)
		}
		if r := v.reach(LatLonAlt{v.lat, v.lon, v.home.Alt + rel}); r != "" {
			v.refuse(c.cmd, common.MAV_RESULT_DENIED, r)
			return
		}
		v.takeoff(rel)
		v.ack(c.cmd, common.MAV_RESULT_ACCEPTED, 0)

	case common.MAV_CMD_DO_REPOSITION:
		if !v.airborne() {
			v.refuse(c.cmd, common.MAV_RESULT_TEMPORARILY_REJECTED, "Reposition: not flying")
			return
		}
		if v.mode.kind != mGuided && int(c.p[1])&int(common.MAV_DO_REPOSITION_FLAGS_CHANGE_MODE) == 0 {
			v.refuse(c.cmd, common.MAV_RESULT_DENIED, "")
			return
		}
		if _, ok := v.terrainUnder(); c.terrain && !math.IsNaN(c.alt) && !ok {
			// Copter's set_destination fails without terrain data where
			// the drone is, before any mode change: FAILED, nothing moves
			v.refuse(c.cmd, common.MAV_RESULT_FAILED, "")
			return
		}
		if v.mode.kind != mGuided {
			if r := v.setMode(v.modeByKind(mGuided)); r != "" {
				v.refuse(c.cmd, common.MAV_RESULT_FAILED, r)
				return
			}
		}
		t := v.target(c)
		if r := v.reach(t); r != "" {
			v.refuse(c.cmd, common.MAV_RESULT_DENIED, r)
			return
		}
		if c.p[0] > 0 {
			v.setSpeed(c.p[0])
		}
		v.goTo(t)
		if c.terrain && !math.IsNaN(c.alt) {
			v.tTerrain, v.tAGL = true, c.alt
		}
		v.ack(c.cmd, common.MAV_RESULT_ACCEPTED, 0)

	case common.MAV_CMD_NAV_RETURN_TO_LAUNCH:
		v.ack(c.cmd, v.changeMode(v.modeByKind(mRTL).num), 0)

	case common.MAV_CMD_NAV_LAND:
		if v.prof.Copter() {
			v.ack(c.cmd, v.changeMode(v.modeByKind(mLand).num), 0)
			return
		}
		t := v.target(c)
		if math.IsNaN(c.lat) {
			t = v.home
		}
		if v.airborne() {
			v.planeLand(t.Lat, t.Lon)
		}
		v.ack(c.cmd, common.MAV_RESULT_ACCEPTED, 0)

	case common.MAV_CMD_DO_CHANGE_SPEED:
		if c.p[1] > 0 {
			v.setSpeed(c.p[1])
		}
		v.ack(c.cmd, common.MAV_RESULT_ACCEPTED, 0)

	case common.MAV_CMD_DO_SET_MODE:
		if int(c.p[0])&int(common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED) == 0 {
			v.ack(c.cmd, common.MAV_RESULT_FAILED, 0)
			return
		}
		v.ack(c.cmd, v.changeMode(uint32(c.p[1])), 0)

	case common.MAV_CMD_MISSION_START:
		v.ack(c.cmd, v.changeMode(v.modeByKind(mAuto).num), 0)

	case common.MAV_CMD_SET_MESSAGE_INTERVAL:
		iv := time.Duration(c.p[1]) * time.Microsecond
		if c.p[1] < 0 {
			iv = -1
		}
		if !v.tel.setInterval(int(c.p[0]), iv) {
			v.ack(c.cmd, common.MAV_RESULT_DENIED, 0)
			return
		}
		v.ack(c.cmd, common.MAV_RESULT_ACCEPTED, 0)

	case common.MAV_CMD_GET_MESSAGE_INTERVAL:
		s := v.tel.find(int(c.p[0]))
		if s == nil {
			v.ack(c.cmd, common.MAV_RESULT_DENIED, 0)
			return
		}
		us := int32(s.interval / time.Microsecond)
		if s.interval < 0 {
			us = -1
		}
		v.ack(c.cmd, common.MAV_RESULT_ACCEPTED, 0)
		v.send(&common.MessageMessageInterval{MessageId: uint16(c.p[0]), IntervalUs: us})

	case common.MAV_CMD_REQUEST_MESSAGE:
		id := int(c.p[0])
		if id < 0 || (v.message(id) == nil && id != msgNamedValueInt) {
			v.ack(c.cmd, common.MAV_RESULT_DENIED, 0)
			return
		}
		v.ack(c.cmd, common.MAV_RESULT_ACCEPTED, 0)
		v.tel.sendNow(id)

	case common.MAV_CMD_GET_HOME_POSITION:
		v.ack(c.cmd, common.MAV_RESULT_ACCEPTED, 0)
		v.tel.sendNow(msgHomePosition)

	case common.MAV_CMD_REQUEST_AUTOPILOT_CAPABILITIES:
		v.ack(c.cmd, common.MAV_RESULT_ACCEPTED, 0)
		v.tel.sendNow(msgAutopilotVersion)

	case common.MAV_CMD_DO_SET_HOME:
		h := LatLonAlt{v.lat, v.lon, v.alt}
		if c.p[0] < 0.5 {
			if math.IsNaN(c.lat) {
				v.refuse(c.cmd, common.MAV_RESULT_DENIED, "Home: no position given")
				return
			}
			h = LatLonAlt{c.lat, c.lon, c.alt}
			if c.relAlt { // COMMAND_LONG and relative frames: MSL is what home holds
				h.Alt = c.alt
			}
		}
		if validPos("home", h) != nil {
			v.refuse(c.cmd, common.MAV_RESULT_DENIED, "Home: bad position")
			return
		}
		v.home = h
		v.mission.home(v)
		v.ack(c.cmd, common.MAV_RESULT_ACCEPTED, 0)
		v.tel.sendNow(msgHomePosition)

	case common.MAV_CMD_REQUEST_PROTOCOL_VERSION:
		v.ack(c.cmd, common.MAV_RESULT_ACCEPTED, 0)
		v.send(&common.MessageProtocolVersion{Version: 200, MinVersion: 100, MaxVersion: 200})

	case common.MAV_CMD_DO_FENCE_ENABLE:
		v.params()["FENCE_ENABLE"] = float32(math.Round(c.p[0]))
		v.ack(c.cmd, common.MAV_RESULT_ACCEPTED, 0)

	case payload.Command:
		n := Network(int(c.p[0]))
		res := v.switchCell(n, c.p[1] >= 0.5)
		v.ack(c.cmd, res, 0)

	default:
		if !v.jobCommand(c) {
			v.ack(c.cmd, common.MAV_RESULT_UNSUPPORTED, 0)
		}
	}
}

func (v *vehicle) setSpeed(s float64) {
	if v.prof.Copter() {
		v.speed = clamp(s, 0.5, v.prof.CruiseSpeed)
	} else {
		v.speed = clamp(s, 0.7*v.prof.CruiseSpeed, 1.3*v.prof.CruiseSpeed)
	}
}

// positionTarget handles SET_POSITION_TARGET_GLOBAL_INT: a position in
// GUIDED (ArduPilot ignores it in other modes and sends no ack).
func (v *vehicle) positionTarget(m *common.MessageSetPositionTargetGlobalInt) {
	if v.mode.kind != mGuided || !v.airborne() {
		return
	}
	const ignorePos = common.POSITION_TARGET_TYPEMASK_X_IGNORE | common.POSITION_TARGET_TYPEMASK_Y_IGNORE | common.POSITION_TARGET_TYPEMASK_Z_IGNORE
	const ignoreVel = common.POSITION_TARGET_TYPEMASK_VX_IGNORE | common.POSITION_TARGET_TYPEMASK_VY_IGNORE | common.POSITION_TARGET_TYPEMASK_VZ_IGNORE
	if m.TypeMask&ignorePos == ignorePos {
		if m.TypeMask&ignoreVel == ignoreVel || !v.prof.Copter() {
			return
		}
		// velocity control: ArduPilot flies it for 3 s unless renewed
		vn, ve, vd := float64(m.Vx), float64(m.Vy), float64(m.Vz)
		if math.IsNaN(vn+ve+vd) || math.IsInf(vn+ve+vd, 0) {
			return
		}
		v.phase = phVelocity
		v.velN, v.velE, v.velD = vn, ve, vd
		v.velUntil = v.now().Add(3 * time.Second)
		v.landed = InAir
		return
	}
	c := command{lat: float64(m.LatInt) / 1e7, lon: float64(m.LonInt) / 1e7, alt: float64(m.Alt),
		relAlt: relativeFrame(m.CoordinateFrame), terrain: terrainFrame(m.CoordinateFrame)}
	if m.TypeMask&common.POSITION_TARGET_TYPEMASK_Z_IGNORE != 0 {
		c.alt, c.terrain = math.NaN(), false
	}
	if _, ok := v.terrainUnder(); c.terrain && !ok {
		return // set_destination fails without terrain data: ignored, no answer
	}
	t := v.target(c)
	if r := v.reach(t); r != "" {
		v.statustext(common.MAV_SEVERITY_WARNING, r)
		return
	}
	v.goTo(t)
	v.tTerrain, v.tAGL = c.terrain, c.alt
}
