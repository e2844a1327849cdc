package mavlink

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/aerocell/aerocell/internal/closetest"
	"github.com/bluenviron/gomavlib/v3/pkg/dialect"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/ardupilotmega"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/frame"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
	"github.com/bluenviron/gomavlib/v3/pkg/streamwriter"
)

// testDialect is initialised once: it takes milliseconds, and the
// benchmarks make thousands of encoders.
var testDialect = sync.OnceValues(func() (*dialect.ReadWriter, error) {
	drw := &dialect.ReadWriter{Dialect: ardupilotmega.Dialect}
	return drw, drw.Initialize()
})

// encoder makes the bytes of frames from one (sysid, compid), optionally
// signed, as a vehicle would send them.
type encoder struct {
	buf bytes.Buffer
	sw  *streamwriter.Writer
}

func newEncoder(t testing.TB, id VehicleID, key *frame.V2Key) *encoder {
	t.Helper()
	drw, err := testDialect()
	if err != nil {
		t.Fatal(err)
	}
	e := &encoder{}
	fw := &frame.Writer{ByteWriter: &e.buf, DialectRW: drw}
	if err := fw.Initialize(); err != nil {
		t.Fatal(err)
	}
	e.sw = &streamwriter.Writer{FrameWriter: fw, Version: streamwriter.V2, SystemID: id.SysID, ComponentID: id.CompID, Key: key}
	if err := e.sw.Initialize(); err != nil {
		t.Fatal(err)
	}
	return e
}

// frames returns the concatenated bytes of msgs, one frame each.
func (e *encoder) frames(t testing.TB, msgs ...message.Message) []byte {
	t.Helper()
	e.buf.Reset()
	for _, m := range msgs {
		if err := e.sw.Write(m); err != nil {
			t.Fatal(err)
		}
	}
	return append([]byte(nil), e.buf.Bytes()...)
}

func copterHeartbeat() *common.MessageHeartbeat {
	return &common.MessageHeartbeat{Type: common.MAV_TYPE_QUADROTOR, Autopilot: common.MAV_AUTOPILOT_ARDUPILOTMEGA,
		BaseMode: common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, CustomMode: 4, SystemStatus: common.MAV_STATE_STANDBY, MavlinkVersion: 3}
}

func dial(t testing.TB, addr string) *net.UDPConn {
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
	return c
}

// TestPackedDatagramsDecodeEveryFrame: ArduPilot, MAVProxy and mavp2p pack
// several frames in one datagram; gomavlib v3.3.x reads only the first.
func TestPackedDatagramsDecodeEveryFrame(t *testing.T) {
	s, addr := openStation(t, scaled(t), func(c *Config) { c.StreamRate = -1 })
	c := dial(t, addr)
	// three vehicles in one datagram, each with a heartbeat and a position
	var dgram []byte
	for i := uint8(1); i <= 3; i++ {
		e := newEncoder(t, VehicleID{i, 1}, nil)
		dgram = append(dgram, e.frames(t, copterHeartbeat(),
			&common.MessageGlobalPositionInt{Lat: int32(i) * 10_000_000, Lon: 20_000_000, RelativeAlt: int32(i) * 1000})...)
	}
	if _, err := c.Write(dgram); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "three vehicles", 10*time.Second, func() bool {
		vs := s.Vehicles()
		return len(vs) == 3 && vs[2].Lat == 3 && vs[2].AltRel == 3
	})
	if st := s.Stats(); st.RxFrames != 6 || st.RxParseErrors != 0 || st.RxBadChecksum != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// TestGarbageIsCountedAndGoodTrafficSurvives sends noise, truncated frames,
