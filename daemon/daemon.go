// Package daemon is aerocell serve: it wires the link layer, the fleet
// controller, the MQTT reporting and the commander's console into one
// process, from a Config, and takes them down in order. It holds no fleet
// logic of its own: decisions are the controller's, and the reporters only
// read its snapshots and events.
//
// Lifecycle, as across aerocell: what waits on its way down (the Daemon,
// which drains the console, the reporting and the link) closes with
// Close(ctx) error, ctx bounding the wait; what only releases closes with
// Close() error.
package daemon

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aerocell/aerocell/api"
	"github.com/aerocell/aerocell/clock"
	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/fleet"
	"github.com/aerocell/aerocell/mavlink"
	"github.com/aerocell/aerocell/payload"
	"github.com/aerocell/aerocell/report"
	"github.com/aerocell/aerocell/report/broker"
	"github.com/aerocell/aerocell/report/client"
	"github.com/aerocell/aerocell/report/outbox"
	"github.com/aerocell/aerocell/report/topic"
	"github.com/aerocell/aerocell/store"
	"github.com/aerocell/aerocell/web"
)

// Options are what a caller embedding the daemon (the SITL runner, tests)
// may set beyond the configuration.
type Options struct {
	// Clock drives the controller and the link layer; the wall clock when
	// nil. SITL runs pass a sped-up clock.
	Clock clock.Clock
	// Logger; a text or JSON logger on Stderr per Config.Log when nil.
	Logger *slog.Logger
	// Stderr receives the default logger's lines; os.Stderr when nil.
	Stderr io.Writer
	// Users adds logins to the embedded broker's (the demo's field team).
	Users []broker.User
	// Seed makes planning reproducible.
	Seed uint64
}

// Daemon is a running aerocell serve.
type Daemon struct {
	cfg    Config
	log    *slog.Logger
	clk    clock.Clock
	st     *store.Store
	ob     *outbox.Outbox // the MQTT reporter's; nil when MQTT is off
	link   *mavlink.Station
	ctl    *fleet.Controller
	broker *broker.Broker
	conn   *client.Client
	bridge *bridge
	api    *api.Server
	http   *http.Server
	httpLn net.Listener
	met    *metrics

	runCtx context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	errc   chan error
	once   sync.Once
	closed chan struct{} // closed when Close has finished
	err    error
}

// Start brings the daemon up: state, link, controller, MQTT, HTTP. On an
// error everything already started is taken down again.
func Start(ctx context.Context, cfg Config, opt Options) (_ *Daemon, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	d := &Daemon{cfg: cfg, clk: opt.Clock, errc: make(chan error, 4), closed: make(chan struct{})}
	if d.clk == nil {
		d.clk = clock.Real()
	}
	d.log = opt.Logger
	if d.log == nil {
		d.log = newLogger(cfg.Log, opt.Stderr)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	d.runCtx, d.cancel = runCtx, cancel
	defer func() {
		if err != nil {
			_ = d.Close(context.Background()) // what failed is the error to report; the rest goes down quietly
		}
	}()

	dir := cfg.Path(cfg.Storage.Dir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	if d.st, err = store.Open(filepath.Join(dir, "state.db")); err != nil {
		return nil, err
	}
	// The outbox is opened with the state, before anything connects: a
	// damaged one stops Start before the broker has clients.
	if !cfg.MQTT.Disabled {
		if d.ob, err = outbox.Open(filepath.Join(dir, "outbox-"+cfg.topicName()+".db")); err != nil {
			return nil, err
		}
	}

	if d.link, err = openLink(cfg, d.clk); err != nil {
		return nil, err
	}
	d.log.Info("mavlink up", "endpoints", strings.Join(cfg.MAVLink.Endpoints, " "), "addrs", addrList(d.link.Addrs()))

	d.met = newMetrics()
	drones, sites := cfg.fleetConfig()
	d.ctl, err = fleet.New(fleet.Config{
		MAVLink: d.link, Store: d.st, Clock: d.clk, Logger: d.log.With("part", "fleet"),
		Drones: drones, DefaultProfile: cfg.Fleet.DefaultProfile, LaunchSites: sites,
		Env: cfg.Fleet.Environment, Tick: cfg.Fleet.Tick, Seed: opt.Seed, AdoptUnknown: cfg.Fleet.AdoptUnknown,
		OnCommand: d.met.command, Profiles: fleet.ProfilesOf(cfg.Fleet.Table()), Wind: cfg.Fleet.Wind,
		Terrain:      terrainOf(cfg),
		TaskApproval: cfg.Fleet.Tasks.Approval,
	})
	if err != nil {
		return nil, err
	}
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		if err := d.ctl.Run(runCtx); err != nil {
			d.errc <- fmt.Errorf("fleet: %w", err)
		}
	}()

	if err := d.startMQTT(ctx, opt); err != nil {
		return nil, err
	}
	var conn report.Conn
	if d.conn != nil {
		conn = d.conn
	}
	d.bridge = newBridge(d.ctl, conn, d.clk, d.log.With("part", "report"), d.met, d.link, cfg.topicName())
	if err := d.bridge.open(d.ob); err != nil {
		return nil, err
	}
	if err := d.embeddedReady(ctx); err != nil {
		return nil, err
	}
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		d.bridge.run(runCtx)
	}()

	if err := d.openIncident(ctx); err != nil {
		return nil, err
	}
	if err := d.startHTTP(); err != nil {
		return nil, err
	}
	return d, nil
}

