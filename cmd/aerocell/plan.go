package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/dem"
)

// runPlan plans stations. It stops, with an error saying so, when ctx ends
// (main cancels it on SIGINT and SIGTERM): a big plan is abandoned, not
// finished in the background.
func runPlan(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("plan", stderr)
	areaFile := fs.String("area", "", "GeoJSON file with the area (Polygon/MultiPolygon, Feature or FeatureCollection; features may carry role work-zone, no-fly, demand, launch-site, gateway)")
	radius := fs.Float64("radius-m", 0, "cell ground radius in metres (instead of --profile)")
	profile := fs.String("profile", "", "drone profile: tethered-multirotor, heavy-multirotor, fixed-wing-relay")
	fleet := fs.String("fleet", "", "a mixed fleet instead of --profile: NAME=COUNT,NAME=COUNT (bigger cells are used first)")
	envName := fs.String("env", coverage.DefaultEnv, "radio environment with --profile: free-space, suburban, urban, dense-urban, high-rise-urban")
	target := fs.Float64("target-coverage", 0, "fewest drones covering at least this fraction of the area (default 0.99)")
	drones := fs.Int("drones", 0, "best coverage from exactly this many drones")
	network := fs.String("network", "public", "network to plan: public, private or both")
	format := fs.String("format", "json", "output: json or geojson")
	relay := fs.Float64("relay-range-m", 0, "require a backhaul mesh: every cell within this range of a gateway or a connected cell")
	lattice := fs.Bool("lattice", true, "also compute the best clipped hexagonal lattice for comparison")
	seed := fs.Uint64("seed", 1, "random seed (same seed, same plan)")
	demDir := fs.String("dem", "", "directory of SRTM .hgt tiles (N44W072.hgt): place the stations over the terrain and measure coverage over it (needs --profile or --fleet)")
	demPlace := fs.Bool("dem-place", true, "with --dem: place the stations over the terrain (false: place on flat earth, then evaluate over the terrain)")
	demStep := fs.Float64("dem-step-m", coverage.DefaultTerrainStepM, "with --dem: terrain sweep step and measuring grid in metres")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: aerocell plan --area FILE (--radius-m R | --profile NAME | --fleet NAME=N,...) [--env ENV] (--target-coverage F | --drones N)\n"+
			"                    [--network public|private|both] [--format json|geojson] [--dem DIR]\n\n"+
			"Places stations over the area: the fewest drones for a target coverage, or the best coverage\n"+
			"from N drones. Coverage is measured from the station positions. With --dem the stations are\n"+
			"placed over the terrain, positions and heights, and coverage is measured over it (each station\n"+
			"gains ground_m and alt_amsl_m, alt_m stays above the ground, and terrain keeps the flat claim);\n"+
			"--dem-place=false places on flat earth and only measures over the terrain.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if *areaFile == "" {
		return usageError{"--area FILE is required"}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["radius-m"] && !(*radius > 0 && *radius <= maxRadiusM) {
		return usageError{fmt.Sprintf("--radius-m %v: want a cell ground radius in metres, > 0 and <= %g", *radius, maxRadiusM)}
	}
	if n := btoi(set["radius-m"]) + btoi(*profile != "") + btoi(*fleet != ""); n != 1 {
		return usageError{"give exactly one of --radius-m R, --profile NAME and --fleet NAME=COUNT,..."}
	}
	if set["target-coverage"] && set["drones"] {
		return usageError{"give at most one of --target-coverage and --drones"}
	}
	if set["target-coverage"] && !(*target > 0 && *target <= 1) {
		return usageError{fmt.Sprintf("--target-coverage %v: want a fraction of the area in (0, 1]", *target)}
	}
	if set["drones"] && (*drones < 1 || *drones > maxDrones) {
		return usageError{fmt.Sprintf("--drones %d: want a drone count from 1 to %d", *drones, maxDrones)}
	}
	if *demDir != "" && set["radius-m"] {
		return usageError{"--dem needs link budgets: give --profile NAME or --fleet NAME=COUNT,..., not --radius-m"}
	}
	if *demDir != "" && *demPlace && set["relay-range-m"] {
		return usageError{"--relay-range-m: placing over terrain (--dem) plans no backhaul; add --dem-place=false"}
	}
	if set["dem-step-m"] && !(*demStep >= 10 && *demStep <= 1000) {
		return usageError{fmt.Sprintf("--dem-step-m %v: want a step in metres from 10 to 1000", *demStep)}
	}
	var terrain *dem.Dir
	if *demDir != "" {
		var err error
		if terrain, err = dem.Open(*demDir, dem.Options{}); err != nil {
			return usageError{fmt.Sprintf("--dem: %v", err)}
		}
	}
	if *format != "json" && *format != "geojson" {
		return usageError{fmt.Sprintf("--format %q (want json or geojson)", *format)}
	}
	net, err := coverage.ParseNetworks(*network)
	if err != nil {
		return usageError{err.Error()}
	}
	data, err := os.ReadFile(*areaFile)
	if err != nil {
		return err
	}
	inc, err := coverage.ParseIncident(data)
	if err != nil {
		return fmt.Errorf("%s: %w", *areaFile, err)
	}
	req := coverage.Request{
		Incident:       inc,
		RadiusM:        *radius,
		EnvName:        *envName,
		Networks:       net,
		Target:         *target,
		Drones:         *drones,
		RelayRangeM:    *relay,
		CompareLattice: *lattice,
		Seed:           *seed,
	}
	if *profile != "" {
		p, err := coverage.ProfileByName(*profile)
		if err != nil {
			return usageError{err.Error()}
		}
		req.Profile = p
	}
	if *fleet != "" {
		if req.Fleet, err = parseFleet(*fleet); err != nil {
			return usageError{err.Error()}
		}
	}
	var plan *coverage.Plan
	if terrain != nil && *demPlace {
		plan, err = planTerrain(ctx, terrain, req, *demStep)
	} else {
		plan, err = coverage.PlanStationsContext(ctx, req)
	}
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("plan: stopped before the plan was done (%w)", context.Cause(ctx))
		}
		return fmt.Errorf("%s: %w", *areaFile, err)
	}
	if terrain != nil && !*demPlace {
		if err := plan.ApplyTerrain(terrain, req, *demStep); err != nil {
			return fmt.Errorf("--dem %s: %w", *demDir, err)
		}
	}
	if *format == "geojson" {
		b, err := plan.GeoJSON()
		if err != nil {
			return err
		}
		_, err = stdout.Write(append(b, '\n'))
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(plan)
}

