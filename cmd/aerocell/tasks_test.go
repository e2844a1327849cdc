package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aerocell/aerocell/airframe"
	"github.com/aerocell/aerocell/api"
	"github.com/aerocell/aerocell/fleet"
	"github.com/aerocell/aerocell/task"
)

// TestTasksCLI: add a drop, a survey from a GeoJSON file and a fire task,
// list them, cancel one; a drop no drone can lift comes back refused with
// the reason; a bad request is refused before it leaves the terminal.
func TestTasksCLI(t *testing.T) {
	f := &apiFake{}
	url := startAPI(t, f)
	cmd := func(args ...string) (string, error) {
		return runCLI(t, append([]string{"tasks", "--api", url, "--token", cliCommander}, args...)...)
	}
	out, err := cmd("--json", "add", "drop", "--lat", "46.93", "--lon", "7.45", "--mass-kg", "6", "--deadline", "20m", "--team", "rescue-1")
	var tk task.Task
	if err != nil || json.Unmarshal([]byte(out), &tk) != nil || tk.ID != "task-1" || tk.Deadline != 20*time.Minute ||
		tk.Point == nil || tk.Point[1] != 46.93 || tk.Team != "rescue-1" {
		t.Fatalf("add drop: %v\n%s", err, out)
	}
	area := filepath.Join(t.TempDir(), "slide.geojson")
	os.WriteFile(area, []byte(`{"type":"Polygon","coordinates":[[[7.44,46.92],[7.45,46.92],[7.45,46.93],[7.44,46.92]]]}`), 0o644)
	if out, err := cmd("add", "survey", "--area", area, "--gsd-cm", "3", "--overlap-pct", "70", "--deadline", "40m"); err != nil || !strings.Contains(out, "task-2") {
		t.Fatalf("add survey: %v\n%s", err, out)
	}
	if out, err := cmd("add", "fire", "--lat", "46.92", "--lon", "7.44", "--litres", "12", "--deadline", "30m"); err != nil || !strings.Contains(out, "task-3") {
		t.Fatalf("add fire: %v\n%s", err, out)
	}
	_, err = cmd("add", "drop", "--lat", "46.93", "--lon", "7.45", "--mass-kg", "40", "--deadline", "20m")
	var ae *api.Error
	if !errors.As(err, &ae) || ae.Status != 422 || !strings.Contains(ae.Message, "10 kg") {
		t.Fatalf("a 40 kg drop: %v", err)
	}
	before := len(f.got())
	for _, bad := range [][]string{
		{"add", "drop", "--lat", "46.93", "--mass-kg", "6", "--deadline", "20m"},
		{"add", "swim", "--deadline", "20m"},
		{"add", "fire", "--lat", "46.92", "--lon", "7.44", "--deadline", "20m"},
		{"add", "survey", "--polygon", "7.44,46.92 7.45", "--gsd-cm", "3", "--deadline", "20m"},
	} {
		var ue usageError
		if _, err := cmd(bad...); !errors.As(err, &ue) {
			t.Errorf("%v: %v, want a usage error", bad, err)
		}
	}
	if n := len(f.got()); n != before {
		t.Fatalf("bad requests reached the daemon: %v", f.got()[before:])
	}
	out, err = runCLI(t, "tasks", "--api", url, "--token", cliViewer)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err != nil || len(lines) != 5 || !strings.HasPrefix(lines[0], "ID") || !strings.Contains(lines[4], "refused") {
		t.Fatalf("list: %v\n%s", err, out)
	}
	if out, err := cmd("task-3", "cancel"); err != nil || !strings.Contains(out, "cancelled") {
		t.Fatalf("cancel: %v\n%s", err, out)
	}
	if _, err := cmd("task-3", "cancel"); !errors.As(err, &ae) || ae.Status != 422 {
		t.Fatalf("cancelling twice: %v", err)
	}
	if _, err := cmd("task-9", "cancel"); !errors.As(err, &ae) || ae.Status != 404 {
		t.Fatalf("an unknown task: %v", err)
	}
	if out, err := cmd("task-1", "reassign", "4"); err != nil || !strings.Contains(out, " 4 ") {
		t.Fatalf("reassign: %v\n%s", err, out)
	}
	if !slices.Contains(f.got(), "cancel task-3") || !slices.Contains(f.got(), "reassign task-1") {
		t.Fatalf("orders: %v", f.got())
	}
}

