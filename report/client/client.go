// Package client is aerocell's MQTT session with a broker, the embedded one
// or an external one (Mosquitto, EMQX, any MQTT 3.1.1 broker), over
// paho.mqtt.golang: TLS, user name and password, a Last Will, a persistent
// session under a stable client id, and reconnection with a bounded backoff.
//
// It makes no promise of delivery, because paho cannot keep one: a publish
// token may complete without error before the broker has acknowledged it,
// a QoS 0 publish made while reconnecting is dropped without an error, and
// paho's stores neither fsync nor survive an I/O error. This package
// therefore gives paho a store that keeps nothing, so that paho never
// resends on its own and out of order, and callers that need delivery keep
// their own durable outbox and count a message as delivered only on
// evidence they trust (the reporter subscribes to its own alerts and waits
// for each to come back). Publish returns an error at once when the session
// is down rather than queueing silently.
//
// Lifecycle, as across aerocell: what waits on its way down (the Client,
// which lets work in progress finish before it disconnects) closes with
// Close(ctx) error, ctx bounding the wait; what only releases closes with
// Close() error.
package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"
)

// Sentinel errors.
var (
	ErrConfig       = errors.New("client: invalid configuration")
	ErrNotConnected = errors.New("client: not connected")
	ErrClosed       = errors.New("client: closed")
	ErrRefused      = errors.New("client: subscription refused")
	// ErrLogin: the broker refused the user name and password (CONNACK
	// "bad user name or password" or "not authorised"). Retrying with the
	// same login cannot succeed.
	ErrLogin = errors.New("client: broker refused the login")
	// ErrCertificate: the broker's TLS certificate failed verification
	// (not signed by a trusted CA, expired, or for another name).
	// Retrying with the same CA cannot succeed.
	ErrCertificate = errors.New("client: broker's certificate not trusted")
)

// Message is a topic and payload, as for a Last Will.
type Message struct {
	Topic   string
	Payload []byte
	QoS     byte
	Retain  bool
}

// Config configures a session.
type Config struct {
	// Broker is the broker's URL: mqtt:// or tcp://, mqtts:// or ssl:// or
	// tls://, ws:// or wss://, with host and port. User and password in the
	// URL are used when Username is empty. Required.
	Broker string
	// ClientID identifies the session; it must stay the same across
	// restarts for the broker to keep the session. Required.
	ClientID string
	// Username and Password log in; (optional) anonymous when empty.
	Username string
	Password string
	// TLS is used for mqtts://, ssl://, tls:// and wss://; (optional) the
	// system roots when nil.
	TLS *tls.Config
	// Will is published by the broker if the session ends without a
	// DISCONNECT; (optional).
	Will *Message
	// CleanSession starts a new session on every connection; (optional)
	// defaults to false: a persistent session.
	CleanSession bool
	// KeepAlive; (optional) defaults to 30 seconds.
	KeepAlive time.Duration
	// ConnectTimeout bounds one connection attempt; (optional) defaults to
	// 10 seconds.
	ConnectTimeout time.Duration
	// RetryInterval is the wait between first connection attempts;
	// (optional) defaults to 1 second.
	RetryInterval time.Duration
	// MaxReconnectInterval caps the backoff between reconnection attempts;
	// (optional) defaults to 30 seconds.
	MaxReconnectInterval time.Duration
	// WriteTimeout bounds how long Publish may block on a stalled
	// connection; (optional) defaults to 5 seconds.
	WriteTimeout time.Duration
	// Logger; (optional) discarded when nil.
	Logger *slog.Logger
}

func (c *Config) initialize() error {
	if c.ClientID == "" {
		return fmt.Errorf("%w: ClientID is empty", ErrConfig)
	}
	u, err := url.Parse(c.Broker)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%w: Broker %q is not a URL with a host", ErrConfig, c.Broker)
	}
	switch u.Scheme {
	case "mqtt", "tcp":
		u.Scheme = "tcp"
	case "mqtts", "ssl", "tls":
		u.Scheme = "ssl"
	case "ws", "wss":
	default:
		return fmt.Errorf("%w: Broker scheme %q (want mqtt, mqtts, tcp, ssl, tls, ws or wss)", ErrConfig, u.Scheme)
	}
	if u.User != nil && c.Username == "" {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	u.User = nil
	c.Broker = u.String()
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.KeepAlive, 30*time.Second)
	def(&c.ConnectTimeout, 10*time.Second)
	def(&c.RetryInterval, time.Second)
	def(&c.MaxReconnectInterval, 30*time.Second)
	def(&c.WriteTimeout, 5*time.Second)
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return nil
}

// Client is one MQTT session. It connects in the background and reconnects
// until Close. Its methods are safe for concurrent use.
type Client struct {
	cfg  Config
	log  *slog.Logger
	paho paho.Client

	mu       sync.Mutex
	subs     map[string]sub // filter -> subscription, renewed on every connection
	watchers []func(up bool)
	up       bool
	lastErr  error
	closed   bool

	first     chan struct{} // closed when the first connection attempt ends
	firstOnce sync.Once
	firstErr  error // the first attempt's error, nil if it connected
}

