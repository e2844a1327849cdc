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
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Report is what a run wrote to report.json.
type Report struct {
	Scenario    string  `json:"scenario"`
	DurationS   float64 `json:"duration_s"`
	Speed       float64 `json:"speed"`
	WallSeconds float64 `json:"wall_seconds"`
	Drones      int     `json:"drones"`
	// Networks are the networks the incident wants.
	Networks []fleet.Network `json:"networks"`
	// TimeToCoverageS is, per network, the first time live coverage came
	// within a percent point of the plan (-1: never).
	TimeToCoverageS map[fleet.Network]float64 `json:"time_to_first_coverage_s"`
	// Deployed is when every wanted network first reached its plan.
	DeployedS float64 `json:"first_full_deployment_s"`
	// Lowest is the lowest live coverage after the first full deployment.
	Lowest map[fleet.Network]float64 `json:"lowest_coverage_after_deployment"`
	// LowestPlanned is the planned coverage at that moment.
	LowestPlanned map[fleet.Network]float64 `json:"planned_coverage_at_lowest"`
	// Delivered and Planned are coverage-hours (fraction of the area times
	// hours) from the first full deployment to the end; Ratio their ratio.
	Delivered map[fleet.Network]float64 `json:"coverage_hours_delivered"`
	Planned   map[fleet.Network]float64 `json:"coverage_hours_planned"`
	Ratio     map[fleet.Network]float64 `json:"coverage_hours_ratio"`
	// Stations in the plan at the end.
	Stations int            `json:"stations"`
	Restarts []Restart      `json:"restarts,omitempty"`
	Counts   map[string]int `json:"event_counts"`
	Series   []Sample       `json:"series"`
	Events   []fleet.Event  `json:"events"`

	tracks map[int]orb.LineString
}

// Restart is a daemon restart during the run.
type Restart struct {
	AtS          float64 `json:"at_s"`
	EventsBefore int     `json:"events_before"`
}

func newReport(sc *Scenario, speed float64) *Report {
	r := &Report{Scenario: sc.Name, DurationS: sc.Duration.Seconds(), Speed: speed, Drones: len(sc.simDrones()),
		TimeToCoverageS: map[fleet.Network]float64{}, Lowest: map[fleet.Network]float64{}, LowestPlanned: map[fleet.Network]float64{},
		Delivered: map[fleet.Network]float64{}, Planned: map[fleet.Network]float64{}, Ratio: map[fleet.Network]float64{},
		Counts: map[string]int{}, tracks: map[int]orb.LineString{}, DeployedS: -1}
	for _, n := range sc.Networks {
		r.Networks = append(r.Networks, fleet.Network(n))
	}
	if len(r.Networks) == 0 {
		r.Networks = []fleet.Network{fleet.Public, fleet.Private}
	}
	for _, n := range r.Networks {
		r.TimeToCoverageS[n] = -1
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
	all := true
	for _, n := range r.Networks {
		if r.TimeToCoverageS[n] < 0 && reached(s, n) {
			r.TimeToCoverageS[n] = s.T.Seconds()
		}
		all = all && r.TimeToCoverageS[n] >= 0
	}
	if all && r.DeployedS < 0 {
		r.DeployedS = s.T.Seconds()
	}
	if r.DeployedS >= 0 {
		dt := 0.0
		if k := len(r.Series); k > 0 {
			dt = (s.T - r.Series[k-1].T).Hours()
		}
		for _, n := range r.Networks {
			if low, ok := r.Lowest[n]; !ok || s.Coverage[n] < low {
				r.Lowest[n], r.LowestPlanned[n] = s.Coverage[n], s.Planned[n]
			}
			r.Delivered[n] += s.Coverage[n] * dt
			r.Planned[n] += s.Planned[n] * dt
		}
	}
	s.Drones = nil
	r.Series = append(r.Series, s)
	r.Stations = s.Stations
}

func (r *Report) finish(evs []fleet.Event, started time.Time) {
	r.Events = evs
	for _, e := range evs {
		r.Counts[e.Kind]++
	}
	for _, n := range r.Networks {
		if r.Planned[n] > 0 {
			r.Ratio[n] = r.Delivered[n] / r.Planned[n]
		}
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
	type feature struct {
		Type       string         `json:"type"`
		Properties map[string]int `json:"properties"`
		Geometry   struct {
			Type        string         `json:"type"`
			Coordinates orb.LineString `json:"coordinates"`
		} `json:"geometry"`
	}
	fc := struct {
		Type     string    `json:"type"`
		Features []feature `json:"features"`
	}{Type: "FeatureCollection", Features: []feature{}}
	ids := make([]int, 0, len(r.tracks))
	for id := range r.tracks {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	for _, id := range ids {
		f := feature{Type: "Feature", Properties: map[string]int{"drone": id}}
		f.Geometry.Type, f.Geometry.Coordinates = "LineString", r.tracks[id]
		fc.Features = append(fc.Features, f)
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
		p.Legend.Add(string(n)+" (live)", l)
		p.Legend.Add(string(n)+" (plan)", pl)
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
