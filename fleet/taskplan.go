package fleet

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/aerocell/aerocell/mavlink"
	"github.com/aerocell/aerocell/task"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// How one drone would fly one task: its mission (package task builds it),
// what the crew loads, and the times the scheduler weighs.

// flight is one drone's way of doing one task.
type flight struct {
	// items is the mission, item 0 the home (as ArduPilot keeps it); the
	// task is done when its last item (a NAV item) is reached.
	items []mavlink.MissionItem
	// loadKg and tankL are set by PARAM_SET (AC_LOAD_KG, AC_TANK_L) on the
	// ground before the flight; 0: nothing to load.
	loadKg, tankL float64
	// reach is the time to the task (the crew's loading and the launch
	// included), on the time doing it, back the time from its end home.
	reach, on, back time.Duration
	// sorties is how many flights the task still takes (a fire's tanks:
	// this one and the later ones); rest is the time of the later ones,
	// each home, a battery swap and refill, out again and spraying.
	sorties int
	rest    time.Duration
	// end is where the mission ends.
	end mavlink.LatLon
}

// Task flight figures.
const (
	// loadTime is a crew's time to load a drone on the ground.
	loadTime = 2 * time.Minute
	// taskMargin is the battery kept beyond the task and the flight home.
	taskMargin = 5 * time.Minute
)

// planFlight works out how d would fly t, or why it cannot: the airframe
// must do the job (package task refuses a load too heavy, a camera or
// sprayer missing, a GSD above the ceiling), every point of the mission
// must be within the drone's limits (ceiling, tether, geofence, no-fly),
// and the battery must last the task with its load, the flight home and
// a margin above the reserve.
func (l *loop) planFlight(d *drone, t *task.Task) (flight, error) {
	a := d.profile.Air
	var f flight
	lat, lon, alt := d.tel.HomeLat, d.tel.HomeLon, d.tel.HomeAlt
	if !d.tel.HomeSet {
		lat, lon, alt = d.tel.Lat, d.tel.Lon, d.tel.AltMSL-d.tel.AltRel
	}
	home := task.Home{Pos: task.LonLat{lon, lat}, AltAMSLM: alt}
	switch t.Kind {
	case task.Drop:
		f.loadKg = t.MassKg
	case task.Fire:
		f.tankL = t.Litres
		if a.Sprayer != nil {
			f.tankL = math.Min(t.Litres, a.Sprayer.TankL)
		}
	}
	from := home.Pos
	if d.airborne() {
		from = task.LonLat{d.tel.Lon, d.tel.Lat}
	}
	energy := a.Battery.CapacityWh
	if d.tel.BatteryPct >= 0 {
		energy *= float64(d.tel.BatteryPct) / 100
	}
	var opts []task.MissionOption
	if l.cfg.Terrain != nil {
		transit, err := l.taskTransit(d, t, home)
		if err != nil {
			return f, err
		}
		homeAMSL, err := l.homeAMSL(d)
		if err != nil {
			return f, err
		}
		ground := func(lon, lat float64) (float64, error) {
			g, err := l.groundM(lat, lon)
			return g - homeAMSL, err
		}
		opts = append(opts, task.WithTransitAlt(transit), task.WithGround(ground))
	}
	c, err := task.Estimate(*t, a, from, home.Pos, l.wind, energy, opts...)
	if err != nil {
		return f, err
	}
	if !c.Enough {
		return f, fmt.Errorf("%w: %s", ErrLimit, c.Reason)
	}
	f.reach, f.on, f.back = c.Reach, c.OnTask, c.Back
	f.sorties, f.rest = c.Sorties, c.Done-c.Reach-c.OnTask
	plan, err := task.PlanMission(*t, a, home, l.wind, opts...)
	if err != nil {
		return f, err
	}
	items := plan.Items
	if f.end, err = l.checkMission(d, plan); err != nil {
		return f, err
	}
	f.items = items
	if d.airborne() && len(items) > 1 {
		// The estimate starts in the air at the transit height; a holder
		// is on its station, often hundreds of metres higher or lower.
		if dz := d.tel.AltRel - float64(items[1].Alt); dz > 0 {
			f.reach += time.Duration(dz / d.profile.DescentMS * float64(time.Second))
		} else {
			f.reach += time.Duration(-dz / d.profile.ClimbMS * float64(time.Second))
		}
	}
	if !d.airborne() {
		f.reach += 15 * time.Second // mode, arm, spin up
		if f.loadKg > 0 || f.tankL > 0 {
			f.reach += loadTime
		}
	}
	if !d.profile.Tethered() {
		// The estimate's energy is the battery's nominal; the drone's own
		// figure (the autopilot's time left, the wind now) may be less.
		need := f.reach + f.on + f.back + taskMargin
		if left := l.enduranceWith(d, f.loadKg+f.tankL); left < need {
			return f, fmt.Errorf("%w: %v of battery left, the task and the flight home need %v",
				ErrLimit, left.Round(time.Minute), need.Round(time.Minute))
		}
	}
	return f, nil
}

// workTolM is how far below its job's height a job item may be: the
// altitude goes as a float32 (a few millimetres at 500 m).
const workTolM = 0.5

// approachM is the radius around a job item within which a leg into or
// out of it may come below the terrain clearance, down to the job's
// height: the final descent to a spray or a drop (a copter's is vertical
// over the point; a plane's run in is checked outside it).
const approachM = 100

