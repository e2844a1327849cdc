package task

import (
	"errors"
	"fmt"
	"math"

	"github.com/aerocell/aerocell/coverage"
)

// The local frame: positions in metres east (X) and north (Y) of a centre,
// through coverage's azimuthal equidistant projection (within 0.02 % over
// 100 km, far more than a task spans).

func (p LonLat) geo() coverage.LonLat { return coverage.LonLat{Lon: p[0], Lat: p[1]} }

func fromGeo(g coverage.LonLat) LonLat { return LonLat{g.Lon, g.Lat} }

// checkLonLat refuses a position out of range or not a number.
func checkLonLat(field string, p LonLat) error {
	if !finite(p[0]) || !finite(p[1]) {
		return fieldErr(field, "must be finite numbers, got [%v, %v]", p[0], p[1])
	}
	if p[0] < -180 || p[0] > 180 {
		return fieldErr(field, "longitude must be within [-180, 180], got %v", p[0])
	}
	if p[1] < -90 || p[1] > 90 {
		return fieldErr(field, "latitude must be within [-90, 90], got %v", p[1])
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// frame is a local metric frame centred on an area.
type frame struct{ pr coverage.Projection }

func newFrame(c LonLat) (frame, error) {
	pr, err := coverage.NewProjection(c.geo())
	return frame{pr}, err
}

func (f frame) fwd(p LonLat) coverage.Point { return f.pr.Forward(p.geo()) }
func (f frame) inv(p coverage.Point) LonLat { return fromGeo(f.pr.Inverse(p)) }

// localRing checks a ring of positions and returns it in a local frame
// centred on it: at least 3 distinct points, in range, not crossing
// itself, of positive area (coverage's polygon checks); open (the closing
// point dropped) and counter-clockwise.
func localRing(field string, ring []LonLat) (frame, coverage.Ring, error) {
	for i, p := range ring {
		if err := checkLonLat(fieldIndex(field, i), p); err != nil {
			return frame{}, nil, err
		}
	}
	if len(ring) < 3 {
		return frame{}, nil, fieldErr(field, "needs at least 3 distinct points, got %d", len(ring))
	}
	if len(ring) > MaxRingPoints {
		return frame{}, nil, fieldErr(field, "has %d points, at most %d", len(ring), MaxRingPoints)
	}
	g := make(coverage.GeoRing, len(ring))
	for i, p := range ring {
		g[i] = p.geo()
	}
	f, err := newFrame(fromGeo(coverage.GeoMultiPolygon{{g}}.Center()))
	if err != nil {
		return frame{}, nil, fieldErr(field, "%v", err)
	}
	r := make(coverage.Ring, len(ring))
	for i, p := range ring {
		r[i] = f.fwd(p)
		if math.Hypot(r[i].X, r[i].Y) > maxSpanM {
			return frame{}, nil, fieldErr(fieldIndex(field, i), "is %.0f km from the polygon's centre; a task spans %.0f km at most", math.Hypot(r[i].X, r[i].Y)/1000, maxSpanM/1000)
		}
	}
	m, err := coverage.MultiPolygon{{r}}.Normalize()
	if err != nil {
		switch {
		case errors.Is(err, coverage.ErrRingTooShort):
			return frame{}, nil, fieldErr(field, "needs at least 3 distinct points")
		case errors.Is(err, coverage.ErrSelfIntersection):
			return frame{}, nil, fieldErr(field, "crosses itself (%v)", err)
		case errors.Is(err, coverage.ErrZeroArea):
			return frame{}, nil, fieldErr(field, "encloses no area (its points lie on one line)")
		}
		return frame{}, nil, fieldErr(field, "%v", err)
	}
	r = m[0][0]
	var perim float64
	for i := range r {
		perim += r[i].Dist(r[(i+1)%len(r)])
	}
	// A sliver (points on a parallel are not on one great circle, so they
	// enclose a little) is a line all the same.
	if w := 2 * ringArea(r) / perim; w < minWidthM {
		return frame{}, nil, fieldErr(field, "encloses no area (it is %.2f m wide)", w)
	}
	return f, r, nil
}

// minWidthM is the narrowest polygon (twice its area over its perimeter).
const minWidthM = 1.0

// MaxRingPoints bounds a task's polygon: a survey's or fire's outline
// drawn by hand or traced from a map, not a coastline.
const MaxRingPoints = 2000

// maxSpanM bounds how far a task's polygon reaches from its centre.
const maxSpanM = 50_000.0

// ringArea is the area of an open ring in square metres.
func ringArea(r coverage.Ring) float64 { return coverage.Polygon{r}.Area() }

// ringContains reports whether p lies inside the open ring r (even-odd).
func ringContains(r coverage.Ring, p coverage.Point) bool {
	in := false
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		a, b := r[i], r[j]
		if (a.Y > p.Y) != (b.Y > p.Y) && p.X < (b.X-a.X)*(p.Y-a.Y)/(b.Y-a.Y)+a.X {
			in = !in
		}
	}
	return in
}

// bearing is the compass bearing in degrees of the vector (dx east, dy
// north), in [0, 360).
func bearing(dx, dy float64) float64 {
	b := math.Atan2(dx, dy) * 180 / math.Pi
	if b < 0 {
		b += 360
	}
	return b
}

func add(p, q coverage.Point) coverage.Point           { return coverage.Point{X: p.X + q.X, Y: p.Y + q.Y} }
func scale(p coverage.Point, s float64) coverage.Point { return coverage.Point{X: p.X * s, Y: p.Y * s} }
func dot(p, q coverage.Point) float64                  { return p.X*q.X + p.Y*q.Y }

// offset moves p by d metres along compass bearing deg.
func offset(p coverage.Point, deg, d float64) coverage.Point {
	s, c := math.Sincos(deg * math.Pi / 180)
	return coverage.Point{X: p.X + d*s, Y: p.Y + d*c}
}

func fieldIndex(field string, i int) string { return fmt.Sprintf("%s[%d]", field, i) }