// terrainOf is the configuration's DEM for the fleet: a nil interface
// without one, never a typed nil.
func terrainOf(cfg Config) coverage.Terrain {
	if t := cfg.Terrain(); t != nil {
		return t
	}
	return nil
}

func openLink(cfg Config, clk clock.Clock) (*mavlink.Station, error) {
	m := cfg.MAVLink
	mc := mavlink.Config{
		Endpoints: m.Endpoints, Forward: m.Forward, SystemID: uint8(m.SystemID),
		Clock: clk, LinkLossTimeout: m.LinkLossTimeout,
		CommandTimeout: m.CommandTimeout, MissionTimeout: m.MissionTimeout,
		InProgressTimeout: max(30*time.Second, 10*m.CommandTimeout),
	}
	if t := cfg.Terrain(); t != nil { // never a typed nil in the interface
		mc.Terrain = t
	}
	if m.SigningKey != "" {
		k, err := mavlink.ParseSigningKey(m.SigningKey)
		if err != nil {
			return nil, err
		}
		mc.SigningKey = k
	}
	if m.TlogDir != "" {
		dir := cfg.Path(m.TlogDir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("tlog: %w", err)
		}
		mc.TlogPath = filepath.Join(dir, time.Now().UTC().Format("2006-01-02T15-04-05")+".tlog")
	}
	return mavlink.Open(mc)
}

