package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aerocell/aerocell/clock"
	"github.com/aerocell/aerocell/fleet"
	"github.com/aerocell/aerocell/internal/closetest"
	"github.com/aerocell/aerocell/report/broker"
	"github.com/aerocell/aerocell/sim"
	"github.com/bluenviron/gomavlib/v3"
	paho "github.com/eclipse/paho.mqtt.golang"
)

var (
	epoch = time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)
	base  = sim.LatLonAlt{Lat: 35.68, Lon: 102.80, Alt: 2000}
)

func freePort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

func square(lat, lon, km float64) []byte {
	dlat := km / 2 / 111.32
	dlon := dlat / math.Cos(lat*math.Pi/180)
	return []byte(fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%f,%f],[%f,%f],[%f,%f],[%f,%f],[%f,%f]]]}`,
		lon-dlon, lat-dlat, lon+dlon, lat-dlat, lon+dlon, lat+dlat, lon-dlon, lat+dlat, lon-dlon, lat-dlat))
}

// world is a daemon with its embedded broker and console flying a
// simulated fleet over real loopback sockets, on one sped-up clock.
type world struct {
	t     *testing.T
	clk   *clock.Paced
	d     *Daemon
	fleet *sim.Fleet
	team  string
	pass  string
}

func newWorld(t *testing.T, speed float64, drones []sim.DroneConfig) *world {
	t.Helper()
	clk, err := clock.NewPaced(epoch, speed, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(clk.Stop)
	port := freePort(t)
	cfg := DefaultConfig()
	cfg.MAVLink.Endpoints = []string{fmt.Sprintf("udpin:127.0.0.1:%d", port)}
	cfg.MAVLink.LinkLossTimeout = time.Duration(float64(500*time.Millisecond) * speed)
	cfg.MAVLink.CommandTimeout = time.Duration(float64(150*time.Millisecond) * speed)
	cfg.MAVLink.MissionTimeout = cfg.MAVLink.CommandTimeout
	cfg.Storage.Dir = t.TempDir()
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.MQTT.Listen = "127.0.0.1:0"
	cfg.MQTT.Topic = "e2e"
	for _, d := range drones { // the simulated drones are the fleet
		cfg.Fleet.Drones = append(cfg.Fleet.Drones, DroneEntry{SysID: int(d.SysID)})
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	d, pass := startWithTeam(t, cfg, clk)
	f, err := sim.Start(context.Background(), sim.Config{
		Drones:    drones,
		Endpoints: []gomavlib.EndpointConf{gomavlib.EndpointUDPClient{Address: fmt.Sprintf("127.0.0.1:%d", port)}},
		Clock:     clk, Seed: 3,
	})
	if err != nil {
		t.Fatal(err)
	}
	closetest.AtEnd(t, f)
	return &world{t: t, clk: clk, d: d, fleet: f, team: "red", pass: pass}
}

// startWithTeam starts the daemon, quiet, with a broker login for field
// team red, and returns it with that login's password.
func startWithTeam(t *testing.T, cfg Config, clk clock.Clock) (*Daemon, string) {
	t.Helper()
	users := &broker.Users{Version: broker.UsersVersion}
	pass, err := broker.AddTeamLogin(users, "red", "red")
	if err != nil {
		t.Fatal(err)
	}
	d, err := Start(context.Background(), cfg, Options{Clock: clk, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Users: users.Users})
	if err != nil {
		t.Fatal(err)
	}
	closetest.AtEnd(t, d)
	return d, pass
}

func (w *world) waitFor(what string, virtual time.Duration, cond func(fleet.Snapshot) bool) fleet.Snapshot {
	w.t.Helper()
	deadline := w.clk.Now().Add(virtual)
	for {
		s := w.d.Controller().Snapshot()
		if cond(s) {
			return s
		}
		if w.clk.Now().After(deadline) {
			b, _ := json.Marshal(s.Drones)
			w.t.Fatalf("%s: not within %v of flight time; drones %s", what, virtual, b)
		}
		time.Sleep(3 * time.Millisecond)
	}
}

// teamClient is a field team's phone: it logs in to the embedded broker,
// follows its alerts and reports its position.
type teamClient struct {
	c      paho.Client
	prefix string
	mu     sync.Mutex
	alerts []map[string]any
	seen   map[string]bool
}

func (w *world) teamClient() *teamClient {
	w.t.Helper()
	tc := &teamClient{prefix: "aerocell/v1/e2e/teams/" + w.team, seen: map[string]bool{}}
	o := paho.NewClientOptions().AddBroker("tcp://" + w.d.MQTTAddr()).SetClientID("phone-red").
		SetUsername(w.team).SetPassword(w.pass).SetCleanSession(false).SetAutoReconnect(true)
	tc.c = paho.NewClient(o)
	if tok := tc.c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		w.t.Fatalf("team login: %v", tok.Error())
	}
	w.t.Cleanup(func() { tc.c.Disconnect(100) })
	tok := tc.c.Subscribe(tc.prefix+"/alerts", 1, func(_ paho.Client, m paho.Message) {
		var a map[string]any
		if json.Unmarshal(m.Payload(), &a) != nil {
			return
		}
		tc.mu.Lock()
		defer tc.mu.Unlock()
		if id, _ := a["id"].(string); !tc.seen[id] { // de-duplicate by id
			tc.seen[id] = true
			tc.alerts = append(tc.alerts, a)
		}
	})
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		w.t.Fatalf("subscribe: %v", tok.Error())
	}
	return tc
}

func (tc *teamClient) at(t *testing.T, lat, lon float64) {
	t.Helper()
	p := fmt.Sprintf(`{"schema":1,"lat":%f,"lon":%f}`, lat, lon)
	if tok := tc.c.Publish(tc.prefix+"/position", 1, true, p); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("position: %v", tok.Error())
	}
}

// wait returns the first alert of kind for network after skip alerts.
func (tc *teamClient) wait(t *testing.T, w *world, kind string, skip int, virtual time.Duration) (map[string]any, int) {
	t.Helper()
	deadline := w.clk.Now().Add(virtual)
	for {
		tc.mu.Lock()
		for i := skip; i < len(tc.alerts); i++ {
			if tc.alerts[i]["kind"] == kind {
				a := tc.alerts[i]
				tc.mu.Unlock()
				return a, i + 1
			}
		}
		got := fmt.Sprint(tc.alerts)
		tc.mu.Unlock()
		if w.clk.Now().After(deadline) {
			t.Fatalf("no %s alert within %v; got %s", kind, virtual, got)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func distM(lat1, lon1, lat2, lon2 float64) float64 {
	dy := (lat2 - lat1) * 111320
	dx := (lon2 - lon1) * 111320 * math.Cos(lat1*math.Pi/180)
	return math.Hypot(dx, dy)
}

// A field team walks out of the private network's coverage and is told;
// a commander sends a drone over it and the team is told the network is back.
func TestTeamWalksOutOfCoverageAndBack(t *testing.T) {
	drones := []sim.DroneConfig{{SysID: 1, Profile: sim.ProfileHeavy, Home: base}}
	h2 := base
	h2.Lon += 0.0003
	drones = append(drones, sim.DroneConfig{SysID: 2, Profile: sim.ProfileHeavy, Home: h2})
	w := newWorld(t, 30, drones)
	ctl := w.d.Controller()
	w.waitFor("drones heard", 30*time.Second, func(s fleet.Snapshot) bool { return s.Located() == 2 })
	ctx := context.Background()
	if _, err := ctl.CreateIncident(ctx, fleet.IncidentSpec{Name: "e2e", Area: square(base.Lat, base.Lon, 9)}); err != nil {
		t.Fatal(err)
	}
	if err := ctl.Deploy(ctx); err != nil {
		t.Fatal(err)
	}
	s := w.waitFor("holding", 20*time.Minute, func(s fleet.Snapshot) bool {
		return s.Incident.State == fleet.IncidentHolding && s.Coverage.Fraction[fleet.Private] > 0
	})
	st := s.Plan.Stations[0]
	radius := st.RadiusM[fleet.Private]

	tc := w.teamClient()
	tc.at(t, st.Lat, st.Lon) // under the station: covered
	w.clk.Sleep(5 * time.Second)

	// The corner of the area farthest from every station is out of the
	// private cells' reach.
	dlat := 4.3 / 111.32
	dlon := dlat / math.Cos(base.Lat*math.Pi/180)
	var outLat, outLon, far float64
	for _, c := range [][2]float64{{base.Lat - dlat, base.Lon - dlon}, {base.Lat - dlat, base.Lon + dlon}, {base.Lat + dlat, base.Lon - dlon}, {base.Lat + dlat, base.Lon + dlon}} {
		near := math.Inf(1)
		for _, d := range s.Drones {
			near = math.Min(near, distM(c[0], c[1], d.Lat, d.Lon))
		}
		if near > far {
			outLat, outLon, far = c[0], c[1], near
		}
	}
	if far < radius+300 {
		t.Fatalf("no corner out of coverage: farthest %.0f m, private radius %.0f m", far, radius)
	}
	tc.at(t, outLat, outLon)
	lost, next := tc.wait(t, w, "coverage.lost", 0, 2*time.Minute)
	if lost["network"] != "private" || lost["team"] != "red" {
		t.Fatalf("lost alert: %v", lost)
	}

	// The commander sends the nearest drone over the team.
	best, bestD := 0, math.Inf(1)
	for _, d := range s.Drones {
		if dd := distM(outLat, outLon, d.Lat, d.Lon); dd < bestD && d.State == fleet.DroneOnStation {
			best, bestD = d.ID, dd
		}
	}
	if err := ctl.OrderDrone(ctx, best, fleet.Order{Kind: fleet.OrderGoto, Lat: outLat, Lon: outLon, AltM: st.AltM}); err != nil {
		t.Fatal(err)
	}
	restored, _ := tc.wait(t, w, "coverage.restored", next, 20*time.Minute)
	if restored["network"] != "private" {
		t.Fatalf("restored alert: %v", restored)
	}

	// The console shows the team where it reported itself.
	resp, err := http.Get("http://" + w.d.HTTPAddr() + "/api/v1/teams")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"red"`) {
		t.Fatalf("GET /api/v1/teams: %d %s", resp.StatusCode, b)
	}
}
