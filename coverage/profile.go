package coverage

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/aerocell/aerocell/airframe"
	"github.com/aerocell/aerocell/payload"
)

// Networks is a set of the cells a drone carries: Public, Private or
// Both. (One network, as the link layer, the controller and the reports
// name it, is payload.Network.)
type Networks uint8

// The networks. Public is the carrier cell people call from; Private is the
// rescue teams' cell (private LTE band), usually smaller.
const (
	Public Networks = 1 << iota
	Private
	Both = Public | Private
)

// ParseNetworks reads "public", "private" or "both".
func ParseNetworks(s string) (Networks, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "public", "":
		return Public, nil
	case "private":
		return Private, nil
	case "both":
		return Both, nil
	}
	return 0, fmt.Errorf("%w: network %q (want public, private or both)", ErrBadParameter, s)
}

// Names lists the networks in n, public first.
func (n Networks) Names() []string {
	var out []string
	if n&Public != 0 {
		out = append(out, "public")
	}
	if n&Private != 0 {
		out = append(out, "private")
	}
	return out
}

func (n Networks) String() string { return strings.Join(n.Names(), "+") }

// NetworkSet is the set holding network n alone.
func NetworkSet(n payload.Network) Networks {
	if n == payload.Private {
		return Private
	}
	return Public
}

// LinkBudget is one network's downlink budget, from the drone's payload to a
// handset on the ground. All values in dB, dBm or dBi.
type LinkBudget struct {
	FreqMHz          float64 `json:"freq_mhz"`
	TxPowerDBm       float64 `json:"tx_power_dbm"`
	TxGainDBi        float64 `json:"tx_gain_dbi"`
	RxGainDBi        float64 `json:"rx_gain_dbi"`
	CableLossDB      float64 `json:"cable_loss_db"`
	RxSensitivityDBm float64 `json:"rx_sensitivity_dbm"`
	// FadeMarginDB covers shadowing and fading; PenetrationMarginDB covers
	// handsets inside (damaged) buildings or vehicles.
	FadeMarginDB        float64 `json:"fade_margin_db"`
	PenetrationMarginDB float64 `json:"penetration_margin_db"`
}

// MaxPathLossDB is the largest path loss the link tolerates.
func (l LinkBudget) MaxPathLossDB() float64 {
	return l.TxPowerDBm + l.TxGainDBi + l.RxGainDBi - l.CableLossDB - l.RxSensitivityDBm - l.FadeMarginDB - l.PenetrationMarginDB
}

// Validate checks that the budget is finite and the frequency positive.
func (l LinkBudget) Validate() error {
	for _, v := range []float64{l.FreqMHz, l.TxPowerDBm, l.TxGainDBi, l.RxGainDBi, l.CableLossDB, l.RxSensitivityDBm, l.FadeMarginDB, l.PenetrationMarginDB} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: link budget has a non-finite value", ErrBadParameter)
		}
	}
	if l.FreqMHz <= 0 {
		return fmt.Errorf("%w: link budget frequency %v MHz", ErrBadParameter, l.FreqMHz)
	}
	return nil
}

// Limits are the radio-relevant limits of an airframe. Zero means "no limit"
// for MaxAltM, AirspaceCeilingM and TetherM.
type Limits struct {
	// MinAltM is the lowest altitude above ground the airframe holds
	// (fixed wings loiter, multirotors keep clear of obstacles).
	MinAltM float64 `json:"min_alt_m"`
	// MinClearanceM is the clearance above terrain and obstacles.
	MinClearanceM float64 `json:"min_clearance_m"`
	// MaxAltM is the airframe's operational ceiling above ground.
	MaxAltM float64 `json:"max_alt_m"`
	// AirspaceCeilingM is the ceiling granted for the operation.
	AirspaceCeilingM float64 `json:"airspace_ceiling_m"`
	// TetherM is the tether length; 0 for free-flying drones.
	TetherM float64 `json:"tether_m"`
	// SpeedMS is the cruise speed, used to time re-plan moves.
	SpeedMS float64 `json:"speed_m_s"`
}

// Tethered reports whether the drone is on a tether.
func (l Limits) Tethered() bool { return l.TetherM > 0 }

