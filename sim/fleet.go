package sim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"reflect"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/bluenviron/gomavlib/v3"
	"github.com/bluenviron/gomavlib/v3/pkg/dialect"
	"github.com/bluenviron/gomavlib/v3/pkg/frame"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
	"github.com/bluenviron/gomavlib/v3/pkg/streamwriter"

	"github.com/aerocell/aerocell/airframe"
	"github.com/aerocell/aerocell/clock"
)

// ErrClosed is returned by calls on a closed fleet.
var ErrClosed = errors.New("sim: fleet closed")

// Wind is the air mass: a steady wind plus gusts (see package airframe).
type Wind = airframe.Wind

// DroneConfig is one simulated drone.
type DroneConfig struct {
	// SysID is the MAVLink system id (1..254).
	SysID uint8
	// Profile names the airframe (default "heavy-multirotor").
	Profile string
	// Home is where the drone starts, on the ground.
	Home LatLonAlt
	// Heading is the initial heading in degrees.
	Heading float64
	// GroundStation is where a tethered drone's tether is anchored (default:
	// Home). Ignored for untethered profiles.
	GroundStation *LatLonAlt
	// TetherM overrides the profile's tether length (optional).
	TetherM float64
}

// ScheduledFault is a fault injected at a time after the fleet starts.
type ScheduledFault struct {
	At time.Duration
	// SysID is the drone; 0 means every drone.
	SysID uint8
	Fault Fault
}

// Config configures a fleet.
type Config struct {
	// Drones are the simulated drones; system ids must be distinct.
	Drones []DroneConfig
	// Endpoints are where the ground station is. Client endpoints
	// (EndpointUDPClient, EndpointTCPClient, ...) get one connection per
	// drone, as a fleet of separate autopilots would; server endpoints
	// (EndpointTCPServer, EndpointUDPServer) are shared by the whole fleet,
	// as behind a MAVLink router, each drone writing with its own system id.
	Endpoints []gomavlib.EndpointConf
	// Clock drives physics, telemetry, failsafes and faults (nil: real time).
	Clock clock.Clock
	// SigningKey, when set, signs every frame sent and drops incoming frames
	// that are unsigned or wrongly signed.
	SigningKey *frame.V2Key
	// Seed makes gusts, GPS noise, users and packet loss reproducible.
	Seed uint64
	// Profiles are the airframes by name (nil: BuiltinProfiles). Their order
	// gives the AC_PROFILE index.
	Profiles []Profile
	// Wind is the air mass for every drone.
	Wind Wind
	// GPSNoiseM is the standard deviation of the GPS position error
	// (default 0: none; the CLI uses 1 m). Negative disables it.
	GPSNoiseM float64
	// GCSTimeout is ArduPilot's FS_GCS_TIMEOUT: with a ground station seen
	// before, nothing from it for this long in flight gives RTL. Zero
	// disables it (ArduPilot's FS_GCS_ENABLE default); a ground station can
	// still enable it per drone with PARAM_SET FS_GCS_ENABLE and
	// FS_GCS_TIMEOUT, as on ArduPilot.
	GCSTimeout time.Duration
	// BatterySwap is the ground crew's turnaround: a battery-powered drone
	// landed and disarmed within 50 m of its home for this long gets a full
	// battery ("Battery 1 replaced"), as a crew at the launch site would
	// swap it. Zero: never, as ArduPilot SITL.
	BatterySwap time.Duration
	// MaxWallRate caps each drone's telemetry stream messages per wall
	// second when the clock runs faster than real time (default: the
	// drone's real-time rate). HEARTBEAT, acks, STATUSTEXT and mission
	// messages are never held back.
	MaxWallRate float64
	// Terrain, when set, is the ground (a DEM): each drone's home and
	// ground station stand on it (their Alt is replaced by the DEM's), the
	// drones land and crash on it, and each asks its ground station for
	// the terrain around it (TERRAIN_REQUEST) and reports what it holds
	// (TERRAIN_REPORT) as ArduPilot does. Nil: flat ground at each home's
	// altitude.
	Terrain Terrain
	// Faults are injected on schedule.
	Faults []ScheduledFault
	// Logger receives lifecycle events (nil: discarded).
	Logger *slog.Logger
}

