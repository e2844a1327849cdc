package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/aerocell/aerocell/task"
)

// Tasks lists the tasks, oldest first.
func (c *Client) Tasks(ctx context.Context) ([]task.Task, error) {
	var ts []task.Task
	err := c.do(ctx, http.MethodGet, "/tasks", "", nil, &ts)
	return ts, err
}

// Task returns one task.
func (c *Client) Task(ctx context.Context, id string) (task.Task, error) {
	var t task.Task
	err := c.do(ctx, http.MethodGet, "/tasks/"+url.PathEscape(id), "", nil, &t)
	return t, err
}

// RequestTask asks for a task. One no drone can do in time is an *Error
// (422) whose message is the reason.
func (c *Client) RequestTask(ctx context.Context, r task.Request) (task.Task, error) {
	var t task.Task
	err := c.post(ctx, "/tasks", r, &t)
	return t, err
}

// CancelTask cancels a task.
func (c *Client) CancelTask(ctx context.Context, id string) (task.Task, error) {
	var t task.Task
	err := c.do(ctx, http.MethodDelete, "/tasks/"+url.PathEscape(id), "", nil, &t)
	return t, err
}

// ApproveTask approves a task waiting for a commander.
func (c *Client) ApproveTask(ctx context.Context, id string) (task.Task, error) {
	var t task.Task
	err := c.post(ctx, "/tasks/"+url.PathEscape(id)+"/approve", nil, &t)
	return t, err
}

// ReassignTask gives a task to another drone.
func (c *Client) ReassignTask(ctx context.Context, id string, drone int) (task.Task, error) {
	var t task.Task
	err := c.post(ctx, "/tasks/"+url.PathEscape(id)+"/reassign", map[string]int{"drone": drone}, &t)
	return t, err
}

// TaskSurvey returns a survey task's GeoJSON as the daemon writes it: its
// area with the plan's figures, its transects, and the photos taken so far
// where the drone reported them, each with its ground footprint.
func (c *Client) TaskSurvey(ctx context.Context, id string) ([]byte, error) {
	var b json.RawMessage
	err := c.do(ctx, http.MethodGet, "/tasks/"+url.PathEscape(id)+"/survey.geojson", "", nil, &b)
	return b, err
}
