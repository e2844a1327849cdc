package sitl

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/aerocell/aerocell/fleet"
	"github.com/bluenviron/gomavlib/v3/pkg/dialect"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/ardupilotmega"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/frame"
	"github.com/bluenviron/gomavlib/v3/pkg/streamwriter"
)

// lockedBuffer is the demo's output, read while it is written.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// unsignedHeartbeats are the frames of a forger without the fleet key:
// a HEARTBEAT and a far position for each system id.
func unsignedHeartbeats(t *testing.T, ids ...uint8) []byte {
	t.Helper()
	drw := &dialect.ReadWriter{Dialect: ardupilotmega.Dialect}
	if err := drw.Initialize(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	for _, id := range ids {
		fw := &frame.Writer{ByteWriter: &buf, DialectRW: drw}
		sw := &streamwriter.Writer{FrameWriter: fw, Version: streamwriter.V2, SystemID: id, ComponentID: 1}
		if err := fw.Initialize(); err != nil {
			t.Fatal(err)
		}
		if err := sw.Initialize(); err != nil {
			t.Fatal(err)
		}
		for _, m := range []interface{ GetID() uint32 }{
			&common.MessageHeartbeat{Type: common.MAV_TYPE_QUADROTOR, Autopilot: common.MAV_AUTOPILOT_ARDUPILOTMEGA, MavlinkVersion: 3},
			&common.MessageGlobalPositionInt{Lat: 10_0000000, Lon: 10_0000000},
		} {
			if err := sw.Write(m); err != nil {
				t.Fatal(err)
			}
		}
	}
	return buf.Bytes()
}

// TestDemoSigns: the demo's fleet and daemon sign every frame, so a sender
// without the key can neither speak for a drone of the fleet nor bring in
// one of its own.
func TestDemoSigns(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo")
	}
	ctx, cancel := context.WithCancel(context.Background())
	out := &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- Demo(ctx, DemoOptions{HTTP: "127.0.0.1:0", MQTT: "127.0.0.1:0", Speed: 10, Dir: t.TempDir(), Out: out})
	}()
	defer func() {
		cancel()
		<-done
	}()
	banner := regexp.MustCompile(`(?s)http://([0-9.:]+)/.*udpin:(127\.0\.0\.1:[0-9]+).*MAVLink signing: every frame signed; key [0-9a-f]{64}`)
	var m []string
	for deadline := time.Now().Add(60 * time.Second); m == nil; {
		select {
		case err := <-done:
			t.Fatalf("demo ended: %v\n%s", err, out)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no banner with a signing key:\n%s", out)
		}
		m = banner.FindStringSubmatch(out.String())
	}
	api, mav := "http://"+m[1]+"/api/v1", m[2]

	c, err := net.Dial("udp", mav)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	forged := unsignedHeartbeats(t, 1, 50)
	for i := 0; i < 50; i++ {
		if _, err := c.Write(forged); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond) // a pace for the forger, not a wait for a result
	}

	var drones []fleet.Drone
	getJSON(t, api+"/drones", &drones)
	if len(drones) != 10 {
		t.Fatalf("%d drones, want the demo's 10", len(drones))
	}
	for _, d := range drones {
		if d.ID == 50 || d.Lat == 10 {
			t.Fatalf("the unsigned sender got in: %+v", d)
		}
	}
	var evs []fleet.Event
	getJSON(t, api+"/events?limit=1000", &evs)
	for _, e := range evs {
		if e.Drone == 50 || e.Kind == "link.conflict" {
			t.Fatalf("the unsigned frames were heard: %+v", e)
		}
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}
