package fleet

import (
	"context"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aerocell/aerocell/dem"
	"github.com/aerocell/aerocell/mavlink"
	"github.com/aerocell/aerocell/sim"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// Over the White Mountains tile: a heavy stands on the floor of the Saco
// valley (about 285 m); its station is 3.4 km east, on the floor beyond a
// ridge of about 600 m (the ridge between the Saco and Bartlett).
var (
	sacoFloor = sim.LatLonAlt{Lat: 44.10, Lon: -71.3525}
	beyond    = sim.LatLonAlt{Lat: 44.10, Lon: -71.31}
)

func openDEM(t testing.TB) *dem.Dir {
	t.Helper()
	d, err := dem.Open("../dem/testdata", dem.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// lowest watches the simulated drone and keeps its lowest height above
// the DEM while it flies away from home and station.
type lowest struct {
	mu          sync.Mutex
	agl, maxMSL float64
}

func watchLowest(t *testing.T, r *rig, d *dem.Dir, id uint8, home, dest sim.LatLonAlt) *lowest {
	w := &lowest{agl: math.Inf(1)}
	stop := make(chan struct{})
	done := make(chan struct{})
	t.Cleanup(func() { close(stop); <-done })
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
			s := r.fleet.Drone(id).State()
			if !s.Armed || distanceM(s.Lat, s.Lon, home.Lat, home.Lon) < 300 || distanceM(s.Lat, s.Lon, dest.Lat, dest.Lon) < 300 {
				continue
			}
			g, err := d.ElevationM(s.Lon, s.Lat)
			if err != nil {
				continue
			}
			w.mu.Lock()
			w.agl = math.Min(w.agl, s.AltMSL-g)
			w.maxMSL = math.Max(w.maxMSL, s.AltMSL)
			w.mu.Unlock()
		}
	}()
	return w
}

func (w *lowest) get() (float64, float64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.agl, w.maxMSL
}

func terrainRig(t *testing.T, d *dem.Dir, cfg Config) *rig {
	r := newRig(t, rigOptions{speed: 40, drones: []sim.DroneConfig{heavyAt(1, sacoFloor)}, cfg: cfg,
		simCfg: func(c *sim.Config) { c.Terrain = d }})
	r.waitFor("the drone heard, located", 30*time.Second, func(s Snapshot) bool { return s.Located() == 1 })
	if _, err := r.ctl.CreateIncident(context.Background(), IncidentSpec{Name: "saco", Area: square(beyond.Lat, beyond.Lon, 0.4)}); err != nil {
		t.Fatal(err)
	}
	if err := r.ctl.Deploy(context.Background()); err != nil {
		t.Fatal(err)
	}
	return r
}

// Over terrain the controller flies the heavy over the ridge with its
// clearance (a climb first, then the station's height above the ground
// under it) and holds the station; a commander's order back across the
// ridge too low is refused, naming the ridge and the clearance.
func TestTerrainTransitClearsRidge(t *testing.T) {
	d := openDEM(t)
	r := terrainRig(t, d, Config{Terrain: d, FenceMarginM: 5000})
	w := watchLowest(t, r, d, 1, sacoFloor, beyond)
	s := r.waitFor("incident holding", 30*time.Minute, func(s Snapshot) bool {
		return s.Incident != nil && s.Incident.State == IncidentHolding
	})
	st := s.Plan.Stations[0]
	agl, top := w.get()
	sd := r.fleet.Drone(1).State()
	ground, _ := d.ElevationM(sd.Lon, sd.Lat)
	t.Logf("station %s at %.0f m above the ground; lowest over the route %.1f m above it, highest %.0f m AMSL; on station %.0f m above the ground",
		st.ID, st.AltM, agl, top, sd.AltMSL-ground)
	clear := r.ctl.cfg.Profiles[sim.ProfileHeavy].Air.TerrainClearanceM
	if agl < clear-3 || top < 590+clear {
		t.Fatalf("crossed the ridge %.1f m above the ground, up to %.0f m AMSL: clearance %.0f m", agl, top, clear)
	}
	if math.Abs(sd.AltMSL-ground-st.AltM) > 10 {
		t.Fatalf("holding %.0f m above the ground, station at %.0f m", sd.AltMSL-ground, st.AltM)
	}
	// the station is low enough that the ridge needed the climb
	if st.AltM+ground > 596+clear {
		t.Logf("note: the station's own altitude cleared the ridge")
	}
	err := r.ctl.OrderDrone(context.Background(), 1, Order{Kind: OrderGoto, Lat: sacoFloor.Lat, Lon: sacoFloor.Lon + 0.001, AltM: 60})
	if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "ridge") || !strings.Contains(err.Error(), "clearance of 30 m") {
		t.Fatalf("an order across the ridge at 60 m: %v", err)
	}
	t.Logf("refused: %v", err)
	if got := r.ctl.Snapshot().Drones[0]; got.State != DroneOnStation {
		t.Fatalf("a refused order changed the drone to %s", got.State)
	}
}

