package fleet

import (
	"fmt"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// A drone without a GPS fix cannot fly to a position or hold one: its
// autopilot refuses GUIDED targets and RTL, a copter lands by its EKF
// failsafe, a plane glides on in FBWA. Those refusals say nothing of the
// aircraft: once the fix is back it obeys again. So the controller does
// not count them toward taking a drone out of service, gives up the
// station while the fix stays lost (another drone covers it), and tries
// again at once when the fix returns.

// fixGrace is how long a drone on station may be without a fix before its
// station goes to another drone: GPS glitches of a few seconds are common.
const fixGrace = 30 * time.Second

// positionLost reports whether d says it has no 3D fix. A drone that sends
// no GPS report at all (GPS_FIX_TYPE_NO_GPS, the zero value) is not judged.
func positionLost(d *drone) bool {
	return d.tel.GPSFix == common.GPS_FIX_TYPE_NO_FIX || d.tel.GPSFix == common.GPS_FIX_TYPE_2D_FIX
}

// watchFix follows d's fix: the loss and the return are events, the
// station is released after fixGrace, and commands refused meanwhile are
// forgotten when the fix returns.
func (l *loop) watchFix(d *drone) {
	now := l.clk.Now()
	lost := positionLost(d)
	switch {
	case lost && d.fixLostAt.IsZero():
		d.fixLostAt = now
		l.emit(Event{Kind: EventDroneNoFix, Severity: Warning, Drone: d.id, Station: d.rec.Station,
			Text:   fmt.Sprintf("drone %d lost its GPS fix: it can neither hold nor reach a position", d.id),
			Reason: "GPS fix lost"})
	case !lost && !d.fixLostAt.IsZero():
		d.fixLostAt = time.Time{}
		d.failures, d.retryAt = 0, time.Time{}
		l.emit(Event{Kind: EventDroneFixBack, Severity: Info, Drone: d.id,
			Text: fmt.Sprintf("drone %d has its GPS fix again: commands resume", d.id)})
		l.dirty = true
	}
	if lost && d.airborne() {
		d.fixInAir = true
	}
	if lost && d.fixInAir && !d.airborne() && d.rec.Failed == "" {
		// Down without a fix: the autopilot's EKF failsafe landed it where
		// it was. The crew must fetch it; it is not launched from there.
		d.fixInAir = false
		d.rec.Failed, d.rec.Free = "landed without a GPS fix", false
		if d.rec.Station != "" {
			l.releaseStation(d, d.rec.Failed)
		}
		l.emit(Event{Kind: EventDroneDown, Severity: Critical, Drone: d.id,
			Text: fmt.Sprintf("drone %d came down without a GPS fix, away from its launch site", d.id), Reason: d.rec.Failed})
		return
	}
	if !lost {
		d.fixInAir = false
	}
	if lost && d.rec.Station != "" && d.airborne() && now.Sub(d.fixLostAt) >= fixGrace {
		l.releaseStation(d, "no GPS fix")
		d.rec.Free = true // still ours: a spare once its fix is back
	}
}

// refusedForFix reports whether d's failed commands are explained by a
// lost fix rather than by the aircraft.
func refusedForFix(d *drone) bool { return !d.fixLostAt.IsZero() }
