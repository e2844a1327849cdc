package fleet

import (
	"fmt"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// An autopilot says EMERGENCY or ALERT when the aircraft itself is in
// trouble: ArduPilot's "Potential Thrust Loss", a motor failure and its
// forced landing. A ground station does not wait for the drone to sink
// far below its post to act on it (the sinking check, health's fallback,
// takes half a minute and more, and none at all for a drone already on
// its way home): the drone is out of service at once, its station goes to
// another, and one critical event says why. A crash (its own STATUSTEXT)
// is handled by the crash check.

// emergencyText reports whether a STATUSTEXT of that severity says the
// aircraft is in trouble.
func emergencyText(sev common.MAV_SEVERITY, text string) bool {
	return sev <= common.MAV_SEVERITY_ALERT && !crashText(text)
}

// failEmergency takes d out of service for the emergency its autopilot
// reported.
func (l *loop) failEmergency(d *drone) {
	r := d.rec
	why := d.emergency
	d.emergency = ""
	if r.Failed != "" {
		return
	}
	// On the ground too (armed for a launch, or a spare): a drone whose
	// autopilot reports a motor failure is not launched until the crew
	// has seen to it. Dropping the report there left a launch under way
	// to be retried on a failed motor, and the fault untold.
	text := fmt.Sprintf("drone %d reports an emergency: %s", d.id, why)
	if !d.airborne() {
		text += " (on the ground: not flown until the crew has seen to it)"
	}
	l.failDrone(d, "autopilot emergency: "+why, EventDroneFailing, text)
}

// failDrone takes d out of service for reason: no longer sent home or
// free, one critical event of kind, and its station released for another
// drone. The crew gives it back.
func (l *loop) failDrone(d *drone, reason string, kind EventKind, text string) {
	r := d.rec
	r.Failed = reason
	r.Home, r.HomeReason, r.Free = false, "", false
	l.emit(Event{Kind: kind, Severity: Critical, Drone: d.id, Station: r.Station, Text: text, Reason: reason})
	if r.Station != "" {
		l.releaseStation(d, reason)
	}
	l.dirty = true
}
