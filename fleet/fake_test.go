package fleet

import (
	"context"
	"math"
	"sync"

	"github.com/aerocell/aerocell/mavlink"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// fakeMAVLink is a link whose vehicles obey instantly: it measures the
// controller alone, with no simulator or socket in the way.
type fakeMAVLink struct {
	mu       sync.Mutex
	vehicles map[mavlink.VehicleID]*mavlink.Telemetry
	order    []mavlink.VehicleID
	events   chan mavlink.Event
	// sent, when set, hears of every command as it is obeyed.
	sent chan mavlink.VehicleID
}

var _ MAVLink = (*fakeMAVLink)(nil)

// newFakeRadio stands n drones on the ground on a grid spread over a
// square of side km centred on lat, lon.
func newFakeRadio(n int, lat, lon, km float64) *fakeMAVLink {
	f := &fakeMAVLink{vehicles: map[mavlink.VehicleID]*mavlink.Telemetry{}, events: make(chan mavlink.Event, 1024)}
	side := int(math.Ceil(math.Sqrt(float64(n))))
	step := km / float64(side) / 111.32
	for i := 1; i <= n; i++ {
		id := mavlink.VehicleID{SysID: uint8(i), CompID: 1}
		hlat := lat + (float64((i-1)/side)-float64(side-1)/2)*step
		hlon := lon + (float64((i-1)%side)-float64(side-1)/2)*step/cosDeg(lat)
		f.vehicles[id] = &mavlink.Telemetry{
			ID: id, Mode: "STABILIZE", Lat: hlat, Lon: hlon, LandedState: common.MAV_LANDED_STATE_ON_GROUND,
			BatteryPct: 100, HomeSet: true, HomeLat: hlat, HomeLon: hlon,
			PublicCell: mavlink.CellOff, PrivateCell: mavlink.CellOff, Profile: 1,
		}
		f.order = append(f.order, id)
	}
	return f
}

// fleetOf lists drones 1..n as the configured fleet.
func fleetOf(n int) map[int]DroneConfig {
	m := map[int]DroneConfig{}
	for i := 1; i <= n; i++ {
		m[i] = DroneConfig{}
	}
	return m
}

func (f *fakeMAVLink) Events() <-chan mavlink.Event { return f.events }

func (f *fakeMAVLink) Vehicles() []mavlink.Telemetry {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]mavlink.Telemetry, 0, len(f.order))
	for _, id := range f.order {
		out = append(out, *f.vehicles[id])
	}
	return out
}

// set changes one vehicle's telemetry.
func (f *fakeMAVLink) set(id mavlink.VehicleID, fn func(t *mavlink.Telemetry)) {
	f.mu.Lock()
	fn(f.vehicles[id])
	f.mu.Unlock()
}

func (f *fakeMAVLink) obey(ctx context.Context, id mavlink.VehicleID, fn func(t *mavlink.Telemetry)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	t, ok := f.vehicles[id]
	if ok {
		fn(t)
	}
	sent := f.sent
	f.mu.Unlock()
	if !ok {
		return mavlink.ErrUnknownVehicle
	}
	if sent != nil {
		select {
		case sent <- id:
		default:
		}
	}
	return nil
}

// watch makes every command obeyed from now on be told on ch.
func (f *fakeMAVLink) watch(ch chan mavlink.VehicleID) {
	f.mu.Lock()
	f.sent = ch
	f.mu.Unlock()
}

func (f *fakeMAVLink) SetMode(ctx context.Context, id mavlink.VehicleID, name string) error {
	return f.obey(ctx, id, func(t *mavlink.Telemetry) { t.Mode = name })
}

func (f *fakeMAVLink) Arm(ctx context.Context, id mavlink.VehicleID) error {
	return f.obey(ctx, id, func(t *mavlink.Telemetry) { t.Armed = true })
}

func (f *fakeMAVLink) Takeoff(ctx context.Context, id mavlink.VehicleID, alt float64) error {
	return f.obey(ctx, id, func(t *mavlink.Telemetry) {
		t.AltRel, t.LandedState = alt, common.MAV_LANDED_STATE_IN_AIR
	})
}

func (f *fakeMAVLink) GoTo(ctx context.Context, id mavlink.VehicleID, lat, lon, alt float64) error {
	return f.obey(ctx, id, func(t *mavlink.Telemetry) {
		t.Lat, t.Lon, t.AltRel, t.Mode = lat, lon, alt, "GUIDED"
		t.LandedState = common.MAV_LANDED_STATE_IN_AIR
	})
}

func (f *fakeMAVLink) RTL(ctx context.Context, id mavlink.VehicleID) error {
	return f.obey(ctx, id, func(t *mavlink.Telemetry) {
		t.Lat, t.Lon, t.AltRel, t.Armed, t.Mode = t.HomeLat, t.HomeLon, 0, false, "RTL"
		t.LandedState = common.MAV_LANDED_STATE_ON_GROUND
	})
}

func (f *fakeMAVLink) Land(ctx context.Context, id mavlink.VehicleID) error {
	return f.obey(ctx, id, func(t *mavlink.Telemetry) {
		t.AltRel, t.Armed, t.Mode, t.LandedState = 0, false, "LAND", common.MAV_LANDED_STATE_ON_GROUND
	})
}

func (f *fakeMAVLink) SetPayload(ctx context.Context, id mavlink.VehicleID, n mavlink.Network, on bool) error {
	st := mavlink.CellOff
	if on {
		st = mavlink.CellOn
	}
	return f.obey(ctx, id, func(t *mavlink.Telemetry) {
		if n == mavlink.Private {
			t.PrivateCell = st
		} else {
			t.PublicCell = st
		}
	})
}

func (f *fakeMAVLink) UploadFence(ctx context.Context, id mavlink.VehicleID, items []mavlink.MissionItem) error {
	return f.obey(ctx, id, func(*mavlink.Telemetry) {})
}

func (f *fakeMAVLink) SetParam(ctx context.Context, id mavlink.VehicleID, name string, v float32) error {
	return f.obey(ctx, id, func(*mavlink.Telemetry) {})
}

func (f *fakeMAVLink) UploadMission(ctx context.Context, id mavlink.VehicleID, typ common.MAV_MISSION_TYPE, items []mavlink.MissionItem) error {
	return f.obey(ctx, id, func(*mavlink.Telemetry) {})
}

func (f *fakeMAVLink) StartMission(ctx context.Context, id mavlink.VehicleID) error {
	return f.obey(ctx, id, func(t *mavlink.Telemetry) { t.Mode = "AUTO" })
}
