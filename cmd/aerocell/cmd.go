package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/aerocell/aerocell/mavlink"
)

// cmdActions are the actions of `aerocell cmd`, with their argument names.
var cmdActions = map[string][]string{
	"arm": nil, "disarm": nil, "mode": {"NAME"}, "takeoff": {"ALT_M"},
	"goto": {"LAT", "LON", "ALT_M"}, "rtl": nil, "land": nil,
}

func runCmd(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	fs := newFlagSet("cmd", stderr)
	var lf linkFlags
	lf.register(fs)
	sysid := fs.Uint("sysid", 0, "the vehicle's system id (required)")
	compid := fs.Uint("compid", 1, "the vehicle's component id")
	asJSON := fs.Bool("json", false, `print {"result":"..."} as JSON`)
	wait := fs.Duration("wait", 10*time.Second, "how long to wait to hear the vehicle")
	timeout := fs.Duration("timeout", 60*time.Second, "how long the command may take, retries included")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: aerocell cmd --mavlink ENDPOINT --sysid N [--signing-key KEY] [--json] ACTION [ARGS]\n\n"+
			"Actions: arm, disarm, mode NAME, takeoff ALT_M, goto LAT LON ALT_M, rtl, land\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *sysid < 1 || *sysid > 255 {
		return usageError{"--sysid N (1 to 255) is required"}
	}
	if *compid > 255 {
		return usageError{fmt.Sprintf("--compid %d is not 0 to 255", *compid)}
	}
	action, nums, err := parseAction(fs.Args())
	if err != nil {
		return err
	}
	cfg, err := lf.config()
	if err != nil {
		return err
	}
	cfg.StreamRate = -1 // a one-off command leaves the vehicle's rates alone
	st, err := mavlink.Open(cfg)
	if err != nil {
		return err
	}
	defer func() {
		// Close flushes the telemetry log (--tlog): its error is the
		// command's when nothing else failed.
		if cerr := st.Close(context.Background()); err == nil {
			err = cerr
		}
	}()
	id := mavlink.VehicleID{SysID: uint8(*sysid), CompID: uint8(*compid)}

	report := func(result string, err error) error {
		if *asJSON {
			out := map[string]string{"result": result}
			if err != nil {
				out["error"] = err.Error()
			}
			if jerr := json.NewEncoder(stdout).Encode(out); jerr != nil {
				return jerr
			}
		} else {
			fmt.Fprintln(stdout, result)
		}
		return err
	}

	heard := time.NewTimer(*wait)
	defer heard.Stop()
	for {
		if _, ok := st.Vehicle(id); ok {
			break
		}
		select {
		case <-heard.C:
			return report("NOT_HEARD", fmt.Errorf("vehicle %v not heard on %s within %v", id, strings.Join(lf.endpoints, ","), *wait))
		case <-ctx.Done():
			return report("CANCELLED", ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	cctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	switch action {
	case "arm":
		err = st.Arm(cctx, id)
	case "disarm":
		err = st.Disarm(cctx, id)
	case "mode":
		err = st.SetMode(cctx, id, fs.Arg(1))
	case "takeoff":
		err = st.Takeoff(cctx, id, nums[0])
	case "goto":
		err = st.GoTo(cctx, id, nums[0], nums[1], nums[2])
	case "rtl":
		err = st.RTL(cctx, id)
	case "land":
		err = st.Land(cctx, id)
	}
	return report(resultName(err), err)
}

// parseAction checks the action and its numeric arguments.
func parseAction(args []string) (string, []float64, error) {
	if len(args) == 0 {
		return "", nil, usageError{"no action: want arm, disarm, mode NAME, takeoff ALT_M, goto LAT LON ALT_M, rtl or land"}
	}
	action := strings.ToLower(args[0])
	want, ok := cmdActions[action]
	if !ok {
		return "", nil, usageError{fmt.Sprintf("unknown action %q: want arm, disarm, mode, takeoff, goto, rtl or land", args[0])}
	}
	if len(args)-1 != len(want) {
		return "", nil, usageError{fmt.Sprintf("%s takes %d argument(s) %s, got %d", action, len(want), strings.Join(want, " "), len(args)-1)}
	}
	var nums []float64
	if action != "mode" {
		for i, a := range args[1:] {
			x, err := strconv.ParseFloat(a, 64)
			if err != nil {
				return "", nil, usageError{fmt.Sprintf("%s: %s %q is not a number", action, want[i], a)}
			}
			nums = append(nums, x)
		}
	}
	switch action {
	case "goto":
		if nums[0] < -90 || nums[0] > 90 || nums[1] < -180 || nums[1] > 180 {
			return "", nil, usageError{fmt.Sprintf("goto: %v,%v is not a latitude,longitude", nums[0], nums[1])}
		}
	case "takeoff":
		if nums[0] <= 0 {
			return "", nil, usageError{fmt.Sprintf("takeoff: altitude %v must be positive", nums[0])}
		}
	}
	return action, nums, nil
}

// resultName is the one-word result printed for err.
func resultName(err error) string {
	var ce *mavlink.CommandError
	switch {
	case err == nil:
		return "ACCEPTED"
	case errors.As(err, &ce) && ce.Answered:
		return strings.TrimPrefix(ce.Result.String(), "MAV_RESULT_")
	case errors.Is(err, mavlink.ErrTimeout):
		return "TIMEOUT"
	case errors.Is(err, mavlink.ErrLinkLost):
		return "LINK_LOST"
	case errors.Is(err, mavlink.ErrCancelled):
		return "CANCELLED"
	case errors.Is(err, mavlink.ErrUnknownMode):
		return "UNKNOWN_MODE"
	case errors.Is(err, mavlink.ErrUnknownVehicle):
		return "UNKNOWN_VEHICLE"
	case errors.Is(err, mavlink.ErrQueueFull):
		return "QUEUE_FULL"
	}
	return "FAILED"
}
