package task

import (
	"fmt"
	"math"
	"time"

	"github.com/aerocell/aerocell/airframe"
	"github.com/aerocell/aerocell/coverage"
)

// How a drop is flown, by release:
//   - winch: the drone hovers at the hold height over the point and the
//     winch lowers the load on its line to the ground, lets it go at
//     touchdown and reels in (MAV_CMD_DO_WINCH, WINCH_DELIVER);
//   - gripper: the drone comes down to GripperReleaseAltM over the point
//     and opens the gripper (MAV_CMD_DO_GRIPPER);
//   - place: the drone lands the load and releases it on touchdown
//     (MAV_CMD_NAV_PAYLOAD_PLACE);
//   - bay: a fixed wing flies a pass into the wind at the hold height and
//     opens its bay at the release point, upwind of the target by the
//     load's fall: see fall.

// The constants of a drop.
const (
	// WinchRateMS is the speed the winch pays the line out and reels it in
	// (ArduPilot's WINCH_RATE_MAX default).
	WinchRateMS = 1.0
	// WinchTouchdown is the time the load takes to settle and the hook to
	// let go once on the ground.
	WinchTouchdown = 5 * time.Second
	// GripperReleaseAltM is how high a gripper lets a load go: it lands at
	// about 6 m/s.
	GripperReleaseAltM = 2.0
	// DropHoldAltM is the height a copter arrives over a drop at, and
	// BayDropAltM the height a fixed wing passes at, unless told.
	DropHoldAltM = 30.0
	BayDropAltM  = 100.0
	// The bay drop's errors (one standard deviation): the wind as the
	// drone measures it, the bay opening late or early, and the plane's
	// position.
	windEstimateErrMS = 1.0
	releaseJitter     = 100 * time.Millisecond
	navErrM           = 2.0
	// parcelDensity and parcelCd describe a load of supplies: a dense
	// cube (water, food, medicine: about 500 kg/m³) with a cube's drag
	// coefficient.
	parcelDensity = 500.0
	parcelCd      = 1.05
	airDensity    = 1.225
	gravity       = 9.80665
)

// DropPlan is how an airframe puts a load down on a point.
type DropPlan struct {
	Release airframe.Release
	Target  LonLat
	MassKg  float64
	// HoldAltM is the height above the ground the drone arrives over the
	// point at (copter) or passes at (bay).
	HoldAltM float64
	// LineM is the winch line paid out to reach the ground.
	LineM float64
	// ReleasePoint and ReleaseAltM are where the load leaves the drone:
	// over the target for a copter, upwind of it for a bay.
	ReleasePoint LonLat
	ReleaseAltM  float64
	// TrackDeg is the bay pass's ground track (into the wind) and
	// GroundSpeedMS the plane's speed along it.
	TrackDeg      float64
	GroundSpeedMS float64
	// FallTime is the load's fall from the release, ThrowM the ground
	// distance it covers meanwhile (forward throw and wind drift).
	FallTime time.Duration
	ThrowM   float64
	// ImpactErrorM is the expected miss, one standard deviation.
	ImpactErrorM float64
	// OnPoint is the time spent at the point: descending, lowering or
	// placing, and climbing back (0 for a pass).
	OnPoint time.Duration
}

// DefaultDropAltM is the height a drop is flown at with release r.
func DefaultDropAltM(r airframe.Release) float64 {
	if r == airframe.ReleaseBay {
		return BayDropAltM
	}
	return DropHoldAltM
}

// PlanDrop works out how a puts massKg down on point in wind w, arriving
// at holdAltM above the ground (0: DefaultDropAltM).
func PlanDrop(a airframe.Airframe, point LonLat, massKg float64, w airframe.Wind, holdAltM float64) (DropPlan, error) {
	if err := checkLonLat("point", point); err != nil {
		return DropPlan{}, err
	}
	if err := inRange("mass_kg", massKg, 0, MaxMassKg, false); err != nil {
		return DropPlan{}, err
	}
	r, err := a.CanDrop(massKg)
	if err != nil {
		return DropPlan{}, fieldErr("mass_kg", "%v", err)
	}
	if err := checkWind(a, w); err != nil {
		return DropPlan{}, err
	}
	if holdAltM == 0 {
		holdAltM = DefaultDropAltM(r)
	}
	if err := inRange("hold_alt", holdAltM, GripperReleaseAltM, a.Ceiling, false); err != nil {
		return DropPlan{}, err
	}
	p := DropPlan{Release: r, Target: point, MassKg: massKg, HoldAltM: holdAltM, ReleasePoint: point, ReleaseAltM: holdAltM}
	// A copter holds over the point within its hold error; the load on a
	// line swings by about as much again.
	hold := math.Hypot(a.HoldErrorM(w), navErrM)
	vert := func(down float64) time.Duration { // descend and climb back
		return secondsDur(down/a.DescentRate + down/a.ClimbRate)
	}
	switch r {
	case airframe.ReleaseWinch:
		p.LineM = holdAltM
		p.ImpactErrorM = math.Sqrt2 * hold
		p.OnPoint = secondsDur(2*p.LineM/WinchRateMS) + WinchTouchdown
	case airframe.ReleaseGripper:
		p.ReleaseAltM = GripperReleaseAltM
		p.FallTime = secondsDur(math.Sqrt(2 * GripperReleaseAltM / gravity))
		p.ImpactErrorM = hold
		p.OnPoint = vert(holdAltM - GripperReleaseAltM)
	case airframe.ReleasePlace:
		p.ReleaseAltM = 0
		p.ImpactErrorM = hold
		p.OnPoint = secondsDur(holdAltM/math.Max(a.LandSpeed, 0.1) + holdAltM/a.ClimbRate) // down at the landing speed
	case airframe.ReleaseBay:
		if err := p.planBay(a, w); err != nil {
			return DropPlan{}, err
		}
	}
	return p, nil
}

