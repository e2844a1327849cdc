package fleet

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/aerocell/aerocell/airframe"
	"github.com/aerocell/aerocell/task"
)

// Tasks besides coverage (issue 12): supply drops, surveys and fire. A
// request is taken in by the loop, scheduled on the drone that costs
// coverage least and meets the deadline (schedule.go), flown as a mission
// and followed to its end (taskfly.go).

// The events of a task's life.
const (
	// EventTaskRequested: a task was asked for; it waits for a drone or for
	// a commander's approval.
	EventTaskRequested EventKind = "task.requested"
	// EventTaskAssigned: a drone was given the task; the event carries the
	// expected time it is done.
	EventTaskAssigned EventKind = "task.assigned"
	// EventTaskActive: the drone's mission started.
	EventTaskActive EventKind = "task.active"
	// EventTaskSortie: one sortie of a fire bigger than a tank is done;
	// the next is given to the best drone then.
	EventTaskSortie EventKind = "task.sortie"
	// EventTaskDone: the drone did the task.
	EventTaskDone EventKind = "task.done"
	// EventTaskFailed: the task could not be done (commands refused, the
	// drone failed or left its mission, the deadline out of reach).
	EventTaskFailed EventKind = "task.failed"
	// EventTaskRefused: no drone can do the task in time; the reason says
	// why.
	EventTaskRefused EventKind = "task.refused"
	// EventTaskCancelled: a commander cancelled the task.
	EventTaskCancelled EventKind = "task.cancelled"
	// EventTaskApproved: a commander approved the task.
	EventTaskApproved EventKind = "task.approved"
)

// DroneOnTask: the drone is loading for, or flying, a task.
const DroneOnTask DroneState = "on_task"

// ErrUnknownTask: no task with that id.
var ErrUnknownTask = fmt.Errorf("fleet: unknown task")

// taskRecord is a task and what the loop decided about it, saved with the
// rest of the state.
type taskRecord struct {
	T task.Task `json:"task"`
	// Phase is where the flight is: "" waiting for a drone, "relief" (its
	// drone holds its station till a relief takes it), "assigned" (being
	// loaded and launched), "flying" (the mission runs).
	Phase string `json:"phase,omitempty"`
	// Station is the station the drone was taken from, if any; in phase
	// "relief" the drone holds it until its relief is on it, or until
	// LeaveBy, the latest it may leave and keep the deadline.
	Station string    `json:"station,omitempty"`
	LeaveBy time.Time `json:"leave_by,omitzero"`
	// Items is the mission's length; the task is done when item Items-1
	// is reached after MissionAt.
	Items     int       `json:"items,omitempty"`
	MissionAt time.Time `json:"mission_at,omitzero"`
	// Tries counts failed attempts to start the mission.
	Tries int `json:"tries,omitempty"`
	// Photos counts the survey's photos; PhotosBase is the drone's count
	// when the mission started.
	Photos     int `json:"photos,omitempty"`
	PhotosBase int `json:"photos_base,omitempty"`
	// Shots are where the camera reported taking the survey's photos
	// (CAMERA_FEEDBACK, or CAMERA_TRIGGER and the drone's position), the
	// first maxShots of them, in the order taken. They are saved with the
	// next change of state, not one write per photo.
	Shots []task.Photo `json:"shots,omitempty"`
	// SprayedL is the water a fire's finished sorties sprayed; SortieL
	// what the sortie in flight carries. A fire bigger than a tank flies
	// sortie after sortie, each given to the best drone then.
	SprayedL float64 `json:"sprayed_l,omitempty"`
	SortieL  float64 `json:"sortie_l,omitempty"`
	// SortiesCost is the coverage cost (km²·h) of the finished sorties.
	SortiesCost float64 `json:"sorties_cost,omitempty"`
	// back is the flight home from the task's end, as estimated when it
	// started (for a task waiting on this drone).
	back time.Duration
}

// left is the task as it stands: a fire's litres are those its finished
// sorties have not sprayed.
func (r *taskRecord) left() *task.Task {
	t := r.T
	if t.Kind == task.Fire {
		t.Litres = math.Max(0, t.Litres-r.SprayedL)
	}
	return &t
}

// Phases of a task's flight.
const (
	phaseRelief   = "relief"
	phaseAssigned = "assigned"
	phaseFlying   = "flying"
)

