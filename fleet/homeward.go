package fleet

import (
	"context"
	"math"
	"time"

	"github.com/aerocell/aerocell/mavlink"
)

// Flying home over terrain. An RTL flies home at the drone's altitude and
// only then comes down (ArduPilot's, with RTL_ALT counted from home), so a
// heavy on a post over a ridge, a thousand metres above its home in the
// valley, spends as long descending over its home as flying there: in
// Tropical Storm Irene's scenario a heavy held its post 12 minutes of a
// 40-minute sortie. A healthy multirotor sent home over terrain instead
// flies to a point over its home descending as it goes, to the lowest
// altitude that still clears every ridge on the way by its terrain
// clearance (the route check's), and its RTL lands it from there. The
// descent overlaps the flight, and timeBack counts it so: the time saved
// is time on station.
//
// The straight descending line stays above that floor, and the floor
// clears the route's highest ground, so the whole way home is clear.

// homewardMinM: nearer home than this, the RTL is as quick.
const homewardMinM = 300

// homewardMinDescent: a descent to the floor shorter than this is left to
// the RTL (one command fewer on the link).
const homewardMinDescent = time.Minute

// homewardNearM: within this of home, the RTL takes over and lands it.
const homewardNearM = 50

// homewardFloor is the altitude above d's home to which d may descend on
// its way home from lat, lon: its RTL altitude, or higher where the route
// crosses a ridge. False when d does not fly home so: off terrain,
// tethered (it reels in low), a fixed wing (its RTL loiters down), failing
// (its own RTL is what a failing aircraft is given), or with no home.
func (l *loop) homewardFloor(d *drone, lat, lon float64) (float64, bool) {
	if l.cfg == nil || l.cfg.Terrain == nil || d.profile.Tethered() || d.profile.FixedWing || !d.tel.HomeSet || (d.rec != nil && d.rec.Failed != "") {
		return 0, false
	}
	if distanceM(lat, lon, d.tel.HomeLat, d.tel.HomeLon) < homewardMinM {
		return 0, false
	}
	home := [3]float64{d.tel.HomeLat, d.tel.HomeLon, d.tel.HomeAlt}
	for _, m := range d.floors {
		if m.home == home && distanceM(lat, lon, m.lat, m.lon) < floorMemoM {
			return m.floor, m.ok
		}
	}
	m := floorMemo{lat: lat, lon: lon, home: home}
	if need, _, err := l.routeNeedFrom(d, lat, lon, d.tel.HomeLat, d.tel.HomeLon); err == nil {
		m.floor, m.ok = math.Ceil(math.Max(need, d.profile.Air.RTLAlt)/10)*10, true
	}
	copy(d.floors[1:], d.floors[:len(d.floors)-1])
	d.floors[0] = m
	return m.floor, m.ok
}

// floorMemo is a homeward floor worked out for a drone from lat, lon to
// its home: the loop asks for a holder's time home every tick, and the
// route's terrain is read once while it stays within floorMemoM.
type floorMemo struct {
	lat, lon float64
	home     [3]float64
	floor    float64
	ok       bool
}

// floorMemoM is how far a drone may move before its floor is worked out
// again: a route's ridge moves little in that.
const floorMemoM = 25

// descentTime is how long d takes to come down m metres.
func descentTime(d *drone, m float64) time.Duration {
	if !(d.profile.DescentMS > 0) {
		return noHeadway
	}
	return time.Duration(math.Max(0, m) / d.profile.DescentMS * float64(time.Second))
}

// homeward sends d, going home, on its descending flight home (see above)
// and reports whether it flies one (or must wait for it): false when the
// RTL should take it now, from where it is.
func (l *loop) homeward(d *drone) bool {
	if d.homeward != nil {
		if d.homewardFailed || distanceM(d.tel.Lat, d.tel.Lon, d.tel.HomeLat, d.tel.HomeLon) < homewardNearM {
			return false
		}
		// flying it, unless for much longer than the flight home takes
		limit := 2*l.transit(d, d.homewardFrom[0], d.homewardFrom[1], d.homeward[0], d.homeward[1]) + 2*time.Minute
		return l.clk.Since(d.homewardAt) < limit
	}
	floor, ok := l.homewardFloor(d, d.tel.Lat, d.tel.Lon)
	if !ok || descentTime(d, d.tel.AltRel-floor) < homewardMinDescent {
		return false
	}
	target := [3]float64{d.tel.HomeLat, d.tel.HomeLon, floor}
	d.homeward, d.homewardFrom, d.homewardAt, d.homewardFailed = &target, [2]float64{d.tel.Lat, d.tel.Lon}, l.clk.Now(), false
	l.startOp(d, "descend on the way home", nil, func(ctx context.Context, link MAVLink, id mavlink.VehicleID) error {
		return link.GoTo(ctx, id, target[0], target[1], target[2])
	})
	l.onFail(d, func() { d.homewardFailed = true }) // the RTL brings it home
	return true
}
