package task

import (
	"fmt"
	"math"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/ardupilotmega"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/aerocell/aerocell/airframe"
	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/mavlink"
)

// Home is where a drone takes off and returns to: its position and its
// height above mean sea level. A mission's altitudes are relative to it
// (the ground is taken as flat at home's height).
type Home struct {
	Pos      LonLat
	AltAMSLM float64
}

// MaxMissionItems is the most items a mission may have: what ArduPilot
// stores on a board with 16 kB of mission storage, and what the
// simulator accepts.
const MaxMissionItems = 700

// cmdDoSprayer is ArduPilot's MAV_CMD_DO_SPRAYER (216), not in the common
// dialect the link layer types its commands with.
const cmdDoSprayer = common.MAV_CMD(ardupilotmega.MAV_CMD_DO_SPRAYER)

// MissionOption changes how Mission builds a mission.
type MissionOption func(*missionOpts)

type missionOpts struct {
	rtl      bool
	sortie   int
	transitM float64
	survey   SurveyOptions
}

// WithRTL ends the mission with NAV_RETURN_TO_LAUNCH; without it the
// mission ends over the task and the fleet takes the drone back (GUIDED).
func WithRTL() MissionOption { return func(o *missionOpts) { o.rtl = true } }

// WithSortie builds the i-th (from 0) sortie of a fire task: the last one
// sprays what is left.
func WithSortie(i int) MissionOption { return func(o *missionOpts) { o.sortie = i } }

// WithTransitAlt sets the height above home the drone transits at
// (default: the airframe's RTL altitude, or the task's height if higher).
func WithTransitAlt(m float64) MissionOption { return func(o *missionOpts) { o.transitM = m } }

// WithSurvey sets the survey's options (its speed and ceiling are filled
// from the airframe when zero).
func WithSurvey(s SurveyOptions) MissionOption {
	return func(o *missionOpts) { o.survey = s }
}

// mission builds the item list.
type mission struct {
	items []mavlink.MissionItem
}

func (m *mission) nav(cmd common.MAV_CMD, p LonLat, altRel float64, params ...float32) {
	it := mavlink.MissionItem{Frame: common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT, Command: cmd, Autocontinue: true,
		Lat: p[1], Lon: p[0], Alt: float32(altRel)}
	setParams(&it, params)
	m.items = append(m.items, it)
}

func (m *mission) wp(p LonLat, altRel float64) { m.nav(common.MAV_CMD_NAV_WAYPOINT, p, altRel) }

func (m *mission) do(cmd common.MAV_CMD, params ...float32) {
	it := mavlink.MissionItem{Frame: common.MAV_FRAME_MISSION, Command: cmd, Autocontinue: true}
	setParams(&it, params)
	m.items = append(m.items, it)
}

// arrive flies to p at the transit height and down (or up) to alt there.
// A copter does it over p; a fixed wing cannot, so it starts the change
// of height back along bearing deg, far enough to make it at its descent
// (or climb) rate, and arrives at p at alt on that bearing.
func (m *mission) arrive(a airframe.Airframe, p LonLat, transit, alt, deg float64) error {
	if a.Copter() {
		m.wp(p, transit)
		m.wp(p, alt)
		return nil
	}
	rate := a.DescentRate
	if alt > transit {
		rate = a.ClimbRate
	}
	run := math.Abs(transit-alt)/rate*a.CruiseSpeed + 2*a.LoiterRadius
	f, err := newFrame(p)
	if err != nil {
		return err
	}
	m.wp(f.inv(offset(coverage.Point{}, deg, -run)), transit)
	m.wp(p, alt)
	return nil
}

func setParams(it *mavlink.MissionItem, p []float32) {
	for i, dst := range []*float32{&it.Param1, &it.Param2, &it.Param3, &it.Param4} {
		if i < len(p) {
			*dst = p[i]
		}
	}
}

