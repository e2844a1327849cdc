package broker_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aerocell/aerocell/internal/closetest"
	"github.com/aerocell/aerocell/internal/mqtttest"
	"github.com/aerocell/aerocell/report/broker"
)

const tree = "aerocell/v1/inc1"

func TestWrongPasswordRefused(t *testing.T) {
	b := mqtttest.StartEmbedded(t, "")
	for _, l := range []mqtttest.Login{
		{Username: mqtttest.Red.Username, Password: "wrong"},
		{Username: "nobody", Password: "x"},
		{}, // anonymous, off by default
	} {
		_, err := mqtttest.Connect(t, mqtttest.Options(b.URL(), l, "c-"+l.Username, true))
		if err == nil {
			t.Errorf("login %q/%q accepted", l.Username, l.Password)
		}
	}
	mqtttest.MustConnect(t, mqtttest.Options(b.URL(), mqtttest.Red, "red-ok", true))
}

func TestAnonymousReadsOnlyPublicTopics(t *testing.T) {
	u := mqtttest.Users(t)
	u.Anonymous.Enabled = true
	b, err := broker.Start(broker.Config{TCPAddr: "127.0.0.1:0", Users: u})
	if err != nil {
		t.Fatal(err)
	}
	defer closetest.Now(t, b)
	anon := mqtttest.MustConnect(t, mqtttest.Options(b.URL(), mqtttest.Login{}, "anon", true))
	if code := anon.Subscribe(t, tree+"/coverage", 1); code >= 0x80 {
		t.Errorf("anonymous subscribe to coverage refused: %#x", code)
	}
	for _, f := range []string{tree + "/teams/red/alerts", tree + "/#", tree + "/drones/+/state"} {
		if code := anon.Subscribe(t, f, 1); code < 0x80 {
			t.Errorf("anonymous subscribe to %s granted", f)
		}
	}
}

// TestTeamACL: a team cannot publish another team's position nor anything
// under the controller's tree, nor subscribe to another team's alerts; its
// own position goes through.
func TestTeamACL(t *testing.T) {
	b := mqtttest.StartEmbedded(t, "")
	obs := mqtttest.MustConnect(t, mqtttest.Options(b.URL(), mqtttest.Observer, "obs", true))
	obs.Subscribe(t, "aerocell/v1/#", 1)

	red := mqtttest.MustConnect(t, mqtttest.Options(b.URL(), mqtttest.Red, "red", true))
	forbidden := []string{
		tree + "/teams/blue/position",
		tree + "/status",
		tree + "/alerts",
		tree + "/coverage",
		tree + "/drones/1/state",
		tree + "/teams/red/alerts",
		"aerocell/v1/other/teams/blue/position",
		"elsewhere/topic", // matches no rule at all: denied, not allowed
	}
	for _, f := range forbidden {
		red.Publish(t, f, 0, false, []byte(`{"schema":1,"lat":1,"lon":1}`))
	}
	for _, f := range []string{tree + "/teams/blue/alerts", tree + "/teams/+/position", "#", "elsewhere/#"} {
		if code := red.Subscribe(t, f, 1); code < 0x80 {
			t.Errorf("red may subscribe to %s", f)
		}
	}
	own := tree + "/teams/red/position"
	red.Publish(t, own, 1, false, []byte(`{"schema":1,"lat":1,"lon":1}`))
	// Publishes on one connection are handled in order: once the allowed
	// one has reached the observer, any forbidden one would have too.
	if m := obs.Next(t); m.Topic() != own {
		t.Fatalf("observer got %s before %s", m.Topic(), own)
	}
	select {
	case m := <-obs.Msgs:
		t.Fatalf("observer also got %s", m.Topic())
	default:
	}

	// A QoS 1 publish that is not allowed ends an MQTT 3.1.1 session.
	red.Client.Publish(tree+"/status", 1, true, []byte(`{"schema":1,"state":"online"}`))
	if err := <-red.Lost; err == nil {
		t.Fatal("connection lost without an error")
	}
}

