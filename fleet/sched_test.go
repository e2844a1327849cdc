package fleet

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aerocell/aerocell/sim"
	"github.com/aerocell/aerocell/task"
)

// TestTaskFireSorties: a fire of two and a half tanks is flown as three
// sorties (each loaded by the crew's PARAM_SET on the ground, the drone
// home and through a battery swap between its own), given each to the
// best drone then, and ends done by its deadline with the whole volume
// sprayed (the simulator's job log is the truth). The same fire due
// sooner than its sorties take is refused at once, the reason saying how
// many sorties and how long.
func TestTaskFireSorties(t *testing.T) {
	r := newRig(t, rigOptions{speed: 40, drones: []sim.DroneConfig{heavyAt(1, base), heavyAt(2, base)},
		simCfg: func(c *sim.Config) { c.BatterySwap = 10 * time.Minute }})
	r.waitFor("2 drones heard", 30*time.Second, func(s Snapshot) bool { return s.Located() == 2 })
	ctx := context.Background()
	at := task.LonLat{base.Lon - 0.003, base.Lat + 0.001}
	const litres = 50 // 2.5 tanks of the heavy's 20 L
	short, err := r.ctl.RequestTask(ctx, task.Request{Kind: task.Fire, Deadline: 15 * time.Minute, Point: &at, Litres: litres})
	if err != nil {
		t.Fatal(err)
	}
	if short.Status != task.Refused || !strings.Contains(short.Reason, "3 sorties of 20 L taking") {
		t.Fatalf("a 50 L fire due in 15 minutes: %+v", short)
	}
	fire, err := r.ctl.RequestTask(ctx, task.Request{Kind: task.Fire, Deadline: 80 * time.Minute, Point: &at, Litres: litres})
	if err != nil {
		t.Fatal(err)
	}
	if fire.Status != task.Assigned || fire.ETA.After(fire.DueAt) || fire.ETA.Sub(fire.RequestedAt) < 20*time.Minute {
		t.Fatalf("a 50 L fire due in 80 minutes: %+v (its ETA must count three sorties)", fire)
	}
	s := r.waitFor("fire done", 80*time.Minute, func(s Snapshot) bool { return taskOf(s, fire.ID).Status.Final() })
	got := taskOf(s, fire.ID)
	if got.Status != task.Done || got.DoneAt.After(got.DueAt) {
		t.Fatalf("fire ended %+v", got)
	}
	sprayed := 0.0
	for _, sp := range r.fleet.JobLog().Sprays {
		sprayed += sp.Litres
	}
	if math.Abs(sprayed-litres) > 1 {
		t.Fatalf("%.1f L sprayed for a %d L fire", sprayed, litres)
	}
	evs := taskEvents(t, r, fire.ID)
	if n := countKind(evs, EventTaskSortie); n != 2 {
		t.Fatalf("want 2 sorties done before the last, got %d: %v", n, evs)
	}
	if evs[len(evs)-1] != EventTaskDone {
		t.Fatalf("fire events %v", evs)
	}
}

func countKind(evs []EventKind, k EventKind) int {
	return len(slices.DeleteFunc(slices.Clone(evs), func(e EventKind) bool { return e != k }))
}
