package coverage

import (
	"context"
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
)

// PlanTerrain places stations over terrain: positions and heights above the
// ground (within each profile's station band, ceiling and tether) chosen to
// maximise terrain-aware coverage of the primary network, then evaluated as
// [Plan.ApplyTerrain] does (both networks, the flat claim kept).
//
// The placer is greedy over candidate sites: a grid of positions over the
// area (launch sites only, for tethered drones) at a few heights each, each
// candidate scored by its terrain footprint ([Model.TerrainFootprint])
// rasterised once onto a grid (stepM apart, but no finer than SRTM3's
// 90 m; the sweeps run on GOMAXPROCS goroutines, joined before it goes
// on); each pick takes the candidate that covers the most cells not
// yet covered, and a few exchange rounds then replace any station by a
// candidate that does better with the others in place. In fewest mode it
// picks until the target is reached (or no candidate adds anything); in N
// mode exactly req.Drones (fewer when nothing is left to gain). A mixed
// fleet (req.Fleet) picks among the kinds while each has drones left.
// Work zones and demand points are measured, not placed for.
func (reg *Region) PlanTerrain(ctx context.Context, t Terrain, req Request, stepM float64) (*Plan, error) {
	if stepM == 0 {
		stepM = DefaultTerrainStepM
	}
	if !(stepM > 0) || math.IsInf(stepM, 0) {
		return nil, fmt.Errorf("%w: terrain step %v m", ErrBadParameter, stepM)
	}
	if req.RadiusM > 0 {
		return nil, fmt.Errorf("%w: terrain needs drone profiles (link budgets), not a fixed radius", ErrBadParameter)
	}
	net := req.Networks
	if net == 0 {
		net = Public
	}
	primary := Public
	if net == Private {
		primary = Private
	}
	target := req.Target
	if target == 0 {
		target = DefaultTarget
	}
	if !(target > 0 && target <= 1) {
		return nil, fmt.Errorf("%w: target coverage %v (want 0 < target <= 1)", ErrBadParameter, target)
	}
	env, err := req.environment()
	if err != nil {
		return nil, err
	}
	fleet := req.Fleet
	if len(fleet) == 0 {
		if req.Profile.Name == "" {
			return nil, fmt.Errorf("%w: need a drone profile", ErrBadParameter)
		}
		fleet = []Available{{Profile: req.Profile, Count: -1}}
	}
	tp, err := newTerrainPlacer(ctx, t, reg, env, fleet, net, primary, stepM)
	if err != nil {
		return nil, err
	}
	picks := tp.place(req.Drones, target)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	plan := &Plan{
		Mode: "fewest", Networks: net.String(), Target: target, Projection: reg.Projection,
		AreaKm2: reg.Area.Area() / 1e6, region: reg,
	}
	if req.Drones > 0 {
		plan.Mode, plan.Target = "drones", 0
	}
	for i, c := range picks {
		cand := tp.cands[c]
		k := tp.kinds[cand.kind]
		s := reg.station(i, cand.pos, k.cells, net)
		s.AltM = cand.altM
		if k.prof.Carries(Public) {
			s.PublicRadiusM = k.flatRadius(Public, cand.altM)
		}
		if k.prof.Carries(Private) {
			s.PrivateRadiusM = k.flatRadius(Private, cand.altM)
		}
		s.RadiusM = Cells{PublicRadiusM: s.PublicRadiusM, PrivateRadiusM: s.PrivateRadiusM}.Radius(net)
		s.LaunchSite = cand.site
		s.Profile = k.prof.Name
		plan.Stations = append(plan.Stations, s)
		if a := math.Pi * s.RadiusM * s.RadiusM; a > 0 {
			plan.LowerBound = math.Max(plan.LowerBound, reg.Area.Area()/a)
		}
	}
	if len(plan.Stations) == 0 {
		return nil, fmt.Errorf("%w: no station position covers any of the area over this terrain", ErrInfeasible)
	}
	plan.measure()
	if n := len(plan.Stations); plan.LowerBound > 0 {
		plan.RatioToLowerBound = float64(n) / plan.LowerBound
	}
	preq := req
	preq.Fleet = fleet
	if err := plan.ApplyTerrain(t, preq, stepM); err != nil {
		return nil, err
	}
	plan.Terrain.Placed = true
	return plan, nil
}

// terrainKind is one kind of drone the terrain placer may use.
type terrainKind struct {
	prof  Profile
	left  int // drones left; -1 for as many as needed
	cells Cells
	model map[Networks]Model
}

