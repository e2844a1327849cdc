package dem

import (
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// synthetic builds an SRTM3 tile's bytes from a function of (row, col).
func synthetic(f func(r, c int) int16) []byte {
	b := make([]byte, 2*SRTM3*SRTM3)
	for r := 0; r < SRTM3; r++ {
		for c := 0; c < SRTM3; c++ {
			binary.BigEndian.PutUint16(b[2*(r*SRTM3+c):], uint16(f(r, c)))
		}
	}
	return b
}

func TestTileName(t *testing.T) {
	for _, tc := range []struct {
		lat, lon int
		name     string
	}{{44, -72, "N44W072.hgt"}, {-33, 151, "S33E151.hgt"}, {0, 0, "N00E000.hgt"}, {-1, -1, "S01W001.hgt"}} {
		if got := TileName(tc.lat, tc.lon); got != tc.name {
			t.Errorf("TileName(%d, %d) = %s, want %s", tc.lat, tc.lon, got, tc.name)
		}
		la, lo, err := ParseTileName(tc.name)
		if err != nil || la != tc.lat || lo != tc.lon {
			t.Errorf("ParseTileName(%s) = %d, %d, %v", tc.name, la, lo, err)
		}
	}
	for _, bad := range []string{"", "N44W072", "X44W072.hgt", "N44X072.hgt", "N4aW072.hgt", "N95W072.hgt", "N44W190.hgt", "N+4W072.hgt"} {
		if _, _, err := ParseTileName(bad); !errors.Is(err, ErrBadTileName) {
			t.Errorf("ParseTileName(%q) error %v, want ErrBadTileName", bad, err)
		}
	}
}

func openTestdata(t testing.TB) *Dir {
	t.Helper()
	d, err := Open("testdata", Options{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestKnownPoints checks the real SRTM3 tile of the White Mountains at
// places whose heights are known. Mount Washington's summit is 1,917 m; at
// 3 arc-seconds (about 90 m by 65 m here) the summit sample is averaged
// with the slopes around it, and the tile's maximum is 1,908 m.
func TestKnownPoints(t *testing.T) {
	d := openTestdata(t)
	for _, tc := range []struct {
		name       string
		lon, lat   float64
		want, tolM float64
	}{
		{"Mount Washington summit", -71.3033, 44.2706, 1917, 30},
		{"Crawford Notch floor (Saco river, US 302)", -71.4087, 44.1960, 550, 120},
	} {
		z, err := d.ElevationM(tc.lon, tc.lat)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if math.Abs(z-tc.want) > tc.tolM {
			t.Errorf("%s: %.1f m, want %.0f +- %.0f", tc.name, z, tc.want, tc.tolM)
		}
	}
	tile, err := d.Tile(44, -72)
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := int16(math.MaxInt16), int16(math.MinInt16)
	for r := 0; r < tile.N; r++ {
		for c := 0; c < tile.N; c++ {
			v := tile.Sample(r, c)
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if lo != 115 || hi != 1908 {
		t.Errorf("tile range %d..%d m, want 115..1908 (its README)", lo, hi)
	}
	if tile.N != SRTM3 {
		t.Errorf("tile N = %d, want %d", tile.N, SRTM3)
	}
}

func TestBilinear(t *testing.T) {
	// z = 3 r + 2 c is linear, so bilinear interpolation is exact.
	tile, err := ParseHGT(synthetic(func(r, c int) int16 { return int16(3*r + 2*c) }), 10, 20)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range [][2]float64{{20, 11}, {21, 10}, {20.5, 10.5}, {20.123, 10.987}, {20.0004, 10.9996}} {
		lon, lat := p[0], p[1]
		want := 3*(11-lat)*1200 + 2*(lon-20)*1200
		got, err := tile.ElevationM(lon, lat)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-want) > 1e-6 {
			t.Errorf("ElevationM(%v, %v) = %v, want %v", lon, lat, got, want)
		}
	}
	if _, err := tile.ElevationM(19.9, 10.5); !errors.Is(err, ErrBadPosition) {
		t.Errorf("outside the tile: %v, want ErrBadPosition", err)
	}
}

func TestVoidsFilled(t *testing.T) {
	// A 5 x 5 void in a field of 100 m, and a single void next to a 200 m
	// sample: every void takes values from around it, never -32768.
	b := synthetic(func(r, c int) int16 {
		switch {
		case r >= 100 && r < 105 && c >= 100 && c < 105:
			return Void
		case r == 500 && c == 500:
			return Void
		case r == 500 && c == 501:
			return 200
		}
		return 100
	})
	tile, err := ParseHGT(b, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for r := 100; r < 105; r++ {
		for c := 100; c < 105; c++ {
			if v := tile.Sample(r, c); v != 100 {
				t.Fatalf("void at %d,%d filled with %d, want 100", r, c, v)
			}
		}
	}
	// Neighbours of (500, 500): seven of 100 m and one of 200 m.
	if v, want := tile.Sample(500, 500), int16(math.Round((7*100+200)/8.0)); v != want {
		t.Errorf("single void filled with %d, want %d", v, want)
	}
	allVoid := synthetic(func(int, int) int16 { return Void })
	if _, err := ParseHGT(allVoid, 0, 0); !errors.Is(err, ErrBadTile) {
		t.Errorf("all-void tile: %v, want ErrBadTile", err)
	}
}

func TestBadTiles(t *testing.T) {
	if _, err := ParseHGT(make([]byte, 1000), 44, -72); !errors.Is(err, ErrBadTile) || !strings.Contains(err.Error(), "N44W072.hgt") || !strings.Contains(err.Error(), "1000 bytes") {
		t.Errorf("short tile: %v", err)
	}
	if _, err := ParseHGT(make([]byte, 2*SRTM3*SRTM3), 95, 0); !errors.Is(err, ErrBadTile) {
		t.Errorf("corner out of range: %v", err)
	}
}

func TestMissingTile(t *testing.T) {
	d := openTestdata(t)
	_, err := d.ElevationM(-70.5, 44.5)
	if !errors.Is(err, ErrMissingTile) {
		t.Fatalf("error %v, want ErrMissingTile", err)
	}
	if want := filepath.Join("testdata", "N44W071.hgt"); !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not name %s", err, want)
	}
	for _, p := range [][2]float64{{math.NaN(), 44}, {-72, 91}, {181, 0}} {
		if _, err := d.ElevationM(p[0], p[1]); !errors.Is(err, ErrBadPosition) {
			t.Errorf("ElevationM(%v): %v, want ErrBadPosition", p, err)
		}
	}
	if _, err := Open(filepath.Join(t.TempDir(), "nope"), Options{}); err == nil {
		t.Error("Open of a missing directory succeeded")
	}
	if _, err := Open("testdata", Options{CacheTiles: -1}); !errors.Is(err, ErrBadParameter) || !strings.Contains(err.Error(), "cache_tiles") {
		t.Errorf("negative cache: %v", err)
	}
}

// TestCacheBounded reads four tiles through a cache of two: at most two
// stay in memory, the least recently used goes first, and values stay right.
func TestCacheBounded(t *testing.T) {
	dir := t.TempDir()
	for lon := 0; lon < 4; lon++ {
		b := synthetic(func(int, int) int16 { return int16(100 * (lon + 1)) })
		if err := os.WriteFile(filepath.Join(dir, TileName(0, lon)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d, err := Open(dir, Options{CacheTiles: 2})
	if err != nil {
		t.Fatal(err)
	}
	get := func(lon int) {
		t.Helper()
		z, err := d.ElevationM(float64(lon)+0.5, 0.5)
		if err != nil {
			t.Fatal(err)
		}
		if z != float64(100*(lon+1)) {
			t.Fatalf("tile %d: %v m, want %d", lon, z, 100*(lon+1))
		}
	}
	get(0)
	get(1)
	get(0) // 0 is now the most recent, 1 the least
	get(2) // evicts 1
	if n := d.CachedTiles(); n != 2 {
		t.Errorf("%d tiles cached, want 2", n)
	}
	d.mu.Lock()
	_, has0 := d.tiles[[2]int{0, 0}]
	_, has1 := d.tiles[[2]int{0, 1}]
	d.mu.Unlock()
	if !has0 || has1 {
		t.Errorf("after 0,1,0,2 with room for 2: tile 0 cached %v (want true), tile 1 cached %v (want false)", has0, has1)
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				lon := (g + i) % 4
				z, err := d.ElevationM(float64(lon)+0.25, 0.75)
				if err != nil || z != float64(100*(lon+1)) {
					t.Errorf("concurrent tile %d: %v, %v", lon, z, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := d.CachedTiles(); n > 2 {
		t.Errorf("%d tiles cached, want at most 2", n)
	}
}

func TestProfile(t *testing.T) {
	d := openTestdata(t)
	// From the notch to the summit of Mount Washington.
	lon1, lat1, lon2, lat2 := -71.4087, 44.1960, -71.3033, 44.2706
	p, err := d.Profile(lon1, lat1, lon2, lat2, 101)
	if err != nil {
		t.Fatal(err)
	}
	z1, _ := d.ElevationM(lon1, lat1)
	z2, _ := d.ElevationM(lon2, lat2)
	if math.Abs(p[0]-z1) > 1e-6 || math.Abs(p[100]-z2) > 1e-6 {
		t.Errorf("profile ends %v, %v; want %v, %v", p[0], p[100], z1, z2)
	}
	hi := 0.0
	for _, z := range p {
		hi = math.Max(hi, z)
	}
	if hi < z2-1e-6 {
		t.Errorf("profile max %v below its end %v", hi, z2)
	}
	// The midpoint of a great circle along a meridian is halfway in latitude.
	lon, lat := newGreatCircle(-71.5, 44.1, -71.5, 44.3).at(0.5)
	if math.Abs(lon+71.5) > 1e-9 || math.Abs(lat-44.2) > 1e-9 {
		t.Errorf("meridian midpoint %v, %v", lon, lat)
	}
	if _, err := d.Profile(lon1, lat1, lon2, lat2, 1); !errors.Is(err, ErrBadParameter) {
		t.Errorf("1-point profile: %v", err)
	}
	if _, err := d.Profile(lon1, lat1, -70.5, lat2, 10); !errors.Is(err, ErrMissingTile) {
		t.Errorf("profile into a missing tile: %v", err)
	}
}
