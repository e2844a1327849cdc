package api

import (
	"context"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/aerocell/aerocell/fleet"
	"github.com/aerocell/aerocell/task"
)

// Controller is what the API needs from the fleet controller. Every method
// must be safe for concurrent use. A request refused with an error changed
// nothing; the fleet package's sentinel errors map to HTTP statuses (see
// statusOf).
type Controller interface {
	// Snapshot returns the latest published state; cheap, read-only.
	Snapshot() fleet.Snapshot
	// Subscribe returns live events, in order, until cancel is called. A slow
	// reader may miss events (it can read them back with Events).
	Subscribe() (events <-chan fleet.Event, cancel func())
	// Events returns up to limit logged events with Seq > since, oldest first.
	Events(since uint64, limit int) ([]fleet.Event, error)
	// CreateIncident opens an incident; fleet.ErrIncidentOpen if one is.
	CreateIncident(ctx context.Context, spec fleet.IncidentSpec) (fleet.Incident, error)
	// UpdateIncident replaces the open incident's spec; fleet.ErrNoIncident
	// if none is open.
	UpdateIncident(ctx context.Context, spec fleet.IncidentSpec) (fleet.Incident, error)
	// CloseIncident closes the open incident.
	CloseIncident(ctx context.Context) error
	// PreviewPlan computes the plan for the open incident without flying it.
	PreviewPlan(ctx context.Context) (fleet.Plan, error)
	// Deploy flies the plan for the open incident.
	Deploy(ctx context.Context) error
	// Recall sends every drone of the incident home.
	Recall(ctx context.Context) error
	// SetPaused pauses or resumes automation (rotation, failover, replanning).
	SetPaused(ctx context.Context, paused bool) error
	// OrderDrone gives one drone a commander's order.
	OrderDrone(ctx context.Context, id int, o fleet.Order) error
	// Exclude takes a drone out of automation, or gives it back.
	Exclude(ctx context.Context, id int, excluded bool) error
	// PinStation keeps a station where it is through replanning, or frees it.
	PinStation(ctx context.Context, station string, pinned bool) error
	// RequestTask takes a task in (issue 12); one nobody can do in time
	// comes back refused (its Status) with the reason.
	RequestTask(ctx context.Context, r task.Request) (task.Task, error)
	// CancelTask, ApproveTask and ReassignTask act on a task;
	// fleet.ErrUnknownTask when there is none with that id.
	CancelTask(ctx context.Context, id string) (task.Task, error)
	ApproveTask(ctx context.Context, id string) (task.Task, error)
	ReassignTask(ctx context.Context, id string, drone int) (task.Task, error)
	// Survey returns a survey task's plan and the photos taken so far;
	// fleet.ErrUnknownTask when there is no such task, fleet.ErrInvalid
	// when it is not a survey, fleet.ErrLimit when no drone can fly it.
	Survey(ctx context.Context, id string) (fleet.SurveyView, error)
}

// Team is a field team's last report: a position, a work area, or both.
type Team struct {
	ID string `json:"id"`
	// Lat and Lon are the team's position; both 0 when it reported only a
	// work area.
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
	// AccuracyM is the radius of uncertainty of the position, 0 if unknown.
	AccuracyM float64 `json:"accuracy_m,omitempty"`
	// Area is the team's work area as a GeoJSON Polygon, lon/lat (optional).
	Area *geojson.Geometry `json:"area,omitempty"`
	// Updated is when the team took the position or set the area.
	Updated time.Time `json:"updated"`
}

// NewPolygon is p as a GeoJSON Polygon; nil for an empty polygon.
func NewPolygon(p orb.Polygon) *geojson.Geometry {
	if len(p) == 0 {
		return nil
	}
	return geojson.NewGeometry(p)
}

// Teams reports field teams' positions (from the MQTT side). Safe for
// concurrent use; the returned slice is the caller's.
type Teams interface {
	Teams() []Team
}

// TeamsFunc adapts a function to Teams.
type TeamsFunc func() []Team

// Teams calls f.
func (f TeamsFunc) Teams() []Team { return f() }
