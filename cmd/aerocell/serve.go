package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/aerocell/aerocell/clock"
	"github.com/aerocell/aerocell/daemon"
	"github.com/aerocell/aerocell/sitl"
)

// runServe runs the daemon until ctx ends. Only flags and configuration
// live here; the wiring is package daemon's (and sitl's for --demo).
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	config := fs.String("config", "", "YAML configuration file (see examples/aerocell.yaml)")
	httpAddr := fs.String("http", "", "console (API and map) address (default 127.0.0.1:8080)")
	mqttAddr := fs.String("mqtt-listen", "", "embedded MQTT broker address (default 127.0.0.1:1883)")
	mqttWS := fs.String("mqtt-ws-listen", "", "embedded MQTT broker WebSocket address (default: none; demo 127.0.0.1:1884)")
	var endpoints multiFlag
	fs.Var(&endpoints, "mavlink", "MAVLink endpoint, repeatable (udpin:0.0.0.0:14550, tcpout:HOST:PORT, serial:/dev/ttyUSB0:57600); replaces the config's")
	dataDir := fs.String("data-dir", "", "where state lives (default aerocell-data)")
	demo := fs.Bool("demo", false, "run the demo: a simulated fleet over a sample area, the embedded broker and the map, deployment started")
	speed := fs.Float64("speed", 0, "simulated time factor: with --demo how much faster than real time the fleet flies (default 4); otherwise only for SITL against a simulator running at the same speed (never in the field)")
	var forward multiFlag
	fs.Var(&forward, "forward", "also send all MAVLink traffic there, repeatable (a QGroundControl on udpout:127.0.0.1:14550)")
	verbose := fs.Bool("v", false, "with --demo: log to stderr")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("serve: unexpected argument %q", fs.Arg(0))}
	}
	if *demo {
		if *config != "" || len(endpoints) > 0 {
			return usageError{"serve: --demo runs on embedded defaults; it takes no --config or --mavlink"}
		}
		if *speed == 0 {
			*speed = 4
		}
		opt := sitl.DemoOptions{HTTP: orDefault(*httpAddr, "127.0.0.1:8080"), MQTT: orDefault(*mqttAddr, "127.0.0.1:1883"),
			MQTTWS: orDefault(*mqttWS, "127.0.0.1:1884"), Speed: *speed, Dir: *dataDir, Forward: forward, Out: stdout}
		if *verbose {
			opt.Logger = slog.New(slog.NewTextHandler(stderr, nil))
		}
		return sitl.Demo(ctx, opt)
	}
	cfg := daemon.DefaultConfig()
	if *config != "" {
		c, err := daemon.LoadConfig(*config)
		if err != nil {
			return err
		}
		cfg = c
	}
	cfg.ApplyEnv(os.Getenv)
	if *httpAddr != "" {
		cfg.HTTP.Listen = *httpAddr
	}
	if *mqttAddr != "" {
		cfg.MQTT.Listen = *mqttAddr
	}
	if *mqttWS != "" {
		cfg.MQTT.WSListen = *mqttWS
	}
	if len(endpoints) > 0 {
		cfg.MAVLink.Endpoints = endpoints
	}
	if len(forward) > 0 {
		cfg.MAVLink.Forward = forward
	}
	if *dataDir != "" {
		cfg.Storage.Dir = *dataDir
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	opt := daemon.Options{Stderr: stderr}
	if *speed != 0 && *speed != 1 {
		clk, err := clock.NewScaled(time.Now(), *speed)
		if err != nil {
			return usageError{"serve: --speed: " + err.Error()}
		}
		opt.Clock = clk
		fmt.Fprintf(stderr, "aerocell: simulated time runs %gx real time (SITL only)\n", *speed)
	}
	d, err := daemon.Start(ctx, cfg, opt)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "aerocell serving: console http://%s/", d.HTTPAddr())
	if a := d.MQTTAddr(); a != "" {
		fmt.Fprintf(stdout, ", MQTT %s", a)
	}
	fmt.Fprintln(stdout)
	werr := d.Wait(ctx)
	if err := d.Close(context.Background()); werr == nil {
		werr = err
	}
	return werr
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
