package fleet

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestEventKindFamily(t *testing.T) {
	for _, c := range []struct {
		kind EventKind
		want EventFamily
	}{
		{EventDroneLost, FamilyDrone},
		{EventDronePayloadFailed, FamilyDrone},
		{EventStationReleased, FamilyStation},
		{EventRotationBegun, FamilyRotation},
		{EventBatteryReserve, FamilyBattery},
		{EventCommandRefused, FamilyCommand},
		{EventIncidentRecalled, FamilyIncident},
		{EventPlanShrunk, FamilyPlan},
		{EventCoverageLost, FamilyCoverage},
		{EventAutomation, FamilyAutomation},
		{"drone.on_fire", FamilyDrone}, // a kind not declared yet
		{"", ""},
	} {
		if got := c.kind.Family(); got != c.want {
			t.Errorf("%q.Family() = %q, want %q", c.kind, got, c.want)
		}
	}
}

// The kind is the event's wire value, unchanged by its Go type: the API's
// event stream and the field teams' alerts carry these strings
// (api/openapi.json, docs/mqtt.md).
func TestEventKindOnTheWire(t *testing.T) {
	b, err := json.Marshal(Event{Kind: EventDroneLost, Severity: Critical, Drone: 3, Text: "drone 3 lost"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"kind":"drone.lost"`) {
		t.Fatalf("event on the wire: %s", b)
	}
	var e Event
	if err := json.Unmarshal([]byte(`{"kind":"rotation.begun","severity":"info","text":"x"}`), &e); err != nil {
		t.Fatal(err)
	}
	if e.Kind != EventRotationBegun {
		t.Fatalf("decoded kind %q", e.Kind)
	}
}
