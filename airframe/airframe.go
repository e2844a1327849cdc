package airframe

import (
	"errors"
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

// Built-in airframe names, in index order (AC_PROFILE values 0, 1, 2).
const (
	Tethered  = "tethered-multirotor"
	Heavy     = "heavy-multirotor"
	FixedWing = "fixed-wing-relay"
)

// Airframe is one kind of aircraft: envelope, energy, wind limits, tether
// and payload. Speeds in m/s, altitudes in metres (Ceiling and RTLAlt above
// home, StationAlt above the ground), power in W, energy in Wh, mass in kg.
type Airframe struct {
	// Name identifies the airframe (e.g. "heavy-multirotor").
	Name string `yaml:"name"`
	// Index is the number the drone declares over MAVLink (AC_PROFILE).
	Index int `yaml:"index"`
	// Frame is the airframe class.
	Frame Frame `yaml:"frame"`

	// CruiseSpeed is the horizontal airspeed in GUIDED, AUTO and RTL (Copter
	// WPNAV_SPEED; Plane AIRSPEED_CRUISE, which Plane also holds loitering).
	CruiseSpeed float64 `yaml:"cruise_speed"`
	// MaxAirspeed is the fastest a Copter flies through the air to hold its
	// position against wind and gusts (its lean-angle limit); 0: the
	// cruise speed. Its wind limits must lie within it.
	MaxAirspeed float64 `yaml:"max_airspeed"`
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
	// TerrainClearanceM is the least height above the ground the drone is
	// flown at over terrain (a DEM): a transit climbs to keep it over the
	// ridges on its way, and an order below it is refused. 0: none.
	TerrainClearanceM float64 `yaml:"terrain_clearance_m"`
	// LoiterRadius is the loiter circle radius of a fixed wing.
	LoiterRadius float64 `yaml:"loiter_radius"`
	// StationAlt is the band of heights above the ground the airframe holds
	// a base-station post in (fixed wings loiter high; multirotors keep
	// clear of obstacles and within the airspace granted).
	StationAlt AltBand `yaml:"station_alt"`

	// MassKg is the take-off mass without a carried load; MaxPayloadKg the
	// most it lifts on top. Power grows with mass (see HoldPowerW).
	MassKg       float64 `yaml:"mass_kg"`
	MaxPayloadKg float64 `yaml:"max_payload_kg"`
	// HoldErrorS is how many seconds of gust speed leak into the position
	// held: a drone in gusts of σ m/s strays about HoldErrorS·σ metres.
	HoldErrorS float64 `yaml:"hold_error_s"`
	// Wind is the wind the airframe flies and holds position in, free.
	Wind WindLimits `yaml:"wind"`

	// Battery is the energy model (for a tethered drone: its backup battery).
	Battery Battery `yaml:"battery"`
	// Tether, when set, makes the drone tethered to a ground station.
	Tether *Tether `yaml:"tether"`
	// Cells are the base stations carried.
	Cells []Cell `yaml:"cells"`
	// PayloadBoot is how long a base station takes to come on once
	// switched on. A ground station repeats no switch-on sooner.
	PayloadBoot time.Duration `yaml:"payload_boot"`

	// Endurance is the endurance the airframe is sold with: hover (Copter)
	// or loiter (Plane) time from a full battery down to the reserve, in
	// still air with the payload off. Zero for a tethered drone (unlimited
	// on ground power). The energy model must agree with it.
	Endurance time.Duration `yaml:"endurance"`

	// Release lists how the airframe puts a carried load down (up to
	// MaxPayloadKg); empty: it drops nothing.
	Release []Release `yaml:"release"`
	// Camera, when set, is the survey camera carried.
	Camera *Camera `yaml:"camera"`
	// Sprayer, when set, is the tank and pump carried for fire-fighting.
	Sprayer *Sprayer `yaml:"sprayer"`
}

// AltBand is an interval of heights above the ground.
type AltBand struct {
	MinM float64 `yaml:"min"`
	MaxM float64 `yaml:"max"`
}

// WindLimits is the wind an airframe can hold position in: the steady wind
// and the gust peak.
type WindLimits struct {
	MaxMS     float64 `yaml:"max"`
	MaxGustMS float64 `yaml:"max_gust"`
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
	// Swap is the ground crew's turnaround: landed to flying again on a
	// fresh battery.
	Swap time.Duration `yaml:"swap"`
}

// Tether ties a drone to its ground station.
type Tether struct {
	// LengthM caps the slant distance from the ground station.
	LengthM float64 `yaml:"length_m"`
	// UsableFrac is the share of the tether's straight reach the autopilot
	// accepts targets within; TensionFrac the share at which it reports
	// tension and descends.
	UsableFrac  float64 `yaml:"usable_frac"`
	TensionFrac float64 `yaml:"tension_frac"`
	// DiameterMM, DragCd and TensionN give the tether's drag in wind and
	// the pull the winch holds it at: wind bows it and shortens its reach.
	DiameterMM float64 `yaml:"diameter_mm"`
	DragCd     float64 `yaml:"drag_cd"`
	TensionN   float64 `yaml:"tension_n"`
	// Wind is the wind the tethered drone holds in (lower than free: the
	// tether's drag adds to the airframe's).
	Wind WindLimits `yaml:"wind"`
}

// Cell is one base station in the payload.
type Cell struct {
	Network payload.Network `yaml:"network"`
	Band    string          `yaml:"band"`
	// FreqMHz is the downlink centre frequency.
	FreqMHz        float64 `yaml:"freq_mhz"`
	TxPowerDBm     float64 `yaml:"tx_power_dbm"`
	AntennaGainDBi float64 `yaml:"antenna_gain_dbi"`
	CableLossDB    float64 `yaml:"cable_loss_db"`
	// PowerW is the power the cell draws when on.
	PowerW float64 `yaml:"power_w"`
	// MaxUsers is how many phones the cell serves at most.
	MaxUsers int `yaml:"max_users"`
}

// HoldAirspeed is the fastest the airframe flies through the air holding
// its position.
func (a *Airframe) HoldAirspeed() float64 {
	if a.MaxAirspeed > a.CruiseSpeed {
		return a.MaxAirspeed
	}
	return a.CruiseSpeed
}

// Copter reports whether the airframe flies with Copter semantics.
func (a *Airframe) Copter() bool { return a.Frame != FrameFixedWing }

// Tethered reports whether the airframe is tied to a ground station.
func (a *Airframe) Tethered() bool { return a.Tether != nil && a.Tether.LengthM > 0 }

// Cell returns the airframe's cell on network n, or nil.
func (a *Airframe) Cell(n payload.Network) *Cell {
	for i := range a.Cells {
		if a.Cells[i].Network == n {
			return &a.Cells[i]
		}
	}
	return nil
}

// Carries reports whether the airframe has a cell on network n.
func (a *Airframe) Carries(n payload.Network) bool { return a.Cell(n) != nil }

// Clone returns a deep copy.
func (a Airframe) Clone() Airframe {
	a.Cells = append([]Cell(nil), a.Cells...)
	a.Release = append([]Release(nil), a.Release...)
	if a.Camera != nil {
		c := *a.Camera
		a.Camera = &c
	}
	if a.Sprayer != nil {
		s := *a.Sprayer
		a.Sprayer = &s
	}
	if a.Tether != nil {
		t := *a.Tether
		a.Tether = &t
	}
	return a
}

// FieldError is a bad airframe value: Field names it as it is spelled in
// the YAML file (e.g. "battery.cells", prefixed by the caller's path).
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return "airframe: " + e.Field + ": " + e.Reason }

