package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bluenviron/gomavlib/v3"

	"github.com/aerocell/aerocell/clock"
	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/dem"
	"github.com/aerocell/aerocell/mavlink"
	"github.com/aerocell/aerocell/sim"
)

// defaultSimHome is ArduPilot SITL's default location (CMAC, Canberra), so
// that a ground station's map opens where engineers expect a SITL.
const defaultSimHome = "-35.363261,149.165230,584"

// runSim runs a simulated fleet until ctx ends (or --for elapses).
func runSim(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("sim", stderr)
	drones := fs.Int("drones", 1, "number of drones (system ids sysid-base..)")
	profile := fs.String("profile", sim.ProfileHeavy, "airframe: tethered-multirotor, heavy-multirotor, fixed-wing-relay or one from --fleet")
	home := fs.String("home", defaultSimHome, "home LAT,LON[,ALT]; drones are spaced 10 m apart eastwards")
	var gcs multiFlag
	fs.Var(&gcs, "gcs", "ground station endpoint, repeatable: udpout:HOST:PORT, udpin:ADDR:PORT, tcpout:HOST:PORT, tcpin:ADDR:PORT (default udpout:127.0.0.1:14550)")
	key := fs.String("signing-key", "", "MAVLink 2 signing key: 64 hex digits, or a passphrase (SHA-256, as MAVProxy)")
	speed := fs.Float64("speed", 1, "virtual clock speed-up (1: real time)")
	base := fs.Int("sysid-base", 1, "system id of the first drone")
	fleetFile := fs.String("fleet", "", "YAML fleet file (profiles, drones, wind, faults); replaces --drones/--profile")
	scenario := fs.String("scenario", "", "YAML scenario file (wind, faults), added to the rest")
	var faults multiFlag
	fs.Var(&faults, "fault", "fault to inject, repeatable: kind=link-drop,sysid=1,at=2m,duration=30s[,percent=20][,latency=500ms][,network=public]")
	seed := fs.Uint64("seed", 1, "random seed (gusts, GPS noise, users, packet loss)")
	wind := fs.String("wind", "", "wind SPEED,FROM[,GUST] in m/s and degrees")
	gpsNoise := fs.Float64("gps-noise", 1, "GPS position noise, metres (standard deviation)")
	gcsTimeout := fs.Duration("gcs-timeout", 0, "GCS failsafe: RTL after this long without a GCS heartbeat (0: off)")
	maxRate := fs.Float64("max-wall-rate", 0, "cap on each drone's telemetry messages per wall second when sped up (0: its real-time rate)")
	demDir := fs.String("dem", "", "directory of SRTM .hgt tiles: the drones stand, land and crash on this ground (home altitudes from it) and ask the ground station for terrain as ArduPilot does")
	runFor := fs.Duration("for", 0, "stop after this long on the wall clock (0: until interrupted)")
	verbose := fs.Bool("v", false, "log lifecycle events to stderr")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("sim: unexpected argument %q", fs.Arg(0))}
	}

	h, err := parseLatLonAlt(*home)
	if err != nil {
		return usageError{"sim: --home: " + err.Error()}
	}
	cfg := sim.Config{Seed: *seed, GPSNoiseM: *gpsNoise, GCSTimeout: *gcsTimeout, MaxWallRate: *maxRate}
	if *verbose {
		cfg.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	}
	if *fleetFile != "" {
		f, err := readSimFile(*fleetFile)
		if err != nil {
			return err
		}
		cfg.Profiles = f.ProfileList()
		cfg.Drones = f.DroneConfigs(h)
		cfg.Faults = append(cfg.Faults, f.ScheduledFaults()...)
		if f.Wind != nil {
			cfg.Wind = *f.Wind
		}
		if f.GCSTimeout > 0 {
			cfg.GCSTimeout = f.GCSTimeout
		}
	}
	if len(cfg.Drones) == 0 {
		known := []string{}
		for _, p := range sim.BuiltinProfiles() {
			known = append(known, p.Name)
		}
		if !slices.Contains(known, *profile) {
			return usageError{fmt.Sprintf("sim: --profile %q: want one of %s (or use --fleet)", *profile, strings.Join(known, ", "))}
		}
		if *drones < 1 || *base < 1 || *base+*drones-1 > 254 {
			return usageError{fmt.Sprintf("sim: --drones %d from --sysid-base %d: system ids must be within 1..254", *drones, *base)}
		}
		for i := 0; i < *drones; i++ {
			dh := h
			dh.Lat, dh.Lon = coverage.Offset(h.Lat, h.Lon, 0, float64(i)*10)
			cfg.Drones = append(cfg.Drones, sim.DroneConfig{SysID: uint8(*base + i), Profile: *profile, Home: dh})
		}
	}
	if *scenario != "" {
		f, err := readSimFile(*scenario)
		if err != nil {
			return err
		}
		cfg.Faults = append(cfg.Faults, f.ScheduledFaults()...)
		if f.Wind != nil {
			cfg.Wind = *f.Wind
		}
	}
	for _, s := range faults {
		sf, err := parseFaultFlag(s)
		if err != nil {
			return usageError{"sim: --fault: " + err.Error()}
		}
		cfg.Faults = append(cfg.Faults, sf)
	}
	if *wind != "" {
		w, err := parseFloats(*wind, 2, 3)
		if err != nil {
			return usageError{"sim: --wind: " + err.Error()}
		}
		cfg.Wind = sim.Wind{SpeedMS: w[0], FromDeg: w[1]}
		if len(w) == 3 {
			cfg.Wind.GustMS = w[2]
		}
	}
	if len(gcs) == 0 {
		gcs = multiFlag{"udpout:127.0.0.1:14550"}
	}
	for _, s := range gcs {
		e, err := parseSimEndpoint(s)
		if err != nil {
			return usageError{"sim: --gcs: " + err.Error()}
		}
		cfg.Endpoints = append(cfg.Endpoints, e)
	}
	if *key != "" {
		k, err := mavlink.ParseSigningKey(*key)
		if err != nil {
			return usageError{"sim: --signing-key: " + err.Error()}
		}
		cfg.SigningKey = k
	}
	if *demDir != "" {
		d, err := dem.Open(*demDir, dem.Options{})
		if err != nil {
			return usageError{"sim: --dem: " + err.Error()}
		}
		cfg.Terrain = d
	}
	if *speed != 1 {
		c, err := clock.NewScaled(time.Now(), *speed)
		if err != nil {
			return usageError{"sim: --speed: " + err.Error()}
		}
		cfg.Clock = c
	}

	fleet, err := sim.Start(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() { _ = fleet.Close(context.Background()) }() // cannot fail: no deadline
	ep := strings.Join(gcs, ", ")
	snap := fleet.Snapshot()
	if snap.Drones == nil { // stopped before it started (ctx ended)
		return nil
	}
	for _, d := range fleet.Drones() {
		st := snap.Drones[d.SysID()]
		line := fmt.Sprintf("drone sysid=%d profile=%s home=%.6f,%.6f,%.0f gcs=%s", st.SysID, st.Profile, st.Home.Lat, st.Home.Lon, st.Home.Alt, ep)
		if st.GroundStation != nil {
			line += fmt.Sprintf(" tether=%.0fm", st.TetherM)
		}
		if _, err := fmt.Fprintln(stdout, line); err != nil {
			return err
		}
	}
	if *runFor > 0 { // from now: the drones are up
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *runFor)
		defer cancel()
	}
	<-ctx.Done()
	return nil
}

