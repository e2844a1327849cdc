package daemon

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/aerocell/aerocell/clock"
	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/fleet"
	"github.com/aerocell/aerocell/task"
	paho "github.com/eclipse/paho.mqtt.golang"
)

// The rule that picks the events field teams are told of: every critical
// event, a new kind included; warnings of the battery, incident and plan
// families; a rotation beginning. The kinds and severities are the ones
// the controller emits.
func TestTeamAlertRule(t *testing.T) {
	for _, c := range []struct {
		kind fleet.EventKind
		sev  fleet.Severity
		want bool
	}{
		{fleet.EventDroneFailing, fleet.Critical, true},
		{fleet.EventDroneLost, fleet.Critical, true},
		{fleet.EventDroneDown, fleet.Critical, true},
		{fleet.EventDroneFailsafe, fleet.Critical, true},
		{fleet.EventDronePayloadFailed, fleet.Critical, true},
		{fleet.EventDroneFailed, fleet.Critical, true},
		{fleet.EventDroneCrashed, fleet.Critical, true},
		{fleet.EventPlanFailed, fleet.Critical, true},
		{"drone.on_fire", fleet.Critical, true}, // a kind nobody has listed yet
		{fleet.EventBatteryReserve, fleet.Warning, true},
		{fleet.EventIncidentRecalled, fleet.Warning, true},
		{fleet.EventPlanShrunk, fleet.Warning, true},
		{fleet.EventRotationBegun, fleet.Info, true},

		{fleet.EventCommandFailed, fleet.Warning, false},
		{fleet.EventCommandRefused, fleet.Warning, false},
		{fleet.EventAutomation, fleet.Warning, false},
		{fleet.EventDroneStatusText, fleet.Warning, false},
		{fleet.EventDroneResting, fleet.Warning, false},
		{fleet.EventCoverageLost, fleet.Warning, false},
		{fleet.EventDroneAssigned, fleet.Info, false},
		{fleet.EventIncidentHolding, fleet.Info, false},
		{fleet.EventRotationCompleted, fleet.Info, false},
	} {
		if got := teamAlert(fleet.Event{Kind: c.kind, Severity: c.sev}); got != c.want {
			t.Errorf("%s (%s): alert %v, want %v", c.kind, c.sev, got, c.want)
		}
	}
}

// A drone sinking on station (drone.failing) reaches the field teams: a
// team logged in to the daemon's broker with its own login, on the alerts
// topic its ACL lets it read, gets the alert.
func TestDroneFailingReachesTeams(t *testing.T) {
	clk := clock.NewManual(epoch)
	cfg := brokerConfig(t, "sink")
	d, pass := startWithTeam(t, cfg, clk)

	got := make(chan map[string]any, 8)
	o := paho.NewClientOptions().AddBroker("tcp://" + d.MQTTAddr()).SetClientID("phone-red").
		SetUsername("red").SetPassword(pass)
	c := paho.NewClient(o)
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("team login: %v", tok.Error())
	}
	defer c.Disconnect(100)
	tok := c.Subscribe("aerocell/v1/sink/alerts", 1, func(_ paho.Client, m paho.Message) {
		var a map[string]any
		if json.Unmarshal(m.Payload(), &a) == nil {
			got <- a
		}
	})
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}

	d.bridge.event(fleet.Event{Time: clk.Now(), Kind: fleet.EventDroneFailing, Severity: fleet.Critical, Drone: 4, Station: "S2",
		Text: "drone 4 is sinking: 60 m, station at 120 m", Reason: "losing altitude on station"})
	select {
	case a := <-got:
		if a["kind"] != "drone.failing" || a["severity"] != "critical" || a["drone"] != float64(4) || a["text"] != "drone 4 is sinking: 60 m, station at 120 m" {
			t.Fatalf("alert %v", a)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no drone.failing alert on aerocell/v1/sink/alerts")
	}
}

// The relief area sent to field teams: a closed 48-gon whose vertices lie
// the cell's radius from the station, at any latitude.
func TestReliefCircle(t *testing.T) {
	for _, lat := range []float64{0, 45.2, -62} {
		pg := circle(lat, 6.1, 800)
		if len(pg) != 1 || len(pg[0]) != 49 || !pg[0].Closed() {
			t.Fatalf("lat %v: %d rings, first of %d points, closed %v", lat, len(pg), len(pg[0]), pg[0].Closed())
		}
		for i, p := range pg[0] {
			n, e := coverage.Displacement(lat, 6.1, p[1], p[0])
			if d := math.Hypot(n, e); math.Abs(d-800) > 1e-6 {
				t.Errorf("lat %v: vertex %d %.6f m from the station, want 800", lat, i, d)
			}
		}
		if n, e := coverage.Displacement(lat, 6.1, pg[0][12][1], pg[0][12][0]); math.Abs(n) > 1e-6 || math.Abs(e-800) > 1e-6 {
			t.Errorf("lat %v: vertex 12 at %.3f m north, %.3f m east, want due east", lat, n, e)
		}
	}
}

// Every task event a team is told of carries a status the alerts
// documentation lists; a fire's sortie is the task still active.
func TestTaskAlertStatus(t *testing.T) {
	want := map[fleet.EventKind]task.Status{
		fleet.EventTaskRequested: task.Pending, fleet.EventTaskApproved: task.Pending,
		fleet.EventTaskAssigned: task.Assigned, fleet.EventTaskActive: task.Active, fleet.EventTaskSortie: task.Active,
		fleet.EventTaskDone: task.Done, fleet.EventTaskFailed: task.Failed, fleet.EventTaskRefused: task.Refused,
		fleet.EventTaskCancelled: task.Cancelled,
	}
	for kind, st := range want {
		if got := taskStatus(kind); got != st {
			t.Errorf("%s: status %q, want %q", kind, got, st)
		}
	}
}
