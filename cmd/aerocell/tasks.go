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
	"text/tabwriter"
	"time"

	"github.com/aerocell/aerocell/api"
	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/task"
)

func runTasks(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("tasks", stderr)
	var af apiFlags
	af.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: aerocell tasks [--api URL] [--token TOKEN] [--json] [ID [cancel | approve | reassign DRONE]]\n"+
			"       aerocell tasks [flags] add drop|survey|fire [task flags]\n"+
			"       aerocell tasks [flags] survey ID [--out FILE]\n\n"+
			"Lists the drops, surveys and fire tasks; with ID shows one, or cancels, approves or reassigns it;\n"+
			"survey writes a survey's GeoJSON (its area and transects, and each photo taken where the drone\n"+
			"reported it, with its ground footprint: what a photogrammetry tool needs) to FILE or stdout;\n"+
			"add asks for one (a commander's token). Task flags (after the kind):\n"+
			"  drop:   --lat --lon --mass-kg\n  survey: --area FILE.geojson (or --polygon \"lon,lat lon,lat ...\") --gsd-cm --overlap-pct\n"+
			"  fire:   --lat --lon --litres\n  all:    --deadline (e.g. 20m) [--priority 0-9] [--team NAME] [--note TEXT]\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	c := af.client()
	rest := fs.Args()
	show := func(ts ...task.Task) error {
		if af.json {
			if len(ts) == 1 {
				return printJSON(stdout, ts[0])
			}
			return printJSON(stdout, ts)
		}
		return writeTasks(stdout, ts)
	}
	switch {
	case len(rest) == 0:
		ts, err := c.Tasks(ctx)
		if err != nil {
			return err
		}
		return show(ts...)
	case rest[0] == "add":
		if len(rest) < 2 {
			return usageError{"add needs a kind: drop, survey or fire"}
		}
		req, err := parseTaskRequest(rest[1], rest[2:], stderr)
		if err != nil {
			return err
		}
		t, err := c.RequestTask(ctx, req)
		if err != nil {
			return err
		}
		return show(t)
	case rest[0] == "survey":
		return writeSurvey(ctx, c, rest[1:], stdout, stderr)
	case len(rest) == 1:
		t, err := c.Task(ctx, rest[0])
		if err != nil {
			return err
		}
		return show(t)
	}
	id, verb := rest[0], rest[1]
	var t task.Task
	var err error
	switch {
	case verb == "cancel" && len(rest) == 2:
		t, err = c.CancelTask(ctx, id)
	case verb == "approve" && len(rest) == 2:
		t, err = c.ApproveTask(ctx, id)
	case verb == "reassign" && len(rest) == 3:
		drone, perr := strconv.Atoi(rest[2])
		if perr != nil || drone < 1 || drone > 255 {
			return usageError{fmt.Sprintf("reassign: drone %q is not a system id 1..255", rest[2])}
		}
		t, err = c.ReassignTask(ctx, id, drone)
	default:
		return usageError{fmt.Sprintf("unknown task order %q: cancel, approve or reassign DRONE", strings.Join(rest[1:], " "))}
	}
	if err != nil {
		return err
	}
	return show(t)
}

// writeSurvey writes `survey ID [--out FILE]`: the survey's GeoJSON from
// the daemon, to FILE (and a line saying what it holds) or to stdout.
func writeSurvey(ctx context.Context, c *api.Client, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("tasks survey", stderr)
	out := fs.String("out", "", "write the GeoJSON to this file instead of stdout")
	var id string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		id, args = args[0], args[1:] // survey ID [--out FILE]
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	more := fs.Args()
	if id == "" && len(more) > 0 {
		id, more = more[0], more[1:] // survey [--out FILE] ID
	}
	switch {
	case id == "":
		return usageError{"survey needs a task ID"}
	case len(more) > 0:
		return usageError{fmt.Sprintf("unexpected %q after survey %s", more[0], id)}
	}
	b, err := c.TaskSurvey(ctx, id)
	if err != nil {
		return err
	}
	if *out == "" {
		_, err := fmt.Fprintf(stdout, "%s\n", b)
		return err
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		return err
	}
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil || len(fc.Features) == 0 {
		return fmt.Errorf("survey %s: the daemon's answer is not a survey's GeoJSON: %v", id, err)
	}
	a := fc.Features[0].Properties
	_, err = fmt.Fprintf(stdout, "%s: %v of %v photos taken, %.1f%% of the area covered: %s\n", id, a["photos_taken"], a["photos"],
		100*toFloat(a["covered"]), *out)
	return err
}

