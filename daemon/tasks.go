package daemon

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aerocell/aerocell/fleet"
	"github.com/aerocell/aerocell/report"
	"github.com/aerocell/aerocell/task"
)

// Field teams' requests (issue 12): a team asks for a supply drop on its
// own requests topic and follows it on its alerts topic.

// teamRequest is a message from a team's requests topic.
type teamRequest struct {
	team    string
	payload []byte
}

// onTeamRequest is the reporter's hook: the request waits for the run
// loop (the MQTT session's goroutine must not block on the controller).
func (b *bridge) onTeamRequest(team string, payload []byte) {
	select {
	case b.requests <- teamRequest{team: team, payload: payload}:
	default:
		b.log.Warn("team request dropped: too many waiting", "team", team)
	}
}

// requestTimeout bounds the controller's answer to a team's request.
const requestTimeout = 10 * time.Second

// teamRequest checks a team's request and hands it to the controller. A
// bad one is answered on the team's alerts (request.invalid) and changes
// nothing; a good one is followed there by the controller's task events
// (task.requested, then task.assigned with its ETA, or task.refused with
// the reason).
func (b *bridge) teamRequest(ctx context.Context, q teamRequest) {
	req, err := task.ParseRequest(q.payload)
	switch {
	case err != nil:
	case req.Kind != task.Drop:
		err = fmt.Errorf("task: kind: a field team asks for a drop; %s tasks are the commander's", req.Kind)
	case req.Team != "" && req.Team != q.team:
		err = fmt.Errorf("task: team: %q is not this topic's team %q", req.Team, q.team)
	}
	if err == nil {
		req.Team = q.team
		ctx, cancel := context.WithTimeout(ctx, requestTimeout)
		_, err = b.ctl.RequestTask(ctx, req)
		cancel()
		if err == nil {
			return // the controller's events answer
		}
	}
	b.log.Info("team request refused", "team", q.team, "err", err)
	if b.rep == nil {
		return
	}
	a := report.Alert{Time: b.clk.Now(), Kind: "request.invalid", Severity: report.Severity(fleet.Warning), Team: q.team,
		Text: "request refused, nothing was asked of the fleet: " + strings.TrimPrefix(err.Error(), "fleet: ")}
	if _, err := b.rep.Raise(a); err != nil {
		b.log.Error("alert not raised", "kind", a.Kind, "err", err)
	}
}

// taskAlert tells the team that asked for a task where it is and when it
// is expected done.
func (b *bridge) taskAlert(e fleet.Event) {
	if b.rep == nil {
		return
	}
	a := report.Alert{Time: e.Time, Kind: string(e.Kind), Severity: report.Severity(e.Severity), Text: e.Text,
		Drone: e.Drone, Team: e.Team, Task: e.Task, Status: string(taskStatus(e.Kind)), ETA: e.ETA}
	if _, err := b.rep.Raise(a); err != nil {
		b.log.Error("alert not raised", "kind", e.Kind, "err", err)
	}
}

// taskStatus is where a task stands after an event of kind: the status a
// team's alert carries.
func taskStatus(kind fleet.EventKind) task.Status {
	switch kind {
	case fleet.EventTaskRequested, fleet.EventTaskApproved:
		return task.Pending
	case fleet.EventTaskSortie: // one tank of a fire sprayed, more to go
		return task.Active
	}
	return task.Status(strings.TrimPrefix(string(kind), "task."))
}
