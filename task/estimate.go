package task

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/aerocell/aerocell/airframe"
	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/mavlink"
)

// Cost is what a task takes from one drone: the scheduler compares these
// across the fleet.
type Cost struct {
	// Reach is the time from where the drone is to the task (with the
	// take-off when it is on the ground at home), OnTask the time doing
	// it, Back the time from its end home and down.
	Reach, OnTask, Back time.Duration
	// Sorties is how many flights the task takes (a fire's tanks); Done
	// is the earliest the whole task is done, from now: each further
	// sortie flies home, swaps battery and refills (the airframe's swap
	// time), and flies out again.
	Sorties int
	Done    time.Duration
	// EnergyWh is the energy the first sortie needs, to the task, through
	// it and home; AvailableWh what the battery holds above its reserve.
	EnergyWh    float64
	AvailableWh float64
	// Enough says whether the battery suffices, and every later sortie's
	// need fits a full battery; Reason says why not.
	Enough bool
	Reason string
}

// Estimate costs task t flown by airframe a from where it is (from) with
// energyWh left in its battery, returning to home, in wind w. A drone at
// home is taken to be on the ground; anywhere else, in the air at its
// transit height. The flight is the one Mission builds, walked item by
// item: transit at cruise airspeed with the wind's components along each
// leg, slower legs (survey, passes) at their ground speed, climbs and
// descents at the airframe's rates (a copter's at the same time as its
// legs), hovers and loiters at HoldPowerW. Power is the airframe's
// FlightPowerW with the mass carried (a drop's load until released, the
// water as it is sprayed), plus avionics and the cells, which stay on
// (conservative: the scheduler may switch them off). A tethered drone
// flies on ground power: only its tether's reach limits it.
//
// opts are Mission's (WithTransitAlt: the transit height a route over
// terrain needs, climbed to after take-off and counted in Reach).
func Estimate(t Task, a airframe.Airframe, from, home LonLat, w airframe.Wind, energyWh float64, opts ...MissionOption) (Cost, error) {
	if err := checkLonLat("from", from); err != nil {
		return Cost{}, err
	}
	if !finite(energyWh) || energyWh < 0 {
		return Cost{}, fieldErr("energy_wh", "must be a finite number not below 0, got %v", energyWh)
	}
	h := Home{Pos: home}
	first, err := Mission(t, a, h, w, opts...)
	if err != nil {
		return Cost{}, err
	}
	c := Cost{Sorties: 1, AvailableWh: math.Max(0, energyWh-a.Battery.CapacityWh*a.Battery.ReservePct/100), Enough: true}
	if t.Kind == Fire {
		var pt LonLat
		if t.Point != nil {
			pt = *t.Point
		}
		p, err := PlanFire(a, pt, t.Polygon, t.Litres)
		if err != nil {
			return Cost{}, err
		}
		c.Sorties = p.Sorties
	}
	f, err := newFrame(home)
	if err != nil {
		return Cost{}, fieldErr("home", "%v", err)
	}
	fl := flight{a: a, w: w, f: f, mass: startMass(t, a)}
	fl.walk(first, from != home, f.fwd(from))
	c.Reach, c.OnTask, c.Back, c.EnergyWh = fl.reach, fl.onTask, fl.back, fl.wh
	c.Done = c.Reach + c.OnTask
	if math.IsInf(fl.wh, 0) {
		c.EnergyWh, c.Enough, c.Reason = 0, false, "no headway against the wind on the way"
		return c, nil
	}
	if a.Tethered() {
		c.EnergyWh, c.AvailableWh = 0, 0
	} else if c.EnergyWh > c.AvailableWh {
		c.Enough = false
		c.Reason = fmt.Sprintf("needs %.0f Wh, the battery holds %.0f Wh above its reserve", c.EnergyWh, c.AvailableWh)
	}
	for i := 1; i < c.Sorties; i++ {
		items, err := Mission(t, a, h, w, append(slices.Clone(opts), WithSortie(i))...)
		if err != nil {
			return Cost{}, err
		}
		s := flight{a: a, w: w, f: f, mass: sortieMass(t, a, i, c.Sorties)}
		s.walk(items, false, coverage.Point{})
		c.Done += c.Back + a.Battery.Swap + s.reach + s.onTask
		if !a.Tethered() && s.wh > a.UsableWh() && c.Enough {
			c.Enough = false
			c.Reason = fmt.Sprintf("sortie %d needs %.0f Wh, a full battery holds %.0f Wh above its reserve", i+1, s.wh, a.UsableWh())
		}
	}
	return c, nil
}

// startMass is what the drone carries when it leaves.
func startMass(t Task, a airframe.Airframe) float64 { return sortieMass(t, a, 0, 1) }

func sortieMass(t Task, a airframe.Airframe, i, n int) float64 {
	switch t.Kind {
	case Drop:
		return t.MassKg
	case Fire:
		if a.Sprayer == nil {
			return 0
		}
		if i == n-1 {
			return t.Litres - float64(n-1)*a.Sprayer.TankL
		}
		return a.Sprayer.TankL
	}
	return 0
}

