package report

import (
	"encoding/json"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
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

// geoJSON encodes a point, polygon or multipolygon as a GeoJSON geometry
// (through orb/geojson), coordinates rounded to 1e-7 degree (about a
// centimetre) and a coordinate that is not finite written as 0. An empty
// multipolygon encodes as one with no polygons; any other geometry as nil.
func geoJSON(g orb.Geometry) json.RawMessage {
	switch g := g.(type) {
	case orb.Point:
		return marshalGeometry(roundPoint(g))
	case orb.Polygon:
		return marshalGeometry(roundPolygon(g))
	case orb.MultiPolygon:
		m := make(orb.MultiPolygon, len(g))
		for i, p := range g {
			m[i] = roundPolygon(p)
		}
		return marshalGeometry(m)
	}
	return nil
}

func marshalGeometry(g orb.Geometry) json.RawMessage {
	b, err := json.Marshal(geojson.NewGeometry(g))
	if err != nil { // cannot happen: the coordinates are finite
		return nil
	}
	return b
}

func roundPoint(p orb.Point) orb.Point { return orb.Point{finite(round7(p[0])), finite(round7(p[1]))} }

// roundPolygon is a copy of p rounded, no ring nil (so none is written
// as null).
func roundPolygon(p orb.Polygon) orb.Polygon {
	out := make(orb.Polygon, len(p))
	for i, r := range p {
		out[i] = make(orb.Ring, len(r))
		for j, q := range r {
			out[i][j] = roundPoint(q)
		}
	}
	return out
}

func round7(v float64) float64 { return math.Round(v*1e7) / 1e7 }
