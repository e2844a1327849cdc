package dem

import "testing"

// BenchmarkElevationM is one bilinear lookup in a cached tile, the inner
// step of every terrain-aware coverage sweep.
func BenchmarkElevationM(b *testing.B) {
	d := openTestdata(b)
	if _, err := d.ElevationM(-71.4, 44.2); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	lon := -71.4
	for b.Loop() {
		lon += 1e-6
		if lon > -71.3 {
			lon = -71.4
		}
		if _, err := d.ElevationM(lon, 44.2); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseHGT is reading one SRTM3 tile from memory (void-free).
func BenchmarkParseHGT(b *testing.B) {
	buf := synthetic(func(r, c int) int16 { return int16(r + c) })
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseHGT(buf, 44, -72); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHillshade1024 renders the relief of Crawford Notch and its
// margin (0.31 x 0.25 degrees) at 1024 x 837 pixels from the kept tile,
// as the console's hillshade: about 860,000 elevations.
func BenchmarkHillshade1024(b *testing.B) {
	d := openTestdata(b)
	box := Bounds{West: -71.475, South: 44.025, East: -71.17, North: 44.265}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Hillshade(d, box, 1024, 837, 2); err != nil {
			b.Fatal(err)
		}
	}
}
