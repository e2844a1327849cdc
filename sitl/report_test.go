package sitl

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aerocell/aerocell/fleet"
)

// shortScenario is fifteen minutes over the town (at 150x: a stalled
// machine costs less flight than at 300x): two tethered drones at a
// ground vehicle, two heavy multirotors and a fixed wing at a base.
const shortScenario = `
name: short
duration: 15m
speed: 150
seed: 5
area: town.geojson
networks: [public, private]
launch_sites:
  - {name: base, lat: 35.68, lon: 102.80, alt: 2000, capacity: 4}
  - {name: truck, lat: 35.69, lon: 102.78, alt: 2000, capacity: 2}
drones:
  - {sysid: 1, count: 2, profile: tethered-multirotor, site: truck}
  - {sysid: 3, count: 2, profile: heavy-multirotor, site: base}
  - {sysid: 5, profile: fixed-wing-relay, site: base}
battery_swap: 5m
sample: 10s
`

func loadShort(t *testing.T) *Scenario {
	t.Helper()
	sc, err := ParseScenario(strings.NewReader(shortScenario))
	if err != nil {
		t.Fatal(err)
	}
	area, err := os.ReadFile(filepath.Join("..", "examples", "areas", "town.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.SetArea(area, nil); err != nil {
		t.Fatal(err)
	}
	return sc
}

// Every figure of report.json on a short real run: times in seconds, first
// coverage before the plan is reached, the mean over the whole run under
// the fleet's upper bound, coverage-hours against the first plan, and the
// commands the drones received.
func TestReportFields(t *testing.T) {
	sc := loadShort(t)
	out := t.TempDir()
	rep, err := Run(context.Background(), sc, Options{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Series []struct {
			TS       float64                   `json:"t_s"`
			Coverage map[fleet.Network]float64 `json:"coverage"`
		} `json:"series"`
		FirstCoverage map[fleet.Network]float64 `json:"time_to_first_coverage_s"`
		ToPlan        map[fleet.Network]float64 `json:"time_to_plan_s"`
		Mean          map[fleet.Network]float64 `json:"mean_coverage"`
		Bound         struct {
			Coverage map[fleet.Network]float64 `json:"coverage"`
		} `json:"upper_bound"`
		FirstPlanRatio map[fleet.Network]float64 `json:"coverage_hours_ratio_to_first_plan"`
		PerDroneHour   float64                   `json:"commands_per_drone_hour"`
	}
	b, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	// Seconds: the last sample is at the end of the run (a loaded machine
	// may skip ticks of the sampler, not more than a minute of flight),
	// the first one about a sample period in.
	n := len(raw.Series)
	if n < 10 {
		t.Fatalf("%d samples", n)
	}
	if last := raw.Series[n-1].TS; last < sc.Duration.Seconds() || last > sc.Duration.Seconds()+60 {
		t.Errorf("last sample at t_s %v, want the run's %v s", last, sc.Duration.Seconds())
	}
	// A starved machine may also skip the first ticks: up to three
	// minutes of flight.
	if first := raw.Series[0].TS; first < sc.Sample.Seconds()*0.5 || first > 180 {
		t.Errorf("first sample at t_s %v, want about %v", first, sc.Sample.Seconds())
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil || back.Series[n-1].T != rep.Series[n-1].T {
		t.Errorf("series time does not read back: %v", err)
	}
	hours := rep.Series[n-1].T.Hours()
	t.Logf("first coverage %v, plan %v, mean %v, bound %+v, first plan %v ratio %v, commands %d (%.1f per drone-hour) %v",
		rep.FirstCoverageS, rep.TimeToPlanS, rep.Mean, rep.Bound, rep.FirstPlan, rep.FirstPlanRatio, rep.Commands, rep.CommandsPerDroneHour, rep.CommandsByDrone)
	for _, net := range rep.Networks {
		// First coverage: the first sample with any coverage.
		want := -1.0
		for _, s := range raw.Series {
			if s.Coverage[net] > 0 {
				want = s.TS
				break
			}
		}
		if want < 0 || raw.FirstCoverage[net] != want {
			t.Errorf("%s: time_to_first_coverage_s %v, want %v (first sample covered)", net, raw.FirstCoverage[net], want)
		}
		if tp := raw.ToPlan[net]; tp != -1 && tp < raw.FirstCoverage[net] { // -1: plan never reached
			t.Errorf("%s: time_to_plan_s %v before first coverage %v", net, tp, raw.FirstCoverage[net])
		}
		// Mean: the time-weighted mean of the series over the run.
		sum, prev := 0.0, 0.0
		for _, s := range raw.Series {
			sum += s.Coverage[net] * (s.TS - prev)
			prev = s.TS
		}
		if m := sum / prev; !(raw.Mean[net] > 0) || math.Abs(raw.Mean[net]-m) > 1e-6 {
			t.Errorf("%s: mean_coverage %v, series gives %v", net, raw.Mean[net], m)
		}
		// The bound: above the mean, within the area ceiling.
		bd := rep.Bound.Coverage[net]
		if !(bd >= raw.Mean[net]) || bd > rep.Bound.AreaCeiling[net]+1e-9 || bd > 1 || raw.Bound.Coverage[net] != bd {
			t.Errorf("%s: upper bound %v for a mean of %v (area ceiling %v)", net, bd, raw.Mean[net], rep.Bound.AreaCeiling[net])
		}
		// Coverage-hours against the first plan, over the whole run.
		if !(rep.FirstPlan[net] > 0) || math.Abs(rep.FirstPlanHours[net]-rep.FirstPlan[net]*hours) > 1e-9 ||
			math.Abs(raw.FirstPlanRatio[net]-rep.CoverageHours[net]/rep.FirstPlanHours[net]) > 1e-9 ||
			math.Abs(rep.CoverageHours[net]-rep.Mean[net]*hours) > 1e-9 {
			t.Errorf("%s: first plan %v, %v coverage-hours of %v, ratio %v", net, rep.FirstPlan[net], rep.CoverageHours[net], rep.FirstPlanHours[net], raw.FirstPlanRatio[net])
		}
	}
	// The two tethered drones share a ground station: one station in the bound, held all the time.
	if rep.Bound.Stations["tethered-multirotor"] != 1 || rep.Bound.HeldShare["tethered-multirotor"] != 0.5 {
		t.Errorf("bound stations %v, shares %v", rep.Bound.Stations, rep.Bound.HeldShare)
	}
	// Commands: every drone was launched (mode, arm, takeoff at least), and
	// the rate is their sum over the drone-hours.
	if len(rep.CommandsByDrone) != 5 {
		t.Errorf("commands by drone %v, want 5 drones", rep.CommandsByDrone)
	}
	total := uint64(0)
	for id, c := range rep.CommandsByDrone {
		if c < 3 {
			t.Errorf("drone %d received %d commands", id, c)
		}
		total += c
	}
	if total != rep.Commands || math.Abs(raw.PerDroneHour-float64(total)/(5*hours)) > 1e-9 {
		t.Errorf("commands %d (sum %d), %v per drone-hour", rep.Commands, total, raw.PerDroneHour)
	}
}
