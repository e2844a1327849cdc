package task

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// FieldError is a request or plan refused for one field's value.
type FieldError struct {
	// Field is the JSON name, with an index where it applies
	// ("polygon[3]").
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return "task: " + e.Field + ": " + e.Reason }

func fieldErr(field, format string, a ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, a...)}
}

// The bounds a request is checked against.
const (
	MinDeadline = time.Minute
	MaxDeadline = 7 * 24 * time.Hour
	MaxPriority = 9
	// MaxSurveyAreaM2 is the largest survey: 100 km², days of flying for
	// one drone at a fine GSD.
	MaxSurveyAreaM2 = 100e6
	// MaxFireAreaM2 is the largest fire polygon: 10 ha, what a drone's
	// tank wets in a few passes. A larger fire needs aircraft, not drones.
	MaxFireAreaM2 = 100e3
	MinGSDcm      = 0.5
	MaxGSDcm      = 50
	MaxOverlapPct = 95
	// MaxMassKg and MaxLitres bound a drop and a fire request whatever
	// the fleet (a drone's own limit is checked when planned).
	MaxMassKg = 1000
	MaxLitres = 100_000
	// MaxTeamLen and MaxNoteLen bound the free text a request carries.
	MaxTeamLen = 64
	MaxNoteLen = 1000
)

// ParseRequest reads a request from JSON and checks it. Unknown fields
// are refused; "deadline" is a Go duration string ("45m") or seconds;
// "point" is [lon, lat] and "polygon" a ring of them.
func ParseRequest(data []byte) (Request, error) {
	var r Request
	if err := strict(data, &r); err != nil {
		return Request{}, err
	}
	if err := r.Validate(); err != nil {
		return Request{}, err
	}
	return r, nil
}

// Validate checks a request; the error names the field at fault.
func (r Request) Validate() error {
	if r.Priority < 0 || r.Priority > MaxPriority {
		return fieldErr("priority", "must be within 0-%d, got %d", MaxPriority, r.Priority)
	}
	if r.Deadline < MinDeadline || r.Deadline > MaxDeadline {
		return fieldErr("deadline", "must be within %v and %v, got %v", MinDeadline, MaxDeadline, r.Deadline)
	}
	if r.Point != nil {
		if err := checkLonLat("point", *r.Point); err != nil {
			return err
		}
	}
	if len(r.Team) > MaxTeamLen {
		return fieldErr("team", "is %d bytes long, at most %d", len(r.Team), MaxTeamLen)
	}
	if len(r.Note) > MaxNoteLen {
		return fieldErr("note", "is %d bytes long, at most %d", len(r.Note), MaxNoteLen)
	}
	unused := func(field string, set bool) error {
		if set {
			return fieldErr(field, "is not used by a %s task", r.Kind)
		}
		return nil
	}
	switch r.Kind {
	case Drop:
		if r.Point == nil {
			return fieldErr("point", "a drop needs a point [lon, lat]")
		}
		if err := inRange("mass_kg", r.MassKg, 0, MaxMassKg, false); err != nil {
			return err
		}
		return first(unused("polygon", r.Polygon != nil), unused("gsd_cm", r.GSDcm != 0),
			unused("overlap_pct", r.OverlapPct != 0), unused("litres", r.Litres != 0))
	case Survey:
		if r.Polygon == nil {
			return fieldErr("polygon", "a survey needs a polygon, a ring of [lon, lat]")
		}
		_, ring, err := localRing("polygon", r.Polygon)
		if err != nil {
			return err
		}
		if a := ringArea(ring); a > MaxSurveyAreaM2 {
			return fieldErr("polygon", "covers %.1f km², a survey covers %.0f km² at most", a/1e6, MaxSurveyAreaM2/1e6)
		}
		if err := inRange("gsd_cm", r.GSDcm, MinGSDcm, MaxGSDcm, true); err != nil {
			return err
		}
		if err := inRange("overlap_pct", r.OverlapPct, 0, MaxOverlapPct, true); err != nil {
			return err
		}
		return first(unused("point", r.Point != nil), unused("mass_kg", r.MassKg != 0), unused("litres", r.Litres != 0))
	case Fire:
		if (r.Point == nil) == (r.Polygon == nil) {
			return fieldErr("point", "a fire needs a point or a polygon, one of the two")
		}
		if r.Polygon != nil {
			_, ring, err := localRing("polygon", r.Polygon)
			if err != nil {
				return err
			}
			if a := ringArea(ring); a > MaxFireAreaM2 {
				return fieldErr("polygon", "covers %.1f ha, a fire task covers %.0f ha at most", a/1e4, MaxFireAreaM2/1e4)
			}
		}
		if err := inRange("litres", r.Litres, 0, MaxLitres, false); err != nil {
			return err
		}
		return first(unused("mass_kg", r.MassKg != 0), unused("gsd_cm", r.GSDcm != 0), unused("overlap_pct", r.OverlapPct != 0))
	case "":
		return fieldErr("kind", "missing: drop, survey or fire")
	default:
		return fieldErr("kind", "must be drop, survey or fire, got %q", r.Kind)
	}
}

