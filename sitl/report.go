package sitl

import (
	"encoding/json"
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/aerocell/aerocell/fleet"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Report is what a run wrote to report.json. Times are seconds of flight
// from the start of the run; coverage is the fraction of the area covered,
// measured from the simulator's truth unless said otherwise.
type Report struct {
	Scenario string `json:"scenario"`
	// StartedAt is the virtual time the run's clock of flight starts from
	// (events carry virtual times).
	StartedAt   time.Time `json:"started_at"`
	DurationS   float64   `json:"duration_s"`
	Speed       float64   `json:"speed"`
	WallSeconds float64   `json:"wall_seconds"`
	Drones      int       `json:"drones"`
	// Networks are the networks the incident wants.
	Networks []fleet.Network `json:"networks"`
	// FirstCoverageS is, per network, the first time any of the area was
	// covered (-1: never).
	FirstCoverageS map[fleet.Network]float64 `json:"time_to_first_coverage_s"`
	// TimeToPlanS is, per network, the first time coverage came within a
	// percent point of the plan then in force (-1: never).
	TimeToPlanS map[fleet.Network]float64 `json:"time_to_plan_s"`
	// Deployed is when every wanted network first reached its plan.
	DeployedS float64 `json:"first_full_deployment_s"`
	// Mean is the mean coverage over the whole run.
	Mean map[fleet.Network]float64 `json:"mean_coverage"`
	// Bound is what the fleet could give at best over the run (see
	// [Bound]); Mean can come near it, not above.
	Bound *Bound `json:"upper_bound"`
	// Lowest is the lowest coverage after the first full deployment.
	Lowest map[fleet.Network]float64 `json:"lowest_coverage_after_deployment"`
	// LowestPlanned is the planned coverage at that moment.
	LowestPlanned map[fleet.Network]float64 `json:"planned_coverage_at_lowest"`
	// CoverageHours are coverage-hours (fraction of the area times hours)
	// over the whole run; FirstPlan is the coverage of the first plan
	// (the deployment's) and FirstPlanHours what holding it from the
	// start to the end would give; FirstPlanRatio their ratio. Unlike
	// the current plan, the first plan does not shrink when a controller
	// gives stations up.
	CoverageHours  map[fleet.Network]float64 `json:"coverage_hours"`
	FirstPlan      map[fleet.Network]float64 `json:"first_plan_coverage"`
	FirstPlanHours map[fleet.Network]float64 `json:"coverage_hours_first_plan"`
	FirstPlanRatio map[fleet.Network]float64 `json:"coverage_hours_ratio_to_first_plan"`
	// Delivered and CurrentPlanHours are coverage-hours from the first
	// full deployment to the end, of the coverage and of the plan in
	// force at each moment (which shrinks as stations are given up);
	// CurrentPlanRatio is their ratio. It says how well the controller
	// held its own plan, not how well it served the area.
	Delivered        map[fleet.Network]float64 `json:"coverage_hours_delivered"`
	CurrentPlanHours map[fleet.Network]float64 `json:"coverage_hours_current_plan"`
	CurrentPlanRatio map[fleet.Network]float64 `json:"coverage_hours_ratio_to_current_plan"`
	// Commands are the commands that reached the drones (COMMAND_LONG,
	// COMMAND_INT, SET_MODE), counted by the simulator: in all, per drone
	// and per drone-hour of the run.
	Commands             uint64         `json:"commands"`
	CommandsByDrone      map[int]uint64 `json:"commands_by_drone"`
	CommandsPerDroneHour float64        `json:"commands_per_drone_hour"`
	// Stations in the plan at the end.
	Stations int            `json:"stations"`
	Restarts []Restart      `json:"restarts,omitempty"`
	Counts   map[string]int `json:"event_counts"`
	// Tasks are the scenario's tasks and what became of them;
	// TaskCoverageHoursLost the coverage their drones' choice cost, in
	// km²·h (the scheduler's estimates, summed over the tasks flown).
	Tasks                 []TaskReport  `json:"tasks,omitempty"`
	TaskCoverageHoursLost float64       `json:"coverage_hours_lost_to_tasks"`
	Series                []Sample      `json:"series"`
	Events                []fleet.Event `json:"events"`

	tracks map[int]orb.LineString
}

// Restart is a daemon restart during the run.
type Restart struct {
	AtS          float64 `json:"at_s"`
	EventsBefore int     `json:"events_before"`
}

func newReport(sc *Scenario, speed float64) *Report {
	r := &Report{Scenario: sc.Name, DurationS: sc.Duration.Seconds(), Speed: speed, Drones: len(sc.simDrones()),
		FirstCoverageS: map[fleet.Network]float64{}, TimeToPlanS: map[fleet.Network]float64{}, Mean: map[fleet.Network]float64{},
		Lowest: map[fleet.Network]float64{}, LowestPlanned: map[fleet.Network]float64{},
		CoverageHours: map[fleet.Network]float64{}, FirstPlan: map[fleet.Network]float64{}, FirstPlanHours: map[fleet.Network]float64{},
		FirstPlanRatio: map[fleet.Network]float64{}, Delivered: map[fleet.Network]float64{},
		CurrentPlanHours: map[fleet.Network]float64{}, CurrentPlanRatio: map[fleet.Network]float64{},
		CommandsByDrone: map[int]uint64{}, Counts: map[string]int{}, tracks: map[int]orb.LineString{}, DeployedS: -1}
	r.Networks = networksOf(sc)
	for _, n := range r.Networks {
		r.FirstCoverageS[n], r.TimeToPlanS[n] = -1, -1
	}
	return r
}

// reached reports whether live coverage of n is within a percent point of
// a non-empty plan.
func reached(s Sample, n fleet.Network) bool {
	return s.Planned[n] > 0 && s.Coverage[n] >= s.Planned[n]-0.01
}

func (r *Report) add(s Sample) {
	for _, d := range s.Drones {
		if d.Link.Up && (d.Lat != 0 || d.Lon != 0) {
			r.tracks[d.ID] = append(r.tracks[d.ID], orb.Point{d.Lon, d.Lat})
		}
	}
	// Each sample stands for the time since the one before.
	dt := s.T.Hours()
	if k := len(r.Series); k > 0 {
		dt = (s.T - r.Series[k-1].T).Hours()
	}
	all := true
	for _, n := range r.Networks {
		if r.FirstCoverageS[n] < 0 && s.Coverage[n] > 0 {
			r.FirstCoverageS[n] = s.T.Seconds()
		}
		if r.TimeToPlanS[n] < 0 && reached(s, n) {
			r.TimeToPlanS[n] = s.T.Seconds()
		}
		all = all && r.TimeToPlanS[n] >= 0
		if _, ok := r.FirstPlan[n]; !ok && s.Stations > 0 {
			r.FirstPlan[n] = s.Planned[n]
		}
		r.CoverageHours[n] += s.Coverage[n] * dt
	}
	if all && r.DeployedS < 0 {
		r.DeployedS = s.T.Seconds()
	}
	if r.DeployedS >= 0 {
		for _, n := range r.Networks {
			if low, ok := r.Lowest[n]; !ok || s.Coverage[n] < low {
				r.Lowest[n], r.LowestPlanned[n] = s.Coverage[n], s.Planned[n]
			}
			r.Delivered[n] += s.Coverage[n] * dt
			r.CurrentPlanHours[n] += s.Planned[n] * dt
		}
	}
	s.Drones = nil
	r.Series = append(r.Series, s)
	r.Stations = s.Stations
}

// finish fills the figures of the whole run: events, means, ratios and the
// commands the drones received (by sysid).
func (r *Report) finish(evs []fleet.Event, commands map[int]uint64) {
	r.Events = evs
	for _, e := range evs {
		r.Counts[string(e.Kind)]++
	}
	hours := 0.0
	if k := len(r.Series); k > 0 {
		hours = r.Series[k-1].T.Hours()
	}
	for _, n := range r.Networks {
		if hours > 0 {
			r.Mean[n] = r.CoverageHours[n] / hours
		}
		r.FirstPlanHours[n] = r.FirstPlan[n] * hours
		if r.FirstPlanHours[n] > 0 {
			r.FirstPlanRatio[n] = r.CoverageHours[n] / r.FirstPlanHours[n]
		}
		if r.CurrentPlanHours[n] > 0 {
			r.CurrentPlanRatio[n] = r.Delivered[n] / r.CurrentPlanHours[n]
		}
	}
	for id, c := range commands {
		r.CommandsByDrone[id] = c
		r.Commands += c
	}
	if r.Drones > 0 && hours > 0 {
		r.CommandsPerDroneHour = float64(r.Commands) / (float64(r.Drones) * hours)
	}
}

// write puts report.json, coverage.svg, coverage.png and tracks.geojson in dir.
func (r *Report) write(dir string) error {
	b, err := json.MarshalIndent(r, "", " ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "report.json"), b, 0o644); err != nil {
		return err
	}
	fc := geojson.NewFeatureCollection()
	ids := make([]int, 0, len(r.tracks))
	for id := range r.tracks {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	for _, id := range ids {
		f := geojson.NewFeature(r.tracks[id])
		f.Properties["drone"] = id
		fc.Append(f)
	}
	tb, err := json.Marshal(fc)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "tracks.geojson"), tb, 0o644); err != nil {
		return err
	}
	return r.plot(dir)
}

