package fleet

import (
	"bytes"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aerocell/aerocell/sim"
	"github.com/bluenviron/gomavlib/v3/pkg/dialect"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/ardupilotmega"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/frame"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
	"github.com/bluenviron/gomavlib/v3/pkg/streamwriter"
)

// forger is a UDP socket that sends unsigned frames in the name of other
// system ids, and counts what the ground station sends back.
type forger struct {
	c   *net.UDPConn
	drw *dialect.ReadWriter

	mu   sync.Mutex
	rx   map[uint32]int         // message ids received
	cmds map[common.MAV_CMD]int // COMMAND_LONGs received, by command
}

func newForger(t *testing.T, addr string) *forger {
	t.Helper()
	a, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.DialUDP("udp", nil, a)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	drw := &dialect.ReadWriter{Dialect: ardupilotmega.Dialect}
	if err := drw.Initialize(); err != nil {
		t.Fatal(err)
	}
	f := &forger{c: c, drw: drw, rx: map[uint32]int{}, cmds: map[common.MAV_CMD]int{}}
	go f.read()
	return f
}

func (f *forger) read() {
	buf := make([]byte, 2048)
	for {
		n, err := f.c.Read(buf)
		if err != nil {
			return
		}
		b := buf[:n]
		for len(b) >= 10 && b[0] == frame.V2MagicByte {
			id := uint32(b[7]) | uint32(b[8])<<8 | uint32(b[9])<<16
			f.mu.Lock()
			f.rx[id]++
			if id == 76 && len(b) >= 10+30 { // COMMAND_LONG: the command follows seven floats
				f.cmds[common.MAV_CMD(uint16(b[38])|uint16(b[39])<<8)]++
			}
			f.mu.Unlock()
			l := 12 + int(b[1])
			if b[2]&frame.V2FlagSigned != 0 {
				l += 13
			}
			if l > len(b) {
				break
			}
			b = b[l:]
		}
	}
}

// commands is how many frames other than HEARTBEAT the station sent it;
// with streams, the stream-rate requests any vehicle heard gets from the
// link layer are not counted.
func (f *forger) commands(streams bool) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for id, c := range f.rx {
		switch {
		case id == 0, streams && id == 66: // HEARTBEAT, REQUEST_DATA_STREAM
		case streams && id == 76:
			n += c - f.cmds[common.MAV_CMD_SET_MESSAGE_INTERVAL]
		default:
			n += c
		}
	}
	return n
}

