package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aerocell/aerocell/mavlink"
)

// linkFlags are the flags every MAVLink diagnostic shares.
type linkFlags struct {
	endpoints  []string
	signingKey string
	sysid      uint
	tlog       string
}

func (lf *linkFlags) register(fs interface {
	Func(name, usage string, fn func(string) error)
	StringVar(p *string, name, value, usage string)
	UintVar(p *uint, name string, value uint, usage string)
}) {
	fs.Func("mavlink", "endpoint to the vehicles, e.g. udpin:0.0.0.0:14550 (repeat or comma-separate for several)", func(s string) error {
		eps, err := mavlink.ParseEndpoints(s)
		if err != nil {
			return err
		}
		for _, e := range eps {
			lf.endpoints = append(lf.endpoints, e.String())
		}
		return nil
	})
	fs.StringVar(&lf.signingKey, "signing-key", "", "fleet signing key: 64 hex digits, or a passphrase (its SHA-256)")
	fs.UintVar(&lf.sysid, "gcs-sysid", 255, "this station's MAVLink system id")
	fs.StringVar(&lf.tlog, "tlog", "", "write the session's telemetry log (.tlog) to this file")
}

func (lf *linkFlags) config() (mavlink.Config, error) {
	if len(lf.endpoints) == 0 {
		return mavlink.Config{}, usageError{"--mavlink ENDPOINT is required"}
	}
	if lf.sysid < 1 || lf.sysid > 255 {
		return mavlink.Config{}, usageError{fmt.Sprintf("--gcs-sysid %d is not 1 to 255", lf.sysid)}
	}
	cfg := mavlink.Config{Endpoints: lf.endpoints, SystemID: uint8(lf.sysid), TlogPath: lf.tlog}
	if lf.signingKey != "" {
		k, err := mavlink.ParseSigningKey(lf.signingKey)
		if err != nil {
			return cfg, usageError{err.Error()}
		}
		cfg.SigningKey = k
	}
	return cfg, nil
}

// vehicleJSON is one vehicle as `vehicles --json` prints it.
type vehicleJSON struct {
	SysID       uint8    `json:"sysid"`
	CompID      uint8    `json:"compid"`
	Type        string   `json:"type"`
	Autopilot   string   `json:"autopilot"`
	Mode        string   `json:"mode"`
	Armed       bool     `json:"armed"`
	Status      string   `json:"system_status"`
	Lat         float64  `json:"lat"`
	Lon         float64  `json:"lon"`
	AltRel      float64  `json:"alt_rel_m"`
	AltMSL      float64  `json:"alt_msl_m"`
	Heading     float64  `json:"heading_deg"`
	GroundSpeed float64  `json:"ground_speed_ms"`
	GPSFix      string   `json:"gps_fix"`
	Satellites  int      `json:"satellites"`
	BatteryPct  int      `json:"battery_pct"`
	BatteryV    float64  `json:"battery_v"`
	PublicCell  string   `json:"public_cell"`
	PrivateCell string   `json:"private_cell"`
	Lost        bool     `json:"lost"`
	Links       []string `json:"links"`
	RateHz      float64  `json:"rate_hz"`
	LossPct     float64  `json:"loss_pct"`
}

func toJSON(t mavlink.Telemetry) vehicleJSON {
	return vehicleJSON{
		SysID: t.ID.SysID, CompID: t.ID.CompID,
		Type:      strings.TrimPrefix(t.Type.String(), "MAV_TYPE_"),
		Autopilot: strings.TrimPrefix(t.Autopilot.String(), "MAV_AUTOPILOT_"),
		Mode:      t.Mode, Armed: t.Armed,
		Status: strings.TrimPrefix(t.SystemStatus.String(), "MAV_STATE_"),
		Lat:    t.Lat, Lon: t.Lon, AltRel: t.AltRel, AltMSL: t.AltMSL, Heading: t.Heading,
		GroundSpeed: t.GroundSpeed,
		GPSFix:      strings.TrimPrefix(t.GPSFix.String(), "GPS_FIX_TYPE_"), Satellites: t.Satellites,
		BatteryPct: t.BatteryPct, BatteryV: t.BatteryVoltage,
		PublicCell: t.PublicCell.String(), PrivateCell: t.PrivateCell.String(),
		Lost: t.Lost, Links: t.Quality.Links, RateHz: t.Quality.Rate, LossPct: t.Quality.LossPct,
	}
}

func runVehicles(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("vehicles", stderr)
	var lf linkFlags
	lf.register(fs)
	dur := fs.Duration("for", 5*time.Second, "how long to listen")
	asJSON := fs.Bool("json", false, "print one JSON array, one object per vehicle")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: aerocell vehicles --mavlink ENDPOINT [--for 5s] [--signing-key KEY] [--json]\n\nLists the vehicles heard on the endpoints.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	cfg, err := lf.config()
	if err != nil {
		return err
	}
	st, err := mavlink.Open(cfg)
	if err != nil {
		return err
	}
	select {
	case <-time.After(*dur):
	case <-ctx.Done():
	}
	vs := st.Vehicles()
	stats := st.Stats()
	if err := st.Close(context.Background()); err != nil {
		return err
	}
	if *asJSON {
		out := make([]vehicleJSON, 0, len(vs))
		for _, v := range vs {
			out = append(out, toJSON(v))
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(stdout, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "SYSID\tCOMPID\tTYPE\tAUTOPILOT\tMODE\tARMED\tLAT\tLON\tALT_REL\tBATT%\tSATS\tLINK\tSTATE")
	for _, v := range vs {
		j := toJSON(v)
		state := "ok"
		if v.Lost {
			state = "lost"
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%v\t%.7f\t%.7f\t%.1f\t%d\t%d\t%s\t%s\n", j.SysID, j.CompID, j.Type,
			j.Autopilot, j.Mode, j.Armed, j.Lat, j.Lon, j.AltRel, j.BatteryPct, j.Satellites, v.Quality.Link, state)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if refused := stats.RxRefused(); refused > 0 {
		fmt.Fprintf(stderr, "%d frames refused by signing (%d unsigned, %d wrong key)\n", refused, stats.RxUnsigned, stats.RxBadSignature)
	}
	if len(vs) == 0 {
		fmt.Fprintf(stderr, "no vehicle heard in %v (%d frames received)\n", *dur, stats.RxFrames)
	}
	return nil
}