// flight walks a mission's items, timing each and charging its energy.
type flight struct {
	a    airframe.Airframe
	w    airframe.Wind
	f    frame
	mass float64
	// speed is the commanded speed (0: cruise); spray the rate the tank
	// empties at (kg/s) while the sprayer is on.
	speed, spray float64
	pos          coverage.Point
	alt          float64
	t            time.Duration
	wh           float64

	reach, onTask, back time.Duration
}

func (fl *flight) charge(d time.Duration, powerW float64) {
	fl.t += d
	fl.wh += powerW * d.Hours()
}

// burn uses up water sprayed over d and returns the mean mass carried.
func (fl *flight) burn(d time.Duration) float64 {
	if fl.spray == 0 {
		return fl.mass
	}
	used := math.Min(fl.mass, fl.spray*d.Seconds())
	mean := fl.mass - used/2
	fl.mass -= used
	return mean
}

func (fl *flight) overhead() float64 { return airframe.AvionicsW + fl.a.CellsPowerW() }

// leg flies to p at alt: horizontally at the ground speed the wind
// allows, vertically at the climb or descent rate, at the same time for
// a copter.
func (fl *flight) leg(p coverage.Point, alt float64) {
	a := fl.a
	dist := fl.pos.Dist(p)
	var horiz float64
	air := a.CruiseSpeed
	if dist > 0 {
		tail, cross := fl.w.Components(bearing(p.X-fl.pos.X, p.Y-fl.pos.Y))
		gs := a.GroundSpeed(tail, cross)
		if fl.speed > 0 && fl.speed < gs && a.Copter() {
			gs = fl.speed
			air = math.Hypot(gs-tail, cross)
		}
		if gs <= 0 {
			fl.wh = math.Inf(1)
			return
		}
		horiz = dist / gs
	}
	var vert, climbW float64
	if alt > fl.alt {
		vert, climbW = (alt-fl.alt)/a.ClimbRate, a.Battery.ClimbW
	} else {
		vert = (fl.alt - alt) / a.DescentRate
	}
	// Height changes along the leg: a plane climbs or glides, a copter
	// climbs as it flies.
	d := secondsDur(math.Max(horiz, vert))
	if horiz == 0 && a.Copter() {
		air = 0 // straight up or down
	}
	m := fl.burn(d)
	fl.charge(d, a.FlightPowerW(air, m)+fl.overhead()+climbW*vert/math.Max(d.Seconds(), 1e-9))
	fl.pos, fl.alt = p, alt
}

// hover holds in place for d.
func (fl *flight) hover(d time.Duration) {
	m := fl.burn(d)
	fl.charge(d, fl.a.HoldPowerW(fl.w, m))
}

// walk flies items (item 0 home, item 1 the take-off), starting at start
// in the air at the transit height when airborne, else on the ground at
// home; it ends landed at home.
func (fl *flight) walk(items []mavlink.MissionItem, airborne bool, start coverage.Point) {
	transit := float64(items[1].Alt)
	if airborne {
		fl.pos, fl.alt = start, transit
	} else {
		fl.leg(coverage.Point{}, transit)
	}
	pt := func(it mavlink.MissionItem) coverage.Point { return fl.f.fwd(LonLat{it.Lon, it.Lat}) }
	body := items[2:]
	if n := len(body); n > 0 && body[n-1].Command == common.MAV_CMD_NAV_RETURN_TO_LAUNCH {
		body = body[:n-1]
	}
	for i, it := range body {
		switch it.Command {
		case common.MAV_CMD_NAV_WAYPOINT:
			fl.leg(pt(it), float64(it.Alt))
		case common.MAV_CMD_NAV_LOITER_TIME:
			fl.leg(pt(it), float64(it.Alt))
			fl.hover(secondsDur(float64(it.Param1)))
		case common.MAV_CMD_NAV_PAYLOAD_PLACE:
			fl.leg(pt(it), float64(it.Alt))
			down := float64(it.Param1)
			fl.hover(secondsDur(down / math.Max(fl.a.LandSpeed, 0.1)))
			fl.mass = 0
			fl.hover(secondsDur(down / fl.a.ClimbRate))
		case common.MAV_CMD_DO_CHANGE_SPEED:
			fl.speed = float64(it.Param2)
			if fl.speed >= fl.a.CruiseSpeed {
				fl.speed = 0
			}
		case common.MAV_CMD_DO_GRIPPER:
			fl.mass = 0
		case cmdDoSprayer:
			fl.spray = 0
			if it.Param1 != 0 && fl.a.Sprayer != nil {
				fl.spray = fl.a.Sprayer.PumpLPM / 60
			}
		}
		if it.Command == common.MAV_CMD_NAV_LOITER_TIME && i > 0 && body[i-1].Command == common.MAV_CMD_DO_WINCH {
			fl.mass = 0 // delivered
		}
		if i == 0 {
			fl.reach = fl.t
		}
	}
	fl.onTask = fl.t - fl.reach
	fl.leg(coverage.Point{}, fl.alt)
	fl.leg(coverage.Point{}, 0)
	fl.back = fl.t - fl.reach - fl.onTask
}
