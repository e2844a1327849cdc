package fleet

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aerocell/aerocell/clock"
	"github.com/aerocell/aerocell/mavlink"
	"github.com/aerocell/aerocell/store"
	"github.com/aerocell/aerocell/task"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// holding runs a controller over a fake radio of n drones until every
// station of a plan over a km-wide square is held. Time moves only when the
// benchmark advances the manual clock.
func holding(b testing.TB, n int, km float64) (*Controller, *fakeMAVLink, *clock.Manual, string, func()) {
	b.Helper()
	radio := newFakeRadio(n, base.Lat, base.Lon, km)
	clk := clock.NewManual(epoch)
	path := filepath.Join(b.TempDir(), "state.db")
	st, err := store.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	ctl, err := New(Config{MAVLink: radio, Store: st, Clock: clk, Drones: fleetOf(n)})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ctl.Run(ctx) }()
	stop := func() {
		cancel()
		<-done
		st.Close()
	}
	for clk.Waiters() == 0 { // the loop's ticker is set
		time.Sleep(time.Millisecond)
	}
	bg := context.Background()
	for i := 0; i < 3; i++ {
		clk.Advance(time.Second)
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := ctl.CreateIncident(bg, IncidentSpec{Name: "bench", Area: square(base.Lat, base.Lon, km)}); err != nil {
		b.Fatal(err)
	}
	if err := ctl.Deploy(bg); err != nil {
		b.Fatal(err)
	}
	for i := 0; ; i++ {
		s := ctl.Snapshot()
		if s.Incident.State == IncidentHolding {
			break
		}
		if i > 20000 {
			b.Fatalf("not holding: %d stations", len(s.Plan.Stations))
		}
		clk.Advance(time.Second)
		time.Sleep(2 * time.Millisecond)
	}
	return ctl, radio, clk, path, stop
}

// BenchmarkLoopTick200 measures one pass of the loop (telemetry read,
// decisions, save, commands, snapshot, live coverage) with 200 drones
// holding a large area. ns/msg divides it by the telemetry the link layer
// hears in the same second: 200 drones at the default 4 Hz streams of about
// 8 messages, 6,400 messages.
func BenchmarkLoopTick200(b *testing.B) {
	ctl, radio, clk, path, stop := holding(b, 200, 45)
	stations := len(ctl.Snapshot().Plan.Stations)
	stop()
	st, err := store.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	c, err := New(Config{MAVLink: radio, Store: st, Clock: clk, Drones: fleetOf(200)})
	if err != nil {
		b.Fatal(err)
	}
	l, err := newLoop(c)
	if err != nil {
		b.Fatal(err)
	}
	l.opCtx = context.Background()
	l.started = clk.Now().Add(-time.Hour)
	l.ready = true
	l.step()
	l.measure()
	if got := l.cov.Fraction[Public]; got < 0.9 {
		b.Fatalf("live coverage %.3f with %d stations", got, stations)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		clk.Advance(time.Second)
		l.measure()
		l.step()
	}
	b.StopTimer()
	per := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(per/6400, "ns/msg")
	b.ReportMetric(float64(stations), "stations")
}

// BenchmarkLossToReplanCommand measures the wall time from a holder's loss
// being reported by the link layer to the first command of the response (a
// spare's launch) leaving the controller, with 200 drones.
func BenchmarkLossToReplanCommand(b *testing.B) {
	ctl, radio, clk, _, stop := holding(b, 200, 45)
	defer stop()
	sent := make(chan mavlink.VehicleID, 1)
	radio.watch(sent)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s := ctl.Snapshot()
		var victim mavlink.VehicleID
		for _, stn := range s.Plan.Stations {
			if stn.Drone != 0 {
				victim = mavlink.VehicleID{SysID: uint8(stn.Drone), CompID: 1}
				break
			}
		}
		radio.set(victim, func(t *mavlink.Telemetry) { t.Lost = true })
	drain:
		for {
			select {
			case <-sent:
			default:
				break drain
			}
		}
		b.StartTimer()
		radio.events <- &mavlink.EventLost{Vehicle: victim}
		for id := range sent {
			if id != victim {
				break
			}
		}
		b.StopTimer()
		// Bring the victim back, home and ready as a spare; let the spare
		// take the station.
		radio.set(victim, func(t *mavlink.Telemetry) {
			t.Lost, t.Lat, t.Lon, t.AltRel, t.Armed = false, t.HomeLat, t.HomeLon, 0, false
			t.LandedState = 1
			t.PublicCell, t.PrivateCell = mavlink.CellOff, mavlink.CellOff
		})
		for j := 0; j < 5; j++ {
			clk.Advance(time.Second)
			time.Sleep(3 * time.Millisecond)
		}
		b.StartTimer()
	}
}

