package sitl

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/aerocell/aerocell/fleet"
)

func load(t *testing.T, name string) *Scenario {
	t.Helper()
	sc, err := LoadScenario(filepath.Join("..", "examples", "sitl", name))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func TestMixedFleetReachesPlan(t *testing.T) {
	sc := load(t, "quake-mixed.yaml")
	out := t.TempDir()
	rep, err := Run(context.Background(), sc, Options{Out: out})
	if os.Getenv("SITL_KEEP") != "" {
		out2 := os.Getenv("SITL_KEEP")
		os.MkdirAll(out2, 0o755)
		rep.write(out2)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range rep.Networks {
		if rep.TimeToCoverageS[n] < 0 {
			t.Errorf("%s coverage never reached the plan", n)
		}
	}
	if rep.DeployedS <= 0 || rep.DeployedS > sc.Duration.Seconds() {
		t.Fatalf("first full deployment at %v s", rep.DeployedS)
	}
	last := rep.Series[len(rep.Series)-1]
	t.Logf("deployed after %.0f s; stations %d; coverage %v planned %v", rep.DeployedS, rep.Stations, last.Coverage, last.Planned)
	if last.Coverage[fleet.Public] < last.Planned[fleet.Public]-0.01 {
		t.Errorf("public coverage %.3f at the end, planned %.3f", last.Coverage[fleet.Public], last.Planned[fleet.Public])
	}
	for _, f := range []string{"report.json", "coverage.svg", "coverage.png", "tracks.geojson"} {
		fi, err := os.Stat(filepath.Join(out, f))
		if err != nil || fi.Size() == 0 {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	var back Report
	b, _ := os.ReadFile(filepath.Join(out, "report.json"))
	if err := json.Unmarshal(b, &back); err != nil || back.DeployedS != rep.DeployedS {
		t.Errorf("report.json does not read back: %v", err)
	}
}
