package coverage

import (
	"errors"
	"math"
	"testing"
)

// Al-Hourani, Kandeepan and Lardner 2014 give the optimal elevation angles
// of their four environments (with the table I parameters used here).
func TestOptimalElevationMatchesPaper(t *testing.T) {
	want := map[string]float64{
		EnvSuburban:      20.34,
		EnvUrban:         42.44,
		EnvDenseUrban:    54.62,
		EnvHighRiseUrban: 75.52,
	}
	for name, deg := range want {
		env, err := EnvironmentByName(name)
		if err != nil {
			t.Fatal(err)
		}
		m, err := NewModel(env, 2000)
		if err != nil {
			t.Fatal(err)
		}
		got := m.OptimalElevationDeg()
		if math.Abs(got-deg) > 0.005 {
			t.Errorf("%s: optimal elevation %.4f, paper %.2f", name, got, deg)
		}
		// The paper's closed-form condition (its optimality equation):
		// pi/(9 ln 10) tan(theta) + a b A e^{-b(theta-a)} / (a e^{-b(theta-a)} + 1)^2 = 0,
		// with A = eta_LoS - eta_NLoS.
		a, b, A := env.A, env.B, env.EtaLoSdB-env.EtaNLoSdB
		e := math.Exp(-b * (got - a))
		res := math.Pi/(9*math.Ln10)*math.Tan(got*math.Pi/180) + a*b*A*e/((a*e+1)*(a*e+1))
		if math.Abs(res) > 1e-4 {
			t.Errorf("%s: optimality condition residual %g", name, res)
		}
	}
}

// The optimum radius for a path-loss limit must sit exactly at the limit,
// at the optimal angle, and beat every other altitude.
func TestRadiusAtMaxPathLoss(t *testing.T) {
	for _, env := range Environments()[1:] {
		m, _ := NewModel(env, 2000)
		for _, pl := range []float64{100, 110, 120} {
			h, r := m.Optimum(pl)
			if got := m.PathLossDB(h, r); math.Abs(got-pl) > 1e-6 {
				t.Errorf("%s %v dB: path loss at the optimum edge %v", env.Name, pl, got)
			}
			if th := math.Atan2(h, r) * 180 / math.Pi; math.Abs(th-m.OptimalElevationDeg()) > 1e-6 {
				t.Errorf("%s: edge elevation %v", env.Name, th)
			}
			if rr := m.RadiusM(h, pl); math.Abs(rr-r) > 0.5 {
				t.Errorf("%s %v dB: RadiusM(h_opt) = %v, optimum %v", env.Name, pl, rr, r)
			}
			for _, f := range []float64{0.5, 0.8, 1.25, 2} {
				if rr := m.RadiusM(h*f, pl); rr > r+0.5 {
					t.Errorf("%s %v dB: altitude %.0f gives %.0f m > optimum %.0f m", env.Name, pl, h*f, rr, r)
				}
			}
		}
	}
	// The radius grows by 10^(dPL/20) with the path-loss budget (the optimal
	// angle does not depend on it), so 6 dB doubles it.
	m, _ := NewModel(Environments()[2], 2000)
	_, r1 := m.Optimum(104)
	_, r2 := m.Optimum(110)
	if ratio := r2 / r1; math.Abs(ratio-math.Pow(10, 6.0/20)) > 1e-6 {
		t.Errorf("6 dB more gives a radius ratio of %v", ratio)
	}
}

func TestFreeSpace(t *testing.T) {
	env, _ := EnvironmentByName("free space")
	m, _ := NewModel(env, 900)
	const pl = 100.0
	d := math.Pow(10, pl/20) * speedOfLight / (4 * math.Pi * 900e6)
	for _, h := range []float64{0, 100, 1000} {
		want := math.Sqrt(d*d - h*h)
		if got := m.RadiusM(h, pl); math.Abs(got-want) > 0.01 {
			t.Errorf("h=%v: radius %v, want %v", h, got, want)
		}
	}
	alt, err := m.BestAltitude(pl, 50, 500)
	if err != nil || alt.AltM != 50 || !alt.Clamped {
		t.Errorf("free space best altitude %+v %v: want the lowest", alt, err)
	}
}

func TestBestAltitudeClamps(t *testing.T) {
	m, _ := NewModel(Environments()[1], 800)
	a, err := m.BestAltitude(116, 50, 300)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Clamped || a.AltM != 300 || a.OptimalAltM <= 300 || a.RadiusM >= a.OptimalRadiusM {
		t.Errorf("%+v", a)
	}
	if _, err := m.BestAltitude(116, 300, 50); !errors.Is(err, ErrNoFeasibleAlt) {
		t.Errorf("inverted limits: %v", err)
	}
	if _, err := NewModel(Environment{Name: "x", A: math.NaN()}, 800); !errors.Is(err, ErrBadParameter) {
		t.Errorf("NaN parameter: %v", err)
	}
}

func TestBuiltinProfilesRadii(t *testing.T) {
	env, _ := EnvironmentByName(EnvSuburban)
	ps := BuiltinProfiles()
	for _, c := range []struct {
		name   string
		lo, hi float64 // public radius, m
	}{
		{ProfileTethered, 1500, 3000},
		{ProfileHeavy, 1500, 3500},
		{ProfileFixedWing, 5000, 7000},
	} {
		p, ok := ps[c.name]
		if !ok {
			t.Fatalf("no profile %s", c.name)
		}
		cells, err := p.PlanCells(env, Public)
		if err != nil {
			t.Fatal(err)
		}
		lo, hi, _ := p.Limits.AltRange()
		if cells.AltM < lo || cells.AltM > hi {
			t.Errorf("%s: altitude %v outside [%v, %v]", c.name, cells.AltM, lo, hi)
		}
		if cells.PublicRadiusM < c.lo || cells.PublicRadiusM > c.hi {
			t.Errorf("%s: public radius %.0f m, want %v-%v", c.name, cells.PublicRadiusM, c.lo, c.hi)
		}
		if !p.Carries(Private) {
			// the fixed-wing relay carries a public cell only
			if cells.PrivateRadiusM != 0 {
				t.Errorf("%s: private radius %.0f m without a private cell", c.name, cells.PrivateRadiusM)
			}
			if _, err := p.PlanCells(env, Private); !errors.Is(err, ErrBadParameter) {
				t.Errorf("%s: planning a private cell it lacks: %v", c.name, err)
			}
			continue
		}
		if !(cells.PrivateRadiusM > 0 && cells.PrivateRadiusM < cells.PublicRadiusM) {
			t.Errorf("%s: private radius %.0f m vs public %.0f m", c.name, cells.PrivateRadiusM, cells.PublicRadiusM)
		}
	}
	if _, err := ProfileByName("zeppelin"); !errors.Is(err, ErrUnknownProfile) {
		t.Errorf("unknown profile: %v", err)
	}
}
