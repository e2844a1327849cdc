package daemon

import (
	"context"
	"encoding/json"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/aerocell/aerocell/api"
	"github.com/aerocell/aerocell/clock"
	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/fleet"
	"github.com/aerocell/aerocell/mavlink"
	"github.com/aerocell/aerocell/report"
	"github.com/aerocell/aerocell/report/outbox"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/geojson"
)

// bridge carries the controller's snapshots and events to the MQTT reporter
// and the metrics. It only reads the controller: nothing here changes fleet
// state.
type bridge struct {
	ctl   *fleet.Controller
	conn  report.Conn // nil: MQTT off
	clk   clock.Clock
	log   *slog.Logger
	met   *metrics
	link  *mavlink.Station
	topic string

	rep *report.Reporter

	mu   sync.Mutex
	etas map[string]eta // station -> drone on its way
	last fleet.Snapshot

	// requests are field teams' requests waiting for the run loop.
	requests chan teamRequest
}

type eta struct {
	at     time.Time
	lat    float64
	lon    float64
	radius map[fleet.Network]float64
}

func newBridge(ctl *fleet.Controller, conn report.Conn, clk clock.Clock, log *slog.Logger, met *metrics, link *mavlink.Station, topicName string) *bridge {
	return &bridge{ctl: ctl, conn: conn, clk: clk, log: log, met: met, link: link, topic: topicName, etas: map[string]eta{},
		requests: make(chan teamRequest, 64)}
}

// open starts the reporter on the outbox ob, which the caller closes after
// the bridge; without MQTT there is none.
func (b *bridge) open(ob *outbox.Outbox) error {
	if b.conn == nil {
		return nil
	}
	rep, err := report.New(report.Config{
		Incident: b.topic, Conn: b.conn, Outbox: ob, Clock: b.clk, Logger: b.log,
		Controller: "aerocell", ExpectedReturn: b.expectedReturn, OnTeamRequest: b.onTeamRequest,
	})
	if err != nil {
		return err
	}
	b.rep = rep
	return nil
}

func (b *bridge) run(ctx context.Context) {
	events, cancel := b.ctl.Subscribe()
	defer cancel()
	tick := b.clk.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-events:
			if !ok {
				return
			}
			b.event(e)
		case <-tick.C():
			b.snapshot()
		case q := <-b.requests:
			b.teamRequest(ctx, q)
		}
	}
}

func (b *bridge) close() error {
	if b.rep == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return b.rep.Close(ctx)
}

// snapshot publishes drones and coverage, and updates the metrics.
func (b *bridge) snapshot() {
	s := b.ctl.Snapshot()
	b.mu.Lock()
	b.last = s
	b.mu.Unlock()
	if b.met != nil {
		b.met.observe(s, b.link.Stats())
	}
	if b.rep == nil {
		return
	}
	for _, d := range s.Drones {
		ds := report.DroneState{
			Time: s.Time, ID: d.ID, Lat: d.Lat, Lon: d.Lon, AltMSL: d.AltMSL, AltRel: d.AltRel,
			BatteryPct: d.BatteryPct, TimeLeftS: d.TimeLeftS, Mode: d.Mode, State: string(d.State), Station: d.Station, ReliefFor: d.ReliefFor,
			Link:    report.Link{Up: d.Link.Up, LossPct: d.Link.LossPct},
			Payload: map[report.Network]report.PayloadState{},
		}
		for n, p := range d.Payload {
			ds.Payload[report.Network(n)] = report.PayloadState{State: p.State, Users: p.Users}
		}
		b.rep.UpdateDrone(ds)
	}
	if s.Incident == nil || s.Plan == nil {
		return
	}
	c := report.Coverage{Time: s.Coverage.Time, Fraction: map[report.Network]float64{}, Uncovered: map[report.Network]orb.MultiPolygon{}}
	for _, n := range s.Incident.Networks {
		c.Fraction[report.Network(n)] = s.Coverage.Fraction[n]
		if u, ok := s.Coverage.Uncovered[n]; ok {
			c.Uncovered[report.Network(n)] = u
		}
	}
	b.rep.UpdateCoverage(c)
}

