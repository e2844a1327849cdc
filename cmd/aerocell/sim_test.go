package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/ardupilotmega"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

func freeUDP(t *testing.T) string {
	t.Helper()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return "127.0.0.1:" + strconv.Itoa(c.LocalAddr().(*net.UDPAddr).Port)
}

// `aerocell sim` starts the drones it prints, each heard by a ground station
// on the address given.
func TestSimCommandStartsDrones(t *testing.T) {
	a := freeUDP(t)
	gcs := &gomavlib.Node{
		Endpoints: []gomavlib.EndpointConf{gomavlib.EndpointUDPServer{Address: a}},
		Dialect:   ardupilotmega.Dialect, OutVersion: gomavlib.V2, OutSystemID: 255,
	}
	if err := gcs.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer gcs.Close()
	heard := make(chan uint8, 64)
	go func() {
		for e := range gcs.Events() {
			if fr, ok := e.(*gomavlib.EventFrame); ok {
				if _, ok := fr.Message().(*common.MessageHeartbeat); ok {
					select {
					case heard <- fr.SystemID():
					default:
					}
				}
			}
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, []string{"sim", "--drones", "2", "--sysid-base", "7", "--gcs", "udpout:" + a, "--speed", "5", "--for", "20s"}, &out, &errb)
	}()
	seen := map[uint8]bool{}
	timeout := time.After(15 * time.Second)
	for len(seen) < 2 {
		select {
		case id := <-heard:
			seen[id] = true
		case <-timeout:
			t.Fatalf("heard %v only", seen)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !seen[7] || !seen[8] {
		t.Fatalf("heard %v, want 7 and 8", seen)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "sysid=7") || !strings.Contains(lines[1], "sysid=8") {
		t.Fatalf("output %q", out.String())
	}
}

func TestSimCommandBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "fleet.yaml")
	if err := os.WriteFile(bad, []byte("drones:\n  - {sysid: 1, profile: zeppelin}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--drones", "300"}, "system ids"},
		{[]string{"--profile", "zeppelin"}, "--profile"},
		{[]string{"--home", "north"}, "--home"},
		{[]string{"--gcs", "carrier-pigeon:1.2.3.4:5"}, "unknown kind"},
		{[]string{"--speed", "-3"}, "--speed"},
		{[]string{"--fault", "kind=meteor"}, "unknown fault"},
		{[]string{"--fault", "kind=packet-loss,percent=250"}, "percent"},
		{[]string{"--fleet", bad}, "drones[0].profile"},
		{[]string{"--fleet", filepath.Join(dir, "missing.yaml")}, "missing.yaml"},
		{[]string{"--dem", filepath.Join(dir, "no-tiles")}, "--dem"},
		{[]string{"--dem", "../../dem/testdata"}, "Drones[0].Home: no terrain under it"}, // CMAC is off the tile
	} {
		var out, errb bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := Run(ctx, append([]string{"sim", "--for", "10ms"}, c.args...), &out, &errb)
		cancel()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want it to mention %q", c.args, err, c.want)
		}
	}
}

// A fleet file starts its mixed fleet, one line per drone.
func TestSimCommandFleetFile(t *testing.T) {
	var out, errb bytes.Buffer
	err := Run(context.Background(), []string{"sim", "--fleet", "../../sim/testdata/fleet.yaml", "--gcs", "udpout:" + freeUDP(t),
		"--fault", "kind=gps,sysid=10,at=1s,duration=5s", "--wind", "5,90,1", "--speed", "20", "--for", "300ms"}, &out, &errb)
	if err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 6 || !strings.Contains(lines[0], "profile=tethered-multirotor") || !strings.Contains(lines[0], "tether=150m") ||
		!strings.Contains(lines[1], "profile=long-tether") || !strings.Contains(lines[5], "sysid=20 profile=fixed-wing-relay") {
		t.Fatalf("output:\n%s", out.String())
	}
}

// With --dem the drone stands on the DEM (its home altitude is the
// ground's, whatever --home says) and asks the ground station for the
// terrain around it.
func TestSimCommandDEM(t *testing.T) {
	a := freeUDP(t)
	gcs := &gomavlib.Node{
		Endpoints: []gomavlib.EndpointConf{gomavlib.EndpointUDPServer{Address: a}},
		Dialect:   ardupilotmega.Dialect, OutVersion: gomavlib.V2, OutSystemID: 255,
	}
	if err := gcs.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer gcs.Close()
	asked := make(chan *common.MessageTerrainRequest, 1)
	go func() {
		for e := range gcs.Events() {
			if fr, ok := e.(*gomavlib.EventFrame); ok {
				if m, ok := fr.Message().(*common.MessageTerrainRequest); ok {
					select {
					case asked <- m:
					default:
					}
				}
			}
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, []string{"sim", "--dem", "../../dem/testdata", "--home", "44.13,-71.36,5000", "--gcs", "udpout:" + a, "--speed", "5", "--for", "20s"}, &out, &errb)
	}()
	select {
	case m := <-asked:
		if m.GridSpacing != 100 || m.Mask != 1<<56-1 {
			t.Fatalf("request %+v", m)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no TERRAIN_REQUEST")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "home=44.130000,-71.360000,319 ") {
		t.Fatalf("output %q: home not on the valley floor (319 m)", out.String())
	}
}