// RequestTask takes in a task. It is refused at once (Status Refused, with
// the reason) when no drone can do it by its deadline; a malformed request
// is an ErrInvalid error and changes nothing.
func (c *Controller) RequestTask(ctx context.Context, r task.Request) (task.Task, error) {
	var out task.Task
	err := c.do(ctx, func(l *loop) error {
		t, err := l.requestTask(r)
		out = t
		return err
	})
	return out, err
}

// Tasks lists every task, oldest first.
func (c *Controller) Tasks() []task.Task { return slices.Clone(c.Snapshot().Tasks) }

// Task returns one task.
func (c *Controller) Task(id string) (task.Task, error) {
	for _, t := range c.Snapshot().Tasks {
		if t.ID == id {
			return t, nil
		}
	}
	return task.Task{}, fmt.Errorf("%w: %q", ErrUnknownTask, id)
}

// CancelTask cancels a task that has not ended; a drone flying it returns
// to coverage duty or home.
func (c *Controller) CancelTask(ctx context.Context, id string) (task.Task, error) {
	return c.taskOrder(ctx, id, func(l *loop, r *taskRecord) error { return l.cancelTask(r) })
}

// ApproveTask approves a task waiting for a commander (Config.TaskApproval).
func (c *Controller) ApproveTask(ctx context.Context, id string) (task.Task, error) {
	return c.taskOrder(ctx, id, func(l *loop, r *taskRecord) error { return l.approveTask(r) })
}

// ReassignTask gives a task not yet under way to drone, if that drone can
// do it by its deadline; otherwise an ErrLimit error says why and nothing
// changes.
func (c *Controller) ReassignTask(ctx context.Context, id string, drone int) (task.Task, error) {
	return c.taskOrder(ctx, id, func(l *loop, r *taskRecord) error { return l.reassignTask(r, drone) })
}

// SurveyView is a survey task's plan as a drone flies it, and the photos
// it has taken so far.
type SurveyView struct {
	// Drone is the drone whose camera and speed the plan is for: the one
	// given the task, or before one is, the first (by id) that can fly it.
	Drone  int
	Camera airframe.Camera
	Plan   task.SurveyPlan
	// Polygon is the survey's ring, as asked for.
	Polygon []task.LonLat
	// Taken counts the photos the drone reported taking for the task,
	// and Photos are where it took them (at most maxShots).
	Taken  int
	Photos []task.Photo
}

// Survey returns survey task id's plan: ErrUnknownTask if there is no such
// task, ErrInvalid if it is not a survey, ErrLimit if no drone of the
// fleet can fly it (none carries a camera, or the GSD is beyond them). The
// loop only hands out the task and the drones' airframes; the planning is
// done on the caller's goroutine.
func (c *Controller) Survey(ctx context.Context, id string) (SurveyView, error) {
	var t task.Task
	var taken int
	var shots []task.Photo
	var surveyors []surveyor
	err := c.do(ctx, func(l *loop) error {
		r := l.taskByID(id)
		if r == nil {
			return fmt.Errorf("%w: %q", ErrUnknownTask, id)
		}
		if r.T.Kind != task.Survey {
			return fmt.Errorf("%w: %s is a %s task, not a survey", ErrInvalid, r.T.ID, r.T.Kind)
		}
		t, taken, shots = r.T, r.Photos, slices.Clone(r.Shots)
		t.Polygon = slices.Clone(t.Polygon)
		ids := []int{r.T.Drone}
		if r.T.Drone == 0 {
			ids = slices.Sorted(maps.Keys(l.drones))
		}
		for _, id := range ids {
			if d := l.drones[id]; d != nil && d.profile.Air.Camera != nil {
				surveyors = append(surveyors, surveyor{id, d.profile.Air})
			}
		}
		return nil
	})
	if err != nil {
		return SurveyView{}, err
	}
	why := "no drone of the fleet carries a camera"
	for _, d := range surveyors {
		p, err := task.PlanSurveyFor(t, d.air, task.SurveyOptions{})
		if err != nil {
			why = fmt.Sprintf("drone %d: %v", d.id, err)
			continue
		}
		return SurveyView{Drone: d.id, Camera: *d.air.Camera, Plan: p, Polygon: t.Polygon, Taken: taken, Photos: shots}, nil
	}
	return SurveyView{}, fmt.Errorf("%w: %s: %s", ErrLimit, t.ID, why)
}

