package mavlink

// Measured 2026-11-28 on the shared 2-core build machine (load average 8 to
// 12 from the other engineers' work, so figures swing by ±30 %), with
//
//	go test -run XXX -bench 'SocketToTelemetry|GomavlibNode' -benchtime 300000x -count 4 ./mavlink/
//	go test -run XXX -bench 'Decode|MemoryPerVehicle' -count 3 ./mavlink/
//
// socket to typed telemetry, 100 vehicles:   141k-193k frames/s, 247 B and 7 allocs per frame
// socket to typed telemetry, 1,000 vehicles: 93k-151k frames/s, 248 B and 7 allocs per frame
// plain gomavlib Node, same senders, same run: 91k-159k frames/s, 305 B and 11 allocs per frame
// decode path alone (no socket), 4-frame datagrams: 290k-400k frames/s, 196 B and 5.5 allocs per frame
// memory held per vehicle: about 0.65-0.93 KB

import (
	"fmt"
	"net"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aerocell/aerocell/internal/closetest"
	"github.com/bluenviron/gomavlib/v3"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/ardupilotmega"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
)

// telemetryFrames encodes, for each of n vehicles, a heartbeat and a round
// of the telemetry a drone streams; one frame per datagram.
func telemetryFrames(b *testing.B, n int) (heartbeats, telemetry [][]byte) {
	for i := 0; i < n; i++ {
		id := VehicleID{uint8(i%254 + 1), uint8(i/254 + 1)}
		e := newEncoder(b, id, nil)
		heartbeats = append(heartbeats, e.frames(b, copterHeartbeat()))
		for _, m := range []message.Message{
			&common.MessageGlobalPositionInt{Lat: 445000000 + int32(i), Lon: 113000000, Alt: 90000, RelativeAlt: 40000, Hdg: 9000},
			&common.MessageAttitude{Roll: 0.1, Pitch: 0.2, Yaw: 1},
			&common.MessageVfrHud{Groundspeed: 5, Heading: 90},
			&common.MessageSysStatus{VoltageBattery: 15800, CurrentBattery: 1200, BatteryRemaining: 80},
		} {
			telemetry = append(telemetry, e.frames(b, m))
		}
	}
	return heartbeats, telemetry
}

// pump sends datagrams round-robin, never more than window frames ahead of
// received (so that the socket buffer does not overflow), then waits until
// received stops growing. It returns the frames received per second.
func pump(b *testing.B, c *net.UDPConn, frames [][]byte, total uint64, received func() uint64) float64 {
	const window = 1024
	start := time.Now()
	sent := uint64(0)
	base := received()
	for sent < total {
		if sent-(received()-base) >= window {
			time.Sleep(100 * time.Microsecond) // not a spin: the receiver needs the core
			continue
		}
		if _, err := c.Write(frames[sent%uint64(len(frames))]); err != nil {
			b.Fatal(err)
		}
		sent++
	}
	last, lastChange := received(), time.Now()
	for last-base < total && time.Since(lastChange) < 200*time.Millisecond {
		time.Sleep(time.Millisecond)
		if n := received(); n != last {
			last, lastChange = n, time.Now()
		}
	}
	got := last - base
	if got < total*99/100 {
		b.Fatalf("received %d of %d frames", got, total)
	}
	elapsed := time.Since(start)
	if got < total {
		elapsed = lastChange.Sub(start)
	}
	b.ReportMetric(float64(total-got), "lost")
	return float64(got) / elapsed.Seconds()
}

// BenchmarkSocketToTelemetry: frames per second from a loopback UDP socket
// to typed telemetry, with 100 and 1,000 vehicles behind one port.
func BenchmarkSocketToTelemetry(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("vehicles=%d", n), func(b *testing.B) {
			s, addr := openStation(b, nil, func(c *Config) { c.StreamRate = -1; c.LinkLossTimeout = time.Hour })
			c := dial(b, addr)
			hbs, tel := telemetryFrames(b, n)
			for _, hb := range hbs {
				if _, err := c.Write(hb); err != nil {
					b.Fatal(err)
				}
				time.Sleep(10 * time.Microsecond)
			}
			waitFor(b, "discovery", 20*time.Second, func() bool { return len(s.Vehicles()) == n })
			rx := func() uint64 { return s.ctr.rxFrames.Load() }
			b.ReportAllocs()
			b.ResetTimer()
			b.ReportMetric(pump(b, c, tel, uint64(b.N), rx), "frames/s")
		})
	}
}