// flatRadius is the flat model's cell radius of network n at altM.
func (k terrainKind) flatRadius(n Networks, altM float64) float64 {
	return k.model[n].RadiusM(altM, k.prof.budget(n).MaxPathLossDB())
}

// sweepRadius is how far a station's terrain footprint is swept: terrain
// lengthens a cell only by raising the station over the handsets, so no
// cell reaches past the model's best radius (nor past the flat radius at
// its height, which the best radius bounds unless the band forbids it).
func sweepRadius(m Model, maxPLdB, flatR, stepM float64) float64 {
	_, rOpt := m.Optimum(maxPLdB)
	return math.Min(200_000, math.Max(math.Max(rOpt, flatR), stepM))
}

// terrainCand is a candidate station: a kind at a position and height.
type terrainCand struct {
	kind int
	pos  Point
	altM float64
	site int // launch site index, or -1
	// radiusM is how far its footprint is swept.
	radiusM float64
	bits    []uint64 // measuring-grid cells covered (primary network)
	n       int      // popcount of bits
	// weight is the share of the time its drones can hold it
	// (Available.Hold; 1 without).
	weight float64
}

// terrainPlacer holds the candidates rasterised on the measuring grid.
type terrainPlacer struct {
	ctx   context.Context
	kinds []terrainKind
	cands []terrainCand
	cells []Point // measuring grid cell centres inside the area
	words int
	sites []PlanarSite
}

// scoreStepM is the coarsest sweep step the placer scores candidates at:
// SRTM3's own spacing. The plan is then evaluated at the caller's step.
const scoreStepM = 90

// maxTerrainCandidates bounds the footprints swept for one placement.
const maxTerrainCandidates = 4000

func newTerrainPlacer(ctx context.Context, t Terrain, reg *Region, env Environment, fleet []Available, net, primary Networks, stepM float64) (*terrainPlacer, error) {
	tp := &terrainPlacer{ctx: ctx, sites: reg.Sites}
	stepM = math.Max(stepM, scoreStepM)
	tp.cells = gridCells(reg.Area, stepM)
	if len(tp.cells) == 0 {
		return nil, fmt.Errorf("%w: the area holds no cell of the %v m grid", ErrBadParameter, stepM)
	}
	if len(tp.cells) > 4_000_000 {
		return nil, fmt.Errorf("%w: %d grid cells of %v m over the area (limit 4,000,000); raise the step", ErrBadParameter, len(tp.cells), stepM)
	}
	tp.words = (len(tp.cells) + 63) / 64
	lo, hi := reg.terrainBox()
	// Candidate positions: a grid over the area, about 250 inside it.
	cs := math.Max(stepM, math.Sqrt(reg.Area.Area()/250))
	var grid []Point
	alo, ahi := reg.Area.Bounds()
	for y := alo.Y + cs/2; y < ahi.Y; y += cs {
		for x := alo.X + cs/2; x < ahi.X; x += cs {
			p := Point{x, y}
			if reg.Area.Contains(p) && (len(reg.NoFly) == 0 || !reg.NoFly.Contains(p)) {
				grid = append(grid, p)
			}
		}
	}
	for _, av := range fleet {
		if av.Count == 0 || !av.Profile.Carries(net) {
			continue
		}
		if av.Count < -1 {
			return nil, fmt.Errorf("%w: %d drones of %s", ErrBadParameter, av.Count, av.Profile.Name)
		}
		cells, err := av.Profile.PlanCells(env, net)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", av.Profile.Name, err)
		}
		k := terrainKind{prof: av.Profile, left: av.Count, cells: cells, model: map[Networks]Model{}}
		for _, n := range []Networks{Public, Private} {
			if av.Profile.Carries(n) {
				if k.model[n], err = NewModel(env, av.Profile.budget(n).FreqMHz); err != nil {
					return nil, fmt.Errorf("%s: %w", av.Profile.Name, err)
				}
			}
		}
		altLo, altHi, err := av.Profile.Limits.AltRange()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", av.Profile.Name, err)
		}
		if math.IsInf(altHi, 1) {
			altHi = math.Max(altLo, cells.AltM)
		}
		// Heights: the flat model's best in the band, and the band's top
		// (over terrain, height buys line of sight; above the flat best
		// it costs range).
		heights := []float64{cells.AltM, altHi}
		sort.Float64s(heights)
		heights = dedupeClose(heights, 1)
		type pos struct {
			p    Point
			site int
		}
		var at []pos
		if av.Profile.Limits.Tethered() {
			// A tethered drone hovers over its launch site: within a tether's
			// length of it, which the sweep step does not resolve.
			for si, s := range reg.Sites {
				if s.Capacity > 0 {
					at = append(at, pos{s.Pos, si})
				}
			}
			if len(at) == 0 {
				return nil, fmt.Errorf("%w: tethered drones (%s) need launch sites", ErrInfeasible, av.Profile.Name)
			}
		} else {
			for _, p := range grid {
				at = append(at, pos{p, -1})
			}
		}
		if len(tp.cands)+len(at)*len(heights) > maxTerrainCandidates {
			return nil, fmt.Errorf("%w: %d candidate stations (limit %d)", ErrBadParameter, len(tp.cands)+len(at)*len(heights), maxTerrainCandidates)
		}
		kn := len(tp.kinds)
		tp.kinds = append(tp.kinds, k)
		b := av.Profile.budget(primary)
		for _, h := range heights {
			r := sweepRadius(k.model[primary], b.MaxPathLossDB(), k.flatRadius(primary, h), stepM)
			for _, q := range at {
				w := 1.0
				if av.MaxAMSLM > 0 || av.Hold != nil {
					ll := reg.Projection.Inverse(q.p)
					g, err := t.ElevationM(ll.Lon, ll.Lat)
					if err == nil && av.MaxAMSLM > 0 && g+h > av.MaxAMSLM {
						continue // above the drones' ceiling over this ground
					}
					if err == nil && av.Hold != nil {
						if w = av.Hold(ll, g+h); !(w > 0) {
							continue // never held there
						}
						w = math.Min(w, 1)
					}
				}
				tp.cands = append(tp.cands, terrainCand{kind: kn, pos: q.p, altM: h, site: q.site, radiusM: r, weight: w})
			}
		}
	}
	if len(tp.kinds) == 0 {
		return nil, fmt.Errorf("%w: no drone in the fleet carries the %s network", ErrInfeasible, net)
	}
	if err := tp.sweep(t, reg.Projection, primary, stepM, lo, hi); err != nil {
		return nil, err
	}
	return tp, nil
}

