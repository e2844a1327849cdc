package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/aerocell/aerocell/sitl"
)

// runSITL plays a SITL scenario: the daemon and the simulator together under
// the virtual clock.
func runSITL(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("sitl", stderr)
	out := fs.String("out", "sitl-out", "directory for report.json, coverage.svg/.png, tracks.geojson and the log")
	speed := fs.Float64("speed", 0, "override the scenario's speed-up")
	httpAddr := fs.String("http", "", "serve the console there during the run (e.g. 127.0.0.1:8080)")
	quiet := fs.Bool("q", false, "no progress bar")
	jsonOut := fs.Bool("json", false, "print the report summary as JSON")
	check := fs.Bool("check", false, "also check the run's properties (idle drones, command storms, unanswered failures, coverage under the upper bound) and print the violations")
	generate := fs.Int("generate", 0, "write this many random scenarios into --out instead of running one")
	seed := fs.Uint64("seed", 1, "with --generate: the seed of the scenario family")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if *generate != 0 {
		if len(pos) != 0 {
			return usageError{"sitl: --generate takes no scenario file: aerocell sitl --generate N --seed S --out DIR"}
		}
		paths, err := sitl.Generate(*out, *generate, *seed)
		if err != nil {
			return err
		}
		for _, p := range paths {
			fmt.Fprintln(stdout, p)
		}
		return nil
	}
	if len(pos) != 1 {
		return usageError{"sitl: give one scenario file: aerocell sitl SCENARIO.yaml [--out DIR]"}
	}
	sc, err := sitl.LoadScenario(pos[0])
	if err != nil {
		return err
	}
	opt := sitl.Options{Out: *out, Speed: *speed, HTTP: *httpAddr}
	if !*quiet {
		opt.Progress = stderr
	}
	rep, err := sitl.Run(ctx, sc, opt)
	if err != nil {
		return err
	}
	var violations []sitl.Violation
	if *check {
		violations = sitl.Check(sc, rep, sitl.DefaultLimits())
	}
	if *jsonOut {
		sum := map[string]any{
			"scenario": rep.Scenario, "time_to_first_coverage_s": rep.FirstCoverageS, "time_to_plan_s": rep.TimeToPlanS,
			"first_full_deployment_s": rep.DeployedS, "mean_coverage": rep.Mean, "upper_bound": rep.Bound,
			"lowest_coverage_after_deployment": rep.Lowest, "coverage_hours_ratio_to_first_plan": rep.FirstPlanRatio,
			"coverage_hours_ratio_to_current_plan": rep.CurrentPlanRatio, "commands_per_drone_hour": rep.CommandsPerDroneHour,
			"stations": rep.Stations, "wall_seconds": rep.WallSeconds, "out": *out,
		}
		if *check {
			sum["violations"] = violations
		}
		b, _ := json.MarshalIndent(sum, "", "  ")
		_, err := fmt.Fprintln(stdout, string(b))
		return err
	}
	fmt.Fprintf(stdout, "%s: %d drones, %d stations, %.0f s of flight in %.0f s, %.1f commands per drone-hour\n",
		rep.Scenario, rep.Drones, rep.Stations, rep.DurationS, rep.WallSeconds, rep.CommandsPerDroneHour)
	for _, n := range rep.Networks {
		fmt.Fprintf(stdout, "  %-8s mean %.1f%% (upper bound %.1f%%), first coverage at %s, plan reached at %s, lowest after deployment %.1f%% (plan %.1f%%), coverage-hours %.1f%% of the first plan\n",
			n, 100*rep.Mean[n], 100*rep.Bound.Coverage[n], secs(rep.FirstCoverageS[n]), secs(rep.TimeToPlanS[n]),
			100*rep.Lowest[n], 100*rep.LowestPlanned[n], 100*rep.FirstPlanRatio[n])
	}
	if *check {
		fmt.Fprintf(stdout, "  %d property violations\n", len(violations))
		for _, v := range violations {
			fmt.Fprintf(stdout, "    %s\n", v)
		}
	}
	fmt.Fprintf(stdout, "  report: %s/report.json, plot: %s/coverage.svg, tracks: %s/tracks.geojson\n", *out, *out, *out)
	return nil
}

func secs(s float64) string {
	if s < 0 {
		return "never"
	}
	return fmt.Sprintf("%.0f s", s)
}
