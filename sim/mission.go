package sim

import (
	"fmt"
	"math"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
)

// missionStore is a stored mission or fence. A mission's item 0 is home, as
// ArduPilot keeps it.
type missionStore struct {
	items   []common.MessageMissionItemInt
	cur     int
	started bool
	landing bool // a LAND item: flying to its point before descending
	done    bool
	holdEnd time.Time
	// a fixed wing's AUTO waypoint is flown through, not circled: from
	// where the leg started, as Plane's prev_WP
	through          bool
	fromLat, fromLon float64
}

// planeWPRadius is Plane's WP_RADIUS default: the turn towards the next
// leg starts up to this far before a waypoint.
const planeWPRadius = 90.0

// flyThrough reports whether v, a fixed wing in AUTO, flies straight
// through its target (a mission waypoint) instead of circling it.
func (v *vehicle) flyThrough() bool {
	return v.mission.through && v.mode.kind == mAuto && v.phase == phHold
}

// legL1 is the distance ahead on its leg a fixed wing steers for, as
// Plane's L1 controller (about its L1 period times its speed).
const legL1 = 150.0

// legHeading is the heading (degrees) that keeps a fixed wing on its leg
// from the leg's start to its waypoint: the leg's bearing, bent back
// towards the line by the cross-track error, less the crab the wind across
// the track asks for.
func (v *vehicle) legHeading() float64 {
	m := &v.mission
	ln, le := northEast(m.fromLat, m.fromLon, v.tLat, v.tLon)
	l := math.Hypot(ln, le)
	if l < 1 {
		n, e := northEast(v.lat, v.lon, v.tLat, v.tLon)
		return math.Atan2(e, n) / deg
	}
	un, ue := ln/l, le/l
	pn, pe := northEast(m.fromLat, m.fromLon, v.lat, v.lon)
	xt := -pn*ue + pe*un // right of the line, metres
	track := math.Atan2(ue, un) - math.Atan(xt/legL1)
	tn, te := math.Cos(track), math.Sin(track)
	wn, we := v.windNE()
	cross := -wn*te + we*tn // wind across the track, to the right
	crab := math.Asin(clamp(cross/math.Max(v.airspeed, 1), -1, 1))
	return wrap360((track - crab) / deg)
}

// passedWaypoint is Plane's test that a waypoint is reached: within the
// item's acceptance radius (param2) if set, else within the distance its
// turn onto the next leg starts (L1's turn_distance from WP_RADIUS and the
// turn angle), or past the finish line through it, square to the leg.
func (v *vehicle) passedWaypoint(it common.MessageMissionItemInt) bool {
	m := &v.mission
	n, e := northEast(v.tLat, v.tLon, v.lat, v.lon)
	dist := math.Hypot(n, e)
	ln, le := northEast(m.fromLat, m.fromLon, v.tLat, v.tLon)
	if ln*n+le*e > 0 { // past the finish line
		return true
	}
	accept := float64(it.Param2)
	if accept <= 0 {
		turn := 90.0
		for i := m.cur + 1; i < len(m.items); i++ {
			if nx, ok := v.itemPos(m.items[i]); ok && isNav(m.items[i].Command) {
				nn, ne := northEast(v.tLat, v.tLon, nx.Lat, nx.Lon)
				if math.Hypot(nn, ne) > 1 && math.Hypot(ln, le) > 1 {
					turn = math.Abs(wrap180((math.Atan2(ne, nn) - math.Atan2(le, ln)) / deg))
				}
				break
			}
		}
		accept = planeWPRadius * math.Min(turn, 90) / 90
	}
	return dist <= accept
}

// home sets item 0 of the mission to the vehicle's home.
func (m *missionStore) home(v *vehicle) {
	h := common.MessageMissionItemInt{
		Seq: 0, Frame: common.MAV_FRAME_GLOBAL_INT, Command: common.MAV_CMD_NAV_WAYPOINT, Autocontinue: 1,
		X: degE7(v.home.Lat), Y: degE7(v.home.Lon), Z: float32(v.home.Alt),
	}
	if len(m.items) == 0 {
		m.items = []common.MessageMissionItemInt{h}
		return
	}
	m.items[0] = h
}

