package mavlink

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/ardupilotmega"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
)

// What a vehicle says of the mission it flies and the photos it takes
// (issue 12's tasks), and the parameter protocol a crew loading a drone
// uses (PARAM_SET, echoed by PARAM_VALUE).

// MissionProgress is how far a vehicle is through its mission and what its
// camera did, from MISSION_CURRENT, MISSION_ITEM_REACHED, CAMERA_TRIGGER
// and CAMERA_FEEDBACK.
type MissionProgress struct {
	// Current is the item being flown (MISSION_CURRENT seq), -1 unknown.
	Current int `json:"current"`
	// Total is the mission's item count as MISSION_CURRENT reports it
	// (home excluded on ArduPilot), 0 unknown.
	Total int `json:"total"`
	// Reached is the last item reached (MISSION_ITEM_REACHED), -1 none,
	// and ReachedAt when it was heard.
	Reached   int       `json:"reached"`
	ReachedAt time.Time `json:"reached_at,omitzero"`
	// Photos counts the photos the vehicle reported taking (CAMERA_FEEDBACK,
	// else CAMERA_TRIGGER when the autopilot sends no feedback), and
	// LastPhoto is where and when the last was taken.
	Photos    int       `json:"photos"`
	LastPhoto Photo     `json:"last_photo"`
	PhotoAt   time.Time `json:"photo_at,omitzero"`
	// Recent are the last photosKeep photos reported, oldest first, each
	// with its count N: a reader polling the telemetry picks up those
	// with N above the last it took, and keeps where each photo was.
	Recent []Photo `json:"-"`
	// lastTrigger is the last CAMERA_TRIGGER seq counted; feedback, once
	// heard, is what counts.
	lastTrigger uint32
	feedback    bool
}

// Photo is one picture's position: CAMERA_FEEDBACK's, or with
// CAMERA_TRIGGER alone the vehicle's position when the trigger was heard
// (as QGroundControl geotags).
type Photo struct {
	Lat    float64 `json:"lat"`
	Lon    float64 `json:"lon"`
	AltRel float64 `json:"alt_rel_m"`
	// N is the photo's count (Photos once it was reported), At when it
	// was heard; AltMSL and Yaw (degrees) are the camera's.
	N      int       `json:"-"`
	At     time.Time `json:"-"`
	AltMSL float64   `json:"-"`
	Yaw    float64   `json:"-"`
}

// photosKeep is how many photos MissionProgress.Recent keeps: a survey
// triggers at most a few times a second, and the fleet reads the
// telemetry several times a second.
const photosKeep = 32

// EventMissionItemReached: the vehicle reached a mission item.
type EventMissionItemReached struct {
	Vehicle VehicleID
	Seq     int
}

func (*EventMissionItemReached) isEvent() {}

// decodesProgress reports whether id is a message this file folds in.
func decodesProgress(id uint32) bool {
	switch id {
	case 22, // PARAM_VALUE
		42,  // MISSION_CURRENT
		46,  // MISSION_ITEM_REACHED
		112, // CAMERA_TRIGGER
		180: // CAMERA_FEEDBACK
		return true
	}
	return false
}

// applyProgress folds a progress or parameter message into the vehicle;
// v.mu is held.
func (v *vehicle) applyProgress(s *Station, msg message.Message, now time.Time, evs []Event) []Event {
	p := &v.t.Mission
	switch m := msg.(type) {
	case *common.MessageMissionCurrent:
		p.Current = int(m.Seq)
		if m.Total != math.MaxUint16 {
			p.Total = int(m.Total)
		}
	case *common.MessageMissionItemReached:
		p.Reached, p.ReachedAt = int(m.Seq), now
		evs = append(evs, &EventMissionItemReached{Vehicle: v.id, Seq: int(m.Seq)})
	case *common.MessageCameraTrigger:
		if !p.feedback && (m.Seq != p.lastTrigger || p.Photos == 0) {
			p.lastTrigger = m.Seq
			p.took(Photo{Lat: v.t.Lat, Lon: v.t.Lon, AltRel: v.t.AltRel, AltMSL: v.t.AltMSL, Yaw: v.t.Heading}, now)
		}
	case *ardupilotmega.MessageCameraFeedback:
		if !p.feedback {
			// Feedback counts from now on; the photos counted from
			// triggers are counted again, with the camera's positions.
			p.feedback, p.Photos = true, 0
			p.Recent = p.Recent[:0]
		}
		p.took(Photo{Lat: float64(m.Lat) / 1e7, Lon: float64(m.Lng) / 1e7, AltRel: float64(m.AltRel),
			AltMSL: float64(m.AltMsl), Yaw: float64(m.Yaw)}, now)
	case *common.MessageParamValue:
		if ch := v.params[m.ParamId]; ch != nil {
			select {
			case ch <- m.ParamValue:
			default:
				s.ctr.inboxDropped.Add(1)
			}
		}
	}
	return evs
}