// Fleet is a running simulated fleet. Its methods are safe for concurrent
// use.
type Fleet struct {
	cfg      Config
	clk      clock.Clock
	log      *slog.Logger
	start    time.Time
	vehicles []*vehicle
	byID     map[uint8]*vehicle
	drones   map[uint8]*Drone
	profiles []Profile
	dialect  *dialect.Dialect

	// transports
	nodes  []*gomavlib.Node // per drone; parallel to vehicles, nil entries when none
	shared *gomavlib.Node
	seq    map[uint8]byte // shared: per-drone sequence numbers
	linkID map[uint8]byte
	readWG sync.WaitGroup

	// loop
	now       time.Time
	inbound   chan inFrame
	reqs      chan func()
	more      chan struct{}
	terminate chan struct{}
	done      chan struct{} // closed when the loop has stopped
	closed    chan struct{} // closed when Close has finished
	closeOnce sync.Once
	waiters   []*waiter
	pending   []ScheduledFault

	// speed estimation (loop-owned)
	speedWall time.Time
	speedVirt time.Time
	speed     float64
}

type inFrame struct {
	v  *vehicle // nil: shared endpoint, route by target
	fr frame.Frame
}

// Drone is a handle on one simulated drone.
type Drone struct {
	f  *Fleet
	id uint8
}

type waiter struct {
	cond func(Snapshot) bool
	ch   chan Snapshot
}

// serverEndpoint reports whether an endpoint accepts connections (and so
// is shared by the fleet).
func serverEndpoint(e gomavlib.EndpointConf) bool {
	switch e.(type) {
	case gomavlib.EndpointTCPServer, gomavlib.EndpointUDPServer, gomavlib.EndpointCustomServer,
		*gomavlib.EndpointTCPServer, *gomavlib.EndpointUDPServer, *gomavlib.EndpointCustomServer:
		return true
	}
	return false
}

// Validate checks the configuration; errors name the field.
func (c *Config) Validate() error {
	if len(c.Drones) == 0 {
		return fieldErr("Drones", "at least one drone is needed")
	}
	if len(c.Drones) > 254 {
		return fieldErr("Drones", "at most 254 drones, got %d", len(c.Drones))
	}
	profiles := c.Profiles
	if profiles == nil {
		profiles = BuiltinProfiles()
	}
	if err := airframe.Table(profiles).Validate("Profiles"); err != nil {
		return profileErr(err)
	}
	names := map[string]bool{}
	for _, p := range profiles {
		names[p.Name] = true
	}
	seen := map[uint8]bool{}
	for i, d := range c.Drones {
		f := func(n string) string { return fmt.Sprintf("Drones[%d].%s", i, n) }
		if d.SysID == 0 || d.SysID == 255 {
			return fieldErr(f("SysID"), "must be 1..254, got %d", d.SysID)
		}
		if seen[d.SysID] {
			return fieldErr(f("SysID"), "duplicate system id %d", d.SysID)
		}
		seen[d.SysID] = true
		name := d.Profile
		if name == "" {
			name = ProfileHeavy
		}
		if !names[name] {
			return fieldErr(f("Profile"), "unknown profile %q", name)
		}
		if err := validPos(f("Home"), d.Home); err != nil {
			return err
		}
		if d.GroundStation != nil {
			if err := validPos(f("GroundStation"), *d.GroundStation); err != nil {
				return err
			}
		}
		if d.TetherM < 0 || math.IsNaN(d.TetherM) || math.IsInf(d.TetherM, 0) {
			return fieldErr(f("TetherM"), "must not be negative, got %v", d.TetherM)
		}
	}
	if len(c.Endpoints) == 0 {
		return fieldErr("Endpoints", "at least one endpoint is needed")
	}
	for _, w := range []struct {
		n string
		v float64
	}{{"Wind.SpeedMS", c.Wind.SpeedMS}, {"Wind.GustMS", c.Wind.GustMS}, {"MaxWallRate", c.MaxWallRate}} {
		if w.v < 0 || math.IsNaN(w.v) || w.v > 1e6 {
			return fieldErr(w.n, "must be a non-negative number, got %v", w.v)
		}
	}
	if math.IsNaN(c.Wind.FromDeg) || math.IsInf(c.Wind.FromDeg, 0) {
		return fieldErr("Wind.FromDeg", "must be finite")
	}
	if math.IsNaN(c.GPSNoiseM) || c.GPSNoiseM > 1000 {
		return fieldErr("GPSNoiseM", "must be at most 1000 m, got %v", c.GPSNoiseM)
	}
	if c.BatterySwap < 0 {
		return fieldErr("BatterySwap", "must not be negative, got %v", c.BatterySwap)
	}
	if c.GCSTimeout < 0 {
		return fieldErr("GCSTimeout", "must not be negative, got %v", c.GCSTimeout)
	}
	for i, sf := range c.Faults {
		if sf.At < 0 {
			return fieldErr(fmt.Sprintf("Faults[%d].At", i), "must not be negative")
		}
		if sf.SysID != 0 && !seen[sf.SysID] {
			return fieldErr(fmt.Sprintf("Faults[%d].SysID", i), "no drone with system id %d", sf.SysID)
		}
		if err := sf.Fault.Validate(); err != nil {
			var fe *FieldError
			if errors.As(err, &fe) {
				fe.Field = fmt.Sprintf("Faults[%d].%s", i, fe.Field)
			}
			return err
		}
	}
	return nil
}

