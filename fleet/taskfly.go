package fleet

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/aerocell/aerocell/mavlink"
	"github.com/aerocell/aerocell/task"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// Flying a task: the crew's loading by parameters on the ground, the
// mission upload and AUTO, then the mission followed to its last item
// through MISSION_CURRENT, MISSION_ITEM_REACHED and the camera's reports.

// taskTries is how many times starting a task's mission is tried before
// the task is reported failed.
const taskTries = 3

// Parameters a crew sets when it loads a drone (the simulator charges the
// mass to the battery, and carries it until released or sprayed).
const (
	paramLoadKg = "AC_LOAD_KG"
	paramTankL  = "AC_TANK_L"
)

// actTask sends d the next command of its task: the mission, once.
func (l *loop) actTask(d *drone) {
	r := l.taskByID(d.rec.Task)
	if r == nil || r.T.Status.Final() {
		d.rec.Task = "" // a task gone from the state: free the drone
		l.dirty = true
		return
	}
	switch r.Phase {
	case phaseAssigned:
		if r.T.Kind != task.Survey && d.airborne() {
			l.actHome(d) // the crew loads it on the ground
			return
		}
		if !d.airborne() && !d.profile.Tethered() && d.tel.BatteryPct >= 0 && d.tel.BatteryPct < 95 {
			return // the crew swaps its battery
		}
		if !d.airborne() && d.tel.Armed {
			return // landing: disarmed before it is loaded
		}
		l.startTask(d, r)
	case phaseFlying:
		if r.T.Status == task.Active && d.airborne() && d.tel.Mode != "AUTO" && !failsafeMode(d.tel.Mode) && l.settled(d, "task resume") {
			// A third party switched it out of AUTO: the mission goes on.
			l.startOp(d, "task resume", nil, func(ctx context.Context, link MAVLink, id mavlink.VehicleID) error {
				return link.StartMission(ctx, id)
			})
		}
	}
}

// startTask checks the flight against the drone's limits, then loads,
// uploads and starts it as one command sequence. Every step is
// acknowledged (the link layer retries); a failed sequence is tried again
// after the loop's back-off, taskTries times, and then reported failed.
func (l *loop) startTask(d *drone, r *taskRecord) {
	f, err := l.planFlight(d, r.left())
	if err != nil {
		l.endTask(r, task.Failed, "not flown: "+err.Error())
		return
	}
	air := d.airborne()
	var off []mavlink.Network
	for _, n := range Networks {
		if cellState(d, n) == mavlink.CellOn {
			off = append(off, n)
		}
	}
	fence := l.fenceItems()
	incID := incidentID(l.st.Incident)
	needFence := !air && d.fenceFor != incID && len(fence) > 0
	items := f.items
	r.Phase, r.Items, r.MissionAt = phaseFlying, len(items), l.clk.Now()
	r.PhotosBase, r.Shots = d.tel.Mission.Photos, nil
	r.T.ETA, r.back = l.clk.Now().Add(f.reach+f.on+f.rest), f.back
	r.SortieL = f.tankL
	l.dirty = true
	l.startOp(d, "task "+r.T.ID, nil, func(ctx context.Context, link MAVLink, id mavlink.VehicleID) error {
		for _, n := range off {
			if err := link.SetPayload(ctx, id, n, false); err != nil {
				return fmt.Errorf("cells off: %w", err)
			}
		}
		if !air {
			for _, p := range []struct {
				name string
				v    float64
			}{{paramLoadKg, f.loadKg}, {paramTankL, f.tankL}} {
				if p.v > 0 {
					if err := link.SetParam(ctx, id, p.name, float32(p.v)); err != nil {
						return fmt.Errorf("loading: %w", err)
					}
				}
			}
			if needFence {
				if err := link.UploadFence(ctx, id, fence); err != nil {
					return fmt.Errorf("geofence upload: %w", err)
				}
			}
		}
		if err := link.UploadMission(ctx, id, common.MAV_MISSION_TYPE_MISSION, items); err != nil {
			return fmt.Errorf("mission upload: %w", err)
		}
		if !air {
			if err := link.SetMode(ctx, id, "GUIDED"); err != nil {
				return fmt.Errorf("mode GUIDED: %w", err)
			}
			if err := link.Arm(ctx, id); err != nil {
				return fmt.Errorf("arm: %w", err)
			}
		}
		if err := link.StartMission(ctx, id); err != nil {
			return fmt.Errorf("mode AUTO: %w", err)
		}
		return nil
	})
	if needFence {
		d.fenceFor = incID
	}
	l.onFail(d, func() {
		if needFence {
			d.fenceFor = ""
		}
		if r.T.Status.Final() || d.rec.Task != r.T.ID {
			return // cancelled or reassigned meanwhile
		}
		r.Phase = phaseAssigned
		r.Tries++
		l.dirty = true
		if r.Tries >= taskTries {
			l.endTask(r, task.Failed, fmt.Sprintf("drone %d did not take the mission after %d tries (see command.failed)", d.id, r.Tries))
		}
	})
}