// TestTasksSurveyCLI: `tasks survey ID` writes the survey's GeoJSON from
// the daemon's API, to stdout or with --out to a file: the area, the
// transects, and each photo where the drone reported it with its
// footprint. A task that is not a survey, or none, is the daemon's error;
// a missing ID is a usage error.
func TestTasksSurveyCLI(t *testing.T) {
	heavy, ok := airframe.Builtin().ByName("heavy-multirotor")
	if !ok {
		t.Fatal("no heavy-multirotor")
	}
	ring := []task.LonLat{{7.44, 46.92}, {7.445, 46.92}, {7.445, 46.923}, {7.44, 46.923}, {7.44, 46.92}}
	sv := task.Task{ID: "task-2", Request: task.Request{Kind: task.Survey, Deadline: time.Hour, Polygon: ring, GSDcm: 3, OverlapPct: 70}}
	plan, err := task.PlanSurveyFor(sv, heavy, task.SurveyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	taken := slices.Clone(plan.Photos[:4])
	for i := range taken {
		taken[i].Pos[0] += 0.0001 // drifted east of the plan
		taken[i].Time = time.Date(2026, 5, 1, 12, 0, i, 0, time.UTC)
	}
	f := &apiFake{survey: func(id string) (fleet.SurveyView, error) {
		if id == "task-2" {
			return fleet.SurveyView{Drone: 4, Camera: *heavy.Camera, Plan: plan, Polygon: ring, Taken: 4, Photos: taken}, nil
		}
		if id == "task-1" {
			return fleet.SurveyView{}, fmt.Errorf("%w: task-1 is a drop task, not a survey", fleet.ErrInvalid)
		}
		return fleet.SurveyView{}, fmt.Errorf("%w: %q", fleet.ErrUnknownTask, id)
	}}
	url := startAPI(t, f)
	photos := func(t *testing.T, b []byte) []task.LonLat {
		t.Helper()
		var fc struct {
			Type     string
			Features []struct {
				Geometry struct {
					Type        string
					Coordinates json.RawMessage
				}
				Properties map[string]any
			}
		}
		if err := json.Unmarshal(b, &fc); err != nil || fc.Type != "FeatureCollection" {
			t.Fatalf("not a FeatureCollection (%v): %.300s", err, b)
		}
		var pts []task.LonLat
		footprints := 0
		for _, ft := range fc.Features {
			switch ft.Properties["kind"] {
			case "photo":
				var p task.LonLat
				if err := json.Unmarshal(ft.Geometry.Coordinates, &p); err != nil {
					t.Fatal(err)
				}
				pts = append(pts, p)
			case "footprint":
				footprints++
			}
		}
		if footprints != len(pts) {
			t.Fatalf("%d footprints for %d photos", footprints, len(pts))
		}
		return pts
	}
	out, err := runCLI(t, "tasks", "--api", url, "--token", cliViewer, "survey", "task-2")
	if err != nil {
		t.Fatal(err)
	}
	if got := photos(t, []byte(out)); !slices.Equal(got, []task.LonLat{taken[0].Pos, taken[1].Pos, taken[2].Pos, taken[3].Pos}) {
		t.Fatalf("stdout photos %v, reported %v", got, taken)
	}
	file := filepath.Join(t.TempDir(), "survey.geojson")
	for _, args := range [][]string{{"survey", "task-2", "--out", file}, {"survey", "--out", file, "task-2"}} {
		os.Remove(file)
		out, err = runCLI(t, append([]string{"tasks", "--api", url, "--token", cliViewer}, args...)...)
		if err != nil || !strings.Contains(out, "task-2: 4 of ") || !strings.Contains(out, file) {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if got := photos(t, b); len(got) != 4 || got[3] != taken[3].Pos {
			t.Fatalf("%v: photos %v", args, got)
		}
	}
	var ae *api.Error
	if _, err := runCLI(t, "tasks", "--api", url, "--token", cliViewer, "survey", "task-1"); !errors.As(err, &ae) || ae.Status != 422 || !strings.Contains(ae.Message, "not a survey") {
		t.Fatalf("the survey of a drop: %v", err)
	}
	if _, err := runCLI(t, "tasks", "--api", url, "--token", cliViewer, "survey", "task-9", "--out", file+".9"); !errors.As(err, &ae) || ae.Status != 404 {
		t.Fatalf("the survey of no task: %v", err)
	}
	if _, err := os.Stat(file + ".9"); !os.IsNotExist(err) {
		t.Fatalf("a failed survey wrote its file: %v", err)
	}
	var ue usageError
	for _, bad := range [][]string{{"survey"}, {"survey", "task-2", "task-3"}, {"survey", "--out"}} {
		if _, err := runCLI(t, append([]string{"tasks", "--api", url, "--token", cliViewer}, bad...)...); !errors.As(err, &ue) {
			t.Errorf("%v: %v, want a usage error", bad, err)
		}
	}
}
