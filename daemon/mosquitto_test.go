package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aerocell/aerocell/clock"
	"github.com/aerocell/aerocell/internal/closetest"
	"github.com/aerocell/aerocell/internal/mqtttest"
	"github.com/aerocell/aerocell/report/topic"
	"github.com/aerocell/aerocell/sim"
	"github.com/bluenviron/gomavlib/v3"
)

// These tests run serve as a province would: the daemon connects to an
// external Mosquitto (TLS, a login, an ACL) as a client, like the field
// teams, instead of running its embedded broker.

// controllerLogin is the broker login of the daemon of one incident; its
// ACL grants it that incident's tree and nothing else.
func controllerLogin(incident string) mqtttest.Login {
	return mqtttest.Login{Username: "aerocell-" + incident, Password: incident + "-secret"}
}

var teamRed = mqtttest.Login{Username: "team-red", Password: "red-secret"}

// provinceACL is the Mosquitto ACL of docs/deploy.md: each daemon reads and
// writes its incident's tree; team red reads the feed of every incident
// listed, its own alerts and position, and writes its position; the
// dashboard reads everything.
func provinceACL(t *testing.T, incidents ...string) string {
	t.Helper()
	var acl strings.Builder
	for _, inc := range incidents {
		tree, err := topic.New(inc)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&acl, "user %s\n%s\n", controllerLogin(inc).Username, mqtttest.ACLTopics([]string{tree.All()}, []string{tree.All()}))
	}
	fmt.Fprintf(&acl, "user %s\n", teamRed.Username)
	for _, inc := range incidents {
		tree, _ := topic.New(inc)
		acl.WriteString(mqtttest.ACLTopics(tree.TeamFilters("red")))
	}
	fmt.Fprintf(&acl, "\nuser %s\n%s", mqtttest.Observer.Username, mqtttest.ACLTopics(topic.ObserverFilters(), nil))
	return acl.String()
}

// startProvinceBroker starts Mosquitto with TLS from a fresh CA and the
// logins and ACL of the given incidents.
func startProvinceBroker(t *testing.T, incidents ...string) (*mqtttest.Mosquitto, *mqtttest.CA) {
	t.Helper()
	ca := mqtttest.NewCA(t, "aerocell test province CA")
	logins := []mqtttest.Login{teamRed, mqtttest.Observer}
	for _, inc := range incidents {
		logins = append(logins, controllerLogin(inc))
	}
	m := mqtttest.StartMosquittoConfig(t, mqtttest.MosquittoConfig{Logins: logins, ACL: provinceACL(t, incidents...), CA: ca})
	return m, ca
}

