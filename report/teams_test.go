package report

import (
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
	} {
		if got := hits(c.area, u); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
