package fleet

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/aerocell/aerocell/mavlink"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// Flight over terrain (Config.Terrain). A station's AltM is its height above
// the ground under it. A drone whose autopilot holds terrain data where it
// is (its TERRAIN_REPORT: terrain under it, no block pending) is sent its
// station in the terrain frame (MAV_FRAME_GLOBAL_TERRAIN_ALT_INT, AltM
// itself), so that its autopilot holds that height over the ground on the
// way and on station (stationTerrainAGL). Otherwise, and for every other
// order, altitudes go relative to its home (ArduPilot's GUIDED frame,
// MAV_FRAME_GLOBAL_RELATIVE_ALT): the station's ground plus AltM minus the
// home's altitude, the home as the drone reports it in HOME_POSITION. Every
// route is sampled over the DEM for the airframe's terrain clearance: a
// transit climbs over a ridge in the way first, within its ceiling, and an
// order below the clearance is refused. A crash the autopilot reports
// fails the drone.

// routeStepM is the spacing of the ground samples along a route: finer than
// an SRTM1 cell (30 m), so no ridge between two samples is missed by more
// than the DEM itself would.
const routeStepM = 25

// maxRouteSamples bounds the work of one route check (a 100 km route).
const maxRouteSamples = 4000

// cruiseMarginM is added above what a route needs when a transit climbs
// over a ridge, so that the cruise altitude is not re-ordered for every
// metre the need changes on the way.
const cruiseMarginM = 10

// groundM is the ground's height above mean sea level at lat, lon.
func (l *loop) groundM(lat, lon float64) (float64, error) {
	h, err := l.cfg.Terrain.ElevationM(lon, lat)
	if err != nil || math.IsNaN(h) {
		return 0, fmt.Errorf("%w: no terrain at %.5f,%.5f: %v", ErrLimit, lat, lon, err)
	}
	return h, nil
}

// homeAMSL is the altitude d's relative altitudes are measured from: on
// the ground, where it stands (ArduPilot sets home where it arms); in the
// air, the home it reported. Never guessed: unknown is an error.
func (l *loop) homeAMSL(d *drone) (float64, error) {
	switch {
	case !d.airborne() && (d.tel.Lat != 0 || d.tel.Lon != 0):
		return d.tel.AltMSL, nil
	case d.airborne() && d.tel.HomeSet:
		return d.tel.HomeAlt, nil
	}
	return 0, fmt.Errorf("%w: drone %d's home altitude is unknown (no HOME_POSITION): no altitude over terrain without it", ErrLimit, d.id)
}

// relAlt is the altitude relative to d's home of a point agl metres above
// the ground at lat, lon: agl itself without terrain, NaN when the ground
// or the home is unknown.
func (l *loop) relAlt(d *drone, lat, lon, agl float64) float64 {
	if l.cfg.Terrain == nil {
		return agl
	}
	g, err := l.groundM(lat, lon)
	if err != nil {
		return math.NaN()
	}
	home, err := l.homeAMSL(d)
	if err != nil {
		return math.NaN()
	}
	return g + agl - home
}

// heightAGL is d's height above the ground under it (above home without
// terrain).
func (l *loop) heightAGL(d *drone) float64 {
	if l.cfg.Terrain == nil {
		return d.tel.AltRel
	}
	g, err := l.groundM(d.tel.Lat, d.tel.Lon)
	if err != nil {
		return d.tel.AltRel
	}
	return d.tel.AltMSL - g
}

// ridge is the point of a route that asks the most altitude of a drone.
type ridge struct {
	Lat, Lon float64
	GroundM  float64 // above mean sea level
}

func (r ridge) String() string {
	return fmt.Sprintf("%.5f,%.5f (ground %.0f m above sea level)", r.Lat, r.Lon, r.GroundM)
}

// routeNeed is the lowest altitude relative to d's home that keeps d's
// terrain clearance over the ground of the straight route from where it is
// to lat, lon, both ends included, and the point that sets it.
func (l *loop) routeNeed(d *drone, lat, lon float64) (float64, ridge, error) {
	lat0, lon0 := d.tel.Lat, d.tel.Lon
	if lat0 == 0 && lon0 == 0 {
		lat0, lon0 = lat, lon
	}
	return l.routeNeedFrom(d, lat0, lon0, lat, lon)
}

