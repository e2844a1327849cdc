// Package task holds the jobs a drone does besides carrying a base
// station: supply drops, terrain surveys and fire-fighting (issue 12). It
// describes a task, checks it, and works out how an airframe flies it (the
// survey's transects and photos, a drop's release point, a fire's spray
// time, the mission items). It does no I/O: the fleet controller schedules
// tasks and flies them, the simulator carries them out.
package task

import (
	"time"
)

// Kind is what a task asks for.
type Kind string

// The kinds of task.
const (
	// Drop puts MassKg down at Point.
	Drop Kind = "drop"
	// Survey photographs Polygon at GSDcm with OverlapPct overlap.
	Survey Kind = "survey"
	// Fire sprays Litres on Point (or over Polygon when small).
	Fire Kind = "fire"
)

// Status is where a task is in its life.
type Status string

// The statuses of a task. Refused, Failed, Cancelled and Done are final.
const (
	// Pending: asked for, not yet given to a drone (or awaiting approval).
	Pending Status = "pending"
	// Assigned: given to a drone, which is being loaded or flying to it.
	Assigned Status = "assigned"
	// Active: the drone is doing it (dropping, surveying, spraying).
	Active    Status = "active"
	Done      Status = "done"
	Failed    Status = "failed"
	Refused   Status = "refused"
	Cancelled Status = "cancelled"
)

// Final reports whether s ends a task's life.
func (s Status) Final() bool {
	switch s {
	case Done, Failed, Refused, Cancelled:
		return true
	}
	return false
}

// LonLat is a point in degrees, GeoJSON order.
type LonLat [2]float64

// Request is what a commander or a field team asks for.
type Request struct {
	Kind Kind `json:"kind" yaml:"kind"`
	// Priority orders tasks that compete for drones: higher first (0-9).
	Priority int `json:"priority,omitempty" yaml:"priority"`
	// Deadline is how long after the request the task must be done.
	Deadline time.Duration `json:"-" yaml:"deadline"`
	// Point is the drop or fire point.
	Point *LonLat `json:"point,omitempty" yaml:"-"`
	// MassKg is a drop's load.
	MassKg float64 `json:"mass_kg,omitempty" yaml:"mass_kg"`
	// Polygon is a survey's (or a fire's) outer ring, [lon, lat] pairs.
	Polygon []LonLat `json:"polygon,omitempty" yaml:"polygon"`
	// GSDcm is a survey's ground sample distance in cm per pixel.
	GSDcm float64 `json:"gsd_cm,omitempty" yaml:"gsd_cm"`
	// OverlapPct is a survey's front and side overlap in percent.
	OverlapPct float64 `json:"overlap_pct,omitempty" yaml:"overlap_pct"`
	// Litres is a fire task's volume.
	Litres float64 `json:"litres,omitempty" yaml:"litres"`
	// Team is the field team that asked, if any.
	Team string `json:"team,omitempty" yaml:"team"`
	// Note is free text from the requester.
	Note string `json:"note,omitempty" yaml:"note"`
}

// Task is a request taken in by the controller and followed to its end.
type Task struct {
	ID string `json:"id"`
	Request
	Status Status `json:"status"`
	// Reason says why a task was refused or failed, or what it waits for.
	Reason string `json:"reason,omitempty"`
	// Drone is the sysid the task was given to (0: none yet).
	Drone int `json:"drone,omitempty"`
	// Approved is set when the commander approved it (if approval is on).
	Approved bool `json:"approved,omitempty"`
	// AwaitingApproval is set while the task waits for a commander's
	// approval before a drone is given it (the controller's TaskApproval).
	AwaitingApproval bool `json:"awaiting_approval,omitempty"`
	// RequestedAt, DueAt, StartedAt and DoneAt are on the fleet clock.
	RequestedAt time.Time `json:"requested_at"`
	DueAt       time.Time `json:"due_at"`
	StartedAt   time.Time `json:"started_at,omitzero"`
	DoneAt      time.Time `json:"done_at,omitzero"`
	// ETA is when the task is expected done, once assigned.
	ETA time.Time `json:"eta,omitzero"`
	// CoverageCostKm2h is the coverage the chosen option costs, in km²·h
	// of the area left without public signal.
	CoverageCostKm2h float64 `json:"coverage_cost_km2h"`
	// Parent is the fire this task is a part of, flown at once with the
	// other parts by other drones (its cost is counted in the parent's);
	// Parts are a parent's parts.
	Parent string   `json:"parent,omitempty"`
	Parts  []string `json:"parts,omitempty"`
}
