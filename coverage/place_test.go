package coverage

import (
	"errors"
	"math"
	"testing"
)

// Every plan reaches its target, stays within [0, 1], and beats the
// lattice; the coverage is measured from the disks, not taken from the
// optimiser.
func TestPlaceFewestSharedAreas(t *testing.T) {
	for name, reg := range sharedAreas(t) {
		for _, r := range []float64{2000, 6000} {
			pl, err := Place(PlaceOptions{Area: reg.Area, RadiusM: r})
			if err != nil {
				t.Fatalf("%s r=%v: %v", name, r, err)
			}
			m := Measure(reg.Area, pl.Disks)
			if m != pl.Coverage {
				t.Errorf("%s r=%v: reported coverage %+v, measured %+v", name, r, pl.Coverage, m)
			}
			if m.Fraction < 0.99 || m.Fraction > 1 {
				t.Errorf("%s r=%v: coverage %v", name, r, m.Fraction)
			}
			if n := float64(len(pl.Disks)); n < 0.99*pl.LowerBound {
				t.Errorf("%s r=%v: %v drones beat the lower bound %v: measurement is wrong", name, r, n, pl.LowerBound)
			}
			if len(pl.Disks) > pl.Lattice.Drones {
				t.Errorf("%s r=%v: %d drones, lattice %d", name, r, len(pl.Disks), pl.Lattice.Drones)
			}
			for i, d := range pl.Disks {
				if d.R != r || !d.C.finite() {
					t.Errorf("%s: disk %d = %+v", name, i, d)
				}
			}
		}
	}
}

// Adding a drone never lowers the best coverage: the plan for N+1 drones
// warm-started from the plan for N covers at least as much.
func TestAddingADroneNeverLowersCoverage(t *testing.T) {
	for name, reg := range sharedAreas(t) {
		var prev Placement
		for n := 1; n <= 9; n++ {
			o := PlaceOptions{Area: reg.Area, RadiusM: 5000, Drones: n, Seed: 3}
			if n > 1 {
				o.Start = prev.Disks
			}
			pl, err := Place(o)
			if err != nil {
				t.Fatal(err)
			}
			if len(pl.Disks) != n {
				t.Fatalf("%s: asked for %d drones, got %d", name, n, len(pl.Disks))
			}
			if n > 1 && pl.Coverage.Fraction < prev.Coverage.Fraction {
				t.Errorf("%s: %d drones cover %v, %d drones %v", name, n, pl.Coverage.Fraction, n-1, prev.Coverage.Fraction)
			}
			if pl.Coverage.Fraction > 1 {
				t.Errorf("%s: coverage %v > 1", name, pl.Coverage.Fraction)
			}
			prev = pl
		}
	}
}

// Holes are never counted as covered, and the planner does not waste drones
// on them: a ring-shaped area with a hole bigger than a cell.
func TestPlaceAroundHole(t *testing.T) {
	area, err := MultiPolygon{{square(0, 0, 30000), square(8000, 8000, 14000)}}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	pl, err := Place(PlaceOptions{Area: area, RadiusM: 3000})
	if err != nil {
		t.Fatal(err)
	}
	if pl.Coverage.Fraction < 0.99 {
		t.Errorf("coverage %v", pl.Coverage.Fraction)
	}
	for _, d := range pl.Disks {
		// A disk wholly inside the hole would cover nothing.
		if d.C.X-d.R > 8000 && d.C.X+d.R < 22000 && d.C.Y-d.R > 8000 && d.C.Y+d.R < 22000 {
			t.Errorf("disk %+v lies in the hole", d)
		}
	}
	// The whole-square measure would be larger: the hole is excluded.
	whole := Measure(MultiPolygon{{square(0, 0, 30000)}}, pl.Disks)
	if whole.CoveredM2 <= pl.Coverage.CoveredM2 {
		t.Errorf("covered %v m2 with the hole, %v without", pl.Coverage.CoveredM2, whole.CoveredM2)
	}
}

func TestPlaceDemandAndNoFly(t *testing.T) {
	area := MultiPolygon{{square(0, 0, 20000)}}
	noFly := MultiPolygon{{square(7000, 7000, 6000)}}
	dem := []PlanarDemand{{Name: "hospital", Pos: Point{19900, 100}, Weight: 100}, {Name: "shelter", Pos: Point{100, 19900}, Weight: 10}}
	pl, err := Place(PlaceOptions{Area: area, RadiusM: 4000, Demand: dem, NoFly: noFly})
	if err != nil {
		t.Fatal(err)
	}
	if pl.DemandWeightCovered != 1 {
		t.Errorf("demand covered %v", pl.DemandWeightCovered)
	}
	if pl.Coverage.Fraction < 0.99 {
		t.Errorf("coverage %v", pl.Coverage.Fraction)
	}
	for _, d := range pl.Disks {
		if noFly.Contains(d.C) {
			t.Errorf("station at %v inside the no-fly zone", d.C)
		}
	}
}

