package fleet

import (
	"math"
)

// Climbing on the way out over terrain. A transit over a ridge used to
// climb where the drone was (at its launch, straight up) to a cruise
// altitude over the ridge, and only then fly: a heavy posted 800 m above
// its launch site in Crawford Notch climbed for four and a half minutes
// before it moved. It now flies on while it climbs whenever the way
// there clears the terrain by the drone's clearance however it climbs:
// along the straight line to its target (as ArduPilot's waypoint
// navigation flies it) and along the steepest-then-level path of a
// drone that climbs at its climb rate while flying at its fastest ground
// speed (as the simulator flies it), whichever is lower at each point.
// Otherwise it climbs where it is first, as before.

// slopeClears reports whether d, from lat0, lon0 at a0 metres above its
// home, can fly to lat, lon arriving at a1 (climbing, a1 >= a0) while
// keeping its terrain clearance all the way (see above). False off
// terrain data, with an unknown home, or for a descent (never needed: a
// descent's route is checked level at its lower end).
func (l *loop) slopeClears(d *drone, lat0, lon0, a0, lat, lon, a1 float64) bool {
	if l.cfg.Terrain == nil || a1 < a0 || !(d.profile.ClimbMS > 0) {
		return false
	}
	home, err := l.homeAMSL(d)
	if err != nil {
		return false
	}
	dist := distanceM(lat0, lon0, lat, lon)
	// its fastest over the ground: its cruise speed with the wind and its
	// gusts behind it (ArduPilot holds its ground speed; this is the bound)
	fastest := d.profile.CruiseMS + l.wind.SpeedMS + l.wind.GustMS
	n := min(max(int(math.Ceil(dist/routeStepM)), 1), maxRouteSamples)
	clear := d.profile.Air.TerrainClearanceM
	for i := 0; i <= n; i++ {
		f := float64(i) / float64(n)
		line := a0 + f*(a1-a0)
		path := a0 + math.Min(a1-a0, d.profile.ClimbMS*f*dist/fastest)
		g, err := l.groundM(lat0+f*(lat-lat0), lon0+f*(lon-lon0))
		if err != nil {
			return false
		}
		if math.Min(line, path) < g+clear-home {
			return false
		}
	}
	return true
}

// slopedLaunchAlt is the lowest takeoff altitude above home, from the
// terrain clearance up in steps, from which d can climb on the way to a
// station at lat, lon, alt metres above home (slopeClears from where it
// stands); up when none below it does (up is what a vertical launch
// climbs to).
func (l *loop) slopedLaunchAlt(d *drone, lat, lon, alt, up float64) float64 {
	const step = 25.0
	lo := math.Max(d.profile.Air.TerrainClearanceM, step)
	for h := lo; h < up && h <= alt; h += step {
		// from a little under h: the transit sets off once within 2 m of it
		if l.slopeClears(d, d.tel.Lat, d.tel.Lon, h-5, lat, lon, alt) {
			return h
		}
	}
	return up
}

// terrainFrameNearM: within this of its station a drone is sent there in
// the terrain frame whatever the slopes on the way (stationTerrainAGL).
const terrainFrameNearM = 500

// gentleRoute reports whether, from where d is to lat, lon, the ground
// nowhere rises more steeply than d climbs at its cruise speed (over 90 m,
// SRTM3's spacing): an autopilot following the terrain there keeps its
// speed. Up steeper slopes it slows to climb (Irene's valley sides rise
// 57%), and a level transit at an altitude that clears the route is
// quicker; the station's own height above the ground is then taken in the
// terrain frame near it.
func (l *loop) gentleRoute(d *drone, lat, lon float64) bool {
	if l.cfg.Terrain == nil || !(d.profile.CruiseMS > 0) {
		return false
	}
	const span = 90.0
	dist := distanceM(d.tel.Lat, d.tel.Lon, lat, lon)
	n := min(max(int(math.Ceil(dist/span)), 1), maxRouteSamples)
	maxRise := d.profile.ClimbMS / d.profile.CruiseMS * dist / float64(n) // per sample step
	prev := math.NaN()
	for i := 0; i <= n; i++ {
		f := float64(i) / float64(n)
		g, err := l.groundM(d.tel.Lat+f*(lat-d.tel.Lat), d.tel.Lon+f*(lon-d.tel.Lon))
		if err != nil {
			return false
		}
		if g-prev > maxRise {
			return false
		}
		prev = g
	}
	return true
}
