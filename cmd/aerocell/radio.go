package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"

	"github.com/aerocell/aerocell/coverage"
)

// radioOutput is what `aerocell radio --json` prints.
type radioOutput struct {
	Env     coverage.Environment `json:"env"`
	FreqMHz float64              `json:"freq_mhz"`
	coverage.Altitude
	MinAltM float64  `json:"min_alt_m"`
	MaxAltM *float64 `json:"max_alt_m"`
}

func runRadio(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("radio", stderr)
	envName := fs.String("env", coverage.DefaultEnv, "environment: free-space, suburban, urban, dense-urban, high-rise-urban, or custom (with --a --b --eta-los-db --eta-nlos-db)")
	freq := fs.Float64("freq-mhz", 0, "carrier frequency in MHz (required)")
	maxPL := fs.Float64("max-path-loss-db", math.NaN(), "maximum allowed path loss in dB (required)")
	minAlt := fs.Float64("min-alt-m", 0, "lowest altitude the drone may fly, metres above ground")
	maxAlt := fs.Float64("max-alt-m", math.Inf(1), "highest altitude the drone may fly (tether, ceiling, airspace)")
	a := fs.Float64("a", math.NaN(), "custom environment: S-curve parameter a")
	b := fs.Float64("b", math.NaN(), "custom environment: S-curve parameter b")
	etaLoS := fs.Float64("eta-los-db", math.NaN(), "custom environment: mean excess loss with line of sight, dB")
	etaNLoS := fs.Float64("eta-nlos-db", math.NaN(), "custom environment: mean excess loss without line of sight, dB")
	asJSON := fs.Bool("json", false, "print one JSON object")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: aerocell radio --env ENV --freq-mhz F --max-path-loss-db L [--min-alt-m A] [--max-alt-m B] [--json]\n\n"+
			"Prints the optimal elevation angle and the altitude that maximises the ground radius\n"+
			"(Al-Hourani et al. 2014), unconstrained and within the altitude limits.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	var env coverage.Environment
	if *envName == "custom" {
		env = coverage.Environment{Name: "custom", A: *a, B: *b, EtaLoSdB: *etaLoS, EtaNLoSdB: *etaNLoS}
		if math.IsNaN(*a) || math.IsNaN(*b) || math.IsNaN(*etaLoS) || math.IsNaN(*etaNLoS) {
			return usageError{"--env custom needs --a, --b, --eta-los-db and --eta-nlos-db"}
		}
	} else {
		var err error
		if env, err = coverage.EnvironmentByName(*envName); err != nil {
			return usageError{err.Error()}
		}
	}
	if math.IsNaN(*maxPL) {
		return usageError{"--max-path-loss-db is required"}
	}
	m, err := coverage.NewModel(env, *freq)
	if err != nil {
		return usageError{err.Error()}
	}
	alt, err := m.BestAltitude(*maxPL, *minAlt, *maxAlt)
	if err != nil {
		return err
	}
	if *asJSON {
		out := radioOutput{Env: env, FreqMHz: *freq, Altitude: alt, MinAltM: *minAlt}
		if !math.IsInf(*maxAlt, 1) {
			out.MaxAltM = maxAlt
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	_, err = fmt.Fprintf(stdout, "environment %s at %.0f MHz, max path loss %.1f dB\n"+
		"optimal elevation angle: %.2f deg\n"+
		"unconstrained optimum:   altitude %.0f m, radius %.0f m\n"+
		"within limits:           altitude %.0f m, radius %.0f m%s\n",
		env.Name, *freq, *maxPL, alt.OptimalElevationDeg, alt.OptimalAltM, alt.OptimalRadiusM, alt.AltM, alt.RadiusM,
		map[bool]string{true: " (clamped)", false: ""}[alt.Clamped])
	return err
}
