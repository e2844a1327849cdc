package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aerocell/aerocell/api"
	"github.com/aerocell/aerocell/fleet"
	"github.com/aerocell/aerocell/internal/closetest"
	"github.com/aerocell/aerocell/task"
)

const (
	cliCommander = "commander-token-for-the-cli"
	cliViewer    = "viewer-token-for-the-cli-0"
)

// apiFake is the controller behind the API the CLI tests talk to: a snapshot
// and a function per order; it records the orders it was given.
type apiFake struct {
	snap    fleet.Snapshot
	preview func() (fleet.Plan, error)
	deploy  func() error
	order   func(id int, o fleet.Order) error
	survey  func(id string) (fleet.SurveyView, error)

	log []fleet.Event

	mu     sync.Mutex
	orders []string
	tasks  []task.Task
}

var _ api.Controller = (*apiFake)(nil)

func (f *apiFake) record(s string) {
	f.mu.Lock()
	f.orders = append(f.orders, s)
	f.mu.Unlock()
}

func (f *apiFake) got() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.orders...)
}

func (f *apiFake) Snapshot() fleet.Snapshot {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.snap
	s.Tasks = append([]task.Task(nil), f.tasks...)
	return s
}

// RequestTask keeps the task, refusing drops over 10 kg as the heavy
// multirotor would.
func (f *apiFake) RequestTask(_ context.Context, r task.Request) (task.Task, error) {
	f.record("task " + string(r.Kind))
	f.mu.Lock()
	defer f.mu.Unlock()
	t := task.Task{ID: fmt.Sprintf("task-%d", len(f.tasks)+1), Request: r, Status: task.Assigned, Drone: 3}
	if r.MassKg > 10 {
		t.Status, t.Drone, t.Reason = task.Refused, 0, "no drone can do it: heavy-multirotor lifts 10 kg at most"
	}
	f.tasks = append(f.tasks, t)
	return t, nil
}

func (f *apiFake) taskOrder(what, id string, change func(*task.Task) error) (task.Task, error) {
	f.record(what + " " + id)
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.tasks {
		if f.tasks[i].ID == id {
			err := change(&f.tasks[i])
			return f.tasks[i], err
		}
	}
	return task.Task{}, fmt.Errorf("%w: %q", fleet.ErrUnknownTask, id)
}

func (f *apiFake) CancelTask(_ context.Context, id string) (task.Task, error) {
	return f.taskOrder("cancel", id, func(t *task.Task) error {
		if t.Status.Final() {
			return fmt.Errorf("%w: %s is %s already", fleet.ErrInvalid, t.ID, t.Status)
		}
		t.Status = task.Cancelled
		return nil
	})
}

func (f *apiFake) ApproveTask(_ context.Context, id string) (task.Task, error) {
	return f.taskOrder("approve", id, func(t *task.Task) error { t.Approved = true; return nil })
}

func (f *apiFake) ReassignTask(_ context.Context, id string, drone int) (task.Task, error) {
	return f.taskOrder("reassign", id, func(t *task.Task) error { t.Drone = drone; return nil })
}

func (f *apiFake) Survey(_ context.Context, id string) (fleet.SurveyView, error) {
	if f.survey != nil {
		return f.survey(id)
	}
	return fleet.SurveyView{}, fmt.Errorf("%w: %q", fleet.ErrUnknownTask, id)
}
func (f *apiFake) Subscribe() (<-chan fleet.Event, func()) {
	return make(chan fleet.Event), func() {}
}
func (f *apiFake) Events(since uint64, limit int) ([]fleet.Event, error) {
	var out []fleet.Event
	for _, ev := range f.log {
		if ev.Seq > since && len(out) < limit {
			out = append(out, ev)
		}
	}
	return out, nil
}
func (f *apiFake) CreateIncident(_ context.Context, s fleet.IncidentSpec) (fleet.Incident, error) {
	f.record("create " + s.Name)
	return fleet.Incident{ID: "inc-2", IncidentSpec: s, State: fleet.IncidentPlanned}, nil
}
func (f *apiFake) UpdateIncident(_ context.Context, s fleet.IncidentSpec) (fleet.Incident, error) {
	return fleet.Incident{IncidentSpec: s}, nil
}
func (f *apiFake) CloseIncident(context.Context) error { return nil }
func (f *apiFake) PreviewPlan(context.Context) (fleet.Plan, error) {
	if f.preview != nil {
		return f.preview()
	}
	return fleet.Plan{Stations: []fleet.Station{{ID: "s1", Lat: 46.9, Lon: 7.4, AltM: 120, Profile: "quad"}},
		Coverage: map[fleet.Network]float64{fleet.Public: 0.97}}, nil
}
func (f *apiFake) Deploy(context.Context) error {
	f.record("deploy")
	if f.deploy != nil {
		return f.deploy()
	}
	return nil
}
func (f *apiFake) Recall(context.Context) error          { f.record("recall"); return nil }
func (f *apiFake) SetPaused(context.Context, bool) error { return nil }
func (f *apiFake) Exclude(_ context.Context, id int, ex bool) error {
	f.record("exclude " + map[bool]string{true: "on", false: "off"}[ex])
	return nil
}
func (f *apiFake) PinStation(_ context.Context, st string, pin bool) error {
	f.record("pin " + st)
	return nil
}
func (f *apiFake) OrderDrone(_ context.Context, id int, o fleet.Order) error {
	if f.order != nil {
		if err := f.order(id, o); err != nil {
			return err
		}
	}
	f.record(string(o.Kind))
	return nil
}