// bad checksums and unknown message ids, alone and packed around good
// frames.
func TestGarbageIsCountedAndGoodTrafficSurvives(t *testing.T) {
	s, addr := openStation(t, scaled(t), func(c *Config) { c.StreamRate = -1 })
	c := dial(t, addr)
	e := newEncoder(t, VehicleID{9, 1}, nil)
	good := func(lat int32) []byte {
		return e.frames(t, copterHeartbeat(), &common.MessageGlobalPositionInt{Lat: lat, Lon: 1})
	}
	hb := e.frames(t, copterHeartbeat())
	badSum := append([]byte(nil), hb...)
	badSum[len(badSum)-1] ^= 0xff
	truncated := hb[:len(hb)-4]
	unknown := e.frames(t, &common.MessageHeartbeat{})
	unknown[7], unknown[8], unknown[9] = 0x39, 0x30, 0x00 // message id 12345: not in the dialect
	noise := []byte{0x00, 0x13, 0x37, 0xfd, 0x02, 0xfe, 0x01, 0xff, 0xfd}

	send := func(parts ...[]byte) {
		if _, err := c.Write(bytes.Join(parts, nil)); err != nil {
			t.Fatal(err)
		}
	}
	send(noise)
	send(truncated)
	send(badSum)
	send(unknown)
	send(noise, good(1), badSum, good(2), truncated)
	send(truncated, good(3)) // a cut frame followed by good ones: resync inside the datagram
	send(good(4), noise, unknown, good(5))
	waitFor(t, "good frames", 10*time.Second, func() bool {
		return s.Stats().RxFrames >= 10+2 // five good pairs, and the two unknown-id frames
	})
	st := s.Stats()
	if st.RxFrames != 12 || st.RxUnknownMessage != 2 {
		t.Errorf("frames %d unknown %d, want 12 and 2", st.RxFrames, st.RxUnknownMessage)
	}
	if st.RxBadChecksum < 2 || st.RxGarbageBytes == 0 || st.RxParseErrors == 0 {
		t.Errorf("bad input not counted: %+v", st)
	}
	v, ok := s.Vehicle(VehicleID{9, 1})
	if !ok || v.Lat != 5e-7 || v.Quality.Received != 10 {
		t.Errorf("vehicle after garbage: %+v", v)
	}
}

func TestSigning(t *testing.T) {
	key, err := ParseSigningKey("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	other, _ := ParseSigningKey("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	if *other == *key {
		t.Fatal("two keys equal")
	}
	clk := scaled(t)
	s, addr := openStation(t, clk, func(c *Config) { c.SigningKey = key })
	good := newFake(t, clk, addr, VehicleID{1, 1}, fakeOpts{key: key, home: LatLon{1, 1}})
	stranger := newFake(t, clk, addr, VehicleID{2, 1}, fakeOpts{key: other, home: LatLon{2, 2}})
	unsigned := newFake(t, clk, addr, VehicleID{3, 1}, fakeOpts{home: LatLon{3, 3}})
	waitVehicles(t, s, 1)
	ctx := context.Background()
	if err := s.Arm(ctx, good.id); err != nil {
		t.Fatalf("signed vehicle: %v", err)
	}
	if armed, _, _, _, _ := good.state(); !armed {
		t.Fatal("signed vehicle not armed")
	}
	waitFor(t, "refusals", 10*time.Second, func() bool {
		st := s.Stats()
		return st.RxBadSignature > 4 && st.RxUnsigned > 4
	})
	if vs := s.Vehicles(); len(vs) != 1 || vs[0].ID != good.id {
		t.Fatalf("vehicles %+v, want only the signed one", vs)
	}
	if err := s.Arm(ctx, stranger.id); !errors.Is(err, ErrUnknownVehicle) {
		t.Fatalf("stranger commanded: %v", err)
	}
	if armed, _, _, _, _ := stranger.state(); armed {
		t.Fatal("stranger armed")
	}
	_ = unsigned
}

func TestParseSigningKey(t *testing.T) {
	hex := "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	k, err := ParseSigningKey(hex)
	if err != nil || k[1] != 0x11 || k[31] != 0xff {
		t.Fatalf("hex key: %v %x", err, k)
	}
	p, err := ParseSigningKey("fleet passphrase")
	if err != nil || *p == *k {
		t.Fatalf("passphrase key: %v", err)
	}
	if _, err := ParseSigningKey("  "); !errors.Is(err, ErrBadKey) {
		t.Fatalf("empty key: %v", err)
	}
}

func TestRoutingForwardsBothWays(t *testing.T) {
	// the commander's QGroundControl: a plain socket
	qgc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer qgc.Close()
	clk := scaled(t)
	s, addr := openStation(t, clk, func(c *Config) { c.Forward = []string{"udpout:" + qgc.LocalAddr().String()} })
	f := newFake(t, clk, addr, VehicleID{4, 1}, fakeOpts{home: LatLon{4, 4}})
	other := newFake(t, clk, addr, VehicleID{5, 1}, fakeOpts{home: LatLon{5, 5}})
	waitVehicles(t, s, 2)
	buf := make([]byte, 2048)
	seen := map[uint8]bool{}
	var from *net.UDPAddr
	for !seen[4] || !seen[s.SystemID()] {
		_ = qgc.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, a, err := qgc.ReadFromUDP(buf)
		if err != nil {
			t.Fatalf("QGC heard %v: %v", seen, err)
		}
		from = a
		if n > 6 && buf[0] == frame.V2MagicByte {
			seen[buf[5]] = true
		}
	}
	// QGC arms the vehicle through the station
	e := newEncoder(t, VehicleID{250, 190}, nil)
	arm := e.frames(t, &common.MessageCommandLong{TargetSystem: 4, TargetComponent: 1,
		Command: common.MAV_CMD_COMPONENT_ARM_DISARM, Param1: 1})
	waitFor(t, "armed through the router", 10*time.Second, func() bool {
		_, _ = qgc.WriteToUDP(arm, from)
		time.Sleep(5 * time.Millisecond)
		armed, _, _, _, _ := f.state()
		return armed
	})
	if _, ok := s.Vehicle(VehicleID{250, 190}); ok {
		t.Fatal("QGC's frames made a vehicle")
	}
	other.mu.Lock()
	defer other.mu.Unlock()
	if other.othersLong != 0 {
		t.Fatalf("a command for system 4 reached system 5 %d times", other.othersLong)
	}
}

func TestTlogWrittenAndReplayed(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "session.tlog")
	clk := scaled(t)
	cfg := Config{Endpoints: []string{"udpin:127.0.0.1:0"}, Clock: clk, TlogPath: path,
		LinkLossTimeout: 30 * time.Second, CommandTimeout: 3 * time.Second}
	s, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f := newFake(t, clk, s.Addrs()[0].String(), VehicleID{6, 1}, fakeOpts{home: LatLon{46, 6}})
	waitFor(t, "vehicle", 10*time.Second, func() bool { v, ok := s.Vehicle(f.id); return ok && v.Lat != 0 })
	if err := s.Arm(context.Background(), f.id); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "armed", 10*time.Second, func() bool { v, _ := s.Vehicle(f.id); return v.Armed })
	f.close()
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		t.Fatalf("tlog: %v", err)
	}
	// replay it as a link: the vehicle comes back, armed, where it was
	r, _ := openStation(t, scaled(t), func(c *Config) {
		c.Endpoints = []string{"tlog:" + path}
		c.StreamRate = -1
	})
	waitFor(t, "replayed vehicle", 10*time.Second, func() bool {
		v, ok := r.Vehicle(VehicleID{6, 1})
		return ok && v.Armed && v.Lat == 46
	})
}