func TestPlaceTethered(t *testing.T) {
	area := MultiPolygon{{square(0, 0, 10000)}}
	sites := []PlanarSite{{Pos: Point{2500, 2500}, Capacity: 1}, {Pos: Point{7500, 2500}, Capacity: 2}, {Pos: Point{2500, 7500}, Capacity: 1}, {Pos: Point{7500, 7500}, Capacity: 1}, {Pos: Point{5000, 5000}, Capacity: 1}}
	pl, err := Place(PlaceOptions{Area: area, RadiusM: 3600, Tethered: true, TetherReachM: 80, Sites: sites, Target: 0.95})
	if err != nil {
		t.Fatal(err)
	}
	used := map[int]int{}
	for i, d := range pl.Disks {
		s := pl.Site[i]
		used[s]++
		if d.C.Dist(sites[s].Pos) > 80+1e-6 {
			t.Errorf("station %d is %v m from its site", i, d.C.Dist(sites[s].Pos))
		}
	}
	for s, n := range used {
		if n > sites[s].Capacity {
			t.Errorf("site %d holds %d drones, capacity %d", s, n, sites[s].Capacity)
		}
	}
	if pl.Coverage.Fraction < 0.95 {
		t.Errorf("coverage %v", pl.Coverage.Fraction)
	}
	_, err = Place(PlaceOptions{Area: area, RadiusM: 1000, Tethered: true, Sites: sites[:1]})
	if !errors.Is(err, ErrInfeasible) {
		t.Errorf("one small site for a big area: %v", err)
	}
}

func TestPlaceBadOptions(t *testing.T) {
	area := MultiPolygon{{square(0, 0, 1000)}}
	for _, o := range []PlaceOptions{
		{Area: area},
		{Area: area, RadiusM: math.NaN()},
		{Area: area, RadiusM: 100, Target: 1.5},
		{Area: area, RadiusM: 100, Drones: -1},
		{Area: area, RadiusM: 1e-3},
	} {
		if _, err := Place(o); !errors.Is(err, ErrBadParameter) {
			t.Errorf("%+v: %v", o, err)
		}
	}
}

func TestReplanLostDrone(t *testing.T) {
	reg := sharedAreas(t)["quake-mountain"]
	pl, err := Place(PlaceOptions{Area: reg.Area, RadiusM: 3000})
	if err != nil {
		t.Fatal(err)
	}
	// Lose the drone that covers the most on its own.
	cur := append([]Disk(nil), pl.Disks[:7]...)
	cur = append(cur, pl.Disks[8:]...)
	rp, err := Replan(ReplanOptions{Area: reg.Area, Current: cur})
	if err != nil {
		t.Fatal(err)
	}
	if rp.Coverage.Fraction < rp.Before.Fraction {
		t.Errorf("re-plan lowered coverage: %v -> %v", rp.Before.Fraction, rp.Coverage.Fraction)
	}
	if gap := rp.Best - rp.Before.Fraction; rp.Coverage.Fraction < rp.Best-math.Min(0.005, math.Max(0.0005, 0.2*gap))-1e-9 {
		t.Errorf("coverage %v, best %v", rp.Coverage.Fraction, rp.Best)
	}
	if len(rp.Moves) == 0 || len(rp.Moves) >= len(cur) {
		t.Errorf("%d moves of %d drones", len(rp.Moves), len(cur))
	}
	moved := map[int]bool{}
	for _, m := range rp.Moves {
		moved[m.Index] = true
		if rp.Disks[m.Index].C != m.To || cur[m.Index].C != m.From {
			t.Errorf("move %+v disagrees with the layout", m)
		}
	}
	for i := range cur {
		if !moved[i] && rp.Disks[i] != cur[i] {
			t.Errorf("station %d moved without a move", i)
		}
	}
	if m := Measure(reg.Area, rp.Disks); m != rp.Coverage {
		t.Errorf("coverage %+v, measured %+v", rp.Coverage, m)
	}
	// Nothing changed: nothing moves.
	rp, err = Replan(ReplanOptions{Area: reg.Area, Current: pl.Disks})
	if err != nil {
		t.Fatal(err)
	}
	if len(rp.Moves) != 0 {
		t.Errorf("no change, yet %d moves", len(rp.Moves))
	}
}

