package mavlink

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/aerocell/aerocell/clock"
	"github.com/bluenviron/gomavlib/v3"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/ardupilotmega"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/frame"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
)

// fakeVehicle is a small ArduPilot-like copter built on a plain gomavlib
// Node, for tests that must not depend on the simulator: it sends telemetry
// on the test clock, answers commands and runs the vehicle side of the
// mission protocol, and can lose packets both ways.
type fakeVehicle struct {
	t    testing.TB
	node *gomavlib.Node
	clk  clock.Clock
	id   VehicleID
	done chan struct{}
	wg   sync.WaitGroup

	mu       sync.Mutex
	rng      *rand.Rand
	loss     float64 // probability of losing each frame, both ways
	silent   bool    // sends nothing at all (link down)
	armed    bool
	mode     uint32
	lat, lon float64
	alt      float64          // relative, metres
	frame    common.MAV_FRAME // of alt, as the last go-to sent it
	target   *LatLon
	battery  int8
	result   map[common.MAV_CMD]common.MAV_RESULT // forced answers
	noAnswer map[common.MAV_CMD]bool
	// inProgress: commands answered IN_PROGRESS first, then ACCEPTED.
	inProgress map[common.MAV_CMD]bool
	commands   map[common.MAV_CMD]int // how many of each were received
	confirms   []uint8                // confirmation fields of RTL commands
	payload    map[int32]int32        // network -> state
	lists      map[common.MAV_MISSION_TYPE][]*common.MessageMissionItemInt
	upCount    int
	upType     common.MAV_MISSION_TYPE
	upItems    []*common.MessageMissionItemInt
	upDone     bool
	intervals  map[uint32]float32
	dataStream int // REQUEST_DATA_STREAM received
	othersLong int // COMMAND_LONG received that was for another system
	barrier    *barrier
	// terrain the station sent: TERRAIN_DATA and TERRAIN_REPORT
	terrainData    []*common.MessageTerrainData
	terrainReports []*common.MessageTerrainReport
}

type fakeOpts struct {
	key  *frame.V2Key // signs and checks when set
	loss float64
	home LatLon
	seed uint64
	// result forces answers from the start
	result map[common.MAV_CMD]common.MAV_RESULT
	// barrier, when set, holds the answer to ARM until every vehicle
	// sharing it has received its own ARM.
	barrier *barrier
}

// barrier opens when n distinct vehicles have arrived.
type barrier struct {
	mu   sync.Mutex
	n    int
	seen map[VehicleID]bool
	open chan struct{}
}

func newBarrier(n int) *barrier {
	return &barrier{n: n, seen: map[VehicleID]bool{}, open: make(chan struct{})}
}

func (b *barrier) arrive(id VehicleID) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.seen[id] {
		return
	}
	b.seen[id] = true
	if len(b.seen) == b.n {
		close(b.open)
	}
}

func newFake(t testing.TB, clk clock.Clock, addr string, id VehicleID, o fakeOpts) *fakeVehicle {
	t.Helper()
	f := &fakeVehicle{
		t: t, clk: clk, id: id, done: make(chan struct{}),
		rng:  rand.New(rand.NewPCG(o.seed, uint64(id.SysID))),
		loss: o.loss, mode: 5, lat: o.home.Lat, lon: o.home.Lon, battery: 87,
		result: map[common.MAV_CMD]common.MAV_RESULT{}, noAnswer: map[common.MAV_CMD]bool{},
		inProgress: map[common.MAV_CMD]bool{}, commands: map[common.MAV_CMD]int{},
		payload:   map[int32]int32{1: 0, 2: 0},
		lists:     map[common.MAV_MISSION_TYPE][]*common.MessageMissionItemInt{},
		intervals: map[uint32]float32{},
	}
	for k, r := range o.result {
		f.result[k] = r
	}
	f.barrier = o.barrier
	f.node = &gomavlib.Node{
		Endpoints:        []gomavlib.EndpointConf{gomavlib.EndpointUDPClient{Address: addr}},
		Dialect:          ardupilotmega.Dialect,
		OutVersion:       gomavlib.V2,
		OutSystemID:      id.SysID,
		OutComponentID:   id.CompID,
		HeartbeatDisable: true,
		InKey:            o.key,
		OutKey:           o.key,
	}
	if err := f.node.Initialize(); err != nil {
		t.Fatal(err)
	}
	f.wg.Add(2)
	go f.events()
	go f.telemetry()
	t.Cleanup(f.close)
	return f
}

func (f *fakeVehicle) close() {
	select {
	case <-f.done:
		return
	default:
	}
	close(f.done)
	f.node.Close()
	f.wg.Wait()
}

