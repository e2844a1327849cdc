package fleet

import (
	"math"
	"testing"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/aerocell/aerocell/clock"
	"github.com/aerocell/aerocell/mavlink"
	"github.com/aerocell/aerocell/sim"
)

// Climbing on the way out, worked on the wall (400 m high between
// longitudes 10.010 and 10.011, flat ground at 100 m, home at 10.000): a
// heavy sent to a post at 400 m above home beyond the wall (10.030) takes
// off only as high as it must to clear the wall on the way, by the
// straight line and by the simulator's climb-while-flying path alike, and
// flies on climbing; a post too low to clear the wall still has it climb
// first, and flat earth changes nothing.
func TestSlopeOnAWall(t *testing.T) {
	p := BuiltinProfiles()[sim.ProfileHeavy]
	l := &loop{cfg: &Config{Terrain: wall{lonW: 10.010, lonE: 10.011, height: 400}}}
	d := &drone{id: 1, profile: p, rec: &droneRecord{}}
	d.tel.Lat, d.tel.Lon, d.tel.AltMSL = 45, 10, 100 // on the ground at home
	const post = 400.0
	up := l.launchAlt(d, 45, 10.03, post)
	if up >= post || up < p.Air.TerrainClearanceM {
		t.Fatalf("takeoff to %.0f m for a post at %.0f m", up, post)
	}
	// Independently: from up-5, at the wall's near edge both the line and
	// the climbing path are above the wall plus the clearance; 25 m lower
	// they are not.
	dist := distanceM(45, 10, 45, 10.03)
	f := 0.010 / 0.030
	need := 400 + p.Air.TerrainClearanceM - 100
	clears := func(h float64) bool {
		line := h + f*(post-h)
		path := h + math.Min(post-h, p.ClimbMS*f*dist/p.CruiseMS)
		return math.Min(line, path) >= need
	}
	if !clears(up-5) || clears(up-5-25) {
		t.Errorf("takeoff to %.0f m: clears from %.0f m %v, from %.0f m %v", up, up-5, clears(up-5), up-30, clears(up-30))
	}
	t.Logf("a post at %.0f m beyond a wall needing %.0f m: takeoff to %.0f m, then on climbing", post, need, up)

	// In the air at that height: straight there, climbing.
	d.tel.Armed, d.tel.LandedState = true, common.MAV_LANDED_STATE_IN_AIR
	d.tel.HomeSet, d.tel.HomeLat, d.tel.HomeLon, d.tel.HomeAlt = true, 45, 10, 100
	d.tel.AltRel, d.tel.AltMSL = up-1, 100+up-1
	if tg, err := l.transitTarget(d, 45, 10.03, post); err != nil || tg != [3]float64{45, 10.03, post} {
		t.Fatalf("on its way from %.0f m: %v %v", up-1, tg, err)
	}
	// Too low a post: no line to it clears the wall; climb first.
	d.tel.AltRel, d.tel.AltMSL, d.climbAt, d.cruiseAlt = 60, 160, nil, 0
	if tg, err := l.transitTarget(d, 45, 10.03, 80); err != nil || tg != [3]float64{45, 10, 340} {
		t.Fatalf("a post at 80 m beyond the wall: %v %v", tg, err)
	}
	ground := &drone{id: 2, profile: p, rec: &droneRecord{}}
	ground.tel.Lat, ground.tel.Lon, ground.tel.AltMSL = 45, 10, 100
	if got := l.launchAlt(ground, 45, 10.03, 80); got != 340 {
		t.Errorf("takeoff for a post at 80 m beyond the wall: %.0f m, want 340", got)
	}
	flat := &loop{cfg: &Config{}}
	if got := flat.launchAlt(ground, 45, 10.03, post); got != post {
		t.Errorf("flat earth: takeoff to %.0f m, want the post's %.0f", got, post)
	}
}

// Over a route steeper than the drone climbs at its cruise speed (the
// wall) a station goes in the terrain frame only within
// terrainFrameNearM of it: far off, the level transit relative to home is
// quicker than following the ground up the wall.
func TestTerrainFrameOnlyNearOverSteepRoutes(t *testing.T) {
	clk := clock.NewManual(epoch)
	l := &loop{cfg: &Config{Terrain: wall{lonW: 10.010, lonE: 10.011, height: 400}, MAVLink: terrainFake{newFakeRadio(0, 45, 10, 1)}}, clk: clk}
	d := &drone{id: 1, profile: BuiltinProfiles()[sim.ProfileHeavy], rec: &droneRecord{}}
	d.tel.HomeSet, d.tel.HomeLat, d.tel.HomeLon, d.tel.HomeAlt = true, 45, 10, 100
	d.tel.Armed, d.tel.LandedState = true, common.MAV_LANDED_STATE_IN_AIR
	d.tel.Terrain = mavlink.TerrainReport{Set: true, Spacing: 100, Loaded: 56}
	st := &Station{Lat: 45, Lon: 10.02, AltM: 100}
	at := func(lon, altRel float64) float64 {
		d.tel.Lat, d.tel.Lon, d.tel.AltRel, d.tel.AltMSL = 45, lon, altRel, 100+altRel
		alt := l.targetAlt(d, st)
		return l.stationTerrainAGL(d, st, [3]float64{st.Lat, st.Lon, alt}, alt)
	}
	if got := at(10, 340); !math.IsNaN(got) {
		t.Errorf("across the wall, 1.6 km off: terrain frame at %v m", got)
	}
	if got := at(10.016, 100); got != 100 {
		t.Errorf("past the wall, 310 m off: %v, want the terrain frame at 100 m", got)
	}
	flat := &loop{cfg: &Config{Terrain: wall{lonW: 11, lonE: 11, height: 100}, MAVLink: l.cfg.MAVLink}, clk: clk}
	d.tel.Lat, d.tel.Lon, d.tel.AltRel, d.tel.AltMSL = 45, 10, 100, 200
	alt := flat.targetAlt(d, st)
	if got := flat.stationTerrainAGL(d, st, [3]float64{st.Lat, st.Lon, alt}, alt); got != 100 {
		t.Errorf("over flat ground, 1.6 km off: %v, want the terrain frame at 100 m", got)
	}
}