// TestWillMustBeWritable: mochi sends Last Wills without checking the
// access rules, so a login whose will names a topic it may not write is
// refused.
func TestWillMustBeWritable(t *testing.T) {
	b := mqtttest.StartEmbedded(t, "")
	o := mqtttest.Options(b.URL(), mqtttest.Red, "red-will", true)
	o.SetWill(tree+"/status", `{"schema":1,"state":"online"}`, 1, true)
	if _, err := mqtttest.Connect(t, o); err == nil {
		t.Fatal("a team could set a will on the controller's status")
	}
	o = mqtttest.Options(b.URL(), mqtttest.Red, "red-will2", true)
	o.SetWill(tree+"/teams/red/position", "", 1, true)
	mqtttest.MustConnect(t, o)
}

// TestClientIDBelongsToItsUser: a team cannot take over the controller's
// session by connecting with its client id, even after a restart.
func TestClientIDBelongsToItsUser(t *testing.T) {
	store := filepath.Join(t.TempDir(), "broker.db")
	b := mqtttest.StartEmbedded(t, store)
	ctl := mqtttest.MustConnect(t, mqtttest.Options(b.URL(), mqtttest.Controller, "aerocell-controller-inc1", false))
	if _, err := mqtttest.Connect(t, mqtttest.Options(b.URL(), mqtttest.Red, "aerocell-controller-inc1", true)); err == nil {
		t.Fatal("a team took the controller's client id")
	}
	ctl.Publish(t, tree+"/status", 1, true, []byte("still here")) // not kicked off
	ctl.Disconnect(100)
	closetest.Now(t, b)

	b2, err := broker.Start(broker.Config{TCPAddr: strings.TrimPrefix(b.URL(), "mqtt://"), Users: mqtttest.Users(t), StorePath: store})
	if err != nil {
		t.Fatal(err)
	}
	defer closetest.Now(t, b2)
	if _, err := mqtttest.Connect(t, mqtttest.Options(b2.URL(), mqtttest.Red, "aerocell-controller-inc1", true)); err == nil {
		t.Fatal("a team took the controller's client id after a restart")
	}
	mqtttest.MustConnect(t, mqtttest.Options(b2.URL(), mqtttest.Controller, "aerocell-controller-inc1", false))
	if _, err := mqtttest.Connect(t, mqtttest.Options(b2.URL(), mqtttest.Red, "aerocell-controller-next", true)); err == nil {
		t.Fatal("a team took a client id reserved for the controller")
	}
	// A clean session's id is free again once it ends.
	red := mqtttest.MustConnect(t, mqtttest.Options(b2.URL(), mqtttest.Red, "shared-tablet", true))
	red.Disconnect(100)
	for b2.Clients() > 1 {
		time.Sleep(time.Millisecond)
	}
	mqtttest.MustConnect(t, mqtttest.Options(b2.URL(), mqtttest.Blue, "shared-tablet", true))
}

func TestWebSocket(t *testing.T) {
	b := mqtttest.StartEmbedded(t, "")
	if b.WSAddr() == "" {
		t.Fatal("no websocket listener")
	}
	ctl := mqtttest.MustConnect(t, mqtttest.Options(b.URL(), mqtttest.Controller, "ctl", true))
	web := mqtttest.MustConnect(t, mqtttest.Options("ws://"+b.WSAddr()+"/mqtt", mqtttest.Red, "red-browser", true))
	web.Subscribe(t, tree+"/coverage", 1)
	want := strings.Repeat("x", 100_000) // spans many websocket frames and reads
	ctl.Publish(t, tree+"/coverage", 1, false, []byte(want))
	if got := string(web.Next(t).Payload()); got != want {
		t.Fatalf("got %d bytes, want %d", len(got), len(want))
	}
}

// TestQueuedMessagesSurviveRestart: QoS 1 messages queued for a persistent
// session while its client is away are delivered after the broker
// restarts, each once and in order. mochi's own bolt hook loses all but one
// of them, and mochi alone resends one second's messages in random order.
func TestQueuedMessagesSurviveRestart(t *testing.T) {
	queued(t, true)
}

// TestQueuedMessagesInOrder: the same without a restart.
func TestQueuedMessagesInOrder(t *testing.T) {
	queued(t, false)
}

