package coverage

import (
	"fmt"
	"math"
	"strings"
)

// speedOfLight in metres per second.
const speedOfLight = 299792458.0

// Environment holds the parameters of the Al-Hourani air-to-ground model:
// the S-curve parameters A and B of the line-of-sight probability (elevation
// in degrees) and the mean excess losses over free space for line-of-sight
// and non-line-of-sight links.
type Environment struct {
	Name      string  `json:"name"`
	A         float64 `json:"a"`
	B         float64 `json:"b"`
	EtaLoSdB  float64 `json:"eta_los_db"`
	EtaNLoSdB float64 `json:"eta_nlos_db"`
}

// Environment presets from Al-Hourani et al. 2014, table I (2 GHz), and free
// space (no excess loss at all).
const (
	EnvFreeSpace      = "free-space"
	EnvSuburban       = "suburban"
	EnvUrban          = "urban"
	EnvDenseUrban     = "dense-urban"
	EnvHighRiseUrban  = "high-rise-urban"
	DefaultEnv        = EnvSuburban
	defaultMinElevDeg = 0.01
)

// Environments returns the presets, free space first.
func Environments() []Environment {
	return []Environment{
		{Name: EnvFreeSpace},
		{Name: EnvSuburban, A: 4.88, B: 0.43, EtaLoSdB: 0.1, EtaNLoSdB: 21},
		{Name: EnvUrban, A: 9.61, B: 0.16, EtaLoSdB: 1, EtaNLoSdB: 20},
		{Name: EnvDenseUrban, A: 12.08, B: 0.11, EtaLoSdB: 1.6, EtaNLoSdB: 23},
		{Name: EnvHighRiseUrban, A: 27.23, B: 0.08, EtaLoSdB: 2.3, EtaNLoSdB: 34},
	}
}

// EnvironmentByName returns the preset with that name. Spaces and
// underscores are accepted in place of dashes ("dense urban").
func EnvironmentByName(name string) (Environment, error) {
	n := strings.ToLower(strings.NewReplacer(" ", "-", "_", "-").Replace(strings.TrimSpace(name)))
	if n == "highrise-urban" || n == "highrise" {
		n = EnvHighRiseUrban
	}
	for _, e := range Environments() {
		if e.Name == n {
			return e, nil
		}
	}
	return Environment{}, fmt.Errorf("%w %q (want one of free-space, suburban, urban, dense-urban, high-rise-urban)", ErrUnknownEnv, name)
}

// Validate reports whether the parameters make a usable model.
func (e Environment) Validate() error {
	for _, v := range []float64{e.A, e.B, e.EtaLoSdB, e.EtaNLoSdB} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: environment %q has a non-finite parameter", ErrBadParameter, e.Name)
		}
	}
	if e.A < 0 || e.B < 0 || e.EtaLoSdB < 0 || e.EtaNLoSdB < 0 {
		return fmt.Errorf("%w: environment %q has a negative parameter", ErrBadParameter, e.Name)
	}
	return nil
}

// Model is an air-to-ground path-loss model at one carrier frequency.
// The zero Environment is free space.
type Model struct {
	Env     Environment
	FreqMHz float64
}

// NewModel checks the frequency and environment.
func NewModel(env Environment, freqMHz float64) (Model, error) {
	if !(freqMHz > 0) || math.IsInf(freqMHz, 0) || freqMHz > 1e6 {
		return Model{}, fmt.Errorf("%w: carrier frequency %v MHz", ErrBadParameter, freqMHz)
	}
	if err := env.Validate(); err != nil {
		return Model{}, err
	}
	return Model{Env: env, FreqMHz: freqMHz}, nil
}

// fspl1m is the free-space path loss at one metre, in dB.
func (m Model) fspl1m() float64 {
	return 20 * math.Log10(4*math.Pi*m.FreqMHz*1e6/speedOfLight)
}

// LoSProbability is the probability of a geometrical line of sight at an
// elevation angle in degrees: 1 / (1 + a exp(-b (theta - a))).
func (m Model) LoSProbability(elevDeg float64) float64 {
	if m.Env.A == 0 && m.Env.B == 0 {
		return 1
	}
	return 1 / (1 + m.Env.A*math.Exp(-m.Env.B*(elevDeg-m.Env.A)))
}

// excessDB is the mean excess loss over free space at an elevation angle.
func (m Model) excessDB(elevDeg float64) float64 {
	p := m.LoSProbability(elevDeg)
	return p*m.Env.EtaLoSdB + (1-p)*m.Env.EtaNLoSdB
}

// PathLossDB is the mean path loss in dB between a drone at altM above
// ground and a receiver on the ground at horizontal distance groundM.
func (m Model) PathLossDB(altM, groundM float64) float64 {
	d := math.Hypot(altM, groundM)
	if d < 1 {
		d = 1
	}
	theta := 90.0
	if groundM > 0 {
		theta = math.Atan2(altM, groundM) * 180 / math.Pi
	}
	return 20*math.Log10(d) + m.fspl1m() + m.excessDB(theta)
}

