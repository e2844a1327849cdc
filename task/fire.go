package task

import (
	"fmt"
	"math"
	"time"

	"github.com/aerocell/aerocell/airframe"
	"github.com/aerocell/aerocell/coverage"
)

// How a fire is fought: the drone fills its tank at home, flies to the
// fire at SprayAltM and empties the tank over it, as many sorties as the
// litres take. Over a point a copter hovers (a fixed wing orbits at its
// loiter radius) while the pump runs (MAV_CMD_NAV_LOITER_TIME); over a
// polygon it flies passes one swath apart across the polygon, at the
// speed that spreads one tank over them, the sprayer on from the first
// pass to the last (MAV_CMD_DO_SPRAYER).

const (
	// SprayAltM is the height above the ground the sprayer's swath is
	// given for.
	SprayAltM = 10.0
	// MinSprayMS is the slowest a copter flies passes: slower, it flies
	// them again.
	MinSprayMS = 2.0
)

// FirePlan is how an airframe empties litres on a fire.
type FirePlan struct {
	Litres float64
	// Sorties is how many tanks it takes; SortieLitres what each carries
	// (the last may carry less: see LastLitres).
	Sorties      int
	SortieLitres float64
	LastLitres   float64
	// SprayTime is the time the pump runs on a full sortie, LastSprayTime
	// on the last.
	SprayTime, LastSprayTime time.Duration
	// Point is the fire's point, or the polygon's centre.
	Point LonLat
	// OrbitM is the radius flown over a point: 0 for a copter's hover.
	OrbitM float64
	// Passes are the passes over a polygon, in order and direction, each
	// [start, end]; PassesM their length with the legs between them;
	// Repeats how many times a sortie flies them; SpeedMS the speed.
	Passes  [][2]LonLat
	PassDeg float64
	PassesM float64
	Repeats int
	SpeedMS float64
	// WettedFrac is the share of the polygon a full sortie's water
	// reaches: below 1 when the passes are longer than the drone flies
	// while one tank runs out.
	WettedFrac float64
}

// PlanFire works out how a sprays litres on a fire at point, or over ring
// when it is not empty.
func PlanFire(a airframe.Airframe, point LonLat, ring []LonLat, litres float64) (FirePlan, error) {
	s := a.Sprayer
	if s == nil {
		return FirePlan{}, fieldErr("kind", "%s has no sprayer: a fire task needs a drone with a tank and pump", a.Name)
	}
	if !(s.TankL > 0 && s.PumpLPM > 0 && s.SwathM > 0) {
		return FirePlan{}, fieldErr("sprayer", "%s's sprayer needs a tank, a pump rate and a swath", a.Name)
	}
	if err := inRange("litres", litres, 0, MaxLitres, false); err != nil {
		return FirePlan{}, err
	}
	p := FirePlan{Litres: litres, Point: point, SortieLitres: math.Min(litres, s.TankL), WettedFrac: 1}
	p.Sorties = int(math.Ceil(litres/s.TankL - 1e-9))
	p.LastLitres = litres - float64(p.Sorties-1)*s.TankL
	p.SprayTime, p.LastSprayTime = s.SprayTime(p.SortieLitres), s.SprayTime(p.LastLitres)
	if len(ring) == 0 {
		if err := checkLonLat("point", point); err != nil {
			return FirePlan{}, err
		}
		if !a.Copter() {
			p.OrbitM = a.LoiterRadius
		}
		return p, nil
	}
	f, r, err := localRing("polygon", ring)
	if err != nil {
		return FirePlan{}, err
	}
	if ar := ringArea(r); ar > MaxFireAreaM2 {
		return FirePlan{}, fieldErr("polygon", "covers %.1f ha, a fire task covers %.0f ha at most", ar/1e4, MaxFireAreaM2/1e4)
	}
	p.Point = f.inv(centroid(r))
	deg := longestSide(r)
	p.PassDeg = deg
	d, n := axes(deg)
	var prev LonLat
	for k, l := range transectLines(r, deg, s.SwathM) {
		u0, u1 := l.u0, l.u1
		if k%2 == 1 {
			u0, u1 = u1, u0
		}
		a, b := add(scale(d, u0), scale(n, l.v)), add(scale(d, u1), scale(n, l.v))
		if k > 0 {
			p.PassesM += f.fwd(prev).Dist(a)
		}
		p.PassesM += a.Dist(b)
		prev = f.inv(b)
		p.Passes = append(p.Passes, [2]LonLat{f.inv(a), prev})
	}
	// One tank spread over the passes, flown again while that keeps the
	// speed at MinSprayMS or more; at most at cruise speed, wetting less.
	t := p.SprayTime.Seconds()
	p.Repeats = max(1, int(math.Ceil(t*MinSprayMS/p.PassesM-1e-9)))
	p.SpeedMS = float64(p.Repeats) * p.PassesM / t
	if p.SpeedMS > a.CruiseSpeed {
		p.SpeedMS = a.CruiseSpeed
		p.WettedFrac = a.CruiseSpeed * t / p.PassesM
	}
	return p, nil
}

// centroid is the centre of mass of an open ring.
func centroid(r coverage.Ring) coverage.Point {
	var cx, cy, a2 float64
	for i := range r {
		p, q := r[i], r[(i+1)%len(r)]
		c := p.X*q.Y - q.X*p.Y
		cx, cy, a2 = cx+(p.X+q.X)*c, cy+(p.Y+q.Y)*c, a2+c
	}
	return coverage.Point{X: cx / (3 * a2), Y: cy / (3 * a2)}
}

// String sums the fire up.
func (p FirePlan) String() string {
	s := fmt.Sprintf("%.0f L in %d sorties of %.0f L, %v of spraying each", p.Litres, p.Sorties, p.SortieLitres, p.SprayTime.Round(time.Second))
	if len(p.Passes) > 0 {
		s += fmt.Sprintf(", %d passes (%.0f m) ×%d at %.1f m/s, %.0f%% wetted", len(p.Passes), p.PassesM, p.Repeats, p.SpeedMS, 100*p.WettedFrac)
	}
	return s
}
