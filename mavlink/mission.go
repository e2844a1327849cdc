package mavlink

import (
	"context"
	"math"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
)

// MissionItem is one item of a mission, geofence or rally list
// (MISSION_ITEM_INT). Lat and Lon are degrees.
type MissionItem struct {
	Frame        common.MAV_FRAME
	Command      common.MAV_CMD
	Current      bool
	Autocontinue bool
	Param1       float32
	Param2       float32
	Param3       float32
	Param4       float32
	Lat, Lon     float64
	Alt          float32
}

// LatLon is a point in degrees.
type LatLon struct{ Lat, Lon float64 }

// Waypoint is a NAV_WAYPOINT at altRel metres above home.
func Waypoint(lat, lon, altRel float64) MissionItem {
	return MissionItem{Frame: common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT, Command: common.MAV_CMD_NAV_WAYPOINT,
		Autocontinue: true, Lat: lat, Lon: lon, Alt: float32(altRel)}
}

// FencePolygon gives the items of one geofence polygon, to upload with
// UploadFence: an inclusion polygon (stay inside) or an exclusion polygon
// (stay out). group numbers inclusion polygons that combine.
func FencePolygon(vertices []LatLon, inclusion bool, group int) []MissionItem {
	cmd := common.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_EXCLUSION
	if inclusion {
		cmd = common.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION
	}
	out := make([]MissionItem, len(vertices))
	for i, p := range vertices {
		out[i] = MissionItem{Frame: common.MAV_FRAME_GLOBAL, Command: cmd, Autocontinue: true,
			Param1: float32(len(vertices)), Lat: p.Lat, Lon: p.Lon}
		if inclusion {
			out[i].Param2 = float32(group)
		}
	}
	return out
}

func (it MissionItem) message(id VehicleID, seq uint16, typ common.MAV_MISSION_TYPE) *common.MessageMissionItemInt {
	b := func(x bool) uint8 {
		if x {
			return 1
		}
		return 0
	}
	return &common.MessageMissionItemInt{
		TargetSystem: id.SysID, TargetComponent: id.CompID, Seq: seq, Frame: it.Frame,
		Command: it.Command, Current: b(it.Current), Autocontinue: b(it.Autocontinue),
		Param1: it.Param1, Param2: it.Param2, Param3: it.Param3, Param4: it.Param4,
		X: int32(math.Round(it.Lat * 1e7)), Y: int32(math.Round(it.Lon * 1e7)), Z: it.Alt, MissionType: typ,
	}
}

func itemFrom(m *common.MessageMissionItemInt) MissionItem {
	return MissionItem{Frame: m.Frame, Command: m.Command, Current: m.Current != 0,
		Autocontinue: m.Autocontinue != 0, Param1: m.Param1, Param2: m.Param2, Param3: m.Param3,
		Param4: m.Param4, Lat: float64(m.X) / 1e7, Lon: float64(m.Y) / 1e7, Alt: m.Z}
}

// transfer is one mission-protocol exchange with a vehicle: it owns the
// vehicle's mission inbox while it runs.
type transfer struct {
	s      *Station
	v      *vehicle
	typ    common.MAV_MISSION_TYPE
	upload bool
	in     chan message.Message
	lostCh chan struct{}
}

func (s *Station) beginTransfer(ctx context.Context, id VehicleID, typ common.MAV_MISSION_TYPE, upload bool) (*transfer, error) {
	v := s.vehicle(id)
	if v == nil {
		return nil, &MissionError{Vehicle: id, Type: typ, Upload: upload, Err: ErrUnknownVehicle}
	}
	v.missionX.Lock()
	t := &transfer{s: s, v: v, typ: typ, upload: upload, in: make(chan message.Message, 64)}
	v.mu.Lock()
	v.mission = t.in
	t.lostCh = v.lostCh
	lost := v.lost
	v.mu.Unlock()
	if lost {
		t.end()
		return nil, t.fail(ErrLinkLost, nil, nil)
	}
	return t, nil
}

