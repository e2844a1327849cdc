package fleet

import (
	"fmt"
	"time"

	"github.com/aerocell/aerocell/coverage"
)

// Profile is what the controller must know of a kind of drone to plan for it
// and to fly it: its radio (for coverage) and its flight envelope and energy
// (for timing launches, rotations and returns).
type Profile struct {
	Name  string
	Radio coverage.Profile
	// CruiseMS, ClimbMS and DescentMS are the speeds the autopilot flies at.
	CruiseMS  float64
	ClimbMS   float64
	DescentMS float64
	// CeilingM is the highest altitude above home the airframe accepts.
	CeilingM float64
	// TetherM is the tether length (0: free flying). A tethered drone runs on
	// ground power and needs no rotation.
	TetherM float64
	// Endurance is the time from a full battery to the reserve in hover (or
	// loiter); 0 for a tethered drone.
	Endurance time.Duration
	// ReservePct is the charge at which the drone must be on its way home.
	ReservePct float64
	// FixedWing drones cannot hover: they loiter around their station and
	// take off in their own mode.
	FixedWing bool
}

// Tethered reports whether the drone is tied to a ground station.
func (p Profile) Tethered() bool { return p.TetherM > 0 }

// BuiltinProfiles are the three airframes aerocell ships, with the radio of
// coverage.BuiltinProfiles and the envelope the simulator flies.
func BuiltinProfiles() map[string]Profile {
	radio := coverage.BuiltinProfiles()
	return map[string]Profile{
		coverage.ProfileTethered: {
			Name: coverage.ProfileTethered, Radio: radio[coverage.ProfileTethered],
			CruiseMS: 10, ClimbMS: 2.5, DescentMS: 1.5, CeilingM: 150, TetherM: 150, ReservePct: 20,
		},
		coverage.ProfileHeavy: {
			Name: coverage.ProfileHeavy, Radio: radio[coverage.ProfileHeavy],
			CruiseMS: 12, ClimbMS: 3, DescentMS: 2, CeilingM: 500,
			Endurance: 40 * time.Minute, ReservePct: 20,
		},
		coverage.ProfileFixedWing: {
			Name: coverage.ProfileFixedWing, Radio: radio[coverage.ProfileFixedWing],
			CruiseMS: 25, ClimbMS: 5, DescentMS: 4, CeilingM: 6000,
			Endurance: 6 * time.Hour, ReservePct: 15, FixedWing: true,
		},
	}
}

// profileIndexNames maps the AC_PROFILE index a drone declares over MAVLink
// to a built-in profile name.
var profileIndexNames = [...]string{coverage.ProfileTethered, coverage.ProfileHeavy, coverage.ProfileFixedWing}

func (p Profile) validate() error {
	switch {
	case p.Name == "":
		return fmt.Errorf("%w: profile without a name", ErrInvalid)
	case !(p.CruiseMS > 0) || !(p.ClimbMS > 0) || !(p.DescentMS > 0):
		return fmt.Errorf("%w: profile %s: speeds must be positive", ErrInvalid, p.Name)
	case !(p.CeilingM > 0):
		return fmt.Errorf("%w: profile %s: ceiling must be positive", ErrInvalid, p.Name)
	case p.TetherM < 0 || p.Endurance < 0 || p.ReservePct < 0 || p.ReservePct >= 100:
		return fmt.Errorf("%w: profile %s: tether, endurance and reserve must be in range", ErrInvalid, p.Name)
	case p.TetherM == 0 && p.Endurance == 0:
		return fmt.Errorf("%w: profile %s: a free-flying drone needs an endurance", ErrInvalid, p.Name)
	}
	return nil
}
