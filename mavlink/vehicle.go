package mavlink

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aerocell/aerocell/payload"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/ardupilotmega"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/frame"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
)

// VehicleID names a vehicle: its MAVLink system and component ids.
type VehicleID struct {
	SysID  uint8 `json:"sysid"`
	CompID uint8 `json:"compid"`
}

func (id VehicleID) String() string { return fmt.Sprintf("%d/%d", id.SysID, id.CompID) }

func (id VehicleID) less(o VehicleID) bool {
	return id.SysID < o.SysID || id.SysID == o.SysID && id.CompID < o.CompID
}

// CellState is the state of one of a drone's base stations, as its
// BS_PUB / BS_PRV NAMED_VALUE_INT reports it (see package payload).
type CellState = payload.CellState

// Cell states. CellAbsent: the drone has no such cell (never reported).
const (
	CellAbsent = payload.CellAbsent
	CellOff    = payload.CellOff
	CellOn     = payload.CellOn
	CellFailed = payload.CellFailed
)

// StatusText is one STATUSTEXT message.
type StatusText struct {
	Time     time.Time           `json:"time"`
	Severity common.MAV_SEVERITY `json:"severity"`
	Text     string              `json:"text"`
}

// LinkQuality says how well a vehicle is heard.
type LinkQuality struct {
	// Links are the names of the links the vehicle was heard on, most
	// recent first; Link is the first of them (the one commands go out on).
	Links     []string  `json:"links"`
	Link      string    `json:"link"`
	LastHeard time.Time `json:"last_heard"`
	// Rate is frames per second over the last second of station time.
	Rate     float64 `json:"rate_hz"`
	Received uint64  `json:"received"`
	// Lost counts frames missing from sequence-number gaps; LossPct is
	// Lost/(Lost+Received) in percent.
	Lost    uint64  `json:"lost"`
	LossPct float64 `json:"loss_pct"`
}

// Telemetry is a copy of what is known of one vehicle. Fields not yet
// reported hold their zero value, except the ones documented otherwise.
type Telemetry struct {
	ID           VehicleID               `json:"id"`
	Type         common.MAV_TYPE         `json:"type"`
	Autopilot    common.MAV_AUTOPILOT    `json:"autopilot"`
	Mode         string                  `json:"mode"`
	CustomMode   uint32                  `json:"custom_mode"`
	Armed        bool                    `json:"armed"`
	SystemStatus common.MAV_STATE        `json:"system_status"`
	LandedState  common.MAV_LANDED_STATE `json:"landed_state"`

	Lat    float64 `json:"lat"` // degrees
	Lon    float64 `json:"lon"` // degrees
	AltMSL float64 `json:"alt_msl_m"`
	AltRel float64 `json:"alt_rel_m"` // above home
	// VN, VE, VD: velocity north, east, down in m/s.
	VN, VE, VD  float64 `json:"-"`
	GroundSpeed float64 `json:"ground_speed_ms"`
	AirSpeed    float64 `json:"air_speed_ms"`
	Climb       float64 `json:"climb_ms"`
	// WindMS and WindFromDeg are the autopilot's wind estimate (WIND),
	// valid when WindSet.
	WindSet     bool    `json:"wind_set"`
	WindMS      float64 `json:"wind_ms"`
	WindFromDeg float64 `json:"wind_from_deg"`
	Heading     float64 `json:"heading_deg"` // 0..360
	// Roll, Pitch, Yaw in degrees.
	Roll, Pitch, Yaw float64 `json:"-"`

	GPSFix     common.GPS_FIX_TYPE `json:"gps_fix"`
	Satellites int                 `json:"satellites"`

	BatteryVoltage float64 `json:"battery_v"`
	BatteryCurrent float64 `json:"battery_a"` // -1 when unknown
	// BatteryPct is the charge left in percent, -1 when unknown.
	BatteryPct int `json:"battery_pct"`
	// BatteryTimeLeft is 0 when unknown.
	BatteryTimeLeft time.Duration `json:"battery_time_left"`

	HomeSet bool    `json:"home_set"`
	HomeLat float64 `json:"home_lat"`
	HomeLon float64 `json:"home_lon"`
	HomeAlt float64 `json:"home_alt_msl_m"`

	// Payload: the drone's two base stations and its airframe profile.
	PublicCell   CellState `json:"public_cell"`
	PrivateCell  CellState `json:"private_cell"`
	PublicUsers  int       `json:"public_users"`
	PrivateUsers int       `json:"private_users"`
	Profile      int       `json:"profile"` // AC_PROFILE, -1 when unknown

	// Terrain is the vehicle's last TERRAIN_REPORT.
	Terrain TerrainReport `json:"terrain"`

	StatusTexts []StatusText `json:"status_texts"` // the last 16, oldest first

	// Mission is the mission flown and the photos taken (see progress.go).
	Mission MissionProgress `json:"mission"`

	Lost       bool        `json:"lost"`
	Discovered time.Time   `json:"discovered"`
	Quality    LinkQuality `json:"link"`
}

