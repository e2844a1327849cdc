package sim

import (
	"context"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/ardupilotmega"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/frame"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/aerocell/aerocell/clock"
	"github.com/aerocell/aerocell/internal/closetest"
)

// testGCS is a plain gomavlib node acting as a ground station: not
// aerocell's link layer, so that the simulator is checked against the
// protocol rather than against its twin.
type testGCS struct {
	t    *testing.T
	node *gomavlib.Node
	mu   sync.Mutex
	subs map[int]chan *gomavlib.EventFrame
	next int
	done chan struct{}
}

// freeUDPPort returns a UDP port free on 127.0.0.1 a moment ago.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

func freeTCPPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func addr(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }

func newTestGCS(t *testing.T, ep gomavlib.EndpointConf, key *frame.V2Key) *testGCS {
	t.Helper()
	n := &gomavlib.Node{
		Endpoints: []gomavlib.EndpointConf{ep}, Dialect: ardupilotmega.Dialect,
		OutVersion: gomavlib.V2, OutSystemID: 255, OutComponentID: 190,
		InKey: key, OutKey: key, HeartbeatPeriod: time.Second,
	}
	if err := n.Initialize(); err != nil {
		t.Fatal(err)
	}
	g := &testGCS{t: t, node: n, subs: map[int]chan *gomavlib.EventFrame{}, done: make(chan struct{})}
	go func() {
		defer close(g.done)
		for e := range n.Events() {
			fr, ok := e.(*gomavlib.EventFrame)
			if !ok {
				continue
			}
			g.mu.Lock()
			for _, ch := range g.subs {
				select {
				case ch <- fr:
				default:
				}
			}
			g.mu.Unlock()
		}
	}()
	t.Cleanup(func() { n.Close(); <-g.done })
	return g
}

func (g *testGCS) subscribe() (<-chan *gomavlib.EventFrame, func()) {
	ch := make(chan *gomavlib.EventFrame, 4096)
	g.mu.Lock()
	id := g.next
	g.next++
	g.subs[id] = ch
	g.mu.Unlock()
	return ch, func() { g.mu.Lock(); delete(g.subs, id); g.mu.Unlock() }
}