// BenchmarkRouteNeed10km measures one route check over the DEM: a heavy's
// 10 km transit down the Saco valley sampled every 25 m (about 400
// elevations), what a transit re-checks every tick.
func BenchmarkRouteNeed10km(b *testing.B) {
	l := &loop{cfg: &Config{Terrain: openDEM(b)}}
	d := &drone{id: 1, profile: BuiltinProfiles()["heavy-multirotor"], rec: &droneRecord{}}
	d.tel.Lat, d.tel.Lon, d.tel.AltMSL = 44.18, -71.40, 456
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := l.routeNeed(d, 44.10, -71.35); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTaskRequest measures taking in a supply drop (every drone's
// option: its mission, its estimate, its limits and its coverage cost)
// and cancelling it, with 50 drones holding a 20 km square.
func BenchmarkTaskRequest(b *testing.B) {
	ctl, _, _, _, stop := holding(b, 50, 20)
	defer stop()
	ctx := context.Background()
	pt := task.LonLat{base.Lon + 0.02, base.Lat + 0.01}
	req := task.Request{Kind: task.Drop, Deadline: time.Hour, Point: &pt, MassKg: 5}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		t, err := ctl.RequestTask(ctx, req)
		if err != nil || t.Status == task.Refused {
			b.Fatalf("%+v %v", t, err)
		}
		if _, err := ctl.CancelTask(ctx, t.ID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoopStepTerrain measures one tick of the loop (live coverage,
// decisions, save, snapshot) with eight heavies flying over Crawford Notch
// on the SRTM tile, each moving 60 m a tick: every footprint (two cells a
// drone) must be swept again each tick. "step" is the loop's tick with the
// sweeps beside it (measured/op: the live measurements that finished and
// were taken per tick, at the worker's pace); "inline" is the tick with the
// sweep in it, as it was before the sweeps moved beside the loop.
func BenchmarkLoopStepTerrain(b *testing.B) {
	area, err := os.ReadFile("../examples/areas/crawford-notch.geojson")
	if err != nil {
		b.Fatal(err)
	}
	const n = 8
	setup := func(b *testing.B) (*loop, *fakeMAVLink, *clock.Manual, func()) {
		radio := newFakeRadio(n, 44.13, -71.36, 6)
		for _, id := range radio.order {
			radio.set(id, func(t *mavlink.Telemetry) {
				t.Armed, t.AltRel, t.LandedState = true, 120, common.MAV_LANDED_STATE_IN_AIR
				t.PublicCell, t.PrivateCell = mavlink.CellOn, mavlink.CellOn
			})
		}
		clk := clock.NewManual(epoch)
		st, err := store.Open(filepath.Join(b.TempDir(), "state.db"))
		if err != nil {
			b.Fatal(err)
		}
		c, err := New(Config{MAVLink: radio, Store: st, Clock: clk, Drones: fleetOf(n), Terrain: openDEM(b)})
		if err != nil {
			b.Fatal(err)
		}
		l, err := newLoop(c)
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		l.opCtx = ctx
		l.started = clk.Now().Add(-time.Hour)
		l.ready = true
		if _, err := l.createIncident(IncidentSpec{Name: "crawford", Area: area}); err != nil {
			b.Fatal(err)
		}
		l.step()
		return l, radio, clk, func() {
			cancel()
			close(l.stopped)
			l.opWG.Wait()
			st.Close()
		}
	}
	move := func(radio *fakeMAVLink, i int) {
		dlat := 60.0 / 111_320
		if i%2 == 1 {
			dlat = -dlat
		}
		for _, id := range radio.order {
			radio.set(id, func(t *mavlink.Telemetry) { t.Lat += dlat })
		}
	}
	b.Run("step", func(b *testing.B) {
		l, radio, clk, stop := setup(b)
		defer stop()
		done := 0
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			move(radio, i)
			clk.Advance(time.Second)
			l.measure()
			l.step()
			select { // a finished measurement is taken as run would
			case r := <-l.besideDone:
				l.besideFinished(r)
				done++
			default:
			}
		}
		b.ReportMetric(float64(done)/float64(b.N), "measured/op")
	})
	b.Run("inline", func(b *testing.B) {
		l, radio, clk, stop := setup(b)
		defer stop()
		sweep := l.cfg.sweeper()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			move(radio, i)
			clk.Advance(time.Second)
			l.refresh()
			var srcs []liveSource
			for _, v := range radio.Vehicles() {
				d := l.drones[int(v.ID.SysID)]
				alt, err := l.heightAboveGround(d)
				if err != nil {
					b.Fatal(err)
				}
				srcs = append(srcs, liveSource{drone: d.id, profile: d.profile.Name, lat: v.Lat, lon: v.Lon, altM: alt, on: []Network{Public, Private}})
			}
			if m := measureLive(context.Background(), l.terrain, sweep, l.cfg.Profiles, l.region, srcs); m.err != nil {
				b.Fatal(m.err)
			}
			l.step()
		}
	})
}