// sweep sweeps every candidate's footprint and rasterises it, on as many
// goroutines as GOMAXPROCS (each candidate is independent: the terrain
// is safe for concurrent use), then drops the candidates that cover
// nothing. It returns the first error, or ctx's.
func (tp *terrainPlacer) sweep(t Terrain, pr Projection, primary Networks, stepM float64, lo, hi Point) error {
	var (
		next  atomic.Int64
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	fail := func(err error) {
		mu.Lock()
		if first == nil {
			first = err
		}
		mu.Unlock()
	}
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(tp.cands) {
					return
				}
				if err := tp.ctx.Err(); err != nil {
					fail(err)
					return
				}
				c := &tp.cands[i]
				k := tp.kinds[c.kind]
				b := k.prof.budget(primary)
				f, err := k.model[primary].terrainFootprint(t, pr, c.pos, c.altM, b.MaxPathLossDB(), c.radiusM, stepM, lo, hi)
				if err != nil {
					fail(fmt.Errorf("%s at %.0f m: %w", k.prof.Name, c.altM, err))
					return
				}
				c.bits = make([]uint64, tp.words)
				c.n = tp.rasterise(f, c.bits)
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return first
	}
	kept := tp.cands[:0]
	for _, c := range tp.cands {
		if c.n > 0 {
			kept = append(kept, c)
		}
	}
	tp.cands = kept
	return nil
}

// dedupeClose drops values within eps of the one before (sorted input).
func dedupeClose(v []float64, eps float64) []float64 {
	out := v[:0]
	for i, x := range v {
		if i == 0 || x-out[len(out)-1] > eps {
			out = append(out, x)
		}
	}
	return out
}

// gridCells lists the centres of the square grid's cells (cellM apart)
// inside the area, as [MeasureFootprints] counts them.
func gridCells(area MultiPolygon, cellM float64) []Point {
	lo, hi := area.Bounds()
	ny := int(math.Ceil((hi.Y - lo.Y) / cellM))
	segs := area.segments()
	var xs []float64
	var out []Point
	for r := 0; r < ny; r++ {
		y := lo.Y + (float64(r)+0.5)*cellM
		xs = crossingsAt(segs, y, xs[:0])
		for k := 0; k+1 < len(xs); k += 2 {
			for c := int(math.Ceil((xs[k]-lo.X)/cellM - 0.5)); ; c++ {
				x := lo.X + (float64(c)+0.5)*cellM
				if x >= xs[k+1] {
					break
				}
				out = append(out, Point{x, y})
			}
		}
	}
	return out
}

