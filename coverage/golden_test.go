package coverage

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden plans in testdata/golden")

type goldenFeature struct {
	Geometry struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	} `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

func goldenStations(t *testing.T, b []byte) []LonLat {
	t.Helper()
	var fc struct {
		Features []goldenFeature `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		t.Fatal(err)
	}
	var out []LonLat
	for _, f := range fc.Features {
		if f.Properties["kind"] != "station" {
			continue
		}
		var c [2]float64
		if err := json.Unmarshal(f.Geometry.Coordinates, &c); err != nil {
			t.Fatal(err)
		}
		out = append(out, LonLat{c[0], c[1]})
	}
	return out
}

// Golden plans: testdata/areas/x.geojson gives testdata/golden/x_r2000_out.geojson
// and x_r6000_out.geojson. Run with -update after an intended change.
func TestGoldenPlans(t *testing.T) {
	files, _ := filepath.Glob("testdata/areas/*.geojson")
	n := 0
	for _, fn := range files {
		n++
		b, err := os.ReadFile(fn)
		if err != nil {
			t.Fatal(err)
		}
		inc, err := ParseIncident(b)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []float64{2000, 6000} {
			plan, err := PlanStations(Request{Incident: inc, RadiusM: r, CompareLattice: true})
			if err != nil {
				t.Fatalf("%s: %v", fn, err)
			}
			base := filepath.Base(fn)
			name := filepath.Join("testdata", "golden", fmt.Sprintf("%s_r%.0f_out.geojson", base[:len(base)-len(".geojson")], r))
			if plan.Coverage < 0.99 || plan.Coverage > 1 {
				t.Errorf("%s: coverage %v", name, plan.Coverage)
			}
			if got, l := len(plan.Stations), plan.Lattice; got >= l.Clipped || got > l.Drones {
				t.Errorf("%s: %d stations; lattice %d clipped, %d pruned", name, got, l.Clipped, l.Drones)
			}
			out, err := plan.GeoJSON()
			if err != nil {
				t.Fatal(err)
			}
			if *update {
				if err := os.WriteFile(name, append(out, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(name)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGoldenPlans -update)", err)
			}
			ws, gs := goldenStations(t, want), goldenStations(t, out)
			if len(ws) != len(gs) {
				t.Errorf("%s: %d stations, golden %d", name, len(gs), len(ws))
				continue
			}
			for i := range ws {
				dy := (ws[i].Lat - gs[i].Lat) * 111_000
				dx := (ws[i].Lon - gs[i].Lon) * 111_000 * math.Cos(ws[i].Lat*math.Pi/180)
				if math.Hypot(dx, dy) > 1 {
					t.Errorf("%s: station %d at %v, golden %v", name, i, gs[i], ws[i])
				}
			}
		}
	}
	if n != 3 {
		t.Errorf("found %d sample areas, want 3", n)
	}
}
