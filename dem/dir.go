package dem

import (
	"container/list"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
)

// DefaultCacheTiles is the default number of tiles kept in memory: an SRTM1
// tile takes 26 MB, an SRTM3 tile 2.9 MB.
const DefaultCacheTiles = 16

// Options configure a [Dir].
type Options struct {
	// CacheTiles is the most tiles kept in memory (optional, defaults to
	// DefaultCacheTiles). The least recently used tile is dropped first.
	CacheTiles int
}

// Dir is a directory of .hgt tiles with a bounded tile cache. It is safe
// for concurrent use.
type Dir struct {
	path string
	max  int
	// last is the most recently used tile: most lookups hit it, and it is
	// read without the lock.
	last atomic.Pointer[Tile]

	mu    sync.Mutex
	lru   *list.List // of *Tile, front = most recent
	tiles map[[2]int]*list.Element
}

// Open returns the tiles of a directory. The directory must exist; tiles
// are read only when first needed.
func Open(dir string, opt Options) (*Dir, error) {
	if opt.CacheTiles < 0 {
		return nil, fmt.Errorf("%w: cache_tiles %d is negative", ErrBadParameter, opt.CacheTiles)
	}
	if opt.CacheTiles == 0 {
		opt.CacheTiles = DefaultCacheTiles
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("dem: directory %s: %w", dir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("dem: %s is not a directory", dir)
	}
	return &Dir{path: dir, max: opt.CacheTiles, lru: list.New(), tiles: map[[2]int]*list.Element{}}, nil
}

// Path is the directory the tiles are read from.
func (d *Dir) Path() string { return d.path }

// CachedTiles is how many tiles are in memory now.
func (d *Dir) CachedTiles() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.lru.Len()
}

// ElevationM returns the bilinear elevation in metres above mean sea level
// at a position in degrees. A position whose tile is not in the directory is
// an error wrapping ErrMissingTile that names the file expected.
func (d *Dir) ElevationM(lon, lat float64) (float64, error) {
	if t := d.last.Load(); t != nil && lat >= float64(t.Lat) && lat < float64(t.Lat+1) && lon >= float64(t.Lon) && lon < float64(t.Lon+1) {
		return t.bilinear(lon, lat), nil
	}
	if !(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180) {
		return 0, fmt.Errorf("%w: lat %v, lon %v", ErrBadPosition, lat, lon)
	}
	tlat, tlon := int(math.Floor(lat)), int(math.Floor(lon))
	if tlat == 90 {
		tlat = 89
	}
	if tlon == 180 {
		tlon = 179
	}
	t, err := d.Tile(tlat, tlon)
	if err != nil {
		return 0, err
	}
	d.last.Store(t)
	return t.bilinear(lon, lat), nil
}

// Tile returns the tile with south-west corner (lat, lon), reading it if it
// is not cached.
func (d *Dir) Tile(lat, lon int) (*Tile, error) {
	key := [2]int{lat, lon}
	d.mu.Lock()
	if e, ok := d.tiles[key]; ok {
		d.lru.MoveToFront(e)
		d.mu.Unlock()
		return e.Value.(*Tile), nil
	}
	d.mu.Unlock()

	// Read outside the lock: another caller may read the same tile at the
	// same time, and the second one to finish keeps the first one's copy.
	t, err := d.read(lat, lon)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if e, ok := d.tiles[key]; ok {
		d.lru.MoveToFront(e)
		return e.Value.(*Tile), nil
	}
	d.tiles[key] = d.lru.PushFront(t)
	for d.lru.Len() > d.max {
		old := d.lru.Back()
		ot := d.lru.Remove(old).(*Tile)
		delete(d.tiles, [2]int{ot.Lat, ot.Lon})
	}
	return t, nil
}

// read loads one tile file.
func (d *Dir) read(lat, lon int) (*Tile, error) {
	name := TileName(lat, lon)
	p := filepath.Join(d.path, name)
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s not found (the tile for %d..%d N, %d..%d E)", ErrMissingTile, p, lat, lat+1, lon, lon+1)
	}
	if err != nil {
		return nil, fmt.Errorf("dem: reading %s: %w", p, err)
	}
	return ParseHGT(b, lat, lon)
}

// Profile returns n >= 2 elevations evenly spaced along the great circle
// from (lon1, lat1) to (lon2, lat2), both ends included.
func (d *Dir) Profile(lon1, lat1, lon2, lat2 float64, n int) ([]float64, error) {
	if n < 2 {
		return nil, fmt.Errorf("%w: profile needs at least 2 points, got %d", ErrBadParameter, n)
	}
	for _, v := range []float64{lon1, lat1, lon2, lat2} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%w: profile end %v", ErrBadPosition, v)
		}
	}
	out := make([]float64, n)
	gc := newGreatCircle(lon1, lat1, lon2, lat2)
	for i := range out {
		lon, lat := gc.at(float64(i) / float64(n-1))
		z, err := d.ElevationM(lon, lat)
		if err != nil {
			return nil, err
		}
		out[i] = z
	}
	return out, nil
}

// greatCircle interpolates between two positions along the great circle.
type greatCircle struct {
	a, b  [3]float64
	omega float64
}

func unit(lon, lat float64) [3]float64 {
	sl, cl := math.Sincos(lat * math.Pi / 180)
	so, co := math.Sincos(lon * math.Pi / 180)
	return [3]float64{cl * co, cl * so, sl}
}

func newGreatCircle(lon1, lat1, lon2, lat2 float64) greatCircle {
	a, b := unit(lon1, lat1), unit(lon2, lat2)
	dot := a[0]*b[0] + a[1]*b[1] + a[2]*b[2]
	return greatCircle{a: a, b: b, omega: math.Acos(math.Max(-1, math.Min(1, dot)))}
}

func (g greatCircle) at(f float64) (lon, lat float64) {
	var p [3]float64
	if g.omega < 1e-12 {
		p = g.a
	} else {
		s := math.Sin(g.omega)
		wa, wb := math.Sin((1-f)*g.omega)/s, math.Sin(f*g.omega)/s
		for i := range p {
			p[i] = wa*g.a[i] + wb*g.b[i]
		}
	}
	lat = math.Atan2(p[2], math.Hypot(p[0], p[1])) * 180 / math.Pi
	lon = math.Atan2(p[1], p[0]) * 180 / math.Pi
	return lon, lat
}
