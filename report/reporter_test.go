package report

import (
	"context"
	"encoding/json"
	"log/slog"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/aerocell/aerocell/clock"
	"github.com/aerocell/aerocell/fleet"
	"github.com/aerocell/aerocell/internal/closetest"
	"github.com/aerocell/aerocell/internal/geojsontest"
	"github.com/aerocell/aerocell/report/outbox"
	"github.com/aerocell/aerocell/report/topic"
)

// fakeConn stands for an MQTT session: it records publishes, and echoes
// each publish to the subscriptions that match it, as a broker would.
type fakeConn struct {
	mu       sync.Mutex
	subs     map[string]func(string, []byte)
	watchers []func(bool)
	up       bool
	pubs     chan pub
}

type pub struct {
	topic   string
	qos     byte
	retain  bool
	payload []byte
}

func newFakeConn() *fakeConn {
	return &fakeConn{subs: map[string]func(string, []byte){}, pubs: make(chan pub, 10000)}
}

func (f *fakeConn) Publish(name string, qos byte, retain bool, payload []byte) error {
	f.mu.Lock()
	if !f.up {
		f.mu.Unlock()
		return errNotUp
	}
	var hs []func(string, []byte)
	for filter, h := range f.subs {
		if topic.Covers(filter, name) {
			hs = append(hs, h)
		}
	}
	f.mu.Unlock()
	f.pubs <- pub{name, qos, retain, payload}
	for _, h := range hs {
		h(name, payload)
	}
	return nil
}

var errNotUp = context.Canceled

func (f *fakeConn) Subscribe(filter string, _ byte, h func(string, []byte)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.subs[filter] = h
	return nil
}

func (f *fakeConn) Watch(w func(bool)) {
	f.mu.Lock()
	f.watchers = append(f.watchers, w)
	f.mu.Unlock()
}

func (f *fakeConn) setUp(up bool) {
	f.mu.Lock()
	f.up = up
	ws := f.watchers
	f.mu.Unlock()
	for _, w := range ws {
		w(up)
	}
}

// deliver hands a message to the subscriptions, as from a team.
func (f *fakeConn) deliver(name string, payload []byte) {
	f.mu.Lock()
	var hs []func(string, []byte)
	for filter, h := range f.subs {
		if topic.Covers(filter, name) {
			hs = append(hs, h)
		}
	}
	f.mu.Unlock()
	for _, h := range hs {
		h(name, payload)
	}
}

// next returns the next publish on a topic with the given suffix, skipping
// others.
func (f *fakeConn) next(t *testing.T, suffix string) pub {
	t.Helper()
	for {
		select {
		case p := <-f.pubs:
			if strings.HasSuffix(p.topic, suffix) {
				return p
			}
		case <-time.After(time.Minute):
			t.Fatalf("nothing published on *%s within a minute", suffix)
		}
	}
}

// none checks that nothing is waiting on a topic with the given suffix.
func (f *fakeConn) none(t *testing.T, suffix string) {
	t.Helper()
	for {
		select {
		case p := <-f.pubs:
			if strings.HasSuffix(p.topic, suffix) {
				t.Fatalf("unexpected publish on %s: %s", p.topic, p.payload)
			}
		default:
			return
		}
	}
}

type fixture struct {
	r    *Reporter
	conn *fakeConn
	clk  *clock.Manual
	ob   *outbox.Outbox
}