const statusTextKeep = 16

// route is a way to reach a vehicle: a peer of a link, and what was last
// heard through it.
type route struct {
	peer    *peer
	heard   time.Time
	lastSeq uint8
	count   uint64
}

// vehicle is the station's state for one vehicle. mu guards everything.
type vehicle struct {
	id VehicleID
	mu sync.Mutex
	t  Telemetry

	routes        []*route
	lastHeartbeat time.Time
	lost          bool
	lostCh        chan struct{} // closed when the vehicle is lost

	rateStart time.Time
	rateCount uint64
	rate      float64
	received  uint64
	seqLost   uint64

	pending  map[common.MAV_CMD]chan *common.MessageCommandAck
	cmdSlots map[common.MAV_CMD]chan struct{}
	mission  chan message.Message    // set while a mission transfer runs
	missionX sync.Mutex              // one mission transfer at a time
	params   map[string]chan float32 // PARAM_VALUE awaited, by name

	telemFlag   atomic.Bool // an EventTelemetry is queued
	fineHeading bool        // GLOBAL_POSITION_INT gives the heading

	refused map[*peer]time.Time // second sources, and when last heard
}

func newVehicle(id VehicleID, now time.Time) *vehicle {
	v := &vehicle{
		id:       id,
		lostCh:   make(chan struct{}),
		pending:  map[common.MAV_CMD]chan *common.MessageCommandAck{},
		cmdSlots: map[common.MAV_CMD]chan struct{}{},
	}
	v.t = Telemetry{ID: id, BatteryPct: -1, BatteryCurrent: -1, PublicCell: CellAbsent,
		PrivateCell: CellAbsent, Profile: -1, Discovered: now, Mission: MissionProgress{Current: -1, Reached: -1}}
	v.rateStart = now
	return v
}

func (v *vehicle) snapshot(now time.Time) Telemetry {
	v.mu.Lock()
	defer v.mu.Unlock()
	t := v.t
	t.StatusTexts = append([]StatusText(nil), v.t.StatusTexts...)
	t.Mission.Recent = append([]Photo(nil), v.t.Mission.Recent...)
	t.Lost = v.lost
	q := &t.Quality
	q.Received, q.Lost = v.received, v.seqLost
	if v.received+v.seqLost > 0 {
		q.LossPct = 100 * float64(v.seqLost) / float64(v.received+v.seqLost)
	}
	q.Rate = v.rate
	if el := now.Sub(v.rateStart); el >= time.Second {
		q.Rate = float64(v.rateCount) / el.Seconds()
	}
	rs := append([]*route(nil), v.routes...)
	sortRoutes(rs)
	q.Links = make([]string, 0, len(rs))
	for _, r := range rs {
		q.Links = append(q.Links, r.peer.link.name)
	}
	if len(rs) > 0 {
		q.Link = q.Links[0]
		q.LastHeard = rs[0].heard
	}
	return t
}

func sortRoutes(rs []*route) {
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && rs[j].heard.After(rs[j-1].heard); j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
}

// bestRoute is the open route heard most recently; nil when none can
// carry a frame to the vehicle.
func (v *vehicle) bestRoute() *peer {
	v.mu.Lock()
	defer v.mu.Unlock()
	var best *route
	for _, r := range v.routes {
		if r.peer.link.ep.Kind == TLog {
			continue // a replayed log is read only
		}
		select {
		case <-r.peer.closed:
			continue
		default:
		}
		if best == nil || r.heard.After(best.heard) {
			best = r
		}
	}
	if best == nil {
		return nil
	}
	return best.peer
}

