package report

import (
	"encoding/json"
	"math"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// hits reports whether the point or area g touches the uncovered region u.
// Coordinates are lon/lat and the tests are planar, which is exact enough
// at the scale of an incident area (tens of kilometres).
func hits(g orb.Geometry, u orb.MultiPolygon) bool {
	if len(u) == 0 {
		return false
	}
	switch g := g.(type) {
	case orb.Point:
		return planar.MultiPolygonContains(u, g)
	case orb.Polygon:
		return polygonHits(g, u)
	}
	return false
}

// geometryContains reports whether a team's area lies inside u (a point is
// handled by hits).
func geometryContains(u orb.MultiPolygon, g orb.Geometry) bool {
	if p, ok := g.(orb.Polygon); ok && len(p) > 0 && len(p[0]) > 0 {
		return planar.MultiPolygonContains(u, p[0][0])
	}
	return false
}

// polygonHits reports whether the area a and the region u overlap: a point
// of one lies inside the other, or their edges cross.
func polygonHits(a orb.Polygon, u orb.MultiPolygon) bool {
	if len(a) == 0 {
		return false
	}
	if !a.Bound().Intersects(u.Bound()) {
		return false
	}
	for _, p := range a[0] {
		if planar.MultiPolygonContains(u, p) {
			return true
		}
	}
	for _, up := range u {
		if len(up) == 0 {
			continue
		}
		for _, p := range up[0] {
			if planar.PolygonContains(a, p) {
				return true
			}
		}
	}
	for _, ar := range a {
		for _, up := range u {
			for _, ur := range up {
				if ringsCross(ar, ur) {
					return true
				}
			}
		}
	}
	return false
}

func ringsCross(a, b orb.Ring) bool {
	if !a.Bound().Intersects(b.Bound()) {
		return false
	}
	for i := 0; i+1 < len(a); i++ {
		for j := 0; j+1 < len(b); j++ {
			if segmentsCross(a[i], a[i+1], b[j], b[j+1]) {
				return true
			}
		}
	}
	return false
}

// segmentsCross reports whether segments pq and rs intersect properly
// (cross each other at one point inside both).
func segmentsCross(p, q, r, s orb.Point) bool {
	d1 := orient(r, s, p)
	d2 := orient(r, s, q)
	d3 := orient(p, q, r)
	d4 := orient(p, q, s)
	return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))
}

func orient(a, b, c orb.Point) float64 {
	return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
}

// geoJSON encodes a point, polygon or multipolygon as a GeoJSON geometry,
// coordinates rounded to 1e-7 degree (about a centimetre). An empty
// multipolygon encodes as one with no polygons.
func geoJSON(g orb.Geometry) json.RawMessage {
	b := make([]byte, 0, 256)
	point := func(p orb.Point) {
		b = append(b, '[')
		b = strconv.AppendFloat(b, round7(finite(p[0])), 'f', -1, 64)
		b = append(b, ',')
		b = strconv.AppendFloat(b, round7(finite(p[1])), 'f', -1, 64)
		b = append(b, ']')
	}
	polygon := func(pg orb.Polygon) {
		b = append(b, '[')
		for i, r := range pg {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '[')
			for j, p := range r {
				if j > 0 {
					b = append(b, ',')
				}
				point(p)
			}
			b = append(b, ']')
		}
		b = append(b, ']')
	}
	switch g := g.(type) {
	case orb.Point:
		b = append(b, `{"type":"Point","coordinates":`...)
		point(g)
	case orb.Polygon:
		b = append(b, `{"type":"Polygon","coordinates":`...)
		polygon(g)
	case orb.MultiPolygon:
		b = append(b, `{"type":"MultiPolygon","coordinates":[`...)
		for i, pg := range g {
			if i > 0 {
				b = append(b, ',')
			}
			polygon(pg)
		}
		b = append(b, ']')
	default:
		return nil
	}
	return append(b, '}')
}

func round7(v float64) float64 { return math.Round(v*1e7) / 1e7 }