// waitMsg waits (wall time) for a frame from sysid matching match.
func (g *testGCS) waitMsg(ctx context.Context, sysid uint8, match func(message.Message) bool) (message.Message, error) {
	ch, stop := g.subscribe()
	defer stop()
	for {
		select {
		case fr := <-ch:
			if fr.SystemID() == sysid && match(fr.Message()) {
				return fr.Message(), nil
			}
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// expect subscribes now and returns a wait for the first message from
// sysid matching match: for a reply that may come before waitMsg could
// subscribe.
func (g *testGCS) expect(sysid uint8, match func(message.Message) bool) func(context.Context) (message.Message, error) {
	ch, stop := g.subscribe()
	return func(ctx context.Context) (message.Message, error) {
		defer stop()
		for {
			select {
			case fr := <-ch:
				if fr.SystemID() == sysid && match(fr.Message()) {
					return fr.Message(), nil
				}
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
	}
}

// send writes a message to every connected drone.
func (g *testGCS) send(m message.Message) {
	if err := g.node.WriteMessageAll(m); err != nil {
		g.t.Fatal(err)
	}
}

// command sends a COMMAND_LONG and returns the final result, following
// IN_PROGRESS acks and resending (as a ground station does) when no ack comes.
func (g *testGCS) command(ctx context.Context, sysid uint8, cmd common.MAV_CMD, p ...float32) (common.MAV_RESULT, error) {
	var ps [7]float32
	copy(ps[:], p)
	m := &common.MessageCommandLong{TargetSystem: sysid, TargetComponent: 1, Command: cmd,
		Param1: ps[0], Param2: ps[1], Param3: ps[2], Param4: ps[3], Param5: ps[4], Param6: ps[5], Param7: ps[6]}
	return g.await(ctx, sysid, cmd, m)
}

func (g *testGCS) await(ctx context.Context, sysid uint8, cmd common.MAV_CMD, m message.Message) (common.MAV_RESULT, error) {
	ch, stop := g.subscribe()
	defer stop()
	g.send(m)
	resend := time.NewTicker(500 * time.Millisecond)
	defer resend.Stop()
	inProgress := false
	for {
		select {
		case fr := <-ch:
			a, ok := fr.Message().(*common.MessageCommandAck)
			if !ok || fr.SystemID() != sysid || a.Command != cmd {
				continue
			}
			if a.Result == common.MAV_RESULT_IN_PROGRESS {
				inProgress = true
				continue
			}
			return a.Result, nil
		case <-resend.C:
			if !inProgress {
				g.send(m)
			}
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}

func (g *testGCS) setMode(ctx context.Context, sysid uint8, mode uint32) (common.MAV_RESULT, error) {
	return g.await(ctx, sysid, msgIDSetMode, &common.MessageSetMode{
		TargetSystem: sysid, BaseMode: common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, CustomMode: mode})
}

var testHome = LatLonAlt{Lat: 45.4642, Lon: 9.19, Alt: 120}

func scaled(t *testing.T, speed float64) *clock.Scaled {
	t.Helper()
	c, err := clock.NewScaled(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), speed)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// startFleet starts a fleet with cfg's defaults filled for a test: a GCS on
// UDP if cfg has no endpoints.
func startFleet(t *testing.T, cfg Config) (*Fleet, *testGCS) {
	t.Helper()
	var g *testGCS
	if len(cfg.Endpoints) == 0 {
		port := freeUDPPort(t)
		g = newTestGCS(t, gomavlib.EndpointUDPServer{Address: addr(port)}, cfg.SigningKey)
		cfg.Endpoints = []gomavlib.EndpointConf{gomavlib.EndpointUDPClient{Address: addr(port)}}
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	f, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	closetest.AtEnd(t, f)
	if g != nil { // the ground station knows a drone once it has heard it
		ctx := ctxT(t, 30*time.Second)
		for _, d := range cfg.Drones {
			if _, err := g.waitMsg(ctx, d.SysID, func(m message.Message) bool { _, ok := m.(*common.MessageHeartbeat); return ok }); err != nil {
				t.Fatalf("no heartbeat from drone %d: %v", d.SysID, err)
			}
		}
	}
	return f, g
}

func wait(t *testing.T, f *Fleet, timeout time.Duration, what string, cond func(Snapshot) bool) Snapshot {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	s, err := f.WaitFor(ctx, cond)
	if err != nil {
		t.Fatalf("waiting for %s: %v; state now: %+v", what, err, s.Drones)
	}
	return s
}

func mustResult(t *testing.T, what string, got common.MAV_RESULT, err error, want common.MAV_RESULT) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if got != want {
		t.Fatalf("%s: result %v, want %v", what, got, want)
	}
}

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// flyUp puts drone id in GUIDED, arms it and climbs to alt metres; it
// returns the drone's state at the step it got there.
func flyUp(t *testing.T, f *Fleet, g *testGCS, id uint8, alt float64) State {
	t.Helper()
	ctx := ctxT(t, 60*time.Second)
	guided := uint32(4)
	if f.Drone(id).State().Profile == ProfileFixedWing {
		guided = 15
	}
	res, err := g.setMode(ctx, id, guided)
	mustResult(t, "GUIDED", res, err, common.MAV_RESULT_ACCEPTED)
	res, err = g.command(ctx, id, common.MAV_CMD_COMPONENT_ARM_DISARM, 1)
	mustResult(t, "arm", res, err, common.MAV_RESULT_ACCEPTED)
	res, err = g.command(ctx, id, common.MAV_CMD_NAV_TAKEOFF, 0, 0, 0, 0, 0, 0, float32(alt))
	mustResult(t, "takeoff", res, err, common.MAV_RESULT_ACCEPTED)
	s := wait(t, f, 60*time.Second, "takeoff", func(s Snapshot) bool { d := s.Drones[id]; return d.Landed == InAir && d.AltRel > alt-2 })
	return s.Drones[id]
}

// statustexts collects the drone's STATUSTEXT messages.
func (g *testGCS) statustexts(sysid uint8) (func() []string, func()) {
	ch, stop := g.subscribe()
	var mu sync.Mutex
	var got []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		for fr := range ch {
			if m, ok := fr.Message().(*common.MessageStatustext); ok && fr.SystemID() == sysid {
				mu.Lock()
				got = append(got, m.Text)
				mu.Unlock()
			}
		}
	}()
	return func() []string {
			mu.Lock()
			defer mu.Unlock()
			return append([]string(nil), got...)
		}, func() {
			stop()
		}
}

// upload runs the mission upload protocol and returns the drone's verdict.
func (g *testGCS) upload(t *testing.T, id uint8, typ common.MAV_MISSION_TYPE, items []common.MessageMissionItemInt) common.MAV_MISSION_RESULT {
	t.Helper()
	ch, stop := g.subscribe()
	defer stop()
	g.send(&common.MessageMissionCount{TargetSystem: id, TargetComponent: 1, Count: uint16(len(items)), MissionType: typ})
	timeout := time.After(30 * time.Second)
	for {
		select {
		case fr := <-ch:
			if fr.SystemID() != id {
				continue
			}
			switch m := fr.Message().(type) {
			case *common.MessageMissionRequestInt:
				if m.MissionType != typ || int(m.Seq) >= len(items) {
					t.Fatalf("request %+v", m)
				}
				it := items[m.Seq]
				it.TargetSystem, it.TargetComponent, it.Seq, it.MissionType = id, 1, m.Seq, typ
				g.send(&it)
			case *common.MessageMissionAck:
				if m.MissionType == typ {
					return m.Type
				}
			}
		case <-timeout:
			t.Fatal("upload: no MISSION_ACK")
		}
	}
}

// download runs the mission download protocol.
func (g *testGCS) download(t *testing.T, id uint8, typ common.MAV_MISSION_TYPE) []common.MessageMissionItemInt {
	t.Helper()
	ch, stop := g.subscribe()
	defer stop()
	g.send(&common.MessageMissionRequestList{TargetSystem: id, TargetComponent: 1, MissionType: typ})
	timeout := time.After(30 * time.Second)
	var items []common.MessageMissionItemInt
	count := -1
	for {
		select {
		case fr := <-ch:
			if fr.SystemID() != id {
				continue
			}
			switch m := fr.Message().(type) {
			case *common.MessageMissionCount:
				if m.MissionType != typ || count >= 0 {
					continue
				}
				count = int(m.Count)
				if count == 0 {
					return nil
				}
				g.send(&common.MessageMissionRequestInt{TargetSystem: id, TargetComponent: 1, Seq: 0, MissionType: typ})
			case *common.MessageMissionItemInt:
				if m.MissionType != typ || int(m.Seq) != len(items) {
					continue
				}
				items = append(items, *m)
				if len(items) == count {
					g.send(&common.MessageMissionAck{TargetSystem: id, TargetComponent: 1, MissionType: typ})
					return items
				}
				g.send(&common.MessageMissionRequestInt{TargetSystem: id, TargetComponent: 1, Seq: uint16(len(items)), MissionType: typ})
			}
		case <-timeout:
			t.Fatalf("download: got %d of %d items", len(items), count)
		}
	}
}
