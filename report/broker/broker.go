// Package broker is the MQTT broker that aerocell embeds so that one command
// is enough in the field: mochi-mqtt v2 with a TCP listener, a WebSocket
// listener for browser clients, logins from a users file with bcrypt hashes,
// access rules that deny whatever they do not grant, and a bbolt store that
// keeps persistent sessions, queued QoS 1 messages and retained messages
// across a restart.
//
// The broker knows the topic tree only through package topic, which gives
// each role's rules. It never publishes on its own account and never reaches
// into the controller: the controller talks to it as an ordinary MQTT client
// (see package client), so that the same code runs against Mosquitto or any
// other broker.
//
// Lifecycle, as across aerocell: what waits on its way down (the Broker,
// which disconnects its clients and drains its store) closes with
// Close(ctx) error, ctx bounding the wait; what only releases closes with
// Close() error.
package broker

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aerocell/aerocell/internal/boltfile"
	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"
)

// ErrConfig is returned by Start for a missing or bad setting.
var ErrConfig = errors.New("broker: invalid configuration")

// ErrDamaged is matched (errors.Is) by the error of Start for a store file
// that exists but is empty, truncated or not a store file: Start refuses it
// and leaves it as it is. It is boltfile.ErrDamaged, which the daemon's
// other bbolt files share.
var ErrDamaged = boltfile.ErrDamaged

// Config configures the embedded broker.
type Config struct {
	// TCPAddr is the MQTT listener's address, e.g. ":1883" or
	// "127.0.0.1:0"; required.
	TCPAddr string
	// TLS, if set, makes the TCP listener MQTT over TLS (mqtts://) and the
	// WebSocket listener wss://; (optional).
	TLS *tls.Config
	// WSAddr is the MQTT-over-WebSocket listener's address for browser
	// clients (any path), e.g. ":8083"; (optional) none when empty.
	WSAddr string
	// Users are the logins and their rules; required. Anonymous clients are
	// refused unless Users.Anonymous.Enabled.
	Users *Users
	// StorePath is the bbolt file that keeps sessions, queued messages and
	// retained messages across restarts; (optional) in memory only when
	// empty.
	StorePath string
	// SessionExpiry is how long the broker keeps the session (subscriptions
	// and queued messages) of a client that connected with a persistent
	// session and has gone away; (optional) defaults to 3 days.
	SessionExpiry time.Duration
	// Logger receives the broker's logs; (optional) discarded when nil.
	Logger *slog.Logger
	// Observers are in-process subscriptions, filter to handler, made
	// before the listeners open so that they miss nothing; (optional).
	// Handlers run on the publisher's connection goroutine and must not
	// block. They see every message, whatever the access rules.
	Observers map[string]func(topic string, payload []byte)
}

// Broker is a running embedded broker.
type Broker struct {
	srv   *mqtt.Server
	tcp   *listeners.TCP
	ws    *wsListener
	store *storeHook
	tls   bool

	closed    chan struct{} // closed when Close has finished
	closeOnce sync.Once
	closeErr  error
}

