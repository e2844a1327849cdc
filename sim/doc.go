// Package sim is aerocell's software-in-the-loop fleet: simulated
// base-station drones that speak MAVLink 2 over real sockets and behave like
// ArduPilot (Copter for multirotors, Plane for the fixed wing) where a ground
// station can tell. Tests of every other package fly it, and engineers run
// it against aerocell, QGroundControl or MAVProxy (`aerocell sim`).
//
// The simulator is the far side of the radio: it must never import the
// ground-control packages (fleet, coverage, mavlink), and it logs nothing
// but lifecycle events to the Logger it is given.
//
// # Running
//
//	fleet, err := sim.Start(ctx, sim.Config{
//		Drones:    []sim.DroneConfig{{SysID: 1, Profile: sim.ProfileHeavy, Home: home}},
//		Endpoints: []gomavlib.EndpointConf{gomavlib.EndpointUDPClient{Address: "127.0.0.1:14550"}},
//		Clock:     clk, // nil: real time
//		Seed:      1,
//	})
//	defer fleet.Close(context.Background()) // never fails without a deadline
//	st := fleet.Drone(1).State()
//	snap, err := fleet.WaitFor(ctx, func(s sim.Snapshot) bool { return s.Drones[1].AltRel > 20 })
//	fleet.Drone(1).Inject(sim.Fault{Kind: sim.FaultLinkDrop, Duration: 30 * time.Second})
//
// One goroutine (the fleet loop) owns every drone: physics, telemetry
// schedules, failsafes, faults and the handling of received frames. The
// methods of Fleet and Drone send it requests. WaitFor's condition runs in
// the loop after every physics step: it sees every step and must not call
// the fleet.
//
// # On the wire
//
// Each drone is its own ArduPilot: system id from its DroneConfig, component
// 1, MAV_AUTOPILOT_ARDUPILOTMEGA, MAV_TYPE_QUADROTOR / HEXAROTOR /
// FIXED_WING, and its own HEARTBEAT (base_mode, custom_mode, system status).
// With a client endpoint (udpout, tcpout) every drone has its own socket, as
// separate autopilots would; a server endpoint (tcpin, udpin) is shared by
// the fleet, as behind a MAVLink router. A ground station listening on one
// UDP port sees every drone and tells them apart by (sysid, compid 1).
//
// Streams, at the rates ArduPilot sends once a ground station asks as
// QGroundControl does, sent without asking:
//
//	HEARTBEAT            1 Hz
//	SYS_STATUS           2 Hz  (EXTENDED_STATUS)
//	GPS_RAW_INT          2 Hz  (EXTENDED_STATUS)
//	MISSION_CURRENT      2 Hz  (EXTENDED_STATUS)
//	EXTENDED_SYS_STATE   2 Hz  (EXTENDED_STATUS)
//	GLOBAL_POSITION_INT  3 Hz  (POSITION)
//	ATTITUDE            10 Hz  (EXTRA1)
//	VFR_HUD              4 Hz  (EXTRA2)
//	BATTERY_STATUS       2 Hz  (EXTRA3)
//	NAMED_VALUE_INT      1 Hz  payload state; AC_PROFILE every 5 s
//	HOME_POSITION        at boot, on arming (home is set there) and on request
//
// SET_MESSAGE_INTERVAL (-1 off, 0 default) and REQUEST_DATA_STREAM change
// them; GET_MESSAGE_INTERVAL and REQUEST_MESSAGE answer. Messages leave on
// the 100 ms physics grid, so a 4 Hz stream alternates 200 and 300 ms gaps
// (right on average) and nothing streams faster than 10 Hz.
// STATUSTEXT reports refusals, failsafes and faults in ArduPilot's words
// ("PreArm: GPS: No 3D fix", "Battery 1 is low: RTL", "Tether: target 210m
// away, reach 142m"). A small parameter set answers PARAM_REQUEST_LIST,
// PARAM_REQUEST_READ and PARAM_SET so that QGroundControl and MAVProxy
// complete their connection.
//
// Commands (COMMAND_LONG and COMMAND_INT), each answered with COMMAND_ACK:
// COMPONENT_ARM_DISARM (21196 forces), NAV_TAKEOFF (armed and in GUIDED
// only, Plane also in TAKEOFF; else TEMPORARILY_REJECTED), DO_REPOSITION
// (GUIDED, or any mode with MAV_DO_REPOSITION_FLAGS_CHANGE_MODE),
// NAV_RETURN_TO_LAUNCH, NAV_LAND, DO_CHANGE_SPEED, DO_SET_MODE,
// MISSION_START, SET_MESSAGE_INTERVAL, GET_MESSAGE_INTERVAL,
// REQUEST_MESSAGE, GET_HOME_POSITION, REQUEST_AUTOPILOT_CAPABILITIES,
// REQUEST_PROTOCOL_VERSION, DO_SET_HOME, DO_FENCE_ENABLE and USER_1
// (payload); anything else is UNSUPPORTED. TIMESYNC requests are answered. SET_MODE is acked with
// command 11, as ArduPilot does. SET_POSITION_TARGET_GLOBAL_INT moves a
// drone in GUIDED with no ack: to a position, or (Copter) at a velocity for
// 3 s unless renewed, braking so as never to leave its tether or fence. Arming is refused (FAILED plus a STATUSTEXT
// reason) when a pre-arm check fails, and in AUTO, RTL, LAND and BRAKE, as
// Copter with AUTO_OPTIONS 0: arm in GUIDED, then AUTO starts the mission.
// The mission protocol runs both ways for MAV_MISSION_TYPE_MISSION (item 0
// is home), _FENCE and _RALLY, with retries; an upload the drone cannot fly
// (beyond its ceiling, tether or enabled fence) is refused with
// MAV_MISSION_DENIED. A fence (inclusion and exclusion circles and
// polygons) is enforced once enabled (FENCE_ENABLE or DO_FENCE_ENABLE):
// orders outside it are DENIED and a breach takes RTL, as ArduPilot's
// default FENCE_ACTION. Rally points are stored only: RTL goes home.
//
// Signing: with Config.SigningKey every frame sent is signed and frames
// unsigned or signed with another key are dropped.
//
// # Jobs: loads, camera, sprayer
//
// The ground crew loads a drone with PARAM_SET, disarmed on the ground
// only: AC_LOAD_KG (the mass on the gripper or winch, or in the bay, up to
// the airframe's max_payload_kg) and AC_TANK_L (water in the sprayer's
// tank, up to tank_l). Otherwise the parameter keeps its value, the
// PARAM_VALUE says so and a STATUSTEXT says why. The load and the water
// (1 kg a litre) cost power as the airframe's mass model says, until
// released or sprayed. Drone.Load is the same loading from Go (a SITL run's
// crew).
//
// As commands (COMMAND_LONG, COMMAND_INT) and as mission items in AUTO:
// DO_GRIPPER (param2 0 release, 1 grab; a fixed wing's bay is its
// gripper): the load falls from the drone with its velocity, slowed by the
// air and drifting with the wind ("Gripper load released"). DO_WINCH
// (param2 WINCH_DELIVER, RELATIVE_LENGTH_CONTROL with param3 metres,
// RATE_CONTROL with param4 m/s, RETRACT, RELAXED): the line pays out at up
// to 1 m/s (WINCH_RATE_MAX) on a 40 m drum; a load that touches the ground
// is let go and the line comes back in; a delivery whose ground lies
// beyond the line is DENIED. In a mission a DO_WINCH delivery holds the
// mission until the line is back in (ArduPilot's DO_WINCH completes at
// once; a mission would add a delay). NAV_PAYLOAD_PLACE (copters with
// "place"; param1 the most to descend, 0 no limit): fly to the point,
// descend at LAND_SPEED until the load touches, release, climb back, as
// Copter's PayloadPlace. DO_SET_CAM_TRIGG_DIST (param1 metres, 0 off;
// param3 1 shoots at once) and DO_DIGICAM_CONTROL (param5 1 shoots): no
// two pictures closer than the camera's min_interval (a shot asked sooner
// waits, as AP_Camera's pending trigger); each picture sends
// CAMERA_TRIGGER and ardupilotmega CAMERA_FEEDBACK (img_idx from 1, the
// position estimate, alt MSL and above home, attitude). DO_SPRAYER
// (param1 1 on, 0 off) drains the tank at the pump rate while on and
// flying (AC_Sprayer's SPRAY_SPEED_MIN is not modelled: a hover sprays)
// and switches off with "Sprayer: tank empty". An airframe without the
// part answers UNSUPPORTED (and refuses such a mission item at upload);
// a release with nothing loaded, or the sprayer on an empty tank, DENIED
// (but a retry, confirmation > 0, of the release just done is answered as
// it was: ACCEPTED).
// Fleet.JobLog returns what happened: drops (release and impact points,
// mass), photos and litres sprayed; State has LoadKg, TankL, WinchLineM
// and Photos.
//
// Mission progress is reported as ArduPilot does: MISSION_ITEM_REACHED for
// each item done, MISSION_CURRENT with the current navigation item, the
// item count without home and mission_mode 1 in AUTO, and "Reached
// command #N" for waypoints.
//
// # Payload protocol
//
// A drone's base stations (Profile.Cells) are reported at 1 Hz as
// NAMED_VALUE_INT:
//
//	BS_PUB, BS_PRV        state of the public / private cell: 0 off, 1 on, 2 failed
//	BS_PUB_UE, BS_PRV_UE  phones attached to it
//	AC_PROFILE            every 5 s: the profile index (0 tethered-multirotor,
//	                      1 heavy-multirotor, 2 fixed-wing-relay, then the
//	                      profiles of a fleet file in file order)
//
// A name is not sent when the drone carries no such cell. COMMAND_LONG
// MAV_CMD_USER_1 (31010) switches a cell: param1 the network (1 public, 2
// private), param2 1 on, 0 off. Switching on answers COMMAND_ACK
// IN_PROGRESS at once and every second (progress in percent) while the cell
// boots (3 s), then ACCEPTED; switching off answers ACCEPTED. FAILED when
// the cell has failed, DENIED when the drone has no such cell.
//
// # Time and speed-up
//
// Everything runs on the clock.Clock given: physics steps a fixed 100 ms
// of fleet time whatever the wall-clock scheduling (the loop catches up in
// whole steps), so a run is a function of its seed and of when commands
// arrive; under a clock.Manual clock, with commands sent while the clock
// stands still, a flight is reproducible to the bit. Under a clock.Scaled
// clock an hour of flight takes seconds.
//
// At S times real time a drone would send S times as many messages per
// wall second. HEARTBEAT stays at 1 Hz of fleet time (so link-loss timers
// on either side work in fleet time), and so do acks, STATUSTEXT, mission
// and parameter messages; every other stream is stretched by one factor per
// drone so that the drone sends no more stream messages per wall second
// than at real time (or than Config.MaxWallRate, if higher). At 100x a
// drone thus sends ATTITUDE every 10 s of fleet time and 100 heartbeats per
// wall second. The speed-up is the clock's Speed() when it has one, else it
// is measured.
//
// # Models
//
// Copter: horizontal speed up to CruiseSpeed through the air with an
// acceleration limit and a braking profile, climb and descent limits, LAND
// descending at LandSpeed below 10 m, RTL climbing to RTLAlt, returning and
// landing; disarm on touchdown. Plane: constant airspeed, 30° bank turns,
// clockwise loiter at LoiterRadius around its target, RTL loitering over
// home at RTLAlt; Plane has no LAND mode, so a landing (NAV_LAND, battery
// failsafe) is a circling descent reported as AUTO. In AUTO a fixed wing
// flies its waypoints through, on the line from the last (L1-like,
// crabbing into the wind), and takes one as reached past the finish line,
// within its acceptance radius (param2) or where its turn onto the next
// leg starts (WP_RADIUS 90 m by the turn angle). Wind: steady plus
// Ornstein-Uhlenbeck gusts; the air speed costs power and caps ground speed
// upwind, gusts push a holding multirotor about, and without GPS it drifts
// with the air. The ground is flat at the altitude of the drone's first
// home. GPS: Gauss-Markov error on GPS_RAW_INT (a third of it on
// GLOBAL_POSITION_INT); State holds the truth.
//
// Energy: power = hover (or level flight) + (cruise - hover) x (airspeed /
// cruise)² + climb share + avionics + cells that are on; LiPo voltage curve
// with sag; BATTERY_STATUS time_remaining and State.TimeLeft to the reserve.
// Failsafes: at the reserve RTL, or LAND when the energy to get home is not
// there; at the critical level LAND; GCS silence past Config.GCSTimeout
// (off by default, as FS_GCS_ENABLE) RTL; GPS loss in a position mode LAND
// (EKF failsafe). A tethered drone flies on ground power (its backup
// battery stays full and recharges) and lands on the backup when ground
// power fails.
//
// Tether: a tethered drone is tied to its ground station (DroneConfig
// GroundStation, default home). Orders (DO_REPOSITION, position targets,
// takeoff, mission items) beyond 95 % of the tether's slant reach are
// refused with a STATUSTEXT reason; past 97 % the tension brings the drone
// down and in; the tether length is a hard limit nothing crosses.
//
// # Cost
//
// Measured on the 2-core development machine with
// `go test -run '^$' -bench 'RealTime|VirtualClock' -benchtime 3x ./sim/`:
// a drone in real time costs about 0.08 % of a core (31 messages/s); a
// mixed fleet of 200 keeps 100x real time on 0.4 cores and reaches about
// 300x on one core (the fleet loop is one goroutine); 50 drones reach about
// 800x. Each drone writes its frames straight to its UDP socket from the
// loop: gomavlib's Node write path, a goroutine hand-off per message,
// capped 200 drones at 65x.
//
// Faults (Drone.Inject, Config.Faults, the CLI's --fault and scenario
// files): link drop, packet loss, added latency, battery failure, motor
// failure (forced landing), GPS loss, payload failure, ground-power loss;
// each lasts its Duration of fleet time or until Drone.Clear.
//
// Lifecycle, as across aerocell: what waits on its way down (the Fleet,
// which stops its loop and its links' readers) closes with Close(ctx)
// error, ctx bounding the wait; what only releases closes with Close()
// error.
package sim