// Without terrain the controller flies the same heavy straight at its
// station's height above home, into the ridge: the simulated autopilot's
// crash check disarms it, and the controller fails it (drone.crashed) and
// releases its station.
func TestCrashNoticed(t *testing.T) {
	d := openDEM(t)
	r := terrainRig(t, d, Config{})
	s := r.waitFor("the crash noticed", 30*time.Minute, func(s Snapshot) bool {
		return len(s.Drones) == 1 && s.Drones[0].State == DroneFailed
	})
	e := hasEvent(t, r, EventDroneCrashed, 1)
	if e.Severity != Critical || !strings.Contains(e.Reason, "crashed") {
		t.Fatalf("event %+v", e)
	}
	hasEvent(t, r, EventStationReleased, 1)
	for _, st := range s.Plan.Stations {
		if st.Drone == 1 {
			t.Fatalf("station %s still held by the crashed drone", st.ID)
		}
	}
	if sd := r.fleet.Drone(1).State(); sd.Armed || sd.Failsafe != "crash" {
		t.Fatalf("the simulated drone: armed %v, failsafe %q", sd.Armed, sd.Failsafe)
	}
}

// wall is flat ground at 100 m with a ridge of height m between two
// longitudes.
type wall struct{ lonW, lonE, height float64 }

func (w wall) ElevationM(lon, lat float64) (float64, error) {
	if lat > 80 {
		return 0, errors.New("no tile")
	}
	if lon >= w.lonW && lon <= w.lonE {
		return w.height, nil
	}
	return 100, nil
}

// The limits over terrain, worked on a wall: the altitude sent is relative
// to home, the clearance is kept at the target and along the route (a
// transit climbs where it is, cruises over, comes down past the ridge), and
// what cannot be flown is refused with the point and the figures.
func TestTerrainLimitsOnAWall(t *testing.T) {
	l := &loop{cfg: &Config{Terrain: wall{lonW: 10.010, lonE: 10.011, height: 400}}}
	d := &drone{id: 4, profile: BuiltinProfiles()[sim.ProfileHeavy], rec: &droneRecord{}}
	d.tel.Lat, d.tel.Lon, d.tel.AltMSL = 45, 10, 100 // on the ground at home
	if got := l.relAlt(d, 45, 10.02, 80); got != 80 {
		t.Fatalf("80 m above flat ground at home's height is %v m above home", got)
	}
	// at the target: 20 m above the ground is below the heavy's 30 m
	if err := l.checkLimits(d, 45, 10.005, 20); !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "terrain clearance of 30 m") {
		t.Fatalf("20 m over flat ground: %v", err)
	}
	// beyond the wall at 80 m: the route needs 400 + 30 - 100 = 330 m,
	// within the 500 m ceiling: allowed (the transit climbs) ...
	if err := l.checkLimits(d, 45, 10.02, 80); err != nil {
		t.Fatal(err)
	}
	// ... but not as a commander's order flown straight
	err := l.checkRoute(d, 45, 10.02, 80)
	if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "ridge at 45.00000,10.01") || !strings.Contains(err.Error(), "fly at 330 m") {
		t.Fatalf("an order at 80 m across the wall: %v", err)
	}
	if err := l.checkRoute(d, 45, 10.02, 340); err != nil {
		t.Fatal(err)
	}
	// a wall of 700 m needs 630 m: above the ceiling
	l.cfg.Terrain = wall{lonW: 10.010, lonE: 10.011, height: 700}
	if err := l.checkLimits(d, 45, 10.02, 80); !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "ceiling of 500 m") {
		t.Fatalf("a wall beyond the ceiling: %v", err)
	}
	// no terrain data, or no home in the air: refused, never guessed
	if err := l.checkLimits(d, 85, 10, 80); !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "no terrain") {
		t.Fatalf("off the DEM: %v", err)
	}
	d.tel.LandedState, d.tel.Armed, d.tel.AltRel, d.tel.AltMSL = 3, true, 80, 180 // in the air
	if got := l.targetAlt(d, &Station{Lat: 45, Lon: 10.02, AltM: 80}); !math.IsNaN(got) {
		t.Fatalf("no HOME_POSITION, yet an altitude: %v", got)
	}
	if err := l.checkLimits(d, 45, 10.02, 80); !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "home altitude is unknown") {
		t.Fatalf("no home: %v", err)
	}

	// the transit: climb where it is, over at the cruise altitude, down
	l.cfg.Terrain = wall{lonW: 10.010, lonE: 10.011, height: 400}
	d.tel.HomeSet, d.tel.HomeAlt = true, 100
	tg, err := l.transitTarget(d, 45, 10.02, 80)
	if err != nil || tg != [3]float64{45, 10, 340} {
		t.Fatalf("first leg %v: %v", tg, err)
	}
	d.tel.AltRel, d.tel.AltMSL = 338, 438
	if tg, _ = l.transitTarget(d, 45, 10.02, 80); tg != [3]float64{45, 10.02, 340} {
		t.Fatalf("second leg %v", tg)
	}
	d.tel.Lon = 10.012 // past the wall
	if tg, _ = l.transitTarget(d, 45, 10.02, 80); tg != [3]float64{45, 10.02, 80} {
		t.Fatalf("last leg %v", tg)
	}

	// home from beyond the wall, low: up where it is first (RTL flies at
	// its own altitude, or RTL_ALT's 30 m, which would not clear it)
	d.tel.Lon, d.tel.AltRel, d.tel.AltMSL = 10.02, 80, 180
	d.tel.HomeLat, d.tel.HomeLon = 45, 10
	if tg, ok := l.homeClimb(d); !ok || tg != [3]float64{45, 10.02, 340} {
		t.Fatalf("climb for home %v %v", tg, ok)
	}
	d.tel.AltRel, d.tel.AltMSL = 335, 435
	if _, ok := l.homeClimb(d); ok {
		t.Fatal("a climb for home from high enough")
	}
	// a wall above the ceiling: nothing better than the RTL
	l.cfg.Terrain = wall{lonW: 10.010, lonE: 10.011, height: 700}
	d.tel.AltRel, d.tel.AltMSL = 80, 180
	if _, ok := l.homeClimb(d); ok {
		t.Fatal("a climb for home beyond the ceiling")
	}
}