// secondSource applies the one-source rule: on one link a known vehicle has
// one source, the far end it was first heard from (a remote address on a
// udpin listener, a connection on a tcpin one). A frame for it through
// another peer of the same link while that source is heard is refused: it
// is counted, reported once (EventConflict) and merged into nothing, and
// no route to that peer is made, so no command or routed frame goes there.
// Once the source has been silent for Config.LinkLossTimeout (or its
// connection closed), the next peer to speak becomes the source: a drone
// whose radio came back on another port is taken back, after the link-loss
// timeout. Redundant links are configured endpoints: a vehicle heard on
// two links has a source on each, and either carries its commands.
//
// It reports true when the frame must be dropped.
func (s *Station) secondSource(l *link, p *peer, id VehicleID, seq uint8, now time.Time) bool {
	v := s.vehicle(id)
	if v == nil {
		return false
	}
	v.mu.Lock()
	var source *route
	for _, r := range v.routes {
		if r.peer == p {
			v.mu.Unlock()
			return false
		}
		if r.peer.link == l && !r.peer.isClosed() && now.Sub(r.heard) <= s.cfg.LinkLossTimeout {
			source = r
		}
	}
	if source == nil {
		// The first source on this link, or the old one has fallen silent:
		// this peer takes over; the silent one is forgotten, so that it
		// cannot come back beside it.
		keep := v.routes[:0]
		for _, r := range v.routes {
			if r.peer.link != l && !r.peer.isClosed() {
				keep = append(keep, r)
			}
		}
		v.routes = append(keep, &route{peer: p, lastSeq: seq - 1})
		delete(v.refused, p)
		v.mu.Unlock()
		return false
	}
	if v.refused == nil {
		v.refused = map[*peer]time.Time{}
	}
	last, seen := v.refused[p]
	v.refused[p] = now
	ev := &EventConflict{Vehicle: id, Link: l.name, Source: source.peer.key, Other: p.key}
	v.mu.Unlock()
	s.ctr.rxConflicting.Add(1)
	if !seen || now.Sub(last) > s.cfg.LinkLossTimeout {
		s.events.push(ev, nil)
	}
	return true
}

func (p *peer) isClosed() bool {
	select {
	case <-p.closed:
		return true
	default:
		return false
	}
}

// decodes reports whether the station decodes a message; the others are
// only counted, logged and routed.
func decodes(id uint32) bool {
	switch id {
	case 0, // HEARTBEAT
		1,   // SYS_STATUS
		24,  // GPS_RAW_INT
		30,  // ATTITUDE
		33,  // GLOBAL_POSITION_INT
		40,  // MISSION_REQUEST
		44,  // MISSION_COUNT
		47,  // MISSION_ACK
		51,  // MISSION_REQUEST_INT
		73,  // MISSION_ITEM_INT
		74,  // VFR_HUD
		77,  // COMMAND_ACK
		133, // TERRAIN_REQUEST
		135, // TERRAIN_CHECK
		136, // TERRAIN_REPORT
		147, // BATTERY_STATUS
		242, // HOME_POSITION
		245, // EXTENDED_SYS_STATE
		252, // NAMED_VALUE_INT
		253: // STATUSTEXT
		return true
	}
	return decodesProgress(id)
}

// handle updates the sending vehicle from one accepted frame.
func (s *Station) handle(l *link, p *peer, fr frame.Frame, rm *message.MessageRaw, mp *message.ReadWriter, now time.Time) {
	id := VehicleID{fr.GetSystemID(), fr.GetComponentID()}
	isHB := rm.ID == 0
	v := s.vehicle(id)
	var msg message.Message
	if v == nil {
		if !isHB {
			return
		}
		var err error
		if msg, err = mp.Read(rm, isV2(fr)); err != nil {
			s.ctr.rxParseErrors.Add(1)
			return
		}
		if hb := msg.(*common.MessageHeartbeat); hb.Type == common.MAV_TYPE_GCS || id.SysID == 0 {
			return // another ground station, or a broadcast id: not a vehicle
		}
		s.mu.Lock()
		if v = s.vehicles[id]; v == nil {
			v = newVehicle(id, now)
			s.vehicles[id] = v
		}
		s.mu.Unlock()
	} else if decodes(rm.ID) {
		var err error
		if msg, err = mp.Read(rm, isV2(fr)); err != nil {
			s.ctr.rxParseErrors.Add(1)
			return
		}
	}

	var evs []Event
	v.mu.Lock()
	// the route and link quality
	var r *route
	for _, x := range v.routes {
		if x.peer == p {
			r = x
			break
		}
	}
	seq := fr.GetSequenceNumber()
	if r == nil {
		// a new way to the vehicle; forget the ways that have closed (a
		// TCP connection that dropped and came back)
		open := v.routes[:0]
		for _, x := range v.routes {
			select {
			case <-x.peer.closed:
			default:
				open = append(open, x)
			}
		}
		r = &route{peer: p, lastSeq: seq - 1}
		v.routes = append(open, r)
	}
	if gap := seq - r.lastSeq - 1; gap != 0 && gap < 128 && r.count > 0 {
		v.seqLost += uint64(gap)
	}
	r.lastSeq, r.heard = seq, now
	r.count++
	v.received++
	v.rateCount++
	if el := now.Sub(v.rateStart); el >= time.Second {
		v.rate = float64(v.rateCount) / el.Seconds()
		v.rateCount, v.rateStart = 0, now
	}
	discovered := false
	if msg != nil {
		evs, discovered = v.apply(s, msg, now, evs)
	}
	v.mu.Unlock()

	if discovered {
		s.events.push(&EventDiscovered{Vehicle: id, Link: l.name, Telemetry: v.snapshot(now)}, nil)
		s.requestStreams(v)
	}
	for _, ev := range evs {
		s.events.push(ev, nil)
		if _, ok := ev.(*EventRegained); ok {
			s.requestStreams(v)
		}
	}
	if v.telemFlag.CompareAndSwap(false, true) {
		s.events.push(&EventTelemetry{Vehicle: id}, &v.telemFlag)
	}
}

