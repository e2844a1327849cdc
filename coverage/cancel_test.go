package coverage

import (
	"context"
	"errors"
	"math"
	"strings"
	"sync/atomic"
	"testing"
)

// countdownCtx is a context whose Err turns to Canceled after a set number
// of calls, and that counts the calls made after that: the search's own
// checks are the clock, so the test depends on no timing.
type countdownCtx struct {
	context.Context
	left  atomic.Int64
	after atomic.Int64
}

func countdown(n int64) *countdownCtx {
	c := &countdownCtx{Context: context.Background()}
	c.left.Store(n)
	return c
}

func (c *countdownCtx) Err() error {
	if c.left.Add(-1) >= 0 {
		return nil
	}
	c.after.Add(1)
	return context.Canceled
}

// Cancelled at any point of the search, Place and Plan return ctx.Err()
// and no result, after only a few more checks of the context (each loop
// leaves at its next check instead of running on).
func TestPlaceStopsWhenCancelled(t *testing.T) {
	area := blob(60, 2)
	sites := []PlanarSite{{Pos: Point{0, 0}, Capacity: 50}, {Pos: Point{3000, 0}, Capacity: 50}}
	inc, err := ParseIncident([]byte(incidentDoc))
	if err != nil {
		t.Fatal(err)
	}
	runs := map[string]func(ctx context.Context) (bool, error){
		"fewest": func(ctx context.Context) (bool, error) {
			pl, err := PlaceContext(ctx, PlaceOptions{Area: area, RadiusM: 400})
			return pl.Disks != nil, err
		},
		"drones": func(ctx context.Context) (bool, error) {
			pl, err := PlaceContext(ctx, PlaceOptions{Area: area, RadiusM: 400, Drones: 150})
			return pl.Disks != nil, err
		},
		"no-fly": func(ctx context.Context) (bool, error) {
			pl, err := PlaceContext(ctx, PlaceOptions{Area: area, RadiusM: 400, NoFly: MultiPolygon{{square(0, 0, 4000)}}})
			return pl.Disks != nil, err
		},
		"tethered": func(ctx context.Context) (bool, error) {
			pl, err := PlaceContext(ctx, PlaceOptions{Area: area, RadiusM: 400, Tethered: true, TetherReachM: 150, Sites: sites, Drones: 90})
			return pl.Disks != nil, err
		},
		"plan with lattice and relays": func(ctx context.Context) (bool, error) {
			p, err := PlanStationsContext(ctx, Request{Incident: inc, RadiusM: 3000, CompareLattice: true, RelayRangeM: 4000})
			return p != nil, err
		},
	}
	for name, run := range runs {
		// How many checks the whole search makes; then cancel at the
		// start, early, in the middle, late and at the very last check.
		all := countdown(math.MaxInt64)
		if _, err := run(all); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		total := math.MaxInt64 - all.left.Load()
		if total < 20 {
			t.Fatalf("%s checks its context only %d times", name, total)
		}
		for _, n := range []int64{0, 1, total / 3, 2 * total / 3, total - 1} {
			ctx := countdown(n)
			got, err := run(ctx)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("%s cancelled at check %d: err %v, want context.Canceled", name, n, err)
				continue
			}
			if got {
				t.Errorf("%s cancelled at check %d: a result came with the error", name, n)
			}
			t.Logf("%s: cancelled at check %d of %d, %d checks after", name, n, total, ctx.after.Load())
			if a := ctx.after.Load(); a > 50 {
				t.Errorf("%s cancelled at check %d: went on through %d more checks", name, n, a)
			}
		}
	}
}

// Requests no fleet or area could use are refused with the reason and the
// limit, before any work.
func TestPlaceRefusesAbsurdRequests(t *testing.T) {
	town := MultiPolygon{{square(0, 0, 3000)}}
	// A strip 10 m wide and 700 km long, on the diagonal: few cells for its
	// area, a vast lattice over its bounds.
	const l, w = 500e3, 7.0
	strip, err := MultiPolygon{{Ring{{0, 0}, {l, l}, {l - w, l + w}, {-w, w}, {0, 0}}}}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		o    PlaceOptions
		want string
	}{
		{"100000 drones", PlaceOptions{Area: town, RadiusM: 100, Drones: 100_000}, "more than this area could ever use"},
		{"5000 drones", PlaceOptions{Area: town, RadiusM: 100, Drones: 5000}, "(limit "},
		{"cells", PlaceOptions{Area: MultiPolygon{{square(0, 0, 400e3)}}, RadiusM: 100}, "cells of radius 100 m needed (limit 50000)"},
		{"lattice", PlaceOptions{Area: strip, RadiusM: 100}, "over the area's bounds (limit 250000)"},
	} {
		_, err := PlaceContext(countdown(0), c.o)
		if !errors.Is(err, ErrBadParameter) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want ErrBadParameter saying %q", c.name, err, c.want)
		}
	}
	// The bound is no hindrance to a real fleet: as many drones as cover
	// the bounds are accepted.
	n := int(coverBound(town, 500))
	if _, err := Place(PlaceOptions{Area: town, RadiusM: 500, Drones: n}); err != nil {
		t.Errorf("%d drones of 500 m over a 3 km square: %v", n, err)
	}
	if _, err := PlanStations(Request{Incident: Incident{}, RadiusM: 100, RelayRangeM: math.NaN()}); err == nil {
		t.Error("NaN relay range accepted")
	}
}
