package fleet

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/aerocell/aerocell/airframe"
	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/payload"
)

// Profile is what the controller must know of a kind of drone to plan for it
// and to fly it: its airframe (package airframe, the table the simulator
// flies too), its radio view (for coverage), and the envelope and energy
// figures the loop reads often, derived from the airframe.
type Profile struct {
	Name string
	// Air is the airframe, as the one table defines it.
	Air   airframe.Airframe
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

// ProfileFrom derives the controller's view of an airframe.
func ProfileFrom(a airframe.Airframe) Profile {
	p := Profile{
		Name: a.Name, Air: a, Radio: coverage.ProfileFor(a),
		CruiseMS: a.CruiseSpeed, ClimbMS: a.ClimbRate, DescentMS: a.DescentRate, CeilingM: a.Ceiling,
		Endurance: a.Endurance, ReservePct: a.Battery.ReservePct, FixedWing: !a.Copter(),
	}
	if a.Tethered() {
		p.TetherM = a.Tether.LengthM
		p.Endurance = 0
	}
	for _, c := range a.Cells {
		switch c.Network {
		case payload.Public:
			p.Cells = append(p.Cells, Public)
		case payload.Private:
			p.Cells = append(p.Cells, Private)
		}
	}
	return p
}

// carries reports whether the airframe has a cell of network n.
func (p Profile) carries(n Network) bool { return slices.Contains(p.Cells, n) }

// Tethered reports whether the drone is tied to a ground station.
func (p Profile) Tethered() bool { return p.TetherM > 0 }

// Tether planning margins. The controller never orders beyond ReachM (the
// airframe's reach in the wind: short of where its autopilot meets
// tension) and plans within tetherPlanFrac of it, with the altitude at most
// tetherAltFrac of it so that some horizontal reach is left (in still air
// 0.86 x 0.93 = 80% of the tether, as before the reach knew the wind).
const (
	tetherPlanFrac = 0.97
	tetherAltFrac  = 0.86
)

// ReachM is the farthest slant distance from the ground station the
// controller will order a tethered drone to in wind w.
func (p Profile) ReachM(w airframe.Wind) float64 { return p.Air.ReachM(w) }

// PlanAltM is the altitude the planner flies airframe p's stations at
// for network n in environment env and wind w: the radio's best, within
// the airframe's ceiling and, tethered, its tether's reach in the wind.
func (p Profile) PlanAltM(env coverage.Environment, n Network, w airframe.Wind) (float64, error) {
	c, err := p.Radio.PlanCells(env, cellNetwork(n))
	if err != nil {
		return 0, fmt.Errorf("fleet: profile %s: %w", p.Name, err)
	}
	return p.planAlt(c.AltM, w), nil
}

// planAlt clamps a planned altitude for the airframe: its ceiling and, for
// a tethered drone, a share of the tether's reach in wind w (lower in
// wind, where the tether bows and gusts push the drone about).
func (p Profile) planAlt(alt float64, w airframe.Wind) float64 {
	alt = math.Min(alt, p.CeilingM)
	if p.Tethered() {
		alt = math.Min(alt, tetherAltFrac*p.ReachM(w))
	}
	return alt
}

// planReach is how far from its ground station a tethered station may be
// planned at altitude alt in wind w.
func (p Profile) planReach(alt float64, w airframe.Wind) float64 {
	r := tetherPlanFrac * p.ReachM(w)
	if alt >= r {
		return 0
	}
	return math.Sqrt(r*r - alt*alt)
}

// BuiltinProfiles are the airframes aerocell ships (package airframe), as
// the controller sees them.
func BuiltinProfiles() map[string]Profile { return ProfilesOf(airframe.Builtin()) }

// ProfilesOf is the controller's view of an airframe table, by name.
func ProfilesOf(t airframe.Table) map[string]Profile {
	out := make(map[string]Profile, len(t))
	for _, a := range t {
		out[a.Name] = ProfileFrom(a)
	}
	return out
}

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

// CellRadii builds the airframe's radio model for env. A network the
// airframe carries no cell for has radius 0.
func (p Profile) CellRadii(env coverage.Environment) (CellRadii, error) {
	var r CellRadii
	var err error
	if p.Radio.Carries(coverage.Public) {
		if r.public, err = coverage.NewModel(env, p.Radio.Public.FreqMHz); err != nil {
			return CellRadii{}, fmt.Errorf("fleet: profile %s: public cell: %w", p.Name, err)
		}
		r.publicPL = p.Radio.Public.MaxPathLossDB()
	}
	if p.Radio.Carries(coverage.Private) {
		if r.private, err = coverage.NewModel(env, p.Radio.Private.FreqMHz); err != nil {
			return CellRadii{}, fmt.Errorf("fleet: profile %s: private cell: %w", p.Name, err)
		}
		r.privatePL = p.Radio.Private.MaxPathLossDB()
	}
	return r, nil
}

// At is each cell's ground radius with the drone altM above the ground.
func (r CellRadii) At(altM float64) (public, private float64) {
	if r.publicPL != 0 {
		public = r.public.RadiusM(altM, r.publicPL)
	}
	if r.privatePL != 0 {
		private = r.private.RadiusM(altM, r.privatePL)
	}
	return public, private
}

// Live is a drone as a live-coverage station: where it is, how high, and
// which of its cells are on. It reports false when no cell is on.
func (r CellRadii) Live(lat, lon, altRel float64, publicOn, privateOn bool) (coverage.LiveStation, bool) {
	var nets coverage.Networks
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