// took counts photo ph, heard at now, and keeps it among the recent.
func (p *MissionProgress) took(ph Photo, now time.Time) {
	p.Photos++
	ph.N, ph.At = p.Photos, now
	p.LastPhoto, p.PhotoAt = ph, now
	if len(p.Recent) >= photosKeep {
		p.Recent = append(p.Recent[:0:0], p.Recent[1:]...)
	}
	p.Recent = append(p.Recent, ph)
}

// ParamError is a parameter that could not be set.
type ParamError struct {
	Vehicle VehicleID
	Name    string
	Err     error
	// Got is the value the vehicle echoed when it kept another (ErrDenied).
	Got float32
}

func (e *ParamError) Error() string {
	s := fmt.Sprintf("mavlink: vehicle %v: set %s: %v", e.Vehicle, e.Name, trimPrefix(e.Err))
	if errors.Is(e.Err, ErrDenied) {
		s += fmt.Sprintf(" (kept %g)", e.Got)
	}
	return s
}

func (e *ParamError) Unwrap() error { return e.Err }

// SetParam sets a parameter by the parameter protocol: PARAM_SET (REAL32),
// answered by a PARAM_VALUE with the value the vehicle now holds. It is sent
// again after Config.CommandTimeout up to Config.CommandRetries times. A
// vehicle that echoes another value refused it (ErrDenied); the errors are
// *ParamError wrapping ErrTimeout, ErrLinkLost, ErrCancelled, ErrDenied,
// ErrUnknownVehicle or ErrQueueFull. One setting of a name per vehicle at a
// time.
func (s *Station) SetParam(ctx context.Context, id VehicleID, name string, value float32) error {
	fail := func(err error, got float32) error { return &ParamError{Vehicle: id, Name: name, Err: err, Got: got} }
	if len(name) == 0 || len(name) > 16 {
		return fail(fmt.Errorf("%w: name must have 1 to 16 characters", ErrDenied), 0)
	}
	v := s.vehicle(id)
	if v == nil {
		return fail(ErrUnknownVehicle, 0)
	}
	ch := make(chan float32, 4)
	v.mu.Lock()
	if v.params == nil {
		v.params = map[string]chan float32{}
	}
	if v.params[name] != nil {
		v.mu.Unlock()
		return fail(fmt.Errorf("%w: %s is being set already", ErrTemporarilyRejected, name), 0)
	}
	v.params[name] = ch
	lostCh, lost := v.lostCh, v.lost
	v.mu.Unlock()
	defer func() {
		v.mu.Lock()
		delete(v.params, name)
		v.mu.Unlock()
	}()
	if lost {
		return fail(ErrLinkLost, 0)
	}
	out := &common.MessageParamSet{TargetSystem: id.SysID, TargetComponent: id.CompID, ParamId: name,
		ParamValue: value, ParamType: common.MAV_PARAM_TYPE_REAL32}
	timer := s.clk.NewTimer(s.cfg.CommandTimeout)
	defer timer.Stop()
	for attempt := 0; attempt <= s.cfg.CommandRetries; attempt++ {
		p := v.bestRoute()
		if p == nil {
			return fail(ErrLinkLost, 0)
		}
		if err := p.send(ctx, outItem{msg: out}, s.cfg.CommandTimeout); err != nil {
			if ctx.Err() != nil {
				return fail(ErrCancelled, 0)
			}
			return fail(ErrQueueFull, 0)
		}
		timer.Reset(s.cfg.CommandTimeout)
		select {
		case got := <-ch:
			if got != value {
				return fail(ErrDenied, got)
			}
			return nil
		case <-timer.C():
		case <-lostCh:
			return fail(ErrLinkLost, 0)
		case <-ctx.Done():
			return fail(ErrCancelled, 0)
		case <-s.done:
			return fail(ErrCancelled, 0)
		}
	}
	return fail(ErrTimeout, 0)
}

// StartMission switches the vehicle to AUTO, which flies its mission: on
// the ground an armed copter starts with the mission's takeoff, in the
// air it flies from the current item.
func (s *Station) StartMission(ctx context.Context, id VehicleID) error {
	return s.SetMode(ctx, id, "AUTO")
}

// SetMissionCurrent makes seq the item flown next (MAV_CMD_DO_SET_MISSION_CURRENT).
func (s *Station) SetMissionCurrent(ctx context.Context, id VehicleID, seq int) error {
	return s.long(ctx, id, common.MAV_CMD_DO_SET_MISSION_CURRENT, float32(seq))
}
