package report

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/paulmach/orb"

	"github.com/aerocell/aerocell/clock"
	"github.com/aerocell/aerocell/report/outbox"
	"github.com/aerocell/aerocell/report/topic"
)

// Conn is the MQTT session the reporter publishes through; *client.Client
// is one.
type Conn interface {
	// Publish sends one message if the session is up now and fails at once
	// otherwise. A nil error does not mean the broker has it.
	Publish(topic string, qos byte, retain bool, payload []byte) error
	// Subscribe routes messages matching filter to h on this and every
	// later connection; h is called one message at a time and must not
	// block.
	Subscribe(filter string, qos byte, h func(topic string, payload []byte)) error
	// Watch registers f to be told each time the session comes up (with
	// its subscriptions in place) or goes down; f must not block.
	Watch(f func(up bool))
}

// Config configures a Reporter.
type Config struct {
	// Incident names the topic tree aerocell/v1/{Incident}/; required.
	Incident string
	// Conn is the MQTT session; required.
	Conn Conn
	// Outbox keeps alerts until they are seen delivered; required. The
	// Reporter does not close it. Use one outbox file per incident: only
	// this incident's alerts come back to confirm their delivery.
	Outbox *outbox.Outbox
	// Clock times the rate limit and resends; (optional) the wall clock.
	Clock clock.Clock
	// Logger; (optional) discarded when nil.
	Logger *slog.Logger
	// Controller names this controller in the status payload; (optional).
	Controller string
	// StateInterval is the least time between two states of one drone;
	// (optional) defaults to 1 second, which is also the least allowed.
	StateInterval time.Duration
	// TeamNetworks are the networks whose loss and return at a team's
	// position raise an alert to that team; (optional) defaults to Private.
	TeamNetworks []Network
	// TeamSettle is how long a team's position must stay out of (or back
	// in) coverage before the team is told, so that a team on the edge of
	// coverage is not alerted at every flicker; (optional) defaults to 0,
	// at once.
	TeamSettle time.Duration
	// ExpectedReturn, if set, says when network is expected back over
	// where (a point or polygon, lon/lat) because a relief is on its way;
	// zero if not known. It is called from the Reporter's goroutine when a
	// team loses coverage, and must be quick and not block.
	ExpectedReturn func(network Network, where orb.Geometry) time.Time
	// OnTeamRequest, if set, is called with the team and payload of every
	// message on a team's requests topic (teams/{team}/requests: a team
	// asking for a task; the broker lets a team write its own only), from
	// the MQTT session's goroutine; it must not block. The receiver checks
	// the payload and answers on the team's alerts (Raise with Team set).
	OnTeamRequest func(team string, payload []byte)
	// OnTeamPosition, if set, is called with every valid team position (a
	// zero Point and Area when a team cleared its position), from the
	// Reporter's goroutine; it must not block.
	OnTeamPosition func(TeamPosition)
	// AreaAlertStep is how far a network's covered fraction must fall (or
	// rise) between two coverage updates for an alert to everyone that
	// coverage was lost (or restored) over part of the area; (optional)
	// defaults to 0.01; negative turns these alerts off.
	AreaAlertStep float64
	// CAPSender, if set, also publishes every general alert (not those to
	// one team) as OASIS CAP 1.2 XML on alerts/cap, with this as CAP's
	// sender, e.g. "aerocell@fire-dept.example"; (optional).
	CAPSender string
	// ResendAfter and Window tune the outbox's sender; see
	// outbox.SenderConfig.
	ResendAfter time.Duration
	Window      int
}

// Stats counts what the Reporter has done since it started.
type Stats struct {
	DroneStates      uint64 // drone state messages published
	CoverageUpdates  uint64 // coverage messages published
	Alerts           uint64 // alerts raised (general and team)
	TeamAlerts       uint64 // of which to one team
	PositionsValid   uint64 // team positions accepted
	PositionsInvalid uint64 // team positions refused
}

