package main

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aerocell/aerocell/api"
	"github.com/aerocell/aerocell/fleet"
)

func TestDeploy(t *testing.T) {
	f := &apiFake{}
	url := startAPI(t, f)
	out, err := runCLI(t, "deploy", "--api", url, "--token", cliCommander)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "plan: 1 stations, expected coverage public 97.0%") || !strings.Contains(out, "deploy accepted") {
		t.Fatalf("output:\n%s", out)
	}
	if !slices.Equal(f.got(), []string{"deploy"}) {
		t.Fatalf("orders %v", f.got())
	}
}

func TestDeployPreviewFliesNothing(t *testing.T) {
	f := &apiFake{}
	url := startAPI(t, f)
	out, err := runCLI(t, "deploy", "--preview", "--api", url, "--token", cliViewer)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "s1") || len(f.got()) != 0 {
		t.Fatalf("output %s orders %v", out, f.got())
	}
}

func TestDeployWithArea(t *testing.T) {
	f := &apiFake{}
	url := startAPI(t, f)
	path := filepath.Join(t.TempDir(), "river.geojson")
	area := `{"type":"Polygon","coordinates":[[[7.4,46.9],[7.5,46.9],[7.5,46.96],[7.4,46.9]]]}`
	if err := os.WriteFile(path, []byte(area), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := runCLI(t, "deploy", "--area", path, "--api", url, "--token", cliCommander)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.got(), []string{"create river", "deploy"}) || !strings.Contains(out, "incident inc-2 opened: river") {
		t.Fatalf("orders %v output %s", f.got(), out)
	}
}

func TestDeployRefusals(t *testing.T) {
	f := &apiFake{deploy: func() error { return fleet.ErrNoIncident }}
	url := startAPI(t, f)
	_, err := runCLI(t, "deploy", "--api", url, "--token", cliViewer)
	var ae *api.Error
	if !errors.As(err, &ae) || ae.Status != 403 {
		t.Fatalf("viewer deploy: %v", err)
	}
	_, err = runCLI(t, "deploy", "--api", url, "--token", cliCommander)
	if !errors.As(err, &ae) || ae.Status != 409 || !strings.Contains(err.Error(), "no open incident") {
		t.Fatalf("deploy without incident: %v", err)
	}
	if _, err := runCLI(t, "deploy", "--name", "x", "--api", url); exitCode(err) != 2 {
		t.Fatalf("--name without --area: %v", err)
	}
	if _, err := runCLI(t, "deploy", "--area", filepath.Join(t.TempDir(), "none.geojson"), "--api", url); err == nil {
		t.Fatal("missing area file accepted")
	}
}