func TestEventsTellWhatChanged(t *testing.T) {
	clk := scaled(t)
	cfg := Config{Endpoints: []string{"udpin:127.0.0.1:0"}, Clock: clk,
		LinkLossTimeout: 30 * time.Second, CommandTimeout: 3 * time.Second}
	s, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer closetest.Now(t, s)
	f := newFake(t, clk, s.Addrs()[0].String(), VehicleID{8, 1}, fakeOpts{})
	want := map[string]bool{"discovered": false, "armed": false, "mode": false, "lost": false, "regained": false,
		"statustext": false, "telemetry": false, "cell": false}
	step := 0
	deadline := time.After(30 * time.Second)
	for {
		var ev Event
		select {
		case ev = <-s.Events():
		case <-deadline:
			t.Fatalf("events so far %v", want)
		}
		switch ev := ev.(type) {
		case *EventDiscovered:
			want["discovered"] = ev.Vehicle == f.id
			go func() {
				_ = s.Arm(context.Background(), f.id)
				_ = s.SetPayload(context.Background(), f.id, Public, true)
				_ = s.SetMode(context.Background(), f.id, "RTL")
			}()
		case *EventCell:
			if ev.State == CellOn {
				want["cell"] = ev.Network == Public && ev.Previous == CellOff && ev.Vehicle == f.id
			}
		case *EventArmed:
			want["armed"] = ev.Armed
		case *EventMode:
			want["mode"] = ev.Mode == "RTL" && ev.Previous == "LOITER"
			if step == 0 {
				step = 1
				f.mu.Lock()
				f.silent = true
				f.mu.Unlock()
			}
		case *EventLost:
			want["lost"] = true
			f.mu.Lock()
			f.silent = false
			f.write(&common.MessageStatustext{Severity: common.MAV_SEVERITY_WARNING, Text: "Battery low"})
			f.mu.Unlock()
		case *EventRegained:
			want["regained"] = true
		case *EventStatusText:
			want["statustext"] = ev.Text == "Battery low" && ev.Severity == common.MAV_SEVERITY_WARNING
		case *EventTelemetry:
			want["telemetry"] = true
		}
		all := true
		for _, ok := range want {
			all = all && ok
		}
		if all {
			return
		}
	}
}

