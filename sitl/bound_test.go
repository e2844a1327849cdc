package sitl

import (
	"math"
	"testing"
	"time"

	"github.com/aerocell/aerocell/fleet"
)

// A battery drone's share of the run on station: out, endurance, back,
// swap, out again; one sortie without a swap.
func TestHeldShare(t *testing.T) {
	p := fleet.Profile{CruiseMS: 10, ClimbMS: 2, DescentMS: 1, Endurance: 30 * time.Minute}
	for _, c := range []struct {
		name      string
		dist, alt float64
		run, swap time.Duration
		want      float64
	}{
		// 1000 m at 10 m/s and 200 m at 2 m/s: 200 s out; on for 1600 s.
		{"one sortie", 1000, 200, time.Hour, 0, 1600.0 / 3600},
		// Then back (100 + 200 s), swap 600 s, out 200 s: on again from
		// 2900 s to the end at 3600 s.
		{"rotation", 1000, 200, time.Hour, 10 * time.Minute, (1600.0 + 700) / 3600},
		{"shorter than a sortie", 0, 0, 10 * time.Minute, 0, 1},
		{"too far", 20000, 0, time.Hour, time.Minute, 0},
	} {
		if got := heldShare(p, c.dist, c.alt, c.run, c.swap); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
