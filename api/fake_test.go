package api

import (
	"context"
	"sync"

	"github.com/aerocell/aerocell/fleet"
	"github.com/aerocell/aerocell/task"
)

// fakeCtrl is a Controller whose methods are function fields; a nil field
// answers with zero values. It records the methods called.
type fakeCtrl struct {
	snapshot       func() fleet.Snapshot
	subscribe      func() (<-chan fleet.Event, func())
	events         func(since uint64, limit int) ([]fleet.Event, error)
	createIncident func(spec fleet.IncidentSpec) (fleet.Incident, error)
	updateIncident func(spec fleet.IncidentSpec) (fleet.Incident, error)
	closeIncident  func() error
	previewPlan    func() (fleet.Plan, error)
	deploy         func() error
	recall         func() error
	setPaused      func(bool) error
	orderDrone     func(id int, o fleet.Order) error
	exclude        func(id int, ex bool) error
	pinStation     func(st string, pin bool) error
	requestTask    func(r task.Request) (task.Task, error)
	taskOrder      func(what, id string, drone int) (task.Task, error)
	survey         func(id string) (fleet.SurveyView, error)

	mu    sync.Mutex
	calls []string
}

var _ Controller = (*fakeCtrl)(nil)

func (f *fakeCtrl) record(name string) {
	f.mu.Lock()
	f.calls = append(f.calls, name)
	f.mu.Unlock()
}

// changes returns the state-changing calls made so far.
func (f *fakeCtrl) changes() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		switch c {
		case "Snapshot", "Subscribe", "Events", "PreviewPlan", "Survey":
		default:
			out = append(out, c)
		}
	}
	return out
}

func (f *fakeCtrl) Snapshot() fleet.Snapshot {
	if f.snapshot == nil {
		return fleet.Snapshot{}
	}
	return f.snapshot()
}

func (f *fakeCtrl) Subscribe() (<-chan fleet.Event, func()) {
	f.record("Subscribe")
	if f.subscribe == nil {
		return make(chan fleet.Event), func() {}
	}
	return f.subscribe()
}

func (f *fakeCtrl) Events(since uint64, limit int) ([]fleet.Event, error) {
	f.record("Events")
	if f.events == nil {
		return nil, nil
	}
	return f.events(since, limit)
}

func (f *fakeCtrl) CreateIncident(_ context.Context, spec fleet.IncidentSpec) (fleet.Incident, error) {
	f.record("CreateIncident")
	if f.createIncident == nil {
		return fleet.Incident{ID: "inc-1", IncidentSpec: spec, State: fleet.IncidentPlanned}, nil
	}
	return f.createIncident(spec)
}

func (f *fakeCtrl) UpdateIncident(_ context.Context, spec fleet.IncidentSpec) (fleet.Incident, error) {
	f.record("UpdateIncident")
	if f.updateIncident == nil {
		return fleet.Incident{ID: "inc-1", IncidentSpec: spec, State: fleet.IncidentPlanned}, nil
	}
	return f.updateIncident(spec)
}

func (f *fakeCtrl) CloseIncident(context.Context) error {
	f.record("CloseIncident")
	if f.closeIncident == nil {
		return nil
	}
	return f.closeIncident()
}

func (f *fakeCtrl) PreviewPlan(context.Context) (fleet.Plan, error) {
	f.record("PreviewPlan")
	if f.previewPlan == nil {
		return fleet.Plan{}, nil
	}
	return f.previewPlan()
}

func (f *fakeCtrl) Deploy(context.Context) error {
	f.record("Deploy")
	if f.deploy == nil {
		return nil
	}
	return f.deploy()
}

func (f *fakeCtrl) Recall(context.Context) error {
	f.record("Recall")
	if f.recall == nil {
		return nil
	}
	return f.recall()
}

func (f *fakeCtrl) SetPaused(_ context.Context, p bool) error {
	f.record("SetPaused")
	if f.setPaused == nil {
		return nil
	}
	return f.setPaused(p)
}

func (f *fakeCtrl) OrderDrone(_ context.Context, id int, o fleet.Order) error {
	f.record("OrderDrone")
	if f.orderDrone == nil {
		return nil
	}
	return f.orderDrone(id, o)
}

func (f *fakeCtrl) Exclude(_ context.Context, id int, ex bool) error {
	f.record("Exclude")
	if f.exclude == nil {
		return nil
	}
	return f.exclude(id, ex)
}

func (f *fakeCtrl) PinStation(_ context.Context, st string, pin bool) error {
	f.record("PinStation")
	if f.pinStation == nil {
		return nil
	}
	return f.pinStation(st, pin)
}

func (f *fakeCtrl) RequestTask(_ context.Context, r task.Request) (task.Task, error) {
	f.record("RequestTask")
	if f.requestTask == nil {
		return task.Task{}, nil
	}
	return f.requestTask(r)
}

func (f *fakeCtrl) order(what, id string, drone int) (task.Task, error) {
	f.record(what)
	if f.taskOrder == nil {
		return task.Task{}, fleet.ErrUnknownTask
	}
	return f.taskOrder(what, id, drone)
}

func (f *fakeCtrl) CancelTask(_ context.Context, id string) (task.Task, error) {
	return f.order("CancelTask", id, 0)
}

func (f *fakeCtrl) ApproveTask(_ context.Context, id string) (task.Task, error) {
	return f.order("ApproveTask", id, 0)
}

func (f *fakeCtrl) ReassignTask(_ context.Context, id string, drone int) (task.Task, error) {
	return f.order("ReassignTask", id, drone)
}

func (f *fakeCtrl) Survey(_ context.Context, id string) (fleet.SurveyView, error) {
	f.record("Survey")
	if f.survey == nil {
		return fleet.SurveyView{}, fleet.ErrUnknownTask
	}
	return f.survey(id)
}

// fakeTeams is a Teams with a fixed list.
type fakeTeams []Team

func (t fakeTeams) Teams() []Team { return append([]Team(nil), t...) }
