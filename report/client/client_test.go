package client_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aerocell/aerocell/internal/closetest"
	"github.com/aerocell/aerocell/internal/mqtttest"
	"github.com/aerocell/aerocell/report/broker"
	"github.com/aerocell/aerocell/report/client"
)

const status = "aerocell/v1/inc1/status"

func newClient(t *testing.T, cfg client.Config) *client.Client {
	t.Helper()
	if cfg.ClientID == "" {
		cfg.ClientID = "ctl"
	}
	if cfg.Username == "" {
		cfg.Username, cfg.Password = mqtttest.Controller.Username, mqtttest.Controller.Password
	}
	cfg.RetryInterval, cfg.MaxReconnectInterval = 50*time.Millisecond, 200*time.Millisecond
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	closetest.AtEnd(t, c)
	return c
}

func waitUp(t *testing.T, c *client.Client) {
	t.Helper()
	up := make(chan struct{}, 1)
	c.Watch(func(u bool) {
		if u {
			select {
			case up <- struct{}{}:
			default:
			}
		}
	})
	select {
	case <-up:
	case <-time.After(time.Minute):
		t.Fatalf("not connected within a minute: %v", c.Err())
	}
}

func TestTLS(t *testing.T) {
	srvTLS, cliTLS := mqtttest.TLS(t)
	b, err := broker.Start(broker.Config{TCPAddr: "127.0.0.1:0", TLS: srvTLS, Users: mqtttest.Users(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer closetest.Now(t, b)
	if !strings.HasPrefix(b.URL(), "mqtts://") {
		t.Fatalf("URL %s", b.URL())
	}
	c := newClient(t, client.Config{Broker: b.URL(), TLS: cliTLS})
	waitUp(t, c)
	got := make(chan string, 1)
	if err := c.Subscribe(status, 1, func(_ string, p []byte) { got <- string(p) }); err != nil {
		t.Fatal(err)
	}
	if err := c.Publish(status, 1, false, []byte("over tls")); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "over tls" {
		t.Fatalf("got %q", s)
	}

	// A client that does not trust the certificate never connects.
	bad := newClient(t, client.Config{Broker: b.URL(), ClientID: "other"})
	for bad.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}
	if bad.Connected() || !strings.Contains(bad.Err().Error(), "certificate") {
		t.Fatalf("untrusted certificate: connected %v, err %v", bad.Connected(), bad.Err())
	}
}

// TestWillAndReconnect: when the link drops without a DISCONNECT the broker
// publishes the Will; the client reconnects on its own, its persistent
// session keeps its subscription, and Publish fails at once while down.
func TestWillAndReconnect(t *testing.T) {
	b := mqtttest.StartEmbedded(t, "")
	proxy := mqtttest.StartProxy(t, b.Addr())
	c := newClient(t, client.Config{Broker: "mqtt://" + proxy.Addr, Will: &client.Message{Topic: status, Payload: []byte("offline"), QoS: 1, Retain: true}})
	ups := make(chan bool, 16)
	c.Watch(func(u bool) { ups <- u })
	if !<-ups {
		t.Fatal("first notification is not up")
	}
	got := make(chan string, 16)
	if err := c.Subscribe("aerocell/v1/inc1/alerts", 1, func(_ string, p []byte) { got <- string(p) }); err != nil {
		t.Fatal(err)
	}
	dash := mqtttest.MustConnect(t, mqtttest.Options(b.URL(), mqtttest.Observer, "dash", true))
	dash.Subscribe(t, status, 1)

	proxy.Cut()
	if m := dash.Next(t); string(m.Payload()) != "offline" {
		t.Fatalf("status %q after the link dropped, want the will", m.Payload())
	}
	if <-ups {
		t.Fatal("no down notification")
	}
	if err := c.Publish(status, 1, true, []byte("x")); !errors.Is(err, client.ErrNotConnected) {
		t.Fatalf("publish while down: %v", err)
	}
	// While the controller is away, an alert is queued in its session.
	ctl2 := mqtttest.MustConnect(t, mqtttest.Options(b.URL(), mqtttest.Controller, "ctl2", true))
	ctl2.Publish(t, "aerocell/v1/inc1/alerts", 1, false, []byte("queued"))
	proxy.Restore()
	if !<-ups {
		t.Fatal("no up notification after reconnection")
	}
	if s := <-got; s != "queued" {
		t.Fatalf("got %q", s)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, cfg := range []client.Config{
		{Broker: "mqtt://127.0.0.1:1"},                // no client id
		{Broker: "http://127.0.0.1:1", ClientID: "x"}, // scheme
		{Broker: "127.0.0.1:1883", ClientID: "x"},     // not a URL
	} {
		if _, err := client.New(cfg); !errors.Is(err, client.ErrConfig) {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
}

// TestReady: the first connection attempt's outcome tells a refused login
// and an untrusted certificate, which retrying cannot cure, from a broker
// that is only out of reach.
func TestReady(t *testing.T) {
	srvTLS, cliTLS := mqtttest.TLS(t)
	b, err := broker.Start(broker.Config{TCPAddr: "127.0.0.1:0", TLS: srvTLS, Users: mqtttest.Users(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer closetest.Now(t, b)
	ready := func(c *client.Client) error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		return c.Ready(ctx)
	}
	if err := ready(newClient(t, client.Config{Broker: b.URL(), TLS: cliTLS})); err != nil {
		t.Fatalf("good login: %v", err)
	}
	err = ready(newClient(t, client.Config{Broker: b.URL(), TLS: cliTLS, ClientID: "wrong-password",
		Username: mqtttest.Controller.Username, Password: "not-the-password"}))
	if !errors.Is(err, client.ErrLogin) || errors.Is(err, client.ErrCertificate) {
		t.Fatalf("wrong password: %v, want ErrLogin", err)
	}
	err = ready(newClient(t, client.Config{Broker: b.URL(), ClientID: "untrusted"})) // system roots
	if !errors.Is(err, client.ErrCertificate) || errors.Is(err, client.ErrLogin) {
		t.Fatalf("untrusted certificate: %v, want ErrCertificate", err)
	}
	err = ready(newClient(t, client.Config{Broker: "mqtt://" + mqtttest.FreeAddr(t), ClientID: "nobody-there"}))
	if err == nil || errors.Is(err, client.ErrLogin) || errors.Is(err, client.ErrCertificate) {
		t.Fatalf("no broker: %v, want a connection error that retrying may cure", err)
	}
}