func (t *transfer) end() {
	t.v.mu.Lock()
	t.v.mission = nil
	t.v.mu.Unlock()
	t.v.missionX.Unlock()
}

func (t *transfer) fail(sentinel, cause error, result *common.MAV_MISSION_RESULT) error {
	e := &MissionError{Vehicle: t.v.id, Type: t.typ, Upload: t.upload, Err: sentinel, cause: cause}
	if result != nil {
		e.Result, e.Answered = *result, true
	}
	return e
}

func (t *transfer) send(ctx context.Context, m message.Message) error {
	p := t.v.bestRoute()
	if p == nil {
		return t.fail(ErrLinkLost, nil, nil)
	}
	if err := p.send(ctx, outItem{msg: m}, t.s.cfg.MissionTimeout); err != nil {
		if ctx.Err() != nil {
			return t.fail(ErrCancelled, ctx.Err(), nil)
		}
		return t.fail(ErrQueueFull, err, nil)
	}
	return nil
}

// exchange sends out and waits for a message that want accepts (returning
// done), resending out on each MissionTimeout up to MissionRetries times.
// want may return an error to end the exchange.
func (t *transfer) exchange(ctx context.Context, out message.Message, want func(message.Message) (bool, error)) error {
	s := t.s
	timer := s.clk.NewTimer(s.cfg.MissionTimeout)
	defer timer.Stop()
	for tries := 0; ; tries++ {
		if tries > s.cfg.MissionRetries {
			return t.fail(ErrTimeout, nil, nil)
		}
		if err := t.send(ctx, out); err != nil {
			return err
		}
		timer.Reset(s.cfg.MissionTimeout)
	wait:
		for {
			select {
			case m := <-t.in:
				if !t.forUs(m) {
					continue
				}
				done, err := want(m)
				if err != nil || done {
					return err
				}
			case <-timer.C():
				break wait
			case <-t.lostCh:
				return t.fail(ErrLinkLost, nil, nil)
			case <-ctx.Done():
				return t.fail(ErrCancelled, ctx.Err(), nil)
			case <-s.done:
				return t.fail(ErrCancelled, ErrClosed, nil)
			}
		}
	}
}

// forUs keeps messages addressed to the station and of the transfer's type.
func (t *transfer) forUs(m message.Message) bool {
	sys := t.s.cfg.SystemID
	switch m := m.(type) {
	case *common.MessageMissionRequestInt:
		return (m.TargetSystem == sys || m.TargetSystem == 0) && m.MissionType == t.typ
	case *common.MessageMissionRequest:
		return (m.TargetSystem == sys || m.TargetSystem == 0) && m.MissionType == t.typ
	case *common.MessageMissionAck:
		return (m.TargetSystem == sys || m.TargetSystem == 0) && m.MissionType == t.typ
	case *common.MessageMissionCount:
		return (m.TargetSystem == sys || m.TargetSystem == 0) && m.MissionType == t.typ
	case *common.MessageMissionItemInt:
		return (m.TargetSystem == sys || m.TargetSystem == 0) && m.MissionType == t.typ
	}
	return false
}

