package fleet

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/sim"
)

// sweepGate holds the terrain sweeps of the regions it is told to, until
// told otherwise: a sweep made as slow as the test wants, whatever the
// machine's speed.
type sweepGate struct {
	mu      sync.Mutex
	hold    func(reg *coverage.Region, lat, lon float64) bool // nil: none held
	changed chan struct{}
	held    chan *coverage.Region // each sweep held says so, with its region
}

func newSweepGate() *sweepGate {
	return &sweepGate{changed: make(chan struct{}), held: make(chan *coverage.Region, 64)}
}

// set holds from now on the sweeps hold says, and lets the others go.
func (g *sweepGate) set(hold func(reg *coverage.Region, lat, lon float64) bool) {
	g.mu.Lock()
	g.hold = hold
	close(g.changed)
	g.changed = make(chan struct{})
	g.mu.Unlock()
}

func (g *sweepGate) wait(reg *coverage.Region, lat, lon float64) {
	for {
		g.mu.Lock()
		if g.hold == nil || !g.hold(reg, lat, lon) {
			g.mu.Unlock()
			return
		}
		ch := g.changed
		g.mu.Unlock()
		select {
		case g.held <- reg:
		default:
		}
		<-ch
	}
}

// nextHeld is the region of the next sweep held; a guard fails the test
// if none is within a minute of wall time.
func (g *sweepGate) nextHeld(t *testing.T, what string) *coverage.Region {
	t.Helper()
	select {
	case reg := <-g.held:
		return reg
	case <-time.After(time.Minute):
		t.Fatalf("%s: no sweep held", what)
		return nil
	}
}

// inLoop runs fn in the loop, between two of its steps.
func (r *rig) inLoop(fn func(l *loop)) {
	r.t.Helper()
	if err := r.ctl.do(context.Background(), func(l *loop) error { fn(l); return nil }); err != nil {
		r.t.Fatal(err)
	}
}

