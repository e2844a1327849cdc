package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/aerocell/aerocell/fleet"
)

// Client calls the API; the CLI's status, deploy, recall and drones use it.
type Client struct {
	// BaseURL is the daemon's address, e.g. "http://127.0.0.1:8080".
	BaseURL string
	// Token is the bearer token (optional when the daemon has none).
	Token string
	// HTTP is the client to use; defaults to http.DefaultClient.
	HTTP *http.Client
}

// Error is an error response from the API.
type Error struct {
	Status  int
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, http.StatusText(e.Status), e.Message)
}

func (c *Client) do(ctx context.Context, method, path, contentType string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.BaseURL, "/")+Prefix+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		var eb errorBody
		if json.Unmarshal(data, &eb) != nil || eb.Error == "" {
			eb.Error = strings.TrimSpace(string(data))
		}
		return &Error{Status: resp.StatusCode, Message: eb.Error}
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decoding %s %s: %w", method, path, err)
	}
	return nil
}

func (c *Client) post(ctx context.Context, path string, v any, out any) error {
	var body []byte
	if v != nil {
		var err error
		if body, err = json.Marshal(v); err != nil {
			return err
		}
	}
	return c.do(ctx, http.MethodPost, path, "application/json", body, out)
}

// Snapshot returns the whole fleet state.
func (c *Client) Snapshot(ctx context.Context) (View, error) {
	var v View
	err := c.do(ctx, http.MethodGet, "/snapshot", "", nil, &v)
	return v, err
}

// Drones lists the drones.
func (c *Client) Drones(ctx context.Context) ([]fleet.Drone, error) {
	var d []fleet.Drone
	err := c.do(ctx, http.MethodGet, "/drones", "", nil, &d)
	return d, err
}

// Drone returns one drone.
func (c *Client) Drone(ctx context.Context, id int) (fleet.Drone, error) {
	var d fleet.Drone
	err := c.do(ctx, http.MethodGet, "/drones/"+strconv.Itoa(id), "", nil, &d)
	return d, err
}

// CreateIncident opens an incident from a GeoJSON area.
func (c *Client) CreateIncident(ctx context.Context, spec fleet.IncidentSpec) (fleet.Incident, error) {
	var inc fleet.Incident
	err := c.post(ctx, "/incident", spec, &inc)
	return inc, err
}

// PreviewPlan returns the plan that Deploy would fly.
func (c *Client) PreviewPlan(ctx context.Context) (fleet.Plan, error) {
	var p fleet.Plan
	err := c.do(ctx, http.MethodGet, "/plan/preview", "", nil, &p)
	return p, err
}

// Deploy flies the plan for the open incident.
func (c *Client) Deploy(ctx context.Context) error { return c.post(ctx, "/deploy", nil, nil) }

// Recall sends every drone home.
func (c *Client) Recall(ctx context.Context) error { return c.post(ctx, "/recall", nil, nil) }

// OrderDrone gives drone id an order.
func (c *Client) OrderDrone(ctx context.Context, id int, o fleet.Order) error {
	return c.post(ctx, "/drones/"+strconv.Itoa(id)+"/orders", o, nil)
}

// Exclude takes drone id out of automation, or gives it back.
func (c *Client) Exclude(ctx context.Context, id int, excluded bool) error {
	return c.post(ctx, "/drones/"+strconv.Itoa(id)+"/exclude", map[string]bool{"excluded": excluded}, nil)
}

// PinDrone pins or unpins the station drone id holds.
func (c *Client) PinDrone(ctx context.Context, id int, pinned bool) error {
	return c.post(ctx, "/drones/"+strconv.Itoa(id)+"/pin", map[string]bool{"pinned": pinned}, nil)
}

// RecentEvents returns the last n events of the log, oldest first.
func (c *Client) RecentEvents(ctx context.Context, n int) ([]fleet.Event, error) {
	var evs []fleet.Event
	err := c.do(ctx, http.MethodGet, "/events?tail="+strconv.Itoa(n), "", nil, &evs)
	return evs, err
}
