package dem

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// elevationFunc is a synthetic Elevation.
type elevationFunc func(lon, lat float64) (float64, error)

func (f elevationFunc) ElevationM(lon, lat float64) (float64, error) { return f(lon, lat) }

// TestHillshadeSynthetic lights planes by hand: flat ground is
// 255 cos(45 deg) = 180 everywhere; a slope facing the light (north-west)
// is brighter and one facing away (south-east) darker; a 45 degree slope
// facing north-west is lit square on (255); no data is transparent.
func TestHillshadeSynthetic(t *testing.T) {
	b := Bounds{West: -71.5, South: 44.0, East: -71.4, North: 44.1}
	mPerLon := 111_320 * math.Cos(44.05*math.Pi/180)
	plane := func(ex, ny float64) Elevation { // rise per metre east and north
		return elevationFunc(func(lon, lat float64) (float64, error) {
			return 1000 + ex*(lon+71.45)*mPerLon + ny*(lat-44.05)*111_320, nil
		})
	}
	px := func(e Elevation) uint8 {
		img, err := Hillshade(e, b, 32, 32, 1)
		if err != nil {
			t.Fatal(err)
		}
		return img.NRGBAAt(16, 16).R
	}
	if v := px(plane(0, 0)); v != 180 {
		t.Errorf("flat: %d, want 180", v)
	}
	// Facing north-west: rising to the south-east.
	s := 1 / math.Sqrt2
	if v := px(plane(s, -s)); v < 250 {
		t.Errorf("45 degrees facing north-west: %d, want 255", v)
	}
	if v := px(plane(-0.2, 0.2)); v >= 180 {
		t.Errorf("facing south-east: %d, want darker than flat", v)
	}
	hole := elevationFunc(func(lon, lat float64) (float64, error) {
		if lon < -71.45 {
			return 0, errors.New("no tile")
		}
		return 100, nil
	})
	img, err := Hillshade(hole, b, 32, 32, 1)
	if err != nil {
		t.Fatal(err)
	}
	if a, c := img.NRGBAAt(2, 16).A, img.NRGBAAt(30, 16).A; a != 0 || c != 255 {
		t.Errorf("alpha without data %d, with %d", a, c)
	}
}

// TestHillshadeErrors: bad boxes and sizes are refused, and a box with no
// tile at all names the tile missing.
func TestHillshadeErrors(t *testing.T) {
	d, err := Open("testdata", Options{})
	if err != nil {
		t.Fatal(err)
	}
	good := Bounds{West: -71.5, South: 44.0, East: -71.4, North: 44.1}
	for _, c := range []struct {
		b    Bounds
		w, h int
		z    float64
		want string
	}{
		{Bounds{West: -71.4, South: 44, East: -71.5, North: 44.1}, 10, 10, 1, "west < east"},
		{good, 0, 10, 1, "pixels"},
		{good, 10, MaxHillshadePx + 1, 1, "pixels"},
		{good, 10, 10, 0, "z factor"},
		{Bounds{West: 10, South: 10, East: 10.1, North: 10.1}, 10, 10, 1, "missing tile"},
	} {
		if _, err := Hillshade(d, c.b, c.w, c.h, c.z); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v %dx%d z %v: %v, want %q", c.b, c.w, c.h, c.z, err, c.want)
		}
	}
}

// TestHillshadeWhiteMountains renders the kept tile over Crawford Notch:
// the valley walls light and shade (a wide spread of grey), every pixel
// has data.
func TestHillshadeWhiteMountains(t *testing.T) {
	d, err := Open("testdata", Options{})
	if err != nil {
		t.Fatal(err)
	}
	img, err := Hillshade(d, Bounds{West: -71.46, South: 44.04, East: -71.19, North: 44.25}, 256, 256, 2)
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := 255, 0
	for y := 0; y < 256; y++ {
		for x := 0; x < 256; x++ {
			c := img.NRGBAAt(x, y)
			if c.A != 255 {
				t.Fatalf("pixel %d,%d has no data", x, y)
			}
			lo, hi = min(lo, int(c.R)), max(hi, int(c.R))
		}
	}
	if hi-lo < 150 {
		t.Errorf("grey from %d to %d: the notch's walls should light and shade", lo, hi)
	}
}