func newFixture(t *testing.T, cfg Config) *fixture {
	t.Helper()
	ob, err := outbox.Open(filepath.Join(t.TempDir(), "outbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	closetest.ReleaseAtEnd(t, ob) // after the reporter
	fx := &fixture{conn: newFakeConn(), clk: clock.NewManual(epoch), ob: ob}
	cfg.Incident, cfg.Conn, cfg.Outbox, cfg.Clock = "inc1", fx.conn, ob, fx.clk
	fx.r, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	closetest.AtEnd(t, fx.r)
	fx.conn.setUp(true)
	fx.conn.next(t, "/status")
	return fx
}

// waitFor polls cond; the reporter works on its own goroutine.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestDroneStateAtMostOncePerInterval(t *testing.T) {
	fx := newFixture(t, Config{})
	fx.r.UpdateDrone(DroneState{ID: 7, BatteryPct: 90})
	var s DroneState
	p := fx.conn.next(t, "/drones/7/state")
	if err := json.Unmarshal(p.payload, &s); err != nil || s.BatteryPct != 90 || s.Schema != Schema || !p.retain {
		t.Fatalf("first state %s (retain %v): %v", p.payload, p.retain, err)
	}
	fx.r.UpdateDrone(DroneState{ID: 7, BatteryPct: 80})
	fx.r.UpdateDrone(DroneState{ID: 7, BatteryPct: 70})
	waitFor(t, "the hold-back timer", func() bool { return fx.clk.Waiters() > 0 })
	fx.conn.none(t, "/drones/7/state")
	fx.clk.Advance(time.Second)
	p = fx.conn.next(t, "/drones/7/state")
	if err := json.Unmarshal(p.payload, &s); err != nil || s.BatteryPct != 70 {
		t.Fatalf("held-back state %s, want the latest (70)", p.payload)
	}
	waitFor(t, "two states counted", func() bool { return fx.r.Stats().DroneStates == 2 })

	// Telemetry with an unknown (NaN) reading still goes out.
	fx.r.UpdateDrone(DroneState{ID: 8, BatteryPct: math.NaN(), Lat: math.Inf(1)})
	if err := json.Unmarshal(fx.conn.next(t, "/drones/8/state").payload, &s); err != nil || s.BatteryPct != 0 {
		t.Fatalf("NaN state: %+v %v", s, err)
	}
}

var (
	// hole is a square uncovered for the private network.
	hole = orb.Polygon{{{6.00, 45.00}, {6.01, 45.00}, {6.01, 45.01}, {6.00, 45.01}, {6.00, 45.00}}}
	in   = `{"schema":1,"lat":45.005,"lon":6.005}`
	out  = `{"schema":1,"lat":45.02,"lon":6.02}`
)

func covered(frac float64, uncovered ...orb.Polygon) Coverage {
	return Coverage{
		Fraction:  map[Network]float64{Private: frac, Public: 1},
		Uncovered: map[Network]orb.MultiPolygon{Private: uncovered, Public: nil},
	}
}

func TestCoveragePublishedOnChangeOnly(t *testing.T) {
	fx := newFixture(t, Config{AreaAlertStep: -1})
	fx.r.UpdateCoverage(covered(0.9, hole))
	p := fx.conn.next(t, "/coverage")
	var c CoveragePayload
	if err := json.Unmarshal(p.payload, &c); err != nil || !p.retain || c.Networks[Private].Fraction != 0.9 ||
		!strings.Contains(string(c.Networks[Private].Uncovered), `"MultiPolygon"`) {
		t.Fatalf("coverage %s: %v", p.payload, err)
	}
	// What field teams read is GeoJSON orb/geojson reads back unchanged.
	if g := geojsontest.Geometry(t, c.Networks[Private].Uncovered); !orb.Equal(g, orb.MultiPolygon{hole}) {
		t.Fatalf("private uncovered reads back as %v", g)
	}
	if g := geojsontest.Geometry(t, c.Networks[Public].Uncovered); !orb.Equal(g, orb.MultiPolygon{}) {
		t.Fatalf("public uncovered reads back as %v", g)
	}
	fx.clk.Advance(time.Minute)
	fx.r.UpdateCoverage(covered(0.9, hole)) // same, later
	fx.r.UpdateCoverage(covered(1))         // changed
	p = fx.conn.next(t, "/coverage")
	if err := json.Unmarshal(p.payload, &c); err != nil || c.Networks[Private].Fraction != 1 {
		t.Fatalf("second coverage %s, want the changed one", p.payload)
	}
	waitFor(t, "two coverage updates counted", func() bool { return fx.r.Stats().CoverageUpdates == 2 })
}

func alertOf(t *testing.T, p pub) Alert {
	t.Helper()
	a, err := DecodeAlert(p.payload)
	if err != nil {
		t.Fatalf("alert %s: %v", p.payload, err)
	}
	if p.qos != 1 || p.retain {
		t.Fatalf("alert with qos %d retain %v", p.qos, p.retain)
	}
	return a
}

func TestTeamLosesAndRegainsCoverage(t *testing.T) {
	back := epoch.Add(20 * time.Minute)
	var asked []Network
	var seen []TeamPosition
	var mu sync.Mutex
	fx := newFixture(t, Config{
		AreaAlertStep: -1,
		ExpectedReturn: func(n Network, where orb.Geometry) time.Time {
			mu.Lock()
			asked = append(asked, n)
			mu.Unlock()
			if _, ok := where.(orb.Point); !ok {
				t.Errorf("ExpectedReturn asked about %T", where)
			}
			return back
		},
		OnTeamPosition: func(p TeamPosition) {
			mu.Lock()
			seen = append(seen, p)
			mu.Unlock()
		},
	})
	tree := fx.r.Tree()
	fx.r.UpdateCoverage(covered(0.9, hole))
	fx.conn.next(t, "/coverage")

	// A team out of the hole: no alert. Rubbish from another team changes
	// nothing.
	fx.conn.deliver(tree.TeamPosition("red"), []byte(out))
	fx.conn.deliver(tree.TeamPosition("blue"), []byte(`{"schema":1,"lat":"north"}`))
	fx.conn.deliver(tree.TeamPosition("blue"), []byte(`{"schema":1,"lat":1000,"lon":0}`))
	waitFor(t, "positions handled", func() bool {
		s := fx.r.Stats()
		return s.PositionsValid == 1 && s.PositionsInvalid == 2 && len(fx.r.TeamPositions()) == 1
	})
	if ps := fx.r.TeamPositions(); ps[0].Team != "red" || ps[0].Point == nil || ps[0].Point.Lat() != 45.02 {
		t.Fatalf("TeamPositions = %+v", ps)
	}

	// The team walks into the hole.
	fx.conn.deliver(tree.TeamPosition("red"), []byte(in))
	a := alertOf(t, fx.conn.next(t, "/teams/red/alerts"))
	if a.Kind != KindCoverageLost || a.Network != Private || a.Team != "red" || a.Severity != Warning ||
		a.ExpectedReturn == nil || !a.ExpectedReturn.Equal(back) || !strings.Contains(a.Text, "lost the private network") ||
		!strings.Contains(string(a.Area), `"Point"`) || a.ID == "" {
		t.Fatalf("lost alert %+v", a)
	}

	// A drone moves over it: the hole closes.
	fx.r.UpdateCoverage(covered(1))
	b := alertOf(t, fx.conn.next(t, "/teams/red/alerts"))
	if b.Kind != KindCoverageRestored || b.Network != Private || b.Seq <= a.Seq || b.ID == a.ID || b.ExpectedReturn != nil {
		t.Fatalf("restored alert %+v after %+v", b, a)
	}
	// Nothing more for an unchanged situation; the public network, not
	// watched by default, raised nothing.
	fx.r.UpdateCoverage(covered(1))
	fx.conn.deliver(tree.TeamPosition("red"), []byte(in))
	waitFor(t, "the third position", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(seen) == 3
	})
	waitFor(t, "both alerts confirmed", func() bool { return fx.r.Pending() == 0 })
	fx.conn.none(t, "/alerts")
	mu.Lock()
	defer mu.Unlock()
	if len(asked) != 1 || asked[0] != Private {
		t.Fatalf("asked %v", asked)
	}
}

