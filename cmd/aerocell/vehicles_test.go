package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialect"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/ardupilotmega"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/frame"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
	"github.com/bluenviron/gomavlib/v3/pkg/streamwriter"
)

// testVehicle is a minimal ArduPilot-like copter on a raw UDP socket: the
// CLI reaches it with udpout:ADDR, it answers whoever sent last.
type testVehicle struct {
	conn  *net.UDPConn
	sysid uint8
	deny  map[common.MAV_CMD]bool

	mu     sync.Mutex
	peer   *net.UDPAddr
	sw     *streamwriter.Writer
	buf    bytes.Buffer
	armed  bool
	mode   uint32
	got    []common.MAV_CMD
	closed chan struct{}
	wg     sync.WaitGroup
}

func newTestVehicle(t *testing.T, sysid uint8) *testVehicle {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	drw := &dialect.ReadWriter{Dialect: ardupilotmega.Dialect}
	if err := drw.Initialize(); err != nil {
		t.Fatal(err)
	}
	v := &testVehicle{conn: c, sysid: sysid, deny: map[common.MAV_CMD]bool{}, mode: 5, closed: make(chan struct{})}
	fw := &frame.Writer{ByteWriter: &v.buf, DialectRW: drw}
	if err := fw.Initialize(); err != nil {
		t.Fatal(err)
	}
	v.sw = &streamwriter.Writer{FrameWriter: fw, Version: streamwriter.V2, SystemID: sysid, ComponentID: 1}
	if err := v.sw.Initialize(); err != nil {
		t.Fatal(err)
	}
	v.wg.Add(2)
	go v.read(drw)
	go v.tick()
	t.Cleanup(func() {
		close(v.closed)
		c.Close()
		v.wg.Wait()
	})
	return v
}

func (v *testVehicle) endpoint() string { return "udpout:" + v.conn.LocalAddr().String() }

// send writes m to the station; v.mu is held.
func (v *testVehicle) send(m message.Message) {
	if v.peer == nil {
		return
	}
	v.buf.Reset()
	if err := v.sw.Write(m); err == nil {
		_, _ = v.conn.WriteToUDP(v.buf.Bytes(), v.peer)
	}
}

func (v *testVehicle) tick() {
	defer v.wg.Done()
	for {
		select {
		case <-v.closed:
			return
		case <-time.After(20 * time.Millisecond):
		}
		v.mu.Lock()
		base := common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED
		if v.armed {
			base |= common.MAV_MODE_FLAG_SAFETY_ARMED
		}
		v.send(&common.MessageHeartbeat{Type: common.MAV_TYPE_QUADROTOR, Autopilot: common.MAV_AUTOPILOT_ARDUPILOTMEGA,
			BaseMode: base, CustomMode: v.mode, SystemStatus: common.MAV_STATE_STANDBY, MavlinkVersion: 3})
		v.send(&common.MessageGlobalPositionInt{Lat: -338688000, Lon: 1512093000, Alt: 52000, RelativeAlt: 12500, Hdg: 18000})
		v.send(&common.MessageSysStatus{VoltageBattery: 16100, CurrentBattery: -1, BatteryRemaining: 64})
		v.mu.Unlock()
	}
}

func (v *testVehicle) read(drw *dialect.ReadWriter) {
	defer v.wg.Done()
	buf := make([]byte, 2048)
	for {
		n, addr, err := v.conn.ReadFromUDP(buf)
		if err != nil {
			return
		}
		r := &frame.Reader{BufByteReader: bufio.NewReader(bytes.NewReader(buf[:n])), DialectRW: drw}
		for {
			fr, err := r.Read()
			if err != nil {
				break
			}
			v.mu.Lock()
			v.peer = addr
			if c, ok := fr.GetMessage().(*common.MessageCommandLong); ok && c.TargetSystem == v.sysid {
				v.got = append(v.got, c.Command)
				res := common.MAV_RESULT_ACCEPTED
				switch {
				case v.deny[c.Command]:
					res = common.MAV_RESULT_DENIED
				case c.Command == common.MAV_CMD_COMPONENT_ARM_DISARM:
					v.armed = c.Param1 == 1
				case c.Command == common.MAV_CMD_DO_SET_MODE:
					v.mode = uint32(c.Param2)
				}
				v.send(&common.MessageCommandAck{Command: c.Command, Result: res})
			}
			if c, ok := fr.GetMessage().(*common.MessageCommandInt); ok && c.TargetSystem == v.sysid {
				v.got = append(v.got, c.Command)
				v.send(&common.MessageCommandAck{Command: c.Command, Result: common.MAV_RESULT_ACCEPTED})
			}
			v.mu.Unlock()
		}
	}
}

func TestVehiclesJSON(t *testing.T) {
	v := newTestVehicle(t, 42)
	var out, errb bytes.Buffer
	err := Run(context.Background(), []string{"vehicles", "--mavlink", v.endpoint(), "--for", "1s", "--json"}, &out, &errb)
	if err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	var got []map[string]any
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("not one JSON array: %v\n%s", err, out.String())
	}
	if len(got) != 1 {
		t.Fatalf("%d vehicles: %s", len(got), out.String())
	}
	g := got[0]
	want := map[string]any{"sysid": 42.0, "compid": 1.0, "type": "QUADROTOR", "autopilot": "ARDUPILOTMEGA",
		"mode": "LOITER", "armed": false, "lat": -33.8688, "lon": 151.2093, "alt_rel_m": 12.5, "battery_pct": 64.0}
	for k, w := range want {
		if g[k] != w {
			t.Errorf("%s = %v, want %v", k, g[k], w)
		}
	}
}

func TestVehiclesTable(t *testing.T) {
	v := newTestVehicle(t, 9)
	var out, errb bytes.Buffer
	tlog := filepath.Join(t.TempDir(), "s.tlog")
	if err := Run(context.Background(), []string{"vehicles", "--mavlink", v.endpoint(), "--for", "500ms", "--tlog", tlog}, &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	// the log replays as a link
	out.Reset()
	if err := Run(context.Background(), []string{"vehicles", "--mavlink", "tlog:" + tlog, "--for", "1s", "--json"}, &out, &errb); err != nil {
		t.Fatalf("replay: %v\n%s", err, errb.String())
	}
	if !strings.Contains(out.String(), `"sysid": 9`) {
		t.Fatalf("replay heard %s", out.String())
	}
	out.Reset()
	if err := Run(context.Background(), []string{"vehicles", "--mavlink", v.endpoint(), "--for", "500ms"}, &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "SYSID") || !strings.Contains(lines[1], "LOITER") {
		t.Fatalf("table:\n%s", out.String())
	}
}

func TestVehiclesBadEndpoint(t *testing.T) {
	var out, errb bytes.Buffer
	err := Run(context.Background(), []string{"vehicles", "--mavlink", "udp:nowhere"}, &out, &errb)
	if err == nil || exitCode(err) != 2 || !strings.Contains(errb.String(), "unknown kind") {
		t.Fatalf("err %v, exit %d, stderr %q", err, exitCode(err), errb.String())
	}
	err = Run(context.Background(), []string{"vehicles"}, &out, &errb)
	if err == nil || exitCode(err) != 2 {
		t.Fatalf("no endpoint: %v", err)
	}
}
