package sim

import (
	"math"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/ardupilotmega"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/aerocell/aerocell/payload"
)

// MAVLink message ids the drones send.
const (
	msgHeartbeat        = 0
	msgSysStatus        = 1
	msgGPSRawInt        = 24
	msgAttitude         = 30
	msgGlobalPosition   = 33
	msgMissionCurrent   = 42
	msgVfrHud           = 74
	msgBatteryStatus    = 147
	msgAutopilotVersion = 148
	msgHomePosition     = 242
	msgExtendedSysState = 245
	msgNamedValueInt    = 252 // the payload state (BS_PUB, BS_PRV, *_UE)
	msgWind             = 168 // ArduPilot's wind estimate (ardupilotmega WIND)
	msgProfile          = -1  // AC_PROFILE, also a NAMED_VALUE_INT
)

// streamDef is a telemetry stream: a message, its default interval (zero:
// not streamed unless asked) and the REQUEST_DATA_STREAM group it is in.
type streamDef struct {
	id       int
	interval time.Duration
	group    common.MAV_DATA_STREAM
	// fixed streams are never decimated under speed-up (HEARTBEAT).
	fixed bool
}

// defaultStreams are the rates an ArduPilot Copter streams once a ground
// station has asked for data as QGroundControl does (EXT_STAT 2 Hz,
// POSITION 3 Hz, EXTRA1 10 Hz, EXTRA2 4 Hz, EXTRA3 2 Hz), sent without
// being asked so that any listener sees telemetry at once.
var defaultStreams = []streamDef{
	{msgHeartbeat, time.Second, 0, true},
	{msgSysStatus, 500 * time.Millisecond, common.MAV_DATA_STREAM_EXTENDED_STATUS, false},
	{msgGPSRawInt, 500 * time.Millisecond, common.MAV_DATA_STREAM_EXTENDED_STATUS, false},
	{msgMissionCurrent, 500 * time.Millisecond, common.MAV_DATA_STREAM_EXTENDED_STATUS, false},
	{msgExtendedSysState, 500 * time.Millisecond, common.MAV_DATA_STREAM_EXTENDED_STATUS, false},
	{msgGlobalPosition, 333 * time.Millisecond, common.MAV_DATA_STREAM_POSITION, false},
	{msgAttitude, 100 * time.Millisecond, common.MAV_DATA_STREAM_EXTRA1, false},
	{msgVfrHud, 250 * time.Millisecond, common.MAV_DATA_STREAM_EXTRA2, false},
	{msgBatteryStatus, 500 * time.Millisecond, common.MAV_DATA_STREAM_EXTRA3, false},
	{msgWind, 500 * time.Millisecond, common.MAV_DATA_STREAM_EXTRA3, false},
	{msgHomePosition, 0, 0, false},
	{msgNamedValueInt, time.Second, 0, false},
	{msgProfile, 5 * time.Second, 0, false},
}

type stream struct {
	streamDef
	next time.Time
}

// telemetry schedules a drone's streams on the fleet clock.
type telemetry struct {
	v       *vehicle
	streams []stream
}

func (t *telemetry) init(v *vehicle, now time.Time) {
	t.v = v
	t.streams = make([]stream, len(defaultStreams))
	for i, d := range defaultStreams {
		t.streams[i] = stream{streamDef: d}
		t.streams[i].next = now.Add(t.phase(d.interval, i))
	}
}

// phase staggers the drones' streams so that a fleet does not send in
// lock-step bursts.
func (t *telemetry) phase(iv time.Duration, i int) time.Duration {
	if iv <= 0 {
		return 0
	}
	return time.Duration((uint64(t.v.id)*7919 + uint64(i)*104729) % uint64(iv/time.Millisecond+1) * uint64(time.Millisecond))
}

func (t *telemetry) find(id int) *stream {
	for i := range t.streams {
		if t.streams[i].id == id {
			return &t.streams[i]
		}
	}
	return nil
}

// setInterval sets a stream's interval: negative disables, zero restores
// the default. It reports whether the message can be streamed.
func (t *telemetry) setInterval(id int, iv time.Duration) bool {
	s := t.find(id)
	if s == nil || id < 0 {
		return false
	}
	switch {
	case iv < 0:
		s.interval = -1
	case iv == 0:
		for _, d := range defaultStreams {
			if d.id == id {
				s.interval = d.interval
			}
		}
	default:
		s.interval = max(iv, dt) // the physics step bounds every rate
	}
	s.next = t.v.now()
	return true
}

