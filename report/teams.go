package report

import (
	"maps"
	"slices"
	"time"

	"github.com/paulmach/orb"
)

// teamChange is a team's position going out of or back into coverage of a
// network.
type teamChange struct {
	pos     TeamPosition
	network Network
	lost    bool // false: restored
}

// teamWatch tracks, per team and network, whether the team's position is
// covered, and says when that changes. A change is reported only once it
// has held for settle (0: at once), so that a team standing on the edge of
// coverage is not told every second. It is owned by the reporter's loop.
type teamWatch struct {
	networks []Network
	settle   time.Duration
	teams    map[string]*teamState
	cov      *Coverage // nil until the first coverage
}

type teamState struct {
	pos       TeamPosition
	uncovered map[Network]bool      // the state the team was told (absent: covered, nothing said)
	since     map[Network]time.Time // when the other state was first seen, while it has not yet held for settle
}

func newTeamWatch(networks []Network, settle time.Duration) *teamWatch {
	return &teamWatch{networks: networks, settle: settle, teams: map[string]*teamState{}}
}

// position records a team's new position and returns what changed for it.
// A team first seen out of coverage is told so.
func (w *teamWatch) position(p TeamPosition, now time.Time) []teamChange {
	st, ok := w.teams[p.Team]
	if !ok {
		st = &teamState{uncovered: map[Network]bool{}, since: map[Network]time.Time{}}
		w.teams[p.Team] = st
	}
	st.pos = p
	return w.evaluate(st, now, nil)
}

// forget stops tracking a team (it cleared its position).
func (w *teamWatch) forget(team string) { delete(w.teams, team) }

// coverage records new coverage and returns what changed, team by team in
// name order.
func (w *teamWatch) coverage(c *Coverage, now time.Time) []teamChange {
	w.cov = c
	return w.recheck(now)
}

// recheck evaluates every team again, for changes that have now held for
// settle.
func (w *teamWatch) recheck(now time.Time) []teamChange {
	var out []teamChange
	for _, name := range slices.Sorted(maps.Keys(w.teams)) {
		out = w.evaluate(w.teams[name], now, out)
	}
	return out
}

// due is when the earliest pending change will have held for settle; zero
// if none is pending.
func (w *teamWatch) due() time.Time {
	var first time.Time
	for _, st := range w.teams {
		for _, t := range st.since {
			if first.IsZero() || t.Before(first) {
				first = t
			}
		}
	}
	if first.IsZero() {
		return first
	}
	return first.Add(w.settle)
}

func (w *teamWatch) evaluate(st *teamState, now time.Time, out []teamChange) []teamChange {
	if w.cov == nil {
		return out
	}
	g := st.pos.Geometry()
	for _, n := range w.networks {
		if _, known := w.cov.Fraction[n]; !known {
			if _, known := w.cov.Uncovered[n]; !known {
				delete(st.since, n)
				continue // this coverage says nothing of n
			}
		}
		uncovered := hits(g, w.cov.Uncovered[n])
		if uncovered == st.uncovered[n] {
			delete(st.since, n) // back to what the team was told: nothing to say
			continue
		}
		if w.settle > 0 {
			since, pending := st.since[n]
			if !pending {
				st.since[n] = now
				continue
			}
			if now.Sub(since) < w.settle {
				continue
			}
		}
		delete(st.since, n)
		st.uncovered[n] = uncovered
		out = append(out, teamChange{pos: st.pos, network: n, lost: uncovered})
	}
	return out
}

// without returns the positions of the teams now without network n whose
// position touches area (anywhere if area is nil), in name order.
func (w *teamWatch) without(n Network, area orb.MultiPolygon) []TeamPosition {
	var out []TeamPosition
	for _, name := range slices.Sorted(maps.Keys(w.teams)) {
		st := w.teams[name]
		if !st.uncovered[n] {
			continue
		}
		if area != nil && !hits(st.pos.Geometry(), area) {
			continue
		}
		out = append(out, st.pos)
	}
	return out
}

// positions returns every tracked team's position.
func (w *teamWatch) positions() []TeamPosition {
	out := make([]TeamPosition, 0, len(w.teams))
	for _, name := range slices.Sorted(maps.Keys(w.teams)) {
		out = append(out, w.teams[name].pos)
	}
	return out
}
