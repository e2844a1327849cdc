package coverage_test

import (
	"context"
	"math"
	"testing"

	"github.com/aerocell/aerocell/coverage"
)

// losFraction is the independent line-of-sight check of a plan: the
// share of a grid of the area (cellM apart) from which the ray march
// (rayMarchLoS, not the radial sweep) sees at least one station within
// its range, the range being where the air-to-ground line-of-sight loss
// over the real height difference (the station's height above sea level
// less the handset's ground) meets the station's public link budget.
func losFraction(t *testing.T, d coverage.Terrain, reg *coverage.Region, p *coverage.Plan, prof coverage.Profile, cellM float64) float64 {
	t.Helper()
	env, _ := coverage.EnvironmentByName(coverage.DefaultEnv)
	m, err := coverage.NewModel(env, prof.Public.FreqMHz)
	if err != nil {
		t.Fatal(err)
	}
	budget := prof.Public.MaxPathLossDB()
	lo, hi := reg.Area.Bounds()
	var n, seen int
	for y := lo.Y + cellM/2; y < hi.Y; y += cellM {
		for x := lo.X + cellM/2; x < hi.X; x += cellM {
			pt := coverage.Point{X: x, Y: y}
			if !reg.Area.Contains(pt) {
				continue
			}
			n++
			rx := reg.Projection.Inverse(pt)
			g, err := d.ElevationM(rx.Lon, rx.Lat)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range p.Stations {
				above := math.Max(1, *s.AltAMSLM-g)
				if m.PathLossDB(above, math.Hypot(s.XM-x, s.YM-y)) > budget {
					continue
				}
				ok, err := rayMarchLoS(d, coverage.LonLat{Lon: s.Lon, Lat: s.Lat}, *s.AltAMSLM, rx, g+coverage.GroundRxHeightM)
				if err != nil {
					t.Fatal(err)
				}
				if ok {
					seen++
					break
				}
			}
		}
	}
	return float64(seen) / float64(n)
}

// TestCrawfordNotchFlatAgainstTerrain is issue 11's comparison over
// Crawford Notch (SRTM3 tile): 4 and 8 heavy multirotors, and 2 tethered
// drones at two launch sites on the valley floor along US 302 (Willey
// House, 426 m, and Sawyer River, 291 m). For each, the flat plan (what
// it claims, what the terrain gives it) and the plan placed over the
// terrain (what it claims, terrain-aware), each checked by an independent
// ray march for line of sight to a station within its flat radius. Placed
// over the terrain, the heavies must cover more and see more of the
// valley than placed flat; the tethered drones, held over their sites,
// can only change height, and cover what the flat plan covers. The
// terrain-aware figures of both plans must agree with the ray march.
//
//	go test ./coverage -run TestCrawfordNotchFlatAgainstTerrain -v
func TestCrawfordNotchFlatAgainstTerrain(t *testing.T) {
	if testing.Short() {
		t.Skip("a minute of terrain sweeps and ray marches")
	}
	d := whiteMountains(t)
	heavy, _ := coverage.ProfileByName(coverage.ProfileHeavy)
	tethered, _ := coverage.ProfileByName(coverage.ProfileTethered)
	for _, c := range []struct {
		name, area string
		prof       coverage.Profile
		drones     int
		better     bool
	}{
		{"4 heavy multirotors", "crawford-notch", heavy, 4, true},
		{"8 heavy multirotors", "crawford-notch", heavy, 8, true},
		{"2 tethered on the valley floor", "crawford-notch-sites", tethered, 2, false},
	} {
		reg := loadRegion(t, "testdata/terrain/"+c.area+".geojson")
		req := coverage.Request{Profile: c.prof, Drones: c.drones, Seed: 1}
		flat, err := reg.Plan(req)
		if err != nil {
			t.Fatal(err)
		}
		if err := flat.ApplyTerrain(d, req, 0); err != nil {
			t.Fatal(err)
		}
		terr, err := reg.PlanTerrain(context.Background(), d, req, 0)
		if err != nil {
			t.Fatal(err)
		}
		flatLoS, terrLoS := losFraction(t, d, reg, flat, c.prof, 300), losFraction(t, d, reg, terr, c.prof, 300)
		t.Logf("%-31s flat plan: claims %5.1f%%, terrain gives %5.1f%%, line of sight %5.1f%% | placed over terrain: claims %5.1f%% (flat model %5.1f%%), line of sight %5.1f%%",
			c.name, 100*flat.Terrain.FlatCoverage, 100*flat.Coverage, 100*flatLoS, 100*terr.Coverage, 100*terr.Terrain.FlatCoverage, 100*terrLoS)
		if c.better {
			if !(terr.Coverage > flat.Coverage+0.05) || !(terrLoS > flatLoS+0.05) {
				t.Errorf("%s: placed over terrain covers %.3f and sees %.3f, flat plan %.3f and %.3f", c.name, terr.Coverage, terrLoS, flat.Coverage, flatLoS)
			}
		} else if math.Abs(terr.Coverage-flat.Coverage) > 0.01 {
			t.Errorf("%s: over their sites the terrain plan covers %.3f, the flat %.3f", c.name, terr.Coverage, flat.Coverage)
		}
		// The terrain-aware figures and the independent check agree to a
		// few points (the diffracted fringe, the grids): for both plans.
		for _, q := range []struct {
			what      string
			claim, in float64
		}{{"flat plan", flat.Coverage, flatLoS}, {"placed over terrain", terr.Coverage, terrLoS}} {
			if math.Abs(q.claim-q.in) > 0.03 {
				t.Errorf("%s, %s: %.3f terrain-aware, %.3f in line of sight and range", c.name, q.what, q.claim, q.in)
			}
		}
	}
}
