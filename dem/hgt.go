package dem

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// Sentinel errors; returned errors wrap one of these and name the tile or
// the value at fault.
var (
	ErrMissingTile  = errors.New("dem: missing tile")
	ErrBadTile      = errors.New("dem: bad tile")
	ErrBadTileName  = errors.New("dem: bad tile name")
	ErrBadPosition  = errors.New("dem: position is NaN, infinite or out of range")
	ErrBadParameter = errors.New("dem: invalid parameter")
)

// Void is the SRTM no-data value.
const Void = -32768

// Tile sizes: SRTM3 (3 arc-seconds) and SRTM1 (1 arc-second) samples per side.
const (
	SRTM3 = 1201
	SRTM1 = 3601
)

// Tile is one 1 x 1 degree SRTM tile: N x N samples, rows from north to
// south, columns from west to east, the outer rows and columns shared with
// the neighbouring tiles. A Tile is immutable once parsed.
type Tile struct {
	// Lat and Lon are the south-west corner in whole degrees.
	Lat, Lon int
	// N is the number of samples per side (1201 or 3601).
	N    int
	data []int16
}

// TileName is the file name of the tile whose south-west corner is at
// (lat, lon) whole degrees, as SRTM, MAVProxy and ArduPilot name it:
// TileName(44, -72) is "N44W072.hgt".
func TileName(lat, lon int) string {
	ns, ew := 'N', 'E'
	if lat < 0 {
		ns, lat = 'S', -lat
	}
	if lon < 0 {
		ew, lon = 'W', -lon
	}
	return fmt.Sprintf("%c%02d%c%03d.hgt", ns, lat, ew, lon)
}

// ParseTileName reads the south-west corner from a tile name such as
// "N44W072.hgt" (the letters may be lower case, as some mirrors spell them).
func ParseTileName(name string) (lat, lon int, err error) {
	bad := func(why string) (int, int, error) {
		return 0, 0, fmt.Errorf("%w %q: %s (want e.g. N44W072.hgt)", ErrBadTileName, name, why)
	}
	if len(name) != 11 || (name[7:] != ".hgt" && name[7:] != ".HGT") {
		return bad("not 11 characters ending in .hgt")
	}
	la, err1 := strconv.Atoi(name[1:3])
	lo, err2 := strconv.Atoi(name[4:7])
	if err1 != nil || err2 != nil || name[1] == '+' || name[1] == '-' || name[4] == '+' || name[4] == '-' {
		return bad("latitude or longitude not digits")
	}
	switch name[0] {
	case 'N', 'n':
	case 'S', 's':
		la = -la
	default:
		return bad("first letter not N or S")
	}
	switch name[3] {
	case 'E', 'e':
	case 'W', 'w':
		lo = -lo
	default:
		return bad("fourth letter not E or W")
	}
	if la < -90 || la > 89 || lo < -180 || lo > 179 {
		return bad("corner out of range")
	}
	return la, lo, nil
}

// ParseHGT parses the bytes of an .hgt file for the tile with south-west
// corner (lat, lon): big-endian int16 metres, 1201 x 1201 or 3601 x 3601
// samples. Voids are filled from their neighbours (the mean of the known
// samples among the eight around them, repeated inwards until none is
// left). A tile with no known sample at all is refused.
func ParseHGT(b []byte, lat, lon int) (*Tile, error) {
	name := TileName(lat, lon)
	var n int
	switch len(b) {
	case 2 * SRTM3 * SRTM3:
		n = SRTM3
	case 2 * SRTM1 * SRTM1:
		n = SRTM1
	default:
		return nil, fmt.Errorf("%w %s: %d bytes, want %d (SRTM3) or %d (SRTM1)", ErrBadTile, name, len(b), 2*SRTM3*SRTM3, 2*SRTM1*SRTM1)
	}
	if lat < -90 || lat > 89 || lon < -180 || lon > 179 {
		return nil, fmt.Errorf("%w %s: corner %d, %d out of range", ErrBadTile, name, lat, lon)
	}
	t := &Tile{Lat: lat, Lon: lon, N: n, data: make([]int16, n*n)}
	voids := 0
	for i := range t.data {
		v := int16(uint16(b[2*i])<<8 | uint16(b[2*i+1]))
		t.data[i] = v
		if v == Void {
			voids++
		}
	}
	if voids == len(t.data) {
		return nil, fmt.Errorf("%w %s: every sample is void", ErrBadTile, name)
	}
	if voids > 0 {
		t.fillVoids()
	}
	return t, nil
}

// fillVoids replaces each void by the mean of its known neighbours, in
// passes from the edge of each void inwards (a breadth-first fill), so
// that a void takes the values around it and never the Void marker.
func (t *Tile) fillVoids() {
	n := t.N
	var front []int
	for i, v := range t.data {
		if v == Void {
			front = append(front, i)
		}
	}
	for len(front) > 0 {
		type fill struct {
			i int
			v int16
		}
		var fills []fill
		var next []int
		for _, i := range front {
			r, c := i/n, i%n
			sum, cnt := 0, 0
			for dr := -1; dr <= 1; dr++ {
				for dc := -1; dc <= 1; dc++ {
					rr, cc := r+dr, c+dc
					if (dr == 0 && dc == 0) || rr < 0 || cc < 0 || rr >= n || cc >= n {
						continue
					}
					if v := t.data[rr*n+cc]; v != Void {
						sum += int(v)
						cnt++
					}
				}
			}
			if cnt == 0 {
				next = append(next, i)
				continue
			}
			fills = append(fills, fill{i, int16(math.Round(float64(sum) / float64(cnt)))})
		}
		// Apply after the pass, so a pass only reads samples known before it.
		for _, f := range fills {
			t.data[f.i] = f.v
		}
		front = next
	}
}

// Sample returns the elevation of the sample at row r (0 is the north edge)
// and column c (0 is the west edge). It panics if r or c is out of range,
// like a slice index.
func (t *Tile) Sample(r, c int) int16 { return t.data[r*t.N+c] }

// ElevationM is the bilinear elevation in metres at a position inside the
// tile (edges included).
func (t *Tile) ElevationM(lon, lat float64) (float64, error) {
	if !(lat >= float64(t.Lat) && lat <= float64(t.Lat+1) && lon >= float64(t.Lon) && lon <= float64(t.Lon+1)) {
		return 0, fmt.Errorf("%w: %v, %v is outside tile %s", ErrBadPosition, lat, lon, TileName(t.Lat, t.Lon))
	}
	return t.bilinear(lon, lat), nil
}

// bilinear interpolates; the position must be inside the tile.
func (t *Tile) bilinear(lon, lat float64) float64 {
	m := float64(t.N - 1)
	y := (float64(t.Lat+1) - lat) * m
	x := (lon - float64(t.Lon)) * m
	r, c := int(y), int(x)
	if r >= t.N-1 {
		r = t.N - 2
	}
	if c >= t.N-1 {
		c = t.N - 2
	}
	fy, fx := y-float64(r), x-float64(c)
	i := r*t.N + c
	z00, z01 := float64(t.data[i]), float64(t.data[i+1])
	z10, z11 := float64(t.data[i+t.N]), float64(t.data[i+t.N+1])
	return (z00*(1-fx)+z01*fx)*(1-fy) + (z10*(1-fx)+z11*fx)*fy
}
