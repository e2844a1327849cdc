package sitl

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/task"
)

// Tasks in a scenario (issue 12): drops, surveys and fire asked of the
// controller at set times of the run, and what became of them.

// TaskEntry is one task of a scenario's timeline:
//
//	tasks:
//	  - {at: 20m, kind: drop, deadline: 15m, lat: 35.70, lon: 102.81, mass_kg: 8}
//	  - {at: 40m, kind: survey, deadline: 45m, area: ../areas/slide.geojson, gsd_cm: 3, overlap_pct: 70}
//	  - {at: 1h, kind: fire, deadline: 20m, lat: 35.69, lon: 102.82, litres: 15}
//
// A survey takes a polygon (a ring of [lon, lat]) or an area (a GeoJSON
// file, relative to the scenario; its first polygon's outer ring).
type TaskEntry struct {
	At         time.Duration `yaml:"at"`
	Kind       task.Kind     `yaml:"kind"`
	Deadline   time.Duration `yaml:"deadline"`
	Priority   int           `yaml:"priority"`
	Lat        *float64      `yaml:"lat"`
	Lon        *float64      `yaml:"lon"`
	MassKg     float64       `yaml:"mass_kg"`
	Polygon    [][2]float64  `yaml:"polygon"`
	Area       string        `yaml:"area"`
	GSDcm      float64       `yaml:"gsd_cm"`
	OverlapPct float64       `yaml:"overlap_pct"`
	Litres     float64       `yaml:"litres"`
	Team       string        `yaml:"team"`

	// area is the ring read from Area.
	area []task.LonLat
}

// Request is the controller's request for the entry.
func (e *TaskEntry) Request() task.Request {
	r := task.Request{Kind: e.Kind, Priority: e.Priority, Deadline: e.Deadline, MassKg: e.MassKg,
		GSDcm: e.GSDcm, OverlapPct: e.OverlapPct, Litres: e.Litres, Team: e.Team}
	if e.Lat != nil && e.Lon != nil {
		r.Point = &task.LonLat{*e.Lon, *e.Lat}
	}
	for _, p := range e.Polygon {
		r.Polygon = append(r.Polygon, task.LonLat(p))
	}
	if len(r.Polygon) == 0 {
		r.Polygon = e.area
	}
	return r
}

// validateTasks checks the timeline; entries whose area file is not read
// yet are checked when it is (loadTaskAreas).
func (s *Scenario) validateTasks() error {
	for i := range s.Tasks {
		e := &s.Tasks[i]
		f := fmt.Sprintf("tasks[%d]", i)
		if e.At < 0 || e.At > s.Duration {
			return scenarioErr(f+".at", "outside the run")
		}
		if (e.Lat == nil) != (e.Lon == nil) {
			return scenarioErr(f, "lat and lon go together")
		}
		if e.Area != "" && len(e.Polygon) > 0 {
			return scenarioErr(f, "polygon or area, not both")
		}
		if e.Area != "" && e.area == nil {
			continue
		}
		if err := e.check(f); err != nil {
			return err
		}
	}
	return nil
}

func (e *TaskEntry) check(f string) error {
	if err := e.Request().Validate(); err != nil {
		var fe *task.FieldError
		if errors.As(err, &fe) {
			return scenarioErr(f+"."+fe.Field, "%s", fe.Reason)
		}
		return scenarioErr(f, "%v", err)
	}
	return nil
}

// loadTaskAreas reads the surveys' area files, relative to dir.
func (s *Scenario) loadTaskAreas(dir string) error {
	for i := range s.Tasks {
		e := &s.Tasks[i]
		if e.Area == "" {
			continue
		}
		f := fmt.Sprintf("tasks[%d]", i)
		p := e.Area
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return scenarioErr(f+".area", "%v", err)
		}
		m, err := coverage.ParseArea(b)
		if err != nil {
			return scenarioErr(f+".area", "%v", err)
		}
		if len(m) == 0 || len(m[0]) == 0 {
			return scenarioErr(f+".area", "no polygon")
		}
		e.area = nil
		for _, q := range m[0][0] {
			e.area = append(e.area, task.LonLat{q.Lon, q.Lat})
		}
		if err := e.check(f); err != nil {
			return err
		}
	}
	return nil
}

