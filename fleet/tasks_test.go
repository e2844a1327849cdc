package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aerocell/aerocell/mavlink"
	"github.com/aerocell/aerocell/sim"
	"github.com/aerocell/aerocell/task"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// squareRing is a survey ring of side m metres whose south-west corner is
// dn, de metres north and east of lat, lon.
func squareRing(lat, lon, dn, de, m float64) []task.LonLat {
	la := lat + dn/111320
	lo := lon + de/(111320*cosDeg(lat))
	dla, dlo := m/111320, m/(111320*cosDeg(lat))
	return []task.LonLat{{lo, la}, {lo + dlo, la}, {lo + dlo, la + dla}, {lo, la + dla}, {lo, la}}
}

func surveyReq(deadline time.Duration) task.Request {
	return task.Request{Kind: task.Survey, Deadline: deadline, Polygon: squareRing(base.Lat, base.Lon, 300, 300, 200),
		GSDcm: 2, OverlapPct: 70}
}

func taskOf(s Snapshot, id string) task.Task {
	for _, t := range s.Tasks {
		if t.ID == id {
			return t
		}
	}
	return task.Task{}
}

func taskEvents(t *testing.T, r *rig, id string) []EventKind {
	t.Helper()
	evs, err := r.ctl.Events(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []EventKind
	for _, e := range evs {
		if e.Task == id {
			out = append(out, e.Kind)
		}
	}
	return out
}

// TestTaskSurveyFlown: a survey asked of an idle fleet goes to a drone on
// the ground at no coverage cost, flies as a mission over real UDP to the
// simulator, is followed to its last item and ends done before its
// deadline; the drone then goes home (nothing to cover).
func TestTaskSurveyFlown(t *testing.T) {
	r := newRig(t, rigOptions{speed: 40, drones: []sim.DroneConfig{heavyAt(1, base), heavyAt(2, base)}})
	r.waitFor("2 drones heard", 30*time.Second, func(s Snapshot) bool { return s.Located() == 2 })
	ctx := context.Background()
	tk, err := r.ctl.RequestTask(ctx, surveyReq(30*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if tk.Status != task.Assigned || tk.Drone == 0 || tk.CoverageCostKm2h != 0 || tk.ETA.IsZero() || tk.ETA.After(tk.DueAt) {
		t.Fatalf("task taken in as %+v", tk)
	}
	s := r.waitFor("survey done", 20*time.Minute, func(s Snapshot) bool { return taskOf(s, tk.ID).Status.Final() })
	got := taskOf(s, tk.ID)
	if got.Status != task.Done || got.DoneAt.After(got.DueAt) || got.StartedAt.IsZero() {
		t.Fatalf("survey ended %+v", got)
	}
	if evs := taskEvents(t, r, tk.ID); len(evs) < 4 || evs[0] != EventTaskRequested || evs[1] != EventTaskAssigned ||
		evs[2] != EventTaskActive || evs[len(evs)-1] != EventTaskDone {
		t.Fatalf("task events %v", evs)
	}
	st := r.fleet.Drone(uint8(got.Drone)).State()
	if st.Mode.Name != "AUTO" && st.Mode.Name != "RTL" && st.Mode.Name != "LAND" {
		t.Fatalf("drone %d in %s after its survey", got.Drone, st.Mode.Name)
	}
	r.waitFor("drone home", 10*time.Minute, func(s Snapshot) bool {
		for _, d := range s.Drones {
			if d.ID == got.Drone {
				return d.State == DroneIdle && !d.Armed
			}
		}
		return false
	})
}

// TestTaskRefusedAtOnce: a task no drone can do, or not by its deadline,
// is refused at once with the reason; a malformed one is an error that
// changes nothing.
func TestTaskRefusedAtOnce(t *testing.T) {
	r := newRig(t, rigOptions{speed: 40, drones: []sim.DroneConfig{heavyAt(1, base)}})
	r.waitFor("drone heard", 30*time.Second, func(s Snapshot) bool { return len(s.Drones) == 1 && s.Drones[0].Lat != 0 })
	ctx := context.Background()
	pt := task.LonLat{base.Lon + 0.003, base.Lat}
	heavy, err := r.ctl.RequestTask(ctx, task.Request{Kind: task.Drop, Deadline: time.Hour, Point: &pt, MassKg: 40})
	if err != nil {
		t.Fatal(err)
	}
	if heavy.Status != task.Refused || !strings.Contains(heavy.Reason, "lifts 10 kg") {
		t.Fatalf("a 40 kg drop: %+v", heavy)
	}
	far := surveyReq(time.Minute)
	far.Polygon = squareRing(base.Lat, base.Lon, 3000, 0, 400)
	late, err := r.ctl.RequestTask(ctx, far)
	if err != nil {
		t.Fatal(err)
	}
	if late.Status != task.Refused || !strings.Contains(late.Reason, "by its deadline") {
		t.Fatalf("a survey due in a minute: %+v", late)
	}
	before := len(r.ctl.Tasks())
	if _, err := r.ctl.RequestTask(ctx, task.Request{Kind: task.Drop, Deadline: time.Hour}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a drop with no point: %v", err)
	}
	if n := len(r.ctl.Tasks()); n != before {
		t.Fatalf("a refused request added a task: %d then %d", before, n)
	}
	if evs := taskEvents(t, r, heavy.ID); len(evs) != 2 || evs[1] != EventTaskRefused {
		t.Fatalf("events of a refused task: %v", evs)
	}
}

// TestTaskApprovalCancelAndRestart: with approval on, a task waits for the
// commander; approved it flies; the controller restarted mid-flight keeps
// following it; cancelled, its drone goes home and the task says so.
func TestTaskApprovalCancelAndRestart(t *testing.T) {
	r := newRig(t, rigOptions{speed: 40, drones: []sim.DroneConfig{heavyAt(1, base)}, cfg: Config{TaskApproval: true}})
	r.waitFor("drone heard", 30*time.Second, func(s Snapshot) bool { return len(s.Drones) == 1 && s.Drones[0].Lat != 0 })
	ctx := context.Background()
	req := surveyReq(30 * time.Minute)
	req.Polygon = squareRing(base.Lat, base.Lon, 300, 300, 600)
	tk, err := r.ctl.RequestTask(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Status != task.Pending || tk.Drone != 0 || !strings.Contains(tk.Reason, "approval") {
		t.Fatalf("task with approval on: %+v", tk)
	}
	if got := taskOf(r.ctl.Snapshot(), tk.ID); !got.AwaitingApproval {
		t.Fatalf("the snapshot does not show the task awaiting approval: %+v", got)
	}
	if _, err := r.ctl.ReassignTask(ctx, tk.ID, 9); !errors.Is(err, ErrUnknownDrone) {
		t.Fatalf("reassign to an unknown drone: %v", err)
	}
	if tk, err = r.ctl.ApproveTask(ctx, tk.ID); err != nil || tk.Status != task.Assigned || tk.Drone != 1 {
		t.Fatalf("approved: %+v, %v", tk, err)
	}
	if got := taskOf(r.ctl.Snapshot(), tk.ID); got.AwaitingApproval || !got.Approved {
		t.Fatalf("approved, the snapshot shows %+v", got)
	}
	r.waitFor("survey under way", 5*time.Minute, func(s Snapshot) bool {
		return taskOf(s, tk.ID).Status == task.Active && s.Drones[0].AltRel > 30
	})
	r.stopController()
	r.startController()
	s := r.waitFor("task followed after a restart", 2*time.Minute, func(s Snapshot) bool {
		return taskOf(s, tk.ID).Status == task.Active && len(s.Drones) == 1 && s.Drones[0].State == DroneOnTask
	})
	if s.Drones[0].AltRel < 20 {
		t.Fatalf("drone %+v after the restart", s.Drones[0])
	}
	got, err := r.ctl.CancelTask(ctx, tk.ID)
	if err != nil || got.Status != task.Cancelled {
		t.Fatalf("cancel: %+v, %v", got, err)
	}
	if _, err := r.ctl.CancelTask(ctx, tk.ID); !errors.Is(err, ErrInvalid) {
		t.Fatalf("cancelling twice: %v", err)
	}
	r.waitFor("drone home", 10*time.Minute, func(s Snapshot) bool { return s.Drones[0].State == DroneIdle && !s.Drones[0].Armed })
}

// TestTaskCostsCoverage: with a deployed fleet, a survey goes to the spare
// kept on the ground (whose holder has hours of battery: no cost) rather
// than to a holder; when the only drone is a holder, it is taken at a
// cost in coverage-hours, leaves a planned gap, and comes back to its
// station after the survey.
func TestTaskCostsCoverage(t *testing.T) {
	r, s := deployed(t, rigOptions{speed: 40, drones: []sim.DroneConfig{heavyAt(1, base), heavyAt(2, base)}}, 1)
	if len(s.Plan.Stations) != 1 {
		t.Fatalf("want one station over 1 km², got %d", len(s.Plan.Stations))
	}
	holder := s.Plan.Stations[0].Drone
	ctx := context.Background()
	req := surveyReq(40 * time.Minute)
	req.Polygon = squareRing(base.Lat, base.Lon, -100, -100, 200)
	tk, err := r.ctl.RequestTask(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Status != task.Assigned || tk.Drone == holder || tk.CoverageCostKm2h != 0 {
		t.Fatalf("survey with a spare on the ground: %+v (holder %d)", tk, holder)
	}
	r.waitFor("first survey done", 20*time.Minute, func(s Snapshot) bool { return taskOf(s, tk.ID).Status.Final() })
	if got := taskOf(r.ctl.Snapshot(), tk.ID); got.Status != task.Done {
		t.Fatalf("first survey: %+v", got)
	}
	// Keep the spare out: the holder is the only drone left.
	spare := 3 - holder
	r.waitFor("spare back on the ground", 10*time.Minute, func(s Snapshot) bool {
		for _, d := range s.Drones {
			if d.ID == spare {
				return d.State == DroneIdle && !d.Armed
			}
		}
		return false
	})
	if err := r.ctl.Exclude(ctx, spare, true); err != nil {
		t.Fatal(err)
	}
	tk2, err := r.ctl.RequestTask(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if tk2.Status != task.Assigned || tk2.Drone != holder || !(tk2.CoverageCostKm2h > 0) {
		t.Fatalf("survey with the holder alone: %+v", tk2)
	}
	s = r.waitFor("second survey done", 20*time.Minute, func(s Snapshot) bool { return taskOf(s, tk2.ID).Status.Final() })
	if got := taskOf(s, tk2.ID); got.Status != task.Done {
		t.Fatalf("second survey: %+v", got)
	}
	r.waitFor("holder back on its station", 10*time.Minute, func(s Snapshot) bool {
		st := s.Plan.Stations[0]
		for _, d := range s.Drones {
			if d.ID == holder {
				return st.Drone == holder && d.State == DroneOnStation
			}
		}
		return false
	})
}

// TestTaskDropAndFireFlown: a drop and a fire task, each loaded by the
// crew's PARAM_SET on the ground and flown as a mission, end done; the
// simulator's truth shows the load down near the point and the water
// sprayed.
func TestTaskDropAndFireFlown(t *testing.T) {
	r := newRig(t, rigOptions{speed: 40, drones: []sim.DroneConfig{heavyAt(1, base), heavyAt(2, base)}})
	r.waitFor("2 drones heard", 30*time.Second, func(s Snapshot) bool {
		return len(s.Drones) == 2 && s.Drones[0].Lat != 0 && s.Drones[1].Lat != 0
	})
	ctx := context.Background()
	dropAt := task.LonLat{base.Lon + 0.004, base.Lat + 0.002}
	drop, err := r.ctl.RequestTask(ctx, task.Request{Kind: task.Drop, Deadline: 20 * time.Minute, Point: &dropAt, MassKg: 6})
	if err != nil {
		t.Fatal(err)
	}
	fireAt := task.LonLat{base.Lon - 0.003, base.Lat + 0.001}
	fire, err := r.ctl.RequestTask(ctx, task.Request{Kind: task.Fire, Deadline: 20 * time.Minute, Point: &fireAt, Litres: 12})
	if err != nil {
		t.Fatal(err)
	}
	if drop.Status != task.Assigned || fire.Status != task.Assigned || drop.Drone == fire.Drone {
		t.Fatalf("two tasks, two idle drones: %+v / %+v", drop, fire)
	}
	s := r.waitFor("both done", 20*time.Minute, func(s Snapshot) bool {
		return taskOf(s, drop.ID).Status.Final() && taskOf(s, fire.ID).Status.Final()
	})
	for _, id := range []string{drop.ID, fire.ID} {
		if got := taskOf(s, id); got.Status != task.Done || got.DoneAt.After(got.DueAt) {
			t.Fatalf("%s ended %+v", id, got)
		}
	}
	jl := r.fleet.JobLog()
	if len(jl.Drops) != 1 || jl.Drops[0].SysID != uint8(drop.Drone) || jl.Drops[0].MassKg != 6 {
		t.Fatalf("drops in the simulator: %+v", jl.Drops)
	}
	if miss := distanceM(jl.Drops[0].Impact.Lat, jl.Drops[0].Impact.Lon, dropAt[1], dropAt[0]); miss > 10 {
		t.Fatalf("load down %.1f m from its point", miss)
	}
	litres := 0.0
	for _, sp := range jl.Sprays {
		if sp.SysID == uint8(fire.Drone) {
			litres += sp.Litres
		}
	}
	if litres < 11.5 {
		t.Fatalf("%.1f L sprayed of 12", litres)
	}
}

// TestTaskEndsWithRecall: a recall sends the drone flying a task home
// with the rest; the task is cancelled with the reason rather than left
// flying.
func TestTaskEndsWithRecall(t *testing.T) {
	r, _ := deployed(t, rigOptions{speed: 40, drones: []sim.DroneConfig{heavyAt(1, base), heavyAt(2, base)}}, 1)
	ctx := context.Background()
	req := surveyReq(40 * time.Minute)
	req.Polygon = squareRing(base.Lat, base.Lon, 300, 300, 400)
	tk, err := r.ctl.RequestTask(ctx, req)
	if err != nil || tk.Status != task.Assigned {
		t.Fatalf("survey: %+v %v", tk, err)
	}
	r.waitFor("survey under way", 5*time.Minute, func(s Snapshot) bool { return taskOf(s, tk.ID).Status == task.Active })
	if err := r.ctl.Recall(ctx); err != nil {
		t.Fatal(err)
	}
	s := r.waitFor("task ended", time.Minute, func(s Snapshot) bool { return taskOf(s, tk.ID).Status.Final() })
	if got := taskOf(s, tk.ID); got.Status != task.Cancelled || !strings.Contains(got.Reason, "recalled") {
		t.Fatalf("task after a recall: %+v", got)
	}
	r.waitFor("every drone down", 10*time.Minute, func(s Snapshot) bool {
		for _, d := range s.Drones {
			if d.Armed || d.State != DroneIdle {
				return false
			}
		}
		return true
	})
}

// TestTaskSurveyView: a survey's plan is the one the drone that can fly it
// would fly, before it is approved and assigned; once flown, the photos
// the drone reports count as taken. A task that is not a survey, or no
// task, has no survey plan.
func TestTaskSurveyView(t *testing.T) {
	// A gusty crosswind and a wandering GPS: the photos are not taken
	// where the plan puts them.
	r := newRig(t, rigOptions{speed: 40, drones: []sim.DroneConfig{heavyAt(1, base)}, cfg: Config{TaskApproval: true},
		simCfg: func(c *sim.Config) { c.Wind, c.GPSNoiseM = sim.Wind{SpeedMS: 8, FromDeg: 90, GustMS: 3}, 4 }})
	r.waitFor("drone heard", 30*time.Second, func(s Snapshot) bool { return s.Located() == 1 })
	ctx := context.Background()
	tk, err := r.ctl.RequestTask(ctx, surveyReq(30*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	v, err := r.ctl.Survey(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Drone != 1 || v.Taken != 0 || len(v.Plan.Transects) == 0 || len(v.Plan.Photos) == 0 || v.Plan.GSDcm != 2 ||
		len(v.Polygon) != len(tk.Polygon) || v.Camera.ImageWidthPx == 0 {
		t.Fatalf("survey awaiting approval: drone %d, taken %d, plan %v", v.Drone, v.Taken, v.Plan)
	}
	if _, err := r.ctl.ApproveTask(ctx, tk.ID); err != nil {
		t.Fatal(err)
	}
	r.waitFor("photos taken", 10*time.Minute, func(s Snapshot) bool {
		v, err = r.ctl.Survey(ctx, tk.ID)
		return err == nil && v.Taken > 0
	})
	if v.Drone != 1 || v.Taken > len(v.Plan.Photos) {
		t.Fatalf("survey under way: drone %d, %d of %d photos", v.Drone, v.Taken, len(v.Plan.Photos))
	}
	// The photos are kept where the camera reported them: each within
	// the autopilot's position error of where the simulator took it, and
	// not where the plan put it.
	r.waitFor("ten photos", 10*time.Minute, func(s Snapshot) bool {
		v, err = r.ctl.Survey(ctx, tk.ID)
		return err == nil && len(v.Photos) >= 10
	})
	log := r.fleet.JobLog().Photos
	var offPlan float64
	for i, ph := range v.Photos {
		if ph.Seq != i || ph.Time.IsZero() || ph.AltRelM < 10 {
			t.Fatalf("photo %d: %+v", i, ph)
		}
		near := math.Inf(1)
		for _, p := range log {
			near = math.Min(near, distanceM(p.Pos.Lat, p.Pos.Lon, ph.Pos[1], ph.Pos[0]))
		}
		planned := math.Inf(1)
		for _, p := range v.Plan.Photos {
			planned = math.Min(planned, distanceM(p.Pos[1], p.Pos[0], ph.Pos[1], ph.Pos[0]))
		}
		if near > 6 { // 0.3 of the GPS error, as the autopilot's feedback has it: 4 σ
			t.Fatalf("photo %d kept at %v, %.1f m from any the simulator took", i, ph.Pos, near)
		}
		offPlan = math.Max(offPlan, planned)
	}
	if offPlan < 3 {
		t.Fatalf("the photos are kept within %.1f m of the plan's: not where the wind took the drone", offPlan)
	}
	at := task.LonLat{base.Lon, base.Lat}
	drop, err := r.ctl.RequestTask(ctx, task.Request{Kind: task.Drop, Deadline: time.Hour, Point: &at, MassKg: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.ctl.Survey(ctx, drop.ID); !errors.Is(err, ErrInvalid) {
		t.Fatalf("the survey of a drop: %v", err)
	}
	if _, err := r.ctl.Survey(ctx, "task-99"); !errors.Is(err, ErrUnknownTask) {
		t.Fatalf("the survey of no task: %v", err)
	}
}

// TestTaskKeepShots: a survey keeps where each photo was reported, under
// its index from the mission's start: a photo counted again (feedback
// after its trigger) replaces the kept one, a photo missed between two
// reads leaves a gap, no more than maxShots are kept, and they are saved
// with the task.
func TestTaskKeepShots(t *testing.T) {
	r := &taskRecord{T: task.Task{ID: "task-1", Request: task.Request{Kind: task.Survey}}, PhotosBase: 4}
	at := epoch
	photo := func(n int, lat float64) mavlink.Photo {
		return mavlink.Photo{N: n, Lat: lat, Lon: 11, AltRel: 80, At: at.Add(time.Duration(n) * time.Second)}
	}
	r.keepShots([]mavlink.Photo{photo(3, 1), photo(4, 1), photo(5, 44.0), photo(6, 44.1)}) // 3, 4: before the mission
	r.keepShots([]mavlink.Photo{photo(5, 44.0), photo(6, 44.2), photo(9, 44.5)})           // 6 again, 7 and 8 missed
	if len(r.Shots) != 3 || r.Shots[0].Seq != 0 || r.Shots[1].Seq != 1 || r.Shots[1].Pos[1] != 44.2 || r.Shots[2].Seq != 4 ||
		r.Shots[2].AltRelM != 80 || !r.Shots[2].Time.Equal(at.Add(9*time.Second)) {
		t.Fatalf("shots %+v", r.Shots)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back taskRecord
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back.Shots, r.Shots) {
		t.Fatalf("saved %s, read back %+v: %v", b, back.Shots, err)
	}
	many := make([]mavlink.Photo, 0, maxShots+10)
	for n := 10; n < maxShots+20; n++ {
		many = append(many, photo(n, 45))
	}
	r.keepShots(many)
	if len(r.Shots) != maxShots {
		t.Fatalf("%d shots kept, at most %d", len(r.Shots), maxShots)
	}
	drop := &taskRecord{T: task.Task{Request: task.Request{Kind: task.Drop}}}
	drop.keepShots(many)
	if len(drop.Shots) != 0 {
		t.Fatalf("a drop kept %d photos", len(drop.Shots))
	}
}

// TestTaskEstimateOverTerrain: over a DEM, a drop beyond a 400 m wall
// (home at 100 m) is flown at a transit height that clears the wall by
// the terrain clearance and a cruise margin, and the estimate of its time
// counts the climb there: later than over flat ground by about the
// climb's time. A wall above the ceiling refuses the task, naming the
// ridge.
func TestTaskEstimateOverTerrain(t *testing.T) {
	d := &drone{id: 4, profile: BuiltinProfiles()[sim.ProfileHeavy], rec: &droneRecord{}, heard: true}
	d.tel.Lat, d.tel.Lon, d.tel.AltMSL, d.tel.BatteryPct = 45, 10, 100, 100 // on the ground at home
	d.tel.LandedState = common.MAV_LANDED_STATE_ON_GROUND
	at := task.LonLat{10.02, 45}
	drop := &task.Task{ID: "task-1", Request: task.Request{Kind: task.Drop, Deadline: time.Hour, Point: &at, MassKg: 5}}
	plan := func(height float64) (flight, error) {
		l := &loop{cfg: &Config{Terrain: wall{lonW: 10.010, lonE: 10.011, height: height}}}
		return l.planFlight(d, drop)
	}
	flat, err := plan(100)
	if err != nil {
		t.Fatal(err)
	}
	air := d.profile.Air
	if got := float64(flat.items[1].Alt); got != air.RTLAlt {
		t.Fatalf("over flat ground the transit is at %v m, want the RTL altitude %v m", got, air.RTLAlt)
	}
	walled, err := plan(400)
	if err != nil {
		t.Fatal(err)
	}
	want := 400 + air.TerrainClearanceM + cruiseMarginM - 100 // above home
	if got := float64(walled.items[1].Alt); got != want {
		t.Fatalf("beyond the wall the transit is at %v m, want %v m", got, want)
	}
	climb := time.Duration((want - air.RTLAlt) / air.ClimbRate * float64(time.Second))
	if extra := walled.reach - flat.reach; extra < climb*9/10 || extra > 3*climb {
		t.Fatalf("the wall adds %v to the flight there; the climb alone takes %v", extra, climb)
	}
	if _, err := plan(700); !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "ridge at 45.00000,10.01") {
		t.Fatalf("a wall above the ceiling: %v", err)
	}
}