type sub struct {
	qos byte
	h   func(topic string, payload []byte)
}

// New starts a session: it returns at once and connects in the background,
// retrying until Close.
func New(cfg Config) (*Client, error) {
	if err := cfg.initialize(); err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, log: cfg.Logger, subs: map[string]sub{}, first: make(chan struct{})}
	o := paho.NewClientOptions().
		AddBroker(cfg.Broker).
		SetClientID(cfg.ClientID).
		SetUsername(cfg.Username).
		SetPassword(cfg.Password).
		SetCleanSession(cfg.CleanSession).
		SetProtocolVersion(4). // MQTT 3.1.1, which every broker speaks
		SetKeepAlive(cfg.KeepAlive).
		SetPingTimeout(cfg.ConnectTimeout).
		SetConnectTimeout(cfg.ConnectTimeout).
		SetConnectRetry(true).
		SetConnectRetryInterval(cfg.RetryInterval).
		SetAutoReconnect(true).
		SetMaxReconnectInterval(cfg.MaxReconnectInterval).
		SetWriteTimeout(cfg.WriteTimeout).
		SetResumeSubs(false). // subscriptions are renewed by onConnect
		SetOrderMatters(true).
		SetStore(nopStore{}).
		SetDefaultPublishHandler(func(_ paho.Client, m paho.Message) {
			c.log.Debug("mqtt message with no handler", "topic", m.Topic())
		}).
		SetOnConnectHandler(func(paho.Client) { c.onConnect() }).
		SetConnectionLostHandler(func(_ paho.Client, err error) { c.onLost(err) }).
		SetConnectionNotificationHandler(func(_ paho.Client, n paho.ConnectionNotification) {
			if f, ok := n.(paho.ConnectionNotificationFailed); ok {
				c.setErr(f.Reason)
				c.attempted(f.Reason)
			}
		}).
		SetReconnectingHandler(func(paho.Client, *paho.ClientOptions) {
			c.log.Debug("mqtt reconnecting", "broker", cfg.Broker)
		})
	if cfg.TLS != nil {
		o.SetTLSConfig(cfg.TLS)
	}
	if w := cfg.Will; w != nil {
		o.SetBinaryWill(w.Topic, w.Payload, w.QoS, w.Retain)
	}
	c.paho = paho.NewClient(o)
	t := c.paho.Connect() // with ConnectRetry, completes only once connected or Close
	go func() {
		<-t.Done()
		if err := t.Error(); err != nil {
			c.setErr(err)
		}
	}()
	return c, nil
}

func (c *Client) setErr(err error) {
	if err == nil {
		return
	}
	c.mu.Lock()
	c.lastErr = err
	c.mu.Unlock()
	c.log.Warn("mqtt connection failed", "broker", c.cfg.Broker, "error", err)
}

// onConnect renews the subscriptions, waits for their acknowledgement, then
// tells the watchers that the session is up. A refused subscription is kept
// in Err and the session is still reported up: publishing works.
func (c *Client) onConnect() {
	c.mu.Lock()
	c.lastErr = nil
	c.mu.Unlock()
	done := map[string]bool{}
	for {
		// Subscribe may add filters while this runs: loop until none is
		// left out, then mark the session up under the same lock.
		c.mu.Lock()
		filters := map[string]byte{}
		for f, s := range c.subs {
			if !done[f] {
				filters[f] = s.qos
			}
		}
		if len(filters) == 0 {
			c.up = true
			ws := append([]func(bool){}, c.watchers...)
			c.mu.Unlock()
			c.log.Info("mqtt connected", "broker", c.cfg.Broker, "client_id", c.cfg.ClientID)
			c.attempted(nil)
			for _, w := range ws {
				w(true)
			}
			return
		}
		c.mu.Unlock()
		for f := range filters {
			done[f] = true
		}
		t := c.paho.SubscribeMultiple(filters, nil) // handlers are routes, see Subscribe
		switch {
		case !t.WaitTimeout(c.cfg.ConnectTimeout):
			c.setErr(errors.New("client: subscribe timed out"))
		case t.Error() != nil:
			c.setErr(fmt.Errorf("client: subscribe: %w", t.Error()))
		default:
			for f, code := range t.(*paho.SubscribeToken).Result() {
				if code >= 0x80 {
					c.setErr(fmt.Errorf("%w: %q", ErrRefused, f))
				}
			}
		}
	}
}

// attempted records the end of the first connection attempt.
func (c *Client) attempted(err error) {
	c.firstOnce.Do(func() {
		c.firstErr = classify(err)
		close(c.first)
	})
}