// Fields splits err into the field it names and the reason, so that a
// caller reports it as its own kind of configuration error; a non-field
// error gives the field def and its text.
func Fields(err error, def string) (field, reason string) {
	var fe *FieldError
	if errors.As(err, &fe) {
		return fe.Field, fe.Reason
	}
	return def, err.Error()
}

func fieldErr(field, format string, a ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, a...)}
}

func positive(field string, v float64) error {
	if !(v > 0) || math.IsInf(v, 0) {
		return fieldErr(field, "must be a positive number, got %v", v)
	}
	return nil
}

func nonNegative(field string, v float64) error {
	if !(v >= 0) || math.IsInf(v, 0) {
		return fieldErr(field, "must not be negative, got %v", v)
	}
	return nil
}

func fraction(field string, v float64) error {
	if !(v > 0 && v <= 1) {
		return fieldErr(field, "must be in (0, 1], got %v", v)
	}
	return nil
}

// Validate checks the airframe; field names in errors are prefixed with
// prefix (e.g. "profiles[2]").
func (a *Airframe) Validate(prefix string) error {
	f := func(name string) string {
		if prefix == "" {
			return name
		}
		return prefix + "." + name
	}
	if strings.TrimSpace(a.Name) == "" {
		return fieldErr(f("name"), "must not be empty")
	}
	switch a.Frame {
	case FrameQuad, FrameHexa, FrameFixedWing:
	default:
		return fieldErr(f("frame"), "must be %q, %q or %q, got %q", FrameQuad, FrameHexa, FrameFixedWing, a.Frame)
	}
	if a.Index < 0 || a.Index > 1000 {
		return fieldErr(f("index"), "must be 0..1000, got %d", a.Index)
	}
	for _, c := range []struct {
		name string
		v    float64
	}{
		{"cruise_speed", a.CruiseSpeed}, {"accel", a.Accel}, {"climb_rate", a.ClimbRate},
		{"descent_rate", a.DescentRate}, {"land_speed", a.LandSpeed}, {"ceiling", a.Ceiling},
		{"rtl_alt", a.RTLAlt}, {"battery.capacity_wh", a.Battery.CapacityWh}, {"battery.hover_w", a.Battery.HoverW},
	} {
		if err := positive(f(c.name), c.v); err != nil {
			return err
		}
	}
	for _, c := range []struct {
		name string
		v    float64
	}{
		{"mass_kg", a.MassKg}, {"max_payload_kg", a.MaxPayloadKg}, {"hold_error_s", a.HoldErrorS},
		{"wind.max", a.Wind.MaxMS}, {"wind.max_gust", a.Wind.MaxGustMS},
		{"station_alt.min", a.StationAlt.MinM}, {"station_alt.max", a.StationAlt.MaxM},
		{"terrain_clearance_m", a.TerrainClearanceM},
	} {
		if err := nonNegative(f(c.name), c.v); err != nil {
			return err
		}
	}
	if err := nonNegative(f("max_airspeed"), a.MaxAirspeed); err != nil {
		return err
	}
	if a.Copter() {
		for _, w := range []struct {
			name string
			v    float64
		}{{"wind.max_gust", a.Wind.MaxGustMS}, {"tether.wind.max_gust", func() float64 {
			if a.Tether != nil {
				return a.Tether.Wind.MaxGustMS
			}
			return 0
		}()}} {
			if w.v > a.HoldAirspeed()+1e-9 {
				return fieldErr(f(w.name), "%v m/s is beyond the %v m/s the airframe flies to hold its position (max_airspeed)", w.v, a.HoldAirspeed())
			}
		}
	}
	if a.StationAlt.MaxM > 0 && a.StationAlt.MaxM < a.StationAlt.MinM {
		return fieldErr(f("station_alt.max"), "%v m is below station_alt.min %v m", a.StationAlt.MaxM, a.StationAlt.MinM)
	}
	if a.CruiseSpeed > 100 {
		return fieldErr(f("cruise_speed"), "%v m/s is beyond any airframe here (max 100)", a.CruiseSpeed)
	}
	if a.Frame == FrameFixedWing {
		if err := positive(f("loiter_radius"), a.LoiterRadius); err != nil {
			return err
		}
		if a.Tether != nil {
			return fieldErr(f("tether"), "a fixed wing cannot be tethered")
		}
	} else if err := nonNegative(f("battery.cruise_w"), a.Battery.CruiseW); err != nil {
		return err
	}
	b := a.Battery
	if b.Cells < 1 || b.Cells > 30 {
		return fieldErr(f("battery.cells"), "must be 1..30, got %d", b.Cells)
	}
	if !(b.ReservePct >= 0 && b.ReservePct < 100) {
		return fieldErr(f("battery.reserve_pct"), "must be in [0, 100), got %v", b.ReservePct)
	}
	if !(b.CriticalPct >= 0 && b.CriticalPct <= b.ReservePct) {
		return fieldErr(f("battery.critical_pct"), "must be in [0, reserve_pct], got %v", b.CriticalPct)
	}
	if err := nonNegative(f("battery.climb_w"), b.ClimbW); err != nil {
		return err
	}
	if b.Swap < 0 {
		return fieldErr(f("battery.swap"), "must not be negative, got %v", b.Swap)
	}
	if t := a.Tether; t != nil {
		if err := t.validate(f); err != nil {
			return err
		}
	}
	if a.Endurance < 0 {
		return fieldErr(f("endurance"), "must not be negative, got %v", a.Endurance)
	}
	if a.PayloadBoot < 0 || a.PayloadBoot > 10*time.Minute {
		return fieldErr(f("payload_boot"), "must be 0..10m, got %v", a.PayloadBoot)
	}
	if err := a.validateJobs(f); err != nil {
		return err
	}
	seen := map[payload.Network]bool{}
	for i, c := range a.Cells {
		cf := func(n string) string { return f(fmt.Sprintf("cells[%d].%s", i, n)) }
		if c.Network != payload.Public && c.Network != payload.Private {
			return fieldErr(cf("network"), "must be public or private, got %d", int(c.Network))
		}
		if seen[c.Network] {
			return fieldErr(cf("network"), "a second %s cell", c.Network)
		}
		seen[c.Network] = true
		if err := nonNegative(cf("power_w"), c.PowerW); err != nil {
			return err
		}
		if c.MaxUsers < 0 {
			return fieldErr(cf("max_users"), "must not be negative, got %d", c.MaxUsers)
		}
		if !(c.FreqMHz > 0 && c.FreqMHz < 100000) {
			return fieldErr(cf("freq_mhz"), "must be in (0, 100000), got %v", c.FreqMHz)
		}
		for _, v := range []struct {
			name string
			v    float64
		}{{"tx_power_dbm", c.TxPowerDBm}, {"antenna_gain_dbi", c.AntennaGainDBi}, {"cable_loss_db", c.CableLossDB}} {
			if math.IsNaN(v.v) || math.IsInf(v.v, 0) || math.Abs(v.v) > 100 {
				return fieldErr(cf(v.name), "must be a finite number within ±100, got %v", v.v)
			}
		}
	}
	return nil
}

func (t *Tether) validate(f func(string) string) error {
	if err := positive(f("tether.length_m"), t.LengthM); err != nil {
		return err
	}
	if err := fraction(f("tether.usable_frac"), t.UsableFrac); err != nil {
		return err
	}
	if err := fraction(f("tether.tension_frac"), t.TensionFrac); err != nil {
		return err
	}
	if t.TensionFrac < t.UsableFrac {
		return fieldErr(f("tether.tension_frac"), "%v is below usable_frac %v", t.TensionFrac, t.UsableFrac)
	}
	for _, c := range []struct {
		name string
		v    float64
	}{{"diameter_mm", t.DiameterMM}, {"drag_cd", t.DragCd}, {"tension_n", t.TensionN}, {"wind.max", t.Wind.MaxMS}, {"wind.max_gust", t.Wind.MaxGustMS}} {
		if err := nonNegative(f("tether."+c.name), c.v); err != nil {
			return err
		}
	}
	if t.DiameterMM > 0 && t.DragCd > 0 && !(t.TensionN > 0) {
		return fieldErr(f("tether.tension_n"), "a tether with drag needs the winch's tension, got %v", t.TensionN)
	}
	return nil
}
