package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// errUsage marks an error whose message was already printed with the usage.
var errUsage = errors.New("usage")

// command is one subcommand: its one-line summary and its entry point. Each
// entry point parses its own flags and writes only to the writers it is given.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands lists the subcommands. Each lives in a file of its own name.
func commands() map[string]command {
	return map[string]command{
		"version":  {"print the version", runVersion},
		"vehicles": {"list the vehicles heard on a MAVLink endpoint", runVehicles},
		"cmd":      {"send one command to a vehicle (arm, mode, takeoff, goto, rtl, land)", runCmd},
		"plan":     {"plan stations over a disaster area (GeoJSON) for a target coverage or a drone count", runPlan},
		"radio":    {"air-to-ground radio model: best altitude and coverage radius for a path-loss budget", runRadio},
		"serve":    {"run the ground-control daemon (MAVLink, fleet controller, MQTT, console); --demo for a simulated fleet", runServe},
		"sitl":     {"play a SITL scenario: the daemon and the simulator under a sped-up clock, with a report", runSITL},
		"sim":      {"run a simulated fleet of base-station drones (SITL) over MAVLink", runSim},
		"status":   {"print the incident, coverage and drones needing attention, from the daemon's API", runStatus},
		"deploy":   {"fly the plan for the open incident (or --preview it), through the daemon's API", runDeploy},
		"recall":   {"send every drone home, through the daemon's API", runRecall},
		"drones":   {"list the drones, show one, or give one an order, through the daemon's API", runDrones},
		"tasks":    {"list, add, cancel, approve or reassign drops, surveys and fire tasks, through the daemon's API", runTasks},
	}
}

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func runVersion(_ context.Context, _ []string, stdout, _ io.Writer) error {
	_, err := fmt.Fprintln(stdout, "aerocell", version)
	return err
}

// Run runs the subcommand named by args[0].
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr, cmds)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	c, ok := cmds[args[0]]
	if !ok {
		usage(stderr, cmds)
		return fmt.Errorf("unknown command %q", args[0])
	}
	err := c.run(ctx, args[1:], stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

func usage(w io.Writer, cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("aerocell: ground control for emergency communication drones\n\nUsage: aerocell COMMAND [flags]\n\nCommands:\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  %-10s %s\n", n, cmds[n].summary)
	}
	b.WriteString("\nRun 'aerocell COMMAND -h' for a command's flags.\n")
	io.WriteString(w, b.String())
}

// exitCode maps an error to the process exit status: 2 for usage errors, 1
// for everything else.
func exitCode(err error) int {
	var ue usageError
	if errors.Is(err, errUsage) || errors.As(err, &ue) {
		return 2
	}
	return 1
}

// usageError is a bad flag or argument: the command's usage was printed.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// newFlagSet returns a flag set that reports errors instead of exiting, with
// its output going to stderr.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("aerocell "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses args, turning a flag error into a usageError.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	return nil
}

// parseInterleaved parses flags that may come before or after the
// positional arguments (aerocell sitl FILE --out DIR) and returns the
// positional arguments.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}
