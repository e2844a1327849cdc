package fleet

import (
	"math"
	"testing"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/aerocell/aerocell/sim"
)

// Over terrain a healthy heavy far above its home flies home descending to
// the lowest altitude that clears the ridge on the way, and lands from
// there: the time home overlaps the descent with the flight. Worked on a
// wall of 400 m between the drone and its home at 100 m (floor: 400 + 30
// clearance - 100 = 330 m above home).
func TestTimeHomeDescendingOverTerrain(t *testing.T) {
	p := BuiltinProfiles()[sim.ProfileHeavy]
	terrain := &loop{cfg: &Config{Terrain: wall{lonW: 10.010, lonE: 10.011, height: 400}}}
	flat := &loop{cfg: &Config{}}
	at := func(prof Profile, lon, altRel float64) *drone {
		d := &drone{id: 1, profile: prof, rec: &droneRecord{}}
		d.tel.HomeLat, d.tel.HomeLon, d.tel.HomeAlt, d.tel.HomeSet = 45, 10, 100, true
		d.tel.Lat, d.tel.Lon, d.tel.AltRel, d.tel.AltMSL = 45, lon, altRel, 100+altRel
		d.tel.Armed, d.tel.LandedState = true, common.MAV_LANDED_STATE_IN_AIR
		return d
	}
	d := at(p, 10.02, 600)
	transit := flat.transit(d, 45, 10.02, 45, 10).Seconds()
	if floor, ok := terrain.homewardFloor(d, 45, 10.02); !ok || floor != 330 {
		t.Fatalf("floor %v %v, want 330 m", floor, ok)
	}
	want := math.Max(transit, (600-330)/p.DescentMS) + 330/p.DescentMS
	if got := terrain.timeHome(d).Seconds(); math.Abs(got-want) > 1 {
		t.Errorf("over terrain: %.0f s home, want %.0f (the %.0f s flight overlapping the descent to 330 m)", got, want, transit)
	}
	serial := transit + 600/p.DescentMS
	if got := flat.timeHome(d).Seconds(); math.Abs(got-serial) > 1 {
		t.Errorf("flat: %.0f s home, want %.0f", got, serial)
	}
	// Not so: near home, below the floor, a fixed wing, a tethered drone, a
	// failing one.
	if _, ok := terrain.homewardFloor(at(p, 10.002, 600), 45, 10.002); ok {
		t.Error("a floor 160 m from home")
	}
	low := at(p, 10.02, 300)
	if got, want := terrain.timeHome(low).Seconds(), transit+300/p.DescentMS; math.Abs(got-want) > 1 {
		t.Errorf("below the floor: %.0f s home, want %.0f", got, want)
	}
	for name, prof := range map[string]Profile{"fixed wing": BuiltinProfiles()[sim.ProfileFixedWing], "tethered": BuiltinProfiles()[sim.ProfileTethered]} {
		if _, ok := terrain.homewardFloor(at(prof, 10.02, 600), 45, 10.02); ok {
			t.Errorf("%s: a floor", name)
		}
	}
	failing := at(p, 10.02, 600)
	failing.rec.Failed = "motor"
	if _, ok := terrain.homewardFloor(failing, 45, 10.02); ok {
		t.Error("a failing drone: a floor")
	}
}
