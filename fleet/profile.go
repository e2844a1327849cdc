package fleet

import (
	"fmt"
	"math"
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
	// Cells are the networks the airframe carries a base station for.
	Cells []Network
}

// carries reports whether the airframe has a cell of network n.
func (p Profile) carries(n Network) bool {
	for _, c := range p.Cells {
		if c == n {
			return true
		}
	}
	return false
}

// Tethered reports whether the drone is tied to a ground station.
func (p Profile) Tethered() bool { return p.TetherM > 0 }

// Tether margins. An autopilot refuses orders near the end of the tether,
// where tension starts (the simulator at 95%); the controller never orders
// beyond ReachM and plans within PlanReachM, with the altitude at most
// PlanAltFrac of the tether so that some horizontal reach is left.
const (
	tetherOrderFrac = 0.93
	tetherPlanFrac  = 0.9
	tetherAltFrac   = 0.8
)

// ReachM is the farthest slant distance from the ground station the
// controller will order a tethered drone to.
func (p Profile) ReachM() float64 { return tetherOrderFrac * p.TetherM }

// planAlt clamps a planned altitude for the airframe: its ceiling and, for
// a tethered drone, a share of the tether.
func (p Profile) planAlt(alt float64) float64 {
	alt = math.Min(alt, p.CeilingM)
	if p.Tethered() {
		alt = math.Min(alt, tetherAltFrac*p.TetherM)
	}
	return alt
}

// planReach is how far from its ground station a tethered station may be
// planned at altitude alt.
func (p Profile) planReach(alt float64) float64 {
	r := tetherPlanFrac * p.TetherM
	if alt >= r {
		return 0
	}
	return math.Sqrt(r*r - alt*alt)
}

// BuiltinProfiles are the three airframes aerocell ships, with the radio of
// coverage.BuiltinProfiles and the envelope the simulator flies.
func BuiltinProfiles() map[string]Profile {
	radio := coverage.BuiltinProfiles()
	return map[string]Profile{
		coverage.ProfileTethered: {
			Name: coverage.ProfileTethered, Radio: radio[coverage.ProfileTethered],
			CruiseMS: 10, ClimbMS: 2.5, DescentMS: 1.5, CeilingM: 150, TetherM: 150, ReservePct: 20,
			Cells: []Network{Public, Private},
		},
		coverage.ProfileHeavy: {
			Name: coverage.ProfileHeavy, Radio: radio[coverage.ProfileHeavy],
			CruiseMS: 12, ClimbMS: 3, DescentMS: 2, CeilingM: 500,
			Endurance: 40 * time.Minute, ReservePct: 20,
			Cells: []Network{Public, Private},
		},
		coverage.ProfileFixedWing: {
			Name: coverage.ProfileFixedWing, Radio: radio[coverage.ProfileFixedWing],
			CruiseMS: 25, ClimbMS: 5, DescentMS: 4, CeilingM: 6000,
			Endurance: 6 * time.Hour, ReservePct: 15, FixedWing: true,
			Cells: []Network{Public},
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
	case len(p.Cells) == 0:
		return fmt.Errorf("%w: profile %s: carries no cell", ErrInvalid, p.Name)
	}
	return nil
}

// CellRadii gives the ground radius of an airframe's cells at any altitude,
// in one radio environment.
type CellRadii struct {
	public, private     coverage.Model
	publicPL, privatePL float64
}

// CellRadii builds the airframe's radio model for env.
func (p Profile) CellRadii(env coverage.Environment) (CellRadii, error) {
	pub, err := coverage.NewModel(env, p.Radio.Public.FreqMHz)
	if err != nil {
		return CellRadii{}, fmt.Errorf("fleet: profile %s: public cell: %w", p.Name, err)
	}
	prv, err := coverage.NewModel(env, p.Radio.Private.FreqMHz)
	if err != nil {
		return CellRadii{}, fmt.Errorf("fleet: profile %s: private cell: %w", p.Name, err)
	}
	return CellRadii{public: pub, private: prv,
		publicPL: p.Radio.Public.MaxPathLossDB(), privatePL: p.Radio.Private.MaxPathLossDB()}, nil
}

// At is each cell's ground radius with the drone altM above the ground.
func (r CellRadii) At(altM float64) (public, private float64) {
	return r.public.RadiusM(altM, r.publicPL), r.private.RadiusM(altM, r.privatePL)
}

// Live is a drone as a live-coverage station: where it is, how high, and
// which of its cells are on. It reports false when no cell is on.
func (r CellRadii) Live(lat, lon, altRel float64, publicOn, privateOn bool) (coverage.LiveStation, bool) {
	var nets coverage.Network
	if publicOn {
		nets |= coverage.Public
	}
	if privateOn {
		nets |= coverage.Private
	}
	if nets == 0 {
		return coverage.LiveStation{}, false
	}
	pub, prv := r.At(math.Max(altRel, 1))
	return coverage.LiveStation{Pos: coverage.LonLat{Lon: lon, Lat: lat}, PublicRadiusM: pub, PrivateRadiusM: prv, Networks: nets}, true
}