// routeNeedFrom is routeNeed for d flying from lat0, lon0.
func (l *loop) routeNeedFrom(d *drone, lat0, lon0, lat, lon float64) (float64, ridge, error) {
	home, err := l.homeAMSL(d)
	if err != nil {
		return 0, ridge{}, err
	}
	n := int(math.Ceil(distanceM(lat0, lon0, lat, lon) / routeStepM))
	n = min(max(n, 1), maxRouteSamples)
	var top ridge
	top.GroundM = math.Inf(-1)
	for i := 0; i <= n; i++ {
		f := float64(i) / float64(n)
		plat, plon := lat0+f*(lat-lat0), lon0+f*(lon-lon0)
		g, err := l.groundM(plat, plon)
		if err != nil {
			return 0, ridge{}, err
		}
		if g > top.GroundM {
			top = ridge{plat, plon, g}
		}
	}
	return top.GroundM + d.profile.Air.TerrainClearanceM - home, top, nil
}

// checkTerrain refuses a target alt metres above d's home at lat, lon that
// is less than clear metres (d's terrain clearance, or a job's height:
// what says which) above the ground there, or whose route has a ridge d
// cannot climb over within its ceiling.
func (l *loop) checkTerrain(d *drone, lat, lon, alt, clear float64, what string) error {
	home, err := l.homeAMSL(d)
	if err != nil {
		return err
	}
	g, err := l.groundM(lat, lon)
	if err != nil {
		return err
	}
	if agl := home + alt - g; agl < clear {
		return fmt.Errorf("%w: %.0f m above home is %.0f m above the ground at %.5f,%.5f, below drone %d's %s of %.0f m",
			ErrLimit, alt, agl, lat, lon, d.id, what, clear)
	}
	need, top, err := l.routeNeed(d, lat, lon)
	if err != nil {
		return err
	}
	if need > d.profile.CeilingM {
		return fmt.Errorf("%w: the ridge at %s needs %.0f m above home to clear by %.0f m, above drone %d's ceiling of %.0f m",
			ErrLimit, top, need, d.profile.Air.TerrainClearanceM, d.id, d.profile.CeilingM)
	}
	return nil
}

// checkRoute refuses an order to fly straight to lat, lon at alt metres
// above home that would pass a ridge below d's terrain clearance: a
// commander's order is flown as given, with no climb of ours.
func (l *loop) checkRoute(d *drone, lat, lon, alt float64) error {
	if l.cfg.Terrain == nil {
		return nil
	}
	need, top, err := l.routeNeed(d, lat, lon)
	if err != nil {
		return err
	}
	if alt < need {
		home, _ := l.homeAMSL(d)
		over := fmt.Sprintf("only %.0f m above it", home+alt-top.GroundM)
		if home+alt < top.GroundM {
			over = fmt.Sprintf("%.0f m below its top", top.GroundM-home-alt)
		}
		return fmt.Errorf("%w: the ridge at %s is in the way: at %.0f m above home drone %d would fly %s, within its terrain clearance of %.0f m (fly at %.0f m or more)",
			ErrLimit, top, alt, d.id, over, d.profile.Air.TerrainClearanceM, math.Ceil(need))
	}
	return nil
}

// transitTarget is where d is sent on its way to lat, lon at alt metres
// above home: straight there when the route clears the terrain at alt;
// otherwise first up where it is to a cruise altitude that clears the
// ridge, then there at that altitude, and down to alt once past the
// ridge (the route from where it then is clears at alt).
func (l *loop) transitTarget(d *drone, lat, lon, alt float64) ([3]float64, error) {
	if l.cfg.Terrain == nil || !d.airborne() {
		d.cruiseAlt, d.climbAt = 0, nil
		return [3]float64{lat, lon, alt}, nil
	}
	need, top, err := l.routeNeed(d, lat, lon)
	if err != nil {
		return [3]float64{}, err
	}
	if need <= alt || (d.climbAt == nil && l.slopeClears(d, d.tel.Lat, d.tel.Lon, d.tel.AltRel, lat, lon, alt)) {
		// clear at alt, or climbing on the way there (slope.go)
		d.cruiseAlt, d.climbAt = 0, nil
		return [3]float64{lat, lon, alt}, nil
	}
	if need > d.cruiseAlt {
		d.cruiseAlt = math.Ceil((need+cruiseMarginM)/cruiseMarginM) * cruiseMarginM
		if d.cruiseAlt > d.profile.CeilingM {
			d.cruiseAlt = need
		}
	}
	if d.cruiseAlt > d.profile.CeilingM {
		return [3]float64{}, fmt.Errorf("%w: the ridge at %s needs %.0f m above home, above drone %d's ceiling of %.0f m",
			ErrLimit, top, need, d.id, d.profile.CeilingM)
	}
	if d.tel.AltRel < need-1 {
		// below what the route needs: climb where it is first
		if d.climbAt == nil {
			d.climbAt = &[2]float64{d.tel.Lat, d.tel.Lon}
		}
		return [3]float64{d.climbAt[0], d.climbAt[1], d.cruiseAlt}, nil
	}
	return [3]float64{lat, lon, d.cruiseAlt}, nil
}