func (m *missionStore) state(v *vehicle) common.MISSION_STATE {
	switch {
	case len(m.items) < 2:
		return common.MISSION_STATE_NO_MISSION
	case m.done:
		return common.MISSION_STATE_COMPLETE
	case v.mode.kind == mAuto && v.armed:
		return common.MISSION_STATE_ACTIVE
	case m.cur > 1:
		return common.MISSION_STATE_PAUSED
	}
	return common.MISSION_STATE_NOT_STARTED
}

// navSeq is the item MISSION_CURRENT reports: ArduPilot's current
// navigation command, which a DO command in progress belongs to (the next
// navigation item at or after the current one); once the mission is over,
// the last one (so that seq is at most total).
func (m *missionStore) navSeq() int {
	nav := func(i int) bool {
		return isNav(m.items[i].Command) || m.items[i].Command == common.MAV_CMD_NAV_RETURN_TO_LAUNCH
	}
	for i := m.cur; i < len(m.items); i++ {
		if nav(i) {
			return i
		}
	}
	for i := min(m.cur, len(m.items)) - 1; i > 0; i-- {
		if nav(i) {
			return i
		}
	}
	return min(m.cur, max(len(m.items)-1, 0))
}

// missionTransfer is an upload or download in progress.
type missionTransfer struct {
	upload   bool
	typ      common.MAV_MISSION_TYPE
	count    int
	next     int
	items    []common.MessageMissionItemInt
	deadline time.Time
	retries  int
	sys      uint8
	comp     uint8
}

// missionTimeout is how long the drone waits for the next item before it
// asks again; after missionRetries it cancels the upload.
const (
	missionTimeout = 1500 * time.Millisecond
	missionRetries = 5
	missionMax     = 700
)

func (v *vehicle) store(t common.MAV_MISSION_TYPE) *missionStore {
	switch t {
	case common.MAV_MISSION_TYPE_MISSION:
		return &v.mission
	case common.MAV_MISSION_TYPE_FENCE:
		return &v.fence
	case common.MAV_MISSION_TYPE_RALLY:
		return &v.rally
	}
	return nil
}

func (v *vehicle) missionAck(sys, comp uint8, t common.MAV_MISSION_TYPE, res common.MAV_MISSION_RESULT) {
	v.send(&common.MessageMissionAck{TargetSystem: sys, TargetComponent: comp, Type: res, MissionType: t})
}

func (v *vehicle) requestItem(x *missionTransfer) {
	x.deadline = v.now().Add(missionTimeout)
	v.send(&common.MessageMissionRequestInt{TargetSystem: x.sys, TargetComponent: x.comp, Seq: uint16(x.next), MissionType: x.typ})
}

func (v *vehicle) sendItem(it common.MessageMissionItemInt, t common.MAV_MISSION_TYPE, sys, comp uint8, asInt bool) {
	it.TargetSystem, it.TargetComponent, it.MissionType = sys, comp, t
	if asInt {
		v.send(&it)
		return
	}
	x, y := float32(float64(it.X)/1e7), float32(float64(it.Y)/1e7)
	if it.Frame == common.MAV_FRAME_MISSION {
		x, y = float32(it.X), float32(it.Y)
	}
	v.send(&common.MessageMissionItem{
		TargetSystem: sys, TargetComponent: comp, Seq: it.Seq, Frame: it.Frame, Command: it.Command,
		Current: it.Current, Autocontinue: it.Autocontinue, Param1: it.Param1, Param2: it.Param2,
		Param3: it.Param3, Param4: it.Param4, X: x, Y: y, Z: it.Z, MissionType: t,
	})
}

