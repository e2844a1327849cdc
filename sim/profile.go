package sim

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/aerocell/aerocell/payload"
)

// Frame is an airframe class: it picks the MAVLink vehicle type, the
// ArduPilot firmware semantics (Copter or Plane) and the flight model.
type Frame string

// Airframe classes.
const (
	FrameQuad      Frame = "quadrotor"  // Copter, MAV_TYPE_QUADROTOR
	FrameHexa      Frame = "hexarotor"  // Copter, MAV_TYPE_HEXAROTOR
	FrameFixedWing Frame = "fixed-wing" // Plane, MAV_TYPE_FIXED_WING
)

// Network is a base-station network: the public cell any phone attaches to,
// or the private cell for emergency services (see package payload).
type Network = payload.Network

// Networks.
const (
	Public  = payload.Public
	Private = payload.Private
)

// Profile is an airframe: performance, energy, tether and payload. Speeds in
// m/s, altitudes in metres above home, power in watts, energy in Wh.
type Profile struct {
	// Name identifies the profile (e.g. "heavy-multirotor").
	Name string `yaml:"name"`
	// Frame is the airframe class.
	Frame Frame `yaml:"frame"`

	// CruiseSpeed is the horizontal speed in GUIDED, AUTO and RTL (Copter
	// WPNAV_SPEED; Plane AIRSPEED_CRUISE, which Plane also holds loitering).
	CruiseSpeed float64 `yaml:"cruise_speed"`
	// Accel is the horizontal acceleration limit (m/s²).
	Accel float64 `yaml:"accel"`
	// ClimbRate and DescentRate are the vertical speed limits.
	ClimbRate   float64 `yaml:"climb_rate"`
	DescentRate float64 `yaml:"descent_rate"`
	// LandSpeed is the final descent speed of a landing (Copter LAND_SPEED).
	LandSpeed float64 `yaml:"land_speed"`
	// Ceiling is the highest altitude above home the drone accepts.
	Ceiling float64 `yaml:"ceiling"`
	// RTLAlt is the altitude above home at which RTL returns.
	RTLAlt float64 `yaml:"rtl_alt"`
	// LoiterRadius is the loiter circle radius of a fixed wing.
	LoiterRadius float64 `yaml:"loiter_radius"`

	// Battery is the energy model (for a tethered drone: its backup battery).
	Battery Battery `yaml:"battery"`
	// Tether, when set, makes the drone tethered to a ground station.
	Tether *Tether `yaml:"tether"`
	// Cells are the base stations carried.
	Cells []Cell `yaml:"cells"`

	// Endurance is the endurance the airframe is sold with: hover (Copter)
	// or loiter (Plane) time from a full battery down to the reserve, in
	// still air with the payload off. Zero for a tethered drone (unlimited
	// on ground power). The simulator's energy model must agree with it.
	Endurance time.Duration `yaml:"endurance"`
}

// Battery is an energy store and the power drawn from it.
type Battery struct {
	// CapacityWh is the usable energy of a full battery.
	CapacityWh float64 `yaml:"capacity_wh"`
	// Cells is the number of LiPo cells in series (for the voltage curve).
	Cells int `yaml:"cells"`
	// ReservePct is the charge at which the battery failsafe returns home.
	ReservePct float64 `yaml:"reserve_pct"`
	// CriticalPct is the charge at which the battery failsafe lands.
	CriticalPct float64 `yaml:"critical_pct"`
	// HoverW is the power drawn hovering in still air (Copter) or in level
	// flight at cruise airspeed (Plane).
	HoverW float64 `yaml:"hover_w"`
	// CruiseW is the power drawn at cruise airspeed (Copter); Plane ignores it.
	CruiseW float64 `yaml:"cruise_w"`
	// ClimbW is the extra power drawn climbing at ClimbRate.
	ClimbW float64 `yaml:"climb_w"`
}

// Tether ties a drone to its ground station.
type Tether struct {
	// LengthM caps the slant distance from the ground station.
	LengthM float64 `yaml:"length_m"`
}

