package sitl

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/aerocell/aerocell/clock"
	"github.com/aerocell/aerocell/daemon"
	"github.com/aerocell/aerocell/fleet"
	"github.com/aerocell/aerocell/sim"
	"github.com/bluenviron/gomavlib/v3"
	"go.yaml.in/yaml/v3"
)

// Epoch is the virtual time a run starts at: runs are reproducible whatever
// the day.
var epoch = time.Date(2026, 1, 1, 6, 0, 0, 0, time.UTC)

// Options tune a run beyond its scenario.
type Options struct {
	// Out is the directory for the report, plot, tracks and state;
	// a temporary one when empty.
	Out string
	// Progress receives a progress bar (nil: none).
	Progress io.Writer
	// Logger receives the daemon's and the simulator's logs (nil: to
	// Out/sitl.log).
	Logger *slog.Logger
	// HTTP, when set, serves the console there during the run.
	HTTP string
	// Speed overrides the scenario's speed when positive.
	Speed float64
	// Sample, when set, is called with each sample as the run goes.
	Sample func(Sample)
}

// Sample is the fleet seen at one instant of a run.
type Sample struct {
	// T is the flight time since the start (t_s in JSON: seconds).
	T time.Duration `json:"-"`
	// Coverage is measured from the simulator's drones (where they are,
	// which cells are on); Reported is what the controller measured.
	Coverage map[fleet.Network]float64 `json:"coverage"`
	Reported map[fleet.Network]float64 `json:"reported"`
	Planned  map[fleet.Network]float64 `json:"planned"`
	States   map[fleet.DroneState]int  `json:"states"`
	Drones   []fleet.Drone             `json:"-"`
	// Truth is each drone as the simulator has it.
	Truth    []DroneTruth `json:"truth,omitempty"`
	Stations int          `json:"stations"`
}

// sampleJSON is a Sample as report.json holds it: the time in seconds.
type sampleJSON struct {
	TS float64 `json:"t_s"`
	sampleFields
}

type sampleFields Sample

// MarshalJSON writes the sample with its time in seconds.
func (s Sample) MarshalJSON() ([]byte, error) {
	return json.Marshal(sampleJSON{TS: s.T.Seconds(), sampleFields: sampleFields(s)})
}

// UnmarshalJSON reads a sample written by MarshalJSON.
func (s *Sample) UnmarshalJSON(b []byte) error {
	var j sampleJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*s = Sample(j.sampleFields)
	s.T = time.Duration(math.Round(j.TS * float64(time.Second)))
	return nil
}

// Run plays a scenario to its end (or until ctx ends) and writes its
// outputs; it returns the report.
func Run(ctx context.Context, sc *Scenario, opt Options) (*Report, error) {
	if sc.area == nil {
		return nil, scenarioErr("area", "not loaded (use LoadScenario or SetArea)")
	}
	out := opt.Out
	if out == "" {
		d, err := os.MkdirTemp("", "aerocell-sitl-")
		if err != nil {
			return nil, err
		}
		out = d
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, fmt.Errorf("sitl: %w", err)
	}
	log := opt.Logger
	if log == nil {
		f, err := os.Create(filepath.Join(out, "sitl.log"))
		if err != nil {
			return nil, fmt.Errorf("sitl: %w", err)
		}
		defer f.Close()
		log = slog.New(slog.NewTextHandler(f, nil))
	}
	speed := sc.Speed
	if opt.Speed > 0 {
		speed = opt.Speed
	}
	// The paced clock keeps the controller's loop and the simulator within
	// a tick of each other: a loaded machine flies the scenario slower,
	// not differently.
	clk, err := clock.NewPaced(epoch, speed, 0)
	if err != nil {
		return nil, err
	}
	defer clk.Stop()
	r := &runner{sc: sc, opt: opt, out: out, log: log, clk: clk}
	rep, err := r.run(ctx)
	if n := clk.Stalls(); n > 0 {
		log.Warn("the clock stopped waiting for a loop", "ticks_dropped", n)
	}
	return rep, err
}

// simClock is the runner's clock: virtual time at a nominal speed.
type simClock interface {
	clock.Clock
	Speed() float64
}

type runner struct {
	sc  *Scenario
	opt Options
	out string
	log *slog.Logger
	clk simClock

	cfg   daemon.Config
	d     *daemon.Daemon
	fleet *sim.Fleet
	// nextTask is the scenario's next task to ask for.
	nextTask int
}

