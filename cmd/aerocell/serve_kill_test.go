package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/aerocell/aerocell/clock"
	"github.com/aerocell/aerocell/internal/closetest"
	"github.com/aerocell/aerocell/sim"
	"github.com/bluenviron/gomavlib/v3"
)

func freeAddr(t *testing.T, network string) string {
	t.Helper()
	if network == "udp" {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.LocalAddr().String()
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// daemonProc is `aerocell serve` in a process of its own.
type daemonProc struct {
	t    *testing.T
	bin  string
	args []string
	cmd  *exec.Cmd
	http string
}

func (p *daemonProc) start() {
	p.t.Helper()
	p.cmd = exec.Command(p.bin, p.args...)
	log, err := os.Create(filepath.Join(p.t.TempDir(), "serve.log"))
	if err != nil {
		p.t.Fatal(err)
	}
	p.cmd.Stdout, p.cmd.Stderr = log, log
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	p.t.Cleanup(func() { p.cmd.Process.Kill(); p.cmd.Wait() })
}

func (p *daemonProc) kill() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(os.Kill); err != nil {
		p.t.Fatal(err)
	}
	p.cmd.Wait()
}

func (p *daemonProc) get(path string, v any) error {
	resp, err := http.Get("http://" + p.http + "/api/v1" + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

type apiSnapshot struct {
	Incident *struct {
		State string `json:"state"`
	} `json:"incident"`
	Drones []struct {
		ID      int    `json:"id"`
		State   string `json:"state"`
		Station string `json:"station"`
	} `json:"drones"`
}

type apiEvent struct {
	Seq  uint64 `json:"seq"`
	Kind string `json:"kind"`
	Text string `json:"text"`
}

// The daemon killed with SIGKILL mid-mission and started again: no drone is
// launched twice, none is sent home, coverage stays.
func TestServeSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "aerocell")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	const speed = 20
	udp, httpAddr := freeAddr(t, "udp"), freeAddr(t, "tcp")
	home := sim.LatLonAlt{Lat: 35.68, Lon: 102.80, Alt: 2000}
	dlat := 3.0 / 111.32
	dlon := dlat / math.Cos(home.Lat*math.Pi/180)
	area := fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%f,%f],[%f,%f],[%f,%f],[%f,%f],[%f,%f]]]}`,
		home.Lon-dlon, home.Lat-dlat, home.Lon+dlon, home.Lat-dlat, home.Lon+dlon, home.Lat+dlat, home.Lon-dlon, home.Lat+dlat, home.Lon-dlon, home.Lat-dlat)
	if err := os.WriteFile(filepath.Join(dir, "area.geojson"), []byte(area), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`mavlink: {endpoints: ["udpin:%s"], link_loss_timeout: 20s, command_timeout: 4s, mission_timeout: 4s}
fleet: {drones: [{sysid: 1, count: 3, profile: heavy-multirotor}]}
incident: {name: kill test, area: area.geojson, deploy: true}
storage: {dir: state}
http: {listen: "%s"}
mqtt: {disabled: true}
`, udp, httpAddr)
	if err := os.WriteFile(filepath.Join(dir, "aerocell.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	clk, err := clock.NewScaled(time.Now(), speed)
	if err != nil {
		t.Fatal(err)
	}
	var drones []sim.DroneConfig
	for i := 1; i <= 3; i++ {
		h := home
		h.Lon += float64(i) * 0.0002
		drones = append(drones, sim.DroneConfig{SysID: uint8(i), Profile: sim.ProfileHeavy, Home: h})
	}
	f, err := sim.Start(context.Background(), sim.Config{Drones: drones, Clock: clk, Seed: 5,
		Endpoints: []gomavlib.EndpointConf{gomavlib.EndpointUDPClient{Address: udp}}})
	if err != nil {
		t.Fatal(err)
	}
	defer closetest.Now(t, f)

	p := &daemonProc{t: t, bin: bin, http: httpAddr, args: []string{"serve", "--config", filepath.Join(dir, "aerocell.yaml"), "--speed", fmt.Sprint(speed)}}
	p.start()
	var snap apiSnapshot
	deadline := time.Now().Add(90 * time.Second)
	for {
		if err := p.get("/snapshot", &snap); err == nil && snap.Incident != nil && snap.Incident.State == "holding" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not holding before the kill: %+v (err %v)", snap, p.get("/snapshot", &snap))
		}
		time.Sleep(100 * time.Millisecond)
	}
	flying := map[int]bool{}
	for i := 1; i <= 3; i++ {
		st := f.Drone(uint8(i)).State()
		flying[i] = st.Armed && st.AltRel > 10
	}
	var before []apiEvent
	if err := p.get("/events?limit=1000", &before); err != nil {
		t.Fatal(err)
	}
	last := before[len(before)-1].Seq

	p.kill()
	time.Sleep(clk.Wall(10 * time.Second)) // the fleet flies on without its ground station
	p.start()
	deadline = time.Now().Add(60 * time.Second)
	for {
		if err := p.get("/snapshot", &snap); err == nil && len(snap.Drones) == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("restarted daemon did not hear the fleet")
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(clk.Wall(2 * time.Minute)) // two minutes of flight under the new daemon
	for i := 1; i <= 3; i++ {
		st := f.Drone(uint8(i)).State()
		now := st.Armed && st.AltRel > 10
		if now != flying[i] {
			t.Errorf("drone %d flying %v before the kill, %v after the restart (mode %s)", i, flying[i], now, st.Mode.Name)
		}
		if flying[i] && (st.Mode.Name == "RTL" || st.Mode.Name == "LAND") {
			t.Errorf("drone %d sent home after the restart", i)
		}
	}
	var after []apiEvent
	if err := p.get(fmt.Sprintf("/events?since=%d&limit=1000", last), &after); err != nil {
		t.Fatal(err)
	}
	for _, e := range after {
		switch e.Kind {
		case "drone.assigned", "drone.home", "station.released", "rotation.begun":
			t.Errorf("after the restart: %s: %s", e.Kind, e.Text)
		}
	}
	if err := p.get("/snapshot", &snap); err != nil || snap.Incident.State != "holding" {
		t.Errorf("after the restart the incident is %+v (%v)", snap.Incident, err)
	}
}
