package sitl

import (
	"math"

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
	radio  map[string]radioModel
}

type radioModel struct {
	public, private     coverage.Model
	publicPL, privatePL float64
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
	t := &truth{region: reg, radio: map[string]radioModel{}}
	for name, p := range fleet.BuiltinProfiles() {
		pub, err := coverage.NewModel(env, p.Radio.Public.FreqMHz)
		if err != nil {
			return nil, err
		}
		prv, err := coverage.NewModel(env, p.Radio.Private.FreqMHz)
		if err != nil {
			return nil, err
		}
		t.radio[name] = radioModel{pub, prv, p.Radio.Public.MaxPathLossDB(), p.Radio.Private.MaxPathLossDB()}
	}
	return t, nil
}

// measure returns the covered fraction per network now.
func (t *truth) measure(s sim.Snapshot) map[fleet.Network]float64 {
	var ss []coverage.LiveStation
	for _, d := range s.Drones {
		m, ok := t.radio[d.Profile]
		if !ok || !d.Armed || d.AltRel < 1 {
			continue
		}
		var nets coverage.Network
		if c, ok := d.Cell(sim.Public); ok && c.State == sim.CellOn {
			nets |= coverage.Public
		}
		if c, ok := d.Cell(sim.Private); ok && c.State == sim.CellOn {
			nets |= coverage.Private
		}
		if nets == 0 {
			continue
		}
		alt := math.Max(d.AltRel, 1)
		ss = append(ss, coverage.LiveStation{Pos: coverage.LonLat{Lon: d.Lon, Lat: d.Lat},
			PublicRadiusM: m.public.RadiusM(alt, m.publicPL), PrivateRadiusM: m.private.RadiusM(alt, m.privatePL), Networks: nets})
	}
	rep, err := t.region.Live(ss, false)
	if err != nil {
		return map[fleet.Network]float64{}
	}
	return map[fleet.Network]float64{fleet.Public: rep.Public.Fraction, fleet.Private: rep.Private.Fraction}
}
