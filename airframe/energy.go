package airframe

import (
	"math"
	"time"
)

// AvionicsW is what the autopilot, radios and sensors draw whenever the
// drone is powered.
const AvionicsW = 15.0

// Wind is the air mass: a steady wind plus gusts.
type Wind struct {
	// SpeedMS is the steady wind speed and FromDeg the direction it blows
	// from (meteorological, degrees).
	SpeedMS float64 `yaml:"speed" json:"speed_m_s"`
	FromDeg float64 `yaml:"from" json:"from_deg"`
	// GustMS is the standard deviation of the gusts on each horizontal axis.
	GustMS float64 `yaml:"gust" json:"gust_m_s"`
}

// PeakMS is the gust peak a drone must expect to meet: the steady wind plus
// two and a half standard deviations of the gusts.
func (w Wind) PeakMS() float64 { return w.SpeedMS + 2.5*w.GustMS }

// Components returns the wind's component along a track of bearing
// trackDeg (positive: a tailwind) and across it.
func (w Wind) Components(trackDeg float64) (tail, cross float64) {
	to := (w.FromDeg + 180 - trackDeg) * math.Pi / 180
	return w.SpeedMS * math.Cos(to), w.SpeedMS * math.Sin(to)
}

// massFactor is how much more power the airframe needs with payloadKg on
// board: induced power grows as mass to the 3/2.
func (a *Airframe) massFactor(payloadKg float64) float64 {
	if payloadKg <= 0 || a.MassKg <= 0 {
		return 1
	}
	return math.Pow(1+payloadKg/a.MassKg, 1.5)
}

// FlightPowerW is the power drawn by the motors flying level at airspeed
// (m/s) with payloadKg on board: for a Copter from HoverW at rest to CruiseW
// at cruise speed, quadratic in between; a Plane flies at its cruise
// airspeed whatever the wind and draws HoverW.
func (a *Airframe) FlightPowerW(airspeed, payloadKg float64) float64 {
	b := a.Battery
	r := airspeed / a.CruiseSpeed
	var p float64
	if a.Copter() {
		p = b.HoverW + (b.CruiseW-b.HoverW)*r*r
	} else {
		p = b.HoverW * r * r
	}
	return p * a.massFactor(payloadKg)
}

// CellsPowerW is what the carried base stations draw when all are on.
func (a *Airframe) CellsPowerW() float64 {
	var p float64
	for _, c := range a.Cells {
		p += c.PowerW
	}
	return p
}

// HoldPowerW is the mean power drawn holding a post in wind w with payloadKg
// on board and the cells on: a multirotor holds against the air, whose
// mean square speed is the steady wind's square plus the gusts' variance
// on both axes; a fixed wing loiters at cruise airspeed.
func (a *Airframe) HoldPowerW(w Wind, payloadKg float64) float64 {
	air := a.CruiseSpeed
	if a.Copter() {
		air = math.Sqrt(w.SpeedMS*w.SpeedMS + 2*w.GustMS*w.GustMS)
	}
	return a.FlightPowerW(air, payloadKg) + a.CellsPowerW() + AvionicsW
}

// UsableWh is the energy from a full battery down to the reserve.
func (a *Airframe) UsableWh() float64 {
	return a.Battery.CapacityWh * (1 - a.Battery.ReservePct/100)
}

// HoldEndurance is the time a drone holds a post from a full battery down
// to the reserve, in wind w with payloadKg on board and the cells on. It is
// 0 for a tethered drone, which flies on ground power.
func (a *Airframe) HoldEndurance(w Wind, payloadKg float64) time.Duration {
	if a.Tethered() {
		return 0
	}
	return hours(a.UsableWh() / a.HoldPowerW(w, payloadKg))
}

// GroundSpeed is the speed over the ground flying at cruise airspeed along
// a track with the wind's components tail (positive: from behind) and
// cross; 0 where the airframe makes no headway.
func (a *Airframe) GroundSpeed(tail, cross float64) float64 {
	c := a.CruiseSpeed
	if math.Abs(cross) >= c {
		return 0
	}
	return math.Max(0, math.Sqrt(c*c-cross*cross)+tail)
}

// Post is a base-station post to hold: how far it is from the launch site,
// on what bearing, and how high above the site.
type Post struct {
	DistM      float64
	BearingDeg float64
	AltM       float64
}

// Rotation is how a battery airframe keeps a post served: each drone flies
// out (Out), holds (OnStation), flies back (Back) and gets a fresh battery
// (Swap); Drones drones in turn keep the post served continuously.
type Rotation struct {
	Out, OnStation, Back, Swap time.Duration
	// Drones is how many drones keep the post served without a gap; 0 when
	// the airframe cannot hold it at all (it would arrive with too little
	// left, or cannot make headway against the wind), 1 for a tethered
	// drone or an endurance longer than horizon.
	Drones int
	// Reason says why the post cannot be held, when Drones is 0.
	Reason string
}