// setGroup handles REQUEST_DATA_STREAM.
func (t *telemetry) setGroup(g common.MAV_DATA_STREAM, hz int, on bool) {
	for i := range t.streams {
		s := &t.streams[i]
		if s.group == 0 || (g != common.MAV_DATA_STREAM_ALL && s.group != g) {
			continue
		}
		if !on || hz <= 0 {
			s.interval = -1
			continue
		}
		s.interval = max(time.Second/time.Duration(hz), dt)
		s.next = t.v.now()
	}
}

// rate is the sum of the decimatable streams' rates (messages per second).
func (t *telemetry) rate() float64 {
	r := 0.0
	for _, s := range t.streams {
		if !s.fixed && s.interval > 0 {
			n := 1.0
			if s.id == msgNamedValueInt {
				n = float64(2 * len(t.v.cells))
			}
			r += n / s.interval.Seconds()
		}
	}
	return r
}

// tick sends the streams that are due. Under speed-up every decimatable
// stream's interval is stretched by k (>= 1).
func (t *telemetry) tick(now time.Time, k float64) {
	for i := range t.streams {
		s := &t.streams[i]
		if s.interval <= 0 || now.Before(s.next) {
			continue
		}
		t.send(s.id)
		step := s.interval
		if !s.fixed && k > 1 {
			step = time.Duration(float64(step) * k)
		}
		s.next = s.next.Add(step)
		if !s.next.After(now) {
			s.next = now.Add(step)
		}
	}
}

// sendNow sends a message at once (REQUEST_MESSAGE, events).
func (t *telemetry) sendNow(id int) bool { return t.send(id) }

func (t *telemetry) send(id int) bool {
	v := t.v
	switch id {
	case msgNamedValueInt:
		for _, c := range v.cells {
			v.send(&common.MessageNamedValueInt{TimeBootMs: v.bootMs(), Name: payload.StateName(c.Network), Value: int32(c.State)})
			v.send(&common.MessageNamedValueInt{TimeBootMs: v.bootMs(), Name: payload.UsersName(c.Network), Value: int32(c.Users)})
		}
		return true
	case msgProfile:
		v.send(&common.MessageNamedValueInt{TimeBootMs: v.bootMs(), Name: payload.ProfileName, Value: int32(v.profIdx)})
		return true
	}
	m := v.message(id)
	if m == nil {
		return false
	}
	v.send(m)
	return true
}

func (v *vehicle) bootMs() uint32 { return uint32(v.now().Sub(v.boot) / time.Millisecond) }

func degE7(d float64) int32 { return int32(math.Round(d * 1e7)) }

// sensor bits ArduPilot reports present, enabled and healthy.
const sensorsPresent = common.MAV_SYS_STATUS_SENSOR_3D_GYRO | common.MAV_SYS_STATUS_SENSOR_3D_ACCEL |
	common.MAV_SYS_STATUS_SENSOR_3D_MAG | common.MAV_SYS_STATUS_SENSOR_ABSOLUTE_PRESSURE |
	common.MAV_SYS_STATUS_SENSOR_GPS | common.MAV_SYS_STATUS_SENSOR_ANGULAR_RATE_CONTROL |
	common.MAV_SYS_STATUS_SENSOR_ATTITUDE_STABILIZATION | common.MAV_SYS_STATUS_SENSOR_YAW_POSITION |
	common.MAV_SYS_STATUS_SENSOR_Z_ALTITUDE_CONTROL | common.MAV_SYS_STATUS_SENSOR_XY_POSITION_CONTROL |
	common.MAV_SYS_STATUS_SENSOR_MOTOR_OUTPUTS | common.MAV_SYS_STATUS_AHRS |
	common.MAV_SYS_STATUS_SENSOR_BATTERY

