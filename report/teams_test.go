package report

import (
	"math"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

func pointAt(team string, lon, lat float64) TeamPosition {
	p := orb.Point{lon, lat}
	return TeamPosition{Team: team, Point: &p}
}

func TestTeamWatchSettles(t *testing.T) {
	w := newTeamWatch([]Network{Private}, 10*time.Second)
	at := func(s int) time.Time { return epoch.Add(time.Duration(s) * time.Second) }
	holed, clear := covered(0.9, hole), covered(1)
	if ch := w.position(pointAt("red", 6.005, 45.005), at(0)); len(ch) != 0 {
		t.Fatalf("changes before any coverage: %+v", ch)
	}
	steps := []struct {
		s    int
		cov  *Coverage
		want string // "", "lost" or "restored"
	}{
		{1, &holed, ""},       // out of coverage: wait
		{6, &holed, ""},       // still waiting
		{11, &holed, "lost"},  // held for 10 s
		{12, &clear, ""},      // flicker back...
		{13, &holed, ""},      // ...and out again: nothing to say
		{30, &clear, ""},      // back: wait
		{40, nil, "restored"}, // held for 10 s, no new coverage needed
		{41, &holed, ""},      // out again...
		{45, &clear, ""},      // ...but not for long
		{60, nil, ""},         // nothing pending
	}
	for _, s := range steps {
		var ch []teamChange
		if s.cov != nil {
			ch = w.coverage(s.cov, at(s.s))
		} else {
			if due := w.due(); s.want != "" && (due.IsZero() || due.After(at(s.s))) {
				t.Fatalf("at %d s: due %v", s.s, due)
			}
			ch = w.recheck(at(s.s))
		}
		got := ""
		if len(ch) == 1 {
			got = map[bool]string{true: "lost", false: "restored"}[ch[0].lost]
		} else if len(ch) > 1 {
			t.Fatalf("at %d s: %+v", s.s, ch)
		}
		if got != s.want {
			t.Fatalf("at %d s: got %q, want %q", s.s, got, s.want)
		}
	}
	if !w.due().IsZero() {
		t.Fatalf("still due at %v", w.due())
	}
}

func TestTeamWatchImmediate(t *testing.T) {
	w := newTeamWatch([]Network{Private, Public}, 0)
	holed, clear := covered(0.9, hole), covered(1)
	w.coverage(&holed, epoch)
	ch := w.position(pointAt("red", 6.005, 45.005), epoch)
	if len(ch) != 1 || !ch[0].lost || ch[0].network != Private {
		t.Fatalf("first seen in the hole: %+v", ch)
	}
	if ch := w.position(pointAt("blue", 6.02, 45.02), epoch); len(ch) != 0 {
		t.Fatalf("first seen covered: %+v", ch)
	}
	ch = w.coverage(&clear, epoch)
	if len(ch) != 1 || ch[0].lost || ch[0].pos.Team != "red" {
		t.Fatalf("hole closed: %+v", ch)
	}
	if got := w.without(Private, nil); len(got) != 0 {
		t.Fatalf("without after restore: %+v", got)
	}
}

func TestPolygonHits(t *testing.T) {
	u := orb.MultiPolygon{hole}
	for _, c := range []struct {
		name string
		area orb.Polygon
		want bool
	}{
		{"far", orb.Polygon{{{7, 46}, {7.1, 46}, {7.1, 46.1}, {7, 46}}}, false},
		{"vertex inside", orb.Polygon{{{6.005, 45.005}, {6.02, 45.005}, {6.02, 45.02}, {6.005, 45.005}}}, true},
		{"contains the hole", orb.Polygon{{{5.9, 44.9}, {6.1, 44.9}, {6.1, 45.1}, {5.9, 45.1}, {5.9, 44.9}}}, true},
		{"edges cross only", orb.Polygon{{{6.005, 44.99}, {6.006, 44.99}, {6.006, 45.02}, {6.005, 45.02}, {6.005, 44.99}}}, true},
		{"beside", orb.Polygon{{{6.02, 45.0}, {6.03, 45.0}, {6.03, 45.01}, {6.02, 45.0}}}, false},
		{"shares an edge", orb.Polygon{{{6.01, 45.0}, {6.02, 45.0}, {6.02, 45.01}, {6.01, 45.01}, {6.01, 45.0}}}, true},
		{"touches a corner", orb.Polygon{{{6.01, 45.01}, {6.02, 45.01}, {6.02, 45.02}, {6.01, 45.01}}}, true},
		{"holds the hole in its own hole", orb.Polygon{
			{{5.9, 44.9}, {6.1, 44.9}, {6.1, 45.1}, {5.9, 45.1}, {5.9, 44.9}},
			{{5.99, 44.99}, {5.99, 45.02}, {6.02, 45.02}, {6.02, 44.99}, {5.99, 44.99}},
		}, false},
		{"ring left open", orb.Polygon{{{6.005, 45.005}, {6.02, 45.005}, {6.02, 45.02}}}, true},
		{"no rings", orb.Polygon{}, false},
	} {
		if got := hits(c.area, u); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	// u with a hole: an area inside the hole misses it, one across the
	// hole's edge hits it.
	ring := orb.Polygon{
		{{6.0, 45.0}, {6.1, 45.0}, {6.1, 45.1}, {6.0, 45.1}, {6.0, 45.0}},
		{{6.03, 45.03}, {6.03, 45.07}, {6.07, 45.07}, {6.07, 45.03}, {6.03, 45.03}},
	}
	if hits(orb.Polygon{{{6.04, 45.04}, {6.06, 45.04}, {6.06, 45.06}, {6.04, 45.04}}}, orb.MultiPolygon{ring}) {
		t.Error("an area inside u's hole hits u")
	}
	if !hits(orb.Polygon{{{6.04, 45.04}, {6.09, 45.04}, {6.09, 45.06}, {6.04, 45.04}}}, orb.MultiPolygon{ring}) {
		t.Error("an area across u's hole's edge misses u")
	}
	if hits(orb.Point{6.05, 45.05}, orb.MultiPolygon{ring}) || !hits(orb.Point{6.01, 45.05}, orb.MultiPolygon{ring}) {
		t.Error("a point in u's hole hits u, or one in u misses it")
	}
}

// BenchmarkHits: a team's small area against an uncovered 200-gon, inside
// its bounding box but outside the ring (the slowest answer: no vertex of
// either inside the other).
func BenchmarkHits(b *testing.B) {
	var ring orb.Ring
	for i := 0; i <= 200; i++ {
		s, c := math.Sincos(2 * math.Pi * float64(i%200) / 200)
		ring = append(ring, orb.Point{6 + 0.05*c, 45 + 0.05*s})
	}
	u := orb.MultiPolygon{{ring}}
	team := orb.Polygon{{{6.04, 45.04}, {6.045, 45.04}, {6.045, 45.045}, {6.04, 45.045}, {6.04, 45.04}}}
	if hits(team, u) {
		b.Fatal("the team's area hits the ring")
	}
	b.ReportAllocs()
	for b.Loop() {
		hits(team, u)
	}
}