// Reporter publishes what the controller knows to field teams over MQTT:
// the controller's status, each drone's state at most once per
// StateInterval, coverage when it changes, alerts through a durable outbox,
// and, from the teams' own positions, an alert to each team when its
// position loses or regains a network.
//
// The controller drives it with plain values: UpdateDrone, UpdateCoverage
// and Raise never block on the network (Raise waits for the outbox's
// fsync). One goroutine owns the Reporter's state.
type Reporter struct {
	cfg    Config
	tree   topic.Tree
	log    *slog.Logger
	clk    clock.Clock
	sender *outbox.Sender

	// inbox: the latest values handed in, taken by the loop on wake.
	mu        sync.Mutex
	drones    map[int]DroneState
	cov       *Coverage
	positions map[string]*TeamPosition // nil value: the team cleared its position
	connUps   []bool                   // connection changes not yet taken, in order
	reliefs   []relief                 // Relief calls not yet taken, in order
	stats     Stats
	teamsSnap []TeamPosition
	closed    bool

	wake      chan struct{}
	terminate chan struct{}
	done      chan struct{}
}

// New starts a Reporter: it subscribes to the team positions and to its own
// alerts (to confirm their delivery) and publishes once the session is up.
func New(cfg Config) (*Reporter, error) {
	tree, err := topic.New(cfg.Incident)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	if cfg.Conn == nil || cfg.Outbox == nil {
		return nil, fmt.Errorf("%w: Conn and Outbox are required", ErrConfig)
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.StateInterval < time.Second {
		cfg.StateInterval = time.Second
	}
	if len(cfg.TeamNetworks) == 0 {
		cfg.TeamNetworks = []Network{Private}
	}
	if cfg.AreaAlertStep == 0 {
		cfg.AreaAlertStep = 0.01
	}
	r := &Reporter{
		cfg:       cfg,
		tree:      tree,
		log:       cfg.Logger,
		clk:       cfg.Clock,
		drones:    map[int]DroneState{},
		positions: map[string]*TeamPosition{},
		wake:      make(chan struct{}, 1),
		terminate: make(chan struct{}),
		done:      make(chan struct{}),
	}
	r.sender = outbox.NewSender(outbox.SenderConfig{
		Outbox:      cfg.Outbox,
		Publish:     func(e outbox.Entry) error { return cfg.Conn.Publish(e.Topic, 1, false, e.Payload) },
		Clock:       cfg.Clock,
		ResendAfter: cfg.ResendAfter,
		Window:      cfg.Window,
		Logger:      cfg.Logger,
	})
	echoes := map[string]func(string, []byte){tree.Alerts(): r.onEcho, tree.AllTeamAlerts(): r.onEcho}
	if cfg.CAPSender != "" {
		echoes[tree.AlertsCAP()] = r.onEchoCAP
	}
	for f, h := range echoes {
		if err := cfg.Conn.Subscribe(f, 1, h); err != nil {
			_ = r.sender.Close(context.Background()) // cannot fail without a deadline; the subscribe error is the one to report
			return nil, fmt.Errorf("report: subscribe %s: %w", f, err)
		}
	}
	if err := cfg.Conn.Subscribe(tree.TeamPositions(), 1, r.onPosition); err != nil {
		_ = r.sender.Close(context.Background()) // cannot fail without a deadline; the subscribe error is the one to report
		return nil, fmt.Errorf("report: subscribe %s: %w", tree.TeamPositions(), err)
	}
	if cfg.OnTeamRequest != nil {
		if err := cfg.Conn.Subscribe(tree.AllTeamRequests(), 1, r.onRequest); err != nil {
			_ = r.sender.Close(context.Background()) // cannot fail without a deadline; the subscribe error is the one to report
			return nil, fmt.Errorf("report: subscribe %s: %w", tree.AllTeamRequests(), err)
		}
	}
	go r.run()
	cfg.Conn.Watch(r.onConn)
	return r, nil
}

// Tree is the topic tree the Reporter publishes under.
func (r *Reporter) Tree() topic.Tree { return r.tree }

// StatusWill is the Last Will to give the MQTT session of the controller of
// the named incident: the retained offline status.
func StatusWill(t topic.Tree) (name string, payload []byte) {
	b, _ := json.Marshal(StatusPayload{Schema: Schema, State: "offline", Reason: "connection lost"})
	return t.Status(), b
}

func (r *Reporter) poke() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// UpdateDrone hands in a drone's latest state. It is published at once if
// the drone's last state went out at least StateInterval ago, else when
// that interval has passed (only the latest state then). Time is set from
// the Clock if zero.
func (r *Reporter) UpdateDrone(s DroneState) {
	if s.Time.IsZero() {
		s.Time = r.clk.Now()
	}
	r.mu.Lock()
	r.drones[s.ID] = s
	r.mu.Unlock()
	r.poke()
}

// UpdateCoverage hands in the latest coverage. It is published if it
// differs from the last one published, and each team's position is checked
// against it. The Reporter keeps c: the caller must not change it after.
func (r *Reporter) UpdateCoverage(c Coverage) {
	if c.Time.IsZero() {
		c.Time = r.clk.Now()
	}
	r.mu.Lock()
	r.cov = &c
	r.mu.Unlock()
	r.poke()
}

// Raise stores an alert in the outbox, on disk, and returns it with its ID,
// Seq and Time set; it is then published, to the team's alerts topic if
// Team is set, else to the general one, and sent again until seen
// delivered. Kind, Severity and Text are required.
func (r *Reporter) Raise(a Alert) (Alert, error) {
	as, err := r.RaiseAll([]Alert{a})
	if err != nil {
		return Alert{}, err
	}
	return as[0], nil
}

// RaiseAll is Raise for several alerts, in order, all or none, with one
// write to disk.
func (r *Reporter) RaiseAll(as []Alert) ([]Alert, error) {
	r.mu.Lock()
	closed := r.closed
	r.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	out := make([]Alert, len(as))
	items := make([]outbox.Item, 0, len(as))
	teams := 0
	for i, a := range as {
		if a.Kind == "" || a.Severity == "" || a.Text == "" {
			return nil, fmt.Errorf("%w: kind, severity and text are required", ErrInvalidAlert)
		}
		name := r.tree.Alerts()
		if a.Team != "" {
			if err := topic.CheckName(a.Team); err != nil {
				return nil, fmt.Errorf("%w: team: %v", ErrInvalidAlert, err)
			}
			name = r.tree.TeamAlerts(a.Team)
			teams++
		}
		a.Schema = Schema
		a.ID = newID()
		if a.Time.IsZero() {
			a.Time = r.clk.Now()
		}
		a.Time = a.Time.UTC()
		out[i] = a
		items = append(items, outbox.Item{ID: a.ID, Topic: name, Created: a.Time, Build: func(seq uint64) ([]byte, error) {
			out[i].Seq = seq
			return json.Marshal(out[i])
		}})
		if r.cfg.CAPSender != "" && a.Team == "" {
			items = append(items, outbox.Item{ID: a.ID + capSuffix, Topic: r.tree.AlertsCAP(), Created: a.Time, Build: func(uint64) ([]byte, error) {
				return out[i].CAP(r.cfg.CAPSender)
			}})
		}
	}
	if _, err := r.cfg.Outbox.AppendAll(items); err != nil {
		return nil, fmt.Errorf("report: raise: %w", err)
	}
	r.mu.Lock()
	r.stats.Alerts += uint64(len(as))
	r.stats.TeamAlerts += uint64(teams)
	r.mu.Unlock()
	r.sender.Kick()
	return out, nil
}

// newID returns a random UUID (version 4).
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails on supported systems
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

// relief is a Relief call waiting for the loop.
type relief struct {
	network Network
	area    orb.MultiPolygon
	eta     time.Time
}

// Relief tells each team that is now without network n, inside area (or
// anywhere if area is nil), that a relief is on its way and the network is
// expected back at eta: the controller calls it when it dispatches a relief
// after the teams were told of the loss.
func (r *Reporter) Relief(n Network, area orb.MultiPolygon, eta time.Time) {
	r.mu.Lock()
	r.reliefs = append(r.reliefs, relief{n, area, eta})
	r.mu.Unlock()
	r.poke()
}

// TeamPositions returns the latest valid position of every team, sorted by
// team.
func (r *Reporter) TeamPositions() []TeamPosition {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.teamsSnap)
}