// daemonConfig is the daemon's configuration for the run: a fixed loopback
// port for MAVLink (the simulator keeps sending there across restarts).
func (r *runner) daemonConfig(port int) (daemon.Config, error) {
	cfg := daemon.DefaultConfig()
	cfg.MAVLink.Endpoints = []string{fmt.Sprintf("udpin:127.0.0.1:%d", port)}
	// Timeouts are virtual time: sped up, they shrink in wall time until a
	// scheduling hiccup of the machine looks like a lost link or a lost
	// acknowledgement. Each keeps a floor in wall time.
	speed := r.clk.Speed()
	wall := func(virtual, wallFloor time.Duration) time.Duration {
		return max(virtual, time.Duration(float64(wallFloor)*speed))
	}
	cfg.MAVLink.LinkLossTimeout = wall(10*time.Second, 500*time.Millisecond)
	cfg.MAVLink.CommandTimeout = wall(1500*time.Millisecond, 400*time.Millisecond)
	cfg.MAVLink.MissionTimeout = wall(1500*time.Millisecond, 400*time.Millisecond)
	cfg.Fleet.Environment = r.sc.Environment
	cfg.DEM = r.sc.demDir
	cfg.Fleet.Airframes = r.sc.Airframes
	swaps, err := r.sc.swapNodes()
	if err != nil {
		return cfg, err
	}
	cfg.Fleet.Airframes = append(append([]yaml.Node(nil), cfg.Fleet.Airframes...), swaps...)
	if r.sc.Wind != nil {
		cfg.Fleet.Wind = *r.sc.Wind
	}
	cfg.Storage.Dir = filepath.Join(r.out, "state")
	cfg.HTTP.Listen = r.opt.HTTP
	if r.sc.MQTT {
		cfg.MQTT.Listen = "127.0.0.1:0"
		cfg.MQTT.Topic = "sitl"
	} else {
		cfg.MQTT.Disabled = true
	}
	for _, s := range r.sc.LaunchSites {
		cfg.Fleet.LaunchSites = append(cfg.Fleet.LaunchSites, daemon.SiteEntry{Name: s.Name, Lat: s.Lat, Lon: s.Lon, Capacity: s.Capacity})
	}
	for _, d := range r.sc.Drones {
		cfg.Fleet.Drones = append(cfg.Fleet.Drones, daemon.DroneEntry{SysID: d.SysID, Count: d.Count, Profile: d.Profile, Site: d.Site})
	}
	return cfg, cfg.Validate()
}

func freeUDPPort() (int, error) {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port, nil
}

func (r *runner) startDaemon(ctx context.Context) error {
	d, err := daemon.Start(ctx, r.cfg, daemon.Options{Clock: r.clk, Logger: r.log.With("part", "daemon"), Seed: r.sc.Seed})
	if err != nil {
		return err
	}
	r.d = d
	return nil
}

func (r *runner) run(ctx context.Context) (*Report, error) {
	port, err := freeUDPPort()
	if err != nil {
		return nil, fmt.Errorf("sitl: %w", err)
	}
	// Each run starts from a clean state: a previous run's in the same
	// directory is replaced.
	if err := os.RemoveAll(filepath.Join(r.out, "state")); err != nil {
		return nil, fmt.Errorf("sitl: %w", err)
	}
	if r.cfg, err = r.daemonConfig(port); err != nil {
		return nil, err
	}
	if err := r.startDaemon(ctx); err != nil {
		return nil, err
	}
	defer func() {
		if r.d != nil {
			_ = r.d.Close(context.Background()) // the run's own error or report is what counts
		}
	}()
	scfg := sim.Config{
		Drones:      r.sc.simDrones(),
		Endpoints:   []gomavlib.EndpointConf{gomavlib.EndpointUDPClient{Address: fmt.Sprintf("127.0.0.1:%d", port)}},
		Clock:       r.clk,
		Seed:        r.sc.Seed,
		GCSTimeout:  r.sc.GCSTimeout,
		BatterySwap: r.sc.BatterySwap,
		// Sped up, the simulator stretches telemetry to its real-time wall
		// rate; the controller would see the fleet minutes late. Ten times
		// that rate keeps it within seconds of flight at 300x.
		MaxWallRate: 300,
		Logger:      r.log.With("part", "sim"),
		Profiles:    r.sc.Table(),
	}
	if r.sc.Wind != nil {
		scfg.Wind = *r.sc.Wind
	}
	if r.sc.terrain != nil {
		scfg.Terrain = r.sc.terrain
	}
	for _, f := range r.sc.Faults {
		scfg.Faults = append(scfg.Faults, sim.ScheduledFault{At: f.At, SysID: f.SysID,
			Fault: sim.Fault{Kind: f.Kind, Duration: f.Duration, Percent: f.Percent, Latency: f.Latency, Network: f.Network}})
	}
	if r.fleet, err = sim.Start(ctx, scfg); err != nil {
		return nil, err
	}
	defer func() { _ = r.fleet.Close(context.Background()) }() // cannot fail: no deadline

	tr, err := newTruth(r.sc)
	if err != nil {
		return nil, err
	}
	rep := newReport(r.sc, r.clk.Speed())
	var lastPlan map[fleet.Network]float64
	started := r.clk.Now()
	total := len(r.sc.simDrones())
	if err := r.waitHeard(ctx, total, started); err != nil {
		return nil, err
	}
	if err := r.deploy(ctx); err != nil {
		return nil, err
	}
	rep.StartedAt = started
	bar := newProgress(r.opt.Progress, r.sc.Duration)
	restarts := append([]time.Duration(nil), r.sc.Restarts...)
	sort.Slice(restarts, func(i, j int) bool { return restarts[i] < restarts[j] })
	tick := clock.PacingTicker(r.clk, r.sc.Sample)
	defer tick.Stop()
	wallStart := time.Now()
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-tick.C():
		}
		t := r.clk.Since(started)
		s := r.d.Controller().Snapshot()
		smp := sampleOf(t, s)
		// Coverage is the simulator's truth; the controller's own figure is
		// kept beside it. While a restarted controller has no plan yet, the
		// last plan still stands.
		fs := r.fleet.Snapshot()
		truth, err := tr.measure(fs)
		if err != nil {
			return nil, err
		}
		smp.Reported, smp.Coverage = smp.Coverage, truth
		smp.Truth = truthOf(fs, s.Drones)
		if s.Plan != nil {
			lastPlan = smp.Planned
		} else if lastPlan != nil {
			smp.Planned = lastPlan
		}
		rep.add(smp)
		if r.opt.Sample != nil {
			r.opt.Sample(smp)
		}
		bar.set(t, smp)
		if err := r.submitTasks(ctx, t); err != nil {
			return nil, err
		}
		if len(restarts) > 0 && t >= restarts[0] {
			restarts = restarts[1:]
			if err := r.restart(ctx, rep, t); err != nil {
				return nil, err
			}
		}
		if t >= r.sc.Duration {
			break
		}
	}
	bar.done()
	rep.WallSeconds = time.Since(wallStart).Seconds()
	evs, err := r.d.Controller().Events(0, 0)
	if err != nil {
		return nil, err
	}
	commands := map[int]uint64{}
	for id, d := range r.fleet.Snapshot().Drones {
		commands[int(id)] = d.Link.Commands
	}
	rep.finish(evs, commands)
	if err := r.finishTasks(ctx, rep, r.d.Controller().Tasks()); err != nil {
		return nil, err
	}
	// The bound is computed after the flight: its placement takes wall
	// time, which the sped-up clock would turn into minutes of flight.
	if rep.Bound, err = UpperBound(r.sc, tr.radii); err != nil {
		return nil, err
	}
	if err := rep.write(r.out); err != nil {
		return nil, err
	}
	return rep, nil
}

