package daemon

import (
	"testing"
	"time"

	"github.com/aerocell/aerocell/fleet"
	"github.com/aerocell/aerocell/sim"
	"github.com/aerocell/aerocell/task"
	paho "github.com/eclipse/paho.mqtt.golang"
)

// A field team asks for a supply drop on its own requests topic, over the
// embedded broker, and follows it on its alerts topic to done; a bad
// payload is answered with the reason and asks nothing of the fleet; the
// team cannot write another team's requests topic.
func TestTeamRequestsDrop(t *testing.T) {
	h2 := base
	h2.Lon += 0.0003
	w := newWorld(t, 30, []sim.DroneConfig{{SysID: 1, Profile: sim.ProfileHeavy, Home: base}, {SysID: 2, Profile: sim.ProfileHeavy, Home: h2}})
	ctl := w.d.Controller()
	w.waitFor("drones heard", 30*time.Second, func(s fleet.Snapshot) bool {
		return len(s.Drones) == 2 && s.Drones[0].Lat != 0 && s.Drones[1].Lat != 0
	})
	tc := w.teamClient()
	ask := func(topic, payload string) {
		t.Helper()
		if tok := tc.c.Publish(topic, 1, false, payload); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatalf("publish %s: %v", topic, tok.Error())
		}
	}
	ask(tc.prefix+"/requests", `{"kind":"drop","deadline":600}`)
	bad, next := tc.wait(t, w, "request.invalid", 0, 5*time.Minute) // a broker round trip: 10 s of wall time at speed 30, room under -race
	if bad["team"] != "red" || bad["text"] == "" {
		t.Fatalf("answer to a drop with no point: %v", bad)
	}
	ask(tc.prefix+"/requests", `{"kind":"survey","deadline":600,"polygon":[[102.80,35.68],[102.81,35.68],[102.81,35.69],[102.80,35.68]],"gsd_cm":3,"overlap_pct":70}`)
	if _, next = tc.wait(t, w, "request.invalid", next, 5*time.Minute); len(ctl.Tasks()) != 0 {
		t.Fatalf("bad requests reached the fleet: %+v", ctl.Tasks())
	}

	ask(tc.prefix+"/requests", `{"kind":"drop","deadline":"20m","point":[102.803,35.684],"mass_kg":5,"note":"water"}`)
	assigned, next := tc.wait(t, w, "task.assigned", next, 5*time.Minute)
	if assigned["status"] != "assigned" || assigned["task"] == "" || assigned["eta"] == nil || assigned["team"] != "red" {
		t.Fatalf("assigned alert: %v", assigned)
	}
	done, _ := tc.wait(t, w, "task.done", next, 20*time.Minute)
	if done["task"] != assigned["task"] || done["status"] != "done" {
		t.Fatalf("done alert: %v", done)
	}
	tk, err := ctl.Task(assigned["task"].(string))
	if err != nil || tk.Team != "red" || tk.Status != task.Done {
		t.Fatalf("the team's task: %+v %v", tk, err)
	}
	if drops := w.fleet.JobLog().Drops; len(drops) != 1 || drops[0].MassKg != 5 {
		t.Fatalf("drops in the simulator: %+v", drops)
	}

	// Another team's requests topic is not red's to write: the broker
	// refuses the message (and may close red's session), the fleet hears
	// nothing.
	o := paho.NewClientOptions().AddBroker("tcp://" + w.d.MQTTAddr()).SetClientID("phone-red-2").
		SetUsername(w.team).SetPassword(w.pass)
	c := paho.NewClient(o)
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("second login: %v", tok.Error())
	}
	defer c.Disconnect(100)
	c.Publish("aerocell/v1/e2e/teams/blue/requests", 1, false, `{"kind":"drop","deadline":"20m","point":[102.803,35.684],"mass_kg":5}`).WaitTimeout(5 * time.Second)
	w.clk.Sleep(30 * time.Second)
	if n := len(ctl.Tasks()); n != 1 {
		t.Fatalf("a forged request reached the fleet: %+v", ctl.Tasks())
	}
}