// Cycle is one drone's turn: out, on station, back and the swap.
func (r Rotation) Cycle() time.Duration { return r.Out + r.OnStation + r.Back + r.Swap }

// MinOnStation is the least time on station that makes a post worth a
// sortie: a post the airframe cannot serve that long is unholdable.
const MinOnStation = 2 * time.Minute

// Rotation works out how the airframe holds post p in wind w with
// payloadKg on board over horizon: the transit both ways at cruise airspeed
// against or with the wind, the climb, the reserve, and the ground crew's
// swap. Wind beyond the airframe's limits makes the post unholdable.
func (a *Airframe) Rotation(p Post, w Wind, payloadKg float64, horizon time.Duration) Rotation {
	if !a.HoldsIn(w) {
		return Rotation{Reason: "wind beyond the airframe's limits"}
	}
	if a.Tethered() {
		return Rotation{OnStation: horizon, Drones: 1}
	}
	tail, cross := w.Components(p.BearingDeg)
	out, back := a.GroundSpeed(tail, cross), a.GroundSpeed(-tail, cross)
	if p.DistM > 0 && (out <= 0.5 || back <= 0.5) {
		return Rotation{Reason: "no headway against the wind"}
	}
	var tOut, tBack float64
	if p.DistM > 0 {
		tOut, tBack = p.DistM/out, p.DistM/back
	}
	climb := math.Max(0, p.AltM) / a.ClimbRate
	descent := math.Max(0, p.AltM) / a.DescentRate
	cruise := a.FlightPowerW(a.CruiseSpeed, payloadKg) + AvionicsW
	spent := cruise*(tOut+tBack)/3600 + (a.FlightPowerW(0, payloadKg)+a.Battery.ClimbW+AvionicsW)*climb/3600 +
		(a.FlightPowerW(0, payloadKg)+AvionicsW)*descent/3600
	left := a.UsableWh() - spent
	r := Rotation{Out: seconds(tOut + climb), Back: seconds(tBack + descent), Swap: a.Battery.Swap}
	if left <= 0 {
		r.Reason = "too far to reach and return on one battery"
		return r
	}
	r.OnStation = hours(left / a.HoldPowerW(w, payloadKg))
	if r.OnStation < MinOnStation {
		r.Reason = "less than 2 minutes on station"
		r.OnStation = 0
		return r
	}
	if r.OnStation >= horizon {
		r.Drones = 1
		return r
	}
	// The relief leaves so as to arrive as the drone on station turns home:
	// each drone serves OnStation of every Cycle.
	r.Drones = int(math.Ceil(r.Cycle().Seconds() / r.OnStation.Seconds()))
	return r
}

// Load is the drones post costs over the horizon the rotation was worked
// out for: each drone serves OnStation of every Cycle, and its relief is
// launched margin early to be sure to be on station in time, so a post
// costs (Cycle+margin)/OnStation drones; 1 when one drone holds it
// throughout (tethered, or outlasting the horizon); 0 when it cannot be
// held.
//
// The controller plans with it and the simulator's upper bound counts
// with it: both must agree on how many drones a post's rotation keeps
// busy, or the drones waiting for their turn count as idle.
func (r Rotation) Load(margin time.Duration) float64 {
	switch {
	case r.Drones == 0:
		return 0
	case r.Drones == 1:
		return 1
	}
	return (r.Cycle() + margin).Seconds() / r.OnStation.Seconds()
}

// Posts is how many posts n drones of one airframe are given when each
// post costs load drones (Rotation.Load): the nearest whole number to
// n/load, at least one and at most n; 0 with no drone (under half of
// one) or a post that cannot be held (load 0). More posts than the drones
// keep served add nothing, fewer leave drones idle: rounded up, the
// posts are served intermittently. The drones beyond the posts'
// holders are their reliefs, waiting on the ground for their turn.
func Posts(n, load float64) int {
	if !(load > 0) || n < 0.5 {
		return 0
	}
	return max(1, min(int(math.Round(n/load)), int(math.Floor(n+1e-9))))
}

// HoldsIn reports whether the airframe holds a post in wind w: the steady
// wind and the gust peak within its limits, tethered or free.
func (a *Airframe) HoldsIn(w Wind) bool {
	lim := a.WindLimits()
	return w.SpeedMS <= lim.MaxMS && w.PeakMS() <= lim.MaxGustMS
}

// WindLimits is the wind the airframe holds position in, tethered or free.
func (a *Airframe) WindLimits() WindLimits {
	if a.Tethered() && (a.Tether.Wind.MaxMS > 0 || a.Tether.Wind.MaxGustMS > 0) {
		return a.Tether.Wind
	}
	return a.Wind
}

// HoldErrorM is how far the drone strays from the position it holds in
// gusts of w: HoldErrorS seconds of a gust three standard deviations
// strong.
func (a *Airframe) HoldErrorM(w Wind) float64 { return a.HoldErrorS * 3 * w.GustMS }

func hours(h float64) time.Duration   { return time.Duration(h * float64(time.Hour)) }
func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
