package coverage

import (
	"fmt"
	"testing"
)

func benchPlace(b *testing.B, o PlaceOptions) {
	b.ReportAllocs()
	var n int
	var f float64
	cpu0 := cpuTime()
	for b.Loop() {
		pl, err := Place(o)
		if err != nil {
			b.Fatal(err)
		}
		n, f = len(pl.Disks), pl.Coverage.Fraction
	}
	// CPU time per plan: on a shared machine the wall time above also
	// counts the time other processes held the cores.
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(cpu.Seconds()*1000/float64(b.N), "cpu-ms/op")
	}
	b.ReportMetric(float64(n), "drones")
	b.ReportMetric(f, "coverage")
}

// BenchmarkPlace500km2 is the fewest-drones plan of a 500 km^2 area at
// r = 2 km (about 45 drones).
func BenchmarkPlace500km2(b *testing.B) {
	benchPlace(b, PlaceOptions{Area: blob(500, 1), RadiusM: 2000})
}

// BenchmarkPlace10000km2 is the fewest-drones plan of a 10,000 km^2 area at
// r = 2 km (about 900 drones).
func BenchmarkPlace10000km2(b *testing.B) {
	benchPlace(b, PlaceOptions{Area: blob(10000, 1), RadiusM: 2000})
}

// BenchmarkPlaceStrip is the fewest-drones plan of the 80 km x 3 km strip
// at r = 6 km covered whole (7 drones), the case settle was made for.
func BenchmarkPlaceStrip(b *testing.B) {
	area := loadRegion(b, "../examples/areas/coastal-strip.geojson").Area
	benchPlace(b, PlaceOptions{Area: area, RadiusM: 6000, Target: 1})
}

// BenchmarkSharedAreas plans every sample area at 2 km and 6 km and reports
// the drone count, the best clipped hexagonal lattice (complete, and pruned
// to the same 99% target), and the ratios to them and to the lower bound
// area / (pi r^2). Run:
//
//	go test -run '^$' -bench SharedAreas -benchtime 1x ./coverage
func BenchmarkSharedAreas(b *testing.B) {
	regs := sharedAreas(b)
	for _, name := range []string{"flash-flood-y-valley", "flood-valley", "quake-mountain"} {
		reg := regs[name]
		for _, r := range []float64{2000, 6000} {
			b.Run(fmt.Sprintf("%s/r=%.0fkm", name, r/1000), func(b *testing.B) {
				b.ReportAllocs()
				var pl Placement
				for b.Loop() {
					var err error
					if pl, err = Place(PlaceOptions{Area: reg.Area, RadiusM: r}); err != nil {
						b.Fatal(err)
					}
				}
				l := BestLattice(reg.Area, r, DefaultTarget, nil)
				n := float64(len(pl.Disks))
				b.ReportMetric(n, "drones")
				b.ReportMetric(pl.Coverage.Fraction, "coverage")
				b.ReportMetric(float64(l.Clipped), "lattice")
				b.ReportMetric(float64(l.Drones), "lattice-pruned")
				b.ReportMetric(n/float64(l.Clipped), "ratio-lattice")
				b.ReportMetric(n/float64(l.Drones), "ratio-pruned")
				b.ReportMetric(n/pl.LowerBound, "ratio-lb")
			})
		}
	}
}

// liveStations is a planned layout jittered as if flying.
func liveStations(b *testing.B, n int) (MultiPolygon, []Disk) {
	area := blob(float64(n)*10, 2) // about n cells of 2 km
	pl, err := Place(PlaceOptions{Area: area, RadiusM: 2000, Drones: n})
	if err != nil {
		b.Fatal(err)
	}
	ds := append([]Disk(nil), pl.Disks...)
	for i := range ds {
		ds[i].C.X += float64(i%7) * 30
		ds[i].C.Y -= float64(i%5) * 40
	}
	return area, ds
}

// BenchmarkMeasureLive is the covered fraction of 10, 50 and 200 flying
// stations: what the fleet controller asks every second.
func BenchmarkMeasureLive(b *testing.B) {
	for _, n := range []int{10, 50, 200} {
		area, ds := liveStations(b, n)
		b.Run(fmt.Sprintf("stations=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Measure(area, ds)
			}
		})
	}
}

// BenchmarkUncoveredLive is the uncovered parts as polygons (exact overlay).
func BenchmarkUncoveredLive(b *testing.B) {
	for _, n := range []int{10, 50, 200} {
		area, ds := liveStations(b, n)
		b.Run(fmt.Sprintf("stations=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Uncovered(area, ds); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkReplanLostDrone re-plans 50 planned stations after losing one.
func BenchmarkReplanLostDrone(b *testing.B) {
	area := blob(500, 2)
	pl, err := Place(PlaceOptions{Area: area, RadiusM: 2000, Drones: 50})
	if err != nil {
		b.Fatal(err)
	}
	cur := append(append([]Disk(nil), pl.Disks[:20]...), pl.Disks[21:]...)
	b.ReportAllocs()
	var moves int
	for b.Loop() {
		rp, err := Replan(ReplanOptions{Area: area, Current: cur})
		if err != nil {
			b.Fatal(err)
		}
		moves = len(rp.Moves)
	}
	b.ReportMetric(float64(moves), "moves")
}
