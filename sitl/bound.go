package sitl

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/aerocell/aerocell/airframe"
	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/fleet"
	"github.com/aerocell/aerocell/payload"
)

// Bound is an upper bound on the mean coverage a scenario's fleet can give
// over the run: its best holdable plan with rotation and no faults.
//
// The estimate, per wanted network:
//   - each drone's cell is the largest the truth's radio model gives it at
//     any altitude the airframe's table lets it hold a station at;
//   - the tethered drones of one ground station (a launch site) cover at
//     most one disk centred on it, of that radius plus the tether's length
//     (any number of cells hovering within a tether of the site lie in
//     it): one station per site, held all the time, the other tethered
//     drones there being reliefs; a site too far from the area for that
//     disk to reach it holds none, nor one in a wind beyond the tether's
//     limits;
//   - a battery drone holds a station at most this share of the run: it
//     flies out (from its home to the nearest point of the area at cruise
//     speed, then climbs), stays until its endurance to the reserve is
//     spent (the return comes out of the reserve), flies back, waits for
//     the crew's battery swap and goes again (no swap: one sortie). Wind,
//     payload mass and launch queues are left out of this share: each
//     would only lower what the fleet can do;
//   - the shares of the drones of one airframe add up to the mean number
//     of its stations held at once, rounded up, and never more than the
//     controller gives the airframe (fleet.Hold.Posts: the drones over the
//     loads of their stations' rotations, in the scenario's wind); the
//     rest are reliefs, waiting their turn on the ground;
//   - those stations are placed for the best coverage (the largest cells
//     first) around the tethered disks, no more than the target coverage
//     needs and no farther out than their cost is worth (as the
//     controller places them: fleet.Hold.StationReachM), and their
//     coverage is the bound; Stations counts those placed.
//
// Each network is bounded on its own: a drone flies one altitude for both
// cells, so the two bounds need not be reachable together.
//
// The largest cells and the shortest transits keep it above what a run
// of the controller can hold on average: the stations are those it
// plans, held without a gap. It is not a bound on every controller (one
// that flew stations intermittently beyond what their rotations keep
// served, or beyond the reach their cost is worth, could in principle do
// better for a while). The placement is a heuristic; AreaCeiling, the
// area of all those cells over the area's, is the loose bound no
// placement can beat.
type Bound struct {
	// Coverage is the bound per wanted network.
	Coverage map[fleet.Network]float64 `json:"coverage"`
	// AreaCeiling is min(1, the cells' area over the incident's), on flat
	// earth; none over terrain, where a cell on a ridge sees farther than
	// the flat radius at its height above the ground.
	AreaCeiling map[fleet.Network]float64 `json:"area_ceiling,omitempty"`
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
	var wind airframe.Wind
	if sc.Wind != nil {
		wind = *sc.Wind
	}
	hold := fleet.Hold{Wind: wind, Margin: fleet.DefaultRotationMargin}
	b := &Bound{Coverage: map[fleet.Network]float64{}, AreaCeiling: map[fleet.Network]float64{},
		Stations: map[string]int{}, HeldShare: map[string]float64{}}

	// Held stations per airframe; tethered drones per ground station.
	type group struct {
		prof  fleet.Profile
		held  float64
		n     int
		sites []coverage.Point // the tethered drones' ground stations
		homes []coverage.Point // the battery drones' launch points
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
			if !p.Air.HoldsIn(wind) || reg.Area.Distance(gs) >= tetheredReach(sc, radii[p.Name], p) {
				continue // beyond its wind limits, or its cells cannot reach the area from there: no station
			}
			if !slices.Contains(g.sites, gs) {
				g.sites = append(g.sites, gs)
				g.held++
			}
			continue
		}
		home := reg.Projection.Forward(coverage.LonLat{Lon: dc.Home.Lon, Lat: dc.Home.Lat})
		g.homes = append(g.homes, home)
		g.held += heldShare(p, reg.Area.Distance(home), lowestBestAlt(sc, radii[p.Name], p), sc.Duration, sc.BatterySwap)
	}
	names := make([]string, 0, len(groups))
	for name, g := range groups {
		names = append(names, name)
		b.Stations[name] = min(g.n, int(math.Ceil(g.held-1e-9)))
		if !g.prof.Tethered() {
			// As many stations as the controller gives the airframe, at
			// the altitude it plans them: the other drones wait for their
			// turn in the rotation.
			alt, err := planAlt(sc, g.prof, wind)
			if err != nil {
				return nil, err
			}
			b.Stations[name] = min(b.Stations[name], hold.Posts(g.prof, float64(g.n), reg.Area, g.homes, alt))
		}
		b.HeldShare[name] = g.held / float64(g.n)
	}
	sort.Strings(names)
	area := reg.Area.Area()
	used := map[string]int{} // battery stations placed, the most over the networks
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
			// As the controller places them: the fewest for the target,
			// at most k (the drones beyond are spares, not idle).
			opts := coverage.PlaceOptions{Area: reg.Area, RadiusM: r, Target: sc.TargetCoverage, NoFly: reg.NoFly,
				Fixed: disks, Seed: sc.Seed, TetherReachM: -1}
			pl, err := coverage.Place(opts)
			if err == nil && len(pl.Disks) > k {
				opts.Drones = k
				pl, err = coverage.Place(opts)
			}
			if err != nil {
				return nil, fmt.Errorf("sitl: upper bound: placing %s: %w", name, err)
			}
			used[name] = max(used[name], len(pl.Disks))
			// No farther out than the controller holds them.
			g := groups[name]
			alt, err := planAlt(sc, g.prof, wind)
			if err != nil {
				return nil, err
			}
			reach := hold.StationReachM(g.prof, alt, r, float64(g.n)/float64(max(1, len(pl.Disks))), g.homes, reg.Area)
			for i := range pl.Disks {
				pl.Disks[i].C = fleet.BringInto(pl.Disks[i].C, g.homes, reach, reg.Area)
			}
			disks = append(disks, pl.Disks...)
		}
		b.Coverage[net] = coverage.Measure(reg.Area, disks).Fraction
		if area > 0 {
			b.AreaCeiling[net] = math.Min(1, cells/area)
		}
	}
	for _, name := range names {
		if !groups[name].prof.Tethered() {
			b.Stations[name] = used[name]
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

// planAlt is the altitude the controller plans the airframe's stations
// at: for the first wanted network it carries, public first.
func planAlt(sc *Scenario, p fleet.Profile, w airframe.Wind) (float64, error) {
	env, err := coverage.EnvironmentByName(sc.Environment)
	if err != nil {
		return 0, scenarioErr("environment", "%v", err)
	}
	for _, n := range []fleet.Network{fleet.Public, fleet.Private} {
		if carries(p, n) && slices.Contains(networksOf(sc), n) {
			return p.PlanAltM(env, n, w)
		}
	}
	return 0, nil
}

// tetheredReach is how far from its ground station a tethered drone's
// largest cell of the wanted networks reaches: the tether, then the cell.
func tetheredReach(sc *Scenario, r fleet.CellRadii, p fleet.Profile) float64 {
	reach := 0.0
	for _, n := range networksOf(sc) {
		if carries(p, n) {
			reach = math.Max(reach, maxRadius(r, p, n)+p.TetherM)
		}
	}
	return reach
}

// altSteps is how finely maxRadius searches the altitudes.
const altSteps = 400

// flyableTop is the highest altitude the airframe's cells can work from:
// its ceiling, the highest station its table allows (a fixed wing's
// cells serve from 1,000 to 2,000 m, though it climbs to 6,000), and a
// tethered drone's tether. Above the stations' band the bound counted
// cells the controller never flies (gen-s1-09: a fixed wing's 4.2 km
// cell at 3,800 m against the 3.3 km it serves from 2,000 m).
func flyableTop(p fleet.Profile) float64 {
	top := p.CeilingM
	if m := p.Air.StationAlt.MaxM; m > 0 {
		top = math.Min(top, m)
	}
	if p.Tethered() {
		top = math.Min(top, p.TetherM)
	}
	return top
}

// flyableBottom is the lowest altitude the airframe's table allows a
// station (at least 1 m).
func flyableBottom(p fleet.Profile) float64 {
	return math.Max(1, math.Min(p.Air.StationAlt.MinM, flyableTop(p)))
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
	bottom, top := flyableBottom(p), flyableTop(p)
	best, bestR := bottom, 0.0
	for i := 0; i <= altSteps; i++ {
		h := bottom + (top-bottom)*float64(i)/altSteps
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