// Mission builds the mission that flies task t with airframe a from home
// in wind w, as MISSION_ITEM_INTs: item 0 is home (the autopilot keeps it
// there), then NAV_TAKEOFF to the transit height, the transit, the job,
// and a climb back to the transit height over the job (WithRTL: then
// RTL). Altitudes are relative to home (MAV_FRAME_GLOBAL_RELATIVE_ALT);
// DO commands are in MAV_FRAME_MISSION. Every altitude is checked against
// the airframe's ceiling, and a tethered airframe's every waypoint against
// its tether's reach, before the mission is handed out.
//
// The jobs:
//   - winch: a waypoint over the point, DO_WINCH (instance 1,
//     WINCH_DELIVER, line length, rate: the spec says DELIVER uses the
//     instance and action only; length and rate say what is expected),
//     then NAV_LOITER_TIME while the line goes down and comes back;
//   - gripper: over the point, down to GripperReleaseAltM, DO_GRIPPER
//     (instance 1, GRIPPER_ACTION_RELEASE), a 2 s wait;
//   - place: NAV_PAYLOAD_PLACE at the point (param 1: the most it may
//     descend, the hold height);
//   - bay: a straight pass at the hold height into the wind, from an
//     approach point through the release point, DO_GRIPPER release when
//     it is reached, out past it;
//   - survey: DO_CHANGE_SPEED to the camera's speed, then each transect's
//     lead-in, entry, DO_SET_CAM_TRIGG_DIST (trigger distance, shutter
//     unchanged, one photo at once), exit, DO_SET_CAM_TRIGG_DIST 0 and
//     lead-out (so no photo is taken in the turns, as QGroundControl does
//     with "images in turnarounds" off), DO_CHANGE_SPEED back to cruise;
//   - fire: over the point at SprayAltM, DO_SPRAYER on, NAV_LOITER_TIME
//     for the spray time (a plane orbits at its loiter radius), DO_SPRAYER
//     off; over a polygon the passes (Repeats times) at the spreading
//     speed between DO_SPRAYER on and off.
func Mission(t Task, a airframe.Airframe, home Home, w airframe.Wind, opts ...MissionOption) ([]mavlink.MissionItem, error) {
	var o missionOpts
	for _, f := range opts {
		f(&o)
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if err := checkLonLat("home", home.Pos); err != nil {
		return nil, err
	}
	if !finite(home.AltAMSLM) {
		return nil, fieldErr("home", "altitude must be finite, got %v", home.AltAMSLM)
	}
	if err := checkWind(a, w); err != nil {
		return nil, err
	}
	transit := o.transitM
	if transit == 0 {
		transit = a.RTLAlt
	}
	if err := inRange("transit_alt", transit, 0, a.Ceiling, false); err != nil {
		return nil, err
	}
	m := &mission{}
	m.items = append(m.items, mavlink.MissionItem{Frame: common.MAV_FRAME_GLOBAL, Command: common.MAV_CMD_NAV_WAYPOINT,
		Autocontinue: true, Lat: home.Pos[1], Lon: home.Pos[0], Alt: float32(home.AltAMSLM)})
	var takeoffPitch float32
	if !a.Copter() {
		takeoffPitch = 15 // Plane: the minimum pitch of the climb out
	}
	m.nav(common.MAV_CMD_NAV_TAKEOFF, home.Pos, transit, takeoffPitch)
	var last LonLat
	var alt float64
	var err error
	switch t.Kind {
	case Drop:
		last, alt, err = m.drop(t, a, w, transit)
	case Survey:
		last, alt, err = m.survey(t, a, transit, o)
	case Fire:
		last, alt, err = m.fire(t, a, transit, o)
	}
	if err != nil {
		return nil, err
	}
	// Back up to the transit height (or stay at the job's, if higher).
	m.wp(last, math.Max(transit, alt))
	if o.rtl {
		m.nav(common.MAV_CMD_NAV_RETURN_TO_LAUNCH, LonLat{}, 0)
		m.items[len(m.items)-1].Frame = common.MAV_FRAME_MISSION
	}
	if err := m.check(a, home, w); err != nil {
		return nil, err
	}
	return m.items, nil
}

func (m *mission) drop(t Task, a airframe.Airframe, w airframe.Wind, transit float64) (LonLat, float64, error) {
	p, err := PlanDrop(a, *t.Point, t.MassKg, w, 0)
	if err != nil {
		return LonLat{}, 0, err
	}
	pt := *t.Point
	switch p.Release {
	case airframe.ReleaseWinch:
		if err := m.arrive(a, pt, transit, p.HoldAltM, 0); err != nil {
			return LonLat{}, 0, err
		}
		m.do(common.MAV_CMD_DO_WINCH, 1, float32(common.WINCH_DELIVER), float32(p.LineM), WinchRateMS)
		m.nav(common.MAV_CMD_NAV_LOITER_TIME, pt, p.HoldAltM, float32(p.OnPoint.Seconds()))
	case airframe.ReleaseGripper:
		if err := m.arrive(a, pt, transit, p.HoldAltM, 0); err != nil {
			return LonLat{}, 0, err
		}
		m.wp(pt, p.ReleaseAltM)
		m.do(common.MAV_CMD_DO_GRIPPER, 1, float32(common.GRIPPER_ACTION_RELEASE))
		m.nav(common.MAV_CMD_NAV_LOITER_TIME, pt, p.ReleaseAltM, 2)
	case airframe.ReleasePlace:
		m.wp(pt, transit)
		m.nav(common.MAV_CMD_NAV_PAYLOAD_PLACE, pt, p.HoldAltM, float32(p.HoldAltM))
	case airframe.ReleaseBay:
		f, err := newFrame(p.ReleasePoint)
		if err != nil {
			return LonLat{}, 0, err
		}
		// A straight run of two loiter diameters (1 km at least) before
		// the release, so the plane is level and on track when it opens.
		run := math.Max(1000, 4*a.LoiterRadius)
		approach := f.inv(offset(coverage.Point{}, p.TrackDeg, -run))
		out := f.inv(offset(coverage.Point{}, p.TrackDeg, run/2))
		if err := m.arrive(a, approach, transit, p.HoldAltM, p.TrackDeg); err != nil {
			return LonLat{}, 0, err
		}
		m.wp(p.ReleasePoint, p.HoldAltM)
		m.do(common.MAV_CMD_DO_GRIPPER, 1, float32(common.GRIPPER_ACTION_RELEASE))
		m.wp(out, p.HoldAltM)
		return out, p.HoldAltM, nil
	}
	return pt, p.HoldAltM, nil
}

func (m *mission) survey(t Task, a airframe.Airframe, transit float64, o missionOpts) (LonLat, float64, error) {
	p, err := PlanSurveyFor(t, a, o.survey)
	if err != nil {
		return LonLat{}, 0, err
	}
	if n := 6*len(p.Transects) + 8; n > MaxMissionItems {
		return LonLat{}, 0, fieldErr("polygon", "the survey's %d transects need %d mission items, more than %d: split the polygon or raise gsd_cm", len(p.Transects), n, MaxMissionItems)
	}
	if err := m.arrive(a, p.Transects[0].LeadIn, transit, p.AltM, p.AngleDeg); err != nil {
		return LonLat{}, 0, err
	}
	m.do(common.MAV_CMD_DO_CHANGE_SPEED, 1, float32(p.SpeedMS), -1)
	for _, tr := range p.Transects {
		m.wp(tr.LeadIn, p.AltM)
		m.wp(tr.Entry, p.AltM)
		m.do(common.MAV_CMD_DO_SET_CAM_TRIGG_DIST, float32(p.TriggerM), 0, 1)
		m.wp(tr.Exit, p.AltM)
		m.do(common.MAV_CMD_DO_SET_CAM_TRIGG_DIST, 0, 0, 0)
		m.wp(tr.LeadOut, p.AltM)
	}
	m.do(common.MAV_CMD_DO_CHANGE_SPEED, 1, float32(a.CruiseSpeed), -1)
	return p.Transects[len(p.Transects)-1].LeadOut, p.AltM, nil
}

func (m *mission) fire(t Task, a airframe.Airframe, transit float64, o missionOpts) (LonLat, float64, error) {
	var pt LonLat
	if t.Point != nil {
		pt = *t.Point
	}
	p, err := PlanFire(a, pt, t.Polygon, t.Litres)
	if err != nil {
		return LonLat{}, 0, err
	}
	if o.sortie < 0 || o.sortie >= p.Sorties {
		return LonLat{}, 0, fieldErr("sortie", "must be within 0-%d, got %d", p.Sorties-1, o.sortie)
	}
	spray := p.SprayTime
	if o.sortie == p.Sorties-1 {
		spray = p.LastSprayTime
	}
	if len(p.Passes) == 0 {
		if err := m.arrive(a, pt, transit, SprayAltM, 0); err != nil {
			return LonLat{}, 0, err
		}
		m.do(cmdDoSprayer, 1)
		m.nav(common.MAV_CMD_NAV_LOITER_TIME, pt, SprayAltM, float32(spray.Seconds()), 0, float32(p.OrbitM))
		m.do(cmdDoSprayer, 0)
		return pt, SprayAltM, nil
	}
	if n := 2*len(p.Passes)*p.Repeats + 12; n > MaxMissionItems {
		return LonLat{}, 0, fieldErr("polygon", "the fire's passes need %d mission items, more than %d", n, MaxMissionItems)
	}
	if err := m.arrive(a, p.Passes[0][0], transit, SprayAltM, p.PassDeg); err != nil {
		return LonLat{}, 0, err
	}
	m.do(common.MAV_CMD_DO_CHANGE_SPEED, 1, float32(p.SpeedMS), -1)
	m.do(cmdDoSprayer, 1)
	var end LonLat
	for range p.Repeats {
		for _, ps := range p.Passes {
			m.wp(ps[0], SprayAltM)
			m.wp(ps[1], SprayAltM)
			end = ps[1]
		}
	}
	m.do(cmdDoSprayer, 0)
	m.do(common.MAV_CMD_DO_CHANGE_SPEED, 1, float32(a.CruiseSpeed), -1)
	return end, SprayAltM, nil
}

// check refuses a mission that leaves the airframe's limits: an altitude
// above its ceiling, a waypoint beyond a tethered drone's reach, too many
// items.
func (m *mission) check(a airframe.Airframe, home Home, w airframe.Wind) error {
	if len(m.items) > MaxMissionItems {
		return fieldErr("kind", "the mission has %d items, more than %d", len(m.items), MaxMissionItems)
	}
	f, err := newFrame(home.Pos)
	if err != nil {
		return fieldErr("home", "%v", err)
	}
	reach := a.ReachM(w)
	for i, it := range m.items[1:] {
		if it.Frame != common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT {
			continue
		}
		if float64(it.Alt) > a.Ceiling {
			return fieldErr(fmt.Sprintf("mission[%d]", i+1), "%.0f m above home is over %s's ceiling of %.0f m", it.Alt, a.Name, a.Ceiling)
		}
		if a.Tethered() {
			p := f.fwd(LonLat{it.Lon, it.Lat})
			if slant := math.Hypot(math.Hypot(p.X, p.Y), float64(it.Alt)); slant > reach {
				return fieldErr(fmt.Sprintf("mission[%d]", i+1), "%.0f m from the tether's ground station, %s reaches %.0f m in this wind", slant, a.Name, reach)
			}
		}
	}
	return nil
}
