package sitl

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aerocell/aerocell/task"
)

// A scenario's tasks are checked with the field named.
func TestScenarioTasksRefused(t *testing.T) {
	head := "name: t\nduration: 1h\narea: a.geojson\nhome: {lat: 35.68, lon: 102.80, alt: 2000}\ndrones: [{sysid: 1, profile: heavy-multirotor}]\ntasks:\n"
	for _, c := range []struct{ yaml, field string }{
		{"  - {at: 2h, kind: drop, deadline: 10m, lat: 35.7, lon: 102.8, mass_kg: 1}", "tasks[0].at"},
		{"  - {at: 1m, kind: drop, deadline: 10m, lat: 35.7, mass_kg: 1}", "tasks[0]: lat and lon"},
		{"  - {at: 1m, kind: drop, deadline: 10m, lat: 95, lon: 102.8, mass_kg: 1}", "tasks[0].point"},
		{"  - {at: 1m, kind: survey, deadline: 10m, gsd_cm: 2, overlap_pct: 70, polygon: [[102.8, 35.7], [102.81, 35.7]]}", "tasks[0].polygon"},
		{"  - {at: 1m, kind: fire, deadline: 10m, lat: 35.7, lon: 102.8}", "tasks[0].litres"},
		{"  - {at: 1m, kind: swim, deadline: 10m}", "tasks[0].kind"},
	} {
		_, err := ParseScenario(strings.NewReader(head + c.yaml))
		if !errors.Is(err, ErrScenario) || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s: %v, want an error naming %s", c.yaml, err, c.field)
		}
	}
	sc, err := LoadScenario(filepath.Join("..", "examples", "sitl", "tasks-rotation.yaml"))
	if err != nil || len(sc.Tasks) != 5 || len(sc.Tasks[1].Request().Polygon) != 5 {
		t.Fatalf("the shipped tasks scenario: %v", err)
	}
}

// TestScenarioTasksFlown: a short run with a drop, a survey over an area
// file and a fire task; report.json lists each with its times, and the
// survey's photos, where the drone reported them, are in
// survey-ID.geojson.
func TestScenarioTasksFlown(t *testing.T) {
	dir := t.TempDir()
	area := `{"type":"Polygon","coordinates":[[[102.80,35.67],[102.803,35.67],[102.803,35.672],[102.80,35.672],[102.80,35.67]]]}`
	if err := os.WriteFile(filepath.Join(dir, "slide.geojson"), []byte(area), 0o644); err != nil {
		t.Fatal(err)
	}
	town, err := os.ReadFile(filepath.Join("..", "examples", "areas", "town.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "town.geojson"), town, 0o644); err != nil {
		t.Fatal(err)
	}
	yaml := `name: tasks
duration: 40m
speed: 150
area: town.geojson
launch_sites: [{name: base, lat: 35.68, lon: 102.80, alt: 2000, capacity: 8}]
drones: [{sysid: 1, count: 3, profile: heavy-multirotor, site: base}]
battery_swap: 5m
tasks:
  - {at: 1m, kind: drop, deadline: 15m, lat: 35.69, lon: 102.79, mass_kg: 4}
  - {at: 2m, kind: survey, deadline: 20m, area: slide.geojson, gsd_cm: 3, overlap_pct: 60}
  - {at: 3m, kind: fire, deadline: 30m, lat: 35.675, lon: 102.81, litres: 8}
  - {at: 4m, kind: drop, deadline: 15m, lat: 35.69, lon: 102.79, mass_kg: 60}
`
	path := filepath.Join(dir, "tasks.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	sc, err := LoadScenario(path)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	rep, err := Run(context.Background(), sc, Options{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Tasks) != 4 {
		t.Fatalf("tasks in the report: %+v", rep.Tasks)
	}
	for i, want := range []task.Status{task.Done, task.Done, task.Done, task.Refused} {
		tr := rep.Tasks[i]
		if tr.Status != want || tr.DoneS < tr.RequestedS || (want == task.Done && tr.DoneS > tr.DueS) {
			t.Errorf("task %d: %+v, want %s", i, tr, want)
		}
		t.Logf("%s %s: requested %.0f s, done %.0f s, due %.0f s, drone %d, %.3f km²·h", tr.ID, tr.Kind, tr.RequestedS, tr.DoneS, tr.DueS, tr.Drone, tr.CoverageCostKm2h)
	}
	sv := rep.Tasks[1]
	if sv.Photos < 10 || sv.FootprintCoverage < 0.9 {
		t.Errorf("survey: %d photos covering %.2f of the area", sv.Photos, sv.FootprintCoverage)
	}
	b, err := os.ReadFile(filepath.Join(out, "survey-"+sv.ID+".geojson"))
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Features []struct {
			Geometry   struct{ Type string }
			Properties map[string]any
		}
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		t.Fatal(err)
	}
	points := 0
	for _, f := range fc.Features {
		if f.Geometry.Type == "Point" {
			points++
		}
	}
	if points != sv.Photos {
		t.Errorf("survey GeoJSON: %d points for %d photos", points, sv.Photos)
	}
	var back map[string]any
	rb, _ := os.ReadFile(filepath.Join(out, "report.json"))
	if err := json.Unmarshal(rb, &back); err != nil || back["tasks"] == nil || back["coverage_hours_lost_to_tasks"] == nil {
		t.Errorf("report.json lacks tasks: %v", err)
	}
}