// Over the White Mountains tile, with the terrain placer and the sweeps
// held as long as the test wants: the loop goes on beside them.
//
// Deploying, the placer is held: the loop reads the telemetry and answers
// requests meanwhile, and sends no command at all (no plan yet: nothing on
// a guess); the area edited under it cancels the placement, which starts
// again over the new area, and Deploy returns once that plan flies.
//
// Holding, a live sweep is held (the drone ordered away, its footprint
// swept again): orders are answered and flown, the telemetry read, the
// snapshot published, the coverage the last one finished; one measurement
// waits behind the held one, no more. The area edited meanwhile, the held
// sweep's result (for the old area) is dropped when it comes, and the new
// area's measured next.
func TestTerrainSweepsBesideTheLoop(t *testing.T) {
	d := openDEM(t)
	ctx := context.Background()
	gate := newSweepGate()
	placeGate := make(chan struct{})
	places := make(chan *coverage.Region, 8)
	placeEnded := make(chan error, 8)
	sweep := (&Config{Terrain: d, Env: coverage.EnvSuburban}).sweeper()
	cfg := Config{Terrain: d, FenceMarginM: 5000,
		sweep: func(reg *coverage.Region, p Profile, n Network, lat, lon, altM float64) (*coverage.Footprint, error) {
			gate.wait(reg, lat, lon)
			return sweep(reg, p, n, lat, lon, altM)
		},
		place: func(ctx context.Context, reg *coverage.Region, req coverage.Request) (*coverage.Plan, error) {
			places <- reg
			select {
			case <-placeGate:
			case <-ctx.Done():
				placeEnded <- ctx.Err()
				return nil, ctx.Err()
			}
			return reg.PlanTerrain(ctx, d, req, terrainStepM)
		},
	}
	r := newRig(t, rigOptions{speed: 40, drones: []sim.DroneConfig{heavyAt(1, sacoFloor)}, cfg: cfg,
		simCfg: func(c *sim.Config) { c.Terrain = d }})
	var openPlace sync.Once
	t.Cleanup(func() { openPlace.Do(func() { close(placeGate) }); gate.set(nil) }) // before the rig stops
	r.waitFor("the drone heard, located", 30*time.Second, func(s Snapshot) bool { return s.Located() == 1 })

	// Deploying: the placer held.
	areaA, areaB := square(sacoFloor.Lat+0.002, sacoFloor.Lon, 0.6), square(sacoFloor.Lat+0.006, sacoFloor.Lon, 0.6)
	if _, err := r.ctl.CreateIncident(ctx, IncidentSpec{Name: "saco", Area: areaA}); err != nil {
		t.Fatal(err)
	}
	deployed := make(chan error, 1)
	go func() { deployed <- r.ctl.Deploy(ctx) }()
	regA := recv(t, places, "the placement over the first area")
	t0 := r.ctl.Snapshot().Time
	s := r.waitFor("a minute of snapshots while the placer is held", 2*time.Minute, func(s Snapshot) bool {
		return s.Time.Sub(t0) >= time.Minute
	})
	if s.Plan != nil || s.Incident.State != IncidentPlanned || len(s.Drones) != 1 || s.Drones[0].Commands != 0 || s.Drones[0].State != DroneIdle {
		t.Fatalf("while the plan is made: plan %v, incident %s, drones %+v", s.Plan, s.Incident.State, s.Drones)
	}
	if sd := r.fleet.Drone(1).State(); sd.Armed {
		t.Fatal("the drone was armed before there was a plan")
	}
	if err := r.ctl.Exclude(ctx, 1, true); err != nil {
		t.Fatal(err)
	}
	r.waitFor("the drone excluded while the placer is held", time.Minute, func(s Snapshot) bool { return s.Drones[0].State == DroneExcluded })
	if err := r.ctl.Exclude(ctx, 1, false); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ctl.UpdateIncident(ctx, IncidentSpec{Name: "saco", Area: areaB}); err != nil {
		t.Fatal(err)
	}
	if err := recv(t, placeEnded, "the first placement cancelled"); !errors.Is(err, context.Canceled) {
		t.Fatalf("the first placement ended with %v", err)
	}
	regB := recv(t, places, "the placement over the edited area")
	if regB == regA || sameArea(regA, regB) {
		t.Fatal("placed again over the same area")
	}
	select {
	case err := <-deployed:
		t.Fatalf("Deploy returned %v before its plan was made", err)
	default:
	}
	openPlace.Do(func() { close(placeGate) })
	if err := recv(t, deployed, "Deploy"); err != nil {
		t.Fatal(err)
	}
	s = r.ctl.Snapshot()
	if s.Plan == nil || !s.Plan.Terrain || len(s.Plan.Stations) == 0 {
		t.Fatalf("deployed plan %+v", s.Plan)
	}
	for _, st := range s.Plan.Stations {
		if p := regB.Projection.Forward(coverage.LonLat{Lon: st.Lon, Lat: st.Lat}); !regB.Area.Contains(p) {
			t.Errorf("station %s at %.5f,%.5f outside the edited area", st.ID, st.Lat, st.Lon)
		}
	}

	// Holding: a live sweep held.
	s = r.waitFor("holding, live coverage measured", 30*time.Minute, func(s Snapshot) bool {
		return s.Incident.State == IncidentHolding && s.Coverage.Fraction[Public] > 0 && len(s.Coverage.Footprints) > 0
	})
	st := s.Plan.Stations[0]
	// 330 m north, up the valley: the drone's footprint is swept again
	// once it is 50 m away, and that sweep is held
	gate.set(func(_ *coverage.Region, lat, lon float64) bool { return distanceM(lat, lon, st.Lat, st.Lon) > 40 })
	if err := r.ctl.OrderDrone(ctx, 1, Order{Kind: OrderGoto, Lat: st.Lat + 0.003, Lon: st.Lon, AltM: st.AltM}); err != nil {
		t.Fatal(err)
	}
	gate.nextHeld(t, "the drone's footprint swept where it flies")
	var started uint64
	var covAt time.Time
	r.inLoop(func(l *loop) { started, covAt = l.livening.started, l.cov.Time })
	from := r.ctl.Snapshot()
	s = r.waitFor("the drone flown on, the snapshot published, while its sweep is held", 5*time.Minute, func(s Snapshot) bool {
		return distanceM(s.Drones[0].Lat, s.Drones[0].Lon, st.Lat+0.003, st.Lon) < 30 && s.Time.Sub(from.Time) > 30*time.Second
	})
	if !s.Coverage.Time.Equal(covAt) {
		t.Fatalf("coverage of %v while the sweep is held: taken from an unfinished measurement", s.Coverage.Time)
	}
	if err := r.ctl.OrderDrone(ctx, 1, Order{Kind: OrderGoto, Lat: st.Lat + 0.0025, Lon: st.Lon, AltM: st.AltM}); err != nil {
		t.Fatalf("an order while a sweep is held: %v", err)
	}
	r.inLoop(func(l *loop) {
		if !l.livening.running || l.livening.next == nil || l.livening.started != started {
			t.Errorf("while held: running %v, waiting %v, %d started (was %d)", l.livening.running, l.livening.next != nil, l.livening.started, started)
		}
	})
	if _, err := r.ctl.UpdateIncident(ctx, IncidentSpec{Name: "saco", Area: areaA}); err != nil {
		t.Fatal(err)
	}
	// The held sweeps (the old area) go, the new area's are held: the
	// old area's result comes back, and is dropped.
	gate.set(func(reg *coverage.Region, _, _ float64) bool { return !sameArea(reg, regB) })
	for i := 0; ; i++ {
		var now uint64
		r.inLoop(func(l *loop) { now = l.livening.started })
		if now > started {
			break
		}
		if i > 10000 {
			t.Fatal("the held measurement never came back")
		}
		time.Sleep(time.Millisecond)
	}
	s = r.waitFor("ten seconds after the old area's result", time.Minute, func(s Snapshot) bool { return s.Time.Sub(from.Time) > 10*time.Second })
	if !s.Coverage.Time.Equal(covAt) {
		t.Fatalf("the old area's measurement (of %v) was taken after the area was edited", s.Coverage.Time)
	}
	gate.set(nil)
	edited := s.Time
	s = r.waitFor("the edited area's coverage measured", 5*time.Minute, func(s Snapshot) bool {
		return s.Coverage.Time.After(edited) && len(s.Coverage.Footprints) > 0
	})
	t.Logf("coverage over the edited area %.3f public, measured at %v", s.Coverage.Fraction[Public], s.Coverage.Time.Sub(epoch))
}