func isV2(fr frame.Frame) bool { _, ok := fr.(*frame.V2Frame); return ok }

// apply folds one decoded message into the telemetry; v.mu is held.
func (v *vehicle) apply(s *Station, msg message.Message, now time.Time, evs []Event) ([]Event, bool) {
	t := &v.t
	discovered := false
	switch m := msg.(type) {
	case *common.MessageHeartbeat:
		if v.lastHeartbeat.IsZero() {
			discovered = true
		}
		v.lastHeartbeat = now
		if v.lost {
			v.lost = false
			v.lostCh = make(chan struct{})
			evs = append(evs, &EventRegained{Vehicle: v.id, Link: v.routeName()})
		}
		t.Type, t.Autopilot, t.SystemStatus, t.CustomMode = m.Type, m.Autopilot, m.SystemStatus, m.CustomMode
		armed := m.BaseMode&common.MAV_MODE_FLAG_SAFETY_ARMED != 0
		mode := ModeName(m.Autopilot, m.Type, m.CustomMode)
		if !discovered && armed != t.Armed {
			evs = append(evs, &EventArmed{Vehicle: v.id, Armed: armed})
		}
		if !discovered && mode != t.Mode {
			evs = append(evs, &EventMode{Vehicle: v.id, Mode: mode, Previous: t.Mode})
		}
		t.Armed, t.Mode = armed, mode
	case *common.MessageGlobalPositionInt:
		t.Lat, t.Lon = float64(m.Lat)/1e7, float64(m.Lon)/1e7
		t.AltMSL, t.AltRel = float64(m.Alt)/1000, float64(m.RelativeAlt)/1000
		t.VN, t.VE, t.VD = float64(m.Vx)/100, float64(m.Vy)/100, float64(m.Vz)/100
		t.GroundSpeed = math.Hypot(t.VN, t.VE)
		if m.Hdg != math.MaxUint16 {
			t.Heading = float64(m.Hdg) / 100
			v.fineHeading = true
		}
	case *ardupilotmega.MessageWind:
		if sp := float64(m.Speed); !math.IsNaN(sp) && sp >= 0 && sp < 100 && !math.IsNaN(float64(m.Direction)) {
			t.WindSet, t.WindMS, t.WindFromDeg = true, sp, math.Mod(float64(m.Direction)+360, 360)
		}
	case *common.MessageVfrHud:
		t.AirSpeed, t.GroundSpeed, t.Climb = float64(m.Airspeed), float64(m.Groundspeed), float64(m.Climb)
		if !v.fineHeading { // whole degrees: GLOBAL_POSITION_INT's centidegrees win
			t.Heading = float64(m.Heading)
		}
	case *common.MessageAttitude:
		t.Roll, t.Pitch = float64(m.Roll)*180/math.Pi, float64(m.Pitch)*180/math.Pi
		t.Yaw = float64(m.Yaw) * 180 / math.Pi
	case *common.MessageGpsRawInt:
		t.GPSFix, t.Satellites = m.FixType, int(m.SatellitesVisible)
		if m.SatellitesVisible == math.MaxUint8 {
			t.Satellites = -1
		}
	case *common.MessageSysStatus:
		if m.VoltageBattery != math.MaxUint16 {
			t.BatteryVoltage = float64(m.VoltageBattery) / 1000
		}
		if m.CurrentBattery >= 0 {
			t.BatteryCurrent = float64(m.CurrentBattery) / 100
		}
		t.BatteryPct = int(m.BatteryRemaining)
	case *common.MessageBatteryStatus:
		if m.Id != 0 {
			break // the first battery speaks for the vehicle
		}
		if m.Voltages[0] != math.MaxUint16 {
			mv := 0.0
			for _, c := range m.Voltages {
				if c != math.MaxUint16 {
					mv += float64(c)
				}
			}
			t.BatteryVoltage = mv / 1000
		}
		if m.CurrentBattery >= 0 {
			t.BatteryCurrent = float64(m.CurrentBattery) / 100
		}
		t.BatteryPct = int(m.BatteryRemaining)
		if m.TimeRemaining > 0 {
			t.BatteryTimeLeft = time.Duration(m.TimeRemaining) * time.Second
		}
	case *common.MessageExtendedSysState:
		t.LandedState = m.LandedState
	case *common.MessageHomePosition:
		t.HomeSet = true
		t.HomeLat, t.HomeLon, t.HomeAlt = float64(m.Latitude)/1e7, float64(m.Longitude)/1e7, float64(m.Altitude)/1000
	case *common.MessageStatustext:
		st := StatusText{Time: now, Severity: m.Severity, Text: m.Text}
		if len(t.StatusTexts) >= statusTextKeep {
			t.StatusTexts = append(t.StatusTexts[:0:0], t.StatusTexts[1:]...)
		}
		t.StatusTexts = append(t.StatusTexts, st)
		evs = append(evs, &EventStatusText{Vehicle: v.id, Severity: m.Severity, Text: m.Text})
	case *common.MessageNamedValueInt:
		switch m.Name {
		case payload.StateName(Public):
			if c := CellState(m.Value); c != t.PublicCell {
				evs = append(evs, &EventCell{Vehicle: v.id, Network: Public, State: c, Previous: t.PublicCell})
				t.PublicCell = c
			}
		case payload.StateName(Private):
			if c := CellState(m.Value); c != t.PrivateCell {
				evs = append(evs, &EventCell{Vehicle: v.id, Network: Private, State: c, Previous: t.PrivateCell})
				t.PrivateCell = c
			}
		case payload.UsersName(Public):
			t.PublicUsers = int(m.Value)
		case payload.UsersName(Private):
			t.PrivateUsers = int(m.Value)
		case payload.ProfileName:
			t.Profile = int(m.Value)
		}
	case *common.MessageTerrainReport:
		t.Terrain = TerrainReport{Set: true, Lat: float64(m.Lat) / 1e7, Lon: float64(m.Lon) / 1e7,
			Spacing: int(m.Spacing), HeightM: float64(m.TerrainHeight), AboveM: float64(m.CurrentHeight),
			Pending: int(m.Pending), Loaded: int(m.Loaded)}
	case *common.MessageTerrainRequest:
		if s.terrain != nil {
			_ = s.terrain.request(v.id, m) // a bad one is counted
		}
	case *common.MessageTerrainCheck:
		if s.terrain != nil {
			_ = s.terrain.check(v.id, m)
		}
	case *common.MessageCommandAck:
		if (m.TargetSystem == 0 || m.TargetSystem == s.cfg.SystemID) && v.pending[m.Command] != nil {
			select {
			case v.pending[m.Command] <- m:
			default:
				s.ctr.inboxDropped.Add(1)
			}
		}
	case *common.MessageMissionCurrent, *common.MessageMissionItemReached, *common.MessageCameraTrigger,
		*ardupilotmega.MessageCameraFeedback, *common.MessageParamValue:
		evs = v.applyProgress(s, msg, now, evs)
	case *common.MessageMissionCount, *common.MessageMissionRequestInt, *common.MessageMissionRequest,
		*common.MessageMissionItemInt, *common.MessageMissionAck:
		if v.mission != nil {
			select {
			case v.mission <- msg:
			default:
				s.ctr.inboxDropped.Add(1)
			}
		}
	}
	return evs, discovered
}

func (v *vehicle) routeName() string {
	var best *route
	for _, r := range v.routes {
		if best == nil || r.heard.After(best.heard) {
			best = r
		}
	}
	if best == nil {
		return ""
	}
	return best.peer.link.name
}
