package report_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/paulmach/orb"

	"github.com/aerocell/aerocell/clock"
	"github.com/aerocell/aerocell/internal/closetest"
	"github.com/aerocell/aerocell/internal/mqtttest"
	"github.com/aerocell/aerocell/report"
	"github.com/aerocell/aerocell/report/broker"
)

const benchDrones, benchTeams = 500, 200

// benchField is the embedded broker (with its store), a controller and
// 200 field teams, each standing at its own point.
type benchField struct {
	br    *broker.Broker
	ctl   *controller
	teams []mqtttest.Login
}

func newBenchField(b *testing.B, cfg report.Config) *benchField {
	b.Helper()
	dir := b.TempDir()
	f := &benchField{}
	for i := range benchTeams {
		f.teams = append(f.teams, mqtttest.Login{Username: fmt.Sprintf("team-%d", i), Password: "pw", Role: broker.RoleTeam, Team: fmt.Sprintf("t%d", i)})
	}
	var err error
	f.br, err = broker.Start(broker.Config{TCPAddr: "127.0.0.1:0", Users: mqtttest.Users(b, f.teams...), StorePath: filepath.Join(dir, "broker.db")})
	if err != nil {
		b.Fatal(err)
	}
	closetest.AtEnd(b, f.br)
	cfg.AreaAlertStep = -1
	f.ctl = startController(b, f.br.URL(), filepath.Join(dir, "outbox.db"), cfg)
	return f
}

// connect connects one client per team, subscribed to filters(team), with
// onMsg called for every message.
func (f *benchField) connect(b *testing.B, filters func(team string) map[string]byte, onMsg func(team int, m paho.Message)) {
	b.Helper()
	for i, l := range f.teams {
		o := mqtttest.Options(f.br.URL(), l, "phone-"+l.Team, true).SetMessageChannelDepth(10000)
		o.SetDefaultPublishHandler(func(_ paho.Client, m paho.Message) { onMsg(i, m) })
		c := paho.NewClient(o)
		if t := c.Connect(); !t.WaitTimeout(time.Minute) || t.Error() != nil {
			b.Fatalf("team %d: %v", i, t.Error())
		}
		b.Cleanup(func() { c.Disconnect(0) })
		if t := c.SubscribeMultiple(filters(l.Team), nil); !t.WaitTimeout(time.Minute) || t.Error() != nil {
			b.Fatal(t.Error())
		}
		pos := fmt.Appendf(nil, `{"schema":1,"lat":45.05,"lon":%.6f}`, 6.01+0.28*float64(i)/benchTeams)
		if t := c.Publish(tree.TeamPosition(l.Team), 1, true, pos); !t.WaitTimeout(time.Minute) || t.Error() != nil {
			b.Fatal(t.Error())
		}
	}
}

func droneState(id, n int) report.DroneState {
	return report.DroneState{ID: id, Lat: 45.05, Lon: 6.1, AltRel: 120, BatteryPct: float64(100 - n%100), Mode: "GUIDED", State: "on_station",
		Payload: map[report.Network]report.PayloadState{report.Public: {State: "on", Users: id % 50}, report.Private: {State: "on", Users: id % 7}}}
}

// BenchmarkStates: every one of 200 teams subscribes to all 500 drones'
// states. Each iteration is one round of 500 new states (the reporter's
// clock runs at 100x, as under SITL, so that its 1 Hz limit per drone is
// not what holds the rate); the round ends when every team has every
// state, or when deliveries stop for 200 ms. It reports the messages per
// second the teams received and the fraction delivered (the broker drops
// QoS 0 messages for a client whose queue is full).
func BenchmarkStates(b *testing.B) {
	clk, err := clock.NewScaled(time.Now(), 100)
	if err != nil {
		b.Fatal(err)
	}
	f := newBenchField(b, report.Config{Clock: clk})
	var received atomic.Int64
	f.connect(b, func(string) map[string]byte { return map[string]byte{tree.Drones(): 0} },
		func(int, paho.Message) { received.Add(1) })
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var want int64
	for i := range b.N {
		for id := 1; id <= benchDrones; id++ {
			f.ctl.r.UpdateDrone(droneState(id, i))
		}
		want += benchDrones * benchTeams
		last, quiet := received.Load(), time.Now()
		for received.Load() < want {
			time.Sleep(10 * time.Millisecond)
			if n := received.Load(); n != last {
				last, quiet = n, time.Now()
			} else if time.Since(quiet) > 200*time.Millisecond {
				break
			}
		}
		clk.Sleep(time.Second) // the next round is never held back
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(received.Load())/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(received.Load())/float64(want), "delivered")
}

// BenchmarkAlertLatency: 500 drones report at 1 Hz to the embedded broker
// and 5 dashboards follow them; 200 teams follow coverage and their own
// alerts. Each iteration changes coverage so that every team's position
// loses (or regains) the private network and waits until every team has
// its alert. It reports the 50th and 99th percentiles of the time from the
// coverage change to a team's alert, and the messages per second the
// broker delivered.
func BenchmarkAlertLatency(b *testing.B) {
	f := newBenchField(b, report.Config{})
	var received atomic.Int64
	alerts := make(chan time.Time, benchTeams*4)
	f.connect(b, func(team string) map[string]byte {
		return map[string]byte{tree.Coverage(): 1, tree.TeamAlerts(team): 1}
	}, func(_ int, m paho.Message) {
		received.Add(1)
		if m.Topic() != tree.Coverage() {
			alerts <- time.Now()
		}
	})
	for i := range 5 {
		d := mqtttest.MustConnect(b, mqtttest.Options(f.br.URL(), mqtttest.Observer, fmt.Sprintf("dash-%d", i), true))
		d.Client.Subscribe(tree.Drones(), 0, func(paho.Client, paho.Message) { received.Add(1) }).Wait()
	}
	ctl := f.ctl
	waitFor(b, "every team's position", func() bool { return len(ctl.r.TeamPositions()) == benchTeams })

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the drones, at 1 Hz
		defer wg.Done()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for n := 0; ; n++ {
			for id := 1; id <= benchDrones; id++ {
				ctl.r.UpdateDrone(droneState(id, n))
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	waitFor(b, "the first round of states", func() bool { return ctl.r.Stats().DroneStates >= benchDrones })
	ctl.r.UpdateCoverage(coverage(1))
	waitFor(b, "the first coverage", func() bool { return ctl.r.Stats().CoverageUpdates == 1 })
	time.Sleep(100 * time.Millisecond)
	for len(alerts) > 0 {
		<-alerts
	}

	area := orb.Polygon{{{6.0, 45.0}, {6.3, 45.0}, {6.3, 45.1}, {6.0, 45.1}, {6.0, 45.0}}}
	var lat []time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	received.Store(0)
	start := time.Now()
	for i := range b.N {
		cov := coverage(1)
		if i%2 == 0 {
			cov = coverage(0.5, area)
		}
		changed := time.Now()
		ctl.r.UpdateCoverage(cov)
		for k := range benchTeams {
			select {
			case at := <-alerts:
				lat = append(lat, at.Sub(changed))
			case <-time.After(2 * time.Minute):
				b.Fatalf("iteration %d: %d of %d teams got their alert within two minutes; stats %+v, %d pending",
					i, k, benchTeams, ctl.r.Stats(), ctl.r.Pending())
			}
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	close(stop)
	wg.Wait()
	slices.Sort(lat)
	b.ReportMetric(float64(received.Load())/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-alert-ms")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-alert-ms")
}