// teamAlert says whether field teams are told of a controller event, by
// its severity and the family of its kind (the part before the dot) rather
// than a list of kinds, so that a new way of failing reaches the teams
// without anyone having to remember to list it:
//   - every critical event (a drone lost, down, failing, failed, a failed
//     payload or re-plan);
//   - warnings about the hold on the area: the battery, the incident and
//     the plan families (a drone at reserve, a recall, stations dropped);
//   - a rotation beginning: a relief is on its way.
//
// The rest is the commander's: commands refused or failed, automation
// notices, autopilot text, routine news. Coverage changes are not taken
// from here: the reporter raises its own, with the uncovered area.
func teamAlert(e fleet.Event) bool {
	switch e.Severity {
	case fleet.Critical:
		return true
	case fleet.Warning:
		switch e.Kind.Family() {
		case fleet.FamilyBattery, fleet.FamilyIncident, fleet.FamilyPlan:
			return true
		}
		return false
	}
	return e.Kind == fleet.EventRotationBegun
}

func (b *bridge) event(e fleet.Event) {
	if e.ETA != nil && e.Station != "" {
		b.relief(e)
	}
	if e.Team != "" && e.Kind.Family() == fleet.FamilyTask {
		b.taskAlert(e)
	}
	if b.rep == nil || !teamAlert(e) {
		return
	}
	a := report.Alert{Time: e.Time, Kind: string(e.Kind), Severity: report.Severity(e.Severity), Text: e.Text,
		Drone: e.Drone, Network: report.Network(e.Network)}
	if d, ok := b.drone(e.Drone); ok && e.Drone != 0 {
		a.Area, _ = json.Marshal(geojson.NewGeometry(orb.Point{d.Lon, d.Lat}))
	}
	if _, err := b.rep.Raise(a); err != nil {
		b.log.Error("alert not raised", "kind", e.Kind, "err", err)
	}
}

func (b *bridge) drone(id int) (fleet.Drone, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, d := range b.last.Drones {
		if d.ID == id {
			return d, true
		}
	}
	return fleet.Drone{}, false
}

// relief notes a drone on its way to a station and tells the teams left
// without a network there when it is expected.
func (b *bridge) relief(e fleet.Event) {
	s := b.ctl.Snapshot()
	if s.Plan == nil {
		return
	}
	for _, st := range s.Plan.Stations {
		if st.ID != e.Station {
			continue
		}
		b.mu.Lock()
		b.etas[st.ID] = eta{at: *e.ETA, lat: st.Lat, lon: st.Lon, radius: st.RadiusM}
		b.mu.Unlock()
		if b.rep == nil {
			return
		}
		for _, n := range st.Networks {
			area := orb.MultiPolygon{circle(st.Lat, st.Lon, st.RadiusM[n])}
			b.rep.Relief(report.Network(n), area, *e.ETA)
		}
	}
}

// expectedReturn is the reporter's hook: when network n is expected back
// over where, from the drones on their way to stations whose cell covers it.
func (b *bridge) expectedReturn(n report.Network, where orb.Geometry) time.Time {
	c := where.Bound().Center()
	now := b.clk.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	var best time.Time
	for id, e := range b.etas {
		if e.at.Before(now) {
			delete(b.etas, id)
			continue
		}
		if geo.Distance(c, orb.Point{e.lon, e.lat}) <= e.radius[fleet.Network(n)] && (best.IsZero() || e.at.Before(best)) {
			best = e.at
		}
	}
	return best
}

// Teams gives the console the field teams' last positions.
func (b *bridge) Teams() []api.Team {
	if b.rep == nil {
		return nil
	}
	var out []api.Team
	for _, p := range b.rep.TeamPositions() {
		t := api.Team{ID: p.Team, AccuracyM: p.AccuracyM, Updated: p.Time}
		if p.Point != nil {
			t.Lon, t.Lat = p.Point[0], p.Point[1]
		}
		t.Area = api.NewPolygon(p.Area)
		out = append(out, t)
	}
	return out
}

// circle is a 48-gon of radius m metres around lat, lon.
func circle(lat, lon, m float64) orb.Polygon {
	const n = 48
	ring := make(orb.Ring, 0, n+1)
	for i := 0; i <= n; i++ {
		s, c := math.Sincos(2 * math.Pi * float64(i%n) / n)
		plat, plon := coverage.Offset(lat, lon, m*c, m*s)
		ring = append(ring, orb.Point{plon, plat})
	}
	return orb.Polygon{ring}
}

var _ api.Teams = (*bridge)(nil)