// RadiusM is the ground coverage radius for a drone at altM: the largest
// horizontal distance at which the mean path loss does not exceed maxPLdB.
// It is 0 when even the point right below the drone is out of reach.
// The path loss grows monotonically with the horizontal distance, so the
// radius is found by bisection to within a millimetre.
func (m Model) RadiusM(altM, maxPLdB float64) float64 {
	if !(altM >= 0) || math.IsNaN(maxPLdB) {
		return 0
	}
	if m.PathLossDB(altM, 0) > maxPLdB {
		return 0
	}
	// Upper bound: best case excess loss is min(eta) >= 0.
	hi := math.Pow(10, (maxPLdB-m.fspl1m()-math.Min(m.Env.EtaLoSdB, m.Env.EtaNLoSdB))/20) + 1
	lo := 0.0
	for i := 0; i < 200 && hi-lo > 1e-3; i++ {
		mid := (lo + hi) / 2
		if m.PathLossDB(altM, mid) <= maxPLdB {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

// OptimalElevationDeg is the elevation angle at the edge of the cell that
// maximises the coverage radius. It depends on the environment only, not on
// the frequency or the allowed path loss (Al-Hourani et al., eq. 8): along a
// ray at angle theta the path loss reaches the limit at distance d(theta),
// and the radius d cos(theta) is maximised when ln cos(theta) - ln(10)/20
// eta(theta) is. For free space it is 0: the lower the better.
func (m Model) OptimalElevationDeg() float64 {
	f := func(th float64) float64 {
		return math.Log(math.Cos(th*math.Pi/180)) - math.Ln10/20*m.excessDB(th)
	}
	// Coarse scan to bracket the global maximum, then golden section.
	best, bestV := defaultMinElevDeg, f(defaultMinElevDeg)
	for th := 0.25; th < 89.9; th += 0.25 {
		if v := f(th); v > bestV {
			best, bestV = th, v
		}
	}
	lo, hi := math.Max(defaultMinElevDeg, best-0.25), math.Min(89.99, best+0.25)
	g := (math.Sqrt(5) - 1) / 2
	for i := 0; i < 100; i++ {
		a := hi - g*(hi-lo)
		b := lo + g*(hi-lo)
		if f(a) > f(b) {
			hi = b
		} else {
			lo = a
		}
	}
	th := (lo + hi) / 2
	if th <= defaultMinElevDeg*1.01 {
		return 0
	}
	return th
}

// Optimum is the unconstrained optimum for a path-loss limit: the altitude
// and the radius it gives (Al-Hourani et al., h = R tan(theta_opt)).
func (m Model) Optimum(maxPLdB float64) (altM, radiusM float64) {
	th := m.OptimalElevationDeg()
	if th == 0 {
		return 0, m.RadiusM(0, maxPLdB)
	}
	rad := th * math.Pi / 180
	d := math.Pow(10, (maxPLdB-m.fspl1m()-m.excessDB(th))/20)
	return d * math.Sin(rad), d * math.Cos(rad)
}

// Altitude is the outcome of choosing an altitude for one network.
type Altitude struct {
	// OptimalElevationDeg is the environment's optimal edge elevation.
	OptimalElevationDeg float64 `json:"optimal_elevation_deg"`
	// OptimalAltM and OptimalRadiusM are the unconstrained optimum.
	OptimalAltM    float64 `json:"optimal_altitude_m"`
	OptimalRadiusM float64 `json:"optimal_radius_m"`
	// AltM and RadiusM are what the drone can fly and what it gives.
	AltM    float64 `json:"altitude_m"`
	RadiusM float64 `json:"radius_m"`
	// Clamped is true when the limits moved the altitude off the optimum.
	Clamped bool `json:"clamped"`
	// MaxPathLossDB is the limit used.
	MaxPathLossDB float64 `json:"max_path_loss_db"`
}

// BestAltitude picks the altitude that maximises the radius within
// [minAltM, maxAltM] (pass 0 and +Inf for no limit). The radius is unimodal
// in altitude (it rises to the optimum, then falls), so the best feasible
// altitude is the optimum clamped to the interval.
func (m Model) BestAltitude(maxPLdB, minAltM, maxAltM float64) (Altitude, error) {
	if math.IsNaN(maxPLdB) || math.IsInf(maxPLdB, 0) {
		return Altitude{}, fmt.Errorf("%w: maximum path loss %v dB", ErrBadParameter, maxPLdB)
	}
	if math.IsNaN(minAltM) || math.IsNaN(maxAltM) || minAltM < 0 || maxAltM < minAltM {
		return Altitude{}, fmt.Errorf("%w: altitude limits [%v, %v] m", ErrNoFeasibleAlt, minAltM, maxAltM)
	}
	h, r := m.Optimum(maxPLdB)
	out := Altitude{
		OptimalElevationDeg: m.OptimalElevationDeg(),
		OptimalAltM:         h,
		OptimalRadiusM:      r,
		MaxPathLossDB:       maxPLdB,
	}
	alt := math.Min(math.Max(h, minAltM), maxAltM)
	out.Clamped = alt != h
	out.AltM = alt
	out.RadiusM = m.RadiusM(alt, maxPLdB)
	return out, nil
}