// externalConfig is the configuration of the daemon of one incident over
// a 3 km square around home, deployed at once, reporting to the external
// broker at brokerURL with its own login, trusting caFile.
func externalConfig(t *testing.T, brokerURL string, incident, caFile string, speed float64, port int, home sim.LatLonAlt) Config {
	t.Helper()
	dir := t.TempDir()
	area := filepath.Join(dir, "area.geojson")
	if err := os.WriteFile(area, square(home.Lat, home.Lon, 3), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.MAVLink.Endpoints = []string{fmt.Sprintf("udpin:127.0.0.1:%d", port)}
	cfg.MAVLink.LinkLossTimeout = time.Duration(float64(500*time.Millisecond) * speed)
	cfg.MAVLink.CommandTimeout = time.Duration(float64(150*time.Millisecond) * speed)
	cfg.MAVLink.MissionTimeout = cfg.MAVLink.CommandTimeout
	cfg.Fleet.Drones = []DroneEntry{{SysID: 1}}
	cfg.Incident = &IncidentConfig{Name: incident, Area: area, Deploy: true}
	cfg.Storage.Dir = filepath.Join(dir, "data")
	cfg.HTTP.Listen = ""
	l := controllerLogin(incident)
	cfg.MQTT = MQTTConfig{Broker: brokerURL, Username: l.Username, Password: l.Password, CAFile: caFile,
		Topic: incident} // the default client id, aerocell-controller-{topic}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// flyIncident starts a simulated heavy drone at home, then the daemon of
// incident flying it, on clk.
func flyIncident(t *testing.T, m *mqtttest.Mosquitto, ca *mqtttest.CA, clk *clock.Paced, incident string, home sim.LatLonAlt) *Daemon {
	t.Helper()
	port := freePort(t)
	f, err := sim.Start(context.Background(), sim.Config{
		Drones:    []sim.DroneConfig{{SysID: 1, Profile: sim.ProfileHeavy, Home: home}},
		Endpoints: []gomavlib.EndpointConf{gomavlib.EndpointUDPClient{Address: fmt.Sprintf("127.0.0.1:%d", port)}},
		Clock:     clk, Seed: 3,
	})
	if err != nil {
		t.Fatal(err)
	}
	closetest.AtEnd(t, f)
	d, err := Start(context.Background(), externalConfig(t, m.URL(), incident, ca.File, clk.Speed(), port, home), quiet(clk))
	if err != nil {
		t.Fatalf("serve %s through mosquitto: %v\n%s", incident, err, m.Log())
	}
	closetest.AtEnd(t, d)
	return d
}

func quiet(clk clock.Clock) Options {
	return Options{Clock: clk, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// feed is what a field client has received of one incident: the status,
// coverage with some private coverage, and an alert.
type feed struct {
	status, coverage, alert map[string]any
}

func (f *feed) complete() bool { return f.status != nil && f.coverage != nil && f.alert != nil }

// followIncidents subscribes team red's phone, over TLS, to the status,
// coverage and alerts of each incident.
func followIncidents(t *testing.T, m *mqtttest.Mosquitto, ca *mqtttest.CA, incidents ...string) *mqtttest.Field {
	t.Helper()
	o := mqtttest.Options(m.URL(), teamRed, "red-phone", true).SetTLSConfig(ca.ClientTLS())
	phone := mqtttest.MustConnect(t, o)
	for _, inc := range incidents {
		tree, _ := topic.New(inc)
		for _, f := range []string{tree.Status(), tree.Coverage(), tree.Alerts()} {
			if code := phone.Subscribe(t, f, 1); code >= 0x80 {
				t.Fatalf("team red may not subscribe to %s", f)
			}
		}
	}
	return phone
}

// receive reads the phone's messages until it has a complete feed of every
// incident, failing after virtual of flight time.
func receive(t *testing.T, phone *mqtttest.Field, clk *clock.Paced, virtual time.Duration, incidents ...string) map[string]*feed {
	t.Helper()
	feeds := map[string]*feed{}
	for _, inc := range incidents {
		feeds[inc] = &feed{}
	}
	deadline := clk.After(virtual)
	for {
		done := true
		for _, f := range feeds {
			done = done && f.complete()
		}
		if done {
			return feeds
		}
		select {
		case msg := <-phone.Msgs:
			levels := strings.Split(msg.Topic(), "/") // aerocell/v1/{incident}/...
			f := feeds[levels[2]]
			var p map[string]any
			if f == nil || json.Unmarshal(msg.Payload(), &p) != nil {
				t.Fatalf("unexpected message on %s: %s", msg.Topic(), msg.Payload())
			}
			switch strings.Join(levels[3:], "/") {
			case "status":
				if p["state"] == "online" {
					f.status = p
				}
			case "coverage":
				nets, _ := p["networks"].(map[string]any)
				priv, _ := nets["private"].(map[string]any)
				if frac, _ := priv["fraction"].(float64); frac > 0 {
					f.coverage = p
				}
			case "alerts":
				if id, _ := p["id"].(string); id != "" && p["kind"] != "" && p["schema"] == 1.0 {
					f.alert = p
				}
			}
		case <-deadline:
			for inc, f := range feeds {
				t.Logf("%s: status %v, coverage %v, alert %v", inc, f.status, f.coverage, f.alert)
			}
			t.Fatalf("no complete feed within %v of flight time", virtual)
		}
	}
}

// serve end to end through an external Mosquitto with TLS and logins: a
// field team logged in to the same broker receives the daemon's status,
// coverage and alerts while it flies a simulated drone.
func TestServeThroughMosquitto(t *testing.T) {
	m, ca := startProvinceBroker(t, "quake-a")
	clk, err := clock.NewPaced(epoch, 30, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(clk.Stop)
	phone := followIncidents(t, m, ca, "quake-a")
	flyIncident(t, m, ca, clk, "quake-a", base)
	got := receive(t, phone, clk, 20*time.Minute, "quake-a")["quake-a"]
	t.Logf("team red got status %v, alert %v %q", got.status["state"], got.alert["kind"], got.alert["text"])
}

// A wrong password or a broker certificate the configured CA did not sign
// stops serve at start with the field named, not a daemon retrying for
// ever without telling anyone.
func TestServeRefusesBadBrokerLoginOrCA(t *testing.T) {
	m, ca := startProvinceBroker(t, "quake-a")
	clk, err := clock.NewPaced(epoch, 30, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(clk.Stop)
	other := mqtttest.NewCA(t, "another CA")
	for _, c := range []struct {
		name, field, want string
		edit              func(*Config)
	}{
		{"wrong password", "mqtt.password", `refused the login "aerocell-quake-a"`, func(c *Config) { c.MQTT.Password = "not-the-secret" }},
		{"unknown user", "mqtt.password", `refused the login "nobody"`, func(c *Config) { c.MQTT.Username = "nobody" }},
		{"wrong CA", "mqtt.ca_file", "not trusted by " + other.File, func(c *Config) { c.MQTT.CAFile = other.File }},
		{"no CA", "mqtt.ca_file", "not trusted by the system's CAs", func(c *Config) { c.MQTT.CAFile = "" }},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := externalConfig(t, m.URL(), "quake-a", ca.File, 30, freePort(t), base)
			c.edit(&cfg)
			d, err := Start(context.Background(), cfg, quiet(clk))
			if err == nil {
				closetest.Now(t, d)
				t.Fatal("started")
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != c.field || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q, want field %s saying %q", err, c.field, c.want)
			}
			if strings.Contains(err.Error(), cfg.MQTT.Password) {
				t.Fatalf("error shows the password: %v", err)
			}
		})
	}

	// A broker out of reach is no reason not to fly: serve starts, and
	// its session keeps trying.
	cfg := externalConfig(t, m.URL(), "quake-a", ca.File, 30, freePort(t), base)
	cfg.MQTT.Broker = "mqtts://" + mqtttest.FreeAddr(t)
	d, err := Start(context.Background(), cfg, quiet(clk))
	if err != nil {
		t.Fatalf("broker out of reach: %v", err)
	}
	closetest.Now(t, d)
}

// Two incidents, one daemon each, on one broker: team red, whose login is
// granted both incidents' feeds, receives from both; each daemon's login
// may not publish into the other incident's tree.
func TestTwoIncidentsOneBroker(t *testing.T) {
	m, ca := startProvinceBroker(t, "quake-a", "quake-b")
	clk, err := clock.NewPaced(epoch, 30, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(clk.Stop)
	phone := followIncidents(t, m, ca, "quake-a", "quake-b")
	homeB := base
	homeB.Lon += 0.2 // another valley, 18 km east
	flyIncident(t, m, ca, clk, "quake-a", base)
	flyIncident(t, m, ca, clk, "quake-b", homeB)
	feeds := receive(t, phone, clk, 20*time.Minute, "quake-a", "quake-b")
	for inc, f := range feeds {
		t.Logf("team red got from %s: status %v, alert %v", inc, f.status["state"], f.alert["kind"])
	}

	// A dashboard sees everything; each daemon's login tries to write into
	// the other's tree (a false offline status, a false alert), then writes
	// a marker into its own. Mosquitto handles one client's packets in
	// order and delivers them to one subscriber in order, so once the
	// dashboard has the marker it would have had the forged messages.
	dash := mqtttest.MustConnect(t, mqtttest.Options(m.URL(), mqtttest.Observer, "dashboard", true).SetTLSConfig(ca.ClientTLS()))
	dash.Subscribe(t, "aerocell/v1/#", 1)
	for _, pair := range [][2]string{{"quake-a", "quake-b"}, {"quake-b", "quake-a"}} {
		own, other := pair[0], pair[1]
		l := controllerLogin(own)
		intruder := mqtttest.MustConnect(t, mqtttest.Options(m.URL(), l, "intruder-"+own, true).SetTLSConfig(ca.ClientTLS()))
		forged := "forged by " + l.Username
		intruder.Publish(t, "aerocell/v1/"+other+"/status", 1, true, []byte(`{"schema":1,"state":"offline","reason":"`+forged+`"}`))
		intruder.Publish(t, "aerocell/v1/"+other+"/alerts", 1, false, []byte(`{"schema":1,"id":"x","kind":"drone.lost","text":"`+forged+`"}`))
		marker := "marker from " + l.Username
		intruder.Publish(t, "aerocell/v1/"+own+"/probe", 1, false, []byte(marker))
		for {
			msg := dash.Next(t)
			if strings.Contains(string(msg.Payload()), forged) {
				t.Fatalf("%s published into %s's tree: %s %s", l.Username, other, msg.Topic(), msg.Payload())
			}
			if string(msg.Payload()) == marker {
				break
			}
		}
	}
	// The retained statuses are still the daemons' own.
	late := mqtttest.MustConnect(t, mqtttest.Options(m.URL(), mqtttest.Observer, "dashboard-late", true).SetTLSConfig(ca.ClientTLS()))
	late.Subscribe(t, "aerocell/v1/+/status", 1)
	for range 2 {
		msg := late.Next(t)
		if !strings.Contains(string(msg.Payload()), `"online"`) {
			t.Fatalf("retained %s: %s", msg.Topic(), msg.Payload())
		}
	}
}

// Stopping serve while it waits for its broker (here one that accepts the
// connection and never answers) ends Start then, with ctx's error, rather
// than after the wait.
func TestServeStartStopsWhileWaitingForBroker(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		if c, err := ln.Accept(); err == nil { // the session waits for a CONNACK
			defer c.Close()
			cancel()
			_, _ = io.Copy(io.Discard, c)
		}
	}()
	clk, err := clock.NewPaced(epoch, 30, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(clk.Stop)
	cfg := externalConfig(t, "mqtt://"+ln.Addr().String(), "quake-a", "", 30, freePort(t), base)
	d, err := Start(ctx, cfg, quiet(clk))
	if err == nil {
		closetest.Now(t, d)
		t.Fatal("started")
	}
	if !errors.Is(err, context.Canceled) || strings.HasPrefix(err.Error(), "incident") {
		t.Fatalf("Start: %v, want the cancellation while waiting for the broker", err)
	}
}
