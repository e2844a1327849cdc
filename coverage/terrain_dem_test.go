package coverage_test

import (
	"math"
	"testing"

	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/dem"
)

var _ coverage.Terrain = (*dem.Dir)(nil)

func whiteMountains(tb testing.TB) *dem.Dir {
	tb.Helper()
	d, err := dem.Open("../dem/testdata", dem.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// rayMarchLoS is an independent line-of-sight check: both ends are placed
// in 3-D on a sphere of the effective Earth radius (k = 4/3), the straight
// chord between them is walked every metre, and each point's height over
// that sphere is compared with the terrain under it.
func rayMarchLoS(t coverage.Terrain, tx coverage.LonLat, txAMSL float64, rx coverage.LonLat, rxAMSL float64) (bool, error) {
	pr, _ := coverage.NewProjection(tx)
	end := pr.Forward(rx)
	dist := math.Hypot(end.X, end.Y)
	R := coverage.EffectiveEarthK * coverage.EarthRadiusM
	// 2-D section through the Earth's centre: x along the path, y up.
	phi := dist / R
	ax, ay := 0.0, R+txAMSL
	bx, by := (R+rxAMSL)*math.Sin(phi), (R+rxAMSL)*math.Cos(phi)
	n := int(math.Ceil(dist))
	for i := 1; i < n; i++ {
		f := float64(i) / float64(n)
		x, y := ax+f*(bx-ax), ay+f*(by-ay)
		ang := math.Atan2(x, y)
		h := math.Hypot(x, y) - R
		// The ground distance of this point, mapped back to the real path.
		p := pr.Inverse(coverage.Point{X: end.X * ang / phi, Y: end.Y * ang / phi})
		g, err := t.ElevationM(p.Lon, p.Lat)
		if err != nil {
			return false, err
		}
		if g > h {
			return false, nil
		}
	}
	return true, nil
}

// TestTerrainLoSAgainstRayMarch compares the sweep's line of sight and the
// per-link profile's with the independent ray march, from a station 120 m
// above the floor of Crawford Notch to handsets on a polar grid out to
// 6 km. The three differ only where the ray grazes the terrain between
// samples, so they must agree almost everywhere.
func TestTerrainLoSAgainstRayMarch(t *testing.T) {
	d := whiteMountains(t)
	tx := coverage.LonLat{Lon: -71.4087, Lat: 44.1960}
	pr, _ := coverage.NewProjection(tx)
	m, _ := coverage.NewModel(coverage.Environments()[1], 700)
	f, err := m.TerrainFootprint(d, pr, coverage.Point{}, 120, 130, 6000, 30)
	if err != nil {
		t.Fatal(err)
	}
	var n, sweepOK, linkOK, seen int
	var kinds [2][2]int                  // [ray march][sweep]
	for j := 0; j < f.Radials; j += 25 { // odd: both even and odd radials
		// The sweep's own samples, so that both look at the same handset.
		b := 2 * math.Pi * float64(j) / float64(f.Radials)
		for _, r := range []float64{450, 1230, 2010, 3030, 3990, 5010, 5970} {
			p := coverage.Point{X: r * math.Sin(b), Y: r * math.Cos(b)}
			rx := pr.Inverse(p)
			g, _ := d.ElevationM(rx.Lon, rx.Lat)
			want, err := rayMarchLoS(d, tx, f.AltAMSLM, rx, g+coverage.GroundRxHeightM)
			if err != nil {
				t.Fatal(err)
			}
			l, err := m.TerrainPathLoss(d, tx, 120, rx, 30)
			if err != nil {
				t.Fatal(err)
			}
			n++
			if want {
				seen++
			}
			kinds[b2i(want)][b2i(f.LoS(p))]++
			if f.LoS(p) == want {
				sweepOK++
			}
			if l.LoS == want {
				linkOK++
			}
		}
	}
	t.Logf("ray march x sweep: %v", kinds)
	t.Logf("%d handsets, %d in line of sight by the ray march; sweep agrees on %d, per-link profile on %d", n, seen, sweepOK, linkOK)
	if seen == 0 || seen == n {
		t.Fatalf("%d of %d in sight: the notch should hide some and show some", seen, n)
	}
	if float64(sweepOK) < 0.98*float64(n) {
		t.Errorf("sweep agrees with the ray march on %d of %d", sweepOK, n)
	}
	if float64(linkOK) < 0.98*float64(n) {
		t.Errorf("per-link profile agrees with the ray march on %d of %d", linkOK, n)
	}
	if f.CoveredAreaM2() >= math.Pi*6000*6000 {
		t.Errorf("the notch covers %v m2, no less than the whole 6 km disk", f.CoveredAreaM2())
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestCrawfordNotchTerrain plans 8 heavy multirotors over Crawford Notch
// on flat earth and evaluates the plan over the SRTM tile: the valley
// walls hide much of what the flat plan claims.
func TestCrawfordNotchTerrain(t *testing.T) {
	prof, _ := coverage.ProfileByName(coverage.ProfileHeavy)
	req := coverage.Request{Profile: prof, Drones: 8, Seed: 1}
	plan, err := crawfordNotch(t).Plan(req)
	if err != nil {
		t.Fatal(err)
	}
	if err := plan.ApplyTerrain(whiteMountains(t), req, 0); err != nil {
		t.Fatal(err)
	}
	tc := plan.Terrain
	t.Logf("flat claim %.4f, terrain-aware %.4f, in sight of a station within its flat radius %.4f", tc.FlatCoverage, plan.Coverage, tc.LoSFraction)
	if !(plan.Coverage < tc.FlatCoverage-0.05) || !(tc.LoSFraction < tc.FlatCoverage-0.05) {
		t.Errorf("terrain-aware %.4f and in sight %.4f, flat claim %.4f: the notch should hide more than 5%%", plan.Coverage, tc.LoSFraction, tc.FlatCoverage)
	}
	for _, s := range plan.Stations {
		if s.GroundM == nil || *s.GroundM < 115 || *s.GroundM > 1908 || *s.AltAMSLM != *s.GroundM+s.AltM {
			t.Errorf("station %d: ground %v, amsl %v, alt %v", s.ID, s.GroundM, s.AltAMSLM, s.AltM)
		}
	}
}
