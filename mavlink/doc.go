// Package mavlink is aerocell's side of the radio: the link layer between the
// ground station and the drones. It opens the endpoints a field engineer
// names (udpin, udpout, tcpin, tcpout, serial, tlog replay), announces the
// station with a MAV_TYPE_GCS HEARTBEAT on every link, discovers vehicles by
// (system id, component id), keeps typed telemetry for each, runs the
// MAVLink command and mission protocols with their timeouts and retries,
// signs and checks frames when a fleet key is set, forwards traffic to extra
// endpoints as mavlink-router does and writes a .tlog of the session.
//
// Open a Station with a Config; read Vehicles for a snapshot and Events for
// what changed; call the command methods (Arm, SetMode, Takeoff, GoTo, RTL,
// Land, SetPayload, UploadMission, ...) which block until the vehicle
// answers and return errors that errors.Is matches against ErrDenied,
// ErrTimeout, ErrLinkLost and the other sentinels. Every timer runs on
// Config.Clock, so a sped-up SITL run works the same as a real flight.
//
// The frames come from gomavlib's frame, dialect and streamwriter packages,
// but the station runs its own transport rather than a gomavlib Node, for
// three reasons: a UDP datagram may carry several frames and all of them
// must be decoded (gomavlib v3.3.x decodes only the first, upstream issue
// 245); a full send queue must never drop a frame silently (a Node's does);
// and signature timestamps are tracked per sender stream, as the signing
// specification asks, so that refused frames can be counted by reason.
//
// One source per vehicle and link: a vehicle belongs, on each link, to the
// far end it was first heard from (a remote address on a udpin listener, a
// connection on a tcpin one). Frames claiming its (system, component) from
// another far end of the same link while that one is heard are refused,
// counted (Stats.RxConflicting) and reported (EventConflict, both
// addresses); they change no telemetry and commands never go there. The
// first source keeps the vehicle until it has been silent for
// Config.LinkLossTimeout; then the next to speak takes it. Redundant radios
// are configured as separate endpoints: a vehicle has a source on each of
// its links and commands go out on the one heard last. This stops a second
// sender from hijacking a drone already heard; it does not stop one heard
// first, or one on another endpoint. Only signing (Config.SigningKey) makes
// the link safe against a forger.
//
// The package knows nothing of fleets, coverage, MQTT or HTTP, holds no
// package-level state and logs nothing: what a caller must react to comes out
// as an error, an Event or a counter in Stats. A Station is safe for
// concurrent use.
//
// Lifecycle, as across aerocell: what waits on its way down (the Station,
// which waits for its links' goroutines and flushes its log) closes with
// Close(ctx) error, ctx bounding the wait; what only releases closes with
// Close() error.
package mavlink