// message builds the telemetry message id, or nil.
func (v *vehicle) message(id int) message.Message {
	switch id {
	case msgHeartbeat:
		return v.heartbeat()
	case msgSysStatus:
		health := sensorsPresent
		if !v.gpsOK() {
			health &^= common.MAV_SYS_STATUS_SENSOR_GPS
		}
		if v.battFailed {
			health &^= common.MAV_SYS_STATUS_SENSOR_BATTERY
		}
		if v.hasFault(FaultMotor) {
			health &^= common.MAV_SYS_STATUS_SENSOR_MOTOR_OUTPUTS
		}
		return &common.MessageSysStatus{
			OnboardControlSensorsPresent: sensorsPresent,
			OnboardControlSensorsEnabled: sensorsPresent,
			OnboardControlSensorsHealth:  health,
			Load:                         250,
			VoltageBattery:               uint16(clamp(v.voltage*1000, 0, 65534)),
			CurrentBattery:               int16(clamp(v.current*100, 0, 32767)),
			BatteryRemaining:             int8(clamp(math.Round(v.soc()*100), 0, 100)),
		}
	case msgGPSRawInt:
		m := &common.MessageGpsRawInt{
			TimeUsec: uint64(v.now().UnixMicro()), FixType: common.GPS_FIX_TYPE_NO_FIX, Eph: math.MaxUint16, Epv: math.MaxUint16,
			Cog: math.MaxUint16, Vel: math.MaxUint16, Yaw: 0,
		}
		if v.gpsOK() {
			lat, lon := offset(v.lat, v.lon, v.gpsN, v.gpsE)
			m.FixType = common.GPS_FIX_TYPE_3D_FIX
			m.Lat, m.Lon, m.Alt = degE7(lat), degE7(lon), int32(v.alt*1000)
			m.Eph, m.Epv = 70, 110
			gs := math.Hypot(v.vn, v.ve)
			m.Vel = uint16(clamp(gs*100, 0, 65534))
			m.Cog = uint16(wrap360(math.Atan2(v.ve, v.vn)/deg) * 100)
			m.SatellitesVisible = 14
			m.HAcc, m.VAcc, m.VelAcc = uint32(1000*math.Max(v.f.cfg.GPSNoiseM, 0.3)), 1500, 300
		}
		return m
	case msgAttitude:
		return &common.MessageAttitude{
			TimeBootMs: v.bootMs(), Roll: float32(v.roll), Pitch: float32(v.pitch),
			Yaw: float32(wrap180(v.heading) * deg), Yawspeed: float32(v.yawRate),
		}
	case msgGlobalPosition:
		lat, lon := offset(v.lat, v.lon, 0.3*v.gpsN, 0.3*v.gpsE)
		return &common.MessageGlobalPositionInt{
			TimeBootMs: v.bootMs(), Lat: degE7(lat), Lon: degE7(lon),
			Alt: int32(v.alt * 1000), RelativeAlt: int32(v.altRel() * 1000),
			Vx: int16(clamp(v.vn*100, -32767, 32767)), Vy: int16(clamp(v.ve*100, -32767, 32767)),
			Vz: int16(clamp(v.vd*100, -32767, 32767)), Hdg: uint16(v.heading * 100),
		}
	case msgMissionCurrent:
		// as ArduPilot: the current navigation item, the items but home,
		// and mission mode 1 in AUTO
		mode := uint8(0)
		if v.mode.kind == mAuto {
			mode = 1
		}
		return &common.MessageMissionCurrent{Seq: uint16(v.mission.navSeq()), Total: uint16(max(len(v.mission.items)-1, 0)),
			MissionState: v.mission.state(v), MissionMode: mode}
	case msgWind:
		// The autopilot's estimate: the steady wind, which its filter
		// separates from the gusts, the direction it blows from.
		w := v.f.cfg.Wind
		return &ardupilotmega.MessageWind{Direction: float32(math.Mod(w.FromDeg+360, 360)), Speed: float32(w.SpeedMS)}
	case msgVfrHud:
		thr := 0.0
		if v.armed && v.landed != OnGround {
			thr = clamp(100*v.powerW/(v.prof.Battery.HoverW*2), 0, 100)
		}
		return &common.MessageVfrHud{
			Airspeed: float32(v.airspeed), Groundspeed: float32(math.Hypot(v.vn, v.ve)),
			Heading: int16(v.heading), Throttle: uint16(thr), Alt: float32(v.alt), Climb: float32(-v.vd),
		}
	case msgBatteryStatus:
		m := &common.MessageBatteryStatus{
			BatteryFunction: common.MAV_BATTERY_FUNCTION_ALL, Type: common.MAV_BATTERY_TYPE_LIPO,
			Temperature: math.MaxInt16, CurrentBattery: int16(clamp(v.current*100, 0, 32767)),
			CurrentConsumed:  int32(v.consumedWh / math.Max(v.voltage, 1) * 1000),
			EnergyConsumed:   int32(v.consumedWh * 36),
			BatteryRemaining: int8(clamp(math.Round(v.soc()*100), 0, 100)),
			TimeRemaining:    int32(math.Min(v.timeLeft().Seconds(), math.MaxInt32)),
			ChargeState:      common.MAV_BATTERY_CHARGE_STATE_OK,
			Mode:             common.MAV_BATTERY_MODE_UNKNOWN,
		}
		for i := range m.Voltages {
			m.Voltages[i] = math.MaxUint16
		}
		for i := range m.VoltagesExt {
			m.VoltagesExt[i] = 0
		}
		m.Voltages[0] = uint16(clamp(v.voltage*1000, 0, 65534))
		b := v.prof.Battery
		switch pct := v.soc() * 100; {
		case v.battFailed:
			m.ChargeState = common.MAV_BATTERY_CHARGE_STATE_FAILED
			m.FaultBitmask = common.MAV_BATTERY_FAULT_CELL_FAIL
		case pct <= b.CriticalPct:
			m.ChargeState = common.MAV_BATTERY_CHARGE_STATE_CRITICAL
		case pct <= b.ReservePct:
			m.ChargeState = common.MAV_BATTERY_CHARGE_STATE_LOW
		}
		if v.groundPower {
			m.ChargeState = common.MAV_BATTERY_CHARGE_STATE_CHARGING
		}
		return m
	case msgHomePosition:
		return &common.MessageHomePosition{
			Latitude: degE7(v.home.Lat), Longitude: degE7(v.home.Lon), Altitude: int32(v.home.Alt * 1000),
			Q: [4]float32{1, 0, 0, 0}, TimeUsec: uint64(v.now().UnixMicro()),
		}
	case msgExtendedSysState:
		return &common.MessageExtendedSysState{LandedState: common.MAV_LANDED_STATE(v.landed)}
	case msgAutopilotVersion:
		return &common.MessageAutopilotVersion{
			Capabilities: common.MAV_PROTOCOL_CAPABILITY_MISSION_FLOAT | common.MAV_PROTOCOL_CAPABILITY_PARAM_FLOAT |
				common.MAV_PROTOCOL_CAPABILITY_MISSION_INT | common.MAV_PROTOCOL_CAPABILITY_COMMAND_INT |
				common.MAV_PROTOCOL_CAPABILITY_SET_POSITION_TARGET_GLOBAL_INT | common.MAV_PROTOCOL_CAPABILITY_MAVLINK2 |
				common.MAV_PROTOCOL_CAPABILITY_MISSION_FENCE,
			FlightSwVersion: 4<<24 | 5<<16 | 7<<8 | 255, // 4.5.7 official
			BoardVersion:    0, VendorId: 0, ProductId: 0, Uid: uint64(v.id),
		}
	}
	return nil
}

