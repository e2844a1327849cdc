package report_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/aerocell/aerocell/clock"
	"github.com/aerocell/aerocell/fleet"
	"github.com/aerocell/aerocell/internal/closetest"
	"github.com/aerocell/aerocell/internal/mqtttest"
	"github.com/aerocell/aerocell/report"
	"github.com/aerocell/aerocell/report/broker"
	"github.com/aerocell/aerocell/report/client"
	"github.com/aerocell/aerocell/report/outbox"
	"github.com/aerocell/aerocell/report/topic"
)

const incident = "inc1"

var tree, _ = topic.New(incident)

// controller is a reporter with its MQTT session and outbox, as serve
// wires them.
type controller struct {
	r   *report.Reporter
	c   *client.Client
	ob  *outbox.Outbox
	url string
}

func startController(t testing.TB, url, outboxPath string, cfg report.Config) *controller {
	t.Helper()
	name, will := report.StatusWill(tree)
	c, err := client.New(client.Config{
		Broker:               url,
		ClientID:             "aerocell-controller-" + incident,
		Username:             mqtttest.Controller.Username,
		Password:             mqtttest.Controller.Password,
		Will:                 &client.Message{Topic: name, Payload: will, QoS: 1, Retain: true},
		RetryInterval:        50 * time.Millisecond,
		MaxReconnectInterval: 500 * time.Millisecond,
		ConnectTimeout:       5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	ob, err := outbox.Open(outboxPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Incident, cfg.Conn, cfg.Outbox = incident, c, ob
	if cfg.Clock == nil {
		cfg.Clock = clock.Real()
	}
	if cfg.ResendAfter == 0 {
		cfg.ResendAfter = 2 * time.Second
	}
	r, err := report.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctl := &controller{r: r, c: c, ob: ob, url: url}
	t.Cleanup(func() { ctl.stop(t) })
	return ctl
}

// stop closes the reporter, the session and the outbox, in that order, as
// the daemon does; a second stop does nothing.
func (ctl *controller) stop(t testing.TB) {
	t.Helper()
	if ctl.r == nil {
		return
	}
	closetest.Now(t, ctl.r)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := ctl.c.Close(ctx); err != nil {
		t.Errorf("close the session: %v", err)
	}
	if err := ctl.ob.Close(); err != nil {
		t.Errorf("close the outbox: %v", err)
	}
	ctl.r = nil
}

// inbox de-duplicates alerts by id, as a consumer must, keeping the order
// of first arrival.
type inbox struct {
	mu    sync.Mutex
	seen  map[string]bool
	order []report.Alert
	dups  int
	bad   []string
}

func newInbox() *inbox { return &inbox{seen: map[string]bool{}} }

func (in *inbox) add(_ string, payload []byte) {
	a, err := report.DecodeAlert(payload)
	in.mu.Lock()
	defer in.mu.Unlock()
	if err != nil {
		in.bad = append(in.bad, string(payload))
		return
	}
	if in.seen[a.ID] {
		in.dups++
		return
	}
	in.seen[a.ID] = true
	in.order = append(in.order, a)
}

func (in *inbox) len() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return len(in.order)
}

// check waits until the inbox holds want (no more, no other), in order.
func (in *inbox) check(t *testing.T, want []report.Alert) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d alerts", len(want)), func() bool { return in.len() >= len(want) })
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(in.bad) > 0 {
		t.Errorf("undecodable alerts: %q", in.bad)
	}
	if len(in.order) != len(want) {
		t.Fatalf("got %d distinct alerts, want %d", len(in.order), len(want))
	}
	for i := range want {
		if in.order[i].ID != want[i].ID || in.order[i].Text != want[i].Text {
			t.Fatalf("alert %d is %q (%s), want %q (%s)", i, in.order[i].Text, in.order[i].ID, want[i].Text, want[i].ID)
		}
		if i > 0 && in.order[i].Seq <= in.order[i-1].Seq {
			t.Fatalf("seq went from %d to %d", in.order[i-1].Seq, in.order[i].Seq)
		}
	}
	t.Logf("%d alerts in order, %d duplicates dropped by id", len(in.order), in.dups)
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func raise(t *testing.T, r *report.Reporter, text string) report.Alert {
	t.Helper()
	a, err := r.Raise(report.Alert{Kind: string(fleet.EventDroneLost), Severity: report.Critical, Text: text})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

var (
	hole    = orb.Polygon{{{6.00, 45.00}, {6.01, 45.00}, {6.01, 45.01}, {6.00, 45.01}, {6.00, 45.00}}}
	inHole  = []byte(`{"schema":1,"lat":45.005,"lon":6.005}`)
	outside = []byte(`{"schema":1,"lat":45.02,"lon":6.02}`)
)

func coverage(private float64, uncovered ...orb.Polygon) report.Coverage {
	return report.Coverage{
		Fraction:  map[report.Network]float64{report.Private: private, report.Public: 1},
		Uncovered: map[report.Network]orb.MultiPolygon{report.Private: uncovered},
	}
}

// nextAlert waits for the next alert a field client receives.
func nextAlert(t *testing.T, f *mqtttest.Field) report.Alert {
	t.Helper()
	m := f.Next(t)
	a, err := report.DecodeAlert(m.Payload())
	if err != nil {
		t.Fatalf("alert on %s: %s: %v", m.Topic(), m.Payload(), err)
	}
	return a
}

// teamScenario: a team subscribed to its alerts walks out of coverage and
// is told, with the expected return; a drone moves over it and it is told
// the network is back. The states and coverage reach a dashboard.
func teamScenario(t *testing.T, url string) {
	back := time.Date(2026, 11, 28, 12, 30, 0, 0, time.UTC)
	ctl := startController(t, url, filepath.Join(t.TempDir(), "outbox.db"), report.Config{
		AreaAlertStep: -1,
		ExpectedReturn: func(report.Network, orb.Geometry) time.Time {
			return back
		},
	})
	dash := mqtttest.MustConnect(t, mqtttest.Options(url, mqtttest.Observer, "dashboard", true))
	dash.Subscribe(t, tree.Coverage(), 1)
	dash.Subscribe(t, tree.Drones(), 1)
	phone := mqtttest.MustConnect(t, mqtttest.Options(url, mqtttest.Red, "red-phone", true))
	if code := phone.Subscribe(t, tree.TeamAlerts("red"), 1); code >= 0x80 {
		t.Fatalf("team may not read its alerts: %#x", code)
	}

	ctl.r.UpdateCoverage(coverage(0.9, hole))
	ctl.r.UpdateDrone(report.DroneState{ID: 3, Lat: 45.01, Lon: 6.01, BatteryPct: 77, Mode: "GUIDED", State: "on_station",
		Payload: map[report.Network]report.PayloadState{report.Private: {State: "on", Users: 4}}})
	got := map[string]bool{}
	for !got[tree.Coverage()] || !got[tree.Drone(3)] {
		got[dash.Next(t).Topic()] = true
	}

	phone.Publish(t, tree.TeamPosition("red"), 1, true, outside)
	waitFor(t, "the team's position", func() bool { return len(ctl.r.TeamPositions()) == 1 })
	phone.Publish(t, tree.TeamPosition("red"), 1, true, inHole)
	a := nextAlert(t, phone)
	if a.Kind != report.KindCoverageLost || a.Network != report.Private || a.ExpectedReturn == nil || !a.ExpectedReturn.Equal(back) {
		t.Fatalf("lost alert %+v", a)
	}
	ctl.r.UpdateCoverage(coverage(1))
	b := nextAlert(t, phone)
	if b.Kind != report.KindCoverageRestored || b.Network != report.Private || b.Seq <= a.Seq {
		t.Fatalf("restored alert %+v", b)
	}
	waitFor(t, "alerts confirmed", func() bool { return ctl.r.Pending() == 0 })
}

func TestTeamAlertsEmbedded(t *testing.T) {
	b := mqtttest.StartEmbedded(t, "")
	teamScenario(t, b.URL())
}

func TestTeamAlertsWebSocketClient(t *testing.T) {
	b := mqtttest.StartEmbedded(t, "")
	teamScenario(t, "ws://"+b.WSAddr()+"/mqtt")
}

func TestTeamAlertsMosquitto(t *testing.T) {
	m := mqtttest.StartMosquitto(t)
	teamScenario(t, m.URL())
}

// TestAlertsSurviveEmbeddedBrokerOutage: the broker is stopped and started
// again while alerts are raised; a dashboard on a persistent session gets
// every alert exactly once after de-duplication by id, in order.
func TestAlertsSurviveEmbeddedBrokerOutage(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "broker.db")
	start := func(addr string) *broker.Broker {
		b, err := broker.Start(broker.Config{TCPAddr: addr, Users: mqtttest.Users(t), StorePath: store})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	b := start("127.0.0.1:0")
	addr := b.Addr()
	closetest.AtEnd(t, b) // the broker running at the end
	in := newInbox()
	dashboard(t, b.URL(), in).Subscribe(t, tree.Alerts(), 1)
	ctl := startController(t, b.URL(), filepath.Join(dir, "outbox.db"), report.Config{})
	outage(t, ctl, in, func() { closetest.Now(t, b) }, func() {
		b = start(addr)
		dashboard(t, b.URL(), in) // the same persistent session
	})
}

// dashboard connects an observer with a persistent session ("dashboard")
// whose messages go to in.
func dashboard(t *testing.T, url string, in *inbox) *mqtttest.Field {
	t.Helper()
	f := mqtttest.MustConnect(t, mqtttest.Options(url, mqtttest.Observer, "dashboard", false))
	go func() {
		for {
			select {
			case msg := <-f.Msgs:
				in.add(msg.Topic(), msg.Payload())
			case <-t.Context().Done():
				return
			}
		}
	}()
	return f
}

// outage raises alerts before, during and after an outage of the broker
// (stop, then start), and checks that the inbox gets every alert once, in
// order, and that the outbox empties.
func outage(t *testing.T, ctl *controller, in *inbox, stop, start func()) {
	t.Helper()
	var want []report.Alert
	for i := range 5 {
		want = append(want, raise(t, ctl.r, fmt.Sprintf("before %d", i)))
	}
	waitFor(t, "alerts before the outage", func() bool { return in.len() == 5 })
	stop()
	for i := range 10 {
		want = append(want, raise(t, ctl.r, fmt.Sprintf("during %d", i)))
		time.Sleep(100 * time.Millisecond)
	}
	if ctl.r.Pending() < 10 {
		t.Fatalf("%d alerts pending during the outage, want at least 10", ctl.r.Pending())
	}
	start()
	for i := range 5 {
		want = append(want, raise(t, ctl.r, fmt.Sprintf("after %d", i)))
	}
	in.check(t, want)
	waitFor(t, "the outbox to empty", func() bool { return ctl.r.Pending() == 0 })
}

// TestAlertsSurviveReporterRestart: alerts raised while the broker is
// unreachable stay in the outbox file across a restart of the reporter and
// go out, in order, once the broker is there.
func TestAlertsSurviveReporterRestart(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "outbox.db")
	addr := mqtttest.FreeAddr(t) // nothing listens yet
	ctl := startController(t, "mqtt://"+addr, path, report.Config{})
	var want []report.Alert
	for i := range 10 {
		want = append(want, raise(t, ctl.r, fmt.Sprintf("offline %d", i)))
	}
	ctl.stop(t) // the process ends with everything pending

	in := newInbox()
	b, err := broker.Start(broker.Config{TCPAddr: addr, Users: mqtttest.Users(t), Observers: map[string]func(string, []byte){tree.Alerts(): in.add}})
	if err != nil {
		t.Fatal(err)
	}
	defer closetest.Now(t, b)
	ctl = startController(t, "mqtt://"+addr, path, report.Config{})
	want = append(want, raise(t, ctl.r, "after restart"))
	in.check(t, want)
	waitFor(t, "the outbox to empty", func() bool { return ctl.r.Pending() == 0 })
}

// TestAlertsSurviveMosquittoOutage: as with the embedded broker, against
// Mosquitto stopped and started again, with a dashboard on a persistent
// session as the consumer.
func TestAlertsSurviveMosquittoOutage(t *testing.T) {
	m := mqtttest.StartMosquitto(t)
	in := newInbox()
	dashboard(t, m.URL(), in).Subscribe(t, tree.Alerts(), 1)

	ctl := startController(t, m.URL(), filepath.Join(t.TempDir(), "outbox.db"), report.Config{})
	outage(t, ctl, in, m.Stop, func() {
		m.Restart()
		dashboard(t, m.URL(), in) // the same persistent session
	})
}

// TestACLMosquitto: with the ACL file docs/mqtt.md describes, Mosquitto
// refuses a wrong password and keeps a team from writing another team's
// position or the controller's topics, and from reading another team's
// alerts (Mosquitto 2.0 grants such a subscription but delivers nothing).
func TestACLMosquitto(t *testing.T) {
	m := mqtttest.StartMosquitto(t)
	if _, err := mqtttest.Connect(t, mqtttest.Options(m.URL(), mqtttest.Login{Username: "team-red", Password: "nope"}, "x", true)); err == nil {
		t.Fatal("wrong password accepted")
	}
	dash := mqtttest.MustConnect(t, mqtttest.Options(m.URL(), mqtttest.Observer, "dash", true))
	dash.Subscribe(t, "aerocell/v1/#", 1)
	red := mqtttest.MustConnect(t, mqtttest.Options(m.URL(), mqtttest.Red, "red", true))
	red.Subscribe(t, tree.TeamAlerts("blue"), 1)
	red.Subscribe(t, tree.TeamAlerts("red"), 1)
	for _, name := range []string{tree.TeamPosition("blue"), tree.Status(), tree.Alerts(), tree.TeamAlerts("red")} {
		red.Publish(t, name, 0, false, outside)
	}
	red.Publish(t, tree.TeamPosition("red"), 1, false, outside)
	if got := dash.Next(t).Topic(); got != tree.TeamPosition("red") {
		t.Fatalf("dashboard got %s from the team first", got)
	}
	ctl := mqtttest.MustConnect(t, mqtttest.Options(m.URL(), mqtttest.Controller, "ctl", true))
	ctl.Publish(t, tree.TeamAlerts("blue"), 1, false, []byte("for blue"))
	ctl.Publish(t, tree.TeamAlerts("red"), 1, false, []byte("for red"))
	if got := string(red.Next(t).Payload()); got != "for red" {
		t.Fatalf("red got %q first", got)
	}
}
