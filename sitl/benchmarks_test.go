package sitl

import (
	"testing"

	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/sim"
)

// BenchmarkUpperBound is a scenario's bound: quake-mixed's (placement of
// two fixed-wing cells around three tethered disks, per network) and
// Irene's over the White Mountains tile (the flat bound, then the terrain
// placer per network).
func BenchmarkUpperBound(b *testing.B) {
	for _, name := range []string{"quake-mixed", "irene-crawford"} {
		b.Run(name, func(b *testing.B) {
			sc, err := LoadScenario("../examples/sitl/" + name + ".yaml")
			if err != nil {
				b.Fatal(err)
			}
			tr, err := newTruth(sc)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := UpperBound(sc, tr.radii); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkTruthOverTerrain is one sample of the truth over terrain with
// four heavies and two tethered drones on, over Crawford Notch: "held"
// with every drone where its footprints were swept (the cache), "moving"
// with each drone 60 m on since the last sample (all swept again).
func BenchmarkTruthOverTerrain(b *testing.B) {
	sc, err := LoadScenario("../examples/sitl/irene-crawford.yaml")
	if err != nil {
		b.Fatal(err)
	}
	snap := func(shiftM float64) sim.Snapshot {
		s := sim.Snapshot{Drones: map[uint8]sim.State{}}
		for i, p := range []struct {
			profile  string
			lat, lon float64
			agl      float64
		}{
			{"heavy-multirotor", 44.16, -71.40, 120}, {"heavy-multirotor", 44.12, -71.30, 150},
			{"heavy-multirotor", 44.20, -71.42, 200}, {"heavy-multirotor", 44.10, -71.34, 100},
			{"tethered-multirotor", 44.18, -71.40, 100}, {"tethered-multirotor", 44.13, -71.36, 100},
		} {
			lat, lon := coverage.Offset(p.lat, p.lon, shiftM, 0)
			g, _ := sc.terrain.ElevationM(lon, lat)
			var cells []sim.CellStatus
			for _, n := range []sim.Network{sim.Public, sim.Private} {
				c := sim.CellStatus{State: sim.CellOn}
				c.Network = n
				cells = append(cells, c)
			}
			s.Drones[uint8(i+1)] = sim.State{SysID: uint8(i + 1), Profile: p.profile, Armed: true, Lat: lat, Lon: lon,
				AltMSL: g + p.agl, AltRel: p.agl, Cells: cells}
		}
		return s
	}
	for _, c := range []struct {
		name string
		step float64
	}{{"held", 0}, {"moving", 60}} {
		b.Run(c.name, func(b *testing.B) {
			tr, err := newTruth(sc)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				if _, err := tr.measure(snap(float64(i%50) * c.step)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