// TestFullQueueIsReported: a frame that cannot be queued is counted, an
// event says so, and a command gets ErrQueueFull — never a silent drop.
func TestFullQueueIsReported(t *testing.T) {
	clk := scaled(t)
	s, _ := openStation(t, clk, nil)
	l := s.links[0]
	p := &peer{link: l, key: "stuck", q: make(chan outItem, 1), closed: make(chan struct{})} // no writer
	if !p.trySend(outItem{raw: []byte{1}}) {
		t.Fatal("first frame refused")
	}
	if p.trySend(outItem{raw: []byte{2}}) {
		t.Fatal("second frame queued in a full queue")
	}
	err := p.send(context.Background(), outItem{raw: []byte{3}}, time.Second)
	if !errors.Is(err, ErrQueueFull) {
		t.Fatalf("blocking send on a full queue: %v", err)
	}
	if st := s.Stats(); st.TxDropped != 2 || st.Links[0].TxDropped != 2 {
		t.Fatalf("drops not counted: %+v", st)
	}
}

func TestEventQueueOverflowIsReported(t *testing.T) {
	q := newEventQueue(2)
	for i := 0; i < 5; i++ {
		q.push(&EventLost{Vehicle: VehicleID{uint8(i), 1}}, nil)
	}
	done := make(chan struct{})
	defer close(done)
	go q.run(done)
	first := <-q.out
	if o, ok := first.(*EventOverflow); !ok || o.Dropped != 3 {
		t.Fatalf("first event %#v, want an overflow of 3", first)
	}
	for i := 0; i < 2; i++ {
		if ev := <-q.out; ev.(*EventLost).Vehicle.SysID != uint8(i) {
			t.Fatalf("event %d: %#v", i, ev)
		}
	}
	if q.dropped.Load() != 3 {
		t.Fatalf("dropped %d", q.dropped.Load())
	}
}

// An autopilot's STATUSTEXT of CRITICAL or worse is queued even when the
// queue is full (within a slack): a motor failure said once while the
// consumer is behind must still reach it. Lesser texts are dropped as any
// event is.
func TestEventQueueKeepsUrgentText(t *testing.T) {
	q := newEventQueue(2)
	for i := 0; i < 2; i++ {
		q.push(&EventLost{Vehicle: VehicleID{uint8(i), 1}}, nil)
	}
	motor := &EventStatusText{Vehicle: VehicleID{4, 1}, Severity: common.MAV_SEVERITY_EMERGENCY, Text: "Motor failure: forced landing"}
	q.push(motor, nil)
	q.push(&EventStatusText{Vehicle: VehicleID{4, 1}, Severity: common.MAV_SEVERITY_INFO, Text: "Mission: 3 WP"}, nil)
	done := make(chan struct{})
	defer close(done)
	go q.run(done)
	// The overflow, the two lost and the motor failure; a queue that drops
	// the text delivers three, so the wait is bounded.
	got := make([]Event, 0, 4)
	deadline := time.After(10 * time.Second)
	for len(got) < 4 {
		select {
		case ev := <-q.out:
			got = append(got, ev)
		case <-deadline:
			t.Fatalf("the motor failure text never came out of the queue: after 10 s only %d of 4 events: %#v", len(got), got)
		}
	}
	if o, ok := got[0].(*EventOverflow); !ok || o.Dropped != 1 {
		t.Fatalf("first event %#v, want an overflow of the one info text", got[0])
	}
	if got[3] != Event(motor) {
		t.Fatalf("events %#v: the motor failure is not among them", got)
	}
	for i := 0; i < urgentSlack+10; i++ { // the slack bounds a flood of them
		q.push(motor, nil)
	}
	q.mu.Lock()
	waiting := len(q.items) - q.head
	q.mu.Unlock()
	if d := q.dropped.Load(); d <= 1 || waiting > q.limit+urgentSlack {
		t.Fatalf("a flood of urgent texts: %d dropped, %d waiting: want the slack to bound the queue", d, waiting)
	}
}

