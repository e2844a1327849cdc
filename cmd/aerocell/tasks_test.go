package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aerocell/aerocell/api"
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
