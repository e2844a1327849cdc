package sitl

import (
	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/fleet"
	"github.com/aerocell/aerocell/sim"
)

// truth measures coverage from the simulator's own state: where each drone
// really is and which cells are really on, with the radio model the
// controller plans with. The report uses it rather than the controller's
// view, which is what is under test (and blind while it restarts).
type truth struct {
	region *coverage.Region
	radii  map[string]fleet.CellRadii
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
	for name, p := range fleet.ProfilesOf(sc.Table()) {
		if t.radii[name], err = p.CellRadii(env); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// measure returns the covered fraction per network now.
func (t *truth) measure(s sim.Snapshot) map[fleet.Network]float64 {
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
		return map[fleet.Network]float64{}
	}
	return map[fleet.Network]float64{fleet.Public: rep.Public.Fraction, fleet.Private: rep.Private.Fraction}
}