func checkWind(a airframe.Airframe, w airframe.Wind) error {
	for _, v := range []float64{w.SpeedMS, w.FromDeg, w.GustMS} {
		if !finite(v) {
			return fieldErr("wind", "must be finite, got %+v", w)
		}
	}
	if w.SpeedMS < 0 || w.GustMS < 0 {
		return fieldErr("wind", "speeds must not be negative, got %+v", w)
	}
	if !a.HoldsIn(w) {
		return fieldErr("wind", "%.1f m/s gusting %.1f is beyond %s's limits", w.SpeedMS, w.PeakMS(), a.Name)
	}
	return nil
}

// planBay works out a fixed wing's drop. The pass is flown into the wind
// (the slowest ground speed, the shortest throw) at cruise airspeed. The
// load leaves with the plane's ground velocity and falls under gravity and
// quadratic drag, a force of 0.5·ρ·Cd·A·|v−w|·(v−w), through a wind w the
// same at every height: the load a cube of parcelDensity with a cube's Cd
// (fallAlong; TestFallAgainstClosedForms checks it). The miss combines, as independent errors, the
// gusts and the error of the wind estimate (each times the drift per m/s
// of wind, found by integrating again), the bay's timing jitter at the
// ground speed, and the plane's navigation error.
func (p *DropPlan) planBay(a airframe.Airframe, w airframe.Wind) error {
	p.TrackDeg = math.Mod(w.FromDeg+360, 360)
	if w.SpeedMS == 0 {
		p.TrackDeg = 0
	}
	p.GroundSpeedMS = a.GroundSpeed(-w.SpeedMS, 0)
	if p.GroundSpeedMS < 1 {
		return fieldErr("wind", "%s makes no headway into %.1f m/s", a.Name, w.SpeedMS)
	}
	along, fall := fallAlong(p.MassKg, p.HoldAltM, p.GroundSpeedMS, w.SpeedMS)
	// Drift per m/s more headwind.
	more, _ := fallAlong(p.MassKg, p.HoldAltM, p.GroundSpeedMS, w.SpeedMS+1)
	perWind := math.Abs(along - more)
	p.FallTime = secondsDur(fall)
	p.ThrowM = along
	p.ImpactErrorM = math.Sqrt(sq(perWind*w.GustMS) + sq(perWind*windEstimateErrMS) + sq(p.GroundSpeedMS*releaseJitter.Seconds()) + sq(navErrM))
	f, err := newFrame(p.Target)
	if err != nil {
		return fieldErr("point", "%v", err)
	}
	// The load lands `along` metres down track from the release.
	p.ReleasePoint = f.inv(offset(coverage.Point{}, p.TrackDeg, -along))
	return nil
}

// fallAlong integrates a load of massKg let go at altM above the ground
// with groundMS along the track, into a headwind of headMS: how far along
// the track it lands, and how long it falls. Classic Runge-Kutta in 10 ms
// steps, the landing interpolated within the last step.
func fallAlong(massKg, altM, groundMS, headMS float64) (along, t float64) {
	side := math.Cbrt(massKg / parcelDensity)
	k := 0.5 * airDensity * parcelCd * side * side / massKg
	// state: x, z, vx, vz; the air moves at -headMS along x.
	deriv := func(s [4]float64) [4]float64 {
		rx, rz := s[2]+headMS, s[3]
		sp := math.Hypot(rx, rz)
		return [4]float64{s[2], s[3], -k * sp * rx, -gravity - k*sp*rz}
	}
	step := func(s [4]float64, h float64) [4]float64 {
		k1 := deriv(s)
		k2 := deriv(axpy(s, k1, h/2))
		k3 := deriv(axpy(s, k2, h/2))
		k4 := deriv(axpy(s, k3, h))
		var out [4]float64
		for i := range s {
			out[i] = s[i] + h/6*(k1[i]+2*k2[i]+2*k3[i]+k4[i])
		}
		return out
	}
	const dt = 0.01
	s := [4]float64{0, altM, groundMS, 0}
	for t < 600 {
		n := step(s, dt)
		if n[1] <= 0 {
			f := s[1] / (s[1] - n[1])
			return s[0] + f*(n[0]-s[0]), t + f*dt
		}
		s, t = n, t+dt
	}
	return s[0], t
}

func axpy(s, d [4]float64, h float64) [4]float64 {
	for i := range s {
		s[i] += h * d[i]
	}
	return s
}

func sq(v float64) float64 { return v * v }

func secondsDur(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// String sums the drop up.
func (p DropPlan) String() string {
	if p.Release == airframe.ReleaseBay {
		return fmt.Sprintf("bay drop of %.1f kg: pass at %.0f m on %.0f° at %.1f m/s, release %.0f m short, falls %v, miss ±%.1f m",
			p.MassKg, p.HoldAltM, p.TrackDeg, p.GroundSpeedMS, p.ThrowM, p.FallTime.Round(100*time.Millisecond), p.ImpactErrorM)
	}
	return fmt.Sprintf("%s drop of %.1f kg from %.0f m, miss ±%.1f m, %v at the point", p.Release, p.MassKg, p.ReleaseAltM, p.ImpactErrorM, p.OnPoint.Round(time.Second))
}
