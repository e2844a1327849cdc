package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const testArea = "../../coverage/testdata/areas/flood-valley.geojson"

func TestPlanJSON(t *testing.T) {
	var out, errb bytes.Buffer
	err := runPlan(context.Background(), []string{"--area", testArea, "--radius-m", "6000", "--target-coverage", "0.99", "--format", "json"}, &out, &errb)
	if err != nil {
		t.Fatalf("runPlan: %v (stderr %s)", err, errb.String())
	}
	var got struct {
		Stations []struct {
			Lat      float64  `json:"lat"`
			Lon      float64  `json:"lon"`
			AltM     *float64 `json:"alt_m"`
			RadiusM  float64  `json:"radius_m"`
			Networks []string `json:"networks"`
		} `json:"stations"`
		Coverage   float64 `json:"coverage"`
		LowerBound float64 `json:"lower_bound"`
		Lattice    struct {
			Drones int `json:"drones"`
		} `json:"lattice"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("output is not one JSON object: %v", err)
	}
	if got.Coverage < 0.99 || got.Coverage > 1 {
		t.Errorf("coverage %v, want in [0.99, 1]", got.Coverage)
	}
	if len(got.Stations) == 0 || float64(len(got.Stations)) < got.LowerBound*0.99 {
		t.Errorf("%d stations for a lower bound of %v", len(got.Stations), got.LowerBound)
	}
	if got.Lattice.Drones < len(got.Stations) {
		t.Errorf("plan uses %d drones, more than the lattice's %d", len(got.Stations), got.Lattice.Drones)
	}
	for i, s := range got.Stations {
		// The flood valley lies near 113.3-113.9 E, 24.7-25.0 N.
		if s.Lon < 113.2 || s.Lon > 114 || s.Lat < 24.6 || s.Lat > 25.1 {
			t.Errorf("station %d at %v,%v is far from the area", i, s.Lon, s.Lat)
		}
		if s.RadiusM != 6000 || s.AltM == nil || len(s.Networks) != 1 || s.Networks[0] != "public" {
			t.Errorf("station %d: %+v", i, s)
		}
	}
}

func TestPlanProfileGeoJSON(t *testing.T) {
	var out, errb bytes.Buffer
	err := runPlan(context.Background(), []string{"--area", testArea, "--profile", "heavy-multirotor", "--env", "suburban", "--drones", "3", "--network", "both", "--format", "geojson", "--lattice=false"}, &out, &errb)
	if err != nil {
		t.Fatalf("runPlan: %v (stderr %s)", err, errb.String())
	}
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Geometry struct {
				Type string `json:"type"`
			} `json:"geometry"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(out.Bytes(), &fc); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, f := range fc.Features {
		kinds[f.Properties["kind"].(string)]++
	}
	if fc.Type != "FeatureCollection" || kinds["area"] != 1 || kinds["station"] != 3 || kinds["cell"] != 6 {
		t.Errorf("feature kinds %v", kinds)
	}
}

func TestPlanFleet(t *testing.T) {
	var out, errb bytes.Buffer
	err := runPlan(context.Background(), []string{"--area", testArea, "--fleet", "heavy-multirotor=60,fixed-wing-relay=1", "--lattice=false"}, &out, &errb)
	if err != nil {
		t.Fatalf("runPlan: %v (stderr %s)", err, errb.String())
	}
	var got struct {
		Stations []struct {
			Profile string  `json:"profile"`
			RadiusM float64 `json:"radius_m"`
		} `json:"stations"`
		Coverage      float64 `json:"coverage"`
		TargetReached bool    `json:"target_reached"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	wings := 0
	for _, s := range got.Stations {
		if s.Profile == "fixed-wing-relay" {
			wings++
		}
	}
	if wings != 1 || !got.TargetReached || got.Coverage < 0.99 {
		t.Errorf("%d fixed wings of %d stations, coverage %v", wings, len(got.Stations), got.Coverage)
	}
}

func TestPlanErrors(t *testing.T) {
	dir := t.TempDir()
	notGeo := filepath.Join(dir, "x.geojson")
	if err := os.WriteFile(notGeo, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	open := filepath.Join(dir, "open.geojson")
	if err := os.WriteFile(open, []byte(`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--radius-m", "2000"}, "--area"},
		{[]string{"--area", testArea}, "exactly one"},
		{[]string{"--area", testArea, "--radius-m", "2000", "--profile", "heavy-multirotor"}, "exactly one"},
		{[]string{"--area", notGeo, "--radius-m", "2000"}, "not GeoJSON"},
		{[]string{"--area", open, "--radius-m", "2000"}, "ring not closed"},
		{[]string{"--area", testArea, "--profile", "balloon"}, "unknown drone profile"},
		{[]string{"--area", testArea, "--fleet", "heavy-multirotor"}, "NAME=COUNT"},
		{[]string{"--area", testArea, "--fleet", "heavy-multirotor=x"}, "drone count"},
		{[]string{"--area", testArea, "--radius-m", "2000", "--format", "kml"}, "--format"},
	} {
		var out, errb bytes.Buffer
		err := runPlan(context.Background(), c.args, &out, &errb)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want it to mention %q", c.args, err, c.want)
		}
	}
}