// UploadMission replaces the vehicle's list of the given type (mission,
// fence, rally) with items, by the mission protocol: MISSION_COUNT, then a
// MISSION_ITEM_INT for each MISSION_REQUEST_INT, to the final MISSION_ACK.
// Each step is retried after Config.MissionTimeout. Errors are
// *MissionError wrapping a sentinel (ErrTimeout, ErrDenied, ErrLinkLost...).
func (s *Station) UploadMission(ctx context.Context, id VehicleID, typ common.MAV_MISSION_TYPE, items []MissionItem) error {
	if len(items) > math.MaxUint16 {
		return &MissionError{Vehicle: id, Type: typ, Upload: true, Err: ErrDenied, cause: errTooMany}
	}
	t, err := s.beginTransfer(ctx, id, typ, true)
	if err != nil {
		return err
	}
	defer t.end()
	var out message.Message = &common.MessageMissionCount{TargetSystem: id.SysID, TargetComponent: id.CompID,
		Count: uint16(len(items)), MissionType: typ}
	sentLast := len(items) == 0
	for {
		var next message.Message
		finished := false
		err := t.exchange(ctx, out, func(m message.Message) (bool, error) {
			seq := -1
			switch m := m.(type) {
			case *common.MessageMissionRequestInt:
				seq = int(m.Seq)
			case *common.MessageMissionRequest:
				seq = int(m.Seq)
			case *common.MessageMissionAck:
				if err := missionResultErr(m.Type); err != nil {
					r := m.Type
					return true, t.fail(err, nil, &r)
				}
				if !sentLast {
					return false, nil // an old transfer's ack: not ours yet
				}
				finished = true
				return true, nil
			}
			if seq < 0 || seq >= len(items) {
				return false, nil
			}
			next = items[seq].message(id, uint16(seq), typ)
			if seq == len(items)-1 {
				sentLast = true
			}
			return true, nil
		})
		if err != nil || finished {
			return err
		}
		out = next
	}
}

// UploadFence uploads geofence items (see FencePolygon).
func (s *Station) UploadFence(ctx context.Context, id VehicleID, items []MissionItem) error {
	return s.UploadMission(ctx, id, common.MAV_MISSION_TYPE_FENCE, items)
}

// DownloadMission reads the vehicle's list of the given type.
func (s *Station) DownloadMission(ctx context.Context, id VehicleID, typ common.MAV_MISSION_TYPE) ([]MissionItem, error) {
	t, err := s.beginTransfer(ctx, id, typ, false)
	if err != nil {
		return nil, err
	}
	defer t.end()
	count := -1
	err = t.exchange(ctx, &common.MessageMissionRequestList{TargetSystem: id.SysID, TargetComponent: id.CompID,
		MissionType: typ}, func(m message.Message) (bool, error) {
		switch m := m.(type) {
		case *common.MessageMissionCount:
			count = int(m.Count)
			return true, nil
		case *common.MessageMissionAck:
			if err := missionResultErr(m.Type); err != nil {
				r := m.Type
				return true, t.fail(err, nil, &r)
			}
		}
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	items := make([]MissionItem, count)
	for seq := 0; seq < count; seq++ {
		err := t.exchange(ctx, &common.MessageMissionRequestInt{TargetSystem: id.SysID, TargetComponent: id.CompID,
			Seq: uint16(seq), MissionType: typ}, func(m message.Message) (bool, error) {
			if it, ok := m.(*common.MessageMissionItemInt); ok && int(it.Seq) == seq {
				items[seq] = itemFrom(it)
				return true, nil
			}
			return false, nil
		})
		if err != nil {
			return nil, err
		}
	}
	if err := t.send(ctx, &common.MessageMissionAck{TargetSystem: id.SysID, TargetComponent: id.CompID,
		Type: common.MAV_MISSION_ACCEPTED, MissionType: typ}); err != nil {
		return nil, err
	}
	return items, nil
}

// ClearMission deletes the vehicle's list of the given type.
func (s *Station) ClearMission(ctx context.Context, id VehicleID, typ common.MAV_MISSION_TYPE) error {
	t, err := s.beginTransfer(ctx, id, typ, true)
	if err != nil {
		return err
	}
	defer t.end()
	return t.exchange(ctx, &common.MessageMissionClearAll{TargetSystem: id.SysID, TargetComponent: id.CompID,
		MissionType: typ}, func(m message.Message) (bool, error) {
		if a, ok := m.(*common.MessageMissionAck); ok {
			if err := missionResultErr(a.Type); err != nil {
				r := a.Type
				return true, t.fail(err, nil, &r)
			}
			return true, nil
		}
		return false, nil
	})
}