func readSimFile(path string) (*sim.File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	f, err := sim.ParseFile(fh)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

// parseSimEndpoint reads KIND:ADDRESS as MAVProxy and QGroundControl name
// them, from the simulated drones' side: udpout sends to a ground station
// listening (udpin on its side), tcpin listens for a ground station.
func parseSimEndpoint(s string) (gomavlib.EndpointConf, error) {
	kind, address, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || address == "" {
		return nil, fmt.Errorf("%q: want KIND:HOST:PORT with KIND udpout, udpin, tcpout or tcpin", s)
	}
	if _, _, err := splitHostPort(address); err != nil {
		return nil, fmt.Errorf("%q: %v", s, err)
	}
	switch kind {
	case "udpout", "udp":
		return gomavlib.EndpointUDPClient{Address: address}, nil
	case "udpin":
		return gomavlib.EndpointUDPServer{Address: address}, nil
	case "tcpout", "tcp":
		return gomavlib.EndpointTCPClient{Address: address}, nil
	case "tcpin":
		return gomavlib.EndpointTCPServer{Address: address}, nil
	}
	return nil, fmt.Errorf("%q: unknown kind %q: want udpout, udpin, tcpout or tcpin", s, kind)
}

func splitHostPort(a string) (string, int, error) {
	i := strings.LastIndex(a, ":")
	if i < 0 {
		return "", 0, fmt.Errorf("no port in %q", a)
	}
	p, err := strconv.Atoi(a[i+1:])
	if err != nil || p < 1 || p > 65535 {
		return "", 0, fmt.Errorf("bad port in %q", a)
	}
	return a[:i], p, nil
}

func parseFloats(s string, min, max int) ([]float64, error) {
	parts := strings.Split(s, ",")
	if len(parts) < min || len(parts) > max {
		return nil, fmt.Errorf("%q: want %d to %d comma-separated numbers", s, min, max)
	}
	out := make([]float64, len(parts))
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil, fmt.Errorf("%q: %q is not a number", s, p)
		}
		out[i] = v
	}
	return out, nil
}

