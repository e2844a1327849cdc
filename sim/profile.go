package sim

import (
	"errors"
	"fmt"

	"github.com/aerocell/aerocell/airframe"
	"github.com/aerocell/aerocell/payload"
)

// Frame is an airframe class (see package airframe).
type Frame = airframe.Frame

// Airframe classes.
const (
	FrameQuad      = airframe.FrameQuad
	FrameHexa      = airframe.FrameHexa
	FrameFixedWing = airframe.FrameFixedWing
)

// Network is a base-station network: the public cell any phone attaches to,
// or the private cell for emergency services (see package payload).
type Network = payload.Network

// Networks.
const (
	Public  = payload.Public
	Private = payload.Private
)

// Profile is an airframe, as the one table of package airframe defines it:
// the simulator flies exactly what the controller plans with.
type Profile = airframe.Airframe

// Battery, Tether and Cell are parts of an airframe.
type (
	Battery = airframe.Battery
	Tether  = airframe.Tether
	Cell    = airframe.Cell
)

// Built-in profile names, in profile-index order (AC_PROFILE values 0, 1, 2).
const (
	ProfileTethered  = airframe.Tethered
	ProfileHeavy     = airframe.Heavy
	ProfileFixedWing = airframe.FixedWing
)

// BuiltinProfiles returns the built-in airframes, in profile-index order.
// Each call returns fresh copies.
func BuiltinProfiles() []Profile { return airframe.Builtin() }

// FieldError is a bad configuration value: Field names it as it is spelled
// in the YAML file or the Go struct path (e.g. "profiles[1].battery.cells").
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return "sim: " + e.Field + ": " + e.Reason }

func fieldErr(field, format string, a ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, a...)}
}

// profileErr turns an airframe's field error into the simulator's, so that
// callers see one kind of configuration error.
func profileErr(err error) error {
	var fe *airframe.FieldError
	if errors.As(err, &fe) {
		return &FieldError{Field: fe.Field, Reason: fe.Reason}
	}
	return err
}
