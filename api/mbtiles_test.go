package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aerocell/aerocell/fleet"
	"github.com/aerocell/aerocell/internal/closetest"
)

// The testdata files were written by Python's sqlite3 module: basemap.mbtiles
// has a tiles table (1 KiB pages, so tiles overflow and the b-tree has
// interior pages); dedup.mbtiles has map and images tables behind a view
// (512-byte pages). Each tile of basemap.mbtiles is wantTile(z, x, y), but
// for 3/7/7, which is missing.

var pngSig = "\x89PNG\r\n\x1a\n"

func wantTile(z, x, y int) []byte {
	return []byte(pngSig + strings.Repeat(fmt.Sprintf("tile %d/%d/%d ", z, x, y), (z*7+x*3+y)%150+1))
}

func TestMBTilesTilesTable(t *testing.T) {
	m, err := openMBTiles("testdata/basemap.mbtiles")
	if err != nil {
		t.Fatal(err)
	}
	closetest.ReleaseAtEnd(t, m)
	if m.maxZoom != 3 || len(m.index) != 84 {
		t.Fatalf("max zoom %d, %d tiles", m.maxZoom, len(m.index))
	}
	for z := 0; z <= 3; z++ {
		for x := 0; x < 1<<z; x++ {
			for y := 0; y < 1<<z; y++ {
				got, ok, err := m.Tile(z, x, y)
				if err != nil {
					t.Fatalf("%d/%d/%d: %v", z, x, y, err)
				}
				if z == 3 && x == 7 && y == 7 {
					if ok {
						t.Fatalf("missing tile 3/7/7 found")
					}
					continue
				}
				if !ok || !bytes.Equal(got, wantTile(z, x, y)) {
					t.Fatalf("%d/%d/%d: %d bytes, want %d", z, x, y, len(got), len(wantTile(z, x, y)))
				}
			}
		}
	}
}

func TestMBTilesMapImages(t *testing.T) {
	m, err := openMBTiles("testdata/dedup.mbtiles")
	if err != nil {
		t.Fatal(err)
	}
	closetest.ReleaseAtEnd(t, m)
	sea := []byte(pngSig + strings.Repeat("sea", 300))
	land := []byte(pngSig + strings.Repeat("land", 10))
	for _, c := range []struct {
		z, x, y int
		want    []byte
	}{{0, 0, 0, sea}, {1, 1, 0, land}, {2, 3, 3, sea}, {2, 1, 2, land}} {
		got, ok, err := m.Tile(c.z, c.x, c.y)
		if err != nil || !ok || !bytes.Equal(got, c.want) {
			t.Errorf("%d/%d/%d: %q %v %v", c.z, c.x, c.y, got, ok, err)
		}
	}
}

func TestMBTilesRoutes(t *testing.T) {
	s, err := New(Config{Addr: "127.0.0.1:0", Tokens: testTokens, Basemap: Basemap{MBTilesPath: "testdata/dedup.mbtiles"}},
		&fakeCtrl{snapshot: func() fleet.Snapshot { return fleet.Snapshot{} }}, nil)
	if err != nil {
		t.Fatal(err)
	}
	closetest.ReleaseAtEnd(t, s)
	rec := call{"GET", "/api/v1/basemap", viewerTok, "", ""}.do(t, s)
	var info BasemapInfo
	if err := json.Unmarshal(rec.Body.Bytes(), &info); err != nil || !info.Enabled || info.MaxZoom != 2 {
		t.Fatalf("basemap info %s", rec.Body)
	}
	rec = call{"GET", "/api/v1/basemap/1/0/1", viewerTok, "", ""}.do(t, s)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "image/png" {
		t.Fatalf("tile: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	for path, want := range map[string]int{
		"/api/v1/basemap/2/0/0": 502, // a vector tile
		"/api/v1/basemap/3/0/0": 400, // deeper than the file
		"/api/v1/basemap/0/1/0": 400, // off the map
	} {
		rec := call{"GET", path, viewerTok, "", ""}.do(t, s)
		if rec.Code != want {
			t.Errorf("%s: %d, want %d (%s)", path, rec.Code, want, rec.Body)
		}
		errorOf(t, rec)
	}
	if _, err := New(Config{Addr: "127.0.0.1:0", Basemap: Basemap{MBTilesPath: "testdata/none.mbtiles"}}, &fakeCtrl{}, nil); !errors.Is(err, ErrConfig) {
		t.Fatalf("missing file: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.mbtiles")
	os.WriteFile(bad, []byte(strings.Repeat("not a database ", 20)), 0o644)
	if _, err := New(Config{Addr: "127.0.0.1:0", Basemap: Basemap{MBTilesPath: bad}}, &fakeCtrl{}, nil); !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "not an SQLite file") {
		t.Fatalf("bad file: %v", err)
	}
}

// FuzzMBTilesCorrupt damages the small MBTiles file: opening it and reading
// every tile must fail cleanly or succeed, never panic or hang.
func FuzzMBTilesCorrupt(f *testing.F) {
	orig, err := os.ReadFile("testdata/dedup.mbtiles")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(uint16(100), byte(0xff), uint16(0))
	f.Add(uint16(1024+8), byte(0x80), uint16(3))
	f.Add(uint16(16), byte(0), uint16(1))
	f.Fuzz(func(t *testing.T, off uint16, val byte, cut uint16) {
		b := bytes.Clone(orig)
		b[int(off)%len(b)] = val
		b = b[:len(b)-int(cut)%len(b)]
		m, err := readMBTiles(bytes.NewReader(b))
		if err != nil {
			return
		}
		for k := range m.index {
			m.Tile(k.z, k.x, k.y)
		}
	})
}

func FuzzRecord(f *testing.F) {
	f.Add([]byte{3, 1, 13, 7, 'a'})
	f.Add([]byte{2, 0x81})
	f.Fuzz(func(t *testing.T, b []byte) {
		record(b)
		varint(b)
	})
}