func (f *fakeVehicle) lose() bool {
	if f.silent {
		return true
	}
	return f.loss > 0 && f.rng.Float64() < f.loss
}

// write sends m unless the fake's loss eats it; f.mu is held.
func (f *fakeVehicle) write(m message.Message) {
	if f.lose() {
		return
	}
	_ = f.node.WriteMessageAll(m)
}

func (f *fakeVehicle) telemetry() {
	defer f.wg.Done()
	tk := f.clk.NewTicker(250 * time.Millisecond)
	defer tk.Stop()
	n := 0
	for {
		select {
		case <-tk.C():
		case <-f.done:
			return
		}
		f.mu.Lock()
		f.step()
		if n%4 == 0 {
			base := common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED
			if f.armed {
				base |= common.MAV_MODE_FLAG_SAFETY_ARMED
			}
			f.write(&common.MessageHeartbeat{Type: common.MAV_TYPE_QUADROTOR,
				Autopilot: common.MAV_AUTOPILOT_ARDUPILOTMEGA, BaseMode: base, CustomMode: f.mode,
				SystemStatus: common.MAV_STATE_ACTIVE, MavlinkVersion: 3})
			f.write(&common.MessageSysStatus{VoltageBattery: 15800, CurrentBattery: 1230, BatteryRemaining: f.battery})
			f.write(&common.MessageGpsRawInt{FixType: common.GPS_FIX_TYPE_3D_FIX, SatellitesVisible: 14,
				Lat: int32(f.lat * 1e7), Lon: int32(f.lon * 1e7)})
			f.write(&common.MessageNamedValueInt{Name: "BS_PUB", Value: f.payload[1]})
			f.write(&common.MessageNamedValueInt{Name: "AC_PROFILE", Value: 1})
		}
		n++
		f.write(&common.MessageGlobalPositionInt{Lat: int32(math.Round(f.lat * 1e7)), Lon: int32(math.Round(f.lon * 1e7)),
			Alt: int32((f.alt + 100) * 1000), RelativeAlt: int32(f.alt * 1000), Vx: 120, Vy: -40, Vz: 0, Hdg: 9000})
		f.write(&common.MessageAttitude{Roll: 0.1, Pitch: -0.05, Yaw: math.Pi / 2})
		f.mu.Unlock()
	}
}

// step moves the fake a little towards its target; f.mu is held.
func (f *fakeVehicle) step() {
	if f.target != nil {
		f.lat += (f.target.Lat - f.lat) * 0.5
		f.lon += (f.target.Lon - f.lon) * 0.5
	}
}

func (f *fakeVehicle) state() (armed bool, mode uint32, lat, lon, alt float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.armed, f.mode, f.lat, f.lon, f.alt
}

func (f *fakeVehicle) events() {
	defer f.wg.Done()
	for ev := range f.node.Events() {
		fe, ok := ev.(*gomavlib.EventFrame)
		if !ok {
			continue
		}
		f.mu.Lock()
		if !f.lose() {
			f.handle(fe.Message())
		}
		f.mu.Unlock()
	}
}

func (f *fakeVehicle) ack(cmd common.MAV_CMD, r common.MAV_RESULT) {
	f.write(&common.MessageCommandAck{Command: cmd, Result: r, TargetSystem: 255, TargetComponent: 190})
}

