package sitl

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/fleet"
	"github.com/aerocell/aerocell/payload"
)

// Bound is an upper bound on the mean coverage a scenario's fleet can give
// over the run: its best holdable plan with rotation and no faults.
//
// The estimate, per wanted network:
//   - each drone's cell is the largest the truth's radio model gives it at
//     any altitude the airframe can fly;
//   - the tethered drones of one ground station (a launch site) cover at
//     most one disk centred on it, of that radius plus the tether's length
//     (any number of cells hovering within a tether of the site lie in
//     it): one station per site, held all the time, the other tethered
//     drones there being reliefs;
//   - a battery drone holds a station at most this share of the run: it
//     flies out (from its home to the nearest point of the area at cruise
//     speed, then climbs), stays until its endurance to the reserve is
//     spent (the return comes out of the reserve), flies back, waits for
//     the crew's battery swap and goes again (no swap: one sortie). Wind,
//     payload mass and launch queues are left out: each would only lower
//     what the fleet can do;
//   - the shares of the drones of one airframe add up to the mean number
//     of its stations held at once, rounded up; the rest are reliefs;
//   - those stations are placed for the best coverage (the largest cells
//     first) around the tethered disks, and their coverage is the bound.
//
// Each network is bounded on its own: a drone flies one altitude for both
// cells, so the two bounds need not be reachable together.
//
// Rounding up, the largest cells and the shortest transits keep it above
// what a run can hold on average (coverage is concave in the number of
// stations, so the mean over a run is at most the coverage of the mean
// number of stations). The placement is a heuristic; AreaCeiling, the
// area of all those cells over the area's, is the loose bound no
// placement can beat.
type Bound struct {
	// Coverage is the bound per wanted network.
	Coverage map[fleet.Network]float64 `json:"coverage"`
	// AreaCeiling is min(1, the cells' area over the incident's).
	AreaCeiling map[fleet.Network]float64 `json:"area_ceiling"`
	// Stations is how many stations of each airframe the bound holds.
	Stations map[string]int `json:"stations"`
	// HeldShare is the mean share of the run each airframe's drones can be
	// on station.
	HeldShare map[string]float64 `json:"held_share"`
	// Terrain says Coverage was measured over the scenario's terrain, the
	// stations placed there (see boundOverTerrain).
	Terrain bool `json:"terrain,omitempty"`
}

