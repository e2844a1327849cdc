package fleet

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aerocell/aerocell/clock"
	"github.com/aerocell/aerocell/mavlink"
	"github.com/aerocell/aerocell/sim"
	"github.com/aerocell/aerocell/store"
	"github.com/bluenviron/gomavlib/v3"
)

var epoch = time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)

// rig is a controller flying a simulated fleet over real loopback UDP, all
// on one sped-up virtual clock.
type rig struct {
	t     testing.TB
	clk   *clock.Paced
	fleet *sim.Fleet
	link  *mavlink.Station
	ctl   *Controller
	st    *store.Store
	path  string
	stop  context.CancelFunc
	done  chan error
	cfg   Config
	radio func(*mavlink.Station) MAVLink
}

type rigOptions struct {
	speed  float64
	drones []sim.DroneConfig
	cfg    Config // MAVLink, Store, Clock filled in
	dbPath string
	simCfg func(*sim.Config)
	// linkLoss is the link-loss timeout (virtual); 10 s when zero.
	linkLoss time.Duration
	// radio, when set, wraps the link the controller talks through.
	radio func(*mavlink.Station) MAVLink
	// linkTerrain, when set, is the DEM the link answers the drones'
	// terrain requests from (mavlink.Config.Terrain).
	linkTerrain mavlink.Terrain
}

func newRig(t testing.TB, o rigOptions) *rig {
	t.Helper()
	if o.speed == 0 {
		o.speed = 50
	}
	clk, err := clock.NewPaced(epoch, o.speed, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(clk.Stop)
	if o.linkLoss == 0 {
		o.linkLoss = 10 * time.Second
	}
	link, err := mavlink.Open(mavlink.Config{
		Endpoints:       []string{"udpin:127.0.0.1:0"},
		Clock:           clk,
		LinkLossTimeout: o.linkLoss,
		Terrain:         o.linkTerrain,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = link.Close(context.Background()) }) // cannot fail: no deadline, no tlog
	scfg := sim.Config{
		Drones:    o.drones,
		Endpoints: []gomavlib.EndpointConf{gomavlib.EndpointUDPClient{Address: link.Addrs()[0].String()}},
		Clock:     clk,
		Seed:      7,
	}
	if o.simCfg != nil {
		o.simCfg(&scfg)
	}
	f, err := sim.Start(context.Background(), scfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close(context.Background()) }) // cannot fail: no deadline
	if o.cfg.Drones == nil && !o.cfg.AdoptUnknown {
		o.cfg.Drones = map[int]DroneConfig{} // the simulated drones are the fleet
		for _, d := range o.drones {
			o.cfg.Drones[int(d.SysID)] = DroneConfig{Profile: d.Profile}
		}
	}
	r := &rig{t: t, clk: clk, fleet: f, link: link, cfg: o.cfg, path: o.dbPath, radio: o.radio}
	if r.path == "" {
		r.path = filepath.Join(t.TempDir(), "state.db")
	}
	r.startController()
	return r
}

func (r *rig) startController() {
	r.t.Helper()
	st, err := store.Open(r.path)
	if err != nil {
		r.t.Fatal(err)
	}
	cfg := r.cfg
	cfg.MAVLink, cfg.Store, cfg.Clock = r.link, st, r.clk
	if r.radio != nil {
		cfg.MAVLink = r.radio(r.link)
	}
	if os.Getenv("FLEET_LOG") != "" {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	} else {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ctl, err := New(cfg)
	if err != nil {
		r.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.ctl, r.st, r.stop, r.done = ctl, st, cancel, make(chan error, 1)
	go func() { r.done <- ctl.Run(ctx) }()
	r.t.Cleanup(r.stopController)
}

func (r *rig) stopController() {
	if r.stop == nil {
		return
	}
	r.stop()
	if err := <-r.done; err != nil {
		r.t.Errorf("controller: %v", err)
	}
	r.st.Close()
	r.stop = nil
}

// waitFor polls the controller's snapshot until cond holds or the virtual
// deadline passes.
func (r *rig) waitFor(what string, virtual time.Duration, cond func(Snapshot) bool) Snapshot {
	r.t.Helper()
	deadline := r.clk.Now().Add(virtual)
	for {
		s := r.ctl.Snapshot()
		if cond(s) {
			return s
		}
		if r.clk.Now().After(deadline) {
			r.dump(s)
			r.t.Fatalf("%s: not reached within %v of virtual time", what, virtual)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func (r *rig) dump(s Snapshot) {
	b, _ := json.MarshalIndent(struct {
		Incident *Incident
		Plan     *Plan
		Drones   []Drone
		Coverage map[Network]float64
	}{s.Incident, s.Plan, s.Drones, s.Coverage.Fraction}, "", " ")
	r.t.Logf("snapshot: %s", b)
	evs, _ := r.ctl.Events(0, 0)
	for _, e := range evs {
		r.t.Logf("event %d %s %s: %s (%s)", e.Seq, e.Time.Sub(epoch), e.Kind, e.Text, e.Reason)
	}
}

// square is a GeoJSON polygon of side km centred on lat, lon.
func square(lat, lon, km float64) json.RawMessage {
	dlat := km / 2 / 111.32
	dlon := dlat / cosDeg(lat)
	return json.RawMessage(fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%f,%f],[%f,%f],[%f,%f],[%f,%f],[%f,%f]]]}`,
		lon-dlon, lat-dlat, lon+dlon, lat-dlat, lon+dlon, lat+dlat, lon-dlon, lat+dlat, lon-dlon, lat-dlat))
}