// handle answers one message from the station; f.mu is held.
func (f *fakeVehicle) handle(m message.Message) {
	me := func(sys, comp uint8) bool { return sys == f.id.SysID && (comp == f.id.CompID || comp == 0) }
	switch m := m.(type) {
	case *common.MessageCommandLong:
		if !me(m.TargetSystem, m.TargetComponent) {
			f.othersLong++
			return
		}
		if m.Command == common.MAV_CMD_NAV_RETURN_TO_LAUNCH {
			f.confirms = append(f.confirms, m.Confirmation)
		}
		f.command(m.Command, [7]float32{m.Param1, m.Param2, m.Param3, m.Param4, m.Param5, m.Param6, m.Param7})
	case *common.MessageCommandInt:
		if !me(m.TargetSystem, m.TargetComponent) {
			return
		}
		f.command(m.Command, [7]float32{m.Param1, m.Param2, m.Param3, m.Param4, float32(m.X) / 1e7, float32(m.Y) / 1e7, m.Z})
		if m.Command == common.MAV_CMD_DO_REPOSITION {
			f.target = &LatLon{float64(m.X) / 1e7, float64(m.Y) / 1e7}
			f.alt, f.frame = float64(m.Z), m.Frame
		}
	case *common.MessageSetPositionTargetGlobalInt:
		if me(m.TargetSystem, m.TargetComponent) && f.mode == 4 {
			f.target = &LatLon{float64(m.LatInt) / 1e7, float64(m.LonInt) / 1e7}
			f.alt, f.frame = float64(m.Alt), m.CoordinateFrame
		}
	case *common.MessageTerrainData:
		f.terrainData = append(f.terrainData, m)
	case *common.MessageTerrainReport:
		f.terrainReports = append(f.terrainReports, m)
	case *common.MessageRequestDataStream:
		if me(m.TargetSystem, m.TargetComponent) && m.StartStop == 1 {
			f.dataStream++
		}
	case *common.MessageMissionCount:
		if !me(m.TargetSystem, m.TargetComponent) {
			return
		}
		f.upCount, f.upType, f.upItems, f.upDone = int(m.Count), m.MissionType, nil, false
		if m.Count == 0 {
			f.lists[m.MissionType] = nil
			f.write(&common.MessageMissionAck{TargetSystem: 255, TargetComponent: 190, Type: common.MAV_MISSION_ACCEPTED, MissionType: m.MissionType})
			return
		}
		f.write(&common.MessageMissionRequestInt{TargetSystem: 255, TargetComponent: 190, Seq: 0, MissionType: m.MissionType})
	case *common.MessageMissionItemInt:
		if !me(m.TargetSystem, m.TargetComponent) {
			return
		}
		if f.upDone {
			f.write(&common.MessageMissionAck{TargetSystem: 255, TargetComponent: 190, Type: common.MAV_MISSION_ACCEPTED, MissionType: f.upType})
			return
		}
		if int(m.Seq) == len(f.upItems) {
			f.upItems = append(f.upItems, m)
		}
		if len(f.upItems) == f.upCount {
			f.upDone = true
			f.lists[f.upType] = f.upItems
			f.write(&common.MessageMissionAck{TargetSystem: 255, TargetComponent: 190, Type: common.MAV_MISSION_ACCEPTED, MissionType: f.upType})
			return
		}
		f.write(&common.MessageMissionRequestInt{TargetSystem: 255, TargetComponent: 190, Seq: uint16(len(f.upItems)), MissionType: f.upType})
	case *common.MessageMissionRequestList:
		if !me(m.TargetSystem, m.TargetComponent) {
			return
		}
		f.write(&common.MessageMissionCount{TargetSystem: 255, TargetComponent: 190, Count: uint16(len(f.lists[m.MissionType])), MissionType: m.MissionType})
	case *common.MessageMissionRequestInt:
		if !me(m.TargetSystem, m.TargetComponent) {
			return
		}
		l := f.lists[m.MissionType]
		if int(m.Seq) < len(l) {
			it := *l[m.Seq]
			it.TargetSystem, it.TargetComponent = 255, 190
			f.write(&it)
		}
	}
}

func (f *fakeVehicle) command(cmd common.MAV_CMD, p [7]float32) {
	f.commands[cmd]++
	if f.noAnswer[cmd] {
		return
	}
	if r, ok := f.result[cmd]; ok {
		f.ack(cmd, r)
		return
	}
	if f.inProgress[cmd] {
		f.ack(cmd, common.MAV_RESULT_IN_PROGRESS)
	}
	if cmd == common.MAV_CMD_COMPONENT_ARM_DISARM && f.barrier != nil {
		f.barrier.arrive(f.id)
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			select {
			case <-f.barrier.open:
			case <-f.done:
				return
			}
			f.mu.Lock()
			f.armed = true
			f.ack(cmd, common.MAV_RESULT_ACCEPTED)
			f.mu.Unlock()
		}()
		return
	}
	switch cmd {
	case common.MAV_CMD_COMPONENT_ARM_DISARM:
		f.armed = p[0] == 1
	case common.MAV_CMD_DO_SET_MODE:
		f.mode = uint32(p[1])
	case common.MAV_CMD_NAV_TAKEOFF:
		if !f.armed || f.mode != 4 {
			f.ack(cmd, common.MAV_RESULT_TEMPORARILY_REJECTED)
			return
		}
		f.alt = float64(p[6])
	case common.MAV_CMD_NAV_RETURN_TO_LAUNCH:
		f.mode = 6
	case common.MAV_CMD_NAV_LAND:
		f.mode = 9
		f.alt = 0
	case common.MAV_CMD_USER_1:
		f.payload[int32(p[0])] = int32(p[1])
	case common.MAV_CMD_SET_MESSAGE_INTERVAL:
		f.intervals[uint32(p[0])] = p[1]
	}
	f.ack(cmd, common.MAV_RESULT_ACCEPTED)
}
