package mavlink

import (
	"context"
	"errors"
	"math"
	"sync"
	"time"

	"github.com/aerocell/aerocell/payload"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
)

// Command is one MAVLink command. Sent as COMMAND_LONG unless Int is set;
// then as COMMAND_INT with Frame, X and Y (latitude and longitude in degrees
// times 1e7) and Z taking the place of params 5 to 7.
type Command struct {
	Command common.MAV_CMD
	Params  [7]float32 // param1..param7; COMMAND_INT uses param1..param4
	Int     bool
	Frame   common.MAV_FRAME
	X, Y    int32
	Z       float32
}

// Ack is a vehicle's final answer to a command.
type Ack struct {
	Result       common.MAV_RESULT
	Progress     uint8
	ResultParam2 int32
}

// Network is a drone's cellular network, for SetPayload.
type Network = payload.Network

// The two networks a drone may carry.
const (
	Public  = payload.Public
	Private = payload.Private
)

// Send runs the command protocol: it sends c to the vehicle, waits
// Config.CommandTimeout for its COMMAND_ACK, sends again (confirmation
// raised) up to Config.CommandRetries times, and follows an IN_PROGRESS
// answer to its end. A nil error means MAV_RESULT_ACCEPTED; otherwise the
// error is a *CommandError wrapping ErrDenied, ErrUnsupported,
// ErrTemporarilyRejected, ErrFailed, ErrTimeout, ErrLinkLost, ErrCancelled,
// ErrUnknownVehicle or ErrQueueFull. Commands to different vehicles run in
// parallel; the same command to the same vehicle waits for the one before.
func (s *Station) Send(ctx context.Context, id VehicleID, c Command) (Ack, error) {
	fail := func(sentinel, cause error, ack *common.MessageCommandAck) (Ack, error) {
		e := &CommandError{Vehicle: id, Command: c.Command, Err: sentinel, cause: cause}
		if ack != nil {
			e.Result, e.Answered = ack.Result, true
			return Ack{ack.Result, ack.Progress, ack.ResultParam2}, e
		}
		return Ack{}, e
	}
	v := s.vehicle(id)
	if v == nil {
		return fail(ErrUnknownVehicle, nil, nil)
	}
	// one command of a kind per vehicle: acks carry only the command id
	v.mu.Lock()
	slot := v.cmdSlots[c.Command]
	if slot == nil {
		slot = make(chan struct{}, 1)
		v.cmdSlots[c.Command] = slot
	}
	v.mu.Unlock()
	select {
	case slot <- struct{}{}:
	case <-ctx.Done():
		return fail(ErrCancelled, ctx.Err(), nil)
	case <-s.done:
		return fail(ErrCancelled, ErrClosed, nil)
	}
	defer func() { <-slot }()

	acks := make(chan *common.MessageCommandAck, 8)
	v.mu.Lock()
	v.pending[c.Command] = acks
	lostCh, lost := v.lostCh, v.lost
	v.mu.Unlock()
	defer func() {
		v.mu.Lock()
		delete(v.pending, c.Command)
		v.mu.Unlock()
	}()
	if lost {
		return fail(ErrLinkLost, nil, nil)
	}

	timer := s.clk.NewTimer(s.cfg.CommandTimeout)
	defer timer.Stop()
	inProgress := false
	for attempt := 0; ; {
		if !inProgress {
			p := v.bestRoute()
			if p == nil {
				return fail(ErrLinkLost, nil, nil)
			}
			if err := p.send(ctx, outItem{msg: c.message(id, attempt)}, s.cfg.CommandTimeout); err != nil {
				if errors.Is(err, ErrQueueFull) {
					return fail(ErrQueueFull, nil, nil)
				}
				if ctx.Err() != nil {
					return fail(ErrCancelled, ctx.Err(), nil)
				}
				return fail(ErrLinkLost, err, nil)
			}
			timer.Reset(s.cfg.CommandTimeout)
		}
		select {
		case ack := <-acks:
			if ack.Result == common.MAV_RESULT_IN_PROGRESS {
				inProgress = true
				timer.Reset(s.cfg.InProgressTimeout)
				continue
			}
			if err := resultErr(ack.Result); err != nil {
				return fail(err, nil, ack)
			}
			return Ack{ack.Result, ack.Progress, ack.ResultParam2}, nil
		case <-timer.C():
			if inProgress {
				return fail(ErrTimeout, nil, nil)
			}
			attempt++
			if attempt > s.cfg.CommandRetries {
				return fail(ErrTimeout, nil, nil)
			}
		case <-lostCh:
			return fail(ErrLinkLost, nil, nil)
		case <-ctx.Done():
			return fail(ErrCancelled, ctx.Err(), nil)
		case <-s.done:
			return fail(ErrCancelled, ErrClosed, nil)
		}
	}
}

