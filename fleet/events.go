package fleet

import "strings"

// EventKind says what an [Event] is about. Its value is the "kind" field of
// the event log, the API's event stream and the field teams' alerts (see
// docs/mqtt.md): a family, a dot and what happened ("drone.lost"). The
// values are part of the wire format and never change; new kinds may appear.
type EventKind string

// The kinds of event the controller emits.
const (
	// EventDroneDiscovered: a drone is heard on the link for the first time.
	EventDroneDiscovered EventKind = "drone.discovered"
	// EventDroneLost: a drone's heartbeat stopped (link timeout).
	EventDroneLost EventKind = "drone.lost"
	// EventDroneRegained: a lost drone is heard again.
	EventDroneRegained EventKind = "drone.regained"
	// EventDroneStatusText: a text from a drone's autopilot (STATUSTEXT); a
	// warning when the autopilot rates it a warning or worse.
	EventDroneStatusText EventKind = "drone.statustext"
	// EventDroneAssigned: a drone is sent to an empty station; the event
	// carries its expected time on station.
	EventDroneAssigned EventKind = "drone.assigned"
	// EventDroneLanded: a drone sent home is on the ground, disarmed.
	EventDroneLanded EventKind = "drone.landed"
	// EventDroneHome: a drone is sent home, for its battery (no relief in
	// time) or because the plan no longer needs it.
	EventDroneHome EventKind = "drone.home"
	// EventDroneFailing: a drone's autopilot reports an emergency (a motor
	// failure, a thrust loss), or a drone sinks far below its station with
	// no order of ours; it is out of service and its station given up.
	EventDroneFailing EventKind = "drone.failing"
	// EventDroneFailsafe: a drone left its station in RTL or LAND on its own
	// (an autopilot failsafe).
	EventDroneFailsafe EventKind = "drone.failsafe"
	// EventDronePayloadFailed: a drone's base station reports itself failed.
	EventDronePayloadFailed EventKind = "drone.payload_failed"
	// EventDroneDown: a drone came down while on duty.
	EventDroneDown EventKind = "drone.down"
	// EventDroneCrashed: a drone's autopilot reports a crash (its crash
	// check, an emergency disarm, a disarm in the air); it is taken out of
	// service and its station given to another.
	EventDroneCrashed EventKind = "drone.crashed"
	// EventDroneFailed: a drone in the air that keeps refusing or missing
	// commands is taken out of service.
	EventDroneFailed EventKind = "drone.failed"
	// EventDroneNoFix: a drone reports its GPS fix lost; it refuses
	// position commands until it is back, and its station goes to another
	// after 30 s.
	EventDroneNoFix EventKind = "drone.no_fix"
	// EventDroneFixBack: a drone's GPS fix is back; commands resume.
	EventDroneFixBack EventKind = "drone.fix_back"
	// EventDroneResting: a drone on the ground that would not launch rests
	// before it is tried again; another takes its station.
	EventDroneResting EventKind = "drone.resting"
	// EventDroneExcluded: a commander excluded a drone from automation, or
	// gave it back (clearing its failure).
	EventDroneExcluded EventKind = "drone.excluded"
	// EventDroneOrder: a commander gave a drone an order; it leaves
	// automation until released.
	EventDroneOrder EventKind = "drone.order"
	// EventDroneReleased: a drone under a commander's order is handed back
	// to automation.
	EventDroneReleased EventKind = "drone.released"

	// EventStationReleased: a station lost its drone (failure, link loss,
	// an order, or the station leaving the plan).
	EventStationReleased EventKind = "station.released"
	// EventStationMoved: a re-plan moved a station.
	EventStationMoved EventKind = "station.moved"
	// EventStationAdjusted: a tethered station brought lower and nearer its
	// winch, for the wind (its reach in the wind now) or because its drone
	// met tether tension.
	EventStationAdjusted EventKind = "station.adjusted"
	// EventDroneUnresponsive: a failed drone refused the controller's
	// commands; it is left to its autopilot.
	EventDroneUnresponsive EventKind = "drone.unresponsive"
	// EventDroneUnknown: a drone not in the configured fleet is heard; it
	// is not flown until a commander approves it.
	EventDroneUnknown EventKind = "drone.unknown"
	// EventDroneApproved: a commander approved an unknown drone.
	EventDroneApproved EventKind = "drone.approved"
	// EventLinkConflict: a second source spoke for a known drone on a link;
	// its frames are refused.
	EventLinkConflict EventKind = "link.conflict"

	// EventRotationBegun: a drone is launched to relieve one whose battery
	// runs low; the event carries its expected time on station.
	EventRotationBegun EventKind = "rotation.begun"
	// EventRotationCompleted: the relief is on station and the relieved
	// drone goes home.
	EventRotationCompleted EventKind = "rotation.completed"

	// EventBatteryReserve: a battery drone is near its reserve.
	EventBatteryReserve EventKind = "battery.reserve"

	// EventCommandFailed: a command to a drone failed (refused, timed out or
	// the link was lost); it is retried with a back-off.
	EventCommandFailed EventKind = "command.failed"
	// EventCommandRefused: the controller did not send a drone to a station
	// beyond its limits (ceiling, ground, tether reach, no-fly zone,
	// geofence); the station is released.
	EventCommandRefused EventKind = "command.refused"

	// EventIncidentCreated: an incident was opened.
	EventIncidentCreated EventKind = "incident.created"
	// EventIncidentUpdated: an incident's area or settings were edited.
	EventIncidentUpdated EventKind = "incident.updated"
	// EventIncidentHolding: every station of the deployed plan is held.
	EventIncidentHolding EventKind = "incident.holding"
	// EventIncidentRecalled: a commander recalled the fleet; every drone
	// goes home.
	EventIncidentRecalled EventKind = "incident.recalled"
	// EventIncidentClosed: the incident was closed; every drone goes home.
	EventIncidentClosed EventKind = "incident.closed"

	// EventPlanDeployed: a plan was deployed over the incident.
	EventPlanDeployed EventKind = "plan.deployed"
	// EventPlanReplanned: the plan was re-computed and stations moved.
	EventPlanReplanned EventKind = "plan.replanned"
	// EventPlanShrunk: stations were dropped for want of drones to fill them.
	EventPlanShrunk EventKind = "plan.shrunk"
	// EventPlanGrown: a station was added back for a drone available again.
	EventPlanGrown EventKind = "plan.grown"
	// EventPlanFailed: a re-plan failed; the stations stay where they are.
	EventPlanFailed EventKind = "plan.failed"

	// EventCoverageLost: a network's coverage of the area fell.
	EventCoverageLost EventKind = "coverage.lost"
	// EventCoverageRestored: a network's coverage of the area rose again.
	EventCoverageRestored EventKind = "coverage.restored"

	// EventAutomation: a commander paused or resumed automation.
	EventAutomation EventKind = "automation"
)

// EventFamily groups event kinds by what they are about: the part of the
// kind before the dot.
type EventFamily string

// The families of event kinds.
const (
	FamilyDrone      EventFamily = "drone"
	FamilyStation    EventFamily = "station"
	FamilyRotation   EventFamily = "rotation"
	FamilyBattery    EventFamily = "battery"
	FamilyCommand    EventFamily = "command"
	FamilyIncident   EventFamily = "incident"
	FamilyPlan       EventFamily = "plan"
	FamilyCoverage   EventFamily = "coverage"
	FamilyAutomation EventFamily = "automation"
	FamilyLink       EventFamily = "link"
	FamilyTask       EventFamily = "task"
)

// Family is the family of the kind: the part before the dot, or the whole
// kind when it has none.
func (k EventKind) Family() EventFamily {
	f, _, _ := strings.Cut(string(k), ".")
	return EventFamily(f)
}
