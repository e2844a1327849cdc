package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/aerocell/aerocell/api"
	"github.com/aerocell/aerocell/fleet"
)

// defaultAPI is where the API clients (status, deploy, recall, drones) find
// the daemon unless --api or AEROCELL_API says otherwise.
const defaultAPI = "http://127.0.0.1:8080"

// apiFlags are the flags every API client takes.
type apiFlags struct {
	url, token string
	json       bool
}

func (f *apiFlags) register(fs *flag.FlagSet) {
	url := os.Getenv("AEROCELL_API")
	if url == "" {
		url = defaultAPI
	}
	fs.StringVar(&f.url, "api", url, "the daemon's address (env AEROCELL_API)")
	fs.StringVar(&f.token, "token", os.Getenv("AEROCELL_TOKEN"), "bearer token from the daemon's configuration (env AEROCELL_TOKEN); none for a local daemon without tokens")
	fs.BoolVar(&f.json, "json", false, "print the API's JSON instead of text")
}

func (f *apiFlags) client() *api.Client {
	return &api.Client{BaseURL: f.url, Token: f.token}
}

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func runStatus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("status", stderr)
	var af apiFlags
	af.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: aerocell status [--api URL] [--token TOKEN] [--json]\n\n"+
			"Prints the incident, the coverage per network against its target, and the drones that\n"+
			"need attention, from a running daemon's API.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	c := af.client()
	v, err := c.Snapshot(ctx)
	if err != nil {
		return err
	}
	if af.json {
		return printJSON(stdout, v)
	}
	evs, err := c.RecentEvents(ctx, 100)
	if err != nil {
		return err
	}
	var b strings.Builder
	writeStatus(&b, v)
	writeAlerts(&b, evs, 5)
	_, err = io.WriteString(stdout, b.String())
	return err
}

// writeStatus is the text of `aerocell status`.
func writeStatus(b *strings.Builder, v api.View) {
	inc := v.Incident
	if inc == nil {
		b.WriteString("incident:  none open\n")
	} else {
		fmt.Fprintf(b, "incident:  %s (%s, %s)\n", inc.Name, inc.ID, inc.State)
	}
	if v.Paused {
		b.WriteString("automation: PAUSED\n")
	}
	if inc != nil {
		target := inc.TargetCoverage
		if target == 0 {
			target = 0.99
		}
		for _, n := range fleet.Networks {
			f, ok := v.Coverage.Fraction[n]
			if !ok {
				continue
			}
			mark := "ok"
			if f < target {
				mark = fmt.Sprintf("%.1f points short", 100*(target-f))
			}
			fmt.Fprintf(b, "%-9s  %5.1f%% covered (target %.0f%%: %s)\n", n.String()+":", 100*f, 100*target, mark)
		}
	}
	counts := map[fleet.DroneState]int{}
	for _, d := range v.Drones {
		counts[d.State]++
	}
	states := make([]string, 0, len(counts))
	for s, n := range counts {
		states = append(states, fmt.Sprintf("%d %s", n, s))
	}
	sort.Strings(states)
	fmt.Fprintf(b, "drones:    %d (%s)\n", len(v.Drones), strings.Join(states, ", "))
	for _, d := range v.Drones {
		var why []string
		switch d.State {
		case fleet.DroneLost, fleet.DroneFailed:
			why = append(why, string(d.State))
		}
		if !d.Link.Up && d.State != fleet.DroneLost {
			why = append(why, "link down")
		}
		if d.BatteryPct >= 0 && d.BatteryPct < 25 { // -1: unknown or tether-powered
			why = append(why, fmt.Sprintf("battery %.0f%%", d.BatteryPct))
		}
		for _, n := range fleet.Networks {
			if d.Payload[n].State == "failed" {
				why = append(why, n.String()+" cell failed")
			}
		}
		if len(why) > 0 {
			fmt.Fprintf(b, "  ! drone %d: %s\n", d.ID, strings.Join(why, ", "))
		}
	}
}

// writeAlerts lists the last n warnings and critical events of evs.
func writeAlerts(b *strings.Builder, evs []fleet.Event, n int) {
	var alerts []fleet.Event
	for _, ev := range evs {
		if ev.Severity == fleet.Warning || ev.Severity == fleet.Critical {
			alerts = append(alerts, ev)
		}
	}
	if len(alerts) > n {
		alerts = alerts[len(alerts)-n:]
	}
	if len(alerts) == 0 {
		return
	}
	b.WriteString("alerts:\n")
	for _, ev := range alerts {
		fmt.Fprintf(b, "  %s %-8s %s", ev.Time.Format("15:04:05"), ev.Severity, ev.Text)
		if ev.Reason != "" {
			fmt.Fprintf(b, " (%s)", ev.Reason)
		}
		b.WriteByte('\n')
	}
}
