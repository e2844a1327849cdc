package sim

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/aerocell/aerocell/internal/closetest"
	"github.com/bluenviron/gomavlib/v3"
)

// nodeGCS is the directory of the node-mavlink ground station; `npm ci`
// there installs it (.ci/run does).
const nodeGCS = "testdata/nodegcs"

// A ground station built on a MAVLink implementation not written here
// (node-mavlink, ArduPilot's Node.js library) sees every simulated drone and
// flies each: arm, takeoff, go to, then RTL (drone 1) or LAND (drone 2).
func TestThirdPartyGCSFliesFleet(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: the third-party ground station (node-mavlink) needs Node.js; apt-get install nodejs npm")
	}
	if _, err := os.Stat(filepath.Join(nodeGCS, "node_modules", "node-mavlink")); err != nil {
		t.Skipf("node-mavlink is not installed: run `npm ci --prefix sim/%s`", nodeGCS)
	}
	port := freeUDPPort(t)
	f, err := Start(context.Background(), Config{
		Clock: scaled(t, 20), Seed: 3, GPSNoiseM: 0.5,
		Endpoints: []gomavlib.EndpointConf{gomavlib.EndpointUDPClient{Address: addr(port)}},
		Drones: []DroneConfig{
			{SysID: 1, Profile: ProfileHeavy, Home: testHome},
			{SysID: 2, Profile: ProfileTethered, Home: LatLonAlt{testHome.Lat, testHome.Lon + 0.0005, testHome.Alt}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer closetest.Now(t, f)
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "gcs.cjs", strconv.Itoa(port), "1,2", "60")
	cmd.Dir = nodeGCS
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	type event struct {
		Event, Step, Why string
		SysID            uint8
		Result           int
		Type, Autopilot  int
	}
	var events []event
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("bad line from the GCS: %q", sc.Text())
		}
		events = append(events, e)
		t.Logf("node GCS: %s", sc.Text())
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("node GCS failed: %v\n%s", err, stderr.String())
	}
	landed := map[uint8]bool{}
	for _, e := range events {
		if e.Event == "heartbeat" && e.Autopilot != 3 {
			t.Fatalf("drone %d autopilot %d, want ArduPilot (3)", e.SysID, e.Autopilot)
		}
		if e.Event == "landed" {
			landed[e.SysID] = true
		}
	}
	if !landed[1] || !landed[2] || events[len(events)-1].Event != "done" {
		t.Fatalf("events %+v", events)
	}
	for id, north := range map[uint8]float64{1: 0, 2: 60} { // RTL home; LAND where it went
		s := f.Drone(id).State()
		n, e := northEast(s.Home.Lat, s.Home.Lon, s.Lat, s.Lon)
		if s.Armed || s.AltRel > 0.1 || math.Hypot(n-north, e) > 3 {
			t.Fatalf("drone %d after the flight: armed %v, %.1f m up, %.1f m N %.1f m E of home", id, s.Armed, s.AltRel, n, e)
		}
	}
}
