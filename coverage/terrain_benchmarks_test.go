package coverage

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/aerocell/aerocell/dem"
)

// whiteMountainsDEM is the SRTM3 tile of the White Mountains kept by dem.
func whiteMountainsDEM(b *testing.B) *dem.Dir {
	d, err := dem.Open("../dem/testdata", dem.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// reportCPU adds the CPU time per operation: on a shared machine the
// wall time also counts the time other processes held the cores.
func reportCPU(b *testing.B, cpu0 time.Duration) {
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(cpu.Seconds()*1000/float64(b.N), "cpu-ms/op")
	}
}

// BenchmarkTerrainFootprint6km is one station's terrain-aware coverage out
// to 6 km at SRTM1 resolution (30 m: about 125,000 cells of 30 m x 30 m,
// swept as 1,257 radials of 200 samples), from 120 m over Crawford Notch.
func BenchmarkTerrainFootprint6km(b *testing.B) {
	d := whiteMountainsDEM(b)
	c := LonLat{Lon: -71.4087, Lat: 44.1960}
	pr, _ := NewProjection(c)
	m, _ := NewModel(Environments()[1], 700)
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		if _, err := m.TerrainFootprint(d, pr, Point{}, 120, 130, 6000, 30); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu0)
}

// BenchmarkTerrainPlan50 evaluates a plan of 50 stations (6 km cells, 120 m
// above the ground) over a 2,000 km^2 square of the White Mountains at
// SRTM3 resolution: 50 sweeps at 90 m, then the union measured on a 90 m
// grid (247,000 cells).
func BenchmarkTerrainPlan50(b *testing.B) {
	d := whiteMountainsDEM(b)
	pr, _ := NewProjection(LonLat{Lon: -71.45, Lat: 44.45})
	half := math.Sqrt(2000e6) / 2
	area := MultiPolygon{{{{X: -half, Y: -half}, {X: half, Y: -half}, {X: half, Y: half}, {X: -half, Y: half}, {X: -half, Y: -half}}}}
	var centres []Point
	for i := 0; i < 50; i++ {
		// A 7 x 7 lattice and one more in the middle of a gap.
		x, y := float64(i%7), float64(i/7)
		if i == 49 {
			x, y = 2.5, 2.5
		}
		centres = append(centres, Point{X: -half + (x+0.5)*2*half/7, Y: -half + (y+0.5)*2*half/7})
	}
	m, _ := NewModel(Environments()[1], 700)
	b.ReportAllocs()
	var frac float64
	cpu0 := cpuTime()
	for b.Loop() {
		fps := make([]*Footprint, len(centres))
		for i, c := range centres {
			f, err := m.TerrainFootprint(d, pr, c, 120, 130, 6000, 90)
			if err != nil {
				b.Fatal(err)
			}
			fps[i] = f
		}
		ms, err := MeasureFootprints(area, fps, 90)
		if err != nil {
			b.Fatal(err)
		}
		frac = ms.Fraction
	}
	reportCPU(b, cpu0)
	b.ReportMetric(frac, "covered")
}

// BenchmarkPlanTerrain10 places ten heavy multirotors over the 150 km^2 of
// Crawford Notch on the SRTM3 tile: every candidate's footprint swept at
// 60 m and rasterised, then the greedy picks and exchanges, then the plan
// evaluated (reusing the picks' footprints).
func BenchmarkPlanTerrain10(b *testing.B) {
	d := whiteMountainsDEM(b)
	reg := loadRegion(b, "testdata/terrain/crawford-notch.geojson")
	prof, _ := ProfileByName(ProfileHeavy)
	req := Request{Profile: prof, Drones: 10, Seed: 1}
	b.ReportAllocs()
	var frac float64
	cpu0 := cpuTime()
	for b.Loop() {
		p, err := reg.PlanTerrain(context.Background(), d, req, 0)
		if err != nil {
			b.Fatal(err)
		}
		frac = p.Coverage
	}
	reportCPU(b, cpu0)
	b.ReportMetric(frac, "covered")
}