func queued(t *testing.T, restart bool) {
	store := filepath.Join(t.TempDir(), "broker.db")
	b := mqtttest.StartEmbedded(t, store)
	url := b.URL()
	team := mqtttest.MustConnect(t, mqtttest.Options(url, mqtttest.Red, "red-phone", false))
	team.Subscribe(t, tree+"/alerts", 1)
	team.Disconnect(100)
	for b.Clients() > 0 { // else the first alerts may still go to the closing connection
		time.Sleep(time.Millisecond)
	}

	ctl := mqtttest.MustConnect(t, mqtttest.Options(url, mqtttest.Controller, "ctl", true))
	const n = 200
	for i := range n {
		ctl.Publish(t, tree+"/alerts", 1, false, fmt.Appendf(nil, "alert %d", i))
	}
	ctl.Disconnect(100)
	// mochi acknowledges a publish before it routes it: wait until the
	// controller's connection is gone, so that the last alert is queued
	// before the team comes back (mochi loses a message routed while its
	// session is being taken over).
	for b.Clients() > 0 {
		time.Sleep(time.Millisecond)
	}
	if restart {
		if err := b.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		b2, err := broker.Start(broker.Config{TCPAddr: strings.TrimPrefix(url, "mqtt://"), Users: mqtttest.Users(t), StorePath: store})
		if err != nil {
			t.Fatal(err)
		}
		defer closetest.Now(t, b2)
	}
	team = mqtttest.MustConnect(t, mqtttest.Options(url, mqtttest.Red, "red-phone", false))
	for i := range n {
		if got, want := string(team.Next(t).Payload()), fmt.Sprintf("alert %d", i); got != want {
			t.Fatalf("message %d is %q, want %q", i, got, want)
		}
	}
	select {
	case m := <-team.Msgs:
		t.Fatalf("also got %q", m.Payload())
	case <-time.After(100 * time.Millisecond): // a duplicate would come at once
	}
}

func TestUsersFileRoundTrip(t *testing.T) {
	u := &broker.Users{Version: broker.UsersVersion}
	pw, err := broker.AddTeamLogin(u, "demo-team", "demo")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "users.yaml")
	if err := u.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := broker.LoadUsers(path)
	if err != nil {
		t.Fatal(err)
	}
	x, ok := back.Lookup("demo-team")
	if !ok || x.Role != broker.RoleTeam || x.Team != "demo" || strings.Contains(x.PasswordHash, pw) {
		t.Fatalf("round trip: %+v", x)
	}
	got := broker.LoginURL("demo-team", pw, "10.0.0.5", 1883)
	if want := "mqtt://demo-team:" + pw + "@10.0.0.5:1883"; got != want {
		t.Fatalf("LoginURL = %q, want %q", got, want)
	}
}

func TestParseUsersErrors(t *testing.T) {
	for name, text := range map[string]string{
		"version":    "version: 2\nusers: []\n",
		"plain":      "version: 1\nusers:\n  - username: a\n    password_hash: secret\n",
		"role":       "version: 1\nusers:\n  - username: a\n    password_hash: $2a$04$abcdefghijklmnopqrstuuJ2tq3V4cGOm5u1Dx6/jV2Mxe4qJ1l8y\n    role: admin\n",
		"unknown":    "version: 1\nuserz: []\n",
		"empty":      "",
		"bad filter": "version: 1\nanonymous:\n  enabled: true\n  read: [\"a/#/b\"]\n",
	} {
		if _, err := broker.ParseUsers(strings.NewReader(text)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestStoreIsExclusive: a second broker on the same store file fails to
// start instead of waiting for ever or sharing the file.
func TestStoreIsExclusive(t *testing.T) {
	store := filepath.Join(t.TempDir(), "broker.db")
	mqtttest.StartEmbedded(t, store)
	b, err := broker.Start(broker.Config{TCPAddr: "127.0.0.1:0", Users: mqtttest.Users(t), StorePath: store})
	if err == nil {
		closetest.Now(t, b)
		t.Fatal("second broker opened the same store")
	}
}
