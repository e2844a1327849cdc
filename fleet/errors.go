package fleet

import "errors"

// Errors the controller's requests return; callers test them with errors.Is.
// An order refused with one of them changed nothing.
var (
	// ErrNoIncident: the request needs an open incident and there is none.
	ErrNoIncident = errors.New("fleet: no open incident")
	// ErrIncidentOpen: an incident is already open; close it first.
	ErrIncidentOpen = errors.New("fleet: an incident is already open")
	// ErrUnknownDrone: no drone with that system id has been heard.
	ErrUnknownDrone = errors.New("fleet: unknown drone")
	// ErrUnknownStation: no station with that id in the plan.
	ErrUnknownStation = errors.New("fleet: unknown station")
	// ErrInvalid: the request itself is malformed (the wrapped error says how).
	ErrInvalid = errors.New("fleet: invalid request")
	// ErrLimit: the order would break a limit (tether, ceiling, geofence,
	// battery reserve); nothing was sent.
	ErrLimit = errors.New("fleet: order breaks a limit")
	// ErrClosed: the controller is shutting down.
	ErrClosed = errors.New("fleet: controller closed")
)