// missionMessage runs the vehicle side of the mission protocol.
func (v *vehicle) missionMessage(msg message.Message, sys, comp uint8) {
	switch m := msg.(type) {
	case *common.MessageMissionCount:
		if !v.forMe(m.TargetSystem, m.TargetComponent) {
			return
		}
		st := v.store(m.MissionType)
		if st == nil {
			v.missionAck(sys, comp, m.MissionType, common.MAV_MISSION_UNSUPPORTED)
			return
		}
		if int(m.Count) > missionMax {
			v.missionAck(sys, comp, m.MissionType, common.MAV_MISSION_NO_SPACE)
			return
		}
		if m.Count == 0 {
			v.commit(m.MissionType, nil)
			v.missionAck(sys, comp, m.MissionType, common.MAV_MISSION_ACCEPTED)
			return
		}
		v.xfer = &missionTransfer{upload: true, typ: m.MissionType, count: int(m.Count), sys: sys, comp: comp}
		v.requestItem(v.xfer)
	case *common.MessageMissionItemInt:
		if v.forMe(m.TargetSystem, m.TargetComponent) {
			v.missionItem(*m, sys, comp)
		}
	case *common.MessageMissionItem:
		if v.forMe(m.TargetSystem, m.TargetComponent) {
			it := common.MessageMissionItemInt{
				Seq: m.Seq, Frame: m.Frame, Command: m.Command, Current: m.Current, Autocontinue: m.Autocontinue,
				Param1: m.Param1, Param2: m.Param2, Param3: m.Param3, Param4: m.Param4,
				X: degE7(float64(m.X)), Y: degE7(float64(m.Y)), Z: m.Z, MissionType: m.MissionType,
			}
			if m.Frame == common.MAV_FRAME_MISSION { // x and y are plain params, as ArduPilot reads them
				it.X, it.Y = int32(clamp(float64(m.X), math.MinInt32, math.MaxInt32)), int32(clamp(float64(m.Y), math.MinInt32, math.MaxInt32))
			}
			v.missionItem(it, sys, comp)
		}
	case *common.MessageMissionRequestList:
		if !v.forMe(m.TargetSystem, m.TargetComponent) {
			return
		}
		st := v.store(m.MissionType)
		if st == nil {
			v.missionAck(sys, comp, m.MissionType, common.MAV_MISSION_UNSUPPORTED)
			return
		}
		v.xfer = &missionTransfer{typ: m.MissionType, count: len(st.items), sys: sys, comp: comp, deadline: v.now().Add(10 * missionTimeout)}
		v.send(&common.MessageMissionCount{TargetSystem: sys, TargetComponent: comp, Count: uint16(len(st.items)), MissionType: m.MissionType})
	case *common.MessageMissionRequestInt:
		if v.forMe(m.TargetSystem, m.TargetComponent) {
			v.missionRequest(int(m.Seq), m.MissionType, sys, comp, true)
		}
	case *common.MessageMissionRequest:
		if v.forMe(m.TargetSystem, m.TargetComponent) {
			v.missionRequest(int(m.Seq), m.MissionType, sys, comp, false)
		}
	case *common.MessageMissionAck:
		if v.forMe(m.TargetSystem, m.TargetComponent) && v.xfer != nil && !v.xfer.upload {
			v.xfer = nil
		}
	case *common.MessageMissionClearAll:
		if !v.forMe(m.TargetSystem, m.TargetComponent) {
			return
		}
		if m.MissionType == common.MAV_MISSION_TYPE_ALL {
			v.commit(common.MAV_MISSION_TYPE_MISSION, nil)
			v.commit(common.MAV_MISSION_TYPE_FENCE, nil)
			v.commit(common.MAV_MISSION_TYPE_RALLY, nil)
		} else if v.store(m.MissionType) == nil {
			v.missionAck(sys, comp, m.MissionType, common.MAV_MISSION_UNSUPPORTED)
			return
		} else {
			v.commit(m.MissionType, nil)
		}
		v.missionAck(sys, comp, m.MissionType, common.MAV_MISSION_ACCEPTED)
	case *common.MessageMissionSetCurrent:
		if m.TargetSystem != v.id {
			return
		}
		if int(m.Seq) < len(v.mission.items) {
			v.mission.cur = int(m.Seq)
			v.mission.started, v.mission.done = false, false
		}
		v.tel.sendNow(msgMissionCurrent)
	}
}