// Out-of-range flags are refused with the flag, the value and the valid
// range named; absurd drone counts with the reason and the limit.
func TestPlanRefusesOutOfRange(t *testing.T) {
	town := "../../examples/areas/town.geojson"
	for _, c := range []struct {
		args  []string
		want  string
		usage bool
	}{
		{[]string{"--radius-m", "0"}, "--radius-m 0: want a cell ground radius in metres, > 0 and <= 200000", true},
		{[]string{"--radius-m", "-5"}, "--radius-m -5: want a cell ground radius in metres, > 0", true},
		{[]string{"--radius-m", "NaN"}, "--radius-m NaN: want a cell ground radius in metres, > 0", true},
		{[]string{"--radius-m", "+Inf"}, "--radius-m +Inf: want", true},
		{[]string{"--radius-m", "100", "--target-coverage", "0"}, "--target-coverage 0: want a fraction of the area in (0, 1]", true},
		{[]string{"--radius-m", "100", "--target-coverage", "1.5"}, "--target-coverage 1.5: want a fraction", true},
		{[]string{"--radius-m", "100", "--target-coverage", "NaN"}, "--target-coverage NaN: want a fraction", true},
		{[]string{"--radius-m", "100", "--drones", "0"}, "--drones 0: want a drone count from 1 to 10000", true},
		{[]string{"--radius-m", "100", "--drones", "100000"}, "--drones 100000: want a drone count from 1 to 10000", true},
		{[]string{"--radius-m", "100", "--drones", "5000"}, "5000 drones is more than this area could ever use", false},
	} {
		var out, errb bytes.Buffer
		err := runPlan(context.Background(), append([]string{"--area", town}, c.args...), &out, &errb)
		var ue usageError
		if err == nil || !strings.Contains(err.Error(), c.want) || errors.As(err, &ue) != c.usage {
			t.Errorf("%v: error %v, want %q (usage error %v)", c.args, err, c.want, c.usage)
		}
		if out.Len() > 0 {
			t.Errorf("%v: printed a plan", c.args)
		}
	}
}

// plan stops when its context ends (main ends it on SIGINT and SIGTERM)
// and says why, instead of finishing the plan.
func TestPlanStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("terminated signal received"))
	var out, errb bytes.Buffer
	err := runPlan(ctx, []string{"--area", "../../examples/areas/town.geojson", "--radius-m", "100", "--drones", "2000"}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "plan: stopped before the plan was done (terminated signal received)") {
		t.Fatalf("error %v", err)
	}
	if out.Len() > 0 {
		t.Errorf("printed a plan: %s", out.String())
	}
}
