package mavlink

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/aerocell/aerocell/clock"
	"github.com/aerocell/aerocell/internal/closetest"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/frame"
)

// source is one far end sending as vehicle 1/1 from its own UDP socket, and
// recording the message ids the station sends it.
type source struct {
	c   *net.UDPConn
	enc *encoder
	lat int32

	mu   sync.Mutex
	rx   map[uint32]int
	stop chan struct{}
	done chan struct{}
}

func newSource(t *testing.T, addr string, lat int32) *source {
	t.Helper()
	src := &source{c: dial(t, addr), enc: newEncoder(t, VehicleID{1, 1}, nil), lat: lat, rx: map[uint32]int{}}
	go src.read()
	return src
}

func (src *source) read() {
	buf := make([]byte, 2048)
	for {
		n, err := src.c.Read(buf)
		if err != nil {
			return
		}
		b := buf[:n]
		for len(b) >= 10 && b[0] == frame.V2MagicByte {
			id := uint32(b[7]) | uint32(b[8])<<8 | uint32(b[9])<<16
			src.mu.Lock()
			src.rx[id]++
			src.mu.Unlock()
			fl := frameLen(b)
			if fl == 0 || fl > len(b) {
				break
			}
			b = b[fl:]
		}
	}
}

// received is how many frames other than HEARTBEAT the station sent.
func (src *source) received() (n int) {
	src.mu.Lock()
	defer src.mu.Unlock()
	for id, c := range src.rx {
		if id != 0 {
			n += c
		}
	}
	return n
}

// speak sends a heartbeat and a position every tick of clk until silence.
func (src *source) speak(t *testing.T, clk clock.Clock, every time.Duration) {
	src.stop, src.done = make(chan struct{}), make(chan struct{})
	b := src.enc.frames(t, copterHeartbeat(), &common.MessageGlobalPositionInt{Lat: src.lat, Lon: 110_000_000})
	go func() {
		defer close(src.done)
		tk := clk.NewTicker(every)
		defer tk.Stop()
		for {
			_, _ = src.c.Write(b) // the sequence numbers repeat: a gap is not what is tested
			select {
			case <-tk.C():
			case <-src.stop:
				return
			}
		}
	}()
}

func (src *source) silence() {
	if src.stop != nil {
		close(src.stop)
		<-src.done
		src.stop = nil
	}
}

func (src *source) addr() string { return src.c.LocalAddr().String() }

// TestSecondSourceIsRefused: a forger sending HEARTBEAT and positions as
// vehicle 1 from another address on the same udpin listener is flagged with
// both addresses, changes nothing of the vehicle and gets no command; once
// the first source has been silent for the link-loss timeout the other one
// is the vehicle's, and the first is then the one refused.
func TestSecondSourceIsRefused(t *testing.T) {
	clk, err := clock.NewScaled(testEpoch, 5)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(Config{Endpoints: []string{"udpin:127.0.0.1:0"}, Clock: clk,
		LinkLossTimeout: 5 * time.Second, CommandTimeout: time.Second, CommandRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer closetest.Now(t, s)
	conflicts := make(chan *EventConflict, 16)
	go func() {
		for {
			select {
			case ev := <-s.Events():
				if c, ok := ev.(*EventConflict); ok {
					conflicts <- c
				}
			case <-s.Done():
				return
			}
		}
	}()
	addr := s.Addrs()[0].String()
	id := VehicleID{1, 1}
	real := newSource(t, addr, 440_000_000)
	forger := newSource(t, addr, 450_000_000)
	real.speak(t, clk, 200*time.Millisecond)
	defer real.silence()
	waitFor(t, "the real vehicle", 10*time.Second, func() bool { v, ok := s.Vehicle(id); return ok && v.Lat == 44 })

	forger.speak(t, clk, 200*time.Millisecond)
	defer forger.silence()
	select {
	case c := <-conflicts:
		if c.Vehicle != id || c.Source != real.addr() || c.Other != forger.addr() || c.Link != "udpin:127.0.0.1:0" {
			t.Fatalf("conflict %+v; real %s forger %s", c, real.addr(), forger.addr())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no EventConflict")
	}
	waitFor(t, "refused frames", 10*time.Second, func() bool { return s.Stats().RxConflicting >= 20 })
	if v, _ := s.Vehicle(id); v.Lat != 44 || len(v.Quality.Links) != 1 {
		t.Fatalf("the forger's frames were merged: lat %v links %v", v.Lat, v.Quality.Links)
	}
	select {
	case c := <-conflicts:
		t.Fatalf("conflict reported twice: %+v", c)
	default:
	}

	// A command goes to the first source only.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	_ = s.RTL(ctx, id) // no one answers: only where it went matters
	cancel()
	if real.received() == 0 {
		t.Fatal("the vehicle got no command")
	}
	if n := forger.received(); n != 0 {
		t.Fatalf("the forger got %d frames besides heartbeats", n)
	}

	// The first source falls silent: after the link-loss timeout the
	// other is the vehicle's, and the first one coming back is refused.
	real.silence()
	waitFor(t, "the other source taken", 20*time.Second, func() bool { v, _ := s.Vehicle(id); return v.Lat == 45 && !v.Lost })
	real.speak(t, clk, 200*time.Millisecond)
	select {
	case c := <-conflicts:
		if c.Source != forger.addr() || c.Other != real.addr() {
			t.Fatalf("conflict after the take-over %+v", c)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no EventConflict after the take-over")
	}
}