func validPos(field string, p LatLonAlt) error {
	if !(p.Lat >= -85 && p.Lat <= 85) {
		return fieldErr(field+".Lat", "must be within ±85°, got %v", p.Lat)
	}
	if !(p.Lon >= -180 && p.Lon <= 180) {
		return fieldErr(field+".Lon", "must be within ±180°, got %v", p.Lon)
	}
	if !(p.Alt >= -500 && p.Alt <= 9000) {
		return fieldErr(field+".Alt", "must be within -500..9000 m, got %v", p.Alt)
	}
	return nil
}

// Start starts a fleet. It stops when ctx is done or Close is called.
func Start(ctx context.Context, cfg Config) (*Fleet, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	f := &Fleet{
		cfg: cfg, clk: cfg.Clock, log: cfg.Logger,
		byID: map[uint8]*vehicle{}, drones: map[uint8]*Drone{},
		seq: map[uint8]byte{}, linkID: map[uint8]byte{},
		inbound: make(chan inFrame, 1024), reqs: make(chan func()), more: make(chan struct{}, 1),
		terminate: make(chan struct{}), done: make(chan struct{}), closed: make(chan struct{}),
	}
	if f.clk == nil {
		f.clk = clock.Real()
	}
	f.dialect = wireDialect()
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	f.profiles = cfg.Profiles
	if f.profiles == nil {
		f.profiles = BuiltinProfiles()
	}
	f.start = f.clk.Now()
	f.now = f.start
	f.speedWall, f.speedVirt, f.speed = time.Now(), f.start, 1
	if s, ok := f.clk.(interface{ Speed() float64 }); ok {
		f.speed = s.Speed()
	}
	drones := append([]DroneConfig(nil), cfg.Drones...)
	sort.Slice(drones, func(i, j int) bool { return drones[i].SysID < drones[j].SysID })
	if cfg.Terrain != nil {
		if err := groundFromTerrain(cfg.Terrain, drones); err != nil {
			return nil, err
		}
	}
	for _, dc := range drones {
		if dc.Profile == "" {
			dc.Profile = ProfileHeavy
		}
		idx := 0
		for i := range f.profiles {
			if f.profiles[i].Name == dc.Profile {
				idx = i
			}
		}
		prof := f.profiles[idx]
		v := newVehicle(f, dc, &prof, idx, cfg.Seed, f.now)
		f.vehicles = append(f.vehicles, v)
		f.byID[dc.SysID] = v
		f.drones[dc.SysID] = &Drone{f: f, id: dc.SysID}
		f.linkID[dc.SysID] = dc.SysID
	}
	f.pending = append(f.pending, cfg.Faults...)
	sort.SliceStable(f.pending, func(i, j int) bool { return f.pending[i].At < f.pending[j].At })
	if err := f.openLinks(); err != nil {
		f.closeLinks()
		return nil, err
	}
	// opening hundreds of sockets takes a while: the fleet's time starts now
	if now := f.clk.Now(); now.After(f.now) {
		for _, v := range f.vehicles {
			v.boot = now
		}
		f.start, f.now = now, now
	}
	tk := f.clk.NewTicker(dt) // before Start returns, so that a manual clock advanced next is seen
	go f.run(tk)
	go func() {
		select {
		case <-ctx.Done():
			_ = f.Close(context.Background()) // cannot fail: no deadline
		case <-f.done:
		}
	}()
	for _, v := range f.vehicles {
		f.log.Info("sim drone started", "sysid", v.id, "profile", v.prof.Name)
	}
	return f, nil
}

func (f *Fleet) nodeConf(eps []gomavlib.EndpointConf, sysid uint8) *gomavlib.Node {
	return &gomavlib.Node{
		Endpoints:        eps,
		Dialect:          f.dialect,
		OutVersion:       gomavlib.V2,
		OutSystemID:      sysid,
		OutComponentID:   1,
		InKey:            f.cfg.SigningKey,
		OutKey:           f.cfg.SigningKey,
		HeartbeatDisable: true,
		IdleTimeout:      24 * time.Hour,
	}
}