// launchAlt is the takeoff altitude for a station alt metres above home at
// lat, lon: over terrain, high enough for the route there too.
func (l *loop) launchAlt(d *drone, lat, lon, alt float64) float64 {
	if l.cfg.Terrain == nil {
		return alt
	}
	up := alt
	if need, _, err := l.routeNeed(d, lat, lon); err == nil && need > alt {
		up = math.Min(math.Ceil((need+cruiseMarginM)/cruiseMarginM)*cruiseMarginM, d.profile.CeilingM)
	}
	// lower, when it can climb on the way (slope.go)
	return l.slopedLaunchAlt(d, lat, lon, alt, up)
}

// climbForHome sends d, over terrain, up where it is before its RTL when
// the RTL's altitude (its own, or RTL_ALT above home if higher) would not
// clear the route home; it reports whether it did (or must wait). A ridge
// above the ceiling, or a climb that does not get there in time, is left
// to the RTL: nothing better can be ordered.
func (l *loop) climbForHome(d *drone) bool {
	target, ok := l.homeClimb(d)
	if !ok {
		return false
	}
	if d.gotoTarget == target && !d.gotoAt.IsZero() {
		// climbing, unless for twice as long as a climb from home takes
		return l.clk.Since(d.gotoAt) < time.Minute+time.Duration(2*target[2]/d.profile.ClimbMS*float64(time.Second))
	}
	l.goToOp(d, "climb over the ridge on the way home", target, math.NaN())
	return true
}

// homeClimb is where d climbs before its RTL (see climbForHome); false
// when it need not, or cannot.
func (l *loop) homeClimb(d *drone) ([3]float64, bool) {
	if l.cfg.Terrain == nil || !d.tel.HomeSet || !d.airborne() {
		return [3]float64{}, false
	}
	need, _, err := l.routeNeed(d, d.tel.HomeLat, d.tel.HomeLon)
	if err != nil || need <= math.Max(d.tel.AltRel, d.profile.Air.RTLAlt) || need > d.profile.CeilingM {
		d.climbAt = nil
		return [3]float64{}, false
	}
	alt := math.Min(math.Ceil((need+cruiseMarginM)/cruiseMarginM)*cruiseMarginM, d.profile.CeilingM)
	if d.climbAt == nil || d.cruiseAlt != 0 { // not a transit's climb point
		d.climbAt, d.cruiseAlt = &[2]float64{d.tel.Lat, d.tel.Lon}, 0
	}
	return [3]float64{d.climbAt[0], d.climbAt[1], alt}, true
}

// noticeCrash sees a crash in what the link reports of d: a "Crash"
// STATUSTEXT (ArduPilot's crash check, seen in linkEvent), an emergency
// heartbeat of a disarmed drone (also one heard first so, after a restart:
// it is never launched again), or over terrain a disarm while in the air
// more than 10 m above the ground. The drone is failed in health.
func (l *loop) noticeCrash(d *drone, prev, now mavlink.Telemetry) {
	switch {
	case d.crash != "" || d.rec == nil || d.rec.Failed != "":
	case now.SystemStatus == common.MAV_STATE_EMERGENCY && !now.Armed:
		d.crash = "disarmed in an emergency"
	case prev.Armed && !now.Armed && prev.LandedState == common.MAV_LANDED_STATE_IN_AIR && l.heightAGL(&drone{tel: prev}) > 10 && l.cfg.Terrain != nil:
		d.crash = fmt.Sprintf("disarmed %.0f m above the ground", l.heightAGL(&drone{tel: prev}))
	}
}

// crashText reports whether a STATUSTEXT says the autopilot crashed.
func crashText(s string) bool { return strings.HasPrefix(s, "Crash") }

