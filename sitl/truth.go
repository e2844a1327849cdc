package sitl

import (
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/fleet"
	"github.com/aerocell/aerocell/sim"
)

// truth measures coverage from the simulator's own state: where each drone
// really is and which cells are really on, with the radio model the
// controller plans with. The report uses it rather than the controller's
// view, which is what is under test (and blind while it restarts).
//
// Over terrain (the scenario has a DEM) each cell's coverage is its
// terrain footprint, swept from where the drone truly is at its true
// height above the ground under it (not above its home, which a drone on
// a ridge is far above), as the controller's live coverage over terrain
// is; a footprint is swept again once its drone has moved truthMoveM.
type truth struct {
	region *coverage.Region
	radii  map[string]fleet.CellRadii

	// Over terrain only.
	terrain  coverage.Terrain
	env      coverage.Environment
	profiles map[string]fleet.Profile
	swept    map[uint8]*truthFootprints
	// last is the last measurement and the footprints it measured: a
	// sample with the same footprints is not measured again.
	last    map[fleet.Network]float64
	lastFps []*coverage.Footprint
}

// truthStepM is the sweep step and measuring grid over terrain: the
// controller's, about SRTM3's spacing.
const truthStepM = 90

// truthMoveM is how far (horizontally or in height) a drone moves before
// its footprints are swept again.
const truthMoveM = 50

// truthFootprints is one drone's footprints and where they were swept.
type truthFootprints struct {
	at  coverage.Point
	agl float64
	fps map[fleet.Network]*coverage.Footprint
}

func newTruth(sc *Scenario) (*truth, error) {
	area, err := coverage.ParseArea(sc.area)
	if err != nil {
		return nil, err
	}
	reg, err := coverage.Prepare(coverage.Incident{Area: area})
	if err != nil {
		return nil, err
	}
	env, err := coverage.EnvironmentByName(sc.Environment)
	if err != nil {
		return nil, err
	}
	t := &truth{region: reg, radii: map[string]fleet.CellRadii{}}
	profiles := fleet.ProfilesOf(sc.Table())
	for name, p := range profiles {
		if t.radii[name], err = p.CellRadii(env); err != nil {
			return nil, err
		}
	}
	if sc.terrain != nil {
		t.terrain, t.env, t.profiles, t.swept = sc.terrain, env, profiles, map[uint8]*truthFootprints{}
	}
	return t, nil
}

// measure returns the covered fraction per network now.
func (t *truth) measure(s sim.Snapshot) (map[fleet.Network]float64, error) {
	if t.terrain != nil {
		return t.measureTerrain(s)
	}
	var ss []coverage.LiveStation
	for _, d := range s.Drones {
		r, ok := t.radii[d.Profile]
		if !ok || !d.Armed || d.AltRel < 1 {
			continue
		}
		pub, _ := d.Cell(sim.Public)
		prv, _ := d.Cell(sim.Private)
		if st, ok := r.Live(d.Lat, d.Lon, d.AltRel, pub.State == sim.CellOn, prv.State == sim.CellOn); ok {
			ss = append(ss, st)
		}
	}
	rep, err := t.region.Live(ss, false)
	if err != nil {
		return nil, fmt.Errorf("sitl: measuring coverage: %w", err)
	}
	return map[fleet.Network]float64{fleet.Public: rep.Public.Fraction, fleet.Private: rep.Private.Fraction}, nil
}

// measureTerrain is measure over terrain.
func (t *truth) measureTerrain(s sim.Snapshot) (map[fleet.Network]float64, error) {
	var pub, prv []*coverage.Footprint
	ids := slices.Sorted(maps.Keys(s.Drones))
	for _, id := range ids {
		d := s.Drones[id]
		p, ok := t.profiles[d.Profile]
		if !ok || !d.Armed || d.AltRel < 1 {
			delete(t.swept, id)
			continue
		}
		ground, err := t.terrain.ElevationM(d.Lon, d.Lat)
		if err != nil {
			return nil, fmt.Errorf("sitl: measuring coverage: drone %d: %w", id, err)
		}
		agl := math.Max(0, d.AltMSL-ground)
		at := t.region.Projection.Forward(coverage.LonLat{Lon: d.Lon, Lat: d.Lat})
		sw := t.swept[id]
		if sw == nil || math.Hypot(at.X-sw.at.X, at.Y-sw.at.Y) > truthMoveM || math.Abs(agl-sw.agl) > truthMoveM {
			sw = &truthFootprints{at: at, agl: agl, fps: map[fleet.Network]*coverage.Footprint{}}
			t.swept[id] = sw
		}
		for _, n := range []fleet.Network{fleet.Public, fleet.Private} {
			cell := sim.Public
			if n == fleet.Private {
				cell = sim.Private
			}
			if c, ok := d.Cell(cell); !ok || c.State != sim.CellOn || !p.Radio.Carries(coverage.NetworkSet(n)) {
				continue
			}
			f := sw.fps[n]
			if f == nil {
				pos := t.region.Projection.Inverse(sw.at)
				if f, err = t.region.StationFootprint(t.terrain, p.Radio, t.env, coverage.NetworkSet(n), pos, sw.agl, truthStepM); err != nil {
					return nil, fmt.Errorf("sitl: measuring coverage: drone %d: %w", id, err)
				}
				sw.fps[n] = f
			}
			if n == fleet.Public {
				pub = append(pub, f)
			} else {
				prv = append(prv, f)
			}
		}
	}
	fps := append(append(make([]*coverage.Footprint, 0, len(pub)+len(prv)+1), pub...), nil) // nil: public | private
	fps = append(fps, prv...)
	if t.last != nil && slices.Equal(fps, t.lastFps) {
		return maps.Clone(t.last), nil
	}
	rep, err := t.region.LiveTerrain(pub, prv, truthStepM, false)
	if err != nil {
		return nil, fmt.Errorf("sitl: measuring coverage: %w", err)
	}
	t.last, t.lastFps = map[fleet.Network]float64{fleet.Public: rep.Public.Fraction, fleet.Private: rep.Private.Fraction}, fps
	return maps.Clone(t.last), nil
}
