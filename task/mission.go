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
// (the ground is taken as flat at home's height, unless WithGround gives
// it).
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
	ground   func(lon, lat float64) (float64, error)
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

// WithGround gives the ground's height above home (metres, below home
// negative) at a point, as a DEM has it. With it each job item is flown its
// job's height above the ground under it (SprayAltM above the fire's
// ground, a drop's release height above the drop point's), converted to
// relative-home; a point whose ground is unknown refuses the mission.
// Without it the ground is taken as flat at home's height.
func WithGround(g func(lon, lat float64) (float64, error)) MissionOption {
	return func(o *missionOpts) { o.ground = g }
}

// WithSurvey sets the survey's options (its speed and ceiling are filled
// from the airframe when zero).
func WithSurvey(s SurveyOptions) MissionOption {
	return func(o *missionOpts) { o.survey = s }
}

// mission builds the item list.
type mission struct {
	items []mavlink.MissionItem
	// work is, item by item, the job's height above the ground (0: not a
	// job item).
	work []float64
	// ground is WithGround's; where names the task's field (point or
	// polygon) a ground that is unknown is reported on; err is the first
	// error met adding job items.
	ground func(lon, lat float64) (float64, error)
	where  string
	err    error
}

// MissionPlan is a mission and what each of its items is for.
type MissionPlan struct {
	Items []mavlink.MissionItem
	// WorkM is, item by item, the height above the ground the job is done
	// at there (a spray item's SprayAltM, a drop's release or hold height,
	// a survey's altitude); 0 for home, the take-off, the transit, the
	// climb out and the DO commands.
	WorkM []float64
}

// at is the altitude above home h metres above the ground at p.
func (m *mission) at(p LonLat, h float64) (float64, error) {
	if m.ground == nil {
		return h, nil
	}
	g, err := m.ground(p[0], p[1])
	if err != nil {
		return 0, fieldErr(m.where, "the ground at %.5f,%.5f is unknown: %v", p[1], p[0], err)
	}
	if !finite(g) {
		return 0, fieldErr(m.where, "the ground at %.5f,%.5f is unknown: %v m", p[1], p[0], g)
	}
	return g + h, nil
}

// job adds a NAV item h metres above the ground at p (the job's height):
// the first error it meets is kept in m.err and later ones add nothing.
func (m *mission) job(cmd common.MAV_CMD, p LonLat, h float64, params ...float32) {
	if m.err != nil {
		return
	}
	alt, err := m.at(p, h)
	if err != nil {
		m.err = err
		return
	}
	m.nav(cmd, p, alt, params...)
	m.work[len(m.work)-1] = h
}

// lastAlt is the altitude of the last NAV item.
func (m *mission) lastAlt() float64 {
	for i := len(m.items) - 1; i > 0; i-- {
		if m.items[i].Frame == common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT {
			return float64(m.items[i].Alt)
		}
	}
	return 0
}

// jobWP is a waypoint h metres above the ground at p.
func (m *mission) jobWP(p LonLat, h float64) { m.job(common.MAV_CMD_NAV_WAYPOINT, p, h) }

func (m *mission) nav(cmd common.MAV_CMD, p LonLat, altRel float64, params ...float32) {
	it := mavlink.MissionItem{Frame: common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT, Command: cmd, Autocontinue: true,
		Lat: p[1], Lon: p[0], Alt: float32(altRel)}
	setParams(&it, params)
	m.items = append(m.items, it)
	m.work = append(m.work, 0)
}

func (m *mission) wp(p LonLat, altRel float64) { m.nav(common.MAV_CMD_NAV_WAYPOINT, p, altRel) }

func (m *mission) do(cmd common.MAV_CMD, params ...float32) {
	it := mavlink.MissionItem{Frame: common.MAV_FRAME_MISSION, Command: cmd, Autocontinue: true}
	setParams(&it, params)
	m.items = append(m.items, it)
	m.work = append(m.work, 0)
}