func TestTeamSettleOnClock(t *testing.T) {
	fx := newFixture(t, Config{AreaAlertStep: -1, TeamSettle: 10 * time.Second})
	fx.r.UpdateCoverage(covered(0.9, hole))
	fx.conn.next(t, "/coverage")
	fx.conn.deliver(fx.r.Tree().TeamPosition("red"), []byte(in))
	waitFor(t, "the position", func() bool { return len(fx.r.TeamPositions()) == 1 })
	start := fx.clk.Now()
	for range 60 {
		select {
		case p := <-fx.conn.pubs:
			if !strings.HasSuffix(p.topic, "/teams/red/alerts") {
				continue
			}
			if held := fx.clk.Since(start); held < 10*time.Second {
				t.Fatalf("alert after %v, before the 10 s settle", held)
			}
			if a := alertOf(t, p); a.Kind != KindCoverageLost {
				t.Fatalf("alert %+v", a)
			}
			return
		case <-time.After(20 * time.Millisecond):
		}
		fx.clk.Advance(time.Second)
	}
	t.Fatal("no alert within a minute of virtual time")
}

func TestReliefAfterLoss(t *testing.T) {
	fx := newFixture(t, Config{AreaAlertStep: -1})
	tree := fx.r.Tree()
	fx.r.UpdateCoverage(covered(0.9, hole))
	fx.conn.deliver(tree.TeamPosition("red"), []byte(in))
	fx.conn.deliver(tree.TeamPosition("blue"), []byte(out))
	if a := alertOf(t, fx.conn.next(t, "/teams/red/alerts")); a.ExpectedReturn != nil {
		t.Fatalf("no hook, yet an expected return: %+v", a)
	}
	waitFor(t, "both teams", func() bool { return len(fx.r.TeamPositions()) == 2 })
	eta := epoch.Add(15 * time.Minute)
	fx.r.Relief(Private, orb.MultiPolygon{hole}, eta)
	a := alertOf(t, fx.conn.next(t, "/alerts"))
	if a.Team != "red" || a.Kind != KindCoverageRelief || a.ExpectedReturn == nil || !a.ExpectedReturn.Equal(eta) || !strings.Contains(a.Text, "00:15 UTC") {
		t.Fatalf("relief alert %+v", a)
	}
	fx.r.Relief(Public, nil, eta) // nobody is without the public network
	waitFor(t, "alerts confirmed", func() bool { return fx.r.Pending() == 0 })
	fx.conn.none(t, "/alerts")
}