func parseLatLonAlt(s string) (sim.LatLonAlt, error) {
	v, err := parseFloats(s, 2, 3)
	if err != nil {
		return sim.LatLonAlt{}, err
	}
	p := sim.LatLonAlt{Lat: v[0], Lon: v[1]}
	if len(v) == 3 {
		p.Alt = v[2]
	}
	if p.Lat < -85 || p.Lat > 85 || p.Lon < -180 || p.Lon > 180 {
		return p, fmt.Errorf("%q: latitude must be within ±85, longitude within ±180", s)
	}
	return p, nil
}

// parseFaultFlag reads kind=...,sysid=...,at=...,duration=...,percent=...,
// latency=...,network=...
func parseFaultFlag(s string) (sim.ScheduledFault, error) {
	var sf sim.ScheduledFault
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			return sf, fmt.Errorf("%q: want key=value pairs", kv)
		}
		var err error
		switch k {
		case "kind":
			sf.Fault.Kind = sim.FaultKind(v)
		case "sysid":
			var n int
			n, err = strconv.Atoi(v)
			if err == nil && (n < 0 || n > 254) {
				err = fmt.Errorf("out of range")
			}
			sf.SysID = uint8(n)
		case "at":
			sf.At, err = time.ParseDuration(v)
		case "duration":
			sf.Fault.Duration, err = time.ParseDuration(v)
		case "latency":
			sf.Fault.Latency, err = time.ParseDuration(v)
		case "percent":
			sf.Fault.Percent, err = strconv.ParseFloat(v, 64)
		case "network":
			switch v {
			case "public", "1":
				sf.Fault.Network = sim.Public
			case "private", "2":
				sf.Fault.Network = sim.Private
			default:
				err = fmt.Errorf("want public or private")
			}
		default:
			return sf, fmt.Errorf("unknown key %q", k)
		}
		if err != nil {
			return sf, fmt.Errorf("%s=%q: %v", k, v, err)
		}
	}
	if err := sf.Fault.Validate(); err != nil {
		return sf, err
	}
	if sf.At < 0 {
		return sf, fmt.Errorf("at must not be negative")
	}
	return sf, nil
}