func (v *vehicle) missionRequest(seq int, t common.MAV_MISSION_TYPE, sys, comp uint8, asInt bool) {
	st := v.store(t)
	if st == nil {
		v.missionAck(sys, comp, t, common.MAV_MISSION_UNSUPPORTED)
		return
	}
	if seq < 0 || seq >= len(st.items) {
		v.missionAck(sys, comp, t, common.MAV_MISSION_INVALID_SEQUENCE)
		return
	}
	it := st.items[seq]
	it.Seq = uint16(seq)
	if t == common.MAV_MISSION_TYPE_MISSION && seq == st.cur {
		it.Current = 1
	}
	v.sendItem(it, t, sys, comp, asInt)
}

func (v *vehicle) missionItem(it common.MessageMissionItemInt, sys, comp uint8) {
	x := v.xfer
	if x == nil || !x.upload || it.MissionType != x.typ {
		return
	}
	if int(it.Seq) != x.next {
		v.requestItem(x) // ask again for the one we want
		return
	}
	x.items = append(x.items, it)
	x.next++
	x.retries = 0
	if x.next < x.count {
		v.requestItem(x)
		return
	}
	v.xfer = nil
	if res, reason := v.validate(x.typ, x.items); res != common.MAV_MISSION_ACCEPTED {
		if reason != "" {
			v.statustext(common.MAV_SEVERITY_WARNING, reason)
		}
		v.missionAck(sys, comp, x.typ, res)
		return
	}
	v.commit(x.typ, x.items)
	v.missionAck(sys, comp, x.typ, common.MAV_MISSION_ACCEPTED)
}

// missionTick retries or cancels a stalled transfer.
func (v *vehicle) missionTick() {
	x := v.xfer
	if x == nil || v.now().Before(x.deadline) {
		return
	}
	if !x.upload {
		v.xfer = nil
		return
	}
	x.retries++
	if x.retries > missionRetries {
		v.xfer = nil
		v.missionAck(x.sys, x.comp, x.typ, common.MAV_MISSION_OPERATION_CANCELLED)
		return
	}
	v.requestItem(x)
}

// itemPos returns a mission item's position (MSL), ok false when it has
// none.
func (v *vehicle) itemPos(it common.MessageMissionItemInt) (LatLonAlt, bool) {
	if it.X == 0 && it.Y == 0 {
		return LatLonAlt{}, false
	}
	p := LatLonAlt{Lat: float64(it.X) / 1e7, Lon: float64(it.Y) / 1e7, Alt: float64(it.Z)}
	if relativeFrame(it.Frame) {
		p.Alt += v.home.Alt
	}
	return p, true
}

func isNav(c common.MAV_CMD) bool {
	switch c {
	case common.MAV_CMD_NAV_WAYPOINT, common.MAV_CMD_NAV_LOITER_UNLIM, common.MAV_CMD_NAV_LOITER_TURNS,
		common.MAV_CMD_NAV_LOITER_TIME, common.MAV_CMD_NAV_LAND, common.MAV_CMD_NAV_TAKEOFF,
		common.MAV_CMD_NAV_LOITER_TO_ALT, common.MAV_CMD_NAV_PAYLOAD_PLACE:
		return true
	}
	return false
}

