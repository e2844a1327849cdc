package coverage

import (
	"errors"
	"math"
	"testing"
)

// terrainFunc is a synthetic Terrain.
type terrainFunc func(lon, lat float64) (float64, error)

func (f terrainFunc) ElevationM(lon, lat float64) (float64, error) { return f(lon, lat) }

func flatTerrain(h float64) Terrain {
	return terrainFunc(func(float64, float64) (float64, error) { return h, nil })
}

// TestKnifeEdgeByHand works ITU-R P.526 by hand for one ridge and checks
// TerrainPathLoss against it. A station 100 m above flat ground at 0 m,
// a handset 10 km due north, 1 GHz (lambda = 0.299792 m), free space, and
// an 80 m ridge (one sample wide) halfway:
//
//	bulge at the ridge   d1 d2 / (2 k R) = 5000 * 5000 / (2 * 8,494,678) = 1.4715 m
//	path at the ridge    (100 + 1.5) / 2 = 50.75 m
//	h                    80 + 1.4715 - 50.75 = 30.7215 m
//	v = h sqrt(2 d / (lambda d1 d2)) = 30.7215 * sqrt(20000 / (0.299792 * 25e6)) = 1.5870
//	J(v) = 6.9 + 20 log10(sqrt((v - 0.1)^2 + 1) + v - 0.1) = 6.9 + 20 log10(3.2791) = 17.215 dB
//	free space over hypot(100, 10000) m at 1 GHz = 80.0004 + 32.4478 = 112.448 dB
func TestKnifeEdgeByHand(t *testing.T) {
	tx := LonLat{Lon: -71.4, Lat: 44.2}
	pr, _ := NewProjection(tx)
	ridge := terrainFunc(func(lon, lat float64) (float64, error) {
		if p := pr.Forward(LonLat{lon, lat}); math.Abs(p.Y-5000) < 3 && math.Abs(p.X) < 3 {
			return 80, nil
		}
		return 0, nil
	})
	m, err := NewModel(Environment{Name: EnvFreeSpace}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	// Just short of 10 km, so that the 1,000 samples put one on the ridge.
	rx := pr.Inverse(Point{0, 9999.999})
	l, err := m.TerrainPathLoss(ridge, tx, 100, rx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if l.LoS {
		t.Error("line of sight over an 80 m ridge halfway between 100 m and 1.5 m")
	}
	if math.Abs(l.V-1.5870) > 1e-3 {
		t.Errorf("v = %.4f, want 1.5870", l.V)
	}
	if math.Abs(l.DiffractionDB-17.215) > 0.01 {
		t.Errorf("diffraction %.3f dB, want 17.215", l.DiffractionDB)
	}
	if want := 112.448 + 17.215; math.Abs(l.PathLossDB-want) > 0.02 {
		t.Errorf("path loss %.3f dB, want %.3f", l.PathLossDB, want)
	}
	// The same ridge seen by the sweep (20 m steps: the ridge is a sample).
	f, err := m.TerrainFootprint(ridge, pr, Point{}, 100, 200, 10000, 20)
	if err != nil {
		t.Fatal(err)
	}
	if f.LoS(Point{0, 10000}) {
		t.Error("sweep: line of sight over the ridge")
	}
	if pl, _ := f.PathLossDB(Point{0, 10000}); math.Abs(pl-(112.448+17.215)) > 0.05 {
		t.Errorf("sweep path loss %.3f dB, want %.3f", pl, 112.448+17.215)
	}
	// Values of J(v) from the formula: 0 below -0.78, 6.0 dB at 0 (6.9 + 20 log10(0.9050)).
	for _, c := range [][2]float64{{-1, 0}, {0, 6.0329}, {1, 13.9266}, {2.4, 20.5393}} {
		if got := KnifeEdgeLossDB(c[0]); math.Abs(got-c[1]) > 1e-3 {
			t.Errorf("J(%v) = %.4f, want %.4f", c[0], got, c[1])
		}
	}
}

// TestFlatTerrainIsFlatModel: over flat ground the terrain-aware loss is
// today's flat model, per link and in the sweep, for every built-in
// profile at its planned altitude, out to its radius and past it.
func TestFlatTerrainIsFlatModel(t *testing.T) {
	env, _ := EnvironmentByName(DefaultEnv)
	tx := LonLat{Lon: 10, Lat: 45}
	pr, _ := NewProjection(tx)
	flat := flatTerrain(312)
	for name, p := range BuiltinProfiles() {
		cells, err := p.PlanCells(env, Public)
		if err != nil {
			t.Fatal(err)
		}
		m, _ := NewModel(env, p.Public.FreqMHz)
		maxPL := p.Public.MaxPathLossDB()
		r := cells.PublicRadiusM
		for _, d := range []float64{30, 500, r / 2, r * 0.99, r * 1.2} {
			rx := pr.Inverse(Point{d * math.Sin(1), d * math.Cos(1)})
			l, err := m.TerrainPathLoss(flat, tx, cells.AltM, rx, 30)
			if err != nil {
				t.Fatal(err)
			}
			want := m.PathLossDB(cells.AltM, l.GroundDistM)
			if !l.LoS || l.DiffractionDB != 0 || math.Abs(l.PathLossDB-want) > 1e-9 {
				t.Errorf("%s at %.0f m: %+v, want flat model %.6f dB", name, d, l, want)
			}
		}
		step := math.Max(30, r/200)
		f, err := m.TerrainFootprint(flat, pr, Point{}, cells.AltM, maxPL, r*1.2, step)
		if err != nil {
			t.Fatal(err)
		}
		for j := 0; j < f.Radials; j += 7 {
			for i := 0; i < f.Steps; i++ {
				d := float64(i+1) * step
				if got, want := float64(f.pl[j*f.Steps+i]), m.PathLossDB(cells.AltM, d); math.Abs(got-want) > 1e-4 || !f.los[j*f.Steps+i] {
					t.Fatalf("%s sweep at %.0f m: %.5f dB (los %v), want %.5f", name, d, got, f.los[j*f.Steps+i], want)
				}
			}
		}
		// Covered area: the disk of the flat radius, to the polar grid's resolution.
		if a, want := f.CoveredAreaM2(), math.Pi*r*r; math.Abs(a-want) > 2*math.Pi*r*step {
			t.Errorf("%s: covered %.4g m2, want pi r^2 = %.4g", name, a, want)
		}
		// And measured over an area, it is the flat Measure.
		sq := MultiPolygon{{{{-r, -r}, {r, -r}, {r, r}, {-r, r}, {-r, -r}}}}
		got, err := MeasureFootprints(sq, []*Footprint{f}, step)
		if err != nil {
			t.Fatal(err)
		}
		// The sweep's samples stand for rings StepM wide: the edge may move
		// by half a step, a strip of pi r step in the 4 r^2 square.
		if want := Measure(sq, []Disk{{R: r}}).Fraction; math.Abs(got.Fraction-want) > math.Pi*step/(4*r)+0.003 {
			t.Errorf("%s: MeasureFootprints %.4f, Measure %.4f", name, got.Fraction, want)
		}
	}
}

func TestTerrainBadInput(t *testing.T) {
	m, _ := NewModel(Environment{}, 2000)
	pr, _ := NewProjection(LonLat{})
	flat := flatTerrain(0)
	for _, c := range []struct {
		alt, pl, r, step float64
		p                Point
	}{
		{-1, 120, 1000, 30, Point{}},
		{100, math.NaN(), 1000, 30, Point{}},
		{100, 120, 10, 30, Point{}},
		{100, 120, 1000, 0, Point{}},
		{100, 120, 1000, 30, Point{math.NaN(), 0}},
		{100, 120, 1e6, 30, Point{}},
	} {
		if _, err := m.TerrainFootprint(flat, pr, c.p, c.alt, c.pl, c.r, c.step); !errors.Is(err, ErrBadParameter) && !errors.Is(err, ErrBadCoordinate) {
			t.Errorf("%+v: %v", c, err)
		}
	}
	if _, err := m.TerrainPathLoss(flat, LonLat{}, 100, LonLat{0, 0.01}, 0); !errors.Is(err, ErrBadParameter) {
		t.Errorf("zero step: %v", err)
	}
	missing := errors.New("no tile here")
	none := terrainFunc(func(float64, float64) (float64, error) { return 0, missing })
	if _, err := m.TerrainFootprint(none, pr, Point{}, 100, 120, 1000, 30); !errors.Is(err, missing) {
		t.Errorf("terrain error not passed on: %v", err)
	}
	if _, err := m.TerrainPathLoss(none, LonLat{}, 100, LonLat{0, 0.01}, 30); !errors.Is(err, missing) {
		t.Errorf("terrain error not passed on: %v", err)
	}
	if _, err := MeasureFootprints(MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}}, nil, 0); !errors.Is(err, ErrBadParameter) {
		t.Errorf("zero grid cell: %v", err)
	}
}

