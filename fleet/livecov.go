package fleet

import (
	"context"
	"fmt"
	"strings"

	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/mavlink"
	"github.com/paulmach/orb"
)

// Live coverage: measured from the drones' actual positions and cells, with
// its events and the uncovered polygons.

// measure computes live coverage from the drones' actual positions and cell
// states: fractions every tick, uncovered polygons when the picture changed.
func (l *loop) measure() {
	now := l.clk.Now()
	if l.region == nil {
		l.cov = Coverage{Time: now, Fraction: map[Network]float64{}}
		return
	}
	var ss []coverage.LiveStation
	var flying []int
	for _, id := range sortedIDs(l.drones) {
		d := l.drones[id]
		if !d.heard || d.tel.Lost || !d.airborne() {
			continue
		}
		r, ok := l.radii[d.profile.Name]
		if !ok {
			continue
		}
		flying = append(flying, id)
		if st, ok := r.Live(d.tel.Lat, d.tel.Lon, d.tel.AltRel, d.tel.PublicCell == mavlink.CellOn, d.tel.PrivateCell == mavlink.CellOn); ok {
			ss = append(ss, st)
		}
	}
	if l.cfg.Terrain != nil {
		l.measureTerrain(flying) // beside the loop
		return
	}
	reg := l.region
	key := liveKey(ss)
	rep, err := reg.Live(ss, false)
	if err != nil {
		l.log.Warn("live coverage not measured", "err", err)
		return
	}
	cov := Coverage{Time: now, Fraction: map[Network]float64{Public: rep.Public.Fraction, Private: rep.Private.Fraction}, Uncovered: l.cov.Uncovered, Footprints: l.cov.Footprints}
	l.coverageEvents(cov)
	l.cov = cov
	// The uncovered polygons take an exact overlay, too slow for the loop
	// with many cells: a worker draws them for the latest layout and the
	// loop picks them up when they are ready.
	if key != l.lastLiveKey {
		l.lastLiveKey = key
		l.beside(&l.drawing, func(context.Context) func() {
			rep, err := reg.Live(ss, true)
			res := uncovered{region: reg, err: err}
			if err == nil {
				res.polys = map[Network]orb.MultiPolygon{Public: toOrb(rep.UncoveredPublic), Private: toOrb(rep.UncoveredPrivate)}
			}
			return func() { l.gotUncovered(res) }
		})
	}
}

// uncovered is a worker's drawing of the uncovered parts.
type uncovered struct {
	region *coverage.Region
	polys  map[Network]orb.MultiPolygon
	err    error
}

func (l *loop) gotUncovered(u uncovered) {
	if u.err != nil {
		l.log.Warn("uncovered parts not drawn", "err", u.err)
		return
	}
	if u.region == l.region {
		l.cov.Uncovered = u.polys
		l.cov.Footprints = nil // circles: the map draws them from the drones
	}
}

// liveKey summarises the live stations coarsely (50 m, cell states): the
// uncovered polygons are recomputed only when it changes.
func liveKey(ss []coverage.LiveStation) string {
	var b strings.Builder
	for _, s := range ss {
		fmt.Fprintf(&b, "%.4f,%.4f,%d,%.0f;", s.Pos.Lat, s.Pos.Lon, s.Networks, s.PublicRadiusM/50)
	}
	return b.String()
}

// coverageEvents reports a network losing or regaining coverage of the area
// by more than a percent point against the last report.
func (l *loop) coverageEvents(cov Coverage) {
	if l.st.Plan == nil {
		return
	}
	for _, n := range Networks {
		if !l.st.Incident.wants(n) {
			continue
		}
		before, now := l.reported[n], cov.Fraction[n]
		switch {
		case now < before-0.01:
			l.emit(Event{Kind: EventCoverageLost, Severity: Warning, Network: n,
				Text: fmt.Sprintf("%s coverage down to %.1f%%", n, 100*now)})
		case now > before+0.01:
			l.emit(Event{Kind: EventCoverageRestored, Severity: Info, Network: n,
				Text: fmt.Sprintf("%s coverage up to %.1f%%", n, 100*now)})
		default:
			continue
		}
		l.reported[n] = now
	}
}

func toOrb(g coverage.GeoMultiPolygon) orb.MultiPolygon {
	out := make(orb.MultiPolygon, 0, len(g))
	for _, poly := range g {
		op := make(orb.Polygon, 0, len(poly))
		for _, ring := range poly {
			or := make(orb.Ring, len(ring))
			for i, p := range ring {
				or[i] = orb.Point{p.Lon, p.Lat}
			}
			op = append(op, or)
		}
		out = append(out, op)
	}
	return out
}