// directOut writes a drone's frames straight to its UDP socket. The
// gomavlib node still dials (and redials) the socket and reads from it, but
// its write path costs a goroutine hand-off per message, which capped a
// 200-drone fleet at 65x real time on 2 cores; writing from the loop with
// gomavlib's streamwriter.Writer does not.
type directOut struct {
	conn atomic.Pointer[net.Conn]
	w    *streamwriter.Writer
}

func (d *directOut) Write(b []byte) (int, error) {
	if c := d.conn.Load(); c != nil {
		(*c).Write(b) //nolint:errcheck // a datagram lost, as on a radio
	}
	return len(b), nil
}

// refusalProof is a connected UDP socket that shrugs off "connection
// refused" (an ICMP port-unreachable from a ground station not listening
// yet): gomavlib would close the channel and redial 2 wall seconds later,
// losing minutes of a sped-up flight. A radio does not care either.
type refusalProof struct{ net.Conn }

func (c refusalProof) Read(b []byte) (int, error) {
	for {
		n, err := c.Conn.Read(b)
		if err != nil && errors.Is(err, syscall.ECONNREFUSED) {
			continue
		}
		return n, err
	}
}

func (c refusalProof) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	if err != nil && errors.Is(err, syscall.ECONNREFUSED) {
		return len(b), nil
	}
	return n, err
}

func (f *Fleet) openLinks() error {
	var client, server []gomavlib.EndpointConf
	for _, e := range f.cfg.Endpoints {
		if serverEndpoint(e) {
			server = append(server, e)
		} else {
			client = append(client, e)
		}
	}
	drw := &dialect.ReadWriter{Dialect: f.dialect}
	if err := drw.Initialize(); err != nil {
		return err
	}
	f.nodes = make([]*gomavlib.Node, len(f.vehicles))
	if len(client) > 0 {
		for i, v := range f.vehicles {
			eps := make([]gomavlib.EndpointConf, len(client))
			for j, e := range client {
				eps[j] = e
				var a string
				switch c := e.(type) {
				case gomavlib.EndpointUDPClient:
					a = c.Address
				case *gomavlib.EndpointUDPClient:
					a = c.Address
				default:
					v.viaNode = true
					continue
				}
				d := &directOut{}
				fw := &frame.Writer{ByteWriter: d, DialectRW: drw}
				if err := fw.Initialize(); err != nil {
					return err
				}
				d.w = &streamwriter.Writer{FrameWriter: fw, Version: streamwriter.V2, SystemID: v.id,
					ComponentID: 1, Key: f.cfg.SigningKey, SignatureLinkID: v.id}
				if err := d.w.Initialize(); err != nil {
					return err
				}
				v.direct = append(v.direct, d)
				eps[j] = gomavlib.EndpointCustomClient{
					Label: "udp:" + a, IsDatagram: true,
					Connect: func(ctx context.Context) (net.Conn, error) {
						c, err := (&net.Dialer{}).DialContext(ctx, "udp4", a)
						if err != nil {
							return nil, err
						}
						var rc net.Conn = refusalProof{c}
						d.conn.Store(&rc)
						return rc, nil
					},
				}
			}
			n := f.nodeConf(eps, v.id)
			if err := n.Initialize(); err != nil {
				return fmt.Errorf("sim: drone %d: %w", v.id, err)
			}
			f.nodes[i] = n
			f.readWG.Add(1)
			go f.read(n, v)
		}
	}
	if len(server) > 0 {
		n := f.nodeConf(server, f.vehicles[0].id)
		if err := n.Initialize(); err != nil {
			return fmt.Errorf("sim: %w", err)
		}
		f.shared = n
		f.readWG.Add(1)
		go f.read(n, nil)
	}
	return nil
}

func (f *Fleet) closeLinks() {
	for _, n := range f.nodes {
		if n != nil {
			n.Close()
		}
	}
	if f.shared != nil {
		f.shared.Close()
	}
	f.readWG.Wait()
}

// read forwards a node's frames to the loop until the node closes.
func (f *Fleet) read(n *gomavlib.Node, v *vehicle) {
	defer f.readWG.Done()
	for evt := range n.Events() {
		e, ok := evt.(*gomavlib.EventFrame)
		if !ok {
			continue
		}
		select {
		case f.inbound <- inFrame{v: v, fr: e.Frame}:
		case <-f.terminate:
		}
	}
}