// failCrashed takes a crashed drone out of service: drone.crashed, and its
// station released for another drone.
func (l *loop) failCrashed(d *drone) {
	r := d.rec
	why := d.crash
	d.crash = ""
	if r.Failed != "" {
		return
	}
	l.failDrone(d, "crashed: "+why, EventDroneCrashed, fmt.Sprintf("drone %d crashed at %.5f,%.5f: %s", d.id, d.tel.Lat, d.tel.Lon, why))
}

// terrainFrameLink is what a link offers to fly a station in the terrain
// frame; *mavlink.Station is one. Over a link without it (a test's radio)
// every order goes relative to home.
type terrainFrameLink interface {
	// GoToTerrain is GoTo at aboveGround metres above the terrain
	// (MAV_FRAME_GLOBAL_TERRAIN_ALT_INT).
	GoToTerrain(ctx context.Context, id mavlink.VehicleID, lat, lon, aboveGround float64) error
}

var _ terrainFrameLink = (*mavlink.Station)(nil)

// terrainFrameRetry is how long a drone whose autopilot failed a
// terrain-frame order (it lost its terrain data) is sent relative to home.
const terrainFrameRetry = time.Minute

// stationTerrainAGL is the height above the ground at which d is sent to st
// in the terrain frame, or NaN to send it target, relative to home. The
// terrain frame only for the station itself at its height (target is not
// a climb over a ridge, see transitTarget), with the controller's DEM (its
// clearance checks), over a link that can send it, near the station or by
// a route whose slopes a terrain-following drone climbs at its cruise speed
// (gentleRoute; elsewhere the level transit is quicker), to a free-flying drone
// (a tether's reach is reckoned from its winch), whose autopilot reports
// terrain under it with no block pending, and whose height on the way,
// following the ground over the route's highest point, stays within its
// ceiling above home.
func (l *loop) stationTerrainAGL(d *drone, st *Station, target [3]float64, alt float64) float64 {
	t := d.tel.Terrain
	if _, ok := l.cfg.MAVLink.(terrainFrameLink); !ok || l.cfg.Terrain == nil || d.profile.Tethered() ||
		!t.Set || t.Spacing == 0 || t.Pending > 0 || l.clk.Now().Before(d.noTerrainUntil) ||
		target != [3]float64{st.Lat, st.Lon, alt} ||
		(distanceM(d.tel.Lat, d.tel.Lon, st.Lat, st.Lon) > terrainFrameNearM && !l.gentleRoute(d, st.Lat, st.Lon)) {
		return math.NaN()
	}
	agl := l.stationAGL(d, st)
	need, _, err := l.routeNeed(d, st.Lat, st.Lon)
	if err != nil || need-d.profile.Air.TerrainClearanceM+agl > d.profile.CeilingM {
		return math.NaN()
	}
	return agl
}

// goToOp starts the order flying d to target (its altitude relative to
// home) or, when agl is a number, to its position agl metres above the
// terrain. A terrain-frame order that fails leaves the next ones relative
// to home for terrainFrameRetry.
func (l *loop) goToOp(d *drone, what string, target [3]float64, agl float64) {
	terrain := !math.IsNaN(agl)
	d.gotoTarget, d.gotoAt, d.gotoTerrain = target, l.clk.Now(), terrain
	l.startOp(d, what, nil, func(ctx context.Context, link MAVLink, id mavlink.VehicleID) error {
		if tl, ok := link.(terrainFrameLink); ok && terrain {
			return tl.GoToTerrain(ctx, id, target[0], target[1], agl)
		}
		return link.GoTo(ctx, id, target[0], target[1], target[2])
	})
	l.onFail(d, func() {
		d.gotoAt = time.Time{}
		if terrain {
			d.noTerrainUntil = l.clk.Now().Add(terrainFrameRetry)
		}
	})
}

// stationHeightOff is how far d is from st's height: above the terrain as
// its autopilot reports it when d was sent there in the terrain frame (its
// terrain data and the DEM differ by a few metres on a slope), relative to
// home otherwise.
func (l *loop) stationHeightOff(d *drone, st *Station) float64 {
	if t := d.tel.Terrain; d.gotoTerrain && t.Set && t.Spacing > 0 {
		return math.Abs(t.AboveM - l.stationAGL(d, st))
	}
	return math.Abs(d.tel.AltRel - l.targetAlt(d, st))
}