// syncBuffer is a log destination safe for the reporter's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestInvalidPositionLoggedWithReason(t *testing.T) {
	var logs syncBuffer
	fx := newFixture(t, Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	fx.conn.deliver(fx.r.Tree().TeamPosition("red"), []byte(`{"schema":1,"lat":95,"lon":0}`))
	waitFor(t, "the refusal counted", func() bool { return fx.r.Stats().PositionsInvalid == 1 })
	if s := logs.String(); !strings.Contains(s, "team position ignored") || !strings.Contains(s, "team=red") || !strings.Contains(s, "lat 95 out of range") {
		t.Fatalf("log: %s", s)
	}
	if len(fx.r.TeamPositions()) != 0 {
		t.Fatal("an invalid position was kept")
	}
}

func TestWorkAreaAndClearedPosition(t *testing.T) {
	fx := newFixture(t, Config{AreaAlertStep: -1, TeamNetworks: []Network{Public, Private}})
	tree := fx.r.Tree()
	fx.r.UpdateCoverage(covered(0.9, hole))
	// A work area that only overlaps the hole's corner, with no vertex of
	// either inside the other.
	area := `{"schema":1,"area":{"type":"Polygon","coordinates":[[[6.005,44.99],[6.006,44.99],[6.006,45.02],[6.005,45.02],[6.005,44.99]]]}}`
	fx.conn.deliver(tree.TeamPosition("green"), []byte(area))
	a := alertOf(t, fx.conn.next(t, "/teams/green/alerts"))
	if a.Kind != KindCoverageLost || a.Network != Private || !strings.Contains(a.Text, "work area") || !strings.Contains(string(a.Area), `"Polygon"`) {
		t.Fatalf("alert %+v", a)
	}
	fx.conn.deliver(tree.TeamPosition("green"), nil) // cleared
	waitFor(t, "the team forgotten", func() bool { return len(fx.r.TeamPositions()) == 0 })
}

func TestAreaAlerts(t *testing.T) {
	fx := newFixture(t, Config{})
	// Coverage handed in faster than the reporter takes it is coalesced:
	// wait for each to be published.
	fx.r.UpdateCoverage(covered(0.95))
	fx.conn.next(t, "/coverage")
	fx.r.UpdateCoverage(covered(0.80, hole))
	a := alertOf(t, fx.conn.next(t, "/inc1/alerts"))
	if a.Kind != KindCoverageLost || a.Network != Private || a.Team != "" || !strings.Contains(string(a.Area), "6.01") {
		t.Fatalf("area alert %+v", a)
	}
	fx.r.UpdateCoverage(covered(0.805, hole)) // less than a step
	fx.conn.next(t, "/coverage")
	fx.r.UpdateCoverage(covered(0.99))
	b := alertOf(t, fx.conn.next(t, "/inc1/alerts"))
	if b.Kind != KindCoverageRestored || b.Seq <= a.Seq {
		t.Fatalf("restored alert %+v", b)
	}
}