// validate checks an uploaded mission or fence against what the drone can
// fly: ceiling and tether reach.
func (v *vehicle) validate(t common.MAV_MISSION_TYPE, items []common.MessageMissionItemInt) (common.MAV_MISSION_RESULT, string) {
	for i, it := range items {
		if t == common.MAV_MISSION_TYPE_RALLY {
			if it.Command != common.MAV_CMD_NAV_RALLY_POINT {
				return common.MAV_MISSION_UNSUPPORTED, fmt.Sprintf("Rally: item %d: unsupported command %d", i, it.Command)
			}
			continue
		}
		if t == common.MAV_MISSION_TYPE_FENCE {
			switch it.Command {
			case common.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION, common.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_EXCLUSION,
				common.MAV_CMD_NAV_FENCE_CIRCLE_INCLUSION, common.MAV_CMD_NAV_FENCE_CIRCLE_EXCLUSION,
				common.MAV_CMD_NAV_FENCE_RETURN_POINT:
			default:
				return common.MAV_MISSION_UNSUPPORTED, fmt.Sprintf("Fence: item %d: unsupported command %d", i, it.Command)
			}
			continue
		}
		if i > 0 {
			if r := v.validateJob(i, it); r != "" {
				return common.MAV_MISSION_UNSUPPORTED, r
			}
		}
		if i == 0 || !isNav(it.Command) {
			continue
		}
		p, ok := v.itemPos(it)
		if !ok {
			p = LatLonAlt{Lat: v.home.Lat, Lon: v.home.Lon, Alt: float64(it.Z)}
			if relativeFrame(it.Frame) {
				p.Alt += v.home.Alt
			}
		}
		if it.Command == common.MAV_CMD_NAV_LAND {
			p.Alt = v.home.Alt
		}
		if r := v.reach(p); r != "" {
			return common.MAV_MISSION_DENIED, fmt.Sprintf("Mission: item %d: %s", i, r)
		}
	}
	return common.MAV_MISSION_ACCEPTED, ""
}

func (v *vehicle) commit(t common.MAV_MISSION_TYPE, items []common.MessageMissionItemInt) {
	st := v.store(t)
	st.items = append([]common.MessageMissionItemInt(nil), items...)
	for i := range st.items {
		st.items[i].Seq = uint16(i)
		st.items[i].Current = 0
	}
	st.cur, st.started, st.done = 0, false, false
	if t == common.MAV_MISSION_TYPE_MISSION {
		st.home(v)
		st.cur = 1
		if len(st.items) < 2 && v.mode.kind == mAuto && v.airborne() {
			v.setMode(v.modeByKind(mLoiter))
		}
	}
}

// startMission (re)starts the mission at its current item.
func (v *vehicle) startMission() {
	m := &v.mission
	if m.cur < 1 || m.cur >= len(m.items) || m.done {
		m.cur = 1
	}
	m.started, m.done, m.landing = false, false, false
	if v.armed && v.landed == OnGround {
		v.missionStep()
	}
}

// missionStep runs the current mission item.
func (v *vehicle) missionStep() {
	m := &v.mission
	if m.done {
		return
	}
	if m.cur >= len(m.items) {
		m.done = true
		v.statustext(common.MAV_SEVERITY_INFO, "Mission complete")
		if v.airborne() && v.phase != phLand && v.phase != phRTL {
			v.holdHere()
		}
		return
	}
	it := m.items[m.cur]
	if v.phase == phGround && it.Command != common.MAV_CMD_NAV_TAKEOFF {
		return // Copter starts a mission on the ground only with a takeoff
	}
	if !m.started {
		m.started = true
		m.holdEnd = time.Time{}
		if isNav(it.Command) || it.Command == common.MAV_CMD_NAV_RETURN_TO_LAUNCH {
			// a DO item keeps the leg: the plane flies on through it
			m.through = !v.prof.Copter() && it.Command == common.MAV_CMD_NAV_WAYPOINT
			m.fromLat, m.fromLon = v.lat, v.lon
		}
		v.beginItem(it)
		return
	}
	if v.itemReached(it) {
		if it.Command == common.MAV_CMD_NAV_WAYPOINT {
			v.statustext(common.MAV_SEVERITY_INFO, fmt.Sprintf("Reached command #%d", m.cur))
		}
		v.send(&common.MessageMissionItemReached{Seq: uint16(m.cur)})
		m.cur++
		m.started = false
		v.tel.sendNow(msgMissionCurrent)
	}
}