// surveyor is a drone that may fly a survey, and its airframe.
type surveyor struct {
	id  int
	air airframe.Airframe
}

func (c *Controller) taskOrder(ctx context.Context, id string, fn func(*loop, *taskRecord) error) (task.Task, error) {
	var out task.Task
	err := c.do(ctx, func(l *loop) error {
		r := l.taskByID(id)
		if r == nil {
			return fmt.Errorf("%w: %q", ErrUnknownTask, id)
		}
		err := fn(l, r)
		out = r.T
		return err
	})
	return out, err
}

func (l *loop) taskByID(id string) *taskRecord {
	for _, r := range l.st.Tasks {
		if r.T.ID == id {
			return r
		}
	}
	return nil
}

func (l *loop) requestTask(req task.Request) (task.Task, error) {
	if err := req.Validate(); err != nil {
		return task.Task{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	now := l.clk.Now()
	l.st.NextTask++
	r := &taskRecord{T: task.Task{ID: fmt.Sprintf("task-%d", l.st.NextTask), Request: req, Status: task.Pending,
		RequestedAt: now, DueAt: now.Add(req.Deadline)}}
	l.st.Tasks = append(l.st.Tasks, r)
	l.emitTask(r, EventTaskRequested, Info, fmt.Sprintf("%s requested: %s", r.T.ID, describe(&r.T)), req.Team)
	l.offer(r, true, !l.cfg.TaskApproval)
	l.dirty = true
	return r.T, nil
}

func (l *loop) approveTask(r *taskRecord) error {
	if r.T.Status.Final() {
		return fmt.Errorf("%w: %s is %s", ErrInvalid, r.T.ID, r.T.Status)
	}
	if r.T.Approved {
		return nil
	}
	r.T.Approved = true
	l.emitTask(r, EventTaskApproved, Info, fmt.Sprintf("%s approved by a commander", r.T.ID), "commander")
	if r.T.Status == task.Pending && r.Phase == "" {
		l.offer(r, false, true)
	}
	return nil
}

func (l *loop) cancelTask(r *taskRecord) error {
	if r.T.Status.Final() {
		return fmt.Errorf("%w: %s is %s already", ErrInvalid, r.T.ID, r.T.Status)
	}
	l.endParts(r, fmt.Sprintf("%s cancelled by a commander", r.T.ID))
	l.endTask(r, task.Cancelled, "cancelled by a commander")
	return nil
}

func (l *loop) reassignTask(r *taskRecord, id int) error {
	if r.T.Status.Final() || r.Phase == phaseFlying {
		return fmt.Errorf("%w: %s is %s: only a task not yet flying is reassigned", ErrInvalid, r.T.ID, r.T.Status)
	}
	if r.Phase == phaseParts {
		return fmt.Errorf("%w: %s is flown as parts (%s): reassign a part", ErrInvalid, r.T.ID, strings.Join(r.T.Parts, ", "))
	}
	d, ok := l.drones[id]
	if !ok {
		return fmt.Errorf("%w: %d", ErrUnknownDrone, id)
	}
	if r.T.Drone == id {
		return nil
	}
	if d.op != nil && d.rec.Task == "" {
		return fmt.Errorf("%w: drone %d is busy with %s", ErrLimit, id, d.op.what)
	}
	opt, err := l.option(r, d, true)
	if err != nil {
		return fmt.Errorf("%w: drone %d cannot do %s: %v", ErrLimit, id, r.T.ID, err)
	}
	if opt.done.After(r.T.DueAt) {
		return fmt.Errorf("%w: drone %d would finish %s at %s, after its deadline %s", ErrLimit, id, r.T.ID,
			opt.done.Format(time.TimeOnly), r.T.DueAt.Format(time.TimeOnly))
	}
	if old := l.drones[r.T.Drone]; old != nil && old.rec.Task == r.T.ID {
		l.freeDrone(old, r)
	}
	r.T.Approved = true // a commander chose the drone
	l.assignTask(r, opt)
	return nil
}

// cancelTasks cancels every task that has not ended: a recall or a closed
// incident sends every drone home, those flying tasks with them.
func (l *loop) cancelTasks(reason string) {
	for _, r := range l.st.Tasks {
		if !r.T.Status.Final() {
			l.endTask(r, task.Cancelled, reason)
		}
	}
}

// endTask ends a task's life with status s; its drone, if any, goes back
// to coverage duty or home.
func (l *loop) endTask(r *taskRecord, s task.Status, reason string) {
	r.T.Status, r.T.Reason = s, reason
	if s == task.Done {
		r.T.Reason = ""
	}
	r.T.DoneAt = l.clk.Now()
	if d := l.drones[r.T.Drone]; d != nil && d.rec.Task == r.T.ID {
		l.freeDrone(d, r)
	}
	r.Phase = ""
	kind, sev, text := EventTaskDone, Info, fmt.Sprintf("%s done by drone %d", r.T.ID, r.T.Drone)
	switch s {
	case task.Refused:
		kind, sev, text = EventTaskRefused, Warning, fmt.Sprintf("%s refused: %s", r.T.ID, reason)
	case task.Failed:
		kind, sev, text = EventTaskFailed, Critical, fmt.Sprintf("%s failed: %s", r.T.ID, reason)
	case task.Cancelled:
		kind, text = EventTaskCancelled, fmt.Sprintf("%s cancelled: %s", r.T.ID, reason)
	}
	l.emitTask(r, kind, sev, text, reason)
	l.dirty = true
}

// freeDrone takes the task off d: in the air it is free for coverage duty
// (fill gives it a station, or dismissSurplus sends it home) when a plan is
// flown and its battery allows, else it goes home; on the ground with its
// mission started it goes home too (AUTO may still lift it).
func (l *loop) freeDrone(d *drone, r *taskRecord) {
	d.rec.Task = ""
	starting := d.op != nil && isTaskOp(d.op.what)
	if starting && d.op.cancel != nil {
		d.op.cancel()
	}
	if d.rec.Home || d.rec.Manual != nil || d.rec.Excluded {
		return // already sent home, or a commander's
	}
	if !d.airborne() {
		if r.Phase == phaseFlying && (starting || d.tel.Armed) {
			// Its mission was started (or is being): AUTO may lift it
			// yet. It is sent home, and not taken for landed before its
			// climb would show.
			d.rec.Home, d.rec.HomeReason = true, "after "+r.T.ID
			d.launchSettled = l.clk.Now().Add(launchSettle)
			l.dirty = true
		}
		return
	}
	inc := l.st.Incident
	duty := l.st.Plan != nil && inc != nil && (inc.State == IncidentDeploying || inc.State == IncidentHolding)
	switch {
	case !duty:
		d.rec.Home, d.rec.HomeReason = true, "no coverage duty after "+r.T.ID
	case d.profile.Tethered() || l.enduranceLeft(d) > 2*l.timeHome(d)+15*time.Minute:
		d.rec.Free = true
	default:
		d.rec.Home, d.rec.HomeReason = true, "battery, after "+r.T.ID
	}
	d.gotoTarget, d.gotoAt = [3]float64{}, time.Time{}
	l.dirty = true
}

// emitTask records a task event; the requesting team, if any, sees it.
func (l *loop) emitTask(r *taskRecord, kind EventKind, sev Severity, text, reason string) {
	e := Event{Kind: kind, Severity: sev, Drone: r.T.Drone, Task: r.T.ID, Team: r.T.Team, Text: text, Reason: reason}
	if !r.T.ETA.IsZero() && !r.T.Status.Final() {
		eta := r.T.ETA
		e.ETA = &eta
	}
	l.emit(e)
}

// describe says what a task asks for, in a few words.
func describe(t *task.Task) string {
	switch t.Kind {
	case task.Drop:
		return fmt.Sprintf("drop %.1f kg, due in %v", t.MassKg, t.Deadline)
	case task.Fire:
		return fmt.Sprintf("spray %.0f L, due in %v", t.Litres, t.Deadline)
	case task.Survey:
		return fmt.Sprintf("survey %d corners at %.1f cm/px, due in %v", len(t.Polygon), t.GSDcm, t.Deadline)
	}
	return string(t.Kind)
}

// taskViews are the tasks as the snapshot shows them, oldest first.
func (l *loop) taskViews() []task.Task {
	out := make([]task.Task, len(l.st.Tasks))
	for i, r := range l.st.Tasks {
		t := r.T
		t.AwaitingApproval = l.cfg.TaskApproval && !t.Approved && t.Status == task.Pending && r.Phase == ""
		t.Polygon, t.Parts = slices.Clone(t.Polygon), slices.Clone(t.Parts)
		if t.Point != nil {
			p := *t.Point
			t.Point = &p
		}
		out[i] = t
	}
	return out
}