func TestCAPPublishedAndConfirmed(t *testing.T) {
	fx := newFixture(t, Config{CAPSender: "aerocell@example.org"})
	a, err := fx.r.Raise(Alert{Kind: string(fleet.EventDroneLost), Severity: Critical, Text: "Drone 3 lost.", Drone: 3})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fx.r.Raise(Alert{Kind: KindCoverageLost, Severity: Warning, Text: "t", Team: "red"}); err != nil {
		t.Fatal(err)
	}
	p := fx.conn.next(t, "/alerts/cap")
	if !strings.Contains(string(p.payload), "<identifier>"+a.ID+"</identifier>") || p.qos != 1 {
		t.Fatalf("CAP %s", p.payload)
	}
	waitFor(t, "everything confirmed", func() bool { return fx.r.Pending() == 0 })
	fx.conn.none(t, "/alerts/cap") // none for the team's alert
}

func TestRaiseAndStatus(t *testing.T) {
	fx := newFixture(t, Config{Controller: "ctl-1"})
	if _, err := fx.r.Raise(Alert{Kind: string(fleet.EventDroneLost)}); err == nil {
		t.Fatal("alert without text raised")
	}
	if _, err := fx.r.Raise(Alert{Kind: string(fleet.EventDroneLost), Severity: Critical, Text: "x", Team: "a/b"}); err == nil {
		t.Fatal("alert to a bad team name raised")
	}
	a, err := fx.r.Raise(Alert{Kind: string(fleet.EventDroneLost), Severity: Critical, Text: "Drone 3 lost.", Drone: 3})
	if err != nil {
		t.Fatal(err)
	}
	got := alertOf(t, fx.conn.next(t, "/inc1/alerts"))
	if got.ID != a.ID || got.Drone != 3 || got.Time.IsZero() {
		t.Fatalf("published %+v, raised %+v", got, a)
	}
	fx.conn.setUp(false)
	fx.conn.setUp(true)
	var st StatusPayload
	if err := json.Unmarshal(fx.conn.next(t, "/status").payload, &st); err != nil || st.State != "online" || st.Controller != "ctl-1" {
		t.Fatalf("status %+v: %v", st, err)
	}
	if err := fx.r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(fx.conn.next(t, "/status").payload, &st); err != nil || st.State != "offline" {
		t.Fatalf("status at close %+v: %v", st, err)
	}
	if _, err := fx.r.Raise(Alert{Kind: string(fleet.EventDroneLost), Severity: Critical, Text: "x"}); err == nil {
		t.Fatal("raised after Close")
	}
	name, will := StatusWill(fx.r.Tree())

	if err := json.Unmarshal(will, &st); err != nil || st.State != "offline" || name != "aerocell/v1/inc1/status" {
		t.Fatalf("will %s %s", name, will)
	}
}

// TestGeoJSONRoundsAndReadsBack: the geometries report writes (coverage
// gaps, alert areas, a team's position) are GeoJSON that orb/geojson
// reads back unchanged, rounded to 1e-7 degree, a coordinate that is not
// finite written as 0 and no ring as null.
func TestGeoJSONRoundsAndReadsBack(t *testing.T) {
	for _, c := range []struct {
		in, want orb.Geometry
	}{
		{orb.Point{6.123456789, 45.000000049}, orb.Point{6.1234568, 45}},
		{orb.Point{math.NaN(), math.Inf(1)}, orb.Point{0, 0}},
		{hole, hole},
		{orb.Polygon{nil}, orb.Polygon{{}}},
		{orb.MultiPolygon{hole, hole}, orb.MultiPolygon{hole, hole}},
		{orb.MultiPolygon(nil), orb.MultiPolygon{}},
	} {
		b := geoJSON(c.in)
		if g := geojsontest.Geometry(t, b); !orb.Equal(g, c.want) {
			t.Errorf("%v: %s reads back as %v, want %v", c.in, b, g, c.want)
		}
	}
	if b := geoJSON(orb.LineString{{0, 0}, {1, 1}}); b != nil {
		t.Errorf("a line: %s", b)
	}
}