// checkMission checks plan's NAV items against d's limits before the
// mission leaves, and returns where it ends. A job item (plan.WorkM > 0)
// keeps its job's height above the ground under it (a spray 10 m over a
// hillside is meant), the others d's terrain clearance (checkLimits).
// Over terrain each leg between two items is sampled over the DEM, the
// altitude going evenly from one item's to the next's: a leg between two
// job items (a spray pass, the line between passes) must stay above the
// ground, any other the terrain clearance but within approachM of a job
// item, where the job's height is enough. A leg that does not is refused
// naming the ridge in its way.
func (l *loop) checkMission(d *drone, plan task.MissionPlan) (mavlink.LatLon, error) {
	var end mavlink.LatLon
	prev := -1 // the last item with a position
	for i := 1; i < len(plan.Items); i++ {
		it := &plan.Items[i]
		switch it.Command {
		case common.MAV_CMD_NAV_WAYPOINT, common.MAV_CMD_NAV_LOITER_TIME, common.MAV_CMD_NAV_PAYLOAD_PLACE:
		case common.MAV_CMD_NAV_TAKEOFF:
			prev = i
			continue
		default:
			continue
		}
		var err error
		if w := plan.WorkM[i]; w > 0 && l.cfg.Terrain != nil {
			err = l.checkLimitsAbove(d, it.Lat, it.Lon, float64(it.Alt), w-workTolM, "job height")
		} else {
			err = l.checkLimits(d, it.Lat, it.Lon, float64(it.Alt))
		}
		if err == nil && prev >= 0 && l.cfg.Terrain != nil {
			err = l.checkLeg(d, plan, prev, i)
		}
		if err != nil {
			return end, fmt.Errorf("mission item %d: %w", i, err)
		}
		prev = i
		end = mavlink.LatLon{Lat: it.Lat, Lon: it.Lon}
	}
	return end, nil
}

// checkLeg checks the leg from plan's item i to item j over the DEM (see
// checkMission).
func (l *loop) checkLeg(d *drone, plan task.MissionPlan, i, j int) error {
	home, err := l.homeAMSL(d)
	if err != nil {
		return err
	}
	a, b := plan.Items[i], plan.Items[j]
	wa, wb := plan.WorkM[i], plan.WorkM[j]
	clear := d.profile.Air.TerrainClearanceM
	n := int(math.Ceil(distanceM(a.Lat, a.Lon, b.Lat, b.Lon) / routeStepM))
	n = min(max(n, 1), maxRouteSamples)
	for k := 0; k <= n; k++ {
		f := float64(k) / float64(n)
		lat, lon := a.Lat+f*(b.Lat-a.Lat), a.Lon+f*(b.Lon-a.Lon)
		alt := float64(a.Alt) + f*float64(b.Alt-a.Alt)
		need, what := clear, "terrain clearance"
		switch {
		case wa > 0 && wb > 0:
			need, what = 0, "the ground"
		case wa > 0 && distanceM(a.Lat, a.Lon, lat, lon) <= approachM:
			need, what = min(clear, wa-workTolM), "job height"
		case wb > 0 && distanceM(b.Lat, b.Lon, lat, lon) <= approachM:
			need, what = min(clear, wb-workTolM), "job height"
		}
		g, err := l.groundM(lat, lon)
		if err != nil {
			return err
		}
		if agl := home + alt - g; agl < need {
			top := ridge{lat, lon, g}
			if need == 0 {
				return fmt.Errorf("%w: the ridge at %s is in the way of the leg from item %d: drone %d would fly %.0f m below its top",
					ErrLimit, top, i, d.id, -agl)
			}
			return fmt.Errorf("%w: the ridge at %s is in the way of the leg from item %d: drone %d would fly %.0f m above it, below its %s of %.0f m",
				ErrLimit, top, i, d.id, agl, what, need)
		}
	}
	return nil
}

// taskTransit is the height above home d's mission for t transits at over
// the terrain (Config.Terrain): its airframe's RTL altitude, or higher
// when a ridge on the way needs it (the routes from home, and from d in
// the air, to each of the task's points, and along its polygon, with the
// terrain clearance kept; a cruise margin above that once it climbs). The climb is then in the
// mission, and in the estimate of its time and energy.
func (l *loop) taskTransit(d *drone, t *task.Task, home task.Home) (float64, error) {
	a := d.profile.Air
	pts := slices.Clone(t.Polygon)
	if t.Point != nil {
		pts = append(pts, *t.Point)
	}
	type leg struct{ from, to task.LonLat }
	var legs []leg
	for i, p := range pts {
		legs = append(legs, leg{home.Pos, p})
		if d.airborne() {
			legs = append(legs, leg{task.LonLat{d.tel.Lon, d.tel.Lat}, p})
		}
		if i > 0 {
			legs = append(legs, leg{pts[i-1], p})
		}
	}
	transit := a.RTLAlt
	for _, g := range legs {
		v := *d // as if at the leg's start: its home altitude stays d's
		v.tel.Lat, v.tel.Lon = g.from[1], g.from[0]
		need, top, err := l.routeNeed(&v, g.to[1], g.to[0])
		if err != nil {
			return 0, err
		}
		if need > a.Ceiling {
			return 0, fmt.Errorf("%w: the ridge at %s on the way to %s needs %.0f m above home, above drone %d's ceiling of %.0f m",
				ErrLimit, top, t.ID, need, d.id, a.Ceiling)
		}
		if need > transit {
			transit = math.Min(math.Ceil(need+cruiseMarginM), a.Ceiling)
		}
	}
	return transit, nil
}

// enduranceWith is d's flight time left before its reserve carrying massKg.
func (l *loop) enduranceWith(d *drone, massKg float64) time.Duration {
	left := l.enduranceLeft(d)
	if massKg <= 0 {
		return left
	}
	a := d.profile.Air
	k := float64(a.HoldEndurance(l.wind, massKg)) / float64(a.HoldEndurance(l.wind, 0))
	return time.Duration(float64(left) * k)
}