// trackTasks follows every task in flight to its end.
func (l *loop) trackTasks() {
	now := l.clk.Now()
	for _, d := range l.drones {
		switch {
		case d.airborne():
			d.flew = true
		case d.flew && d.heard && !d.tel.Lost:
			d.flew, d.landedAt = false, now
		}
	}
	for _, r := range l.st.Tasks {
		if r.T.Status.Final() || r.Phase == "" {
			continue
		}
		if r.Phase == phaseRelief {
			l.trackRelief(r)
			continue
		}
		if r.Phase == phaseParts {
			l.trackParts(r)
			continue
		}
		d := l.drones[r.T.Drone]
		if d == nil || d.rec.Task != r.T.ID {
			if d == nil && l.clk.Since(l.started) < l.cfg.StartGrace {
				continue // not heard yet since a restart
			}
			l.endTask(r, task.Failed, fmt.Sprintf("drone %d is gone", r.T.Drone))
			continue
		}
		switch {
		case d.state == DroneLost:
			if !d.lostAt.IsZero() && now.Sub(d.lostAt) > l.cfg.LinkGrace {
				l.endTask(r, task.Failed, fmt.Sprintf("drone %d lost", d.id))
			}
			continue
		case d.rec.Failed != "":
			l.endTask(r, task.Failed, fmt.Sprintf("drone %d out of service: %s", d.id, d.rec.Failed))
			continue
		case d.rec.Home:
			// A recall, a closed incident: every drone goes home.
			l.endTask(r, task.Failed, fmt.Sprintf("drone %d sent home: %s", d.id, d.rec.HomeReason))
			continue
		case d.rec.Excluded || d.rec.Manual != nil:
			l.endTask(r, task.Failed, fmt.Sprintf("drone %d taken over by a commander", d.id))
			continue
		case r.Phase == phaseAssigned && now.After(r.T.DueAt):
			l.endTask(r, task.Failed, "deadline passed before the mission started")
			continue
		}
		if r.Phase != phaseFlying || d.op != nil {
			continue
		}
		p := d.tel.Mission
		r.Photos = max(0, p.Photos-r.PhotosBase)
		r.keepShots(p.Recent)
		switch {
		case p.Reached == r.Items-1 && !p.ReachedAt.Before(r.MissionAt):
			l.missionDone(r, d)
		case r.T.Status == task.Assigned && d.tel.Mode == "AUTO":
			r.T.Status, r.T.StartedAt = task.Active, now
			l.dirty = true
			l.emitTask(r, EventTaskActive, Info, fmt.Sprintf("%s under way: drone %d flies its mission", r.T.ID, d.id), "")
		case d.airborne() && failsafeMode(d.tel.Mode) && l.clk.Since(r.MissionAt) > 5*time.Second:
			l.endTask(r, task.Failed, fmt.Sprintf("drone %d left its mission in %s (autopilot failsafe)", d.id, d.tel.Mode))
			d.rec.Free, d.rec.Home, d.rec.HomeReason = false, true, "autopilot failsafe ("+d.tel.Mode+")"
		case d.airborne() && !d.profile.Tethered() && d.tel.BatteryPct >= 0 && l.enduranceLeft(d)+l.reserveFlight(d) <= l.homeCost(d)+time.Minute:
			l.endTask(r, task.Failed, fmt.Sprintf("drone %d must leave for home: battery", d.id))
			d.rec.Free, d.rec.Home, d.rec.HomeReason = false, true, "battery: must leave now to reach home"
		case now.After(r.T.ETA.Add(max(10*time.Minute, r.T.ETA.Sub(r.MissionAt)/2))):
			l.endTask(r, task.Failed, fmt.Sprintf("drone %d overran its estimate (item %d of %d)", d.id, p.Current, r.Items-1))
		}
	}
}