// frames encodes msgs as sent by sysid/1.
func (f *forger) frames(t *testing.T, sysid uint8, msgs ...message.Message) []byte {
	t.Helper()
	var buf bytes.Buffer
	fw := &frame.Writer{ByteWriter: &buf, DialectRW: f.drw}
	if err := fw.Initialize(); err != nil {
		t.Fatal(err)
	}
	sw := &streamwriter.Writer{FrameWriter: fw, Version: streamwriter.V2, SystemID: sysid, ComponentID: 1}
	if err := sw.Initialize(); err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if err := sw.Write(m); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func (f *forger) addr() string { return f.c.LocalAddr().String() }

// landedFar is what the forger says of a drone: on the ground, disarmed,
// kilometres from anywhere, every cell failed.
func landedFar(t *testing.T, f *forger, sysid uint8) []byte {
	return f.frames(t, sysid,
		&common.MessageHeartbeat{Type: common.MAV_TYPE_QUADROTOR, Autopilot: common.MAV_AUTOPILOT_ARDUPILOTMEGA,
			BaseMode: common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, CustomMode: 6, SystemStatus: common.MAV_STATE_STANDBY, MavlinkVersion: 3},
		&common.MessageGlobalPositionInt{Lat: int32((base.Lat + 0.3) * 1e7), Lon: int32(base.Lon * 1e7), Alt: 2_000_000},
		&common.MessageExtendedSysState{LandedState: common.MAV_LANDED_STATE_ON_GROUND},
		&ardupilotmega.MessageNamedValueInt{Name: "BS_PUB", Value: 2})
}

// TestSpoofedSysidIsRefused: without signing, a second address sends
// HEARTBEATs and positions in the name of the drone holding a station, and
// of a system id the fleet does not list. The real drone keeps its
// station, the forger gets no command, an event names the conflict with
// both addresses, and the stranger is reported and left alone until a
// commander approves it.
func TestSpoofedSysidIsRefused(t *testing.T) {
	r, s := deployed(t, rigOptions{speed: 40, drones: []sim.DroneConfig{heavyAt(1, base), heavyAt(2, base)}}, 3)
	st := s.Plan.Stations[0]
	victim := st.Drone
	f := newForger(t, r.link.Addrs()[0].String())  // in the name of the victim
	f9 := newForger(t, r.link.Addrs()[0].String()) // in the name of a stranger
	const stranger = 9
	spoof, spoof9 := landedFar(t, f, uint8(victim)), landedFar(t, f9, stranger)
	end := r.clk.Now().Add(25 * time.Second)
	tk := r.clk.NewTicker(200 * time.Millisecond)
	for r.clk.Now().Before(end) {
		if _, err := f.c.Write(spoof); err != nil {
			t.Fatal(err)
		}
		if _, err := f9.c.Write(spoof9); err != nil {
			t.Fatal(err)
		}
		<-tk.C()
	}
	tk.Stop()

	s = r.ctl.Snapshot()
	if h := holderOf(s, st.ID); h != victim {
		t.Fatalf("station %s held by %d, want %d", st.ID, h, victim)
	}
	for _, d := range s.Drones {
		if d.ID == stranger {
			t.Fatalf("the stranger was adopted: %+v", d)
		}
		if d.ID == victim && (d.State != DroneOnStation || d.Lat > base.Lat+0.1) {
			t.Fatalf("the real drone took the forged telemetry: %+v", d)
		}
	}
	truth := r.fleet.Drone(uint8(victim)).State()
	if truth.Mode.Name != "GUIDED" || truth.Landed != sim.InAir || truth.AltRel < 0.9*st.AltM {
		t.Fatalf("the real drone left its station: %s %v at %.0f m", truth.Mode.Name, truth.Landed, truth.AltRel)
	}
	if n := f.commands(false); n != 0 {
		t.Fatalf("the forger got %d frames besides heartbeats: %v", n, f.rx)
	}
	if n := f9.commands(true); n != 0 {
		t.Fatalf("the stranger got %d orders (frames %v, commands %v)", n, f9.rx, f9.cmds)
	}
	e := hasEvent(t, r, "link.conflict", victim)
	if !strings.Contains(e.Text, f.addr()) || e.Severity != Critical {
		t.Fatalf("conflict event %+v does not name the forger %s", e, f.addr())
	}
	hasEvent(t, r, "drone.unknown", stranger)
	evs, _ := r.ctl.Events(0, 0)
	for _, e := range evs {
		if e.Drone == victim && (e.Kind == "drone.failed" || e.Kind == "station.released" || e.Kind == "drone.down") {
			t.Fatalf("the real drone was given up: %+v", e)
		}
	}

	// A commander's approval adopts the stranger.
	if err := r.ctl.OrderDrone(context.Background(), stranger, Order{Kind: OrderApprove}); err != nil {
		t.Fatal(err)
	}
	r.waitFor("the approved drone in the fleet", 10*time.Second, func(s Snapshot) bool {
		for _, d := range s.Drones {
			if d.ID == stranger {
				return true
			}
		}
		return false
	})
	hasEvent(t, r, "drone.approved", stranger)
	if err := r.ctl.OrderDrone(context.Background(), 42, Order{Kind: OrderApprove}); err == nil {
		t.Fatal("approved a drone never heard")
	}
}