func (v *vehicle) beginItem(it common.MessageMissionItemInt) {
	p, ok := v.itemPos(it)
	if !ok {
		p = LatLonAlt{v.lat, v.lon, float64(it.Z)}
		if relativeFrame(it.Frame) {
			p.Alt += v.home.Alt
		}
	}
	switch it.Command {
	case common.MAV_CMD_NAV_TAKEOFF:
		if v.landed == OnGround {
			v.takeoff(p.Alt - v.home.Alt)
		} else {
			v.goTo(LatLonAlt{v.lat, v.lon, math.Max(v.alt, p.Alt)})
		}
	case common.MAV_CMD_NAV_WAYPOINT, common.MAV_CMD_NAV_LOITER_UNLIM, common.MAV_CMD_NAV_LOITER_TIME,
		common.MAV_CMD_NAV_LOITER_TURNS, common.MAV_CMD_NAV_LOITER_TO_ALT:
		if it.Z == 0 {
			p.Alt = v.alt
		}
		v.goTo(p)
	case common.MAV_CMD_NAV_RETURN_TO_LAUNCH:
		v.phase = phRTL
		v.landed = InAir
	case common.MAV_CMD_NAV_LAND:
		if !ok {
			p = LatLonAlt{v.lat, v.lon, v.alt}
		}
		if !v.prof.Copter() {
			v.planeLand(p.Lat, p.Lon)
			v.mode = v.modeByKind(mAuto)
			return
		}
		v.goTo(LatLonAlt{p.Lat, p.Lon, v.alt})
		v.mission.landing = true
	case common.MAV_CMD_DO_CHANGE_SPEED:
		if it.Param2 > 0 {
			v.setSpeed(float64(it.Param2))
		}
	case common.MAV_CMD_NAV_PAYLOAD_PLACE:
		v.beginPlace(p, it.Z, it.Param1)
	default:
		v.jobItem(it)
	}
}

func (v *vehicle) itemReached(it common.MessageMissionItemInt) bool {
	m := &v.mission
	switch it.Command {
	case common.MAV_CMD_NAV_TAKEOFF:
		return v.phase != phTakeoff && v.landed == InAir
	case common.MAV_CMD_NAV_WAYPOINT, common.MAV_CMD_NAV_LOITER_TIME, common.MAV_CMD_NAV_LOITER_TURNS, common.MAV_CMD_NAV_LOITER_TO_ALT:
		if m.through {
			return v.passedWaypoint(it)
		}
		n, e := northEast(v.lat, v.lon, v.tLat, v.tLon)
		radius := math.Max(2, float64(it.Param2))
		if !v.prof.Copter() {
			radius = math.Max(radius, v.prof.LoiterRadius*1.2)
		}
		if math.Hypot(n, e) > radius || math.Abs(v.alt-v.tAlt) > 3 {
			return false
		}
		hold := 0.0
		switch it.Command {
		case common.MAV_CMD_NAV_WAYPOINT, common.MAV_CMD_NAV_LOITER_TIME:
			hold = float64(it.Param1)
		case common.MAV_CMD_NAV_LOITER_TURNS:
			hold = 60 * float64(it.Param1)
		}
		if m.holdEnd.IsZero() {
			m.holdEnd = v.now().Add(time.Duration(hold * float64(time.Second)))
		}
		return !v.now().Before(m.holdEnd)
	case common.MAV_CMD_NAV_LOITER_UNLIM:
		return false
	case common.MAV_CMD_NAV_LAND:
		if m.landing {
			n, e := northEast(v.lat, v.lon, v.tLat, v.tLon)
			if math.Hypot(n, e) < 2 {
				m.landing = false
				v.landHere()
			}
		}
		return false // reached on touchdown
	case common.MAV_CMD_NAV_RETURN_TO_LAUNCH:
		return false
	case common.MAV_CMD_NAV_PAYLOAD_PLACE:
		return v.placeReached()
	}
	return v.jobItemReached(it)
}

// missionLanded completes a LAND or RTL item on touchdown.
func (v *vehicle) missionLanded() {
	m := &v.mission
	if v.mode.kind != mAuto || m.done || m.cur >= len(m.items) {
		return
	}
	switch m.items[m.cur].Command {
	case common.MAV_CMD_NAV_LAND, common.MAV_CMD_NAV_RETURN_TO_LAUNCH:
		v.send(&common.MessageMissionItemReached{Seq: uint16(m.cur)})
		m.cur++
		m.started = false
		m.done = true
	}
}
