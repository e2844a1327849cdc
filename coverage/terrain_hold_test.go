package coverage_test

import (
	"context"
	"testing"

	"github.com/aerocell/aerocell/coverage"
)

// Available.Hold weighs each candidate by the share of the time its drones
// can hold it. Over Crawford Notch, four heavies whose posts above 700 m
// are never held (weight 0) are all placed below it, at a cost in
// first-minute coverage; posts above 700 m held a third of the time are
// placed only where they still do better than the low ones.
func TestPlanTerrainHold(t *testing.T) {
	d := whiteMountains(t)
	reg := crawfordNotch(t)
	prof, err := coverage.ProfileByName(coverage.ProfileHeavy)
	if err != nil {
		t.Fatal(err)
	}
	plan := func(hold func(coverage.LonLat, float64) float64) *coverage.Plan {
		t.Helper()
		p, err := reg.PlanTerrain(context.Background(), d, coverage.Request{Fleet: []coverage.Available{{Profile: prof, Count: 4, Hold: hold}}, Drones: 4, Seed: 1}, 90)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	const top = 700.0
	free := plan(nil)
	ones := plan(func(coverage.LonLat, float64) float64 { return 1 })
	low := plan(func(_ coverage.LonLat, amsl float64) float64 {
		if amsl > top {
			return 0
		}
		return 1
	})
	third := plan(func(_ coverage.LonLat, amsl float64) float64 {
		if amsl > top {
			return 1.0 / 3
		}
		return 1
	})
	count := func(p *coverage.Plan) (high int) {
		for _, s := range p.Stations {
			if *s.AltAMSLM > top {
				high++
			}
		}
		return high
	}
	t.Logf("posts above %.0f m: free %d (coverage %.3f), held a third %d (%.3f), never held %d (%.3f)",
		top, count(free), free.Coverage, count(third), third.Coverage, count(low), low.Coverage)
	if len(ones.Stations) != len(free.Stations) || ones.Coverage != free.Coverage {
		t.Errorf("a weight of 1 everywhere changed the plan: %.4f against %.4f", ones.Coverage, free.Coverage)
	}
	if count(free) == 0 {
		t.Fatalf("the free plan has no post above %.0f m: the test shows nothing", top)
	}
	if n := count(low); n != 0 || len(low.Stations) != 4 {
		t.Errorf("never held above %.0f m: %d of %d posts there", top, n, len(low.Stations))
	}
	if low.Coverage > free.Coverage {
		t.Errorf("the low plan covers more (%.3f) than the free one (%.3f)", low.Coverage, free.Coverage)
	}
	if n := count(third); n > count(free) {
		t.Errorf("held a third of the time: %d posts above %.0f m, more than the free plan's %d", n, top, count(free))
	}
}