// A drone added at a launch site outside the area: the re-plan moves it in
// and never lowers coverage.
func TestReplanAddedDrone(t *testing.T) {
	reg := sharedAreas(t)["flood-valley"]
	pl, err := Place(PlaceOptions{Area: reg.Area, RadiusM: 3000, Drones: 8})
	if err != nil {
		t.Fatal(err)
	}
	lo, _ := reg.Area.Bounds()
	cur := append(append([]Disk(nil), pl.Disks...), Disk{C: Point{lo.X - 10000, lo.Y - 10000}, R: 3000})
	rp, err := Replan(ReplanOptions{Area: reg.Area, Current: cur})
	if err != nil {
		t.Fatal(err)
	}
	if rp.Coverage.Fraction <= rp.Before.Fraction {
		t.Errorf("adding a drone: coverage %v -> %v", rp.Before.Fraction, rp.Coverage.Fraction)
	}
	movedNew := false
	for _, m := range rp.Moves {
		if m.Index == len(cur)-1 {
			movedNew = true
		}
	}
	if !movedNew {
		t.Errorf("the new drone stays outside the area; moves %+v", rp.Moves)
	}
	// An edited area (a hole cut where a station sits) re-plans too.
	edited, err := MultiPolygon{{reg.Area[0][0], CirclePolygon(Disk{C: pl.Disks[0].C, R: 500}, 16)}}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	rp, err = Replan(ReplanOptions{Area: edited, Current: pl.Disks})
	if err != nil {
		t.Fatal(err)
	}
	if rp.Coverage.Fraction < rp.Before.Fraction || rp.Coverage.Fraction > 1 {
		t.Errorf("edited area: %v -> %v", rp.Before.Fraction, rp.Coverage.Fraction)
	}
}

// A tiny area under a big cell, and a thin sliver: one drone, fully covered.
func TestPlaceTinyAreas(t *testing.T) {
	for name, ring := range map[string]Ring{
		"tiny":   square(0, 0, 100),
		"sliver": {{0, 0}, {5000, 0}, {5000, 30}, {0, 30}},
		"thread": {{0, 0}, {9000, 0}, {9000, 2}, {0, 2}},
	} {
		area, err := MultiPolygon{{ring}}.Normalize()
		if err != nil {
			t.Fatal(err)
		}
		pl, err := Place(PlaceOptions{Area: area, RadiusM: 6000})
		if err != nil {
			t.Fatal(err)
		}
		if len(pl.Disks) != 1 || pl.Coverage.Fraction < 0.99 {
			t.Errorf("%s: %d drones, coverage %v", name, len(pl.Disks), pl.Coverage.Fraction)
		}
	}
}

// Bad numbers in the planar API come back as errors, never panics.
func TestPlaceRejectsBadGeometry(t *testing.T) {
	nan := math.NaN()
	good := MultiPolygon{{square(0, 0, 10000)}}
	bowTie := MultiPolygon{{Ring{{0, 0}, {1000, 1000}, {1000, 0}, {0, 1000}}}}
	for name, o := range map[string]PlaceOptions{
		"nan area":    {Area: MultiPolygon{{Ring{{0, 0}, {nan, 0}, {1, 1}}}}, RadiusM: 100},
		"bow tie":     {Area: bowTie, RadiusM: 100},
		"inf radius":  {Area: good, RadiusM: math.Inf(1)},
		"nan fixed":   {Area: good, RadiusM: 100, Fixed: []Disk{{C: Point{nan, 0}, R: 1}}},
		"nan demand":  {Area: good, RadiusM: 100, Demand: []PlanarDemand{{Pos: Point{0, nan}, Weight: 1}}},
		"bad no-fly":  {Area: good, RadiusM: 100, NoFly: bowTie},
		"nan start":   {Area: good, RadiusM: 100, Drones: 2, Start: []Disk{{C: Point{nan, nan}}}},
		"nan tether":  {Area: good, RadiusM: 100, Tethered: true, TetherReachM: nan, Sites: []PlanarSite{{Capacity: 1}}},
		"no sites":    {Area: good, RadiusM: 100, Tethered: true},
		"empty area":  {RadiusM: 100},
		"zero radius": {Area: good},
	} {
		if _, err := Place(o); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	for name, o := range map[string]ReplanOptions{
		"nan area":    {Area: MultiPolygon{{Ring{{0, 0}, {nan, 0}, {1, 1}}}}},
		"nan station": {Area: good, Current: []Disk{{C: Point{nan, 0}, R: 100}}},
		"bad pinned":  {Area: good, Current: []Disk{{R: 100}}, Pinned: []bool{true, false}},
	} {
		if _, err := Replan(o); err == nil {
			t.Errorf("replan %s: no error", name)
		}
	}
	if m := Measure(good, []Disk{{C: Point{nan, nan}, R: 100}}); m.Fraction != 0 {
		t.Errorf("NaN disk covers %v", m.Fraction)
	}
}
