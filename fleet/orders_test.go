package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/aerocell/aerocell/clock"
	"github.com/aerocell/aerocell/mavlink"
	"github.com/aerocell/aerocell/store"
)

// fakeRig is a controller over the fake radio on a manual clock: fast and
// exact tests of the commander's controls.
type fakeRig struct {
	t     *testing.T
	ctl   *Controller
	radio *fakeMAVLink
	clk   *clock.Manual
}

func newFakeRig(t *testing.T, n int, cfg Config) *fakeRig {
	t.Helper()
	radio := newFakeRadio(n, base.Lat, base.Lon, 2)
	clk := clock.NewManual(epoch)
	st, err := store.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.MAVLink, cfg.Store, cfg.Clock = radio, st, clk
	if cfg.Drones == nil {
		cfg.Drones = fleetOf(n)
	}
	ctl, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ctl.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; st.Close() })
	r := &fakeRig{t: t, ctl: ctl, radio: radio, clk: clk}
	for clk.Waiters() == 0 {
		time.Sleep(time.Millisecond)
	}
	r.tick(3)
	return r
}

// tick advances the clock n seconds, one at a time, letting the loop act.
func (r *fakeRig) tick(n int) {
	for i := 0; i < n; i++ {
		r.clk.Advance(time.Second)
		time.Sleep(3 * time.Millisecond)
	}
}

func (r *fakeRig) until(what string, cond func(Snapshot) bool) Snapshot {
	r.t.Helper()
	for i := 0; i < 3000; i++ {
		if s := r.ctl.Snapshot(); cond(s) {
			return s
		}
		r.tick(1)
	}
	r.t.Fatalf("%s: never", what)
	return Snapshot{}
}

func (r *fakeRig) deploy(km float64) Snapshot {
	r.t.Helper()
	ctx := context.Background()
	if _, err := r.ctl.CreateIncident(ctx, IncidentSpec{Name: "orders", Area: square(base.Lat, base.Lon, km)}); err != nil {
		r.t.Fatal(err)
	}
	if err := r.ctl.Deploy(ctx); err != nil {
		r.t.Fatal(err)
	}
	return r.until("holding", func(s Snapshot) bool { return s.Incident.State == IncidentHolding })
}

