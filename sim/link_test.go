package sim

import (
	"bufio"
	"bytes"
	"context"
	"math"
	"net"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3"
	"github.com/bluenviron/gomavlib/v3/pkg/dialect"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/ardupilotmega"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/frame"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
	"github.com/bluenviron/gomavlib/v3/pkg/streamwriter"

	"github.com/aerocell/aerocell/clock"
	"github.com/aerocell/aerocell/internal/closetest"
)

type udpTo struct {
	pc   net.PacketConn
	addr net.Addr
}

func (u udpTo) Write(b []byte) (int, error) { return u.pc.WriteTo(b, u.addr) }

// With a signing key every frame sent is signed, and frames unsigned or
// signed with another key are ignored.
func TestSigning(t *testing.T) {
	key := frame.NewV2Key(bytes.Repeat([]byte{7}, 32))
	wrong := frame.NewV2Key(bytes.Repeat([]byte{8}, 32))
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	f, _ := startFleet(t, Config{
		Clock: scaled(t, 5), SigningKey: key,
		Endpoints: []gomavlib.EndpointConf{gomavlib.EndpointUDPClient{Address: pc.LocalAddr().String()}},
		Drones:    []DroneConfig{{SysID: 1, Profile: ProfileHeavy, Home: testHome}},
	})
	drw := &dialect.ReadWriter{Dialect: ardupilotmega.Dialect}
	if err := drw.Initialize(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2048)
	pc.SetReadDeadline(time.Now().Add(20 * time.Second)) //nolint:errcheck
	read := func(k *frame.V2Key) (frame.Frame, net.Addr, error) {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			t.Fatal(err)
		}
		r := &frame.Reader{BufByteReader: bufio.NewReader(bytes.NewReader(append([]byte(nil), buf[:n]...))), DialectRW: drw, InKey: k}
		if err := r.Initialize(); err != nil {
			t.Fatal(err)
		}
		fr, err := r.Read()
		return fr, from, err
	}
	fr, droneAddr, err := read(key)
	if err != nil {
		t.Fatalf("frame does not verify with the key: %v", err)
	}
	if v2, ok := fr.(*frame.V2Frame); !ok || v2.IncompatibilityFlag&frame.V2FlagSigned == 0 || v2.SystemID != 1 {
		t.Fatalf("frame %+v", fr)
	}
	if _, _, err := read(wrong); err == nil {
		t.Fatal("a frame verified with the wrong key")
	}
	writer := func(k *frame.V2Key) *streamwriter.Writer {
		fw := &frame.Writer{ByteWriter: udpTo{pc, droneAddr}, DialectRW: drw}
		if err := fw.Initialize(); err != nil {
			t.Fatal(err)
		}
		w := &streamwriter.Writer{FrameWriter: fw, Version: streamwriter.V2, SystemID: 255, ComponentID: 190, Key: k}
		if err := w.Initialize(); err != nil {
			t.Fatal(err)
		}
		return w
	}
	arm := &common.MessageCommandLong{TargetSystem: 1, TargetComponent: 1, Command: common.MAV_CMD_COMPONENT_ARM_DISARM, Param1: 1, Param2: forceArm}
	if err := writer(nil).Write(arm); err != nil {
		t.Fatal(err)
	}
	if err := writer(wrong).Write(arm); err != nil {
		t.Fatal(err)
	}
	if err := writer(key).Write(&common.MessageSetMode{TargetSystem: 1, BaseMode: common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, CustomMode: 4}); err != nil {
		t.Fatal(err)
	}
	for {
		fr, _, err := read(key)
		if err != nil {
			continue
		}
		if a, ok := fr.GetMessage().(*common.MessageCommandAck); ok {
			if a.Command == common.MAV_CMD_COMPONENT_ARM_DISARM {
				t.Fatal("an unsigned or wrongly signed arm was acked")
			}
			if a.Command == msgIDSetMode && a.Result == common.MAV_RESULT_ACCEPTED {
				break
			}
		}
	}
	if s := f.Drone(1).State(); s.Armed || s.Mode.Name != "GUIDED" {
		t.Fatalf("armed %v, mode %s: want the signed mode change only", s.Armed, s.Mode.Name)
	}
}