// UpperBound computes the bound for a loaded scenario with the radio model
// the truth measures with (radii by airframe name). It is pure: no clock,
// no sockets.
func UpperBound(sc *Scenario, radii map[string]fleet.CellRadii) (*Bound, error) {
	inc := coverage.Incident{}
	var err error
	if inc.Area, err = coverage.ParseArea(sc.area); err != nil {
		return nil, scenarioErr("area", "%v", err)
	}
	if len(sc.noFly) > 0 {
		if inc.NoFly, err = coverage.ParseArea(sc.noFly); err != nil {
			return nil, scenarioErr("no_fly", "%v", err)
		}
	}
	reg, err := coverage.Prepare(inc)
	if err != nil {
		return nil, scenarioErr("area", "%v", err)
	}
	profiles := fleet.ProfilesOf(sc.Table())
	b := &Bound{Coverage: map[fleet.Network]float64{}, AreaCeiling: map[fleet.Network]float64{},
		Stations: map[string]int{}, HeldShare: map[string]float64{}}

	// Held stations per airframe; tethered drones per ground station.
	type group struct {
		prof  fleet.Profile
		held  float64
		n     int
		sites []coverage.Point // the tethered drones' ground stations
	}
	groups := map[string]*group{}
	for _, dc := range sc.simDrones() {
		p, ok := profiles[dc.Profile]
		if !ok {
			return nil, scenarioErr("drones", "unknown profile %q", dc.Profile)
		}
		g := groups[p.Name]
		if g == nil {
			g = &group{prof: p}
			groups[p.Name] = g
		}
		g.n++
		if p.Tethered() {
			gs := reg.Projection.Forward(coverage.LonLat{Lon: dc.GroundStation.Lon, Lat: dc.GroundStation.Lat})
			if !slices.Contains(g.sites, gs) {
				g.sites = append(g.sites, gs)
				g.held++
			}
			continue
		}
		home := reg.Projection.Forward(coverage.LonLat{Lon: dc.Home.Lon, Lat: dc.Home.Lat})
		g.held += heldShare(p, reg.Area.Distance(home), lowestBestAlt(sc, radii[p.Name], p), sc.Duration, sc.BatterySwap)
	}
	names := make([]string, 0, len(groups))
	for name, g := range groups {
		names = append(names, name)
		b.Stations[name] = min(g.n, int(math.Ceil(g.held-1e-9)))
		b.HeldShare[name] = g.held / float64(g.n)
	}
	sort.Strings(names)
	area := reg.Area.Area()
	for _, net := range networksOf(sc) {
		// The tethered disks stand at their sites; the largest cells are
		// placed first around them.
		var disks []coverage.Disk
		cells := 0.0
		radius := map[string]float64{}
		var order []string
		for _, name := range names {
			g := groups[name]
			if !carries(g.prof, net) {
				continue
			}
			r := maxRadius(radii[name], g.prof, net)
			if !g.prof.Tethered() {
				radius[name] = r
				order = append(order, name)
				continue
			}
			for _, pos := range g.sites {
				disks = append(disks, coverage.Disk{C: pos, R: r + g.prof.TetherM})
				cells += math.Pi * (r + g.prof.TetherM) * (r + g.prof.TetherM)
			}
		}
		sort.SliceStable(order, func(i, j int) bool { return radius[order[i]] > radius[order[j]] })
		for _, name := range order {
			r, k := radius[name], b.Stations[name]
			if k == 0 || !(r > 0) {
				continue
			}
			cells += float64(k) * math.Pi * r * r
			pl, err := coverage.Place(coverage.PlaceOptions{Area: reg.Area, RadiusM: r, Drones: k, NoFly: reg.NoFly,
				Fixed: disks, Seed: sc.Seed, TetherReachM: -1})
			if err != nil {
				return nil, fmt.Errorf("sitl: upper bound: placing %s: %w", name, err)
			}
			disks = append(disks, pl.Disks...)
		}
		b.Coverage[net] = coverage.Measure(reg.Area, disks).Fraction
		if area > 0 {
			b.AreaCeiling[net] = math.Min(1, cells/area)
		}
	}
	if sc.terrain != nil {
		if err := boundOverTerrain(sc, b, profiles, inc.Area); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// networksOf returns the networks the scenario's incident wants.
func networksOf(sc *Scenario) []fleet.Network {
	var out []fleet.Network
	for _, n := range sc.Networks {
		if nn, err := payload.ParseNetwork(n); err == nil { // checked when the scenario was loaded
			out = append(out, nn)
		}
	}
	if len(out) == 0 {
		out = []fleet.Network{fleet.Public, fleet.Private}
	}
	return out
}

// heldShare is the most of a run of length d a battery drone can spend on
// station, distM from the area and hovering at altM (see Bound).
func heldShare(p fleet.Profile, distM, altM float64, d, swap time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	out := distM/p.CruiseMS + altM/p.ClimbMS
	back := distM/p.CruiseMS + altM/p.DescentMS
	on := p.Endurance.Seconds() - out
	if on <= 0 {
		return 0
	}
	total, t, end := 0.0, out, d.Seconds()
	for t < end {
		total += math.Min(on, end-t)
		if swap <= 0 {
			break
		}
		t += on + back + swap.Seconds() + out
	}
	return total / end
}

// carries reports whether the airframe has a cell of network n.
func carries(p fleet.Profile, n fleet.Network) bool { return slices.Contains(p.Cells, n) }

// lowestBestAlt is the lowest of the altitudes of the airframe's largest
// cells over the wanted networks: the shortest climb to a useful station.
func lowestBestAlt(sc *Scenario, r fleet.CellRadii, p fleet.Profile) float64 {
	alt := math.Inf(1)
	for _, n := range networksOf(sc) {
		if carries(p, n) {
			alt = math.Min(alt, bestAlt(r, p, n))
		}
	}
	if math.IsInf(alt, 1) {
		return 0
	}
	return alt
}

// altSteps is how finely maxRadius searches the altitudes.
const altSteps = 400

// flyableTop is the highest altitude the airframe's cells can work from.
func flyableTop(p fleet.Profile) float64 {
	top := p.CeilingM
	if p.Tethered() {
		top = math.Min(top, p.TetherM)
	}
	return top
}

// radiusAt is network n's ground radius at altM.
func radiusAt(r fleet.CellRadii, n fleet.Network, altM float64) float64 {
	pub, prv := r.At(altM)
	if n == fleet.Private {
		return prv
	}
	return pub
}

// bestAlt is the altitude of the largest cell of network n.
func bestAlt(r fleet.CellRadii, p fleet.Profile, n fleet.Network) float64 {
	top := flyableTop(p)
	best, bestR := 1.0, 0.0
	for i := 0; i <= altSteps; i++ {
		h := 1 + (top-1)*float64(i)/altSteps
		if rr := radiusAt(r, n, h); rr > bestR {
			best, bestR = h, rr
		}
	}
	return best
}

// maxRadius is the largest ground radius of network n at any altitude the
// airframe can fly, a little generous for the search's step.
func maxRadius(r fleet.CellRadii, p fleet.Profile, n fleet.Network) float64 {
	return 1.001 * radiusAt(r, n, bestAlt(r, p, n))
}