// arrive flies to p at the transit height and down (or up) to h metres
// above the ground there. A copter does it over p; a fixed wing cannot, so
// it starts the change of height back along bearing deg, far enough to
// make it at its descent (or climb) rate, and arrives at p at that height
// on that bearing.
func (m *mission) arrive(a airframe.Airframe, p LonLat, transit, h, deg float64) error {
	alt, err := m.at(p, h)
	if err != nil {
		return err
	}
	if a.Copter() {
		m.wp(p, transit)
		m.jobWP(p, h)
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
	m.jobWP(p, h)
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
//
// WithGround: each job item is its job's height above the ground under it
// (relative-home: ground + height - home), the transit stays relative to
// home.
func Mission(t Task, a airframe.Airframe, home Home, w airframe.Wind, opts ...MissionOption) ([]mavlink.MissionItem, error) {
	p, err := PlanMission(t, a, home, w, opts...)
	return p.Items, err
}

// PlanMission is Mission with each item's job height (MissionPlan.WorkM),
// so a caller with a DEM can check the job items against their job's
// height above the ground and the others against its terrain clearance.
func PlanMission(t Task, a airframe.Airframe, home Home, w airframe.Wind, opts ...MissionOption) (MissionPlan, error) {
	var o missionOpts
	for _, f := range opts {
		f(&o)
	}
	if err := t.Validate(); err != nil {
		return MissionPlan{}, err
	}
	if err := checkLonLat("home", home.Pos); err != nil {
		return MissionPlan{}, err
	}
	if !finite(home.AltAMSLM) {
		return MissionPlan{}, fieldErr("home", "altitude must be finite, got %v", home.AltAMSLM)
	}
	if err := checkWind(a, w); err != nil {
		return MissionPlan{}, err
	}
	transit := o.transitM
	if transit == 0 {
		transit = a.RTLAlt
	}
	if err := inRange("transit_alt", transit, 0, a.Ceiling, false); err != nil {
		return MissionPlan{}, err
	}
	m := &mission{ground: o.ground, where: "point"}
	if t.Point == nil {
		m.where = "polygon"
	}
	m.items = append(m.items, mavlink.MissionItem{Frame: common.MAV_FRAME_GLOBAL, Command: common.MAV_CMD_NAV_WAYPOINT,
		Autocontinue: true, Lat: home.Pos[1], Lon: home.Pos[0], Alt: float32(home.AltAMSLM)})
	m.work = append(m.work, 0)
	var takeoffPitch float32
	if !a.Copter() {
		takeoffPitch = 15 // Plane: the minimum pitch of the climb out
	}
	m.nav(common.MAV_CMD_NAV_TAKEOFF, home.Pos, transit, takeoffPitch)
	var last LonLat
	var err error
	switch t.Kind {
	case Drop:
		last, err = m.drop(t, a, w, transit)
	case Survey:
		last, err = m.survey(t, a, transit, o)
	case Fire:
		last, err = m.fire(t, a, transit, o)
	}
	if err == nil {
		err = m.err
	}
	if err != nil {
		return MissionPlan{}, err
	}
	// Back up to the transit height (or stay at the job's, if higher).
	m.wp(last, math.Max(transit, m.lastAlt()))
	if o.rtl {
		m.nav(common.MAV_CMD_NAV_RETURN_TO_LAUNCH, LonLat{}, 0)
		m.items[len(m.items)-1].Frame = common.MAV_FRAME_MISSION
	}
	if err := m.check(a, home, w); err != nil {
		return MissionPlan{}, err
	}
	return MissionPlan{Items: m.items, WorkM: m.work}, nil
}

func (m *mission) drop(t Task, a airframe.Airframe, w airframe.Wind, transit float64) (LonLat, error) {
	p, err := PlanDrop(a, *t.Point, t.MassKg, w, 0)
	if err != nil {
		return LonLat{}, err
	}
	pt := *t.Point
	switch p.Release {
	case airframe.ReleaseWinch:
		if err := m.arrive(a, pt, transit, p.HoldAltM, 0); err != nil {
			return LonLat{}, err
		}
		m.do(common.MAV_CMD_DO_WINCH, 1, float32(common.WINCH_DELIVER), float32(p.LineM), WinchRateMS)
		m.job(common.MAV_CMD_NAV_LOITER_TIME, pt, p.HoldAltM, float32(p.OnPoint.Seconds()))
	case airframe.ReleaseGripper:
		if err := m.arrive(a, pt, transit, p.HoldAltM, 0); err != nil {
			return LonLat{}, err
		}
		m.jobWP(pt, p.ReleaseAltM)
		m.do(common.MAV_CMD_DO_GRIPPER, 1, float32(common.GRIPPER_ACTION_RELEASE))
		m.job(common.MAV_CMD_NAV_LOITER_TIME, pt, p.ReleaseAltM, 2)
	case airframe.ReleasePlace:
		m.wp(pt, transit)
		m.job(common.MAV_CMD_NAV_PAYLOAD_PLACE, pt, p.HoldAltM, float32(p.HoldAltM))
	case airframe.ReleaseBay:
		f, err := newFrame(p.ReleasePoint)
		if err != nil {
			return LonLat{}, err
		}
		// A straight run of two loiter diameters (1 km at least) before
		// the release, so the plane is level and on track when it opens.
		run := math.Max(1000, 4*a.LoiterRadius)
		approach := f.inv(offset(coverage.Point{}, p.TrackDeg, -run))
		out := f.inv(offset(coverage.Point{}, p.TrackDeg, run/2))
		if err := m.arrive(a, approach, transit, p.HoldAltM, p.TrackDeg); err != nil {
			return LonLat{}, err
		}
		m.jobWP(p.ReleasePoint, p.HoldAltM)
		m.do(common.MAV_CMD_DO_GRIPPER, 1, float32(common.GRIPPER_ACTION_RELEASE))
		m.jobWP(out, p.HoldAltM)
		return out, nil
	}
	return pt, nil
}

func (m *mission) survey(t Task, a airframe.Airframe, transit float64, o missionOpts) (LonLat, error) {
	p, err := PlanSurveyFor(t, a, o.survey)
	if err != nil {
		return LonLat{}, err
	}
	if n := 6*len(p.Transects) + 8; n > MaxMissionItems {
		return LonLat{}, fieldErr("polygon", "the survey's %d transects need %d mission items, more than %d: split the polygon or raise gsd_cm", len(p.Transects), n, MaxMissionItems)
	}
	if err := m.arrive(a, p.Transects[0].LeadIn, transit, p.AltM, p.AngleDeg); err != nil {
		return LonLat{}, err
	}
	m.do(common.MAV_CMD_DO_CHANGE_SPEED, 1, float32(p.SpeedMS), -1)
	for _, tr := range p.Transects {
		m.jobWP(tr.LeadIn, p.AltM)
		m.jobWP(tr.Entry, p.AltM)
		m.do(common.MAV_CMD_DO_SET_CAM_TRIGG_DIST, float32(p.TriggerM), 0, 1)
		m.jobWP(tr.Exit, p.AltM)
		m.do(common.MAV_CMD_DO_SET_CAM_TRIGG_DIST, 0, 0, 0)
		m.jobWP(tr.LeadOut, p.AltM)
	}
	m.do(common.MAV_CMD_DO_CHANGE_SPEED, 1, float32(a.CruiseSpeed), -1)
	return p.Transects[len(p.Transects)-1].LeadOut, nil
}

func (m *mission) fire(t Task, a airframe.Airframe, transit float64, o missionOpts) (LonLat, error) {
	var pt LonLat
	if t.Point != nil {
		pt = *t.Point
	}
	p, err := PlanFire(a, pt, t.Polygon, t.Litres)
	if err != nil {
		return LonLat{}, err
	}
	if o.sortie < 0 || o.sortie >= p.Sorties {
		return LonLat{}, fieldErr("sortie", "must be within 0-%d, got %d", p.Sorties-1, o.sortie)
	}
	spray := p.SprayTime
	if o.sortie == p.Sorties-1 {
		spray = p.LastSprayTime
	}
	if len(p.Passes) == 0 {
		if err := m.arrive(a, pt, transit, SprayAltM, 0); err != nil {
			return LonLat{}, err
		}
		m.do(cmdDoSprayer, 1)
		m.job(common.MAV_CMD_NAV_LOITER_TIME, pt, SprayAltM, float32(spray.Seconds()), 0, float32(p.OrbitM))
		m.do(cmdDoSprayer, 0)
		return pt, nil
	}
	if n := 2*len(p.Passes)*p.Repeats + 12; n > MaxMissionItems {
		return LonLat{}, fieldErr("polygon", "the fire's passes need %d mission items, more than %d", n, MaxMissionItems)
	}
	if err := m.arrive(a, p.Passes[0][0], transit, SprayAltM, p.PassDeg); err != nil {
		return LonLat{}, err
	}
	m.do(common.MAV_CMD_DO_CHANGE_SPEED, 1, float32(p.SpeedMS), -1)
	m.do(cmdDoSprayer, 1)
	var end LonLat
	for range p.Repeats {
		for _, ps := range p.Passes {
			m.jobWP(ps[0], SprayAltM)
			m.jobWP(ps[1], SprayAltM)
			end = ps[1]
		}
	}
	m.do(cmdDoSprayer, 0)
	m.do(common.MAV_CMD_DO_CHANGE_SPEED, 1, float32(a.CruiseSpeed), -1)
	return end, nil
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
