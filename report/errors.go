package report

import (
	"errors"
	"fmt"
)

// Sentinel errors.
var (
	// ErrInvalidPosition wraps every reason a team's position is refused.
	ErrInvalidPosition = errors.New("report: invalid team position")
	// ErrConfig is returned by New for a missing or bad setting.
	ErrConfig = errors.New("report: invalid configuration")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("report: closed")
	// ErrSchema is returned for a payload of an unknown schema version.
	ErrSchema = errors.New("report: unknown schema")
	// ErrInvalidAlert is returned by Raise for an alert missing its kind,
	// severity or text.
	ErrInvalidAlert = errors.New("report: invalid alert")
)

func errSchema(got int) error { return fmt.Errorf("%w %d, want %d", ErrSchema, got, Schema) }