// Stats returns the counters.
func (r *Reporter) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stats
}

// Pending is how many alerts wait in the outbox for evidence of delivery.
func (r *Reporter) Pending() int { return r.cfg.Outbox.Len() }

// Close publishes the offline status (if the session is up), then stops.
// Alerts not yet confirmed stay in the outbox for the next Reporter. The
// caller then closes the Conn and the Outbox.
func (r *Reporter) Close(ctx context.Context) error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	r.mu.Unlock()
	close(r.terminate)
	select {
	case <-r.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	if err := r.sender.Close(ctx); err != nil {
		return err
	}
	now := r.clk.Now().UTC()
	b, _ := json.Marshal(StatusPayload{Schema: Schema, State: "offline", Time: &now, Controller: r.cfg.Controller, Reason: "shut down"})
	if err := r.cfg.Conn.Publish(r.tree.Status(), 1, true, b); err != nil {
		r.log.Info("offline status not published; the Last Will says it", "error", err)
	}
	return nil
}

// onConn is the Conn's watcher.
func (r *Reporter) onConn(up bool) {
	r.sender.Up(up)
	r.mu.Lock()
	r.connUps = append(r.connUps, up)
	r.mu.Unlock()
	r.poke()
}

// onEcho confirms the delivery of an alert that came back through the
// Reporter's own subscription.
func (r *Reporter) onEcho(_ string, payload []byte) {
	var a struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(payload, &a); err != nil || a.ID == "" {
		return
	}
	r.sender.Confirm(a.ID)
}

