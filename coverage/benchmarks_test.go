package coverage

import (
	"testing"
)

func benchPlace(b *testing.B, areaKm2, r float64) {
	area := blob(areaKm2, 1)
	b.ReportAllocs()
	var n int
	var f float64
	for b.Loop() {
		pl, err := Place(PlaceOptions{Area: area, RadiusM: r})
		if err != nil {
			b.Fatal(err)
		}
		n, f = len(pl.Disks), pl.Coverage.Fraction
	}
	b.ReportMetric(float64(n), "drones")
	b.ReportMetric(f, "coverage")
}

// BenchmarkPlace500km2 is the fewest-drones plan of a 500 km^2 area at
// r = 2 km (about 45 drones).
func BenchmarkPlace500km2(b *testing.B) { benchPlace(b, 500, 2000) }

// BenchmarkPlace10000km2 is the fewest-drones plan of a 10,000 km^2 area at
// r = 2 km (about 900 drones).
func BenchmarkPlace10000km2(b *testing.B) { benchPlace(b, 10000, 2000) }
