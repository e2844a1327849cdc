package sitl

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/internal/geojsontest"
	"github.com/aerocell/aerocell/sim"
)

// The family is deterministic per seed, every file loads, and a sample of
// it covers every area shape, airframe and fault kind, areas from a few
// km² to a few hundred and wind up to 12 m/s.
func TestGenerate(t *testing.T) {
	const n = 40
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	pa, err := Generate(a, n, 7)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(b, n, 7); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(c, 3, 8); err != nil {
		t.Fatal(err)
	}
	if len(pa) != n {
		t.Fatalf("%d files, want %d", len(pa), n)
	}
	shapes, profiles, kinds := map[string]int{}, map[string]int{}, map[sim.FaultKind]int{}
	minKm2, maxKm2, maxWind := 1e9, 0.0, 0.0
	for i, p := range pa {
		ya, _ := os.ReadFile(p)
		yb, _ := os.ReadFile(filepath.Join(b, filepath.Base(p)))
		ga, _ := os.ReadFile(strings.TrimSuffix(p, ".yaml") + ".geojson")
		gb, _ := os.ReadFile(filepath.Join(b, strings.TrimSuffix(filepath.Base(p), ".yaml")+".geojson"))
		if len(ya) == 0 || !bytes.Equal(ya, yb) || !bytes.Equal(ga, gb) {
			t.Errorf("%s differs between two runs with the same seed", filepath.Base(p))
		}
		if i < 3 {
			yc, _ := os.ReadFile(filepath.Join(c, strings.Replace(filepath.Base(p), "s7", "s8", 1)))
			if bytes.Equal(ya, yc) {
				t.Errorf("%s is the same with another seed", filepath.Base(p))
			}
		}
		sc, err := LoadScenario(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"convex", "concave", "strip"} {
			if bytes.Contains(ya, []byte("a "+s+" area")) {
				shapes[s]++
			}
		}
		for _, d := range sc.Drones {
			profiles[d.Profile] += max(d.Count, 1)
		}
		for _, f := range sc.Faults {
			kinds[f.Kind]++
		}
		if sc.Wind == nil || sc.Wind.SpeedMS < 0 || sc.Wind.SpeedMS > 12 {
			t.Errorf("%s: wind %+v", sc.Name, sc.Wind)
		} else {
			maxWind = max(maxWind, sc.Wind.SpeedMS)
		}
		reg, err := coverage.Prepare(coverage.Incident{Area: mustArea(t, sc.area)})
		if err != nil {
			t.Fatalf("%s: %v", sc.Name, err)
		}
		km2 := reg.Area.Area() / 1e6
		// The area drawn in metres is the area stated in the header once
		// laid on the globe and projected back (to the header's rounding).
		var shape string
		var stated float64
		if _, err := fmt.Sscanf(string(ya), "# Generated (aerocell sitl --generate): a %s area of %f km²", &shape, &stated); err != nil {
			t.Fatalf("%s: header: %v", sc.Name, err)
		}
		if math.Abs(km2-stated) > 0.5+1e-4*stated {
			t.Errorf("%s: area %.3f km², the header says %.0f", sc.Name, km2, stated)
		}
		minKm2, maxKm2 = min(minKm2, km2), max(maxKm2, km2)
	}
	t.Logf("shapes %v, drones %v, faults %v, areas %.1f-%.1f km², wind up to %.1f m/s", shapes, profiles, kinds, minKm2, maxKm2, maxWind)
	if len(shapes) != 3 {
		t.Errorf("shapes %v, want convex, concave and strip", shapes)
	}
	for _, p := range []string{sim.ProfileTethered, sim.ProfileHeavy, sim.ProfileFixedWing} {
		if profiles[p] == 0 {
			t.Errorf("no %s in %d scenarios", p, n)
		}
	}
	for _, k := range sim.FaultKinds() {
		if kinds[k] == 0 {
			t.Errorf("no %s fault in %d scenarios", k, n)
		}
	}
	if minKm2 < 2.5 || minKm2 > 20 || maxKm2 < 100 || maxKm2 > 330 {
		t.Errorf("areas from %.1f to %.1f km², want a few to a few hundred", minKm2, maxKm2)
	}
	if maxWind < 8 {
		t.Errorf("wind at most %.1f m/s in %d scenarios", maxWind, n)
	}
	if _, err := Generate(t.TempDir(), 0, 1); err == nil {
		t.Error("no error for zero scenarios")
	}
}

// mustArea reads a generated area, checking first that it is GeoJSON
// orb/geojson reads back unchanged.
func mustArea(t *testing.T, b []byte) coverage.GeoMultiPolygon {
	t.Helper()
	geojsontest.Geometry(t, b)
	a, err := coverage.ParseArea(b)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