// TestApplyTerrainFlat: over flat ground a plan's terrain-aware coverage is
// its flat claim (to the grid), every station stands on that ground, and
// every point covered is in sight.
func TestApplyTerrainFlat(t *testing.T) {
	area := blob(60, 2)
	pr, _ := NewProjection(LonLat{Lon: 10, Lat: 45})
	geo := pr.Unproject(area)
	prof, _ := ProfileByName(ProfileHeavy)
	req := Request{Incident: Incident{Area: geo}, Profile: prof, Drones: 4, Seed: 1}
	plan, err := PlanStations(req)
	if err != nil {
		t.Fatal(err)
	}
	flat := plan.Coverage
	if err := plan.ApplyTerrain(flatTerrain(250), req, 60); err != nil {
		t.Fatal(err)
	}
	if plan.Terrain == nil || plan.Terrain.FlatCoverage != flat {
		t.Fatalf("terrain section %+v, want the flat claim %v kept", plan.Terrain, flat)
	}
	r := plan.Stations[0].PublicRadiusM
	if tol := math.Pi*60/(4*r) + 0.01; math.Abs(plan.Coverage-flat) > tol {
		t.Errorf("terrain-aware %.4f, flat %.4f (tolerance %.4f)", plan.Coverage, flat, tol)
	}
	if plan.Terrain.LoSFraction < plan.Coverage-1e-9 {
		t.Errorf("in sight %.4f < covered %.4f", plan.Terrain.LoSFraction, plan.Coverage)
	}
	for _, s := range plan.Stations {
		if s.GroundM == nil || *s.GroundM != 250 || *s.AltAMSLM != 250+s.AltM {
			t.Errorf("station %d: ground %v, amsl %v, alt %v", s.ID, s.GroundM, s.AltAMSLM, s.AltM)
		}
	}

	// A fixed-radius plan has no link budget: refused, plan unchanged.
	rreq := Request{Incident: Incident{Area: geo}, RadiusM: 2000, Drones: 3}
	rplan, err := PlanStations(rreq)
	if err != nil {
		t.Fatal(err)
	}
	before := rplan.Coverage
	if err := rplan.ApplyTerrain(flatTerrain(0), rreq, 60); !errors.Is(err, ErrBadParameter) || rplan.Coverage != before || rplan.Terrain != nil || rplan.Stations[0].GroundM != nil {
		t.Errorf("radius plan: %v, coverage %v -> %v", err, before, rplan.Coverage)
	}
	// A terrain error leaves the plan as it was.
	fail := terrainFunc(func(float64, float64) (float64, error) { return 0, errors.New("no tile") })
	plan2, _ := PlanStations(req)
	if err := plan2.ApplyTerrain(fail, req, 60); err == nil || plan2.Terrain != nil || plan2.Stations[0].GroundM != nil {
		t.Errorf("failing terrain: %v, plan changed", err)
	}
}

func TestBoxExit(t *testing.T) {
	lo, hi := Point{-100, -100}, Point{100, 100}
	for _, c := range []struct {
		c, u Point
		want int
	}{
		{Point{}, Point{1, 0}, 11},        // leaves at x = 105 (half a step of margin): 11 samples, to 110 m
		{Point{}, Point{0, -1}, 11},       // same going south
		{Point{-300, 0}, Point{1, 0}, 41}, // enters at -105, leaves at 105
		{Point{-300, 0}, Point{-1, 0}, 0}, // never meets the box
		{Point{0, 300}, Point{1, 0}, 0},   // passes above it
	} {
		if got := boxExit(c.c, c.u, lo, hi, 10); got != c.want {
			t.Errorf("boxExit(%v, %v) = %d, want %d", c.c, c.u, got, c.want)
		}
	}
	inf := math.Inf(1)
	if got := boxExit(Point{}, Point{1, 0}, Point{-inf, -inf}, Point{inf, inf}, 10); got != math.MaxInt32 {
		t.Errorf("unbounded box: %d", got)
	}
}
