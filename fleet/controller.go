package fleet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aerocell/aerocell/airframe"
	"github.com/aerocell/aerocell/clock"
	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/mavlink"
	"github.com/aerocell/aerocell/store"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// MAVLink is what the controller needs of the link layer: *mavlink.Station
// is one; every method blocks until the vehicle answers and returns the
// link layer's typed errors. (In fleet, "radio" means the cells' radio
// budget, Profile.Radio, and nothing else.)
type MAVLink interface {
	Events() <-chan mavlink.Event
	Vehicles() []mavlink.Telemetry
	SetMode(ctx context.Context, id mavlink.VehicleID, name string) error
	Arm(ctx context.Context, id mavlink.VehicleID) error
	Takeoff(ctx context.Context, id mavlink.VehicleID, altRel float64) error
	GoTo(ctx context.Context, id mavlink.VehicleID, lat, lon, altRel float64) error
	RTL(ctx context.Context, id mavlink.VehicleID) error
	Land(ctx context.Context, id mavlink.VehicleID) error
	SetPayload(ctx context.Context, id mavlink.VehicleID, n mavlink.Network, on bool) error
	UploadFence(ctx context.Context, id mavlink.VehicleID, items []mavlink.MissionItem) error
	// Tasks (issue 12): a crew's loading, the mission and AUTO.
	SetParam(ctx context.Context, id mavlink.VehicleID, name string, value float32) error
	UploadMission(ctx context.Context, id mavlink.VehicleID, typ common.MAV_MISSION_TYPE, items []mavlink.MissionItem) error
	StartMission(ctx context.Context, id mavlink.VehicleID) error
}

var _ MAVLink = (*mavlink.Station)(nil)

// DroneConfig is what the configuration says of one drone.
type DroneConfig struct {
	// Profile names the airframe; empty: the profile the drone declares
	// over MAVLink (AC_PROFILE), else Config.DefaultProfile.
	Profile string
	// Site is the launch site the drone stands at; a tethered drone's
	// ground station.
	Site string
}

// Config configures a Controller.
type Config struct {
	// MAVLink is the link layer. Required.
	MAVLink MAVLink
	// Store keeps the state across restarts. Required.
	Store *store.Store
	// (optional) Clock drives the loop's timers. Defaults to the wall clock.
	Clock clock.Clock
	// (optional) Logger receives one line per automatic action.
	Logger *slog.Logger
	// (optional) Profiles by name. Defaults to BuiltinProfiles.
	Profiles map[string]Profile
	// (optional) Drones by system id: the fleet. A drone heard that is not
	// listed here is not adopted (no geofence, no launch, no station) until
	// a commander approves it (OrderApprove); a "drone.unknown" event says
	// it appeared.
	Drones map[int]DroneConfig
	// (optional) AdoptUnknown takes every drone heard into the fleet, as
	// if listed in Drones. Unsafe: any sender of a HEARTBEAT gets a launch
	// order and a station. For labs and bench tests only.
	AdoptUnknown bool
	// (optional) DefaultProfile for drones neither configured nor declaring
	// theirs. Defaults to heavy-multirotor.
	DefaultProfile string
	// (optional) Terrain is the ground elevation (a DEM). When set, the
	// plan and live coverage are terrain-aware and flight targets are
	// checked for terrain clearance (issue 11); nil: flat earth.
	Terrain coverage.Terrain
	// (optional) LaunchSites drones stand at.
	LaunchSites []LaunchSite
	// (optional) Env is the radio environment preset. Defaults to suburban.
	Env string
	// (optional) Tick is how often the loop re-evaluates the fleet and
	// measures live coverage. Defaults to 1 s.
	Tick time.Duration
	// (optional) OpTimeout bounds one command sequence (mode, arm, takeoff,
	// ...), retries included. Defaults to 60 s.
	OpTimeout time.Duration
	// (optional) FenceMarginM is how far beyond the area the geofence runs.
	// Defaults to 500 m.
	FenceMarginM float64
	// (optional) RotationMargin is extra time kept when timing a relief.
	// Defaults to 2 minutes.
	RotationMargin time.Duration
	// (optional) StartGrace is how long after a start the controller waits
	// to hear a drone it had tasked before giving its station to another.
	// Defaults to 15 s.
	StartGrace time.Duration
	// (optional) LinkGrace is how long a drone whose link drops keeps its
	// station, while its last report said it was serving and had the
	// battery for it (an autopilot without a GCS failsafe holds its
	// GUIDED post). Defaults to 15 minutes.
	LinkGrace time.Duration
	// (optional) OnCommand hears of every command sequence the controller
	// finishes: the drone, what it was, how long it took on the
	// controller's clock and how it ended. It runs beside the loop and
	// must not block (metrics).
	OnCommand func(drone int, what string, took time.Duration, err error)
	// (optional) TaskApproval: a task waits for a commander's approval
	// (ApproveTask) before a drone is given it (fleet.tasks.approval).
	TaskApproval bool
	// (optional) Seed makes planning reproducible.
	Seed uint64
	// (optional) Wind is the forecast wind the controller plans with until
	// the drones report theirs (WIND): tethered posts lower and nearer
	// their winch, battery endurance shortened.
	Wind airframe.Wind

	// sweep and place, when set, stand in for the terrain sweep of one
	// station's footprint and for the terrain placer (tests make them
	// slow); both run beside the loop.
	sweep sweepFunc
	place placeFunc
}