// Start opens the store, binds the listeners and starts serving.
func Start(cfg Config) (*Broker, error) {
	if cfg.TCPAddr == "" {
		return nil, fmt.Errorf("%w: TCPAddr is empty", ErrConfig)
	}
	if cfg.Users == nil {
		return nil, fmt.Errorf("%w: Users is nil", ErrConfig)
	}
	if err := cfg.Users.Validate(); err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	caps := mqtt.NewDefaultServerCapabilities()
	caps.MaximumPacketSize = 1 << 20
	caps.MaximumClientWritesPending = 16 * 1024
	if cfg.SessionExpiry <= 0 {
		cfg.SessionExpiry = 72 * time.Hour
	}
	caps.MaximumSessionExpiryInterval = uint32(min(cfg.SessionExpiry.Seconds(), math.MaxUint32))
	srv := mqtt.New(&mqtt.Options{Logger: log, Capabilities: caps, InlineClient: len(cfg.Observers) > 0})
	b := &Broker{srv: srv, tls: cfg.TLS != nil, closed: make(chan struct{})}

	auth := newAuthHook(cfg.Users)
	if err := srv.AddHook(auth, nil); err != nil {
		return nil, fmt.Errorf("broker: %w", err)
	}
	if err := srv.AddHook(newOrderHook(), nil); err != nil { // before the store, which saves its stamps
		return nil, fmt.Errorf("broker: %w", err)
	}
	if cfg.StorePath != "" {
		st, err := openStore(cfg.StorePath, log)
		if err != nil {
			return nil, err
		}
		b.store = st
		if err := srv.AddHook(st, nil); err != nil {
			_ = st.Stop() // nothing written yet; the hook's error is the one to report
			return nil, fmt.Errorf("broker: %w", err)
		}
		clients, err := st.StoredClients()
		if err != nil {
			_ = st.Stop() // nothing written yet; the read error is the one to report
			return nil, err
		}
		owners := map[string]string{}
		for _, c := range clients {
			owners[c.ID] = string(c.Username)
		}
		auth.restoreOwners(owners)
	}
	id := 0
	for filter, fn := range cfg.Observers {
		id++
		err := srv.Subscribe(filter, id, func(_ *mqtt.Client, _ packets.Subscription, pk packets.Packet) {
			fn(pk.TopicName, pk.Payload)
		})
		if err != nil {
			b.stopStore()
			return nil, fmt.Errorf("broker: observer %q: %w", filter, err)
		}
	}
	b.tcp = listeners.NewTCP(listeners.Config{ID: "tcp", Address: cfg.TCPAddr, TLSConfig: cfg.TLS})
	if err := srv.AddListener(b.tcp); err != nil {
		b.stopStore()
		return nil, fmt.Errorf("broker: tcp listener %s: %w", cfg.TCPAddr, err)
	}
	if cfg.WSAddr != "" {
		b.ws = newWSListener("ws", cfg.WSAddr, cfg.TLS)
		if err := srv.AddListener(b.ws); err != nil {
			_ = srv.Close() // also stops the store; the listener's error is the one to report
			return nil, fmt.Errorf("broker: websocket listener %s: %w", cfg.WSAddr, err)
		}
	}
	if err := srv.Serve(); err != nil {
		_ = srv.Close() // also stops the store; the serve error is the one to report
		return nil, fmt.Errorf("broker: %w", err)
	}
	return b, nil
}

// stopStore closes the store on a failed start, whose error is the one to
// report.
func (b *Broker) stopStore() {
	if b.store != nil {
		_ = b.store.Stop()
	}
}

// Addr is the TCP listener's bound address.
func (b *Broker) Addr() string { return b.tcp.Address() }

// WSAddr is the WebSocket listener's bound address, or "" if none.
func (b *Broker) WSAddr() string {
	if b.ws == nil {
		return ""
	}
	return b.ws.Address()
}

// URL is mqtt://HOST:PORT (mqtts:// with TLS) of the TCP listener, with
// 127.0.0.1 for an unspecified host.
func (b *Broker) URL() string {
	if b.tls {
		return "mqtts://" + dialable(b.Addr())
	}
	return "mqtt://" + dialable(b.Addr())
}

// dialable replaces an unspecified host (":1883", "0.0.0.0:1883",
// "[::]:1883") by the loopback address.
func dialable(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// Clients is how many clients are connected now.
func (b *Broker) Clients() int64 { return atomic.LoadInt64(&b.srv.Info.ClientsConnected) }

// Close disconnects every client (sending their Last Wills), stops the
// listeners, and writes what is queued for the store and closes it,
// waiting until ctx ends: then it returns ctx.Err() and the rest finishes
// in the background (a later Close waits for it again). Otherwise it
// returns the store's close error. It is safe to call more than once.
func (b *Broker) Close(ctx context.Context) error {
	b.closeOnce.Do(func() {
		go func() {
			defer close(b.closed)
			err := b.srv.Close() // also stops the hooks, so the store
			if b.store != nil {
				err = errors.Join(err, b.store.stopErr)
			}
			b.closeErr = err
		}()
	})
	select {
	case <-b.closed:
		return b.closeErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

// LoginURL formats a login as mqtt://USER:PASSWORD@HOST:PORT, escaping the
// user and password. host may be a host or host:port; port is used when
// host has none.
func LoginURL(user, password, host string, port int) string {
	if _, _, err := net.SplitHostPort(host); err != nil {
		host = net.JoinHostPort(host, strconv.Itoa(port))
	}
	u := url.URL{Scheme: "mqtt", User: url.UserPassword(user, password), Host: host}
	return u.String()
}

// AddTeamLogin adds to users a login for the named team with a random
// password and returns the password, which is stored only as its hash.
// `serve --demo` prints it with LoginURL.
func AddTeamLogin(users *Users, username, team string) (password string, err error) {
	password = RandomPassword()
	hash, err := HashPassword(password)
	if err != nil {
		return "", err
	}
	users.Put(User{Username: username, PasswordHash: hash, Role: RoleTeam, Team: team})
	if err := users.Validate(); err != nil {
		return "", err
	}
	return password, nil
}
