package dem

import (
	"errors"
	"testing"
)

// FuzzParseHGT feeds the parser raw files (almost always refused by size)
// and full SRTM3 tiles made by repeating the fuzzer's bytes, which puts
// voids and extreme values anywhere. A parsed tile must have no void left,
// and every interpolated value must lie within the tile's range.
func FuzzParseHGT(f *testing.F) {
	f.Add([]byte{0x80, 0x00}, true)             // all void
	f.Add([]byte{0x01, 0x00, 0x80, 0x00}, true) // every other sample void
	f.Add([]byte{0x7f, 0xff, 0x80, 0x01}, true) // extremes
	f.Add([]byte{0x00, 0x64, 0x00, 0x65, 0x80}, true)
	f.Add([]byte("N44W072"), false)
	f.Fuzz(func(t *testing.T, seed []byte, tile bool) {
		b := seed
		if tile {
			if len(seed) == 0 {
				return
			}
			b = make([]byte, 2*SRTM3*SRTM3)
			for i := range b {
				b[i] = seed[i%len(seed)]
			}
		}
		tl, err := ParseHGT(b, 44, -72)
		if err != nil {
			if !errors.Is(err, ErrBadTile) {
				t.Fatalf("error %v does not wrap ErrBadTile", err)
			}
			return
		}
		lo, hi := int16(32767), int16(-32768)
		for _, v := range tl.data {
			if v == Void {
				t.Fatal("void left after filling")
			}
			lo, hi = min(lo, v), max(hi, v)
		}
		for _, p := range [][2]float64{{-72, 44}, {-71, 45}, {-71.5, 44.5}, {-71.0001, 44.0001}} {
			z, err := tl.ElevationM(p[0], p[1])
			if err != nil || z < float64(lo)-1e-9 || z > float64(hi)+1e-9 {
				t.Fatalf("ElevationM(%v) = %v, %v outside [%d, %d]", p, z, err, lo, hi)
			}
		}
	})
}

// FuzzParseTileName checks that any name either parses to a corner whose
// name parses back to it, or is refused with ErrBadTileName.
func FuzzParseTileName(f *testing.F) {
	for _, s := range []string{"N44W072.hgt", "s33e151.HGT", "N4-W072.hgt", "", "N44W072.hgx"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		lat, lon, err := ParseTileName(name)
		if err != nil {
			if !errors.Is(err, ErrBadTileName) {
				t.Fatalf("error %v does not wrap ErrBadTileName", err)
			}
			return
		}
		la, lo, err := ParseTileName(TileName(lat, lon))
		if err != nil || la != lat || lo != lon {
			t.Fatalf("%q -> %d, %d -> %q -> %d, %d, %v", name, lat, lon, TileName(lat, lon), la, lo, err)
		}
	})
}
