package sitl

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aerocell/aerocell/clock"
	"github.com/aerocell/aerocell/daemon"
	"github.com/aerocell/aerocell/examples"
	"github.com/aerocell/aerocell/fleet"
	"github.com/aerocell/aerocell/mavlink"
	"github.com/aerocell/aerocell/report/broker"
	"github.com/aerocell/aerocell/report/topic"
	"github.com/aerocell/aerocell/sim"
	"github.com/bluenviron/gomavlib/v3"
)

// DemoOptions configure `aerocell serve --demo`.
type DemoOptions struct {
	// HTTP and MQTT are the console's and the embedded broker's addresses;
	// MQTTWS the broker's WebSocket listener ("" : none).
	HTTP, MQTT, MQTTWS string
	// Speed is how much faster than real time the demo flies (>= 1).
	Speed float64
	// Dir holds the demo's state; a fresh temporary directory when empty.
	Dir string
	// Forward, when set, also sends the fleet's MAVLink traffic there (a
	// local QGroundControl on udpout:127.0.0.1:14550).
	Forward []string
	// Out receives the lines that say where to look.
	Out io.Writer
	// Logger receives the daemon's and the simulator's logs.
	Logger *slog.Logger
}

// demoTeam is the field team whose login the demo prints.
const demoTeam = "rescue-1"

// demoSites are where the demo's ground vehicles stand in quake-mountain.
var demoSites = []Site{
	{Name: "west", Lat: 35.72, Lon: 102.70, Alt: 2400, Capacity: 2},
	{Name: "centre", Lat: 35.66, Lon: 102.80, Alt: 2400, Capacity: 2},
	{Name: "east", Lat: 35.74, Lon: 102.88, Alt: 2400, Capacity: 2},
}

// DemoScenario is the demo's fleet over the quake-mountain area (557 km²):
// four tethered drones at two ground vehicles, two heavy multirotors and
// four fixed-wing relays at the centre, a fleet that can give most of the
// area public coverage (a relay covers some 120 km², a heavy some 27).
func DemoScenario() (*Scenario, error) {
	area, err := examples.Files.ReadFile("areas/quake-mountain.geojson")
	if err != nil {
		return nil, err
	}
	sc := &Scenario{
		Name: "quake-mountain demo", Duration: 72 * time.Hour, Speed: 1, Seed: 1, Area: "areas/quake-mountain.geojson",
		Networks: []string{"public", "private"}, LaunchSites: demoSites,
		Drones: []Drone{
			{SysID: 1, Count: 2, Profile: sim.ProfileTethered, Site: "west"},
			{SysID: 3, Count: 2, Profile: sim.ProfileTethered, Site: "east"},
			{SysID: 5, Count: 2, Profile: sim.ProfileHeavy, Site: "centre"},
			{SysID: 7, Count: 4, Profile: sim.ProfileFixedWing, Site: "centre"},
		},
		Wind:        &sim.Wind{SpeedMS: 4, FromDeg: 250, GustMS: 1},
		BatterySwap: 5 * time.Minute,
	}
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	return sc, sc.SetArea(area, nil)
}

