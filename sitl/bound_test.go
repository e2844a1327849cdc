package sitl

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/aerocell/aerocell/airframe"
	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/fleet"
)

// A battery drone's share of the run on station: out, endurance, back,
// swap, out again; one sortie without a swap.
func TestHeldShare(t *testing.T) {
	p := fleet.Profile{CruiseMS: 10, ClimbMS: 2, DescentMS: 1, Endurance: 30 * time.Minute}
	for _, c := range []struct {
		name      string
		dist, alt float64
		run, swap time.Duration
		want      float64
	}{
		// 1000 m at 10 m/s and 200 m at 2 m/s: 200 s out; on for 1600 s.
		{"one sortie", 1000, 200, time.Hour, 0, 1600.0 / 3600},
		// Then back (100 + 200 s), swap 600 s, out 200 s: on again from
		// 2900 s to the end at 3600 s.
		{"rotation", 1000, 200, time.Hour, 10 * time.Minute, (1600.0 + 700) / 3600},
		{"shorter than a sortie", 0, 0, 10 * time.Minute, 0, 1},
		{"too far", 20000, 0, time.Hour, time.Minute, 0},
	} {
		if got := heldShare(p, c.dist, c.alt, c.run, c.swap); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// The bound gives a battery airframe the stations the controller plans for
// it: over an area its cells cannot cover, as many as its drones keep
// served in turn (fleet.Hold.Posts), not the drones a short run's single
// sorties would keep up (six heavies' shares over 45 minutes, 6 × 0.83,
// rounded up to five); the others wait as reliefs, which the idle-drone
// property must not count as idle. Over an area fewer cells cover to the
// target, only those.
func TestBoundStationsAreTheControllers(t *testing.T) {
	const scenario = `
name: six-heavies
duration: 45m
area: area.geojson
networks: [public, private]
battery_swap: 5m
launch_sites:
  - {name: base, lat: 0.0, lon: 0.0, capacity: 8}
drones:
  - {sysid: 1, count: 6, profile: heavy-multirotor, site: base}
`
	sc, tr, b := boundOver(t, scenario, 0.135) // a 30 km square around the site
	p := fleet.ProfilesOf(sc.Table())["heavy-multirotor"]
	alt, err := planAlt(sc, p, airframe.Wind{})
	if err != nil {
		t.Fatal(err)
	}
	site := tr.region.Projection.Forward(coverage.LonLat{})
	want := fleet.Hold{Margin: fleet.DefaultRotationMargin}.Posts(p, 6, tr.region.Area, []coverage.Point{site}, alt)
	if got := b.Stations[p.Name]; got != want || got != 4 {
		t.Fatalf("heavy stations in the bound: %d, controller's posts %d, want 4 of 6 (shares %v)", got, want, b.HeldShare)
	}

	// One heavy's cell covers a 2 km square: the others are spares.
	_, _, b = boundOver(t, scenario, 0.009)
	if got := b.Stations[p.Name]; got != 1 || b.Coverage[fleet.Public] < 0.99 {
		t.Fatalf("a 2 km square: %d heavy stations for public %.3f, want the 1 that covers it", got, b.Coverage[fleet.Public])
	}
}

// A tethered drone whose ground station stands farther from the area than
// its tether and largest cell reach holds no station in the bound: it
// could add no coverage, so it is neither a station the run falls short
// of nor a drone left idle (gen-s1-07: a tethered drone 2.5 km outside a
// dense-urban area, its public cell 1.5 km on a 150 m tether).
func TestBoundTetheredOutOfReach(t *testing.T) {
	const scenario = `
name: far-tether
duration: 1h
area: area.geojson
networks: [public]
environment: dense-urban
launch_sites:
  - {name: near, lat: 0.0, lon: 0.0, capacity: 2}
  - {name: far, lat: 0.0, lon: 0.036, capacity: 2}
drones:
  - {sysid: 1, profile: tethered-multirotor, site: near}
  - {sysid: 2, profile: tethered-multirotor, site: far}
`
	// a 2 km square around the near site; the far one 3 km east of its edge
	_, _, b := boundOver(t, scenario, 0.009)
	if got := b.Stations["tethered-multirotor"]; got != 1 {
		t.Fatalf("tethered stations: %d, want 1 (the far site's cells cannot reach the area)", got)
	}
	if b.Coverage[fleet.Public] <= 0 {
		t.Fatalf("public bound %v: the near site covers some of the area", b.Coverage[fleet.Public])
	}
}

// The bound's cells are those the airframe serves from: within its
// table's station band (a fixed wing climbs to 6,000 m but its cells
// serve from 1,000 to 2,000 m), as the controller flies them.
func TestBoundCellsWithinStationBand(t *testing.T) {
	sc := load(t, "quake-mixed.yaml")
	tr, err := newTruth(sc)
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range fleet.ProfilesOf(sc.Table()) {
		for _, n := range []fleet.Network{fleet.Public, fleet.Private} {
			if !carries(p, n) {
				continue
			}
			alt := bestAlt(tr.radii[name], p, n)
			lo, hi := p.Air.StationAlt.MinM, p.Air.StationAlt.MaxM
			if hi == 0 {
				hi = p.CeilingM
			}
			if alt < lo || alt > hi || alt > p.CeilingM {
				t.Errorf("%s %s: best altitude %.0f m outside its stations' %.0f-%.0f m", name, n, alt, lo, hi)
			}
		}
	}
}

// boundOver is the bound of a scenario (YAML) over a square area of
// half-side halfDeg degrees centred on (0°, 0°), and its truth.
func boundOver(t *testing.T, scenario string, halfDeg float64) (*Scenario, *truth, *Bound) {
	t.Helper()
	sc, err := ParseScenario(strings.NewReader(scenario))
	if err != nil {
		t.Fatal(err)
	}
	h := halfDeg
	area := fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%[1]g,%[1]g],[%[2]g,%[1]g],[%[2]g,%[2]g],[%[1]g,%[2]g],[%[1]g,%[1]g]]]}`, -h, h)
	if err := sc.SetArea([]byte(area), nil); err != nil {
		t.Fatal(err)
	}
	tr, err := newTruth(sc)
	if err != nil {
		t.Fatal(err)
	}
	b, err := UpperBound(sc, tr.radii)
	if err != nil {
		t.Fatal(err)
	}
	return sc, tr, b
}
