package sitl

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/sim"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// Generated scenarios: how many at most, and the family's ranges.
const (
	maxGenerated = 1000
	minAreaKm2   = 3
	maxAreaKm2   = 300
	maxWindMS    = 12
)

// Generate writes n random scenarios into dir, each a YAML file (the schema
// of examples/sitl) beside its area's GeoJSON, and returns the YAML
// files' paths. The same seed gives the same files. The family varies:
//   - the area: a convex polygon, a concave (star-shaped) one or a long
//     strip, from a few km² to a few hundred;
//   - the fleet: tethered drones at ground vehicles, heavy multirotors and
//     fixed-wing relays, at one to three launch sites in or near the area;
//   - the weather: wind 0-12 m/s from anywhere, with gusts;
//   - faults of every kind the simulator has, on one drone or the whole
//     fleet; the run's length and the crew's battery swap.
//
// Each file is loaded back (LoadScenario) before Generate returns.
func Generate(dir string, n int, seed uint64) ([]string, error) {
	if n < 1 || n > maxGenerated {
		return nil, scenarioErr("generate", "count %d outside 1..%d", n, maxGenerated)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("sitl: %w", err)
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed_a11c_e11))
	var paths []string
	for i := 1; i <= n; i++ {
		g := generated{name: fmt.Sprintf("gen-s%d-%02d", seed, i), rng: rand.New(rand.NewPCG(rng.Uint64(), uint64(i)))}
		yml, area := g.scenario()
		p := filepath.Join(dir, g.name+".yaml")
		if err := os.WriteFile(filepath.Join(dir, g.name+".geojson"), area, 0o644); err != nil {
			return nil, fmt.Errorf("sitl: %w", err)
		}
		if err := os.WriteFile(p, []byte(yml), 0o644); err != nil {
			return nil, fmt.Errorf("sitl: %w", err)
		}
		if _, err := LoadScenario(p); err != nil {
			return nil, fmt.Errorf("sitl: generated %s does not load: %w", p, err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// generated is one scenario being drawn.
type generated struct {
	name string
	rng  *rand.Rand
}

func (g *generated) uniform(lo, hi float64) float64 { return lo + (hi-lo)*g.rng.Float64() }

// scenario draws one scenario: its YAML and its area's GeoJSON.
func (g *generated) scenario() (string, []byte) {
	// Somewhere on land-ish latitudes; the shape in local metres.
	lat, lon := g.uniform(-45, 60), g.uniform(-150, 150)
	areaKm2 := math.Exp(g.uniform(math.Log(minAreaKm2), math.Log(maxAreaKm2)))
	shape, ring := g.shape(areaKm2 * 1e6)
	toLL := func(p coverage.Point) (float64, float64) {
		return coverage.Offset(lat, lon, p.Y, p.X)
	}
	coords := make(orb.Ring, 0, len(ring)+1)
	for _, p := range append(ring, ring[0]) {
		la, lo := toLL(p)
		coords = append(coords, orb.Point{math.Round(lo*1e6) / 1e6, math.Round(la*1e6) / 1e6})
	}
	area, _ := json.Marshal(geojson.NewGeometry(orb.Polygon{coords}))

	var b strings.Builder
	dur := []time.Duration{30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour}[g.rng.IntN(4)]
	ground := math.Round(g.uniform(0, 2500))
	fmt.Fprintf(&b, "# Generated (aerocell sitl --generate): a %s area of %.0f km², %s.\n", shape, areaKm2, dur)
	fmt.Fprintf(&b, "name: %s\nduration: %s\nspeed: 200\nseed: %d\narea: %s.geojson\n", g.name, dur, g.rng.IntN(1000)+1, g.name)
	if g.rng.IntN(4) == 0 {
		b.WriteString("networks: [public]\n")
	} else {
		b.WriteString("networks: [public, private]\n")
	}
	envs := []string{coverage.EnvSuburban, coverage.EnvSuburban, coverage.EnvUrban, coverage.EnvDenseUrban}
	env := envs[g.rng.IntN(len(envs))]
	fmt.Fprintf(&b, "target_coverage: 0.99\nenvironment: %s\n", env)

	// Launch sites: in the area's box or a little beyond it.
	lo, hi := coverage.MultiPolygon{{ring}}.Bounds()
	nSites := 1 + g.rng.IntN(3)
	b.WriteString("launch_sites:\n")
	for s := 0; s < nSites; s++ {
		p := coverage.Point{X: g.uniform(lo.X-2000, hi.X+2000), Y: g.uniform(lo.Y-2000, hi.Y+2000)}
		if s == 0 { // one site near the middle
			p = coverage.Point{X: g.uniform(-0.1, 0.1) * (hi.X - lo.X), Y: g.uniform(-0.1, 0.1) * (hi.Y - lo.Y)}
		}
		la, lo := toLL(p)
		fmt.Fprintf(&b, "  - {name: site%d, lat: %.6f, lon: %.6f, alt: %.0f, capacity: %d}\n", s+1, la, lo, ground, 2+g.rng.IntN(5))
	}

	// The fleet: each airframe in some of the scenarios, ten drones at most.
	type group struct {
		profile string
		n       int
	}
	var fleetGroups []group
	for fleetGroups == nil {
		for _, c := range []struct {
			profile string
			max     int
		}{{sim.ProfileTethered, 4}, {sim.ProfileHeavy, 4}, {sim.ProfileFixedWing, 2}} {
			if g.rng.IntN(3) > 0 {
				fleetGroups = append(fleetGroups, group{c.profile, 1 + g.rng.IntN(c.max)})
			}
		}
	}
	b.WriteString("drones:\n")
	var ids, tethered []int
	next := 1
	for _, gr := range fleetGroups {
		site := 1 + g.rng.IntN(nSites)
		for k := 0; k < gr.n; k++ {
			if gr.profile == sim.ProfileTethered {
				tethered = append(tethered, next+k)
			}
			ids = append(ids, next+k)
		}
		fmt.Fprintf(&b, "  - {sysid: %d, count: %d, profile: %s, site: site%d}\n", next, gr.n, gr.profile, site)
		next += gr.n
	}
	fmt.Fprintf(&b, "wind: {speed: %.1f, from: %.0f, gust: %.1f}\n", g.uniform(0, maxWindMS), g.uniform(0, 360), g.uniform(0, 3))
	fmt.Fprintf(&b, "battery_swap: %s\n", time.Duration(5+g.rng.IntN(11))*time.Minute)

	// Faults: none to four, of every kind; a fleet-wide one only for the
	// link's kinds; ground power only on a tethered drone.
	nFaults := g.rng.IntN(5)
	type line struct {
		at   time.Duration
		text string
	}
	var faults []line
	kinds := sim.FaultKinds()
	for f := 0; f < nFaults; f++ {
		kind := kinds[g.rng.IntN(len(kinds))]
		at := time.Duration(g.uniform(0.1, 0.8) * float64(dur)).Round(time.Minute)
		sysid := ids[g.rng.IntN(len(ids))]
		if kind == sim.FaultGroundPower {
			if len(tethered) == 0 {
				kind = sim.FaultBattery
			} else {
				sysid = tethered[g.rng.IntN(len(tethered))]
			}
		}
		lasts := time.Duration(1+g.rng.IntN(15)) * time.Minute
		var b strings.Builder
		fmt.Fprintf(&b, "  - {at: %s, kind: %s, duration: %s", at, kind, lasts)
		switch kind {
		case sim.FaultPacketLoss, sim.FaultLatency:
			if g.rng.IntN(2) == 0 {
				sysid = 0 // the whole fleet's link
			}
		}
		if sysid != 0 {
			fmt.Fprintf(&b, ", sysid: %d", sysid)
		}
		switch kind {
		case sim.FaultPacketLoss:
			fmt.Fprintf(&b, ", percent: %.0f", g.uniform(10, 60))
		case sim.FaultLatency:
			fmt.Fprintf(&b, ", latency: %s", time.Duration(100+g.rng.IntN(1900))*time.Millisecond)
		case sim.FaultPayload:
			fmt.Fprintf(&b, ", network: %s", []string{"all", "public", "private"}[g.rng.IntN(3)])
		}
		b.WriteString("}\n")
		faults = append(faults, line{at, b.String()})
	}
	sort.SliceStable(faults, func(i, j int) bool { return faults[i].at < faults[j].at })
	if len(faults) > 0 {
		b.WriteString("faults:\n")
	}
	for _, f := range faults {
		b.WriteString(f.text)
	}
	return b.String(), area
}

// shape draws an area of about a square metres centred on the origin:
// its kind and its ring (counter-clockwise, not closed).
func (g *generated) shape(a float64) (string, coverage.Ring) {
	rot := g.uniform(0, math.Pi)
	turn := func(ps coverage.Ring) coverage.Ring {
		c, s := math.Cos(rot), math.Sin(rot)
		for i, p := range ps {
			ps[i] = coverage.Point{X: c*p.X - s*p.Y, Y: s*p.X + c*p.Y}
		}
		return ps
	}
	switch g.rng.IntN(3) {
	case 0: // a strip 2-5 km wide
		w := math.Min(g.uniform(2000, 5000), math.Sqrt(a/4))
		l := a / w
		return "strip", turn(coverage.Ring{{X: -l / 2, Y: -w / 2}, {X: l / 2, Y: -w / 2}, {X: l / 2, Y: w / 2}, {X: -l / 2, Y: w / 2}})
	case 1: // convex: points on an ellipse
		n := 5 + g.rng.IntN(8)
		ratio := g.uniform(1, 3)
		ps := make(coverage.Ring, n)
		for i := range ps {
			t := 2 * math.Pi * (float64(i) + g.uniform(-0.3, 0.3)) / float64(n)
			ps[i] = coverage.Point{X: ratio * math.Cos(t), Y: math.Sin(t)}
		}
		return "convex", turn(scaleTo(ps, a))
	default: // concave: a star with deep bays
		n := 6 + 2*g.rng.IntN(5)
		ps := make(coverage.Ring, n)
		for i := range ps {
			r := 1.0
			if i%2 == 1 {
				r = g.uniform(0.35, 0.7)
			}
			t := 2 * math.Pi * float64(i) / float64(n)
			ps[i] = coverage.Point{X: r * math.Cos(t), Y: r * math.Sin(t)}
		}
		return "concave", turn(scaleTo(ps, a))
	}
}

// scaleTo scales a ring about the origin to area a.
func scaleTo(ps coverage.Ring, a float64) coverage.Ring {
	k := math.Sqrt(a / math.Abs(coverage.Polygon{ps}.Area()))
	for i := range ps {
		ps[i].X *= k
		ps[i].Y *= k
	}
	return ps
}
