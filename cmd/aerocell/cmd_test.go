package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

func TestCmdActions(t *testing.T) {
	v := newTestVehicle(t, 3)
	v.mu.Lock()
	v.deny[common.MAV_CMD_NAV_LAND] = true
	v.mu.Unlock()
	cases := []struct {
		args   []string
		result string
		ok     bool
	}{
		{[]string{"arm"}, "ACCEPTED", true},
		{[]string{"mode", "guided"}, "ACCEPTED", true},
		{[]string{"takeoff", "30"}, "ACCEPTED", true},
		{[]string{"goto", "-33.87", "151.21", "40"}, "ACCEPTED", true},
		{[]string{"rtl"}, "ACCEPTED", true},
		{[]string{"land"}, "DENIED", false},
		{[]string{"disarm"}, "ACCEPTED", true},
	}
	for _, c := range cases {
		var out, errb bytes.Buffer
		args := append([]string{"cmd", "--mavlink", v.endpoint(), "--sysid", "3", "--json"}, c.args...)
		err := Run(context.Background(), args, &out, &errb)
		if (err == nil) != c.ok {
			t.Errorf("%v: err %v", c.args, err)
		}
		var got map[string]string
		if jerr := json.Unmarshal(out.Bytes(), &got); jerr != nil || got["result"] != c.result {
			t.Errorf("%v: printed %q (%v), want result %s", c.args, out.String(), jerr, c.result)
		}
		if !c.ok && exitCode(err) == 0 {
			t.Errorf("%v: exit 0 on failure", c.args)
		}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.mode != 4 || v.armed {
		t.Errorf("vehicle ended in mode %d armed %v, want GUIDED (4) disarmed", v.mode, v.armed)
	}
	seen := map[common.MAV_CMD]bool{}
	for _, c := range v.got {
		seen[c] = true
	}
	for _, c := range []common.MAV_CMD{common.MAV_CMD_NAV_TAKEOFF, common.MAV_CMD_DO_REPOSITION, common.MAV_CMD_NAV_RETURN_TO_LAUNCH} {
		if !seen[c] {
			t.Errorf("vehicle never got %v", c)
		}
	}
}

func TestCmdPlainOutputAndUsage(t *testing.T) {
	v := newTestVehicle(t, 4)
	var out, errb bytes.Buffer
	if err := Run(context.Background(), []string{"cmd", "--mavlink", v.endpoint(), "--sysid", "4", "arm"}, &out, &errb); err != nil {
		t.Fatalf("%v %s", err, errb.String())
	}
	if strings.TrimSpace(out.String()) != "ACCEPTED" {
		t.Fatalf("printed %q", out.String())
	}
	for _, args := range [][]string{
		{"cmd", "--mavlink", v.endpoint(), "arm"},                                 // no sysid
		{"cmd", "--mavlink", v.endpoint(), "--sysid", "4"},                        // no action
		{"cmd", "--mavlink", v.endpoint(), "--sysid", "4", "fly"},                 // unknown action
		{"cmd", "--mavlink", v.endpoint(), "--sysid", "4", "takeoff"},             // missing argument
		{"cmd", "--mavlink", v.endpoint(), "--sysid", "4", "goto", "x", "1", "2"}, // not a number
		{"cmd", "--mavlink", "bogus", "--sysid", "4", "arm"},                      // bad endpoint
	} {
		err := Run(context.Background(), args, &out, &errb)
		if exitCode(err) != 2 {
			t.Errorf("%v: exit %d (%v), want usage error", args, exitCode(err), err)
		}
	}
}

func TestCmdVehicleNotHeard(t *testing.T) {
	v := newTestVehicle(t, 5)
	var out, errb bytes.Buffer
	err := Run(context.Background(), []string{"cmd", "--mavlink", v.endpoint(), "--sysid", "77", "--wait", "300ms", "--json", "rtl"}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "not heard") || !strings.Contains(out.String(), "NOT_HEARD") {
		t.Fatalf("err %v, out %q", err, out.String())
	}
}
