package sitl

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aerocell/aerocell/clock"
	"github.com/aerocell/aerocell/fleet"
)

// writeScenario writes a scenario file with an area beside it and returns
// its path.
func writeScenario(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	area, err := os.ReadFile(filepath.Join("..", "examples", "areas", "town.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "area.geojson"), area, 0o644); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "s.yaml")
	if err := os.WriteFile(p, []byte("duration: 10m\narea: area.geojson\nhome: {lat: 44.13, lon: -71.36}\ndrones: [{sysid: 1, profile: heavy-multirotor}]\n"+body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// dem: is taken relative to the scenario file, as area: is; a directory
// that is missing or holds no tile is an error naming dem.
func TestScenarioDEM(t *testing.T) {
	abs, err := filepath.Abs(filepath.Join("..", "dem", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	p := writeScenario(t, "dem: "+abs+"\n")
	sc, err := LoadScenario(p)
	if err != nil {
		t.Fatal(err)
	}
	if sc.terrain == nil || sc.demDir != abs {
		t.Fatalf("dem %q opened as %v", sc.demDir, sc.terrain)
	}
	// relative: beside the scenario
	p = writeScenario(t, "dem: tiles\n")
	if err := os.Mkdir(filepath.Join(filepath.Dir(p), "tiles"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = LoadScenario(p)
	if !errors.Is(err, ErrScenario) || !strings.Contains(err.Error(), "dem: no .hgt tile in "+filepath.Join(filepath.Dir(p), "tiles")) {
		t.Fatalf("an empty tile directory: %v", err)
	}
	tile, err := os.ReadFile(filepath.Join(abs, "N44W072.hgt"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(p), "tiles", "N44W072.hgt"), tile, 0o644); err != nil {
		t.Fatal(err)
	}
	if sc, err = LoadScenario(p); err != nil || sc.demDir != filepath.Join(filepath.Dir(p), "tiles") {
		t.Fatalf("relative dem: %v", err)
	}
	// the daemon of the run gets the same directory
	clk, err := clock.NewScaled(epoch, 10)
	if err != nil {
		t.Fatal(err)
	}
	r := &runner{sc: sc, clk: clk, out: t.TempDir()}
	cfg, err := r.daemonConfig(14550)
	if err != nil || cfg.Terrain() == nil || cfg.Terrain().Path() != sc.demDir {
		t.Fatalf("the daemon's dem: %v", err)
	}
	if _, err := LoadScenario(writeScenario(t, "dem: nowhere\n")); !errors.Is(err, ErrScenario) || !strings.Contains(err.Error(), "dem: ") {
		t.Fatalf("a missing dem: %v", err)
	}
}

// The shipped scenario over the White Mountains tile, shortened to its
// first 40 minutes: the heavies launch from the valley floor to posts over
// the ridges and none crashes; the tethered drones stand on the DEM.
func TestIreneCrawford(t *testing.T) {
	if testing.Short() {
		t.Skip("forty minutes of flight")
	}
	sc := load(t, "irene-crawford.yaml")
	if sc.terrain == nil {
		t.Fatal("the scenario has no terrain")
	}
	sc.Duration = 40 * time.Minute
	opt := Options{Out: t.TempDir()}
	if raceBuild {
		// Under -race a terrain footprint sweep takes several times its
		// 15 ms, and the loop sweeps each drone that moved: at the
		// scenario's 200x the loop fell minutes of flight behind the
		// simulator (mean public coverage 0.005 against 0.55 without).
		opt.Speed = 40
	}
	rep, err := Run(context.Background(), sc, opt)
	if err != nil {
		t.Fatal(err)
	}
	heavies := map[int]bool{}
	for _, e := range rep.Events {
		switch {
		case e.Kind == fleet.EventDroneCrashed:
			t.Errorf("%s", e.Text)
		case e.Kind == fleet.EventCommandRefused:
			t.Errorf("refused: %s", e.Text)
		case e.Kind == fleet.EventDroneAssigned && e.Drone >= 7:
			heavies[e.Drone] = true
		}
	}
	t.Logf("mean coverage over the terrain %v (bound %v), heavies sent %v", rep.Mean, rep.Bound.Coverage, heavies)
	if len(heavies) == 0 || rep.Mean[fleet.Public] < 0.3 {
		t.Fatalf("heavies sent %v, mean public coverage %.3f", heavies, rep.Mean[fleet.Public])
	}
	if !rep.Bound.Terrain {
		t.Error("the bound is not measured over the terrain")
	}
	for _, n := range rep.Networks {
		if rep.Mean[n] > rep.Bound.Coverage[n]+1e-9 {
			t.Errorf("%s: mean coverage %.3f above the bound over terrain %.3f", n, rep.Mean[n], rep.Bound.Coverage[n])
		}
	}
}