func first(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// inRange checks lo < v <= hi (lo <= v with closed).
func inRange(field string, v, lo, hi float64, closed bool) error {
	ok := finite(v) && v <= hi && (v > lo || closed && v == lo)
	if !ok {
		if closed {
			return fieldErr(field, "must be within %v-%v, got %v", lo, hi, v)
		}
		return fieldErr(field, "must be more than %v and at most %v, got %v", lo, hi, v)
	}
	return nil
}

// seconds is a duration written as seconds in JSON, read from seconds or
// a Go duration string.
type seconds time.Duration

func (s seconds) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, time.Duration(s).Seconds(), 'f', -1, 64), nil
}

func (s *seconds) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		d, err := time.ParseDuration(str)
		if err != nil {
			return fieldErr("deadline", "not a duration (\"45m\") or seconds: %q", str)
		}
		*s = seconds(d)
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return fieldErr("deadline", "not a duration (\"45m\") or seconds: %s", b)
	}
	if !(math.Abs(f) < float64(math.MaxInt64)/1e9) {
		return fieldErr("deadline", "%v s is out of range", f)
	}
	*s = seconds(f * float64(time.Second))
	return nil
}

// UnmarshalJSON reads exactly [lon, lat].
func (p *LonLat) UnmarshalJSON(b []byte) error {
	var v []float64
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("task: a position is [lon, lat]: %w", err)
	}
	if len(v) != 2 {
		return fmt.Errorf("task: a position is [lon, lat], got %d numbers", len(v))
	}
	*p = LonLat{v[0], v[1]}
	return nil
}

// requestJSON is a request on the wire.
type requestJSON struct {
	Kind       Kind     `json:"kind"`
	Priority   int      `json:"priority,omitempty"`
	Deadline   seconds  `json:"deadline"`
	Point      *LonLat  `json:"point,omitempty"`
	MassKg     float64  `json:"mass_kg,omitempty"`
	Polygon    []LonLat `json:"polygon,omitempty"`
	GSDcm      float64  `json:"gsd_cm,omitempty"`
	OverlapPct float64  `json:"overlap_pct,omitempty"`
	Litres     float64  `json:"litres,omitempty"`
	Team       string   `json:"team,omitempty"`
	Note       string   `json:"note,omitempty"`
}

func (r Request) wire() requestJSON {
	return requestJSON{r.Kind, r.Priority, seconds(r.Deadline), r.Point, r.MassKg, r.Polygon, r.GSDcm, r.OverlapPct, r.Litres, r.Team, r.Note}
}

func (w requestJSON) request() Request {
	return Request{w.Kind, w.Priority, time.Duration(w.Deadline), w.Point, w.MassKg, w.Polygon, w.GSDcm, w.OverlapPct, w.Litres, w.Team, w.Note}
}

// MarshalJSON writes the request with its deadline in seconds.
func (r Request) MarshalJSON() ([]byte, error) { return json.Marshal(r.wire()) }

// UnmarshalJSON reads a request strictly (unknown fields and trailing data
// refused) without checking its values: see Validate.
func (r *Request) UnmarshalJSON(b []byte) error {
	var w requestJSON
	if err := strict(b, &w); err != nil {
		return err
	}
	*r = w.request()
	return nil
}

func strict(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		if strings.HasPrefix(err.Error(), "task: ") {
			return err
		}
		return fmt.Errorf("task: %w", err)
	}
	if d.More() {
		return errors.New("task: data after the JSON object")
	}
	return nil
}

// taskJSON is a task on the wire: the request's fields inline, the
// deadline in seconds, times in RFC 3339.
type taskJSON struct {
	ID string `json:"id"`
	requestJSON
	Status           Status    `json:"status"`
	Reason           string    `json:"reason,omitempty"`
	Drone            int       `json:"drone,omitempty"`
	Approved         bool      `json:"approved,omitempty"`
	AwaitingApproval bool      `json:"awaiting_approval,omitempty"`
	RequestedAt      time.Time `json:"requested_at"`
	DueAt            time.Time `json:"due_at"`
	StartedAt        time.Time `json:"started_at,omitzero"`
	DoneAt           time.Time `json:"done_at,omitzero"`
	ETA              time.Time `json:"eta,omitzero"`
	CoverageCostKm2h float64   `json:"coverage_cost_km2h"`
}

// MarshalJSON writes the task with the request's fields inline, the
// deadline in seconds and times in RFC 3339.
func (t Task) MarshalJSON() ([]byte, error) {
	return json.Marshal(taskJSON{t.ID, t.Request.wire(), t.Status, t.Reason, t.Drone, t.Approved, t.AwaitingApproval,
		t.RequestedAt, t.DueAt, t.StartedAt, t.DoneAt, t.ETA, t.CoverageCostKm2h})
}

// UnmarshalJSON reads what MarshalJSON writes, strictly.
func (t *Task) UnmarshalJSON(b []byte) error {
	var w taskJSON
	if err := strict(b, &w); err != nil {
		return err
	}
	*t = Task{ID: w.ID, Request: w.request(), Status: w.Status, Reason: w.Reason, Drone: w.Drone,
		Approved: w.Approved, AwaitingApproval: w.AwaitingApproval, RequestedAt: w.RequestedAt, DueAt: w.DueAt, StartedAt: w.StartedAt,
		DoneAt: w.DoneAt, ETA: w.ETA, CoverageCostKm2h: w.CoverageCostKm2h}
	return nil
}
