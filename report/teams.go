package report

import (
	"maps"
	"slices"

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
// covered, and says when that changes. It is owned by the reporter's loop.
type teamWatch struct {
	networks []Network
	teams    map[string]*teamState
	cov      *Coverage // nil until the first coverage
}

type teamState struct {
	pos       TeamPosition
	uncovered map[Network]bool // absent: not known yet
}

func newTeamWatch(networks []Network) *teamWatch {
	return &teamWatch{networks: networks, teams: map[string]*teamState{}}
}

// position records a team's new position and returns what changed for it.
// A team first seen out of coverage is told so at once.
func (w *teamWatch) position(p TeamPosition) []teamChange {
	st, ok := w.teams[p.Team]
	if !ok {
		st = &teamState{uncovered: map[Network]bool{}}
		w.teams[p.Team] = st
	}
	st.pos = p
	return w.evaluate(st, nil)
}

// forget stops tracking a team (it cleared its position).
func (w *teamWatch) forget(team string) { delete(w.teams, team) }

// coverage records new coverage and returns what changed, team by team in
// name order.
func (w *teamWatch) coverage(c *Coverage) []teamChange {
	w.cov = c
	var out []teamChange
	for _, name := range slices.Sorted(maps.Keys(w.teams)) {
		out = w.evaluate(w.teams[name], out)
	}
	return out
}

func (w *teamWatch) evaluate(st *teamState, out []teamChange) []teamChange {
	if w.cov == nil {
		return out
	}
	g := st.pos.Geometry()
	for _, n := range w.networks {
		if _, known := w.cov.Fraction[n]; !known {
			if _, known := w.cov.Uncovered[n]; !known {
				continue // this coverage says nothing of n
			}
		}
		now := hits(g, w.cov.Uncovered[n])
		was, seen := st.uncovered[n]
		st.uncovered[n] = now
		switch {
		case !seen && now, seen && now && !was:
			out = append(out, teamChange{pos: st.pos, network: n, lost: true})
		case seen && was && !now:
			out = append(out, teamChange{pos: st.pos, network: n, lost: false})
		}
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
		if area != nil && !hits(st.pos.Geometry(), area) && !geometryContains(area, st.pos.Geometry()) {
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