// cliSnapshot is a fleet with one drone on station and one in trouble.
func cliSnapshot() fleet.Snapshot {
	return fleet.Snapshot{
		Time: time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC),
		Incident: &fleet.Incident{ID: "inc-1", State: fleet.IncidentHolding,
			IncidentSpec: fleet.IncidentSpec{Name: "river flood", TargetCoverage: 0.95}},
		Drones: []fleet.Drone{
			{ID: 1, State: fleet.DroneOnStation, Station: "s1", BatteryPct: 81, Mode: "GUIDED", AltRel: 120,
				Link:    fleet.Link{Up: true},
				Payload: map[fleet.Network]fleet.PayloadState{fleet.Public: {State: "on", Users: 12}, fleet.Private: {State: "on"}}},
			{ID: 2, State: fleet.DroneLost, BatteryPct: 19, Payload: map[fleet.Network]fleet.PayloadState{fleet.Public: {State: "failed"}}},
			{ID: 3, State: fleet.DroneOnStation, BatteryPct: -1, Link: fleet.Link{Up: true}, Tether: &fleet.Tether{Site: "west"}},
		},
		Coverage: fleet.Coverage{Fraction: map[fleet.Network]float64{fleet.Public: 0.9, fleet.Private: 0.97}},
	}
}

// startAPI serves the API over a fake controller and returns its URL.
func startAPI(t *testing.T, f *apiFake) string {
	t.Helper()
	if f.snap.Drones == nil {
		f.snap = cliSnapshot()
	}
	s, err := api.New(api.Config{Addr: "127.0.0.1:0", Tokens: []api.Token{
		{Token: cliCommander, Role: api.Commander, Name: "ic"},
		{Token: cliViewer, Role: api.Viewer, Name: "press"},
	}}, f, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	closetest.ReleaseAtEnd(t, s) // before srv: it ends the streams srv.Close waits for
	return srv.URL
}

func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := Run(context.Background(), args, &out, &errb)
	return out.String() + errb.String(), err
}

func TestStatus(t *testing.T) {
	at := time.Date(2026, 11, 28, 9, 58, 0, 0, time.UTC)
	url := startAPI(t, &apiFake{log: []fleet.Event{
		{Seq: 1, Time: at, Severity: fleet.Info, Text: "Deploy ordered"},
		{Seq: 2, Time: at, Severity: fleet.Critical, Text: "Drone 2 lost", Reason: "link timeout"},
	}})
	out, err := runCLI(t, "status", "--api", url, "--token", cliViewer)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"river flood (inc-1, holding)",
		"public:     90.0% covered (target 95%: 5.0 points short)",
		"private:    97.0% covered (target 95%: ok)",
		"drones:    3 (1 lost, 2 on_station)",
		"! drone 2: lost, battery 19%, public cell failed",
		"alerts:\n  09:58:00 critical Drone 2 lost (link timeout)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Deploy ordered") {
		t.Errorf("info event listed as an alert:\n%s", out)
	}
	if strings.Contains(out, "drone 1:") || strings.Contains(out, "drone 3:") {
		t.Errorf("healthy drone flagged:\n%s", out)
	}
}

func TestStatusJSONAndEnv(t *testing.T) {
	url := startAPI(t, &apiFake{})
	t.Setenv("AEROCELL_API", url)
	t.Setenv("AEROCELL_TOKEN", cliViewer)
	out, err := runCLI(t, "status", "--json")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `"uncovered"`) || !strings.Contains(out, `"river flood"`) {
		t.Fatalf("json status:\n%s", out)
	}
}

func TestStatusRefused(t *testing.T) {
	url := startAPI(t, &apiFake{})
	_, err := runCLI(t, "status", "--api", url, "--token", "wrong-token-wrong-token")
	var ae *api.Error
	if !errors.As(err, &ae) || ae.Status != 401 || exitCode(err) != 1 {
		t.Fatalf("err %v", err)
	}
	if _, err := runCLI(t, "status", "--api", url, "extra"); exitCode(err) != 2 {
		t.Fatalf("extra argument: %v", err)
	}
}
