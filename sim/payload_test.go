package sim

import (
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
)

// The payload protocol as documented: BS_* and AC_PROFILE NAMED_VALUE_INTs,
// MAV_CMD_USER_1 switching with IN_PROGRESS then ACCEPTED, FAILED and DENIED.
func TestPayloadProtocol(t *testing.T) {
	f, g := startFleet(t, Config{Clock: scaled(t, 20), MaxWallRate: 1000, Drones: []DroneConfig{
		{SysID: 1, Profile: ProfileHeavy, Home: testHome},
		{SysID: 2, Profile: ProfileFixedWing, Home: testHome},
	}})
	ctx := ctxT(t, 60*time.Second)
	for id, idx := range map[uint8]int32{1: 1, 2: 2} {
		if _, err := g.waitMsg(ctx, id, namedValue("AC_PROFILE", idx)); err != nil {
			t.Fatalf("drone %d: AC_PROFILE %d not seen: %v", id, idx, err)
		}
	}
	// the fixed wing carries no private cell: never BS_PRV, and DENIED
	ch, stop := g.subscribe()
	seen := map[string]bool{}
	for len(seen) < 3 {
		select {
		case fr := <-ch:
			if n, ok := fr.Message().(*common.MessageNamedValueInt); ok && fr.SystemID() == 2 {
				seen[n.Name] = true
			}
		case <-ctx.Done():
			t.Fatalf("names from the fixed wing: %v", seen)
		}
	}
	stop()
	if seen["BS_PRV"] || seen["BS_PRV_UE"] || !seen["BS_PUB"] || !seen["BS_PUB_UE"] {
		t.Fatalf("names from the fixed wing: %v", seen)
	}
	res, err := g.command(ctx, 2, common.MAV_CMD_USER_1, 2, 1)
	mustResult(t, "private on, no private cell", res, err, common.MAV_RESULT_UNSUPPORTED)

	// switch-on reports progress, then ACCEPTED
	acks, stop := g.subscribe()
	defer stop()
	g.send(&common.MessageCommandLong{TargetSystem: 1, TargetComponent: 1, Command: common.MAV_CMD_USER_1, Param1: 2, Param2: 1})
	var results []common.MAV_RESULT
	for len(results) == 0 || results[len(results)-1] == common.MAV_RESULT_IN_PROGRESS {
		select {
		case fr := <-acks:
			if a, ok := fr.Message().(*common.MessageCommandAck); ok && fr.SystemID() == 1 && a.Command == common.MAV_CMD_USER_1 {
				results = append(results, a.Result)
			}
		case <-ctx.Done():
			t.Fatalf("acks %v", results)
		}
	}
	if len(results) < 2 || results[0] != common.MAV_RESULT_IN_PROGRESS || results[len(results)-1] != common.MAV_RESULT_ACCEPTED {
		t.Fatalf("acks %v, want IN_PROGRESS... then ACCEPTED", results)
	}
	if c, _ := f.Drone(1).State().Cell(Private); c.State != CellOn {
		t.Fatalf("private cell %v", c.State)
	}
	if _, err := g.waitMsg(ctx, 1, namedValue("BS_PRV", 1)); err != nil {
		t.Fatal(err)
	}
	// users attach once the cell is up in the air
	flyUp(t, f, g, 1, 60)
	if _, err := g.waitMsg(ctx, 1, func(m message.Message) bool {
		n, ok := m.(*common.MessageNamedValueInt)
		return ok && n.Name == "BS_PRV_UE" && n.Value > 0
	}); err != nil {
		t.Fatalf("no users on the private cell: %v", err)
	}
	res, err = g.command(ctx, 1, common.MAV_CMD_USER_1, 2, 0)
	mustResult(t, "private off", res, err, common.MAV_RESULT_ACCEPTED)
	if c, _ := f.Drone(1).State().Cell(Private); c.State != CellOff || c.Users != 0 {
		t.Fatalf("private cell after off: %+v", c)
	}
}