// AltRange is the feasible altitude interval.
func (l Limits) AltRange() (lo, hi float64, err error) {
	lo = math.Max(l.MinAltM, l.MinClearanceM)
	hi = math.Inf(1)
	for _, v := range []float64{l.MaxAltM, l.AirspaceCeilingM, l.TetherM} {
		if v > 0 {
			hi = math.Min(hi, v)
		}
	}
	if math.IsNaN(lo) || math.IsNaN(hi) || lo < 0 || hi < lo {
		return 0, 0, fmt.Errorf("%w: altitude range [%v, %v] m", ErrNoFeasibleAlt, lo, hi)
	}
	return lo, hi, nil
}

// TetherReachM is how far from its launch site, horizontally, a tethered
// drone at altM may hover; +Inf when not tethered.
func (l Limits) TetherReachM(altM float64) float64 {
	if !l.Tethered() {
		return math.Inf(1)
	}
	if altM >= l.TetherM {
		return 0
	}
	return math.Sqrt(l.TetherM*l.TetherM - altM*altM)
}

// Profile is what coverage needs to know about a kind of drone: its limits
// and the link budget of each network it carries.
type Profile struct {
	Name    string     `json:"name"`
	Limits  Limits     `json:"limits"`
	Public  LinkBudget `json:"public"`
	Private LinkBudget `json:"private"`
}

// Profile names of the built-in profiles.
const (
	ProfileTethered  = airframe.Tethered
	ProfileHeavy     = airframe.Heavy
	ProfileFixedWing = airframe.FixedWing
)

// Handset is the ground end of a network's link: what a phone (public) or
// a team's radio (private) brings to the budget, and the margins planned
// for. Public handsets are often indoors in damaged buildings; teams work
// outdoors or from vehicles.
type Handset struct {
	RxGainDBi, RxSensitivityDBm, FadeMarginDB, PenetrationMarginDB float64
}

// Handsets are the ground ends of the two networks.
var handsets = map[Networks]Handset{
	Public:  {RxGainDBi: 0, RxSensitivityDBm: -100, FadeMarginDB: 8, PenetrationMarginDB: 15},
	Private: {RxGainDBi: 2, RxSensitivityDBm: -100, FadeMarginDB: 8, PenetrationMarginDB: 3},
}

// Budget is the downlink budget of an airframe's cell to network n's
// handsets; the zero budget when the airframe carries no such cell.
func Budget(a airframe.Airframe, n Networks) LinkBudget {
	net := payload.Public
	if n == Private {
		net = payload.Private
	}
	c := a.Cell(net)
	if c == nil {
		return LinkBudget{}
	}
	h := handsets[n]
	return LinkBudget{FreqMHz: c.FreqMHz, TxPowerDBm: c.TxPowerDBm, TxGainDBi: c.AntennaGainDBi, RxGainDBi: h.RxGainDBi,
		CableLossDB: c.CableLossDB, RxSensitivityDBm: h.RxSensitivityDBm, FadeMarginDB: h.FadeMarginDB, PenetrationMarginDB: h.PenetrationMarginDB}
}

// ProfileFor is the radio view of an airframe: the heights it holds a post
// at, its tether and cruise speed, and its cells' budgets.
func ProfileFor(a airframe.Airframe) Profile {
	maxAlt := a.Ceiling
	if a.StationAlt.MaxM > 0 {
		maxAlt = math.Min(maxAlt, a.StationAlt.MaxM)
	}
	lim := Limits{MinAltM: a.StationAlt.MinM, MaxAltM: maxAlt, SpeedMS: a.CruiseSpeed}
	if a.Tethered() {
		lim.TetherM = a.Tether.LengthM
	}
	return Profile{Name: a.Name, Limits: lim, Public: Budget(a, Public), Private: Budget(a, Private)}
}

// BuiltinProfiles returns the radio view of the built-in airframes (package
// airframe) by name. The public cell is an LTE small cell in band 20
// (800 MHz); the private cell is a private-LTE cell in band 48 (3.5 GHz) at
// lower power. With the suburban environment the heavy multirotor covers
// about 2-3 km at 150-300 m and the fixed wing about 6 km at 1-2 km.
func BuiltinProfiles() map[string]Profile {
	out := map[string]Profile{}
	for _, a := range airframe.Builtin() {
		out[a.Name] = ProfileFor(a)
	}
	return out
}