func (c *Config) setDefaults() error {
	if c.MAVLink == nil {
		return fmt.Errorf("%w: config: MAVLink is required", ErrInvalid)
	}
	if c.Store == nil {
		return fmt.Errorf("%w: config: Store is required", ErrInvalid)
	}
	if c.Clock == nil {
		c.Clock = clock.Real()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.Profiles == nil {
		c.Profiles = BuiltinProfiles()
	}
	for name, p := range c.Profiles {
		if err := p.validate(); err != nil {
			return err
		}
		if name != p.Name {
			return fmt.Errorf("%w: config: profile key %q names profile %q", ErrInvalid, name, p.Name)
		}
	}
	if c.DefaultProfile == "" {
		c.DefaultProfile = coverage.ProfileHeavy
	}
	if _, ok := c.Profiles[c.DefaultProfile]; !ok {
		return fmt.Errorf("%w: config: default profile %q unknown", ErrInvalid, c.DefaultProfile)
	}
	sites := map[string]bool{}
	for _, s := range c.LaunchSites {
		if s.Name == "" || sites[s.Name] {
			return fmt.Errorf("%w: config: launch site names must be unique and not empty (%q)", ErrInvalid, s.Name)
		}
		if !validLatLon(s.Lat, s.Lon) {
			return fmt.Errorf("%w: config: launch site %s: bad position %v,%v", ErrInvalid, s.Name, s.Lat, s.Lon)
		}
		sites[s.Name] = true
	}
	for id, d := range c.Drones {
		if id < 1 || id > 254 {
			return fmt.Errorf("%w: config: drone system id %d out of 1..254", ErrInvalid, id)
		}
		if d.Profile != "" {
			if _, ok := c.Profiles[d.Profile]; !ok {
				return fmt.Errorf("%w: config: drone %d: unknown profile %q", ErrInvalid, id, d.Profile)
			}
		}
		if d.Site != "" && !sites[d.Site] {
			return fmt.Errorf("%w: config: drone %d: unknown launch site %q", ErrInvalid, id, d.Site)
		}
	}
	if c.Env == "" {
		c.Env = coverage.EnvSuburban
	}
	if _, err := coverage.EnvironmentByName(c.Env); err != nil {
		return fmt.Errorf("%w: config: %v", ErrInvalid, err)
	}
	if c.Tick <= 0 {
		c.Tick = time.Second
	}
	if c.OpTimeout <= 0 {
		c.OpTimeout = 60 * time.Second
	}
	if c.FenceMarginM <= 0 {
		c.FenceMarginM = 500
	}
	if c.LinkGrace <= 0 {
		c.LinkGrace = 15 * time.Minute
	}
	if c.StartGrace <= 0 {
		c.StartGrace = 15 * time.Second
	}
	if c.RotationMargin <= 0 {
		c.RotationMargin = DefaultRotationMargin
	}
	return nil
}

// Controller is the fleet loop. Its methods are safe for concurrent use: they
// send requests to the loop and wait for its answer.
type Controller struct {
	cfg   Config
	reqs  chan request
	snap  atomic.Pointer[Snapshot]
	subs  subscribers
	done  chan struct{}
	start sync.Once
}

type request struct {
	fn    func(l *loop) error
	reply chan error
}

// New checks the configuration and loads the saved state. Run starts the
// loop.
func New(cfg Config) (*Controller, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	c := &Controller{cfg: cfg, reqs: make(chan request), done: make(chan struct{})}
	c.snap.Store(&Snapshot{Time: cfg.Clock.Now(), LaunchSites: cfg.LaunchSites, Coverage: Coverage{Fraction: map[Network]float64{}}})
	return c, nil
}

// Run runs the loop until ctx ends. Drones keep their last order: nothing is
// sent to an aircraft on the way out.
func (c *Controller) Run(ctx context.Context) error {
	started := false
	c.start.Do(func() { started = true })
	if !started {
		return errors.New("fleet: Run called twice")
	}
	defer close(c.done)
	l, err := newLoop(c)
	if err != nil {
		return err
	}
	return l.run(ctx)
}

// Snapshot is the latest state the loop published.
func (c *Controller) Snapshot() Snapshot { return *c.snap.Load() }

// Subscribe delivers every event from now on until cancel is called. A
// consumer that falls more than 256 events behind misses some; Seq shows the
// gap and Events fills it from the log.
func (c *Controller) Subscribe() (<-chan Event, func()) { return c.subs.add(256) }

// Events reads the event log: up to limit events after since.
func (c *Controller) Events(since uint64, limit int) ([]Event, error) {
	return readEvents(c.cfg.Store, since, limit)
}

// do runs fn in the loop and returns its error.
func (c *Controller) do(ctx context.Context, fn func(l *loop) error) error {
	r := request{fn: fn, reply: make(chan error, 1)}
	select {
	case c.reqs <- r:
	case <-c.done:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-r.reply:
		return err
	case <-c.done:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

// doAndWait runs fn in the loop and then, outside it, waits for what the
// work fn started sends on the channel it returned (nil: nothing to wait
// for, the zero value).
func doAndWait[T any](c *Controller, ctx context.Context, fn func(l *loop) (<-chan T, error)) (T, error) {
	var zero T
	var wait <-chan T
	err := c.do(ctx, func(l *loop) error {
		w, err := fn(l)
		wait = w
		return err
	})
	if err != nil || wait == nil {
		return zero, err
	}
	select {
	case v := <-wait:
		return v, nil
	case <-c.done:
		return zero, ErrClosed
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

// CreateIncident opens an incident over an area. Nothing flies until Deploy.
func (c *Controller) CreateIncident(ctx context.Context, spec IncidentSpec) (Incident, error) {
	var out Incident
	err := c.do(ctx, func(l *loop) error {
		inc, err := l.createIncident(spec)
		out = inc
		return err
	})
	return out, err
}

// UpdateIncident edits the open incident; a deployed fleet re-plans over the
// new area moving as few drones as it can.
func (c *Controller) UpdateIncident(ctx context.Context, spec IncidentSpec) (Incident, error) {
	var out Incident
	err := c.do(ctx, func(l *loop) error {
		inc, err := l.updateIncident(spec)
		out = inc
		return err
	})
	return out, err
}

// CloseIncident closes the open incident and sends every drone home.
func (c *Controller) CloseIncident(ctx context.Context) error {
	return c.do(ctx, func(l *loop) error { return l.closeIncident() })
}

// PreviewPlan plans the open incident with the drones available now,
// without flying. Over terrain the plan is made beside the loop, which
// goes on meanwhile.
func (c *Controller) PreviewPlan(ctx context.Context) (Plan, error) {
	r, err := doAndWait(c, ctx, func(l *loop) (<-chan planReply, error) { return l.preview() })
	if err != nil {
		return Plan{}, err
	}
	return r.plan, r.err
}

// Deploy plans the open incident and flies it; it returns once the plan
// is flown (saved). Over terrain the plan is made beside the loop, which
// goes on meanwhile and sends no drone anywhere for this deployment until
// the plan is made; a caller that stops waiting does not stop it (Recall
// does).
func (c *Controller) Deploy(ctx context.Context) error {
	answer, err := doAndWait(c, ctx, func(l *loop) (<-chan error, error) { return l.deploy() })
	if err != nil {
		return err
	}
	return answer
}

// Recall sends every drone of the incident home; the incident stays open.
func (c *Controller) Recall(ctx context.Context) error {
	return c.do(ctx, func(l *loop) error { return l.recall() })
}

// SetPaused pauses or resumes automation. Paused, the controller sends no
// command of its own; commanders' orders still go out.
func (c *Controller) SetPaused(ctx context.Context, paused bool) error {
	return c.do(ctx, func(l *loop) error { return l.setPaused(paused) })
}

// OrderDrone gives one drone a commander's order; the drone leaves
// automation until released (OrderRelease).
func (c *Controller) OrderDrone(ctx context.Context, id int, o Order) error {
	answer, err := doAndWait(c, ctx, func(l *loop) (<-chan error, error) { return l.order(id, o) })
	if err != nil {
		return err
	}
	return answer
}

// Exclude takes a drone out of automation (true) or gives it back (false).
func (c *Controller) Exclude(ctx context.Context, id int, excluded bool) error {
	return c.do(ctx, func(l *loop) error { return l.exclude(id, excluded) })
}

// PinStation keeps a station where it is through re-plans (true), or frees
// it (false).
func (c *Controller) PinStation(ctx context.Context, station string, pinned bool) error {
	return c.do(ctx, func(l *loop) error { return l.pin(station, pinned) })
}

// subscribers fans events out to consumers without ever blocking the loop.
type subscribers struct {
	mu   sync.Mutex
	next int
	subs map[int]chan Event
}

func (s *subscribers) add(buf int) (<-chan Event, func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.subs == nil {
		s.subs = map[int]chan Event{}
	}
	s.next++
	id := s.next
	ch := make(chan Event, buf)
	s.subs[id] = ch
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			s.mu.Lock()
			delete(s.subs, id)
			s.mu.Unlock()
			close(ch)
		})
	}
}

func (s *subscribers) publish(e Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ch := range s.subs {
		select {
		case ch <- e:
		default: // behind: it sees a gap in Seq and reads the log
		}
	}
}

func readEvents(st *store.Store, since uint64, limit int) ([]Event, error) {
	recs, err := st.Events(since, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Event, 0, len(recs))
	for _, r := range recs {
		var e Event
		if err := decodeJSON(r.Data, &e); err != nil {
			return nil, fmt.Errorf("fleet: event %d: %w", r.Seq, err)
		}
		e.Seq = r.Seq
		out = append(out, e)
	}
	return out, nil
}

func sortedIDs[V any](m map[int]V) []int {
	ids := make([]int, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	return ids
}