// A ground station connecting over TCP (tcpin on the sim side) or UDP
// (udpin) sees every drone behind the one connection, signed, and flies one
// of them.
func TestServerEndpointSharedByFleet(t *testing.T) {
	key := frame.NewV2Key(bytes.Repeat([]byte{3}, 32))
	for _, kind := range []string{"tcpin", "udpin"} {
		t.Run(kind, func(t *testing.T) {
			var server, client gomavlib.EndpointConf
			if kind == "tcpin" {
				a := addr(freeTCPPort(t))
				server, client = gomavlib.EndpointTCPServer{Address: a}, gomavlib.EndpointTCPClient{Address: a}
			} else {
				a := addr(freeUDPPort(t))
				server, client = gomavlib.EndpointUDPServer{Address: a}, gomavlib.EndpointUDPClient{Address: a}
			}
			f, _ := startFleet(t, Config{
				Clock: scaled(t, 20), SigningKey: key, Endpoints: []gomavlib.EndpointConf{server},
				Drones: []DroneConfig{
					{SysID: 1, Profile: ProfileTethered, Home: testHome},
					{SysID: 2, Profile: ProfileHeavy, Home: testHome},
				},
			})
			g := newTestGCS(t, client, key)
			ctx := ctxT(t, 30*time.Second)
			for _, id := range []uint8{1, 2} {
				if _, err := g.waitMsg(ctx, id, func(m message.Message) bool { _, ok := m.(*common.MessageHeartbeat); return ok }); err != nil {
					t.Fatalf("no heartbeat from %d: %v", id, err)
				}
			}
			flyUp(t, f, g, 2, 15)
			if s := f.Drone(1).State(); s.Armed || s.Landed != OnGround {
				t.Fatalf("drone 1 moved with drone 2's orders: %+v", s)
			}
			// rally points are stored and returned, as QGroundControl expects
			rally := []common.MessageMissionItemInt{{Command: common.MAV_CMD_NAV_RALLY_POINT, Frame: common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT, X: degE7(testHome.Lat), Y: degE7(testHome.Lon), Z: 30}}
			if res := g.upload(t, 1, common.MAV_MISSION_TYPE_RALLY, rally); res != common.MAV_MISSION_ACCEPTED {
				t.Fatalf("rally upload: %v", res)
			}
			if back := g.download(t, 1, common.MAV_MISSION_TYPE_RALLY); len(back) != 1 || back[0].Z != 30 {
				t.Fatalf("rally back: %+v", back)
			}
		})
	}
}