// startMQTT starts the embedded broker (or connects to the external one)
// and the controller's own session.
func (d *Daemon) startMQTT(ctx context.Context, opt Options) error {
	q := d.cfg.MQTT
	if q.Disabled {
		return nil
	}
	var (
		url      = q.Broker
		user     = q.Username
		password = q.Password
		tlsCfg   *tls.Config
	)
	if q.CAFile != "" {
		pem, err := os.ReadFile(d.cfg.Path(q.CAFile))
		if err != nil {
			return fmt.Errorf("mqtt.ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("mqtt.ca_file: no certificate in %s", q.CAFile)
		}
		tlsCfg = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	if q.Listen != "" {
		users := &broker.Users{Version: broker.UsersVersion}
		if q.UsersFile != "" {
			u, err := broker.LoadUsers(d.cfg.Path(q.UsersFile))
			if err != nil {
				return err
			}
			users = u
		}
		users.Users = append(users.Users, opt.Users...)
		// The controller's own login lives only in memory, with a fresh
		// password each start.
		user, password = broker.ControllerClientPrefix+"controller", broker.RandomPassword()
		hash, err := broker.HashPassword(password)
		if err != nil {
			return err
		}
		users.Users = append(users.Users, broker.User{Username: user, PasswordHash: hash, Role: broker.RoleController})
		b, err := broker.Start(broker.Config{
			TCPAddr: q.Listen, WSAddr: q.WSListen, Users: users,
			StorePath: filepath.Join(d.cfg.Path(d.cfg.Storage.Dir), "broker.db"),
			Logger:    d.log.With("part", "broker"),
		})
		if err != nil {
			return err
		}
		d.broker = b
		url = b.URL()
		d.log.Info("mqtt broker up", "addr", b.Addr(), "ws", b.WSAddr())
	}
	tree, err := topic.New(d.cfg.topicName())
	if err != nil {
		return err
	}
	willTopic, willPayload := report.StatusWill(tree)
	c, err := client.New(client.Config{
		Broker: url, ClientID: d.cfg.clientID(), Username: user, Password: password, TLS: tlsCfg,
		Will:   &client.Message{Topic: willTopic, QoS: 1, Retain: true, Payload: willPayload},
		Logger: d.log.With("part", "mqtt"),
	})
	if err != nil {
		return err
	}
	d.conn = c
	if d.broker == nil {
		return d.checkBroker(ctx, c)
	}
	return nil
}

// checkBroker waits for the first connection to the external broker and
// refuses to start when retrying cannot help: the login refused, or the
// broker's certificate not signed by the configured CA. A broker that is
// only out of reach is not an error: the drones must be flown without it,
// and the session connects when it comes back. The wait ends with ctx.
func (d *Daemon) checkBroker(ctx context.Context, c *client.Client) error {
	q := d.cfg.MQTT
	where := q.Broker // without a password written in the URL
	if u, err := url.Parse(q.Broker); err == nil {
		where = u.Redacted()
		if q.Username == "" && u.User != nil {
			q.Username = u.User.Username()
		}
	}
	wait, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	err := c.Ready(wait)
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, client.ErrLogin):
		return fieldErr("mqtt.password", "the broker %s refused the login %q (check mqtt.username and the password, or AEROCELL_MQTT_PASSWORD): %v", where, q.Username, err)
	case errors.Is(err, client.ErrCertificate):
		ca := "the system's CAs"
		if q.CAFile != "" {
			ca = q.CAFile
		}
		return fieldErr("mqtt.ca_file", "the broker %s presented a certificate not trusted by %s: %v", where, ca, err)
	}
	d.log.Warn("mqtt broker not reached yet; flying on and retrying", "broker", where, "err", err)
	return nil
}

// embeddedReady waits until the controller's own session with the embedded
// broker is up and subscribed (teams' requests and positions), so that
// nothing a team publishes once the daemon has started is dropped for want
// of a subscriber. The broker is in this process: a session that does not
// come up within seconds is a fault, not a network to wait for.
func (d *Daemon) embeddedReady(ctx context.Context) error {
	if d.broker == nil || d.conn == nil {
		return nil
	}
	wait, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := d.conn.Ready(wait); err != nil {
		return fmt.Errorf("mqtt: the controller's session with the embedded broker %s did not come up: %w", d.broker.Addr(), err)
	}
	return nil
}

// openIncident opens the configured incident when none is open.
func (d *Daemon) openIncident(ctx context.Context) error {
	inc := d.cfg.Incident
	if inc == nil {
		return nil
	}
	if s := d.ctl.Snapshot(); s.Incident != nil && s.Incident.State != fleet.IncidentClosed {
		return nil
	}
	area, err := os.ReadFile(d.cfg.Path(inc.Area))
	if err != nil {
		return fmt.Errorf("incident.area: %w", err)
	}
	spec := fleet.IncidentSpec{Name: inc.Name, Area: area, TargetCoverage: inc.TargetCoverage}
	for _, n := range inc.Networks {
		nn, err := payload.ParseNetwork(n)
		if err != nil {
			return fieldErr("incident.networks", "%v", err)
		}
		spec.Networks = append(spec.Networks, nn)
	}
	if inc.NoFly != "" {
		nf, err := os.ReadFile(d.cfg.Path(inc.NoFly))
		if err != nil {
			return fmt.Errorf("incident.no_fly: %w", err)
		}
		spec.NoFly = nf
	}
	if _, err := d.ctl.CreateIncident(ctx, spec); err != nil && !errors.Is(err, fleet.ErrIncidentOpen) {
		return fmt.Errorf("incident: %w", err)
	}
	if inc.Deploy {
		// Deploy once the fleet had time to be heard.
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			select {
			case <-d.clk.After(15 * time.Second):
			case <-d.runCtx.Done():
				return
			}
			if err := d.ctl.Deploy(d.runCtx); err != nil {
				d.log.Error("configured deployment not started", "err", err)
			}
		}()
	}
	return nil
}

