package coverage

import (
	"fmt"
	"math"
)

// EarthRadiusM is the mean Earth radius used by the projection.
const EarthRadiusM = 6371008.8

// maxExtentM bounds the distance from the projection centre: beyond it the
// azimuthal equidistant scale error (c/sin c - 1 across radials) exceeds 0.5%.
const maxExtentM = 1_000_000

// LonLat is a WGS84 position in degrees (RFC 7946 order).
type LonLat struct {
	Lon float64 `json:"lon"`
	Lat float64 `json:"lat"`
}

// Point is a position in a local metric frame: X east, Y north, metres.
type Point struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

func (p Point) sub(q Point) Point      { return Point{p.X - q.X, p.Y - q.Y} }
func (p Point) add(q Point) Point      { return Point{p.X + q.X, p.Y + q.Y} }
func (p Point) scale(s float64) Point  { return Point{p.X * s, p.Y * s} }
func (p Point) norm() float64          { return math.Hypot(p.X, p.Y) }
func (p Point) dist2(q Point) float64  { dx, dy := p.X-q.X, p.Y-q.Y; return dx*dx + dy*dy }
func (p Point) Dist(q Point) float64   { return math.Sqrt(p.dist2(q)) }
func cross(o, a, b Point) float64      { return (a.X-o.X)*(b.Y-o.Y) - (a.Y-o.Y)*(b.X-o.X) }
func finite(v float64) bool            { return !math.IsNaN(v) && !math.IsInf(v, 0) }
func (p Point) finite() bool           { return finite(p.X) && finite(p.Y) }
func lerp(a, b Point, t float64) Point { return Point{a.X + t*(b.X-a.X), a.Y + t*(b.Y-a.Y)} }
func wrapLon(d float64) float64        { return math.Mod(math.Mod(d+180, 360)+360, 360) - 180 }

// Projection is a spherical azimuthal equidistant projection centred on an
// area: distances and bearings from the centre are exact, and within 100 km
// of it lengths and areas are within 0.02% (the scale across radials is
// c/sin(c) for an angular distance c). It is a value; the zero value is
// centred on (0, 0).
type Projection struct {
	Center LonLat `json:"center"`
	sinLat float64
	cosLat float64
}

// NewProjection centres a projection on c.
func NewProjection(c LonLat) (Projection, error) {
	if !finite(c.Lon) || !finite(c.Lat) || c.Lat < -90 || c.Lat > 90 || c.Lon < -180 || c.Lon > 180 {
		return Projection{}, fmt.Errorf("%w: projection centre %v", ErrBadCoordinate, c)
	}
	s, co := math.Sincos(c.Lat * math.Pi / 180)
	return Projection{Center: c, sinLat: s, cosLat: co}, nil
}

func (pr Projection) trig() (float64, float64) {
	if pr.sinLat == 0 && pr.cosLat == 0 {
		return math.Sincos(pr.Center.Lat * math.Pi / 180)
	}
	return pr.sinLat, pr.cosLat
}

// Forward maps a position to local metres. Longitudes are taken relative to
// the centre modulo 360, so areas split at the antimeridian project whole.
func (pr Projection) Forward(ll LonLat) Point {
	s0, c0 := pr.trig()
	phi := ll.Lat * math.Pi / 180
	dl := wrapLon(ll.Lon-pr.Center.Lon) * math.Pi / 180
	sp, cp := math.Sincos(phi)
	sdl, cdl := math.Sincos(dl)
	cosc := s0*sp + c0*cp*cdl
	cosc = math.Max(-1, math.Min(1, cosc))
	c := math.Acos(cosc)
	k := 1.0
	if c > 1e-12 {
		k = c / math.Sin(c)
	}
	return Point{
		X: EarthRadiusM * k * cp * sdl,
		Y: EarthRadiusM * k * (c0*sp - s0*cp*cdl),
	}
}

// Inverse maps local metres back to a position.
func (pr Projection) Inverse(p Point) LonLat {
	s0, c0 := pr.trig()
	rho := math.Hypot(p.X, p.Y)
	if rho < 1e-9 {
		return pr.Center
	}
	c := rho / EarthRadiusM
	sc, cc := math.Sincos(c)
	lat := math.Asin(math.Max(-1, math.Min(1, cc*s0+p.Y*sc*c0/rho)))
	lon := pr.Center.Lon*math.Pi/180 + math.Atan2(p.X*sc, rho*c0*cc-p.Y*s0*sc)
	return LonLat{Lon: wrapLon(lon * 180 / math.Pi), Lat: lat * 180 / math.Pi}
}

// Offset is the position northM metres north and eastM metres east of
// (lat, lon), in degrees: the inverse of the projection centred on (lat,
// lon), so the distance and bearing from there are exact on the sphere
// (EarthRadiusM). It is for placing things near a known position (a circle
// around a station, drones in a row at a site, a drawn area) without the
// flat-earth constants that drift with latitude; for many points around
// one centre, use a Projection.
func Offset(lat, lon, northM, eastM float64) (float64, float64) {
	ll := Projection{Center: LonLat{Lon: lon, Lat: lat}}.Inverse(Point{X: eastM, Y: northM})
	return ll.Lat, ll.Lon
}

// Displacement is how far (lat1, lon1) lies north and east of (lat0, lon0),
// in metres, in the projection centred on (lat0, lon0): the inverse of
// Offset.
func Displacement(lat0, lon0, lat1, lon1 float64) (northM, eastM float64) {
	p := Projection{Center: LonLat{Lon: lon0, Lat: lat0}}.Forward(LonLat{Lon: lon1, Lat: lat1})
	return p.Y, p.X
}