// capSuffix marks the outbox entry of an alert's CAP message.
const capSuffix = ":cap"

// onEchoCAP confirms the delivery of an alert's CAP message.
func (r *Reporter) onEchoCAP(_ string, payload []byte) {
	var c struct {
		Identifier string `xml:"identifier"`
	}
	if err := xml.Unmarshal(payload, &c); err != nil || c.Identifier == "" {
		return
	}
	r.sender.Confirm(c.Identifier + capSuffix)
}

// onPosition checks a team's position; a valid one goes to the loop, an
// invalid one is logged and dropped.
func (r *Reporter) onPosition(name string, payload []byte) {
	team, ok := r.tree.PositionTeam(name)
	if !ok {
		r.log.Info("team position ignored: bad topic", "topic", name)
		r.countInvalid()
		return
	}
	if len(payload) == 0 { // the team cleared its retained position
		r.mu.Lock()
		r.positions[team] = nil
		r.mu.Unlock()
		r.poke()
		return
	}
	p, err := ParsePosition(team, payload, r.clk.Now())
	if err != nil {
		r.log.Info("team position ignored", "team", team, "reason", err)
		r.countInvalid()
		return
	}
	r.mu.Lock()
	r.stats.PositionsValid++
	r.positions[team] = &p
	r.mu.Unlock()
	r.poke()
}

func (r *Reporter) countInvalid() {
	r.mu.Lock()
	r.stats.PositionsInvalid++
	r.mu.Unlock()
}

// loop state, owned by run.
type loopState struct {
	up        bool
	drones    map[int]DroneState // latest, published or not
	dirty     map[int]bool       // not yet published
	lastSent  map[int]time.Time
	cov       *Coverage
	covSent   []byte // payload last published
	covDirty  bool
	lastFrac  map[Network]float64 // fractions at the last area alert check
	lastUncov map[Network]orb.MultiPolygon
	teams     *teamWatch
}

func (r *Reporter) run() {
	defer close(r.done)
	st := &loopState{
		drones:   map[int]DroneState{},
		dirty:    map[int]bool{},
		lastSent: map[int]time.Time{},
		teams:    newTeamWatch(r.cfg.TeamNetworks, r.cfg.TeamSettle),
	}
	timer := r.clk.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-r.terminate:
			return
		case <-r.wake:
		case <-timer.C():
		}
		r.take(st)
		next := r.publishDrones(st)
		if due := st.teams.due(); !due.IsZero() && (next.IsZero() || due.Before(next)) {
			next = due
		}
		if !r.publishCoverage(st) {
			retry := r.clk.Now().Add(r.cfg.StateInterval)
			if next.IsZero() || retry.Before(next) {
				next = retry
			}
		}
		timer.Stop()
		if !next.IsZero() {
			d := next.Sub(r.clk.Now())
			if d < time.Millisecond {
				d = time.Millisecond
			}
			timer.Reset(d)
		}
	}
}