func TestLinkQualityCountsSequenceGaps(t *testing.T) {
	s, addr := openStation(t, scaled(t), func(c *Config) { c.StreamRate = -1 })
	c := dial(t, addr)
	e := newEncoder(t, VehicleID{12, 1}, nil)
	sent := 0
	for i := 0; i < 100; i++ {
		b := e.frames(t, copterHeartbeat())
		if i%4 == 3 {
			continue // lost on the way: a gap in the sequence numbers
		}
		sent++
		if _, err := c.Write(b); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Microsecond)
	}
	waitFor(t, "frames", 10*time.Second, func() bool {
		v, _ := s.Vehicle(VehicleID{12, 1})
		return v.Quality.Received == uint64(sent)
	})
	v, _ := s.Vehicle(VehicleID{12, 1})
	if v.Quality.Lost != 24 || math.Abs(v.Quality.LossPct-24.24) > 0.01 {
		t.Fatalf("quality %+v, want 24 lost of 99", v.Quality)
	}
}

// TestStationHeartbeatIsSignedGCS: the station announces itself as a
// ground station (sysid 255 by default), and with a key everything it
// sends is signed with it.
func TestStationHeartbeatIsSignedGCS(t *testing.T) {
	key, _ := ParseSigningKey("fleet")
	s, addr := openStation(t, scaled(t), func(c *Config) { c.SigningKey = key; c.StreamRate = -1 })
	c := dial(t, addr)
	if _, err := c.Write(newEncoder(t, VehicleID{21, 1}, key).frames(t, copterHeartbeat())); err != nil {
		t.Fatal(err)
	}
	drw, _ := testDialect()
	buf := make([]byte, 2048)
	for got := 0; got < 3; {
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, err := c.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		r := &frame.Reader{BufByteReader: bufio.NewReader(bytes.NewReader(buf[:n])), DialectRW: drw, InKey: key}
		fr, err := r.Read()
		if err != nil {
			t.Fatalf("station sent a frame that does not verify: %v", err)
		}
		hb, ok := fr.GetMessage().(*common.MessageHeartbeat)
		if !ok {
			continue
		}
		if hb.Type != common.MAV_TYPE_GCS || fr.GetSystemID() != 255 || fr.GetComponentID() != 190 {
			t.Fatalf("heartbeat %+v from %d/%d", hb, fr.GetSystemID(), fr.GetComponentID())
		}
		got++
	}
	if s.Stats().RxRefused() != 0 {
		t.Fatalf("refused %+v", s.Stats())
	}
}

// newStreamReader reads typed frames from a byte stream.
func newStreamReader(r io.Reader, drw *dialect.ReadWriter) *frame.Reader {
	return &frame.Reader{BufByteReader: bufio.NewReader(r), DialectRW: drw}
}

// TestStreamResyncsAndReassembles: on a byte stream (serial, TCP) frames
// split across reads are reassembled, and a corrupted frame, whose length
// byte now claims the frames behind it, costs no good frame.
func TestStreamResyncsAndReassembles(t *testing.T) {
	s, _ := openStation(t, scaled(t), func(c *Config) { c.StreamRate = -1 })
	l := s.links[0]
	p := &peer{link: l, key: "stream", q: make(chan outItem, 16), closed: make(chan struct{})}
	e := newEncoder(t, VehicleID{40, 1}, nil)
	var in []byte
	good := 0
	for i := 0; i < 20; i++ {
		f := e.frames(t, copterHeartbeat(), &common.MessageGlobalPositionInt{Lat: int32(i)})
		if i%5 == 2 {
			f[1] = 200 // a noisy length byte in the first frame of the pair
			good++     // its position frame survives
		} else {
			good += 2
		}
		in = append(in, f...)
		in = append(in, 0x00, 0x55) // line noise
	}
	s.newDecoder(l).stream(p, iotest.OneByteReader(bytes.NewReader(in)))
	st := s.Stats()
	if st.RxFrames != uint64(good) {
		t.Fatalf("%d frames decoded, want %d (%+v)", st.RxFrames, good, st)
	}
	if st.RxBadChecksum+st.RxParseErrors == 0 || st.RxGarbageBytes == 0 {
		t.Fatalf("the damage was not counted: %+v", st)
	}
	if v, _ := s.Vehicle(VehicleID{40, 1}); v.Lat != 19e-7 {
		t.Fatalf("last position %v", v.Lat)
	}
}