// missionDone ends r's mission flown by d: the task is done, or for a
// fire bigger than a tank, the sortie is, and the next waits for the best
// drone then (this one once home with a fresh battery and a full tank, or
// another): schedule offers it in the same pass.
func (l *loop) missionDone(r *taskRecord, d *drone) {
	left := r.T.Litres - r.SprayedL - r.SortieL
	if r.T.Kind != task.Fire || r.SortieL <= 0 || left < 0.5 {
		l.endTask(r, task.Done, "")
		return
	}
	r.SprayedL += r.SortieL
	r.SortieL, r.SortiesCost = 0, r.T.CoverageCostKm2h
	l.freeDrone(d, r)
	d.state = l.deriveState(d) // schedule, next, weighs it as it now is
	r.Phase, r.Items, r.Tries = "", 0, 0
	l.dirty = true
	l.emitTask(r, EventTaskSortie, Info, fmt.Sprintf("%s: drone %d sprayed its tank, %.0f L of %.0f L done; %.0f L to go",
		r.T.ID, d.id, r.SprayedL, r.T.Litres, left), "a tank short of the fire")
}

// maxShots bounds the photo positions a survey keeps: a survey of a few
// km² at a few cm per pixel; the count goes on beyond it.
const maxShots = 20_000

// keepShots keeps the positions of the photos among recent (the drone's
// last reported, each with its count) taken since r's mission started,
// each under its index in the survey (Seq). A photo counted again (the
// autopilot's CAMERA_FEEDBACK replacing the count of its triggers)
// replaces the one kept under its index; photos missed between two reads
// leave a gap in the indices.
func (r *taskRecord) keepShots(recent []mavlink.Photo) {
	if r.T.Kind != task.Survey {
		return
	}
	for _, ph := range recent {
		i := ph.N - r.PhotosBase - 1
		if i < 0 {
			continue
		}
		shot := task.Photo{Seq: i, Pos: task.LonLat{ph.Lon, ph.Lat}, Time: ph.At, AltAMSLM: ph.AltMSL,
			AltRelM: math.Max(0, ph.AltRel), YawDeg: ph.Yaw}
		n := len(r.Shots)
		if n == 0 || i > r.Shots[n-1].Seq {
			if n < maxShots {
				r.Shots = append(r.Shots, shot)
			}
			continue
		}
		if j, ok := slices.BinarySearchFunc(r.Shots, i, func(p task.Photo, seq int) int { return cmp.Compare(p.Seq, seq) }); ok {
			r.Shots[j] = shot
		}
	}
}

func failsafeMode(m string) bool {
	switch m {
	case "RTL", "LAND", "QRTL", "QLAND", "SMART_RTL":
		return true
	}
	return false
}

// isTaskOp reports whether a command sequence flies a task.
func isTaskOp(what string) bool { return strings.HasPrefix(what, "task ") }