// take moves what was handed in into the loop's state and acts on
// connection changes, coverage and positions.
func (r *Reporter) take(st *loopState) {
	r.mu.Lock()
	drones := r.drones
	r.drones = map[int]DroneState{}
	cov := r.cov
	r.cov = nil
	positions := r.positions
	r.positions = map[string]*TeamPosition{}
	connUps := r.connUps
	r.connUps = nil
	reliefs := r.reliefs
	r.reliefs = nil
	r.mu.Unlock()

	for _, up := range connUps {
		if up && !st.up {
			st.up = true
			r.onUp(st)
		}
		st.up = up
	}
	for id, s := range drones {
		st.drones[id] = s
		st.dirty[id] = true
	}
	var changes []teamChange
	for _, team := range slices.Sorted(maps.Keys(positions)) {
		p := positions[team]
		if p == nil {
			st.teams.forget(team)
			if r.cfg.OnTeamPosition != nil {
				r.cfg.OnTeamPosition(TeamPosition{Team: team, Time: r.clk.Now()})
			}
			continue
		}
		changes = append(changes, st.teams.position(*p, r.clk.Now())...)
		if r.cfg.OnTeamPosition != nil {
			r.cfg.OnTeamPosition(*p)
		}
	}
	if len(positions) > 0 {
		snap := st.teams.positions()
		r.mu.Lock()
		r.teamsSnap = snap
		r.mu.Unlock()
	}
	if cov != nil {
		st.cov = cov
		st.covDirty = true
		r.areaAlerts(st, cov)
		changes = append(changes, st.teams.coverage(cov, r.clk.Now())...)
	} else if due := st.teams.due(); !due.IsZero() && !r.clk.Now().Before(due) {
		changes = append(changes, st.teams.recheck(r.clk.Now())...)
	}
	var as []Alert
	for _, c := range changes {
		as = append(as, r.teamAlert(c))
	}
	for _, rl := range reliefs {
		eta := rl.eta.UTC()
		for _, p := range st.teams.without(rl.network, rl.area) {
			as = append(as, Alert{Kind: KindCoverageRelief, Severity: Info, Network: rl.network, Team: p.Team,
				Area: geoJSON(p.Geometry()), ExpectedReturn: &eta,
				Text: fmt.Sprintf("A relief is on its way: the %s network is expected back at %s UTC.", rl.network, eta.Format("15:04"))})
		}
	}
	if len(as) > 0 {
		if _, err := r.RaiseAll(as); err != nil {
			r.log.Error("team alerts not raised", "count", len(as), "error", err)
		}
	}
}

// onUp republishes the status and the latest retained values on a new
// connection: the broker may have lost them, and QoS 0 states sent while
// the session was down were dropped.
func (r *Reporter) onUp(st *loopState) {
	now := r.clk.Now().UTC()
	b, _ := json.Marshal(StatusPayload{Schema: Schema, State: "online", Time: &now, Controller: r.cfg.Controller})
	if err := r.cfg.Conn.Publish(r.tree.Status(), 1, true, b); err != nil {
		r.log.Warn("status not published", "error", err)
	}
	for id := range st.drones {
		st.dirty[id] = true
		delete(st.lastSent, id) // a republish is not a new state: do not hold it back
	}
	if st.cov != nil {
		st.covDirty = true
		st.covSent = nil
	}
}

// publishDrones publishes every dirty drone whose interval has passed and
// returns when the next one falls due (zero if none).
func (r *Reporter) publishDrones(st *loopState) time.Time {
	if !st.up || len(st.dirty) == 0 {
		return time.Time{}
	}
	now := r.clk.Now()
	var next time.Time
	var n uint64
	for id := range st.dirty {
		if last, ok := st.lastSent[id]; ok {
			if due := last.Add(r.cfg.StateInterval); now.Before(due) {
				if next.IsZero() || due.Before(next) {
					next = due
				}
				continue
			}
		}
		s := st.drones[id]
		s.Schema = Schema
		s.Time = s.Time.UTC()
		sanitizeDrone(&s)
		b, err := json.Marshal(s)
		if err != nil {
			r.log.Error("drone state not encodable", "drone", id, "error", err)
			delete(st.dirty, id)
			continue
		}
		if err := r.cfg.Conn.Publish(r.tree.Drone(id), 0, true, b); err != nil {
			// The session is going down (the watcher will say so) or is
			// stalled: try again after an interval.
			r.log.Debug("drone state not published", "drone", id, "error", err)
			return now.Add(r.cfg.StateInterval)
		}
		st.lastSent[id] = now
		delete(st.dirty, id)
		n++
	}
	if n > 0 {
		r.mu.Lock()
		r.stats.DroneStates += n
		r.mu.Unlock()
	}
	return next
}

// publishCoverage publishes the latest coverage if it differs from the last
// one published. It returns false if it must be tried again.
func (r *Reporter) publishCoverage(st *loopState) bool {
	if !st.up || !st.covDirty || st.cov == nil {
		return true
	}
	b := coveragePayload(st.cov)
	if st.covSent != nil && sameCoverage(st.covSent, b) {
		st.covDirty = false
		return true
	}
	if err := r.cfg.Conn.Publish(r.tree.Coverage(), 1, true, b); err != nil {
		r.log.Debug("coverage not published", "error", err)
		return false
	}
	st.covSent = b
	st.covDirty = false
	r.mu.Lock()
	r.stats.CoverageUpdates++
	r.mu.Unlock()
	return true
}

