package task

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/aerocell/aerocell/airframe"
	"github.com/aerocell/aerocell/mavlink"
)

var home = Home{Pos: LonLat{6.09, 45.19}, AltAMSLM: 420}

// script writes a mission as one line per item: the command's short name,
// the altitude of a NAV item and the parameters that are set.
func script(items []mavlink.MissionItem) string {
	var b strings.Builder
	for _, it := range items {
		name := strings.TrimPrefix(strings.TrimPrefix(it.Command.String(), "MAV_CMD_"), "NAV_")
		if it.Command == cmdDoSprayer {
			name = "DO_SPRAYER"
		}
		fmt.Fprintf(&b, "%s", name)
		if it.Frame == common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT {
			fmt.Fprintf(&b, " @%g", it.Alt)
		}
		if p := [4]float32{it.Param1, it.Param2, it.Param3, it.Param4}; p != [4]float32{} {
			fmt.Fprintf(&b, " %g", p)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func checkFrames(t *testing.T, items []mavlink.MissionItem) {
	t.Helper()
	if items[0].Frame != common.MAV_FRAME_GLOBAL || items[0].Alt != 420 || items[0].Lat != home.Pos[1] {
		t.Fatalf("item 0 is not home: %+v", items[0])
	}
	for i, it := range items[1:] {
		do := it.Command >= 176 && it.Command < 1000 || it.Command == common.MAV_CMD_DO_WINCH || it.Command == common.MAV_CMD_NAV_RETURN_TO_LAUNCH
		if want := common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT; !do && it.Frame != want || do && it.Frame != common.MAV_FRAME_MISSION {
			t.Errorf("item %d %v in frame %v", i+1, it.Command, it.Frame)
		}
		if !it.Autocontinue {
			t.Errorf("item %d stops the mission", i+1)
		}
	}
}

func dropTask(p LonLat, kg float64) Task {
	return Task{ID: "t", Request: Request{Kind: Drop, Deadline: time.Hour, Point: &p, MassKg: kg}}
}

func TestMissionWinchDrop(t *testing.T) {
	heavy := builtin(t, "heavy-multirotor")
	items, err := Mission(dropTask(centre, 5), heavy, home, airframe.Wind{}, WithRTL())
	if err != nil {
		t.Fatal(err)
	}
	checkFrames(t, items)
	want := `WAYPOINT
TAKEOFF @30
WAYPOINT @30
WAYPOINT @30
DO_WINCH [1 4 30 1]
LOITER_TIME @30 [65 0 0 0]
WAYPOINT @30
RETURN_TO_LAUNCH
`
	if got := script(items); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if items[5].Lat != centre[1] || items[5].Lon != centre[0] {
		t.Fatal("the winch does not hover over the point")
	}
	// Without RTL the mission ends over the point.
	items, err = Mission(dropTask(centre, 5), heavy, home, airframe.Wind{}, WithTransitAlt(60))
	if err != nil {
		t.Fatal(err)
	}
	if last := items[len(items)-1]; last.Command != common.MAV_CMD_NAV_WAYPOINT || last.Alt != 60 || items[1].Alt != 60 {
		t.Fatalf("%s", script(items))
	}
}

func TestMissionGripperAndPlace(t *testing.T) {
	grip := builtin(t, "heavy-multirotor").Clone()
	grip.Release = []airframe.Release{airframe.ReleaseGripper}
	items, err := Mission(dropTask(centre, 5), grip, home, airframe.Wind{})
	if err != nil {
		t.Fatal(err)
	}
	checkFrames(t, items)
	want := "WAYPOINT\nTAKEOFF @30\nWAYPOINT @30\nWAYPOINT @30\nWAYPOINT @2\nDO_GRIPPER [1 0 0 0]\nLOITER_TIME @2 [2 0 0 0]\nWAYPOINT @30\n"
	if got := script(items); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	grip.Release = []airframe.Release{airframe.ReleasePlace}
	items, err = Mission(dropTask(centre, 5), grip, home, airframe.Wind{})
	if err != nil {
		t.Fatal(err)
	}
	want = "WAYPOINT\nTAKEOFF @30\nWAYPOINT @30\nPAYLOAD_PLACE @30 [30 0 0 0]\nWAYPOINT @30\n"
	if got := script(items); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

// The fixed wing takes off to 1000 m, starts down well back along the
// pass, flies the run into the wind through the release point at 100 m,
// opens the bay there and flies on.
func TestMissionBayDrop(t *testing.T) {
	plane := builtin(t, "fixed-wing-relay")
	w := airframe.Wind{SpeedMS: 6, FromDeg: 270}
	items, err := Mission(dropTask(centre, 20), plane, home, w)
	if err != nil {
		t.Fatal(err)
	}
	checkFrames(t, items)
	want := "WAYPOINT\nTAKEOFF @1000 [15 0 0 0]\nWAYPOINT @1000\nWAYPOINT @100\nWAYPOINT @100\nDO_GRIPPER [1 0 0 0]\nWAYPOINT @100\nWAYPOINT @1000\n"
	if got := script(items); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	p, _ := PlanDrop(plane, centre, 20, w, 0)
	if rel := items[4]; rel.Lat != p.ReleasePoint[1] || rel.Lon != p.ReleasePoint[0] {
		t.Fatalf("the bay opens at %v, %v, not the release point %v", rel.Lon, rel.Lat, p.ReleasePoint)
	}
	// The run is flown westwards (into the wind from 270°): the approach,
	// the release and the exit each further west.
	if !(items[2].Lon > items[3].Lon && items[3].Lon > items[4].Lon && items[4].Lon > items[6].Lon) {
		t.Fatalf("the pass is not flown into the wind:\n%+v", items[2:7])
	}
	// 900 m down at 4 m/s takes 225 s, 5.6 km at 25 m/s, plus 800 m.
	f, _ := newFrame(centre)
	a, b := f.fwd(LonLat{items[2].Lon, items[2].Lat}), f.fwd(LonLat{items[3].Lon, items[3].Lat})
	near(t, "descent run", a.Dist(b), 900.0/4*25+800, 0.5)
}

func TestMissionSurvey(t *testing.T) {
	heavy := builtin(t, "heavy-multirotor")
	ring := localPolygon(t, centre, rotated(600, 450, 90)...)
	tk := Task{Request: Request{Kind: Survey, Deadline: time.Hour, Polygon: ring, GSDcm: 2.74, OverlapPct: 70}}
	items, err := Mission(tk, heavy, home, airframe.Wind{})
	if err != nil {
		t.Fatal(err)
	}
	checkFrames(t, items)
	p, _ := PlanSurvey(ring, *heavy.Camera, 2.74, 70, SurveyOptions{SpeedMS: 12})
	if len(items) != 2+2+1+6*len(p.Transects)+1+1 {
		t.Fatalf("%d items for %d transects", len(items), len(p.Transects))
	}
	lines := strings.Split(script(items), "\n")
	alt := fmt.Sprintf("@%g", float32(p.AltM))
	trig := fmt.Sprintf("DO_SET_CAM_TRIGG_DIST [%g 0 1 0]", float32(p.TriggerM))
	head := []string{"WAYPOINT", "TAKEOFF @30", "WAYPOINT @30", "WAYPOINT " + alt, "DO_CHANGE_SPEED [1 12 -1 0]"}
	for i, h := range head {
		if lines[i] != h {
			t.Fatalf("line %d: %q, want %q", i, lines[i], h)
		}
	}
	for k := range p.Transects {
		got := lines[5+6*k : 11+6*k]
		want := []string{"WAYPOINT " + alt, "WAYPOINT " + alt, trig, "WAYPOINT " + alt, "DO_SET_CAM_TRIGG_DIST", "WAYPOINT " + alt}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("transect %d: %q, want %q", k, got, want)
		}
		if it := items[6+6*k]; it.Lat != p.Transects[k].Entry[1] || it.Lon != p.Transects[k].Entry[0] {
			t.Fatalf("transect %d's trigger starts off its entry", k)
		}
	}
	if tail := lines[len(lines)-3 : len(lines)-1]; tail[0] != "DO_CHANGE_SPEED [1 12 -1 0]" || tail[1] != "WAYPOINT "+alt {
		t.Fatalf("tail %q", tail)
	}
}

func TestMissionFire(t *testing.T) {
	heavy := builtin(t, "heavy-multirotor")
	pt := centre
	tk := Task{Request: Request{Kind: Fire, Deadline: time.Hour, Point: &pt, Litres: 50}}
	items, err := Mission(tk, heavy, home, airframe.Wind{})
	if err != nil {
		t.Fatal(err)
	}
	checkFrames(t, items)
	want := "WAYPOINT\nTAKEOFF @30\nWAYPOINT @30\nWAYPOINT @10\nDO_SPRAYER [1 0 0 0]\nLOITER_TIME @10 [240 0 0 0]\nDO_SPRAYER\nWAYPOINT @30\n"
	if got := script(items); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	items, err = Mission(tk, heavy, home, airframe.Wind{}, WithSortie(2))
	if err != nil || items[5].Param1 != 120 {
		t.Fatalf("the last sortie of 10 L: %v\n%s", err, script(items))
	}
	if _, err := Mission(tk, heavy, home, airframe.Wind{}, WithSortie(3)); fieldOf(err) != "sortie" {
		t.Fatalf("a fourth sortie of three: %v", err)
	}
	// Over a 60 × 30 m polygon: five passes flown twice at 2.7 m/s.
	tk = Task{Request: Request{Kind: Fire, Deadline: time.Hour, Polygon: localPolygon(t, centre, rotated(60, 30, 90)...), Litres: 20}}
	items, err = Mission(tk, heavy, home, airframe.Wind{})
	if err != nil {
		t.Fatal(err)
	}
	s := script(items)
	if n := strings.Count(s, "WAYPOINT @10"); n != 1+2*5*2 || !strings.Contains(s, "DO_CHANGE_SPEED [1 2.7 -1 0]\nDO_SPRAYER [1 0 0 0]\n") ||
		!strings.HasSuffix(s, "DO_SPRAYER\nDO_CHANGE_SPEED [1 12 -1 0]\nWAYPOINT @30\n") {
		t.Fatalf("%s", s)
	}
}

func TestMissionRefuses(t *testing.T) {
	heavy, tethered := builtin(t, "heavy-multirotor"), builtin(t, "tethered-multirotor")
	near := localPolygon(t, home.Pos, rotated(60, 60, 0)...)
	far := localPolygon(t, centre, rotated(300, 300, 0)...)
	survey := func(ring []LonLat, gsd float64) Task {
		return Task{Request: Request{Kind: Survey, Deadline: time.Hour, Polygon: ring, GSDcm: gsd, OverlapPct: 60}}
	}
	noCam := heavy.Clone()
	noCam.Camera = nil
	for name, tc := range map[string]struct {
		t     Task
		a     airframe.Airframe
		field string
	}{
		"tether reach":   {survey(far, 1), tethered, "mission[2]"},
		"ceiling":        {survey(far, 20), heavy, "gsd_cm"},
		"no camera":      {survey(far, 2), noCam, "kind"},
		"no release":     {dropTask(centre, 1), tethered, "mass_kg"},
		"bad request":    {dropTask(centre, -1), heavy, "mass_kg"},
		"fire, no spray": {Task{Request: Request{Kind: Fire, Deadline: time.Hour, Point: &centre, Litres: 5}}, tethered, "kind"},
	} {
		if _, err := Mission(tc.t, tc.a, home, airframe.Wind{}); fieldOf(err) != tc.field {
			t.Errorf("%s: %v, want an error naming %s", name, err, tc.field)
		}
	}
	// Over its ground station the tethered drone surveys (1 cm: 15.4 m up).
	if _, err := Mission(survey(near, 1), tethered, home, airframe.Wind{}); err != nil {
		t.Fatalf("a survey within the tether: %v", err)
	}
	if _, err := Mission(dropTask(centre, 5), heavy, Home{Pos: LonLat{0, 100}}, airframe.Wind{}); fieldOf(err) != "home" {
		t.Fatalf("home off the globe: %v", err)
	}
	if _, err := Mission(dropTask(centre, 5), heavy, home, airframe.Wind{SpeedMS: 30}); fieldOf(err) != "wind" {
		t.Fatalf("a gale: %v", err)
	}
}

// The fixed wing surveys at its cruise speed whatever the options say:
// at 2 cm and 70 % its photos would come faster than its camera allows,
// at 5 cm they do not; the given bearing is flown.
func TestMissionSurveyPlane(t *testing.T) {
	plane := builtin(t, "fixed-wing-relay")
	ring := localPolygon(t, centre, rotated(3000, 2000, 0)...)
	angle := 45.0
	tk := Task{Request: Request{Kind: Survey, Deadline: time.Hour, Polygon: ring, GSDcm: 2, OverlapPct: 70}}
	if _, err := Mission(tk, plane, home, airframe.Wind{}, WithSurvey(SurveyOptions{SpeedMS: 25})); fieldOf(err) != "overlap_pct" {
		t.Fatalf("a plane told to slow down: %v", err)
	}
	tk.GSDcm = 5
	items, err := Mission(tk, plane, home, airframe.Wind{}, WithSurvey(SurveyOptions{AngleDeg: &angle}))
	if err != nil {
		t.Fatal(err)
	}
	checkFrames(t, items)
	p, _ := PlanSurvey(ring, *plane.Camera, 5, 70, SurveyOptions{SpeedMS: 25, FixedSpeed: true, AngleDeg: &angle})
	// Home, take-off, the start of the descent, the first lead-in, the
	// speed, six items a transect, the speed, the climb back.
	if len(items) != 5+6*len(p.Transects)+2 || items[4].Param2 != 25 {
		t.Fatalf("%d items for %d transects:\n%s", len(items), len(p.Transects), script(items[:6]))
	}
	f, _ := newFrame(centre)
	a, b := f.fwd(LonLat{items[2].Lon, items[2].Lat}), f.fwd(LonLat{items[3].Lon, items[3].Lat})
	if hd := bearing(b.X-a.X, b.Y-a.Y); math.Abs(hd-45) > 0.01 {
		t.Fatalf("the descent is flown on %.2f°, not along the first transect", hd)
	}
	near(t, "descent run", a.Dist(b), (1000-p.AltM)/4*25+800, 0.5)
}

// hill is the ground's height above home: 200 m at centre, rising 1 m
// every 10 m east; no tile north of 80°.
func hill(lon, lat float64) (float64, error) {
	if lat > 80 {
		return 0, errors.New("no tile")
	}
	return 200 + (lon-centre[0])*111_320*math.Cos(lat*math.Pi/180)/10, nil
}

// With the ground given, each job item is its height above the ground
// there (ground + height - home), the transit stays relative to home; the
// plan says which items are the job's and at what height; a ground that is
// unknown refuses the mission naming the task's field.
func TestMissionOverGround(t *testing.T) {
	heavy := builtin(t, "heavy-multirotor")
	pt := centre
	tk := Task{Request: Request{Kind: Fire, Deadline: time.Hour, Point: &pt, Litres: 50}}
	p, err := PlanMission(tk, heavy, home, airframe.Wind{}, WithTransitAlt(260), WithGround(hill))
	if err != nil {
		t.Fatal(err)
	}
	checkFrames(t, p.Items)
	want := "WAYPOINT\nTAKEOFF @260\nWAYPOINT @260\nWAYPOINT @210\nDO_SPRAYER [1 0 0 0]\nLOITER_TIME @210 [240 0 0 0]\nDO_SPRAYER\nWAYPOINT @260\n"
	if got := script(p.Items); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if w := []float64{0, 0, 0, SprayAltM, 0, SprayAltM, 0, 0}; !slices.Equal(p.WorkM, w) {
		t.Fatalf("job heights %v, want %v", p.WorkM, w)
	}
	// the passes over a polygon on the slope: each end its own ground + 10
	tk = Task{Request: Request{Kind: Fire, Deadline: time.Hour, Polygon: localPolygon(t, centre, rotated(60, 30, 90)...), Litres: 20}}
	p, err = PlanMission(tk, heavy, home, airframe.Wind{}, WithTransitAlt(260), WithGround(hill))
	if err != nil {
		t.Fatal(err)
	}
	jobs := 0
	for i, it := range p.Items {
		if p.WorkM[i] == 0 {
			continue
		}
		jobs++
		g, _ := hill(it.Lon, it.Lat)
		if d := float64(it.Alt) - (g + SprayAltM); math.Abs(d) > 0.01 {
			t.Fatalf("item %d at %v m above home, the ground there is %v m above home", i, it.Alt, g)
		}
	}
	if jobs != 1+2*5*2 {
		t.Fatalf("%d job items\n%s", jobs, script(p.Items))
	}
	// a place drop: NAV_PAYLOAD_PLACE at its hold height above the ground
	place := heavy.Clone()
	place.Release = []airframe.Release{airframe.ReleasePlace}
	items, err := Mission(dropTask(centre, 5), place, home, airframe.Wind{}, WithTransitAlt(260), WithGround(hill))
	if want := "WAYPOINT\nTAKEOFF @260\nWAYPOINT @260\nPAYLOAD_PLACE @230 [30 0 0 0]\nWAYPOINT @260\n"; err != nil || script(items) != want {
		t.Fatalf("%v\n%s", err, script(items))
	}
	// the ground unknown: refused, never guessed
	far := LonLat{centre[0], 85}
	if _, err := Mission(dropTask(far, 5), place, home, airframe.Wind{}, WithGround(hill)); fieldOf(err) != "point" || !strings.Contains(err.Error(), "unknown") {
		t.Fatalf("off the DEM: %v", err)
	}
	tk.Polygon = localPolygon(t, far, rotated(60, 30, 90)...)
	if _, err := Mission(tk, heavy, home, airframe.Wind{}, WithGround(hill)); fieldOf(err) != "polygon" {
		t.Fatalf("a polygon off the DEM: %v", err)
	}
}