func (v *vehicle) heartbeat() *common.MessageHeartbeat {
	typ := common.MAV_TYPE_QUADROTOR
	switch v.prof.Frame {
	case FrameHexa:
		typ = common.MAV_TYPE_HEXAROTOR
	case FrameFixedWing:
		typ = common.MAV_TYPE_FIXED_WING
	}
	base := common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED | common.MAV_MODE_FLAG_STABILIZE_ENABLED
	switch v.mode.kind {
	case mGuided, mLoiter, mRTL, mBrake, mCircle, mTakeoff:
		base |= common.MAV_MODE_FLAG_GUIDED_ENABLED
	case mAuto:
		base |= common.MAV_MODE_FLAG_GUIDED_ENABLED | common.MAV_MODE_FLAG_AUTO_ENABLED
	case mManual:
		base = common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED | common.MAV_MODE_FLAG_MANUAL_INPUT_ENABLED
	}
	status := common.MAV_STATE_STANDBY
	if v.armed {
		base |= common.MAV_MODE_FLAG_SAFETY_ARMED
		status = common.MAV_STATE_ACTIVE
	}
	if v.failsafe != "" && v.armed {
		status = common.MAV_STATE_CRITICAL
	}
	return &common.MessageHeartbeat{
		Type: typ, Autopilot: common.MAV_AUTOPILOT_ARDUPILOTMEGA, BaseMode: base,
		CustomMode: v.mode.num, SystemStatus: status, MavlinkVersion: 3,
	}
}
