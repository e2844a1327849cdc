package sim

import "math"

// earthRadius is the mean Earth radius in metres. The simulator works on a
// local flat-Earth approximation around each drone, good to well under a
// metre over the tens of kilometres a fleet covers.
const earthRadius = 6371000.0

const deg = math.Pi / 180

// LatLonAlt is a geographic position: degrees (WGS84) and metres above mean
// sea level.
type LatLonAlt struct {
	Lat float64 `yaml:"lat"`
	Lon float64 `yaml:"lon"`
	Alt float64 `yaml:"alt"`
}

// offset returns the position n metres north and e metres east of p.
func offset(lat, lon, n, e float64) (float64, float64) {
	dLat := n / earthRadius / deg
	dLon := e / (earthRadius * math.Cos(lat*deg)) / deg
	return lat + dLat, lon + dLon
}

// northEast returns the north and east offsets in metres from (lat0, lon0)
// to (lat1, lon1).
func northEast(lat0, lon0, lat1, lon1 float64) (n, e float64) {
	n = (lat1 - lat0) * deg * earthRadius
	e = (lon1 - lon0) * deg * earthRadius * math.Cos(lat0*deg)
	return n, e
}

// slant is the straight-line distance in metres between two positions.
func slant(a, b LatLonAlt) float64 {
	n, e := northEast(a.Lat, a.Lon, b.Lat, b.Lon)
	d := b.Alt - a.Alt
	return math.Sqrt(n*n + e*e + d*d)
}

func wrap360(d float64) float64 {
	d = math.Mod(d, 360)
	if d < 0 {
		d += 360
	}
	return d
}

// wrap180 wraps an angle in degrees to (-180, 180].
func wrap180(d float64) float64 {
	d = wrap360(d)
	if d > 180 {
		d -= 360
	}
	return d
}

func clamp(x, lo, hi float64) float64 {
	if x < lo {
		return lo
	}
	if x > hi {
		return hi
	}
	return x
}
