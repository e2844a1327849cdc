package mavlink

import (
	"errors"
	"fmt"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// Sentinel errors: every way a command or a transfer fails wraps one of
// them, for errors.Is.
var (
	// ErrDenied: the vehicle refused (MAV_RESULT_DENIED, or a mission
	// rejected with MAV_MISSION_DENIED).
	ErrDenied = errors.New("mavlink: denied")
	// ErrUnsupported: the vehicle does not know the command
	// (MAV_RESULT_UNSUPPORTED and its COMMAND_INT/LONG-only variants).
	ErrUnsupported = errors.New("mavlink: unsupported")
	// ErrTemporarilyRejected: not now (MAV_RESULT_TEMPORARILY_REJECTED);
	// trying again later may work.
	ErrTemporarilyRejected = errors.New("mavlink: temporarily rejected")
	// ErrFailed: the vehicle accepted but could not carry it out
	// (MAV_RESULT_FAILED), or a mission transfer failed with an error code.
	ErrFailed = errors.New("mavlink: failed")
	// ErrTimeout: no answer after every retry.
	ErrTimeout = errors.New("mavlink: timed out")
	// ErrLinkLost: the vehicle was lost (no heartbeat) while waiting, or no
	// open link reaches it.
	ErrLinkLost = errors.New("mavlink: link lost")
	// ErrCancelled: the caller's context ended, or the vehicle cancelled
	// (MAV_RESULT_CANCELLED).
	ErrCancelled = errors.New("mavlink: cancelled")
	// ErrUnknownVehicle: no vehicle with that id was ever heard.
	ErrUnknownVehicle = errors.New("mavlink: unknown vehicle")
	// ErrQueueFull: the link's send queue stayed full; the frame was not sent.
	ErrQueueFull = errors.New("mavlink: send queue full")
	// ErrUnknownMode: no such flight mode for the vehicle's autopilot.
	ErrUnknownMode = errors.New("mavlink: unknown mode")
	// ErrBadTerrainRequest: a vehicle's TERRAIN_REQUEST or TERRAIN_CHECK
	// the station cannot serve (grid_spacing 0, a position out of range, an
	// empty mask); it is refused and counted in Stats.TerrainRefused.
	ErrBadTerrainRequest = errors.New("mavlink: bad terrain request")
	// ErrClosed is the cause (with ErrCancelled) of calls cut short by Close.
	ErrClosed = errors.New("mavlink: station closed")
)

// CommandError is a command that did not succeed. It wraps one of the
// sentinel errors (and the context's error when the caller cancelled).
type CommandError struct {
	Vehicle VehicleID
	Command common.MAV_CMD
	// Result is the vehicle's answer; meaningful when Answered.
	Result   common.MAV_RESULT
	Answered bool
	Err      error
	cause    error
}

func (e *CommandError) Error() string {
	s := fmt.Sprintf("mavlink: vehicle %v: %v: %v", e.Vehicle, e.Command, trimPrefix(e.Err))
	if e.Command == 0 { // not a command: SET_POSITION_TARGET_GLOBAL_INT
		s = fmt.Sprintf("mavlink: vehicle %v: %v", e.Vehicle, trimPrefix(e.Err))
	}
	if e.Answered {
		s += " (" + e.Result.String() + ")"
	}
	if e.cause != nil {
		s += ": " + e.cause.Error()
	}
	return s
}

// Unwrap gives the sentinel and, when there is one, the underlying cause.
func (e *CommandError) Unwrap() []error {
	if e.cause != nil {
		return []error{e.Err, e.cause}
	}
	return []error{e.Err}
}

// MissionError is a mission transfer that did not succeed.
type MissionError struct {
	Vehicle VehicleID
	Type    common.MAV_MISSION_TYPE
	Upload  bool
	// Result is the vehicle's MISSION_ACK code; meaningful when Answered.
	Result   common.MAV_MISSION_RESULT
	Answered bool
	Err      error
	cause    error
}

func (e *MissionError) Error() string {
	dir := "download"
	if e.Upload {
		dir = "upload"
	}
	s := fmt.Sprintf("mavlink: vehicle %v: %v %s: %v", e.Vehicle, e.Type, dir, trimPrefix(e.Err))
	if e.Answered {
		s += " (" + e.Result.String() + ")"
	}
	if e.cause != nil {
		s += ": " + e.cause.Error()
	}
	return s
}

// Unwrap gives the sentinel and, when there is one, the underlying cause.
func (e *MissionError) Unwrap() []error {
	if e.cause != nil {
		return []error{e.Err, e.cause}
	}
	return []error{e.Err}
}

func trimPrefix(err error) string {
	s := err.Error()
	const p = "mavlink: "
	if len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}

// resultErr maps a final MAV_RESULT to its sentinel; nil for ACCEPTED.
func resultErr(r common.MAV_RESULT) error {
	switch r {
	case common.MAV_RESULT_ACCEPTED:
		return nil
	case common.MAV_RESULT_TEMPORARILY_REJECTED:
		return ErrTemporarilyRejected
	case common.MAV_RESULT_DENIED, common.MAV_RESULT_NOT_IN_CONTROL:
		return ErrDenied
	case common.MAV_RESULT_UNSUPPORTED, common.MAV_RESULT_COMMAND_LONG_ONLY,
		common.MAV_RESULT_COMMAND_INT_ONLY, common.MAV_RESULT_COMMAND_UNSUPPORTED_MAV_FRAME:
		return ErrUnsupported
	case common.MAV_RESULT_CANCELLED:
		return ErrCancelled
	default:
		return ErrFailed
	}
}

func missionResultErr(r common.MAV_MISSION_RESULT) error {
	switch r {
	case common.MAV_MISSION_ACCEPTED:
		return nil
	case common.MAV_MISSION_DENIED:
		return ErrDenied
	case common.MAV_MISSION_UNSUPPORTED, common.MAV_MISSION_UNSUPPORTED_FRAME:
		return ErrUnsupported
	case common.MAV_MISSION_OPERATION_CANCELLED:
		return ErrCancelled
	default:
		return ErrFailed
	}
}

var errTooMany = errors.New("more than 65535 items")