// classify wraps a connection error that retrying cannot cure in ErrLogin
// or ErrCertificate.
func classify(err error) error {
	var (
		verify  *tls.CertificateVerificationError
		unknown x509.UnknownAuthorityError
		invalid x509.CertificateInvalidError
		host    x509.HostnameError
	)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, packets.ErrorRefusedBadUsernameOrPassword), errors.Is(err, packets.ErrorRefusedNotAuthorised):
		return fmt.Errorf("%w: %w", ErrLogin, err)
	case errors.As(err, &verify), errors.As(err, &unknown), errors.As(err, &invalid), errors.As(err, &host):
		return fmt.Errorf("%w: %w", ErrCertificate, err)
	}
	return err
}

// Ready waits for the end of the first connection attempt and returns nil
// if it connected, its error if it failed (wrapping ErrLogin or
// ErrCertificate when retrying cannot help), or ctx's error if the attempt
// is still going on. Whatever it returns, the session goes on retrying in
// the background until Close: a caller that cannot work with a refused
// login or an untrusted broker closes it.
func (c *Client) Ready(ctx context.Context) error {
	select {
	case <-c.first:
		return c.firstErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *Client) onLost(err error) {
	c.mu.Lock()
	c.up = false
	ws := append([]func(bool){}, c.watchers...)
	c.mu.Unlock()
	c.setErr(err)
	for _, w := range ws {
		w(false)
	}
}

// Watch registers f to be told each time the session comes up (after its
// subscriptions are renewed) or goes down; if the session is up now, f is
// called with true before Watch returns. f must not block.
func (c *Client) Watch(f func(up bool)) {
	c.mu.Lock()
	c.watchers = append(c.watchers, f)
	up := c.up
	c.mu.Unlock()
	if up {
		f(true)
	}
}

// Connected reports whether the session is up now.
func (c *Client) Connected() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.up && c.paho.IsConnectionOpen()
}

// Err is the last connection or subscription error, nil while connected.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastErr
}

// Publish sends one message if the session is up now, and returns
// ErrNotConnected at once otherwise. A nil error means the message was
// handed to the connection, not that the broker has it.
func (c *Client) Publish(name string, qos byte, retain bool, payload []byte) error {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if !c.paho.IsConnectionOpen() {
		return ErrNotConnected
	}
	t := c.paho.Publish(name, qos, retain, payload)
	select {
	case <-t.Done():
		if err := t.Error(); err != nil {
			if errors.Is(err, paho.ErrNotConnected) {
				return ErrNotConnected
			}
			return fmt.Errorf("client: publish %s: %w", name, err)
		}
	default:
	}
	return nil
}

// Subscribe routes messages matching filter to h, now if the session is up
// and on every later connection. Handlers are called one at a time, in the
// order messages arrive, and must not block. Messages queued by the broker for a
// persistent session reach h even before the subscription is renewed.
func (c *Client) Subscribe(filter string, qos byte, h func(topic string, payload []byte)) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrClosed
	}
	c.subs[filter] = sub{qos: qos, h: h}
	up := c.up
	c.mu.Unlock()
	cb := func(_ paho.Client, m paho.Message) { h(m.Topic(), m.Payload()) }
	c.paho.AddRoute(filter, cb)
	if !up {
		return nil // onConnect subscribes
	}
	t := c.paho.Subscribe(filter, qos, cb)
	if !t.WaitTimeout(c.cfg.ConnectTimeout) {
		return fmt.Errorf("client: subscribe %s: timed out", filter)
	}
	if err := t.Error(); err != nil {
		return fmt.Errorf("client: subscribe %s: %w", filter, err)
	}
	if code := t.(*paho.SubscribeToken).Result()[filter]; code >= 0x80 {
		return fmt.Errorf("%w: %q", ErrRefused, filter)
	}
	return nil
}

// closeQuiesce is the longest Close waits for work in progress.
const closeQuiesce = time.Second

// Close ends the session with a DISCONNECT (so the broker does not send the
// Will), waiting for work in progress up to a second, or until ctx's
// deadline if that is sooner. If ctx has already ended it closes the
// session without waiting and returns ctx.Err(). A second Close returns nil
// at once.
func (c *Client) Close(ctx context.Context) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.mu.Unlock()
	quiesce := closeQuiesce
	if dl, ok := ctx.Deadline(); ok {
		quiesce = min(max(time.Until(dl), 0), closeQuiesce)
	}
	err := ctx.Err()
	if err != nil {
		quiesce = 0
	}
	c.paho.Disconnect(uint(quiesce.Milliseconds())) // returns within quiesce
	c.mu.Lock()
	c.up = false
	c.mu.Unlock()
	return err
}

// nopStore keeps nothing: paho then never resends a publish by itself, so
// redelivery and its order stay with the caller's outbox.
type nopStore struct{}

func (nopStore) Open()                             {}
func (nopStore) Put(string, packets.ControlPacket) {}
func (nopStore) Get(string) packets.ControlPacket  { return nil }
func (nopStore) All() []string                     { return nil }
func (nopStore) Del(string)                        {}
func (nopStore) Close()                            {}
func (nopStore) Reset()                            {}

var _ paho.Store = nopStore{}