// TaskReport is what became of one task of the run.
type TaskReport struct {
	ID   string    `json:"id"`
	Kind task.Kind `json:"kind"`
	// Status is done, failed, refused, cancelled, or pending (not ended
	// when the run did).
	Status task.Status `json:"status"`
	Reason string      `json:"reason,omitempty"`
	// RequestedS, DueS and DoneS are seconds of flight; DoneS is -1 for a
	// task that did not end.
	RequestedS float64 `json:"requested_s"`
	DueS       float64 `json:"due_s"`
	DoneS      float64 `json:"done_s"`
	Drone      int     `json:"drone,omitempty"`
	// CoverageCostKm2h is the coverage the scheduler's choice cost, in
	// km²·h (its estimate when it chose).
	CoverageCostKm2h float64 `json:"coverage_cost_km2h"`
	// Photos and FootprintCoverage: a survey's photos (where the drone's
	// camera reported them to the controller, in survey-ID.geojson) and
	// the fraction of its polygon their footprints cover.
	Photos            int     `json:"photos,omitempty"`
	FootprintCoverage float64 `json:"footprint_coverage,omitempty"`
}

// submitTasks asks the controller for the tasks due by t, once each.
func (r *runner) submitTasks(ctx context.Context, t time.Duration) error {
	for r.nextTask < len(r.sc.Tasks) && r.sc.Tasks[r.nextTask].At <= t {
		e := &r.sc.Tasks[r.nextTask]
		if _, err := r.d.Controller().RequestTask(ctx, e.Request()); err != nil {
			return fmt.Errorf("sitl: tasks[%d]: %w", r.nextTask, err)
		}
		r.nextTask++
	}
	return nil
}

// finishTasks reports every task of the run and writes each survey's
// photos, as the controller has them, to survey-ID.geojson.
func (r *runner) finishTasks(ctx context.Context, rep *Report, tasks []task.Task) error {
	secs := func(at time.Time) float64 { return at.Sub(rep.StartedAt).Seconds() }
	for _, t := range tasks {
		tr := TaskReport{ID: t.ID, Kind: t.Kind, Status: t.Status, Reason: t.Reason, RequestedS: secs(t.RequestedAt),
			DueS: secs(t.DueAt), DoneS: -1, Drone: t.Drone, CoverageCostKm2h: t.CoverageCostKm2h}
		switch t.Status {
		case task.Done, task.Failed, task.Refused, task.Cancelled:
			tr.DoneS = secs(t.DoneAt)
		default:
			tr.Status = task.Pending
		}
		if t.Status != task.Refused && t.Parent == "" {
			rep.TaskCoverageHoursLost += t.CoverageCostKm2h // a fire's parts are counted in it
		}
		if t.Kind == task.Survey && t.Drone != 0 && !t.StartedAt.IsZero() {
			if err := r.writeSurvey(ctx, &tr, t); err != nil {
				return err
			}
		}
		rep.Tasks = append(rep.Tasks, tr)
	}
	return nil
}

// writeSurvey writes the photos the survey's drone reported taking while
// flying it, where its camera reported them (what the controller keeps,
// what the console's survey.geojson draws).
func (r *runner) writeSurvey(ctx context.Context, tr *TaskReport, t task.Task) error {
	v, err := r.d.Controller().Survey(ctx, t.ID)
	if err != nil {
		return fmt.Errorf("sitl: %s: %w", t.ID, err)
	}
	tr.Photos = len(v.Photos)
	b, err := task.SurveyGeoJSON(v.Photos, v.Camera)
	if err != nil {
		return fmt.Errorf("sitl: %s: %w", t.ID, err)
	}
	tr.FootprintCoverage = task.FootprintCoverage(v.Photos, v.Camera, t.Polygon)
	return os.WriteFile(filepath.Join(r.out, "survey-"+t.ID+".geojson"), b, 0o644)
}