// Demo runs the daemon with its embedded broker and console over a
// simulated fleet, opens the sample incident and deploys it, prints where to
// look, and runs until ctx ends.
func Demo(ctx context.Context, opt DemoOptions) error {
	sc, err := DemoScenario()
	if err != nil {
		return err
	}
	if opt.Speed < 1 {
		opt.Speed = 1
	}
	if opt.Out == nil {
		opt.Out = io.Discard
	}
	if opt.Dir == "" {
		if opt.Dir, err = os.MkdirTemp("", "aerocell-demo-"); err != nil {
			return err
		}
	}
	clk, err := clock.NewScaled(time.Now(), opt.Speed)
	if err != nil {
		return err
	}
	r := &runner{sc: sc, out: opt.Dir, clk: clk, log: opt.Logger}
	if r.log == nil {
		r.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	port, err := freeUDPPort()
	if err != nil {
		return err
	}
	cfg, err := r.daemonConfig(port)
	if err != nil {
		return err
	}
	cfg.Storage.Dir = opt.Dir
	cfg.HTTP.Listen = opt.HTTP
	cfg.MQTT = daemon.DefaultConfig().MQTT
	cfg.MQTT.Listen, cfg.MQTT.WSListen, cfg.MQTT.Topic = opt.MQTT, opt.MQTTWS, "demo"
	cfg.MAVLink.Forward = opt.Forward
	// The fleet signs: without it any sender on the port could speak for a
	// drone. A fresh key each run, printed for a QGroundControl or MAVProxy
	// that wants to join.
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return err
	}
	cfg.MAVLink.SigningKey = hex.EncodeToString(raw[:])
	key, err := mavlink.ParseSigningKey(cfg.MAVLink.SigningKey)
	if err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	users := &broker.Users{Version: broker.UsersVersion}
	password, err := broker.AddTeamLogin(users, demoTeam, demoTeam)
	if err != nil {
		return err
	}
	d, err := daemon.Start(ctx, cfg, daemon.Options{Clock: clk, Logger: r.log.With("part", "daemon"), Users: users.Users, Seed: sc.Seed})
	if err != nil {
		return err
	}
	defer func() {
		if err := d.Close(context.Background()); err != nil {
			r.log.Warn("daemon closed with an error", "err", err)
		}
	}()
	r.d = d
	fl, err := sim.Start(ctx, sim.Config{
		Drones:    sc.simDrones(),
		Endpoints: []gomavlib.EndpointConf{gomavlib.EndpointUDPClient{Address: fmt.Sprintf("127.0.0.1:%d", port)}},
		Clock:     clk, Seed: sc.Seed, Wind: *sc.Wind, GPSNoiseM: 1, BatterySwap: sc.BatterySwap, Logger: r.log.With("part", "sim"),
		Profiles: sc.Table(), SigningKey: key,
	})
	if err != nil {
		return err
	}
	defer func() { _ = fl.Close(context.Background()) }() // cannot fail: no deadline
	if err := r.waitHeard(ctx, len(sc.simDrones()), clk.Now()); err != nil {
		return err
	}
	if s := d.Controller().Snapshot(); s.Incident == nil || s.Incident.State == fleet.IncidentClosed {
		if err := r.deploy(ctx); err != nil {
			return err
		}
	}
	host, portStr, _ := net.SplitHostPort(d.MQTTAddr())
	mport, _ := strconv.Atoi(portStr)
	fmt.Fprintf(opt.Out, "aerocell demo: %d simulated drones over the quake-mountain area, flying at %gx real time\n", len(sc.simDrones()), opt.Speed)
	fmt.Fprintf(opt.Out, "  map and orders:  http://%s/\n", d.HTTPAddr())
	// The team's filters within the demo incident: exactly what its login
	// may read (a team may not subscribe to the whole incident, which would
	// show it the other teams' alerts and positions).
	tree, err := topic.New(cfg.MQTT.Topic)
	if err != nil {
		return err
	}
	read, _ := tree.TeamFilters(demoTeam)
	fmt.Fprintf(opt.Out, "  field team login: %s\n", broker.LoginURL(demoTeam, password, host, mport))
	fmt.Fprintf(opt.Out, "  its topics:       %s\n", strings.Join(read, " "))
	fmt.Fprintf(opt.Out, "  for example:      mosquitto_sub -h %s -p %d -u %s -P '%s' -q 1 -v -t %s -t %s\n",
		host, mport, demoTeam, password, tree.Alerts(), tree.TeamAlerts(demoTeam))
	fmt.Fprintf(opt.Out, "  MAVLink:         the fleet talks to udpin:127.0.0.1:%d", port)
	if len(opt.Forward) > 0 {
		fmt.Fprintf(opt.Out, ", forwarded to %v", opt.Forward)
	}
	fmt.Fprintf(opt.Out, "\n  MAVLink signing: every frame signed; key %s\n", cfg.MAVLink.SigningKey)
	fmt.Fprintf(opt.Out, "  state:           %s\n  Ctrl-C stops it; the drones keep their last order.\n", opt.Dir)
	return d.Wait(ctx)
}
