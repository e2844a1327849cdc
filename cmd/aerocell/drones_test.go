package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aerocell/aerocell/api"
	"github.com/aerocell/aerocell/fleet"
)

func TestDronesList(t *testing.T) {
	url := startAPI(t, &apiFake{})
	out, err := runCLI(t, "drones", "--api", url, "--token", cliViewer)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "ID") {
		t.Fatalf("table:\n%s", out)
	}
	if f := strings.Fields(lines[1]); f[0] != "1" || f[1] != "on_station" || f[2] != "s1" || f[3] != "81%" {
		t.Fatalf("row 1: %q", lines[1])
	}
	if !strings.Contains(lines[2], "lost") || !strings.Contains(lines[2], "down") || !strings.Contains(lines[2], "failed") {
		t.Fatalf("row 2: %q", lines[2])
	}
	if f := strings.Fields(lines[3]); f[3] != "tether" {
		t.Fatalf("tether-powered drone's battery shown as %q", f[3])
	}
	out, err = runCLI(t, "drones", "--api", url, "--token", cliViewer, "2")
	if err != nil || strings.Count(out, "\n") != 2 {
		t.Fatalf("detail %v:\n%s", err, out)
	}
	_, err = runCLI(t, "drones", "--api", url, "--token", cliViewer, "9")
	var ae *api.Error
	if !errors.As(err, &ae) || ae.Status != 404 {
		t.Fatalf("unknown drone: %v", err)
	}
}

func TestDronesOrders(t *testing.T) {
	var gotGoto fleet.Order
	f := &apiFake{order: func(id int, o fleet.Order) error {
		if id == 2 {
			return fmt.Errorf("%w: drone 2 is lost", fleet.ErrLimit)
		}
		if o.Kind == fleet.OrderGoto {
			gotGoto = o
		}
		return nil
	}}
	url := startAPI(t, f)
	for _, order := range [][]string{{"rtl"}, {"land"}, {"release"}, {"goto", "46.91", "7.42", "80"}, {"exclude"}, {"include"}, {"pin"}} {
		args := append([]string{"drones", "--api", url, "--token", cliCommander, "1"}, order...)
		out, err := runCLI(t, args...)
		if err != nil || !strings.Contains(out, "accepted") {
			t.Fatalf("%v: %v %s", order, err, out)
		}
	}
	want := []string{"rtl", "land", "release", "goto", "exclude on", "exclude off", "pin s1"}
	if !slices.Equal(f.got(), want) {
		t.Fatalf("orders %v, want %v", f.got(), want)
	}
	if gotGoto != (fleet.Order{Kind: fleet.OrderGoto, Lat: 46.91, Lon: 7.42, AltM: 80}) {
		t.Fatalf("goto %+v", gotGoto)
	}
	// Refusals: usage errors exit 2 and send nothing; API refusals say why.
	for _, bad := range [][]string{{"x"}, {"0"}, {"1", "loop"}, {"1", "goto", "1", "2"}, {"1", "goto", "a", "2", "3"}, {"1", "rtl", "now"}} {
		args := append([]string{"drones", "--api", url, "--token", cliCommander}, bad...)
		if _, err := runCLI(t, args...); exitCode(err) != 2 {
			t.Errorf("%v: err %v, want a usage error", bad, err)
		}
	}
	_, err := runCLI(t, "drones", "--api", url, "--token", cliCommander, "2", "rtl")
	var ae *api.Error
	if !errors.As(err, &ae) || ae.Status != 422 || !strings.Contains(ae.Message, "drone 2 is lost") {
		t.Fatalf("refused order: %v", err)
	}
	_, err = runCLI(t, "drones", "--api", url, "--token", cliViewer, "1", "land")
	if !errors.As(err, &ae) || ae.Status != 403 {
		t.Fatalf("viewer order: %v", err)
	}
	if len(f.got()) != len(want) {
		t.Fatalf("refused orders reached the controller: %v", f.got())
	}
}