// sameArea reports whether two regions cover the same box.
func sameArea(a, b *coverage.Region) bool {
	alo, ahi := a.Area.Bounds()
	blo, bhi := b.Area.Bounds()
	return alo == blo && ahi == bhi
}

// recv is the next value from ch; a guard fails the test if none comes
// within a minute of wall time.
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(time.Minute):
		t.Fatalf("%s: nothing within a minute", what)
		var zero T
		return zero
	}
}

// The footprint cache is shared by the workers beside the loop: swept and
// read from many goroutines at once (run with -race), each key gets its
// own footprint, and once swept it is not swept again.
func TestTerrainFootprintCacheConcurrent(t *testing.T) {
	c := newFootprints()
	reg := &coverage.Region{}
	var mu sync.Mutex
	swept := map[footprintKey]int{}
	sweepOf := func(k footprintKey) func() (*coverage.Footprint, error) {
		return func() (*coverage.Footprint, error) {
			mu.Lock()
			swept[k]++
			mu.Unlock()
			return &coverage.Footprint{}, nil
		}
	}
	keys := make([]footprintKey, 16)
	for i := range keys {
		keys[i] = footprintKey{region: reg, profile: "heavy-multirotor", net: Public, lat: 44 + float64(i)/100, lon: -71, altM: 100}
	}
	got := make([][]*coverage.Footprint, 8)
	var wg sync.WaitGroup
	for g := range got {
		got[g] = make([]*coverage.Footprint, len(keys))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, k := range keys {
				f, err := c.plannedFootprint(k, sweepOf(k))
				if err != nil || f == nil {
					t.Errorf("key %d: %v", i, err)
				}
				got[g][i] = f
				// a drone of each goroutine, moving, swept where it is
				lf := c.liveAnchor(g, reg, k.lat, k.lon, k.altM)
				if _, err := c.liveFootprint(lf, Public, sweepOf(footprintKey{lat: lf.lat, profile: "live"})); err != nil {
					t.Error(err)
				}
				c.keepLive(map[int]bool{g: true, (g + 1) % len(got): true})
			}
		}()
	}
	wg.Wait()
	seen := map[*coverage.Footprint]int{}
	for i, k := range keys {
		if swept[k] == 0 {
			t.Fatalf("key %d never swept", i)
		}
		f, err := c.plannedFootprint(k, func() (*coverage.Footprint, error) {
			return nil, errors.New("swept again")
		})
		if err != nil || f == nil {
			t.Fatalf("key %d, once swept: %v", i, err)
		}
		if j, ok := seen[f]; ok {
			t.Fatalf("keys %d and %d share a footprint", j, i)
		}
		seen[f] = i
		for g := range got {
			if got[g][i] == nil {
				t.Fatalf("goroutine %d got no footprint for key %d", g, i)
			}
		}
	}
}

