package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/aerocell/aerocell/api"
	"github.com/aerocell/aerocell/fleet"
)

func runDrones(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("drones", stderr)
	var af apiFlags
	af.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: aerocell drones [--api URL] [--token TOKEN] [--json] [ID [ORDER [ARGS]]]\n\n"+
			"Lists the drones; with ID shows one; with an ORDER gives it (a commander's order):\n"+
			"  rtl | land | release | approve | goto LAT LON ALT_M | exclude | include | pin | unpin\n"+
			"  (approve adopts a drone heard but not in the configured fleet)\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	c := af.client()
	rest := fs.Args()
	if len(rest) == 0 {
		ds, err := c.Drones(ctx)
		if err != nil {
			return err
		}
		if af.json {
			return printJSON(stdout, ds)
		}
		return writeDrones(stdout, ds)
	}
	id, err := strconv.Atoi(rest[0])
	if err != nil || id < 1 || id > 255 {
		return usageError{fmt.Sprintf("drone id %q is not a system id 1..255", rest[0])}
	}
	if len(rest) == 1 {
		d, err := c.Drone(ctx, id)
		if err != nil {
			return err
		}
		if af.json {
			return printJSON(stdout, d)
		}
		return writeDrones(stdout, []fleet.Drone{d})
	}
	order, err := droneOrder(c, id, rest[1], rest[2:])
	if err != nil {
		return err
	}
	if err := order(ctx); err != nil {
		return err
	}
	if af.json {
		return printJSON(stdout, map[string]string{"accepted": rest[1]})
	}
	_, err = fmt.Fprintf(stdout, "drone %d: %s accepted\n", id, rest[1])
	return err
}

// droneOrder parses ORDER [ARGS] into the call that gives it.
func droneOrder(c *api.Client, id int, kind string, args []string) (func(context.Context) error, error) {
	noArgs := func() error {
		if len(args) > 0 {
			return usageError{fmt.Sprintf("%s takes no arguments", kind)}
		}
		return nil
	}
	switch kind {
	case "rtl", "land", "release", "approve":
		if err := noArgs(); err != nil {
			return nil, err
		}
		return func(ctx context.Context) error {
			return c.OrderDrone(ctx, id, fleet.Order{Kind: fleet.OrderKind(kind)})
		}, nil
	case "goto":
		if len(args) != 3 {
			return nil, usageError{"goto needs LAT LON ALT_M"}
		}
		var v [3]float64
		for i, a := range args {
			f, err := strconv.ParseFloat(a, 64)
			if err != nil {
				return nil, usageError{fmt.Sprintf("goto: %q is not a number", a)}
			}
			v[i] = f
		}
		return func(ctx context.Context) error {
			return c.OrderDrone(ctx, id, fleet.Order{Kind: fleet.OrderGoto, Lat: v[0], Lon: v[1], AltM: v[2]})
		}, nil
	case "exclude", "include":
		if err := noArgs(); err != nil {
			return nil, err
		}
		return func(ctx context.Context) error { return c.Exclude(ctx, id, kind == "exclude") }, nil
	case "pin", "unpin":
		if err := noArgs(); err != nil {
			return nil, err
		}
		return func(ctx context.Context) error { return c.PinDrone(ctx, id, kind == "pin") }, nil
	}
	return nil, usageError{fmt.Sprintf("unknown order %q: rtl, land, release, approve, goto, exclude, include, pin or unpin", kind)}
}

func writeDrones(w io.Writer, ds []fleet.Drone) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tSTATION\tBATTERY\tLINK\tMODE\tALT\tPUBLIC\tPRIVATE\tPOSITION")
	for _, d := range ds {
		link := "down"
		if d.Link.Up {
			link = fmt.Sprintf("up %.0f%% loss", d.Link.LossPct)
		}
		station := d.Station
		if station == "" {
			station = "-"
		}
		cell := func(n fleet.Network) string {
			p, ok := d.Payload[n]
			if !ok || p.State == "" {
				return "-"
			}
			if p.State == "on" {
				return fmt.Sprintf("on (%d)", p.Users)
			}
			return p.State
		}
		battery := fmt.Sprintf("%.0f%%", d.BatteryPct)
		if d.BatteryPct < 0 {
			battery = "-"
			if d.Tether != nil {
				battery = "tether"
			}
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%.0f m\t%s\t%s\t%.5f,%.5f\n", d.ID, d.State, station, battery,
			link, strings.ToLower(d.Mode), d.AltRel, cell(fleet.Public), cell(fleet.Private), d.Lat, d.Lon)
	}
	return tw.Flush()
}
