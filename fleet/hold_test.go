package fleet

import (
	"math"
	"testing"

	"github.com/aerocell/aerocell/airframe"
	"github.com/aerocell/aerocell/coverage"
)

// A battery station is placed no farther out than its drones keep it
// served three quarters of the time (or than a post 1.25 times dearer
// than one over the launch point), never beyond what the airframe can
// hold at all, and always far enough to reach into the area.
func TestStationReach(t *testing.T) {
	p := BuiltinProfiles()[airframe.Heavy]
	h := Hold{Margin: DefaultRotationMargin}
	home := []coverage.Point{{}}
	near := coverage.MultiPolygon{{{{X: -1000, Y: -1000}, {X: 1000, Y: -1000}, {X: 1000, Y: 1000}, {X: -1000, Y: 1000}, {X: -1000, Y: -1000}}}}
	hold := h.ReachM(p, 300, math.Inf(1))
	one := h.StationReachM(p, 300, 2000, 1, home, near)
	two := h.StationReachM(p, 300, 2000, 2, home, near)
	if !(one > 0 && one < two && two < hold) {
		t.Fatalf("reach with 1 drone a station %.0f m, with 2 %.0f m, holdable %.0f m: want 0 < 1 < 2 < holdable", one, two, hold)
	}
	if k := h.Load(p, airframe.Post{DistM: two, AltM: 300}); k > 2/usefulDuty+0.01 {
		t.Fatalf("a post at %.0f m costs %.2f drones, more than 2 drones keep served %v of the time", two, k, usefulDuty)
	}
	if k0, k := h.Load(p, airframe.Post{AltM: 300}), h.Load(p, airframe.Post{DistM: one, AltM: 300}); k > usefulLoad*k0+0.01 {
		t.Fatalf("with one drone a station: a post at %.0f m costs %.2f, over %v × %.2f", one, k, usefulLoad, k0)
	}
	// An area 10 km away: the stations reach into it whatever they cost,
	// within what the airframe holds at all.
	far := coverage.MultiPolygon{{{{X: 10000, Y: -1000}, {X: 12000, Y: -1000}, {X: 12000, Y: 1000}, {X: 10000, Y: 1000}, {X: 10000, Y: -1000}}}}
	if r := h.StationReachM(p, 300, 2000, 1, home, far); r != math.Min(12000, hold) {
		t.Fatalf("reach towards an area 10 km off: %.0f m, want %.0f", r, math.Min(12000, hold))
	}
}
