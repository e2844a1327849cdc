package coverage

import (
	"fmt"
	"math"
)

// TerrainCoverage is what [Plan.ApplyTerrain] keeps of the flat plan, and
// how it measured the terrain-aware figures.
type TerrainCoverage struct {
	// StepM is the sweep step and the measuring grid's cell.
	StepM float64 `json:"step_m"`
	// FlatCoverage and FlatByNetwork are what the flat model claimed.
	FlatCoverage  float64                `json:"flat_coverage"`
	FlatByNetwork map[string]Measurement `json:"flat_coverage_by_network"`
	// LoSFraction is the fraction of the area (primary network) that sees
	// at least one station within that station's flat radius, whatever the
	// link budget says: the line-of-sight check of the flat claim.
	LoSFraction float64 `json:"los_fraction"`
	// Placed says the stations were placed over the terrain
	// ([Region.PlanTerrain]), not placed flat and evaluated.
	Placed bool `json:"placed"`
}

// terrainBox is where terrain is read: over the area and the work zones
// (and on the paths to them).
func (reg *Region) terrainBox() (lo, hi Point) {
	lo, hi = reg.Area.Bounds()
	if wlo, whi := reg.WorkZones.Bounds(); len(reg.WorkZones) > 0 {
		lo, hi = Point{math.Min(lo.X, wlo.X), math.Min(lo.Y, wlo.Y)}, Point{math.Max(hi.X, whi.X), math.Max(hi.Y, whi.Y)}
	}
	return lo, hi
}

// DefaultTerrainStepM is the sweep step and measuring grid of
// [Plan.ApplyTerrain] when none is given: finer than SRTM3 (90 m), coarser
// than SRTM1 (30 m).
const DefaultTerrainStepM = 60

// ApplyTerrain evaluates a plan over terrain: each station gets the ground
// under it (GroundM) and its height above sea level (AltAMSLM, its AltM
// staying the height above that ground), and Coverage, CoverageByNetwork
// and WorkZones become terrain-aware, measured from the stations'
// [Model.TerrainFootprint] on a grid stepM apart (0: the default). The flat
// figures are kept in Terrain. req must be the request the plan was made
// from: its environment and profiles give each station's link budgets
// (a plan made with a fixed radius has none, and is refused).
// TargetReached then refers to the terrain-aware coverage; the demand
// weight stays the flat figure. On error the plan is unchanged.
func (p *Plan) ApplyTerrain(t Terrain, req Request, stepM float64) error {
	if stepM == 0 {
		stepM = DefaultTerrainStepM
	}
	if !(stepM > 0) || math.IsInf(stepM, 0) {
		return fmt.Errorf("%w: terrain step %v m", ErrBadParameter, stepM)
	}
	if p.region == nil {
		return fmt.Errorf("%w: plan has no region (not made by PlanStations)", ErrBadParameter)
	}
	env, err := req.environment()
	if err != nil {
		return err
	}
	profiles := map[string]Profile{}
	if req.Profile.Name != "" {
		profiles[req.Profile.Name] = req.Profile
	}
	for _, av := range req.Fleet {
		profiles[av.Profile.Name] = av.Profile
	}
	if len(profiles) == 0 {
		return fmt.Errorf("%w: terrain needs drone profiles (link budgets), not a fixed radius", ErrBadParameter)
	}
	reg := p.region
	lo, hi := reg.terrainBox()
	grounds := make([]float64, len(p.Stations))
	for i, s := range p.Stations {
		g, err := t.ElevationM(s.Lon, s.Lat)
		if err != nil {
			return fmt.Errorf("station %d: %w", s.ID, err)
		}
		grounds[i] = g
	}
	byNet := map[string]Measurement{}
	var wz *Measurement
	var los float64
	primary := "public"
	if p.Networks == "private" {
		primary = "private"
	}
	for _, n := range []Networks{Public, Private} {
		name := n.Names()[0]
		var fps, sight []*Footprint
		for _, s := range p.Stations {
			if !s.carries(n) {
				continue
			}
			prof, ok := profiles[s.Profile]
			if !ok && len(profiles) == 1 {
				for _, only := range profiles {
					prof, ok = only, true
				}
			}
			if !ok {
				return fmt.Errorf("%w: station %d has profile %q, not in the request", ErrUnknownProfile, s.ID, s.Profile)
			}
			b := prof.budget(n)
			m, err := NewModel(env, b.FreqMHz)
			if err != nil {
				return fmt.Errorf("station %d: %w", s.ID, err)
			}
			flatR := s.PublicRadiusM
			if n == Private {
				flatR = s.PrivateRadiusM
			}
			r := sweepRadius(m, b.MaxPathLossDB(), flatR, stepM)
			f, err := m.terrainFootprint(t, reg.Projection, Point{s.XM, s.YM}, s.AltM, b.MaxPathLossDB(), r, stepM, lo, hi)
			if err != nil {
				return fmt.Errorf("station %d: %w", s.ID, err)
			}
			fps = append(fps, f)
			if name == primary {
				sight = append(sight, f.lineOfSight(flatR))
			}
		}
		if len(fps) == 0 {
			continue
		}
		ms, err := MeasureFootprints(reg.Area, fps, stepM)
		if err != nil {
			return err
		}
		byNet[name] = ms
		if n == Private && p.WorkZones != nil {
			w, err := MeasureFootprints(reg.WorkZones, fps, stepM)
			if err != nil {
				return err
			}
			wz = &w
		}
		if name == primary {
			ls, err := MeasureFootprints(reg.Area, sight, stepM)
			if err != nil {
				return err
			}
			los = ls.Fraction
		}
	}
	p.Terrain = &TerrainCoverage{StepM: stepM, FlatCoverage: p.Coverage, FlatByNetwork: p.CoverageByNetwork, LoSFraction: los}
	p.CoverageByNetwork = byNet
	if wz != nil {
		p.WorkZones = wz
	}
	p.Coverage = byNet[primary].Fraction
	p.TargetReached = p.Mode == "fewest" && p.Coverage >= p.Target && p.DemandWeightCovered == 1
	for i := range p.Stations {
		g, a := grounds[i], grounds[i]+p.Stations[i].AltM
		p.Stations[i].GroundM, p.Stations[i].AltAMSLM = &g, &a
	}
	return nil
}

// environment is the request's radio environment: Env when named, else
// the preset EnvName (default suburban).
func (req Request) environment() (Environment, error) {
	if req.Env.Name != "" {
		return req.Env, nil
	}
	name := req.EnvName
	if name == "" {
		name = DefaultEnv
	}
	return EnvironmentByName(name)
}

// carries reports whether the station serves network n.
func (s Station) carries(n Networks) bool {
	for _, name := range s.Networks {
		if (name == "public" && n == Public) || (name == "private" && n == Private) {
			return true
		}
	}
	return false
}

// lineOfSight is a footprint that covers exactly the samples within
// radiusM that see the station, whatever their path loss.
func (f *Footprint) lineOfSight(radiusM float64) *Footprint {
	g := *f
	g.MaxPathLossDB = 0
	g.pl = make([]float32, len(f.pl))
	for j := 0; j < f.Radials; j++ {
		for i := 0; i < f.Steps; i++ {
			k := j*f.Steps + i
			g.pl[k] = 1
			if f.los[k] && float64(i+1)*f.StepM <= radiusM+f.StepM/2 {
				g.pl[k] = 0
			}
		}
	}
	return &g
}
