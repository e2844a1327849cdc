package coverage

import (
	"context"
	"math"
	"testing"
)

// gridOf builds a cell grid from rows of '#' (on) and '.' (off), the first
// row northmost.
func gridOf(rows ...string) *cellGrid {
	g := &cellGrid{cellM: 10, nx: len(rows[0]), ny: len(rows)}
	g.on = make([]bool, g.nx*g.ny)
	for r, row := range rows {
		for i, c := range row {
			g.on[(len(rows)-1-r)*g.nx+i] = c == '#'
		}
	}
	return g
}

// TestGridRings traces outlines: a square with a hole (one polygon, outer
// ring and hole, area exact), two cells touching at a corner (two
// polygons), and an L whose straight runs keep only their corners.
func TestGridRings(t *testing.T) {
	for _, c := range []struct {
		name   string
		g      *cellGrid
		polys  int
		holes  int
		areaM2 float64
		points int // points of the first outer ring, closing point included
	}{
		{"square with a hole", gridOf("###", "#.#", "###"), 1, 1, 800, 5},
		{"diagonal", gridOf("#.", ".#"), 2, 0, 200, 5},
		{"L", gridOf("#..", "#..", "###"), 1, 0, 500, 7},
		{"nothing", gridOf("...", "..."), 0, 0, 0, 0},
	} {
		mp := c.g.rings()
		holes := 0
		for _, p := range mp {
			holes += len(p) - 1
		}
		if len(mp) != c.polys || holes != c.holes || math.Abs(mp.Area()-c.areaM2) > 1e-9 {
			t.Errorf("%s: %d polygons, %d holes, %v m2; want %d, %d, %v", c.name, len(mp), holes, mp.Area(), c.polys, c.holes, c.areaM2)
			continue
		}
		if c.polys > 0 && len(mp[0][0]) != c.points {
			t.Errorf("%s: outer ring %v, want %d points", c.name, mp[0][0], c.points)
		}
		if _, err := mp.Normalize(); c.polys > 0 && err != nil {
			t.Errorf("%s: traced rings are not a valid multipolygon: %v", c.name, err)
		}
	}
}

// TestFootprintShapeFlat: over flat ground a station's shape is its flat
// disk, to within the grid (area within a cell's width along the rim).
func TestFootprintShapeFlat(t *testing.T) {
	pr, _ := NewProjection(LonLat{Lon: -71.4, Lat: 44.2})
	m, _ := NewModel(Environments()[1], 700)
	r := m.RadiusM(120, 112)
	f, err := m.TerrainFootprint(flatTerrain(300), pr, Point{X: 500, Y: -200}, 120, 112, r+300, 60)
	if err != nil {
		t.Fatal(err)
	}
	shape := f.Shape(pr)
	if len(shape) != 1 || len(shape[0]) != 1 {
		t.Fatalf("flat shape has %d polygons (first %d rings), want one disk", len(shape), len(shape[0]))
	}
	local := pr.Project(shape)
	want := math.Pi * r * r
	t.Logf("radius %.0f m: shape %.0f m2, disk %.0f m2", r, local.Area(), want)
	if got := local.Area(); math.Abs(got-want) > 2*math.Pi*r*60 {
		t.Errorf("shape area %.0f m2, disk of %.0f m is %.0f m2", got, r, want)
	}
}

// ridgeTerrain is a north-south ridge 800 m high and 2 km wide along the
// meridian lon0, with flat ground at 0 m either side.
func ridgeTerrain(lon0 float64) Terrain {
	return terrainFunc(func(lon, lat float64) (float64, error) {
		x := (lon - lon0) * 111_320 * math.Cos(44.2*math.Pi/180)
		return math.Max(0, 800*(1-math.Abs(x)/1000)), nil
	})
}

// TestPlanTerrainRidge: two heavy multirotors over a 16 km x 6 km area
// split by a ridge. Over the ridge the flat plan loses what the ridge
// hides; the terrain placer covers more, and its live coverage (the same
// stations' footprints) agrees with the plan, while flat live coverage
// of the same stations claims more than the terrain gives.
func TestPlanTerrainRidge(t *testing.T) {
	centre := LonLat{Lon: -71.4, Lat: 44.2}
	pr, _ := NewProjection(centre)
	area := MultiPolygon{{{{X: -8000, Y: -3000}, {X: 8000, Y: -3000}, {X: 8000, Y: 3000}, {X: -8000, Y: 3000}, {X: -8000, Y: -3000}}}}
	reg, err := Prepare(Incident{Area: pr.Unproject(area)})
	if err != nil {
		t.Fatal(err)
	}
	ridge := ridgeTerrain(centre.Lon)
	prof, _ := ProfileByName(ProfileHeavy)
	req := Request{Profile: prof, Drones: 2, Seed: 1}
	flat, err := reg.Plan(req)
	if err != nil {
		t.Fatal(err)
	}
	if err := flat.ApplyTerrain(ridge, req, 90); err != nil {
		t.Fatal(err)
	}
	terr, err := reg.PlanTerrain(context.Background(), ridge, req, 90)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("flat plan claims %.4f, gets %.4f over the ridge; placed over the ridge %.4f", flat.Terrain.FlatCoverage, flat.Coverage, terr.Coverage)
	if !(terr.Coverage > flat.Coverage+0.02) {
		t.Errorf("placed over the ridge %.4f, flat plan over it %.4f", terr.Coverage, flat.Coverage)
	}
	// Live: the terrain plan's stations measured from their footprints
	// agree with the plan; measured flat, the same stations claim more
	// or less than that, not the same.
	env, _ := EnvironmentByName(DefaultEnv)
	var fps []*Footprint
	var live []LiveStation
	for _, s := range terr.Stations {
		f, err := reg.StationFootprint(ridge, prof, env, Public, LonLat{Lon: s.Lon, Lat: s.Lat}, s.AltM, 90)
		if err != nil {
			t.Fatal(err)
		}
		fps = append(fps, f)
		live = append(live, LiveStation{Pos: LonLat{Lon: s.Lon, Lat: s.Lat}, PublicRadiusM: s.PublicRadiusM, Networks: Public})
	}
	rep, err := reg.LiveTerrain(fps, nil, 90, true)
	if err != nil {
		t.Fatal(err)
	}
	flatLive, err := reg.Live(live, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("live over the ridge %.4f, flat live %.4f", rep.Public.Fraction, flatLive.Public.Fraction)
	if math.Abs(rep.Public.Fraction-terr.Coverage) > 1e-9 {
		t.Errorf("live over terrain %.4f, plan %.4f", rep.Public.Fraction, terr.Coverage)
	}
	if math.Abs(flatLive.Public.Fraction-rep.Public.Fraction) < 0.01 {
		t.Errorf("flat live %.4f equals live over the ridge %.4f", flatLive.Public.Fraction, rep.Public.Fraction)
	}
	// The uncovered polygons are the uncovered share of the area.
	un := pr.Project(rep.UncoveredPublic)
	if want := (1 - rep.Public.Fraction) * area.Area(); math.Abs(un.Area()-want) > 0.01*area.Area() {
		t.Errorf("uncovered polygons %.0f m2, want %.0f", un.Area(), want)
	}
}