// transmit writes a message from drone v to its links.
func (f *Fleet) transmit(v *vehicle, m message.Message) {
	v.link.Sent++
	for _, d := range v.direct {
		d.w.Write(m) //nolint:errcheck // only fails for messages outside the dialect
	}
	if v.viaNode {
		if i := f.index(v); i >= 0 && f.nodes[i] != nil {
			f.nodes[i].WriteMessageAll(m) //nolint:errcheck
		}
	}
	if f.shared != nil {
		fr := &frame.V2Frame{SequenceNumber: f.seq[v.id], SystemID: v.id, ComponentID: 1, Message: m}
		f.seq[v.id]++
		if f.cfg.SigningKey != nil {
			fr.IncompatibilityFlag = frame.V2FlagSigned
			fr.SignatureLinkID = f.linkID[v.id]
			fr.SignatureTimestamp = uint64(time.Since(signatureEpoch) / (10 * time.Microsecond))
		}
		if err := f.shared.FixFrame(fr); err == nil {
			f.shared.WriteFrameAll(fr) //nolint:errcheck
		}
	}
}

// signatureEpoch is the MAVLink 2 signing timestamp origin.
var signatureEpoch = time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)

func (f *Fleet) index(v *vehicle) int {
	i := sort.Search(len(f.vehicles), func(i int) bool { return f.vehicles[i].id >= v.id })
	if i < len(f.vehicles) && f.vehicles[i] == v {
		return i
	}
	return -1
}

func (f *Fleet) run(tk clock.Ticker) {
	defer close(f.done)
	defer tk.Stop()
	for {
		select {
		case <-tk.C():
			f.advance()
		case <-f.more:
			f.advance()
		case in := <-f.inbound:
			f.receive(in)
		case req := <-f.reqs:
			req()
		case <-f.terminate:
			return
		}
	}
}

// maxBatch bounds the steps taken between two looks at the inbound queue.
const maxBatch = 50

// advance steps the fleet up to the clock's time in fixed steps.
func (f *Fleet) advance() {
	target := f.clk.Now()
	for i := 0; !f.now.Add(dt).After(target); i++ {
		if i == maxBatch {
			select {
			case f.more <- struct{}{}:
			default:
			}
			return
		}
		f.now = f.now.Add(dt)
		f.stepAll()
	}
}

func (f *Fleet) stepAll() {
	for len(f.pending) > 0 && !f.now.Before(f.start.Add(f.pending[0].At)) {
		sf := f.pending[0]
		f.pending = f.pending[1:]
		for _, v := range f.vehicles {
			if sf.SysID == 0 || sf.SysID == v.id {
				v.inject(sf.Fault)
			}
		}
	}
	f.estimateSpeed()
	for _, v := range f.vehicles {
		v.step()
		v.flushQueues()
		v.tel.tick(f.now, f.decimation(v))
	}
	if len(f.waiters) > 0 {
		snap := f.snapshot()
		kept := f.waiters[:0]
		for _, w := range f.waiters {
			if w.cond(snap) {
				w.ch <- snap
				continue
			}
			kept = append(kept, w)
		}
		f.waiters = kept
	}
}

// estimateSpeed tracks how many virtual seconds pass per wall second.
func (f *Fleet) estimateSpeed() {
	if _, ok := f.clk.(interface{ Speed() float64 }); ok {
		return
	}
	w := time.Now()
	if el := w.Sub(f.speedWall); el >= 250*time.Millisecond {
		s := float64(f.now.Sub(f.speedVirt)) / float64(el)
		f.speed = 0.5*f.speed + 0.5*s
		f.speedWall, f.speedVirt = w, f.now
	}
}

// decimation is the factor by which v's streams are stretched.
func (f *Fleet) decimation(v *vehicle) float64 {
	if f.speed <= 1 {
		return 1
	}
	r := v.tel.rate()
	if r <= 0 {
		return 1
	}
	wall := math.Max(f.cfg.MaxWallRate, r)
	return math.Max(1, f.speed*r/wall)
}

// receive routes a frame from a ground station to its drone(s).
func (f *Fleet) receive(in inFrame) {
	m := in.fr.GetMessage()
	sys, comp := in.fr.GetSystemID(), in.fr.GetComponentID()
	if in.v != nil {
		in.v.deliver(m, sys, comp)
		return
	}
	if v, ok := f.byID[sys]; ok && v.id == sys {
		return // our own frame echoed by a router
	}
	t := targetSystem(m)
	for _, v := range f.vehicles {
		if t == 0 || t == v.id {
			v.deliver(m, sys, comp)
		}
	}
}

