package dem

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
)

// Elevation is any source of ground elevations ([Dir] and [Tile] are).
type Elevation interface {
	// ElevationM is the ground elevation in metres above mean sea level at
	// a WGS84 position in degrees, or an error (no data there).
	ElevationM(lon, lat float64) (float64, error)
}

// Bounds is a longitude and latitude box in degrees.
type Bounds struct {
	West, South, East, North float64
}

// MaxHillshadePx is the largest side of a hillshade image.
const MaxHillshadePx = 4096

// ErrNoElevation is returned by [Hillshade] when no pixel of the box has
// an elevation (every tile it needs is missing).
var ErrNoElevation = errors.New("dem: no elevation in the box")

// Hillshade renders the relief of the box as a grey image width by height
// pixels (north up, the box stretched to it): the terrain lit from the
// north-west (azimuth 315 degrees, 45 degrees above the horizon), with
// slopes and aspects by Horn's method from the elevations at the pixel
// centres and their neighbours, the vertical scale exaggerated by zFactor
// (1 for none). Where the elevation is missing the pixel is transparent;
// when it is missing everywhere the error says why (the first tile
// missing).
func Hillshade(e Elevation, b Bounds, width, height int, zFactor float64) (*image.NRGBA, error) {
	switch {
	case !(b.West < b.East) || !(b.South < b.North) || b.West < -180 || b.East > 180 || b.South < -90 || b.North > 90:
		return nil, fmt.Errorf("dem: hillshade box %+v: want west < east and south < north within the globe", b)
	case width < 1 || height < 1 || width > MaxHillshadePx || height > MaxHillshadePx:
		return nil, fmt.Errorf("dem: hillshade of %d x %d pixels: want 1 to %d on a side", width, height, MaxHillshadePx)
	case !(zFactor > 0) || math.IsInf(zFactor, 0):
		return nil, fmt.Errorf("dem: hillshade z factor %v: want a finite factor > 0", zFactor)
	}
	// Elevations at the pixel centres, with a border of one pixel.
	dLon := (b.East - b.West) / float64(width)
	dLat := (b.North - b.South) / float64(height)
	nx, ny := width+2, height+2
	z := make([]float64, nx*ny)
	var first error
	for j := 0; j < ny; j++ {
		lat := b.North - (float64(j)-0.5)*dLat
		for i := 0; i < nx; i++ {
			lon := b.West + (float64(i)-0.5)*dLon
			h, err := e.ElevationM(math.Max(-180, math.Min(180, lon)), math.Max(-90, math.Min(90, lat)))
			if err != nil {
				if first == nil {
					first = err
				}
				h = math.NaN()
			}
			z[j*nx+i] = h
		}
	}
	const (
		azimuth = 315 * math.Pi / 180
		zenith  = 45 * math.Pi / 180
	)
	img := image.NewNRGBA(image.Rect(0, 0, width, height))
	lit := false
	for j := 1; j <= height; j++ {
		lat := b.North - (float64(j)-0.5)*dLat
		// Pixel size in metres (east-west shrinks with latitude).
		cx := 8 * dLon * 111_320 * math.Max(1e-6, math.Cos(lat*math.Pi/180))
		cy := 8 * dLat * 111_320
		for i := 1; i <= width; i++ {
			at := func(di, dj int) float64 {
				v := z[(j+dj)*nx+i+di]
				if math.IsNaN(v) {
					return z[j*nx+i] // an edge of the data: flat there
				}
				return v
			}
			if math.IsNaN(z[j*nx+i]) {
				continue // transparent
			}
			a, bb, c := at(-1, -1), at(0, -1), at(1, -1)
			d, f := at(-1, 0), at(1, 0)
			g, h, k := at(-1, 1), at(0, 1), at(1, 1)
			// Horn: east and north gradients (rows run south).
			dzdx := zFactor * ((c + 2*f + k) - (a + 2*d + g)) / cx
			dzdy := zFactor * ((a + 2*bb + c) - (g + 2*h + k)) / cy
			slope := math.Atan(math.Hypot(dzdx, dzdy))
			// Aspect: the compass direction the slope faces (downhill).
			aspect := math.Atan2(-dzdx, -dzdy)
			shade := math.Cos(zenith)*math.Cos(slope) + math.Sin(zenith)*math.Sin(slope)*math.Cos(azimuth-aspect)
			v := uint8(math.Round(255 * math.Max(0, math.Min(1, shade))))
			img.SetNRGBA(i-1, j-1, color.NRGBA{R: v, G: v, B: v, A: 255})
			lit = true
		}
	}
	if !lit {
		if first == nil {
			return nil, ErrNoElevation
		}
		return nil, fmt.Errorf("%w: %v", ErrNoElevation, first)
	}
	return img, nil
}
