package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/aerocell/aerocell/fleet"
)

func runDeploy(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("deploy", stderr)
	var af apiFlags
	af.register(fs)
	area := fs.String("area", "", "open an incident over this GeoJSON area first (Polygon/MultiPolygon, Feature or FeatureCollection)")
	name := fs.String("name", "", "the incident's name, with --area (default: the area's name property)")
	target := fs.Float64("target-coverage", 0, "with --area: fraction of the area to cover (default 0.99)")
	preview := fs.Bool("preview", false, "print the plan and fly nothing")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: aerocell deploy [--area FILE [--name NAME] [--target-coverage F]] [--preview] [--api URL] [--token TOKEN]\n\n"+
			"Flies the plan for the open incident (a commander's order), or with --preview prints it.\n"+
			"With --area it first opens the incident over that area.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if *area == "" && (*name != "" || *target != 0) {
		return usageError{"--name and --target-coverage need --area"}
	}
	c := af.client()
	if *area != "" {
		data, err := os.ReadFile(*area)
		if err != nil {
			return err
		}
		spec := fleet.IncidentSpec{Name: *name, Area: data, TargetCoverage: *target}
		if spec.Name == "" {
			spec.Name = strings.TrimSuffix(strings.TrimSuffix(baseName(*area), ".geojson"), ".json")
		}
		inc, err := c.CreateIncident(ctx, spec)
		if err != nil {
			return fmt.Errorf("opening the incident: %w", err)
		}
		fmt.Fprintf(stdout, "incident %s opened: %s\n", inc.ID, inc.Name)
	}
	plan, err := c.PreviewPlan(ctx)
	if err != nil {
		return fmt.Errorf("planning: %w", err)
	}
	if af.json && *preview {
		return printJSON(stdout, plan)
	}
	if !af.json {
		writePlan(stdout, plan)
	}
	if *preview {
		return nil
	}
	if err := c.Deploy(ctx); err != nil {
		return fmt.Errorf("deploying: %w", err)
	}
	if af.json {
		return printJSON(stdout, map[string]string{"accepted": "deploy"})
	}
	_, err = fmt.Fprintln(stdout, "deploy accepted: follow it with 'aerocell status' or the page")
	return err
}

func baseName(path string) string {
	if i := strings.LastIndexAny(path, `/\`); i >= 0 {
		return path[i+1:]
	}
	return path
}

func writePlan(w io.Writer, p fleet.Plan) {
	var cov []string
	for _, n := range fleet.Networks {
		if f, ok := p.Coverage[n]; ok {
			cov = append(cov, fmt.Sprintf("%s %.1f%%", n, 100*f))
		}
	}
	fmt.Fprintf(w, "plan: %d stations, expected coverage %s", len(p.Stations), strings.Join(cov, ", "))
	if p.LowerBound > 0 {
		fmt.Fprintf(w, " (no plan can use fewer than %.1f)", p.LowerBound)
	}
	fmt.Fprintln(w)
	if p.Reason != "" {
		fmt.Fprintf(w, "  %s\n", p.Reason)
	}
	for _, s := range p.Stations {
		fmt.Fprintf(w, "  %-6s %.5f,%.5f  %4.0f m  %s", s.ID, s.Lat, s.Lon, s.AltM, s.Profile)
		if s.Site != "" {
			fmt.Fprintf(w, " (tethered at %s)", s.Site)
		}
		if s.Pinned {
			fmt.Fprint(w, " pinned")
		}
		fmt.Fprintln(w)
	}
}
