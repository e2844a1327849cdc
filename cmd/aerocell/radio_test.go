package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestRadioJSON(t *testing.T) {
	var out, errb bytes.Buffer
	err := runRadio(context.Background(), []string{"--env", "urban", "--freq-mhz", "2000", "--max-path-loss-db", "110", "--max-alt-m", "300", "--json"}, &out, &errb)
	if err != nil {
		t.Fatalf("runRadio: %v (stderr %s)", err, errb.String())
	}
	var got struct {
		OptimalElevationDeg float64 `json:"optimal_elevation_deg"`
		OptimalAltM         float64 `json:"optimal_altitude_m"`
		AltitudeM           float64 `json:"altitude_m"`
		RadiusM             float64 `json:"radius_m"`
		Clamped             bool    `json:"clamped"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("output is not one JSON object: %v\n%s", err, out.String())
	}
	// Al-Hourani et al. 2014 give 42.44 degrees for urban.
	if math.Abs(got.OptimalElevationDeg-42.44) > 0.01 {
		t.Errorf("optimal elevation %.3f, want 42.44", got.OptimalElevationDeg)
	}
	if got.OptimalAltM <= 300 || !got.Clamped || got.AltitudeM != 300 {
		t.Errorf("want the optimum above 300 m clamped to 300 m, got %+v", got)
	}
	// At the clamped altitude the edge of the cell must sit at the limit.
	if !(got.RadiusM > 0) {
		t.Errorf("radius %v", got.RadiusM)
	}
}

func TestRadioErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--env", "moon", "--freq-mhz", "2000", "--max-path-loss-db", "110"},
		{"--env", "urban", "--freq-mhz", "-5", "--max-path-loss-db", "110"},
		{"--env", "urban", "--freq-mhz", "2000"},
		{"--env", "urban", "--freq-mhz", "2000", "--max-path-loss-db", "110", "--min-alt-m", "500", "--max-alt-m", "100"},
		{"--env", "custom", "--freq-mhz", "2000", "--max-path-loss-db", "110"},
	} {
		var out, errb bytes.Buffer
		if err := runRadio(context.Background(), args, &out, &errb); err == nil {
			t.Errorf("%s: no error", strings.Join(args, " "))
		}
	}
}