// plot draws coverage over time per network, live and planned.
func (r *Report) plot(dir string) error {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s: coverage over time", r.Scenario)
	p.X.Label.Text = "time (h)"
	p.Y.Label.Text = "fraction of the area covered"
	p.Y.Min, p.Y.Max = 0, 1.02
	colours := map[fleet.Network]color.RGBA{fleet.Public: {R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, fleet.Private: {R: 0xd6, G: 0x27, B: 0x28, A: 0xff}}
	for _, n := range r.Networks {
		live := make(plotter.XYs, len(r.Series))
		planned := make(plotter.XYs, len(r.Series))
		for i, s := range r.Series {
			live[i] = plotter.XY{X: s.T.Hours(), Y: s.Coverage[n]}
			planned[i] = plotter.XY{X: s.T.Hours(), Y: s.Planned[n]}
		}
		l, err := plotter.NewLine(live)
		if err != nil {
			return err
		}
		l.Color, l.Width = colours[n], vg.Points(1.5)
		pl, err := plotter.NewLine(planned)
		if err != nil {
			return err
		}
		pl.Color, pl.Width, pl.Dashes = colours[n], vg.Points(1), []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(l, pl)
		p.Legend.Add(n.String()+" (live)", l)
		p.Legend.Add(n.String()+" (plan)", pl)
	}
	p.Legend.Top, p.Legend.Left = false, false
	p.Add(plotter.NewGrid())
	for _, ext := range []string{"svg", "png"} {
		if err := p.Save(8*vg.Inch, 4*vg.Inch, filepath.Join(dir, "coverage."+ext)); err != nil {
			return err
		}
	}
	return nil
}

func fmtDur(t time.Duration) string {
	t = t.Round(time.Second)
	return fmt.Sprintf("%d:%02d:%02d", int(t.Hours()), int(t.Minutes())%60, int(t.Seconds())%60)
}
