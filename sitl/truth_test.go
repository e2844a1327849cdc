package sitl

import (
	"math"
	"testing"

	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/fleet"
	"github.com/aerocell/aerocell/sim"
)

// Over terrain the truth sweeps each cell from where the drone truly is,
// at its height above the ground under it: a heavy 120 m over a ridge,
// 800 m above its home in the valley, covers what a station 120 m over
// that ridge covers, not what the flat model gives a cell 800 m up. Its
// footprint is swept again only once it has moved truthMoveM, and a cell
// that is off covers nothing.
func TestTruthOverTerrain(t *testing.T) {
	sc := load(t, "irene-crawford.yaml")
	tr, err := newTruth(sc)
	if err != nil {
		t.Fatal(err)
	}
	const homeLat, homeLon = 44.13, -71.36 // Notchland, on the valley floor
	const lat, lon = 44.16, -71.40         // on the ridge west of the notch
	home, err := sc.terrain.ElevationM(homeLon, homeLat)
	if err != nil {
		t.Fatal(err)
	}
	ground, err := sc.terrain.ElevationM(lon, lat)
	if err != nil {
		t.Fatal(err)
	}
	if ground-home < 300 {
		t.Fatalf("the test wants a ridge: ground %.0f m, home %.0f m", ground, home)
	}
	heavy := func(lat, lon, agl float64, on bool) sim.Snapshot {
		pub := sim.CellStatus{State: sim.CellOff}
		if on {
			pub.State = sim.CellOn
		}
		pub.Network = sim.Public
		d := sim.State{SysID: 7, Profile: "heavy-multirotor", Armed: true, Lat: lat, Lon: lon,
			AltMSL: ground + agl, AltRel: ground + agl - home, Cells: []sim.CellStatus{pub}}
		return sim.Snapshot{Drones: map[uint8]sim.State{7: d}}
	}
	got, err := tr.measure(heavy(lat, lon, 120, true))
	if err != nil {
		t.Fatal(err)
	}
	// Independently: the footprint of a station 120 m above that ground.
	prof := fleet.ProfilesOf(sc.Table())["heavy-multirotor"]
	env, err := coverage.EnvironmentByName(sc.Environment)
	if err != nil {
		t.Fatal(err)
	}
	f, err := tr.region.StationFootprint(sc.terrain, prof.Radio, env, coverage.Public, coverage.LonLat{Lon: lon, Lat: lat}, 120, truthStepM)
	if err != nil {
		t.Fatal(err)
	}
	want, err := coverage.MeasureFootprints(tr.region.Area, []*coverage.Footprint{f}, truthStepM)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got[fleet.Public]-want.Fraction) > 1e-9 || !(want.Fraction > 0) {
		t.Fatalf("public over terrain %.4f, want the footprint's %.4f", got[fleet.Public], want.Fraction)
	}
	flat := &truth{region: tr.region, radii: tr.radii}
	flatGot, err := flat.measure(heavy(lat, lon, 120, true))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("120 m over the ridge, %.0f m above home: over terrain %.3f, the flat model from home %.3f", ground+120-home, got[fleet.Public], flatGot[fleet.Public])
	if math.Abs(flatGot[fleet.Public]-got[fleet.Public]) < 0.01 {
		t.Errorf("over terrain %.3f is the flat figure %.3f", got[fleet.Public], flatGot[fleet.Public])
	}

	swept := tr.swept[7].fps[fleet.Public]
	nlat, nlon := coverage.Offset(lat, lon, 30, 0)
	if _, err := tr.measure(heavy(nlat, nlon, 120, true)); err != nil {
		t.Fatal(err)
	}
	if tr.swept[7].fps[fleet.Public] != swept {
		t.Error("swept again after moving 30 m")
	}
	nlat, nlon = coverage.Offset(lat, lon, 2*truthMoveM, 0)
	if _, err := tr.measure(heavy(nlat, nlon, 120, true)); err != nil {
		t.Fatal(err)
	}
	if tr.swept[7].fps[fleet.Public] == swept {
		t.Errorf("not swept again after moving %d m", 2*truthMoveM)
	}
	off, err := tr.measure(heavy(lat, lon, 120, false))
	if err != nil {
		t.Fatal(err)
	}
	if off[fleet.Public] != 0 {
		t.Errorf("a cell that is off covers %.3f", off[fleet.Public])
	}
}
