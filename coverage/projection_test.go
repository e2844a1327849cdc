package coverage

import (
	"math"
	"testing"
)

// haversine is the great-circle distance in metres, written out here so
// that Offset is checked against something other than itself.
func haversine(lat0, lon0, lat1, lon1 float64) float64 {
	p0, p1 := lat0*math.Pi/180, lat1*math.Pi/180
	dp, dl := p1-p0, (lon1-lon0)*math.Pi/180
	a := math.Sin(dp/2)*math.Sin(dp/2) + math.Cos(p0)*math.Cos(p1)*math.Sin(dl/2)*math.Sin(dl/2)
	return 2 * EarthRadiusM * math.Asin(math.Sqrt(a))
}

func TestOffset(t *testing.T) {
	// One degree of latitude north, by hand.
	lat, lon := Offset(24.8, 113.6, EarthRadiusM*math.Pi/180, 0)
	if math.Abs(lat-25.8) > 1e-12 || math.Abs(lon-113.6) > 1e-12 {
		t.Errorf("1 deg north: %v, %v, want 25.8, 113.6", lat, lon)
	}
	// 1 km due east at 60 degrees north, along the great circle: the
	// longitude grows by 1 km over the parallel's radius R cos 60, and the
	// circle bends south of the parallel by d² tan 60 / 2R (13.6 cm).
	lat, lon = Offset(60, 10, 0, 1000)
	wantLon := 10 + 1000/(EarthRadiusM*0.5)*180/math.Pi
	wantLat := 60 - 1000*1000*math.Sqrt(3)/(2*EarthRadiusM)/EarthRadiusM*180/math.Pi
	if math.Abs(lon-wantLon) > 1e-9 || math.Abs(lat-wantLat) > 1e-9 {
		t.Errorf("1 km east at 60N: %v, %v, want %v, %v", lat, lon, wantLat, wantLon)
	}
	for _, c := range []struct {
		lat, lon, n, e float64
	}{
		{45.2, 6.1, 300, -400},
		{-33.9, 151.2, -2500, 7000},
		{-16.95, 179.99, 100, 5000}, // across the antimeridian
		{0, 0, 20000, 20000},
	} {
		lat, lon := Offset(c.lat, c.lon, c.n, c.e)
		if lon < -180 || lon > 180 {
			t.Errorf("%+v: longitude %v not wrapped", c, lon)
		}
		if d, want := haversine(c.lat, c.lon, lat, lon), math.Hypot(c.n, c.e); math.Abs(d-want) > 1e-6*want {
			t.Errorf("%+v: %.6f m from the start, want %.6f", c, d, want)
		}
		n, e := Displacement(c.lat, c.lon, lat, lon)
		if math.Abs(n-c.n) > 1e-6 || math.Abs(e-c.e) > 1e-6 {
			t.Errorf("%+v: displacement back %.6f north, %.6f east", c, n, e)
		}
	}
	if n, e := Displacement(45, 6, 45, 6); n != 0 || e != 0 {
		t.Errorf("no displacement: %v, %v", n, e)
	}
}