// Carries reports whether the profile has a cell of network n (both, for
// Both).
func (p Profile) Carries(n Networks) bool {
	ok := true
	if n&Public != 0 {
		ok = ok && p.Public.FreqMHz > 0
	}
	if n&Private != 0 {
		ok = ok && p.Private.FreqMHz > 0
	}
	return ok
}

// ProfileByName returns a built-in profile.
func ProfileByName(name string) (Profile, error) {
	ps := BuiltinProfiles()
	if p, ok := ps[strings.ToLower(strings.TrimSpace(name))]; ok {
		return p, nil
	}
	names := make([]string, 0, len(ps))
	for n := range ps {
		names = append(names, n)
	}
	sort.Strings(names)
	return Profile{}, fmt.Errorf("%w %q (want one of %s)", ErrUnknownProfile, name, strings.Join(names, ", "))
}

// Cells is the outcome of the radio planning for one profile: one altitude
// for the drone, and the radius of each network at that altitude.
type Cells struct {
	AltM           float64  `json:"alt_m"`
	PublicRadiusM  float64  `json:"public_radius_m"`
	PrivateRadiusM float64  `json:"private_radius_m"`
	Public         Altitude `json:"public"`
	Private        Altitude `json:"private"`
}

// Radius returns the radius of one network (the smaller one for Both).
func (c Cells) Radius(n Networks) float64 {
	switch n {
	case Public:
		return c.PublicRadiusM
	case Private:
		return c.PrivateRadiusM
	}
	return math.Min(c.PublicRadiusM, c.PrivateRadiusM)
}

// PlanCells chooses the altitude for a profile in an environment. A drone
// flies one altitude for both cells: it is the best altitude of the network
// that matters (primary), and the other network's radius is evaluated there.
func (p Profile) PlanCells(env Environment, primary Networks) (Cells, error) {
	if primary == 0 {
		primary = Public
	}
	if !p.Carries(primary) {
		return Cells{}, fmt.Errorf("%w: %s carries no %s cell", ErrBadParameter, p.Name, primary)
	}
	for _, n := range []Networks{Public, Private} {
		if b := p.budget(n); p.Carries(n) {
			if err := b.Validate(); err != nil {
				return Cells{}, err
			}
		}
	}
	lo, hi, err := p.Limits.AltRange()
	if err != nil {
		return Cells{}, err
	}
	var (
		pub, prv Model
		pa, va   Altitude
	)
	if p.Carries(Public) {
		pub, _ = NewModel(env, p.Public.FreqMHz)
		if pa, err = pub.BestAltitude(p.Public.MaxPathLossDB(), lo, hi); err != nil {
			return Cells{}, err
		}
	}
	if p.Carries(Private) {
		prv, _ = NewModel(env, p.Private.FreqMHz)
		if va, err = prv.BestAltitude(p.Private.MaxPathLossDB(), lo, hi); err != nil {
			return Cells{}, err
		}
	}
	alt := pa.AltM
	if primary == Private {
		alt = va.AltM
	} else if primary == Both {
		// Maximise the smaller radius over the feasible range.
		alt = goldenMax(func(h float64) float64 {
			return math.Min(pub.RadiusM(h, p.Public.MaxPathLossDB()), prv.RadiusM(h, p.Private.MaxPathLossDB()))
		}, lo, math.Min(hi, math.Max(pa.OptimalAltM, va.OptimalAltM)+1))
	}
	c := Cells{AltM: alt, Public: pa, Private: va}
	if p.Carries(Public) {
		c.PublicRadiusM = pub.RadiusM(alt, p.Public.MaxPathLossDB())
	}
	if p.Carries(Private) {
		c.PrivateRadiusM = prv.RadiusM(alt, p.Private.MaxPathLossDB())
	}
	return c, nil
}

func (p Profile) budget(n Networks) LinkBudget {
	if n == Private {
		return p.Private
	}
	return p.Public
}

// goldenMax maximises a unimodal function on [lo, hi].
func goldenMax(f func(float64) float64, lo, hi float64) float64 {
	if hi <= lo {
		return lo
	}
	g := (math.Sqrt(5) - 1) / 2
	for i := 0; i < 80; i++ {
		a := hi - g*(hi-lo)
		b := lo + g*(hi-lo)
		if f(a) > f(b) {
			hi = b
		} else {
			lo = a
		}
	}
	return (lo + hi) / 2
}
