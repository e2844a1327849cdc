package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

const (
	crawfordArea = "../../coverage/testdata/terrain/crawford-notch.geojson"
	demDir       = "../../dem/testdata"
)

// TestPlanDEM plans 8 heavy multirotors over Crawford Notch with the SRTM
// tile: placed flat and evaluated over the terrain (--dem-place=false),
// stations keep alt_m above the ground and gain ground_m and alt_amsl_m,
// coverage is terrain-aware (below the flat claim, kept under terrain);
// placed over the terrain (--dem), the same fleet covers more of the
// valley than the flat plan; without --dem the plan has none of that.
func TestPlanDEM(t *testing.T) {
	args := []string{"--area", crawfordArea, "--profile", "heavy-multirotor", "--drones", "8", "--lattice=false"}
	type station struct {
		AltM     float64  `json:"alt_m"`
		GroundM  *float64 `json:"ground_m"`
		AltAMSLM *float64 `json:"alt_amsl_m"`
	}
	type result struct {
		Stations []station `json:"stations"`
		Coverage float64   `json:"coverage"`
		Terrain  *struct {
			FlatCoverage float64 `json:"flat_coverage"`
			LoSFraction  float64 `json:"los_fraction"`
		} `json:"terrain"`
	}
	run := func(extra ...string) result {
		t.Helper()
		var out, errb bytes.Buffer
		if err := runPlan(context.Background(), append(args, extra...), &out, &errb); err != nil {
			t.Fatalf("runPlan: %v (stderr %s)", err, errb.String())
		}
		var r result
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	flat := run()
	terr := run("--dem", demDir, "--dem-place=false")
	if flat.Terrain != nil || flat.Stations[0].GroundM != nil {
		t.Errorf("without --dem: terrain %v, ground %v", flat.Terrain, flat.Stations[0].GroundM)
	}
	if terr.Terrain == nil || terr.Terrain.FlatCoverage != flat.Coverage {
		t.Fatalf("with --dem: terrain %+v, want the flat claim %v kept", terr.Terrain, flat.Coverage)
	}
	if !(terr.Coverage < flat.Coverage-0.05) {
		t.Errorf("terrain-aware coverage %v, flat %v: the notch hides more than 5%%", terr.Coverage, flat.Coverage)
	}
	for i, s := range terr.Stations {
		if s.GroundM == nil || s.AltAMSLM == nil || *s.AltAMSLM != *s.GroundM+s.AltM || s.AltM != flat.Stations[i].AltM {
			t.Errorf("station %d: %+v", i, s)
		}
	}
	placed := run("--dem", demDir)
	t.Logf("flat claim %.4f, flat plan over terrain %.4f, placed over terrain %.4f", flat.Coverage, terr.Coverage, placed.Coverage)
	if len(placed.Stations) != 8 || !(placed.Coverage > terr.Coverage+0.03) {
		t.Errorf("placed over terrain: %d stations covering %.4f, flat plan over terrain %.4f", len(placed.Stations), placed.Coverage, terr.Coverage)
	}
	for i, s := range placed.Stations {
		if s.GroundM == nil || s.AltAMSLM == nil || *s.AltAMSLM != *s.GroundM+s.AltM || s.AltM < 50 || s.AltM > 300 {
			t.Errorf("placed station %d: %+v (want 50-300 m above the ground)", i, s)
		}
	}
}

func TestPlanDEMErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--area", crawfordArea, "--radius-m", "3000", "--drones", "2", "--dem", demDir}, "--dem needs link budgets"},
		{[]string{"--area", crawfordArea, "--profile", "heavy-multirotor", "--drones", "2", "--dem", "no/such/dir"}, "no/such/dir"},
		{[]string{"--area", crawfordArea, "--profile", "heavy-multirotor", "--drones", "2", "--dem", demDir, "--dem-step-m", "0"}, "--dem-step-m 0"},
		{[]string{"--area", crawfordArea, "--profile", "heavy-multirotor", "--drones", "2", "--dem", demDir, "--relay-range-m", "5000"}, "--dem-place=false"},
		// The flood valley is not in the one tile kept: the tile missing is named.
		{[]string{"--area", testArea, "--profile", "heavy-multirotor", "--drones", "2", "--lattice=false", "--dem", demDir}, ".hgt not found"},
	} {
		var out, errb bytes.Buffer
		err := runPlan(context.Background(), c.args, &out, &errb)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.args, err, c.want)
		}
		if out.Len() != 0 {
			t.Errorf("%v: printed a plan on error", c.args)
		}
	}
}