// targetSystem returns a message's target_system field (0 if it has none).
func targetSystem(m message.Message) uint8 {
	rv := reflect.ValueOf(m)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return 0
	}
	fv := rv.Elem().FieldByName("TargetSystem")
	if !fv.IsValid() || fv.Kind() != reflect.Uint8 {
		return 0
	}
	return uint8(fv.Uint())
}

func (f *Fleet) snapshot() Snapshot {
	s := Snapshot{Time: f.now, Drones: make(map[uint8]State, len(f.vehicles))}
	for _, v := range f.vehicles {
		s.Drones[v.id] = v.state()
	}
	return s
}

// do runs fn in the loop and waits for it.
func (f *Fleet) do(fn func()) error {
	done := make(chan struct{})
	select {
	case f.reqs <- func() { fn(); close(done) }:
	case <-f.done:
		return ErrClosed
	}
	<-done
	return nil
}

// Close stops the fleet, closes its sockets and waits for its goroutines,
// until ctx ends: then it returns ctx.Err() and the rest finishes in the
// background (a later Close waits for it again). With a context that never
// ends it cannot fail. It is safe to call more than once.
func (f *Fleet) Close(ctx context.Context) error {
	f.closeOnce.Do(func() {
		close(f.terminate)
		go func() {
			defer close(f.closed)
			<-f.done
			f.closeLinks()
		}()
	})
	select {
	case <-f.closed:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Drone returns the drone with system id sysid, or nil.
func (f *Fleet) Drone(sysid uint8) *Drone { return f.drones[sysid] }

// Drones returns every drone, by system id.
func (f *Fleet) Drones() []*Drone {
	out := make([]*Drone, 0, len(f.vehicles))
	for _, v := range f.vehicles {
		out = append(out, f.drones[v.id])
	}
	return out
}

// Now is the fleet's simulated time (the last physics step).
func (f *Fleet) Now() time.Time {
	var t time.Time
	if f.do(func() { t = f.now }) != nil {
		return time.Time{}
	}
	return t
}

// Snapshot returns the whole fleet's state.
func (f *Fleet) Snapshot() Snapshot {
	var s Snapshot
	f.do(func() { s = f.snapshot() }) //nolint:errcheck // zero Snapshot once closed
	return s
}

// WaitFor blocks until cond holds for the fleet's state, checked after
// every physics step (and once at the call), and returns that state. cond
// runs inside the fleet's loop: it must be quick and must not call the
// fleet. On ctx's end it returns the latest state and ctx's error.
func (f *Fleet) WaitFor(ctx context.Context, cond func(Snapshot) bool) (Snapshot, error) {
	w := &waiter{cond: cond, ch: make(chan Snapshot, 1)}
	err := f.do(func() {
		snap := f.snapshot()
		if cond(snap) {
			w.ch <- snap
			return
		}
		f.waiters = append(f.waiters, w)
	})
	if err != nil {
		return Snapshot{}, err
	}
	select {
	case s := <-w.ch:
		return s, nil
	case <-ctx.Done():
	case <-f.done:
		return Snapshot{}, ErrClosed
	}
	f.do(func() { //nolint:errcheck
		for i, x := range f.waiters {
			if x == w {
				f.waiters = append(f.waiters[:i], f.waiters[i+1:]...)
				break
			}
		}
	})
	return f.Snapshot(), ctx.Err()
}

// SysID is the drone's MAVLink system id.
func (d *Drone) SysID() uint8 { return d.id }

// State returns a copy of the drone's state (zero once the fleet is closed).
func (d *Drone) State() State {
	var s State
	d.f.do(func() { s = d.f.byID[d.id].state() }) //nolint:errcheck
	return s
}

// Inject starts a fault on the drone now.
func (d *Drone) Inject(ft Fault) error {
	if err := ft.Validate(); err != nil {
		return err
	}
	if ft.Kind == FaultGroundPower && d.f.byID[d.id].gs == nil {
		return fieldErr("kind", "drone %d is not tethered: no ground power to lose", d.id)
	}
	return d.f.do(func() { d.f.byID[d.id].inject(ft) })
}

// Clear ends a fault on the drone now.
func (d *Drone) Clear(k FaultKind) error {
	return d.f.do(func() { d.f.byID[d.id].clear(k) })
}