// What counts as a crash: the autopilot's emergency heartbeat once
// disarmed (also when first heard so), a disarm more than 10 m above the
// ground over terrain, ArduPilot's "Crash: ..." text; not a landing, nor
// a drone already failed.
func TestNoticeCrash(t *testing.T) {
	l := &loop{cfg: &Config{Terrain: wall{lonW: 1, lonE: 1, height: 0}}}
	air := mavlink.Telemetry{Armed: true, LandedState: common.MAV_LANDED_STATE_IN_AIR, Lat: 45, Lon: 10, AltMSL: 160}
	for _, c := range []struct {
		name      string
		prev, now mavlink.Telemetry
		failed    string
		crash     bool
	}{
		{"emergency, disarmed", air, mavlink.Telemetry{SystemStatus: common.MAV_STATE_EMERGENCY, Lat: 45, Lon: 10, AltMSL: 100}, "", true},
		{"emergency when first heard", mavlink.Telemetry{}, mavlink.Telemetry{SystemStatus: common.MAV_STATE_EMERGENCY}, "", true},
		{"disarmed 60 m up", air, mavlink.Telemetry{SystemStatus: common.MAV_STATE_STANDBY, Lat: 45, Lon: 10, AltMSL: 100}, "", true},
		{"landed", mavlink.Telemetry{Armed: true, LandedState: common.MAV_LANDED_STATE_LANDING, Lat: 45, Lon: 10, AltMSL: 101},
			mavlink.Telemetry{SystemStatus: common.MAV_STATE_STANDBY, Lat: 45, Lon: 10, AltMSL: 100}, "", false},
		{"emergency, still armed", air, mavlink.Telemetry{Armed: true, SystemStatus: common.MAV_STATE_EMERGENCY}, "", false},
		{"already failed", air, mavlink.Telemetry{SystemStatus: common.MAV_STATE_EMERGENCY}, "motor", false},
	} {
		d := &drone{id: 2, rec: &droneRecord{Failed: c.failed}}
		l.noticeCrash(d, c.prev, c.now)
		if (d.crash != "") != c.crash {
			t.Errorf("%s: crash %q", c.name, d.crash)
		}
	}
	if !crashText("Crash: Disarming") || crashText("Disarmed in flight: crash") || crashText("Landed, disarmed") {
		t.Error("crash texts")
	}
}