// SET_MESSAGE_INTERVAL and REQUEST_DATA_STREAM set rates on the fleet
// clock; GET_MESSAGE_INTERVAL reports them.
func TestMessageRates(t *testing.T) {
	f, g := startFleet(t, Config{Clock: scaled(t, 5), MaxWallRate: 1e6,
		Drones: []DroneConfig{{SysID: 1, Profile: ProfileHeavy, Home: testHome}}})
	_ = f
	ctx := ctxT(t, 60*time.Second)
	gaps := func(n int) []uint32 {
		ch, stop := g.subscribe()
		defer stop()
		var last uint32
		var out []uint32
		for len(out) < n {
			select {
			case fr := <-ch:
				if a, ok := fr.Message().(*common.MessageAttitude); ok && fr.SystemID() == 1 {
					if last != 0 {
						out = append(out, a.TimeBootMs-last)
					}
					last = a.TimeBootMs
				}
			case <-ctx.Done():
				t.Fatalf("attitude gaps %v", out)
			}
		}
		return out
	}
	check := func(what string, want uint32) {
		t.Helper()
		// messages go out on the 100 ms physics grid: a 250 ms interval
		// alternates 200 and 300 ms gaps, right on average
		gs := gaps(10)[2:] // the first gaps may straddle the change
		sum := uint32(0)
		for _, d := range gs {
			sum += d
			if d > want+uint32(dt/time.Millisecond) || d+uint32(dt/time.Millisecond) < want {
				t.Fatalf("%s: ATTITUDE every %v ms, want %d", what, gs, want)
			}
		}
		if mean := float64(sum) / float64(len(gs)); math.Abs(mean-float64(want)) > float64(dt/time.Millisecond)/float64(len(gs)) {
			t.Fatalf("%s: ATTITUDE every %v ms, mean %.0f, want %d", what, gs, mean, want)
		}
	}
	check("default (EXTRA1 10 Hz)", 100)
	res, err := g.command(ctx, 1, common.MAV_CMD_SET_MESSAGE_INTERVAL, msgAttitude, 500000)
	mustResult(t, "interval", res, err, common.MAV_RESULT_ACCEPTED)
	check("SET_MESSAGE_INTERVAL 500 ms", 500)
	g.send(&common.MessageRequestDataStream{TargetSystem: 1, TargetComponent: 1, ReqStreamId: common.MAV_DATA_STREAM_EXTRA1, ReqMessageRate: 4, StartStop: 1})
	check("REQUEST_DATA_STREAM EXTRA1 4 Hz", 250)
	interval := g.expect(1, func(m message.Message) bool {
		mi, ok := m.(*common.MessageMessageInterval)
		return ok && mi.MessageId == msgAttitude
	})
	res, err = g.command(ctx, 1, common.MAV_CMD_GET_MESSAGE_INTERVAL, msgAttitude)
	mustResult(t, "get interval", res, err, common.MAV_RESULT_ACCEPTED)
	m, err := interval(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if mi := m.(*common.MessageMessageInterval); mi.IntervalUs != 250000 {
		t.Fatalf("MESSAGE_INTERVAL %d us", mi.IntervalUs)
	}
	home := g.expect(1, func(m message.Message) bool {
		h, ok := m.(*common.MessageHomePosition)
		return ok && h.Latitude == degE7(testHome.Lat)
	})
	res, err = g.command(ctx, 1, common.MAV_CMD_REQUEST_MESSAGE, msgHomePosition)
	mustResult(t, "request HOME_POSITION", res, err, common.MAV_RESULT_ACCEPTED)
	if _, err := home(ctx); err != nil {
		t.Fatalf("no HOME_POSITION: %v", err)
	}
	res, err = g.command(ctx, 1, common.MAV_CMD_DO_FLIGHTTERMINATION, 1)
	mustResult(t, "unknown command", res, err, common.MAV_RESULT_UNSUPPORTED)
}

// Sped up, streams are stretched by the speed-up so the wall rate stays the
// real-time one, while heartbeats stay at 1 Hz of fleet time.
func TestDecimationUnderSpeedUp(t *testing.T) {
	const speed = 100
	_, g := startFleet(t, Config{Clock: scaled(t, speed), Drones: []DroneConfig{{SysID: 1, Profile: ProfileHeavy, Home: testHome}}})
	ch, stop := g.subscribe()
	defer stop()
	ctx := ctxT(t, 60*time.Second)
	var pos []uint32
	var beats []int
	n := 0
	for len(pos) < 5 {
		select {
		case fr := <-ch:
			if fr.SystemID() != 1 {
				continue
			}
			switch m := fr.Message().(type) {
			case *common.MessageHeartbeat:
				n++
			case *common.MessageGlobalPositionInt:
				pos = append(pos, m.TimeBootMs)
				beats = append(beats, n)
				n = 0
			}
		case <-ctx.Done():
			t.Fatalf("positions at %v", pos)
		}
	}
	for i := 2; i < len(pos); i++ {
		gap := pos[i] - pos[i-1]
		want := float64(333 * speed)
		if math.Abs(float64(gap)-want) > 200 {
			t.Fatalf("GLOBAL_POSITION_INT every %d ms of fleet time, want about %.0f", gap, want)
		}
		if hb := float64(beats[i]); math.Abs(hb-float64(gap)/1000) > 1.5 {
			t.Fatalf("%v heartbeats in %d ms of fleet time, want 1 Hz", hb, gap)
		}
	}
}

// A flight under the manual clock is a function of its seed: two runs agree
// to the bit, another seed differs.
func TestDeterministicGivenSeed(t *testing.T) {
	run := func(seed uint64) State {
		m := clock.NewManual(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
		port := freeUDPPort(t)
		g := newTestGCS(t, gomavlib.EndpointUDPServer{Address: addr(port)}, nil)
		f, err := Start(context.Background(), Config{
			Clock: m, Seed: seed, GPSNoiseM: 1, Wind: Wind{SpeedMS: 7, FromDeg: 250, GustMS: 3},
			Endpoints: []gomavlib.EndpointConf{gomavlib.EndpointUDPClient{Address: addr(port)}},
			Drones:    []DroneConfig{{SysID: 1, Profile: ProfileHeavy, Home: testHome}},
		})
		if err != nil {
			t.Fatal(err)
		}
		defer closetest.Now(t, f)
		advance := func(d time.Duration) {
			target := m.Now().Add(d)
			m.Advance(d)
			wait(t, f, 30*time.Second, "catch-up", func(s Snapshot) bool { return !s.Time.Before(target) })
		}
		ctx := ctxT(t, 30*time.Second)
		heard := make(chan error, 1)
		go func() {
			_, err := g.waitMsg(ctx, 1, func(m message.Message) bool { _, ok := m.(*common.MessageHeartbeat); return ok })
			heard <- err
		}()
		// advance until the ground station hears the drone, then to a fixed
		// time, so that the commands below land on the same step every run
		t0 := m.Now()
		for heardIt := false; !heardIt; {
			if m.Now().Sub(t0) >= 9*time.Second {
				t.Fatal("the ground station did not hear the drone in 9 s")
			}
			advance(time.Second)
			select {
			case err := <-heard:
				if err != nil {
					t.Fatal(err)
				}
				heardIt = true
			case <-time.After(50 * time.Millisecond):
			}
		}
		advance(t0.Add(10 * time.Second).Sub(m.Now()))
		res, err := g.setMode(ctx, 1, 4)
		mustResult(t, "GUIDED", res, err, common.MAV_RESULT_ACCEPTED)
		res, err = g.command(ctx, 1, common.MAV_CMD_COMPONENT_ARM_DISARM, 1)
		mustResult(t, "arm", res, err, common.MAV_RESULT_ACCEPTED)
		res, err = g.command(ctx, 1, common.MAV_CMD_NAV_TAKEOFF, 0, 0, 0, 0, 0, 0, 25)
		mustResult(t, "takeoff", res, err, common.MAV_RESULT_ACCEPTED)
		advance(30 * time.Second)
		lat, lon := offset(testHome.Lat, testHome.Lon, 200, -100)
		res, err = g.command(ctx, 1, common.MAV_CMD_DO_REPOSITION, -1, 0, 0, 0, float32(lat), float32(lon), 25)
		mustResult(t, "reposition", res, err, common.MAV_RESULT_ACCEPTED)
		advance(90 * time.Second)
		return f.Drone(1).State()
	}
	a, b, c := run(11), run(11), run(12)
	same := func(x, y State) bool {
		return x.Lat == y.Lat && x.Lon == y.Lon && x.AltMSL == y.AltMSL && x.VN == y.VN && x.EnergyWh == y.EnergyWh && x.Heading == y.Heading
	}
	if !same(a, b) {
		t.Fatalf("same seed, different flights:\n%+v\n%+v", a, b)
	}
	if same(a, c) {
		t.Fatal("another seed flew the same flight to the bit")
	}
	if !a.Flying() || a.AltRel < 20 {
		t.Fatalf("the flight did not happen: %+v", a)
	}
}

// What QGroundControl asks on connecting: AUTOPILOT_VERSION, the protocol
// version and the whole parameter list, each answered.
func TestConnectSequence(t *testing.T) {
	_, g := startFleet(t, Config{Clock: scaled(t, 2), Drones: []DroneConfig{{SysID: 4, Profile: ProfileTethered, Home: testHome}}})
	ctx := ctxT(t, 30*time.Second)
	version := g.expect(4, func(m message.Message) bool { _, ok := m.(*common.MessageAutopilotVersion); return ok })
	res, err := g.command(ctx, 4, common.MAV_CMD_REQUEST_MESSAGE, msgAutopilotVersion)
	mustResult(t, "AUTOPILOT_VERSION", res, err, common.MAV_RESULT_ACCEPTED)
	m, err := version(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if av := m.(*common.MessageAutopilotVersion); av.Capabilities&common.MAV_PROTOCOL_CAPABILITY_MAVLINK2 == 0 || av.Capabilities&common.MAV_PROTOCOL_CAPABILITY_MISSION_INT == 0 {
		t.Fatalf("capabilities %v", av.Capabilities)
	}
	proto := g.expect(4, func(m message.Message) bool { _, ok := m.(*common.MessageProtocolVersion); return ok })
	res, err = g.command(ctx, 4, common.MAV_CMD_REQUEST_PROTOCOL_VERSION, 1)
	mustResult(t, "PROTOCOL_VERSION", res, err, common.MAV_RESULT_ACCEPTED)
	if _, err := proto(ctx); err != nil {
		t.Fatal(err)
	}
	ch, stop := g.subscribe()
	defer stop()
	g.send(&common.MessageParamRequestList{TargetSystem: 4, TargetComponent: 1})
	got := map[string]float32{}
	total := -1
	for total < 0 || len(got) < total {
		select {
		case fr := <-ch:
			if p, ok := fr.Message().(*common.MessageParamValue); ok && fr.SystemID() == 4 {
				got[p.ParamId] = p.ParamValue
				total = int(p.ParamCount)
			}
		case <-ctx.Done():
			t.Fatalf("%d of %d parameters", len(got), total)
		}
	}
	if got["SYSID_THISMAV"] != 4 || got["AC_TETHER_LEN"] != 150 || got["AC_PROFILE"] != 0 {
		t.Fatalf("parameters %v", got)
	}
}

// Each command addressed to a drone is counted once, whatever its answer;
// commands for another drone are not.
func TestCommandsCounted(t *testing.T) {
	f, g := startFleet(t, Config{Clock: scaled(t, 20), Drones: []DroneConfig{{SysID: 1, Profile: ProfileHeavy, Home: testHome}}})
	ctx := ctxT(t, 30*time.Second)
	before := f.Drone(1).State().Link.Commands
	res, err := g.setMode(ctx, 1, 4)
	mustResult(t, "GUIDED", res, err, common.MAV_RESULT_ACCEPTED)
	res, err = g.command(ctx, 1, common.MAV_CMD_NAV_TAKEOFF, 0, 0, 0, 0, 0, 0, 20)
	mustResult(t, "takeoff disarmed", res, err, common.MAV_RESULT_TEMPORARILY_REJECTED)
	g.send(&common.MessageCommandLong{TargetSystem: 2, TargetComponent: 1, Command: common.MAV_CMD_COMPONENT_ARM_DISARM, Param1: 1})
	res, err = g.await(ctx, 1, common.MAV_CMD_COMPONENT_ARM_DISARM, &common.MessageCommandInt{
		TargetSystem: 1, TargetComponent: 1, Command: common.MAV_CMD_COMPONENT_ARM_DISARM, Param1: 1})
	mustResult(t, "arm", res, err, common.MAV_RESULT_ACCEPTED)
	if got := f.Drone(1).State().Link.Commands - before; got != 3 {
		t.Errorf("%d commands counted, want 3 (SET_MODE, COMMAND_LONG, COMMAND_INT)", got)
	}
}