func (c Command) message(id VehicleID, attempt int) message.Message {
	if c.Int {
		return &common.MessageCommandInt{
			TargetSystem: id.SysID, TargetComponent: id.CompID, Frame: c.Frame, Command: c.Command,
			Param1: c.Params[0], Param2: c.Params[1], Param3: c.Params[2], Param4: c.Params[3],
			X: c.X, Y: c.Y, Z: c.Z,
		}
	}
	return &common.MessageCommandLong{
		TargetSystem: id.SysID, TargetComponent: id.CompID, Command: c.Command,
		Confirmation: uint8(min(attempt, 255)),
		Param1:       c.Params[0], Param2: c.Params[1], Param3: c.Params[2], Param4: c.Params[3],
		Param5: c.Params[4], Param6: c.Params[5], Param7: c.Params[6],
	}
}

func (s *Station) long(ctx context.Context, id VehicleID, cmd common.MAV_CMD, p ...float32) error {
	c := Command{Command: cmd}
	copy(c.Params[:], p)
	_, err := s.Send(ctx, id, c)
	return err
}

// Arm arms the vehicle's motors.
func (s *Station) Arm(ctx context.Context, id VehicleID) error {
	return s.long(ctx, id, common.MAV_CMD_COMPONENT_ARM_DISARM, 1)
}

// Disarm disarms the vehicle's motors.
func (s *Station) Disarm(ctx context.Context, id VehicleID) error {
	return s.long(ctx, id, common.MAV_CMD_COMPONENT_ARM_DISARM, 0)
}

// SetMode changes the flight mode by name, as the vehicle's autopilot names
// it (ArduPilot Copter "GUIDED", Plane "FBWA", PX4 "AUTO.LOITER", ...).
// An unknown name is an error wrapping ErrUnknownMode, sent nowhere.
func (s *Station) SetMode(ctx context.Context, id VehicleID, name string) error {
	t, ok := s.Vehicle(id)
	if !ok {
		return &CommandError{Vehicle: id, Command: common.MAV_CMD_DO_SET_MODE, Err: ErrUnknownVehicle}
	}
	mode, sub, err := modeNumber(t.Autopilot, t.Type, name)
	if err != nil {
		return err
	}
	return s.long(ctx, id, common.MAV_CMD_DO_SET_MODE,
		float32(common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED), float32(mode), float32(sub))
}

// guided puts an ArduPilot vehicle in GUIDED (or a PX4 one in no mode
// change) when it is not already: takeoff and go-to need it.
func (s *Station) guided(ctx context.Context, id VehicleID) error {
	t, ok := s.Vehicle(id)
	if !ok {
		return &CommandError{Vehicle: id, Command: common.MAV_CMD_DO_SET_MODE, Err: ErrUnknownVehicle}
	}
	if t.Autopilot != common.MAV_AUTOPILOT_ARDUPILOTMEGA || t.Mode == "GUIDED" {
		return nil
	}
	return s.SetMode(ctx, id, "GUIDED")
}

// Takeoff climbs to altRel metres above home. An ArduPilot vehicle (copter
// or plane) is first put in GUIDED mode; it must be armed.
func (s *Station) Takeoff(ctx context.Context, id VehicleID, altRel float64) error {
	if err := s.guided(ctx, id); err != nil {
		return err
	}
	return s.long(ctx, id, common.MAV_CMD_NAV_TAKEOFF, 0, 0, 0, float32(math.NaN()), 0, 0, float32(altRel))
}