func TestBadRequestsChangeNothing(t *testing.T) {
	r := newFakeRig(t, 3, Config{})
	ctx := context.Background()
	for name, spec := range map[string]IncidentSpec{
		"no name":      {Area: square(base.Lat, base.Lon, 5)},
		"no area":      {Name: "x"},
		"not geojson":  {Name: "x", Area: json.RawMessage(`{"type":"Point","coordinates":[1,2]}`)},
		"bad network":  {Name: "x", Area: square(base.Lat, base.Lon, 5), Networks: []Network{7}},
		"bad target":   {Name: "x", Area: square(base.Lat, base.Lon, 5), TargetCoverage: 1.5},
		"bad no-fly":   {Name: "x", Area: square(base.Lat, base.Lon, 5), NoFly: json.RawMessage(`[1,2`)},
		"out of range": {Name: "x", Area: json.RawMessage(`{"type":"Polygon","coordinates":[[[0,0],[200,0],[200,1],[0,0]]]}`)},
	} {
		if _, err := r.ctl.CreateIncident(ctx, spec); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	if s := r.ctl.Snapshot(); s.Incident != nil {
		t.Fatalf("a refused incident was opened: %+v", s.Incident)
	}
	for _, err := range []error{r.ctl.Deploy(ctx), r.ctl.Recall(ctx), r.ctl.CloseIncident(ctx)} {
		if !errors.Is(err, ErrNoIncident) {
			t.Errorf("without an incident: %v", err)
		}
	}
	if err := r.ctl.OrderDrone(ctx, 99, Order{Kind: OrderRTL}); !errors.Is(err, ErrUnknownDrone) {
		t.Errorf("unknown drone: %v", err)
	}
	if err := r.ctl.OrderDrone(ctx, 1, Order{Kind: "loop"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown order: %v", err)
	}
	if err := r.ctl.PinStation(ctx, "S9", true); !errors.Is(err, ErrUnknownStation) {
		t.Errorf("unknown station: %v", err)
	}
	if _, err := r.ctl.CreateIncident(ctx, IncidentSpec{Name: "ok", Area: square(base.Lat, base.Lon, 5)}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ctl.CreateIncident(ctx, IncidentSpec{Name: "again", Area: square(base.Lat, base.Lon, 5)}); !errors.Is(err, ErrIncidentOpen) {
		t.Errorf("second incident: %v", err)
	}
}

func TestOrdersCheckLimitsBeforeSending(t *testing.T) {
	r := newFakeRig(t, 3, Config{})
	s := r.deploy(5)
	var flying int
	for _, d := range s.Drones {
		if d.State == DroneOnStation {
			flying = d.ID
		}
	}
	ctx := context.Background()
	sent := make(chan mavlink.VehicleID, 16)
	r.radio.watch(sent)
	for name, o := range map[string]Order{
		"above the ceiling": {Kind: OrderGoto, Lat: base.Lat, Lon: base.Lon, AltM: 900},
		"outside the fence": {Kind: OrderGoto, Lat: base.Lat + 0.5, Lon: base.Lon, AltM: 100},
		"below ground":      {Kind: OrderGoto, Lat: base.Lat, Lon: base.Lon, AltM: -5},
		"not a position":    {Kind: OrderGoto, Lat: 95, Lon: base.Lon, AltM: 100},
	} {
		err := r.ctl.OrderDrone(ctx, flying, o)
		if !errors.Is(err, ErrLimit) && !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	select {
	case id := <-sent:
		t.Fatalf("a refused order reached drone %v", id)
	default:
	}
	if got := r.ctl.Snapshot(); got.Drones[flying-1].State != DroneOnStation {
		t.Fatalf("a refused order changed drone %d to %s", flying, got.Drones[flying-1].State)
	}
	// A good order goes out, takes the drone out of automation, and a spare
	// takes its station.
	if err := r.ctl.OrderDrone(ctx, flying, Order{Kind: OrderGoto, Lat: base.Lat + 0.005, Lon: base.Lon, AltM: 120}); err != nil {
		t.Fatal(err)
	}
	r.until("spare on the station", func(s Snapshot) bool {
		for _, st := range s.Plan.Stations {
			if st.Drone == flying {
				return false
			}
		}
		return s.Drones[flying-1].State == DroneManual && s.Incident.State == IncidentHolding
	})
}

func TestPauseSendsNothingAndExcludeHandsOver(t *testing.T) {
	r := newFakeRig(t, 3, Config{})
	s := r.deploy(5)
	holder := s.Plan.Stations[0].Drone
	ctx := context.Background()
	if err := r.ctl.SetPaused(ctx, true); err != nil {
		t.Fatal(err)
	}
	sent := make(chan mavlink.VehicleID, 64)
	r.radio.watch(sent)
	// Paused, a lost holder is not replaced: nothing is sent.
	victim := mavlink.VehicleID{SysID: uint8(holder), CompID: 1}
	r.radio.set(victim, func(t *mavlink.Telemetry) { t.Lost = true })
	r.tick(30)
	select {
	case id := <-sent:
		t.Fatalf("paused, yet drone %v was sent a command", id)
	default:
	}
	// Resumed, the spare goes.
	if err := r.ctl.SetPaused(ctx, false); err != nil {
		t.Fatal(err)
	}
	r.until("station refilled", func(s Snapshot) bool {
		st := s.Plan.Stations[0]
		return st.Drone != 0 && st.Drone != holder && s.Incident.State == IncidentHolding
	})
	r.radio.set(victim, func(t *mavlink.Telemetry) { t.Lost = false })

	// Excluding a holder hands its station to another drone; the event log
	// says why.
	s = r.ctl.Snapshot()
	ex := s.Plan.Stations[0].Drone
	if err := r.ctl.Exclude(ctx, ex, true); err != nil {
		t.Fatal(err)
	}
	r.until("excluded drone replaced", func(s Snapshot) bool {
		return s.Plan.Stations[0].Drone != ex && s.Drones[ex-1].State == DroneExcluded
	})
	evs, err := r.ctl.Events(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var why bool
	for _, e := range evs {
		if e.Kind == EventStationReleased && e.Drone == ex && e.Reason == "excluded by a commander" {
			why = true
		}
	}
	if !why {
		t.Fatalf("no event saying why drone %d left its station", ex)
	}
	id := r.ctl.Snapshot().Plan.Stations[0].ID
	if err := r.ctl.PinStation(ctx, id, true); err != nil {
		t.Fatal(err)
	}
	if !r.ctl.Snapshot().Plan.Stations[0].Pinned {
		t.Fatal("station not pinned")
	}
}

// A plan shrunk after a loss (no spare) grows back when the lost drone
// returns: two fixed-wing relays, which keep no rotation spare.
func TestLostDroneReintegrated(t *testing.T) {
	r := newFakeRig(t, 2, Config{})
	for i := 1; i <= 2; i++ {
		r.radio.set(mavlink.VehicleID{SysID: uint8(i), CompID: 1}, func(t *mavlink.Telemetry) { t.Profile = 2 })
	}
	r.tick(2)
	s := r.deploy(25)
	if len(s.Plan.Stations) != 2 {
		t.Fatalf("plan has %d stations for 2 fixed wings over 25 km, want 2", len(s.Plan.Stations))
	}
	holder := s.Plan.Stations[0].Drone
	victim := mavlink.VehicleID{SysID: uint8(holder), CompID: 1}
	r.radio.set(victim, func(t *mavlink.Telemetry) { t.Lost = true })
	r.radio.events <- &mavlink.EventLost{Vehicle: victim}
	r.until("shrunk to the one drone left", func(s Snapshot) bool {
		return len(s.Plan.Stations) == 1 && s.Incident.State == IncidentHolding
	})
	// The lost drone landed where it was; it comes back with a fresh battery.
	r.radio.set(victim, func(t *mavlink.Telemetry) {
		t.Lost, t.Armed, t.AltRel, t.LandedState, t.BatteryPct = false, false, 0, 1, 100
		t.PublicCell, t.PrivateCell = mavlink.CellOff, mavlink.CellOff
	})
	r.radio.events <- &mavlink.EventRegained{Vehicle: victim}
	s = r.until("back on a station", func(s Snapshot) bool {
		return len(s.Plan.Stations) == 2 && s.Drones[holder-1].State == DroneOnStation
	})
	evs, _ := r.ctl.Events(0, 0)
	var grown bool
	for _, e := range evs {
		grown = grown || (e.Kind == EventPlanGrown && e.Drone == holder)
	}
	if !grown {
		t.Fatal("no plan.grown event for the returning drone")
	}
}

// The geofence takes in the launch sites: a site 3 km outside the area is
// inside the fence the drones get and the limits the controller checks, so
// a drone may fly there (and a post near it is allowed); the same distance
// away from both area and site is refused. Before, targets were checked
// against the area and its margin alone, and a station near such a site was
// planned, refused, dropped and grown again every pass.
func TestFenceTakesInLaunchSites(t *testing.T) {
	site := LaunchSite{Name: "east", Lat: base.Lat, Lon: base.Lon + 4/(111.32*cosDeg(base.Lat)), Capacity: 4}
	r := newFakeRig(t, 3, Config{LaunchSites: []LaunchSite{site}})
	s := r.deploy(2)
	var flying int
	for _, d := range s.Drones {
		if d.State == DroneOnStation {
			flying = d.ID
		}
	}
	if flying == 0 {
		t.Fatal("no drone on station")
	}
	ctx := context.Background()
	far := Order{Kind: OrderGoto, Lat: site.Lat + 3/111.32, Lon: site.Lon, AltM: 100}
	if err := r.ctl.OrderDrone(ctx, flying, far); !errors.Is(err, ErrLimit) {
		t.Fatalf("3 km beyond the site: %v, want a limit", err)
	}
	if err := r.ctl.OrderDrone(ctx, flying, Order{Kind: OrderGoto, Lat: site.Lat, Lon: site.Lon - 0.001, AltM: 100}); err != nil {
		t.Fatalf("beside the launch site: %v", err)
	}
}