func (d *Daemon) startHTTP() error {
	if d.cfg.HTTP.Listen == "" {
		return nil
	}
	ac := api.Config{
		Addr: d.cfg.HTTP.Listen, Tokens: d.cfg.HTTP.Tokens, Basemap: d.cfg.HTTP.Basemap,
		Logger: d.log.With("part", "api"),
	}
	if t := d.cfg.Terrain(); t != nil { // the map's hillshade: the fleet's DEM
		ac.Terrain = t
	}
	srv, err := api.New(ac, d.ctl, d.bridge)
	if err != nil {
		return err
	}
	d.api = srv
	mux := http.NewServeMux()
	mux.Handle(api.Prefix+"/", srv)
	// Metrics tell who flies where: the API's viewer token and Host checks.
	mux.Handle("/metrics", srv.Protect(api.Viewer, d.met.handler()))
	mux.HandleFunc("/healthz", d.health)
	mux.Handle("/", web.Handler())
	ln, err := net.Listen("tcp", d.cfg.HTTP.Listen)
	if err != nil {
		return fmt.Errorf("http: %w", err)
	}
	d.httpLn = ln
	d.http = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		if err := d.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			d.errc <- fmt.Errorf("http: %w", err)
		}
	}()
	d.log.Info("console up", "url", "http://"+ln.Addr().String()+"/")
	return nil
}

// health answers 200 while the controller runs and the link is up.
func (d *Daemon) health(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	select {
	case <-d.link.Done():
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, `{"status":"link down"}`+"\n")
		return
	default:
	}
	s := d.ctl.Snapshot()
	fmt.Fprintf(w, `{"status":"ok","drones":%d,"time":%q}`+"\n", len(s.Drones), s.Time.Format(time.RFC3339))
}

// Controller is the fleet controller.
func (d *Daemon) Controller() *fleet.Controller { return d.ctl }

// Link is the MAVLink station.
func (d *Daemon) Link() *mavlink.Station { return d.link }

// HTTPAddr is the console's address ("" when off).
func (d *Daemon) HTTPAddr() string {
	if d.httpLn == nil {
		return ""
	}
	return d.httpLn.Addr().String()
}

// MQTTAddr is the embedded broker's address ("" when none).
func (d *Daemon) MQTTAddr() string {
	if d.broker == nil {
		return ""
	}
	return d.broker.Addr()
}

// Wait blocks until ctx ends or a part fails.
func (d *Daemon) Wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return nil
	case err := <-d.errc:
		return err
	}
}

// Close takes everything down: the console first, then the reporting, the
// controller (which sends nothing to the aircraft on its way out), the link
// and the state, and returns their errors joined. It waits until ctx ends:
// then it returns ctx.Err() and the rest goes down in the background (a
// later Close waits for it again). Each part's own wait is bounded as
// before (the console's 3 s, the reporter's 2 s, the MQTT session's 250 ms).
// It is safe to call more than once.
func (d *Daemon) Close(ctx context.Context) error {
	d.once.Do(func() { go d.teardown() })
	select {
	case <-d.closed:
		return d.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// teardown is Close's work; it closes d.closed when done.
func (d *Daemon) teardown() {
	defer close(d.closed)
	var errs []error
	if d.api != nil {
		errs = append(errs, d.api.Close()) // ends the live streams, which would hold Shutdown
	}
	if d.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		errs = append(errs, d.http.Shutdown(ctx))
		cancel()
	}
	if d.cancel != nil {
		d.cancel()
	}
	d.wg.Wait()
	if d.bridge != nil {
		errs = append(errs, d.bridge.close())
	}
	if d.ob != nil {
		errs = append(errs, d.ob.Close())
	}
	if d.conn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 250*time.Millisecond)
		errs = append(errs, d.conn.Close(ctx))
		cancel()
	}
	// The broker and the link wait for their goroutines, as they always
	// did; the caller's ctx bounds how long Close waits for all this.
	if d.broker != nil {
		errs = append(errs, d.broker.Close(context.Background()))
	}
	if d.link != nil {
		errs = append(errs, d.link.Close(context.Background()))
	}
	if d.st != nil {
		errs = append(errs, d.st.Close())
	}
	d.err = errors.Join(errs...)
}

func newLogger(c LogConfig, w io.Writer) *slog.Logger {
	if w == nil {
		w = os.Stderr
	}
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: lvl}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func addrList(as []net.Addr) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, " ")
}