// A live layout is measured and drawn once: the same drones' footprints
// again (a drone that moved less than terrainMoveM keeps its footprint)
// give the same report with no sweep and no drawing; a drone that moved
// farther, or another area, is swept and drawn again.
func TestTerrainLiveLayoutMeasuredOnce(t *testing.T) {
	rd := &ridgeTerrain{}
	reg, err := prepareRegion(IncidentSpec{Area: square(base.Lat, base.Lon, 4)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, sweep, profiles := newFootprints(), (&Config{Terrain: rd, Env: coverage.EnvSuburban}).sweeper(), BuiltinProfiles()
	srcs := []liveSource{{drone: 1, profile: coverage.ProfileHeavy, lat: base.Lat, lon: base.Lon, altM: 120, on: []Network{Public, Private}}}
	measure := func(what string, reg *coverage.Region, drawn, swept bool) liveTerrain {
		t.Helper()
		before := rd.reads.Load()
		m := measureLive(context.Background(), c, sweep, profiles, reg, srcs)
		if m.err != nil || m.drawn != drawn || (rd.reads.Load() > before) != swept {
			t.Fatalf("%s: err %v, drawn %v, %d elevations read", what, m.err, m.drawn, rd.reads.Load()-before)
		}
		if m.rep.Public.Fraction <= 0 || m.rep.Public.Fraction >= 1 {
			t.Fatalf("%s: public coverage %v", what, m.rep.Public.Fraction)
		}
		return m
	}
	first := measure("first", reg, true, true)
	if len(first.shapes) != 2 || len(first.polys[Public]) == 0 {
		t.Fatalf("first drawing: %d shapes, %d public holes", len(first.shapes), len(first.polys[Public]))
	}
	if again := measure("again", reg, false, false); again.rep.Public != first.rep.Public || again.rep.Private != first.rep.Private {
		t.Fatalf("the same layout measured %+v, then %+v", first.rep.Public, again.rep.Public)
	}
	srcs[0].lat += 30 / 111_320.0
	measure("moved 30 m", reg, false, false)
	srcs[0].lat += 100 / 111_320.0
	measure("moved 130 m", reg, true, true)
	other, err := prepareRegion(IncidentSpec{Area: square(base.Lat, base.Lon, 4)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	measure("the area edited", other, true, true)
}

// The flying plan's coverage over terrain is measured beside the loop
// after a re-plan, and the measurement is taken only if the plan it was
// made for still stands: the area edited twice, the first edit's
// measurement (held until the second edit) is dropped, and the plan shows
// its old figures until the second's is in, then that one.
func TestTerrainPlanMeasureStaleDropped(t *testing.T) {
	gate := newSweepGate()
	rd := &ridgeTerrain{}
	sweep := (&Config{Terrain: rd, Env: coverage.EnvSuburban}).sweeper()
	cfg := Config{Terrain: rd, sweep: func(reg *coverage.Region, p Profile, n Network, lat, lon, altM float64) (*coverage.Footprint, error) {
		gate.wait(reg, lat, lon)
		return sweep(reg, p, n, lat, lon, altM)
	}}
	r := newFakeRig(t, 4, cfg)
	t.Cleanup(func() { gate.set(nil) }) // before the rig stops
	r.deploy(10)
	ctx := context.Background()
	inLoop := func(fn func(l *loop)) {
		t.Helper()
		if err := r.ctl.do(ctx, func(l *loop) error { fn(l); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	var before map[Network]float64
	var started uint64
	inLoop(func(l *loop) { before, started = clonePlan(l.st.Plan).Coverage, l.measuring.started })
	km2 := func(reg *coverage.Region) float64 { return reg.Area.Area() / 1e6 }
	gate.set(func(*coverage.Region, float64, float64) bool { return true })
	if _, err := r.ctl.UpdateIncident(ctx, IncidentSpec{Name: "orders", Area: square(base.Lat, base.Lon, 9)}); err != nil {
		t.Fatal(err)
	}
	for km2(gate.nextHeld(t, "the first edit's measurement")) > 90 {
	}
	if _, err := r.ctl.UpdateIncident(ctx, IncidentSpec{Name: "orders", Area: square(base.Lat, base.Lon, 11)}); err != nil {
		t.Fatal(err)
	}
	// the 9 km area's sweeps go, the 11 km area's are held
	gate.set(func(reg *coverage.Region, _, _ float64) bool { return km2(reg) > 110 })
	for i := 0; ; i++ {
		var now uint64
		var cov map[Network]float64
		inLoop(func(l *loop) { now, cov = l.measuring.started, clonePlan(l.st.Plan).Coverage })
		if now >= started+2 {
			if cov[Public] != before[Public] || cov[Private] != before[Private] {
				t.Fatalf("coverage %v after the first edit's measurement came back, %v before: a stale measurement taken", cov, before)
			}
			break
		}
		if i > 10000 {
			t.Fatalf("the second measurement never started (%d started, %d before)", now, started)
		}
		time.Sleep(time.Millisecond)
	}
	gate.set(nil)
	var got, want map[Network]float64
	for i := 0; ; i++ {
		inLoop(func(l *loop) {
			if l.measuring.running || l.measuring.next != nil {
				return
			}
			got = clonePlan(l.st.Plan).Coverage
			var err error
			want, err = measureCells(ctx, newFootprints(), sweep, l.cfg.Profiles, l.region, planCells(l.st.Plan))
			if err != nil {
				t.Fatal(err)
			}
		})
		if want != nil {
			break
		}
		if i > 10000 {
			t.Fatal("the second measurement never came back")
		}
		time.Sleep(time.Millisecond)
	}
	t.Logf("plan coverage %v before the edits, %v after (measured afresh %v)", before, got, want)
	if got[Public] != want[Public] || got[Private] != want[Private] {
		t.Fatalf("plan coverage %v, its stations over the edited area %v", got, want)
	}
}