// Cell is one base station in the payload.
type Cell struct {
	Network        Network `yaml:"network"`
	Band           string  `yaml:"band"`
	TxPowerDBm     float64 `yaml:"tx_power_dbm"`
	AntennaGainDBi float64 `yaml:"antenna_gain_dbi"`
	// PowerW is the power the cell draws when on.
	PowerW float64 `yaml:"power_w"`
	// MaxUsers is how many phones the cell serves at most.
	MaxUsers int `yaml:"max_users"`
}

// Built-in profile names, in profile-index order (AC_PROFILE values 0, 1, 2).
const (
	ProfileTethered  = "tethered-multirotor"
	ProfileHeavy     = "heavy-multirotor"
	ProfileFixedWing = "fixed-wing-relay"
)

// BuiltinProfiles returns the three built-in airframes, in profile-index
// order. Each call returns fresh copies.
func BuiltinProfiles() []Profile {
	return []Profile{
		{
			Name: ProfileTethered, Frame: FrameQuad,
			CruiseSpeed: 10, Accel: 2.5, ClimbRate: 2.5, DescentRate: 1.5, LandSpeed: 0.5,
			Ceiling: 150, RTLAlt: 15,
			// The backup battery: about 3 minutes of hover.
			Battery: Battery{CapacityWh: 45, Cells: 12, ReservePct: 20, CriticalPct: 5, HoverW: 900, CruiseW: 1100, ClimbW: 300},
			Tether:  &Tether{LengthM: 150},
			Cells: []Cell{
				{Network: Public, Band: "B20", TxPowerDBm: 40, AntennaGainDBi: 8, PowerW: 120, MaxUsers: 600},
				{Network: Private, Band: "B68", TxPowerDBm: 37, AntennaGainDBi: 8, PowerW: 80, MaxUsers: 200},
			},
		},
		{
			Name: ProfileHeavy, Frame: FrameHexa,
			CruiseSpeed: 12, Accel: 2.5, ClimbRate: 3, DescentRate: 2, LandSpeed: 0.5,
			Ceiling: 500, RTLAlt: 30,
			// 1330 Wh * 80 % / 1600 W = 39.9 min of hover to the reserve.
			Battery: Battery{CapacityWh: 1330, Cells: 12, ReservePct: 20, CriticalPct: 8, HoverW: 1600, CruiseW: 1850, ClimbW: 500},
			Cells: []Cell{
				{Network: Public, Band: "B20", TxPowerDBm: 37, AntennaGainDBi: 6, PowerW: 60, MaxUsers: 300},
				{Network: Private, Band: "B68", TxPowerDBm: 34, AntennaGainDBi: 6, PowerW: 40, MaxUsers: 100},
			},
			Endurance: 40 * time.Minute,
		},
		{
			Name: ProfileFixedWing, Frame: FrameFixedWing,
			CruiseSpeed: 25, Accel: 1.5, ClimbRate: 5, DescentRate: 4, LandSpeed: 2,
			Ceiling: 6000, RTLAlt: 1000, LoiterRadius: 400,
			// 2820 Wh * 85 % / 400 W = 5.99 h of level loiter to the reserve.
			Battery: Battery{CapacityWh: 2820, Cells: 12, ReservePct: 15, CriticalPct: 5, HoverW: 400, ClimbW: 350},
			Cells: []Cell{
				{Network: Public, Band: "B20", TxPowerDBm: 43, AntennaGainDBi: 3, PowerW: 150, MaxUsers: 1000},
			},
			Endurance: 6 * time.Hour,
		},
	}
}

// copterish reports whether the profile flies with Copter semantics.
func (p *Profile) copterish() bool { return p.Frame != FrameFixedWing }

// cell returns the profile's cell on network n, or nil.
func (p *Profile) cell(n Network) *Cell {
	for i := range p.Cells {
		if p.Cells[i].Network == n {
			return &p.Cells[i]
		}
	}
	return nil
}

// FieldError is a bad configuration value: Field names it as it is spelled
// in the YAML file or the Go struct path (e.g. "profiles[1].battery.cells").
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return "sim: " + e.Field + ": " + e.Reason }

func fieldErr(field, format string, a ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, a...)}
}

func positive(field string, v float64) error {
	if !(v > 0) || math.IsInf(v, 0) {
		return fieldErr(field, "must be a positive number, got %v", v)
	}
	return nil
}