// GoTo flies to lat, lon (degrees) at altRel metres above home, with
// MAV_CMD_DO_REPOSITION; a vehicle that does not support it gets a
// SET_POSITION_TARGET_GLOBAL_INT in GUIDED mode instead.
func (s *Station) GoTo(ctx context.Context, id VehicleID, lat, lon, altRel float64) error {
	return s.goTo(ctx, id, lat, lon, altRel, common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT)
}

// GoToTerrain is GoTo at aboveGround metres above the terrain
// (MAV_FRAME_GLOBAL_TERRAIN_ALT_INT): the autopilot holds that height over
// the ground from its own terrain data, on the way and on station. Only
// for a vehicle that holds terrain data where it is (its TERRAIN_REPORT):
// without it ArduPilot fails DO_REPOSITION (ErrFailed) and ignores
// SET_POSITION_TARGET_GLOBAL_INT.
func (s *Station) GoToTerrain(ctx context.Context, id VehicleID, lat, lon, aboveGround float64) error {
	return s.goTo(ctx, id, lat, lon, aboveGround, common.MAV_FRAME_GLOBAL_TERRAIN_ALT_INT)
}

func (s *Station) goTo(ctx context.Context, id VehicleID, lat, lon, alt float64, fr common.MAV_FRAME) error {
	if err := s.guided(ctx, id); err != nil {
		return err
	}
	_, err := s.Send(ctx, id, Command{
		Command: common.MAV_CMD_DO_REPOSITION, Int: true,
		Frame:  fr,
		Params: [7]float32{-1, float32(common.MAV_DO_REPOSITION_FLAGS_CHANGE_MODE), 0, float32(math.NaN())},
		X:      int32(math.Round(lat * 1e7)), Y: int32(math.Round(lon * 1e7)), Z: float32(alt),
	})
	if errors.Is(err, ErrUnsupported) {
		return s.positionTarget(ctx, id, lat, lon, alt, fr)
	}
	return err
}

// SetPositionTarget sends SET_POSITION_TARGET_GLOBAL_INT (position only,
// altitude above home). The message has no acknowledgement: a nil error
// means it was queued on the vehicle's link.
func (s *Station) SetPositionTarget(ctx context.Context, id VehicleID, lat, lon, altRel float64) error {
	return s.positionTarget(ctx, id, lat, lon, altRel, common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT)
}

func (s *Station) positionTarget(ctx context.Context, id VehicleID, lat, lon, alt float64, fr common.MAV_FRAME) error {
	v := s.vehicle(id)
	if v == nil {
		return &CommandError{Vehicle: id, Err: ErrUnknownVehicle}
	}
	p := v.bestRoute()
	if p == nil {
		return &CommandError{Vehicle: id, Err: ErrLinkLost}
	}
	const positionOnly = common.POSITION_TARGET_TYPEMASK_VX_IGNORE | common.POSITION_TARGET_TYPEMASK_VY_IGNORE |
		common.POSITION_TARGET_TYPEMASK_VZ_IGNORE | common.POSITION_TARGET_TYPEMASK_AX_IGNORE |
		common.POSITION_TARGET_TYPEMASK_AY_IGNORE | common.POSITION_TARGET_TYPEMASK_AZ_IGNORE |
		common.POSITION_TARGET_TYPEMASK_YAW_IGNORE | common.POSITION_TARGET_TYPEMASK_YAW_RATE_IGNORE
	m := &common.MessageSetPositionTargetGlobalInt{
		TargetSystem: id.SysID, TargetComponent: id.CompID,
		CoordinateFrame: fr, TypeMask: positionOnly,
		LatInt: int32(math.Round(lat * 1e7)), LonInt: int32(math.Round(lon * 1e7)), Alt: float32(alt),
	}
	if err := p.send(ctx, outItem{msg: m}, s.cfg.CommandTimeout); err != nil {
		return &CommandError{Vehicle: id, Err: ErrQueueFull, cause: err}
	}
	return nil
}