// BenchmarkGomavlibNode is the yardstick: a plain gomavlib Node on a
// loopback udpin, its events read and dropped.
func BenchmarkGomavlibNode(b *testing.B) {
	probe, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := probe.LocalAddr().String()
	probe.Close()
	node := &gomavlib.Node{
		Endpoints:  []gomavlib.EndpointConf{gomavlib.EndpointUDPServer{Address: addr}},
		Dialect:    ardupilotmega.Dialect,
		OutVersion: gomavlib.V2, OutSystemID: 255, HeartbeatDisable: true,
	}
	if err := node.Initialize(); err != nil {
		b.Fatal(err)
	}
	defer node.Close()
	var got atomic.Uint64
	go func() {
		for ev := range node.Events() {
			if _, ok := ev.(*gomavlib.EventFrame); ok {
				got.Add(1)
			}
		}
	}()
	c := dial(b, addr)
	_, tel := telemetryFrames(b, 100)
	b.ReportAllocs()
	b.ResetTimer()
	b.ReportMetric(pump(b, c, tel, uint64(b.N), got.Load), "frames/s")
}

// BenchmarkDecode: the frame path alone, no socket: one datagram of four
// frames from one of 1,000 known vehicles per operation.
func BenchmarkDecode(b *testing.B) {
	s, addr := openStation(b, nil, func(c *Config) { c.StreamRate = -1; c.LinkLossTimeout = time.Hour })
	_ = addr
	l := s.links[0]
	p := &peer{link: l, key: "bench", q: make(chan outItem, 1), closed: make(chan struct{})}
	d := s.newDecoder(l)
	hbs, tel := telemetryFrames(b, 1000)
	for _, hb := range hbs {
		d.datagram(p, hb)
	}
	var packed [][]byte
	for i := 0; i+4 <= len(tel); i += 4 {
		var dg []byte
		for _, f := range tel[i : i+4] {
			dg = append(dg, f...)
		}
		packed = append(packed, dg)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d.datagram(p, packed[i%len(packed)])
	}
	b.ReportMetric(float64(b.N*4)/b.Elapsed().Seconds(), "frames/s")
}

// BenchmarkMemoryPerVehicle: heap held per discovered vehicle.
func BenchmarkMemoryPerVehicle(b *testing.B) {
	const n = 1000
	for i := 0; i < b.N; i++ {
		s, _ := openStation(b, nil, func(c *Config) { c.StreamRate = -1; c.LinkLossTimeout = time.Hour })
		l := s.links[0]
		p := &peer{link: l, key: "bench", q: make(chan outItem, 1), closed: make(chan struct{})}
		d := s.newDecoder(l)
		hbs, tel := telemetryFrames(b, n)
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		for _, hb := range hbs {
			d.datagram(p, hb)
		}
		for _, f := range tel {
			d.datagram(p, f)
		}
		runtime.GC()
		runtime.ReadMemStats(&m1)
		runtime.KeepAlive(hbs) // the frames were live at m0: keep them so at m1
		runtime.KeepAlive(tel)
		if len(s.Vehicles()) != n {
			b.Fatalf("%d vehicles", len(s.Vehicles()))
		}
		b.ReportMetric(float64(m1.HeapAlloc-m0.HeapAlloc)/n, "B/vehicle")
		closetest.Now(b, s)
	}
}

// BenchmarkTerrainBlock measures one TERRAIN_DATA answer from the DEM: 16
// bilinear elevations on ArduPilot's grid.
func BenchmarkTerrainBlock(b *testing.B) {
	ts := &terrainServer{src: openDEM(b)}
	req := &common.MessageTerrainRequest{Lat: 442000000, Lon: -714000000, GridSpacing: 100, Mask: 1<<56 - 1}
	b.ReportAllocs()
	bit := 0
	for b.Loop() {
		if _, ok := ts.block(req, bit); !ok {
			b.Fatal("no block")
		}
		bit = (bit + 1) % 56
	}
}