// Bounds of plan's flags. No fleet has more drones, and no base station
// reaches further on the ground (a fixed-wing relay at its ceiling covers
// some tens of kilometres); the planner then bounds the work per area.
const (
	maxDrones  = 10_000
	maxRadiusM = 200e3
)

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// parseFleet reads NAME=COUNT,NAME=COUNT.
func parseFleet(s string) ([]coverage.Available, error) {
	var out []coverage.Available
	for _, part := range strings.Split(s, ",") {
		name, n, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, fmt.Errorf("--fleet: %q is not NAME=COUNT", part)
		}
		p, err := coverage.ProfileByName(name)
		if err != nil {
			return nil, fmt.Errorf("--fleet: %w", err)
		}
		c, err := strconv.Atoi(n)
		if err != nil || c < 0 {
			return nil, fmt.Errorf("--fleet: %q is not a drone count", n)
		}
		out = append(out, coverage.Available{Profile: p, Count: c})
	}
	return out, nil
}

// planTerrain places the stations over the terrain.
func planTerrain(ctx context.Context, t coverage.Terrain, req coverage.Request, stepM float64) (*coverage.Plan, error) {
	reg, err := coverage.Prepare(req.Incident)
	if err != nil {
		return nil, err
	}
	return reg.PlanTerrain(ctx, t, req, stepM)
}