// finite returns v, or 0 if v is NaN or infinite, which JSON cannot carry.
func finite(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}

// sanitizeDrone replaces values JSON cannot carry (telemetry may hold NaN
// for an unknown reading) by 0.
func sanitizeDrone(s *DroneState) {
	for _, v := range []*float64{&s.Lat, &s.Lon, &s.AltMSL, &s.AltRel, &s.BatteryPct, &s.TimeLeftS, &s.Link.LossPct} {
		*v = finite(*v)
	}
}

func coveragePayload(c *Coverage) []byte {
	p := CoveragePayload{Schema: Schema, Time: c.Time.UTC(), Networks: map[Network]NetworkCoverage{}}
	for n, f := range c.Fraction {
		f = math.Min(math.Max(finite(f), 0), 1)
		p.Networks[n] = NetworkCoverage{Fraction: math.Round(f*1e4) / 1e4, Uncovered: geoJSON(orb.MultiPolygon(nil))}
	}
	for n, u := range c.Uncovered {
		nc := p.Networks[n]
		nc.Uncovered = geoJSON(u)
		p.Networks[n] = nc
	}
	b, _ := json.Marshal(p)
	return b
}

// sameCoverage compares two coverage payloads but for their time.
func sameCoverage(a, b []byte) bool {
	var x, y CoveragePayload
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	if len(x.Networks) != len(y.Networks) {
		return false
	}
	for n, xn := range x.Networks {
		yn, ok := y.Networks[n]
		if !ok || xn.Fraction != yn.Fraction || string(xn.Uncovered) != string(yn.Uncovered) {
			return false
		}
	}
	return true
}

// areaAlerts raises an alert to everyone when a network's covered fraction
// falls or rises by AreaAlertStep or more since the last alert.
func (r *Reporter) areaAlerts(st *loopState, c *Coverage) {
	if r.cfg.AreaAlertStep < 0 {
		return
	}
	if st.lastFrac == nil {
		st.lastFrac = maps.Clone(c.Fraction)
		st.lastUncov = maps.Clone(c.Uncovered)
		return
	}
	for _, n := range slices.Sorted(maps.Keys(c.Fraction)) {
		f := c.Fraction[n]
		was, ok := st.lastFrac[n]
		if !ok {
			st.lastFrac[n] = f
			st.lastUncov[n] = c.Uncovered[n]
			continue
		}
		var a Alert
		switch {
		case f <= was-r.cfg.AreaAlertStep:
			a = Alert{Kind: KindCoverageLost, Severity: Warning, Network: n, Area: geoJSON(c.Uncovered[n]),
				Text: fmt.Sprintf("%s network coverage fell from %.0f%% to %.0f%% of the area; the area field shows where it is missing.", n, was*100, f*100)}
		case f >= was+r.cfg.AreaAlertStep:
			a = Alert{Kind: KindCoverageRestored, Severity: Info, Network: n, Area: geoJSON(st.lastUncov[n]),
				Text: fmt.Sprintf("%s network coverage rose from %.0f%% to %.0f%% of the area.", n, was*100, f*100)}
		default:
			continue
		}
		st.lastFrac[n] = f
		st.lastUncov[n] = c.Uncovered[n]
		a.Time = c.Time
		if _, err := r.Raise(a); err != nil {
			r.log.Error("area alert not raised", "network", n, "error", err)
		}
	}
}

// teamAlert is the alert for one team's change.
func (r *Reporter) teamAlert(c teamChange) Alert {
	a := Alert{
		Network: c.network,
		Team:    c.pos.Team,
		Area:    geoJSON(c.pos.Geometry()),
	}
	where := "your position"
	if c.pos.Point == nil {
		where = "your work area"
	}
	if c.lost {
		a.Kind, a.Severity = KindCoverageLost, Warning
		a.Text = fmt.Sprintf("%s has lost the %s network.", capitalize(where), c.network)
		if r.cfg.ExpectedReturn != nil {
			if t := r.cfg.ExpectedReturn(c.network, c.pos.Geometry()); !t.IsZero() {
				t = t.UTC()
				a.ExpectedReturn = &t
				a.Text += fmt.Sprintf(" A relief is on its way: expected back at %s UTC.", t.Format("15:04"))
			}
		}
	} else {
		a.Kind, a.Severity = KindCoverageRestored, Info
		a.Text = fmt.Sprintf("The %s network is back at %s.", c.network, where)
	}
	return a
}

func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
