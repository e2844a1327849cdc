package sim

import (
	"time"

	"github.com/aerocell/aerocell/payload"
)

// Mode is a flight mode: its ArduPilot name and custom_mode number (Copter
// numbers for multirotors, Plane numbers for fixed wings).
type Mode struct {
	Name   string
	Number uint32
}

// LandedState mirrors MAV_LANDED_STATE.
type LandedState int

// Landed states, numbered as MAV_LANDED_STATE.
const (
	LandedUndefined LandedState = 0
	OnGround        LandedState = 1
	InAir           LandedState = 2
	TakingOff       LandedState = 3
	Landing         LandedState = 4
)

func (l LandedState) String() string {
	switch l {
	case OnGround:
		return "on-ground"
	case InAir:
		return "in-air"
	case TakingOff:
		return "takeoff"
	case Landing:
		return "landing"
	}
	return "undefined"
}

// CellState is a base station's state, numbered as on the wire (BS_PUB,
// BS_PRV; see package payload).
type CellState = payload.CellState

// Cell states.
const (
	CellOff    = payload.CellOff
	CellOn     = payload.CellOn
	CellFailed = payload.CellFailed
)

// CellStatus is one base station's state.
type CellStatus struct {
	Cell
	State CellState
	// Booting is true while a switch-on is in progress (COMMAND_ACK
	// IN_PROGRESS sent, ACCEPTED not yet).
	Booting bool
	// Users is how many phones are attached.
	Users int
}

// State is a copy of one simulated drone's state: the truth, not what the
// drone reports (telemetry adds GPS noise and may be late, lost or
// decimated).
type State struct {
	SysID        uint8
	Profile      string
	ProfileIndex int
	Time         time.Time // on the fleet's clock

	Lat, Lon float64 // degrees
	AltMSL   float64 // metres
	AltRel   float64 // metres above home
	// VN, VE, VD are the ground velocity north, east and down (m/s).
	VN, VE, VD  float64
	GroundSpeed float64
	Airspeed    float64
	Heading     float64 // degrees, 0..360
	// Roll, Pitch, Yaw are in radians (Yaw -pi..pi, as ATTITUDE).
	Roll, Pitch, Yaw float64

	Armed  bool
	Mode   Mode
	Landed LandedState
	// Failsafe is the last failsafe taken ("battery", "battery-critical",
	// "gcs", "ground-power", "gps", "motor", "tether") or "".
	Failsafe string

	BatteryPct float64 // 0..100
	Voltage    float64 // V
	Current    float64 // A
	PowerW     float64 // W drawn now
	EnergyWh   float64 // left in the battery
	// TimeLeft is the flight time left to the battery reserve at the
	// present power draw (0 when below the reserve; large on ground power).
	TimeLeft time.Duration
	// GroundPower is true while a tethered drone runs on ground power.
	GroundPower bool

	GPSFix int // GPS_FIX_TYPE: 1 no fix, 3 3D fix
	Sats   int

	Home LatLonAlt
	// GroundStation and TetherM are set for a tethered drone; TetherUsed is
	// the slant distance from the ground station now.
	GroundStation *LatLonAlt
	TetherM       float64
	TetherUsed    float64

	Cells []CellStatus

	// MissionCount is the number of mission items (including the home item
	// 0); MissionSeq the current one. FenceCount counts fence items.
	MissionCount int
	MissionSeq   int
	FenceCount   int

	// LoadKg is the load on the gripper or winch or in the bay, TankL the
	// water in the sprayer's tank (AC_LOAD_KG, AC_TANK_L); WinchLineM the
	// winch line paid out; Photos the pictures taken (the last img_idx).
	LoadKg     float64
	TankL      float64
	WinchLineM float64
	Photos     int

	// Faults are the faults in force.
	Faults []FaultKind
	// LastGCS is when a ground-station heartbeat was last received (zero if
	// never).
	LastGCS time.Time
	// Link counts the drone's frames.
	Link LinkStats
}

// LinkStats counts a drone's frames through its link faults.
type LinkStats struct {
	Sent        uint64 // passed to the sockets
	SendDropped uint64 // lost to link drop or packet loss
	Received    uint64 // taken from the sockets (and handled)
	RecvDropped uint64 // lost to link drop or packet loss
	// Commands counts the commands that reached the drone and were
	// addressed to it (COMMAND_LONG, COMMAND_INT, SET_MODE), whatever
	// their answer: what a ground station's orders cost the radio.
	Commands uint64
}

// Cell returns the status of the drone's cell on network n.
func (s State) Cell(n Network) (CellStatus, bool) {
	for _, c := range s.Cells {
		if c.Network == n {
			return c, true
		}
	}
	return CellStatus{}, false
}

// Flying reports whether the drone is armed and off the ground.
func (s State) Flying() bool { return s.Armed && s.Landed != OnGround && s.Landed != LandedUndefined }

// HasFault reports whether fault k is in force.
func (s State) HasFault(k FaultKind) bool {
	for _, f := range s.Faults {
		if f == k {
			return true
		}
	}
	return false
}

// Snapshot is the whole fleet's state at one instant of the fleet's clock.
type Snapshot struct {
	Time   time.Time
	Drones map[uint8]State
}