// Validate checks the profile; field names in errors are prefixed with
// prefix (e.g. "profiles[2]").
func (p *Profile) Validate(prefix string) error {
	f := func(name string) string {
		if prefix == "" {
			return name
		}
		return prefix + "." + name
	}
	if strings.TrimSpace(p.Name) == "" {
		return fieldErr(f("name"), "must not be empty")
	}
	switch p.Frame {
	case FrameQuad, FrameHexa, FrameFixedWing:
	default:
		return fieldErr(f("frame"), "must be %q, %q or %q, got %q", FrameQuad, FrameHexa, FrameFixedWing, p.Frame)
	}
	for _, c := range []struct {
		name string
		v    float64
	}{
		{"cruise_speed", p.CruiseSpeed}, {"accel", p.Accel}, {"climb_rate", p.ClimbRate},
		{"descent_rate", p.DescentRate}, {"land_speed", p.LandSpeed}, {"ceiling", p.Ceiling},
		{"rtl_alt", p.RTLAlt}, {"battery.capacity_wh", p.Battery.CapacityWh}, {"battery.hover_w", p.Battery.HoverW},
	} {
		if err := positive(f(c.name), c.v); err != nil {
			return err
		}
	}
	if p.CruiseSpeed > 100 {
		return fieldErr(f("cruise_speed"), "%v m/s is beyond any airframe here (max 100)", p.CruiseSpeed)
	}
	if p.Frame == FrameFixedWing {
		if err := positive(f("loiter_radius"), p.LoiterRadius); err != nil {
			return err
		}
		if p.Tether != nil {
			return fieldErr(f("tether"), "a fixed wing cannot be tethered")
		}
	} else if p.Battery.CruiseW < 0 || math.IsNaN(p.Battery.CruiseW) {
		return fieldErr(f("battery.cruise_w"), "must not be negative, got %v", p.Battery.CruiseW)
	}
	if p.Battery.Cells < 1 || p.Battery.Cells > 30 {
		return fieldErr(f("battery.cells"), "must be 1..30, got %d", p.Battery.Cells)
	}
	if !(p.Battery.ReservePct >= 0 && p.Battery.ReservePct < 100) {
		return fieldErr(f("battery.reserve_pct"), "must be in [0, 100), got %v", p.Battery.ReservePct)
	}
	if !(p.Battery.CriticalPct >= 0 && p.Battery.CriticalPct <= p.Battery.ReservePct) {
		return fieldErr(f("battery.critical_pct"), "must be in [0, reserve_pct], got %v", p.Battery.CriticalPct)
	}
	if !(p.Battery.ClimbW >= 0) || math.IsInf(p.Battery.ClimbW, 0) {
		return fieldErr(f("battery.climb_w"), "must not be negative, got %v", p.Battery.ClimbW)
	}
	if p.Tether != nil {
		if err := positive(f("tether.length_m"), p.Tether.LengthM); err != nil {
			return err
		}
	}
	if p.Endurance < 0 {
		return fieldErr(f("endurance"), "must not be negative, got %v", p.Endurance)
	}
	seen := map[Network]bool{}
	for i, c := range p.Cells {
		cf := func(n string) string { return f(fmt.Sprintf("cells[%d].%s", i, n)) }
		if c.Network != Public && c.Network != Private {
			return fieldErr(cf("network"), "must be 1 (public) or 2 (private), got %d", int(c.Network))
		}
		if seen[c.Network] {
			return fieldErr(cf("network"), "a second %s cell", c.Network)
		}
		seen[c.Network] = true
		if c.PowerW < 0 || math.IsNaN(c.PowerW) || math.IsInf(c.PowerW, 0) {
			return fieldErr(cf("power_w"), "must not be negative, got %v", c.PowerW)
		}
		if c.MaxUsers < 0 {
			return fieldErr(cf("max_users"), "must not be negative, got %d", c.MaxUsers)
		}
		if math.IsNaN(c.TxPowerDBm) || math.IsInf(c.TxPowerDBm, 0) || math.IsNaN(c.AntennaGainDBi) || math.IsInf(c.AntennaGainDBi, 0) {
			return fieldErr(cf("tx_power_dbm"), "must be finite")
		}
	}
	return nil
}