// ChangeSpeed sets the ground speed in m/s.
func (s *Station) ChangeSpeed(ctx context.Context, id VehicleID, mps float64) error {
	return s.long(ctx, id, common.MAV_CMD_DO_CHANGE_SPEED, 1, float32(mps), -1)
}

// RTL returns the vehicle to its launch point.
func (s *Station) RTL(ctx context.Context, id VehicleID) error {
	return s.long(ctx, id, common.MAV_CMD_NAV_RETURN_TO_LAUNCH)
}

// Land lands the vehicle where it is.
func (s *Station) Land(ctx context.Context, id VehicleID) error {
	return s.long(ctx, id, common.MAV_CMD_NAV_LAND, 0, 0, 0, float32(math.NaN()), 0, 0, 0)
}

// SetPayload switches one of the drone's base stations on or off
// (MAV_CMD_USER_1: param1 network, param2 1 on / 0 off). The drone may answer
// IN_PROGRESS while the cell starts; SetPayload waits for the end.
func (s *Station) SetPayload(ctx context.Context, id VehicleID, network Network, on bool) error {
	p2 := float32(0)
	if on {
		p2 = 1
	}
	return s.long(ctx, id, payload.Command, float32(network), p2)
}

// Each runs fn for every id at once and returns the errors by vehicle (nil
// entries for successes): a fleet-wide order does not wait for vehicle
// after vehicle.
func (s *Station) Each(ctx context.Context, ids []VehicleID, fn func(context.Context, VehicleID) error) map[VehicleID]error {
	out := make(map[VehicleID]error, len(ids))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := fn(ctx, id)
			mu.Lock()
			out[id] = err
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// streamMessages are what the station asks every vehicle for.
var streamMessages = []message.Message{
	&common.MessageGlobalPositionInt{}, &common.MessageAttitude{}, &common.MessageSysStatus{},
	&common.MessageGpsRawInt{}, &common.MessageVfrHud{}, &common.MessageBatteryStatus{},
	&common.MessageExtendedSysState{}, &common.MessageHomePosition{},
}

// requestStreams asks a vehicle for the telemetry the station needs, with
// MAV_CMD_SET_MESSAGE_INTERVAL, falling back to REQUEST_DATA_STREAM when the
// vehicle does not support it or does not answer. It runs in the background.
func (s *Station) requestStreams(v *vehicle) {
	if s.cfg.StreamRate < 0 {
		return
	}
	t, _ := s.Vehicle(v.id)
	if t.Autopilot == common.MAV_AUTOPILOT_INVALID {
		return
	}
	s.goRun(func() {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			select {
			case <-s.done:
				cancel()
			case <-ctx.Done():
			}
		}()
		interval := float32(time.Second.Microseconds()) / float32(s.cfg.StreamRate)
		fallback := false
	ask:
		for _, m := range streamMessages {
			rate := interval
			if _, ok := m.(*common.MessageHomePosition); ok {
				rate = float32(5 * time.Second.Microseconds())
			}
			err := s.long(ctx, v.id, common.MAV_CMD_SET_MESSAGE_INTERVAL, float32(m.GetID()), rate)
			switch {
			case err == nil, errors.Is(err, ErrDenied), errors.Is(err, ErrFailed), errors.Is(err, ErrTemporarilyRejected):
				// the vehicle speaks the protocol; it may not have this message
			case errors.Is(err, ErrUnsupported), errors.Is(err, ErrTimeout):
				fallback = true
				break ask
			default:
				return // lost, cancelled, closed
			}
		}
		if !fallback {
			return
		}
		// older ArduPilot, or a router that drops commands: the stream groups
		if p := v.bestRoute(); p != nil {
			_ = p.send(ctx, outItem{msg: &common.MessageRequestDataStream{
				TargetSystem: v.id.SysID, TargetComponent: v.id.CompID,
				ReqStreamId: common.MAV_DATA_STREAM_ALL, ReqMessageRate: uint16(math.Ceil(s.cfg.StreamRate)),
				StartStop: 1,
			}}, s.cfg.CommandTimeout)
		}
	})
}