// waitHeard waits until the controller hears every drone and knows where
// it stands (30 s of flight time at most).
func (r *runner) waitHeard(ctx context.Context, n int, started time.Time) error {
	for {
		s := r.d.Controller().Snapshot()
		if s.Located() >= n {
			return nil
		}
		if r.clk.Since(started) > 30*time.Second {
			return fmt.Errorf("sitl: only %d of %d drones heard with a position after 30s", s.Located(), n)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func (r *runner) deploy(ctx context.Context) error {
	ctl := r.d.Controller()
	spec := fleet.IncidentSpec{Name: r.sc.Name, Area: r.sc.area, NoFly: r.sc.noFly, TargetCoverage: r.sc.TargetCoverage}
	spec.Networks = networksOf(r.sc)
	if _, err := ctl.CreateIncident(ctx, spec); err != nil {
		return fmt.Errorf("sitl: incident: %w", err)
	}
	if err := ctl.Deploy(ctx); err != nil {
		return fmt.Errorf("sitl: deploy: %w", err)
	}
	return nil
}

// restart kills the daemon (nothing is sent to the aircraft, as with
// SIGKILL) and starts it again on the same state.
func (r *runner) restart(ctx context.Context, rep *Report, t time.Duration) error {
	before, err := r.d.Controller().Events(0, 0)
	if err != nil {
		return err
	}
	if err := r.d.Close(context.Background()); err != nil {
		r.log.Warn("daemon closed with an error", "err", err)
	}
	r.d = nil
	if err := r.startDaemon(ctx); err != nil {
		return fmt.Errorf("sitl: restart at %v: %w", t, err)
	}
	rep.Restarts = append(rep.Restarts, Restart{AtS: t.Seconds(), EventsBefore: len(before)})
	return nil
}

func sampleOf(t time.Duration, s fleet.Snapshot) Sample {
	smp := Sample{T: t, Coverage: map[fleet.Network]float64{}, Planned: map[fleet.Network]float64{}, States: map[fleet.DroneState]int{}, Drones: s.Drones}
	for _, n := range fleet.Networks {
		smp.Coverage[n] = s.Coverage.Fraction[n]
		if s.Plan != nil {
			smp.Planned[n] = s.Plan.Coverage[n]
		}
	}
	if s.Plan != nil {
		smp.Stations = len(s.Plan.Stations)
	}
	for _, d := range s.Drones {
		smp.States[d.State]++
	}
	return smp
}