func toFloat(v any) float64 {
	f, _ := v.(float64)
	return f
}

// parseTaskRequest reads `add KIND [task flags]` into a request, checked
// as the daemon checks it (the field named).
func parseTaskRequest(kind string, args []string, stderr io.Writer) (task.Request, error) {
	fs := newFlagSet("tasks add "+kind, stderr)
	var lat, lon, mass, litres, gsd, overlap float64
	var area, polygon, team, note string
	var deadline time.Duration
	var priority int
	fs.Float64Var(&lat, "lat", 0, "drop or fire point latitude")
	fs.Float64Var(&lon, "lon", 0, "drop or fire point longitude")
	fs.Float64Var(&mass, "mass-kg", 0, "a drop's load")
	fs.Float64Var(&litres, "litres", 0, "a fire task's volume")
	fs.StringVar(&area, "area", "", "a survey's area: a GeoJSON file (its first polygon's outer ring)")
	fs.StringVar(&polygon, "polygon", "", "a survey's ring: \"lon,lat lon,lat ...\"")
	fs.Float64Var(&gsd, "gsd-cm", 0, "a survey's ground sample distance, cm per pixel")
	fs.Float64Var(&overlap, "overlap-pct", 0, "a survey's front and side overlap")
	fs.DurationVar(&deadline, "deadline", 0, "how long after the request it must be done (e.g. 20m)")
	fs.IntVar(&priority, "priority", 0, "0-9, higher first")
	fs.StringVar(&team, "team", "", "the field team it is for")
	fs.StringVar(&note, "note", "", "free text")
	if err := parseFlags(fs, args); err != nil {
		return task.Request{}, err
	}
	if fs.NArg() > 0 {
		return task.Request{}, usageError{fmt.Sprintf("unexpected %q after the task flags", fs.Arg(0))}
	}
	r := task.Request{Kind: task.Kind(kind), Priority: priority, Deadline: deadline, MassKg: mass, Litres: litres,
		GSDcm: gsd, OverlapPct: overlap, Team: team, Note: note}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["lat"] != set["lon"] {
		return r, usageError{"--lat and --lon go together"}
	}
	if set["lat"] {
		r.Point = &task.LonLat{lon, lat}
	}
	switch {
	case area != "" && polygon != "":
		return r, usageError{"--area or --polygon, not both"}
	case area != "":
		b, err := os.ReadFile(area)
		if err != nil {
			return r, usageError{fmt.Sprintf("--area: %v", err)}
		}
		m, err := coverage.ParseArea(b)
		if err != nil || len(m) == 0 || len(m[0]) == 0 {
			return r, usageError{fmt.Sprintf("--area %s: not a GeoJSON polygon (%v)", area, err)}
		}
		for _, p := range m[0][0] {
			r.Polygon = append(r.Polygon, task.LonLat{p.Lon, p.Lat})
		}
	case polygon != "":
		for _, pair := range strings.Fields(polygon) {
			a, b, ok := strings.Cut(pair, ",")
			x, err1 := strconv.ParseFloat(a, 64)
			y, err2 := strconv.ParseFloat(b, 64)
			if !ok || err1 != nil || err2 != nil {
				return r, usageError{fmt.Sprintf("--polygon: %q is not lon,lat", pair)}
			}
			r.Polygon = append(r.Polygon, task.LonLat{x, y})
		}
	}
	if err := r.Validate(); err != nil {
		return r, usageError{err.Error()}
	}
	return r, nil
}

func writeTasks(w io.Writer, ts []task.Task) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tSTATUS\tDRONE\tDUE\tETA\tCOST km²·h\tREASON")
	clock := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format(time.TimeOnly)
	}
	for _, t := range ts {
		drone := "-"
		if t.Drone != 0 {
			drone = strconv.Itoa(t.Drone)
		}
		eta := t.ETA
		if t.Status.Final() {
			eta = t.DoneAt
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%.2f\t%s\n", t.ID, t.Kind, t.Status, drone, clock(t.DueAt), clock(eta), t.CoverageCostKm2h, t.Reason)
	}
	return tw.Flush()
}