// rasterise sets the bits of the grid cells f covers and counts them.
func (tp *terrainPlacer) rasterise(f *Footprint, bs []uint64) int {
	reach := float64(f.Steps)*f.StepM + f.StepM/2
	n := 0
	for i, p := range tp.cells {
		if math.Abs(p.X-f.Center.X) > reach || math.Abs(p.Y-f.Center.Y) > reach {
			continue
		}
		if f.Covers(p) {
			bs[i/64] |= 1 << (i % 64)
			n++
		}
	}
	return n
}

// gain counts the cells c covers that cov does not.
func (tp *terrainPlacer) gain(c *terrainCand, cov []uint64) int {
	n := 0
	for w, b := range c.bits {
		n += bits.OnesCount64(b &^ cov[w])
	}
	return n
}

// union ORs the picks' cells into cov (cleared first) and counts them.
func (tp *terrainPlacer) union(picks []int, skip int, cov []uint64) int {
	clear(cov)
	for i, c := range picks {
		if i == skip {
			continue
		}
		for w, b := range tp.cands[c].bits {
			cov[w] |= b
		}
	}
	n := 0
	for _, b := range cov {
		n += bits.OnesCount64(b)
	}
	return n
}

// available reports whether candidate c may be added to picks (skipping
// index skip, being replaced): its kind has a drone left and its launch
// site room.
func (tp *terrainPlacer) available(c int, picks []int, skip int) bool {
	cand := &tp.cands[c]
	kindUsed, siteUsed := 0, 0
	for i, p := range picks {
		if i == skip {
			continue
		}
		if p == c {
			return false
		}
		o := &tp.cands[p]
		if o.kind == cand.kind {
			kindUsed++
		}
		if cand.site >= 0 && o.site == cand.site {
			siteUsed++
		}
	}
	if l := tp.kinds[cand.kind].left; l >= 0 && kindUsed >= l {
		return false
	}
	return cand.site < 0 || siteUsed < tp.sites[cand.site].Capacity
}

// best is the available candidate adding the most cells to cov, weighed
// by the share of the time it is held; and the cells it adds.
func (tp *terrainPlacer) best(picks []int, skip int, cov []uint64) (int, int) {
	bi, bg, bs := -1, 0, 0.0
	for c := range tp.cands {
		g := tp.gain(&tp.cands[c], cov)
		if s := float64(g) * tp.cands[c].weight; s > bs && tp.available(c, picks, skip) {
			bi, bg, bs = c, g, s
		}
	}
	return bi, bg
}

// place picks the stations: n of them (n > 0), or the fewest reaching
// target; greedy, then exchange rounds.
func (tp *terrainPlacer) place(n int, target float64) []int {
	cov := make([]uint64, tp.words)
	need := int(math.Ceil(target * float64(len(tp.cells))))
	var picks []int
	covered := 0
	for tp.ctx.Err() == nil && len(picks) < MaxCells {
		if n > 0 && len(picks) >= n || n == 0 && covered >= need {
			break
		}
		c, g := tp.best(picks, -1, cov)
		if c < 0 {
			break
		}
		picks = append(picks, c)
		for w, b := range tp.cands[c].bits {
			cov[w] |= b
		}
		covered += g
	}
	// Exchange: replace a station by the candidate that does best with the
	// others in place, while that gains; then, in fewest mode, drop the
	// stations the target no longer needs.
	for round := 0; round < 4 && tp.ctx.Err() == nil; round++ {
		improved := false
		for i := range picks {
			tp.union(picks, i, cov)
			own := float64(tp.gain(&tp.cands[picks[i]], cov)) * tp.cands[picks[i]].weight
			if c, g := tp.best(picks, i, cov); c >= 0 && float64(g)*tp.cands[c].weight > own {
				picks[i] = c
				improved = true
			}
		}
		if !improved {
			break
		}
	}
	if n == 0 {
		for i := len(picks) - 1; i >= 0 && len(picks) > 1; i-- {
			if tp.union(picks, i, cov) >= need {
				picks = append(picks[:i], picks[i+1:]...)
			}
		}
	}
	return picks
}
