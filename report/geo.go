package report

import (
	"encoding/json"
	"math"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/peterstace/simplefeatures/geom"
)

// hits reports whether the point or area g and the uncovered region u share
// a point, boundaries included. Coordinates are lon/lat and the tests are
// planar, which is exact enough at the scale of an incident area (tens of
// kilometres). A point is tested by orb/planar; an area against u by
// simplefeatures (edges crossing, or either inside the other, holes
// honoured).
func hits(g orb.Geometry, u orb.MultiPolygon) bool {
	if len(u) == 0 {
		return false
	}
	switch g := g.(type) {
	case orb.Point:
		return planar.MultiPolygonContains(u, g)
	case orb.Polygon:
		if len(g) == 0 || !g.Bound().Intersects(u.Bound()) {
			return false
		}
		return geom.Intersects(sfPolygon(g).AsGeometry(), sfMultiPolygon(u).AsGeometry())
	}
	return false
}

func sfMultiPolygon(m orb.MultiPolygon) geom.MultiPolygon {
	ps := make([]geom.Polygon, 0, len(m))
	for _, p := range m {
		ps = append(ps, sfPolygon(p))
	}
	return geom.NewMultiPolygon(ps)
}

// sfPolygon is p for simplefeatures, each ring closed (GeoJSON rings are,
// but a ring built in code may not be) and rings of no length left out.
func sfPolygon(p orb.Polygon) geom.Polygon {
	rings := make([]geom.LineString, 0, len(p))
	for _, r := range p {
		if len(r) == 0 {
			continue
		}
		c := make([]float64, 0, 2*len(r)+2)
		for _, q := range r {
			c = append(c, q[0], q[1])
		}
		if !r.Closed() {
			c = append(c, r[0][0], r[0][1])
		}
		rings = append(rings, geom.NewLineString(geom.NewSequence(c, geom.DimXY)))
	}
	return geom.NewPolygon(rings)
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
