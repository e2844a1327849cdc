package api

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/aerocell/aerocell/fleet"
)

func TestClient(t *testing.T) {
	f := &fakeCtrl{}
	s := newTestServer(t, f, testTokens)
	srv := httptest.NewServer(s)
	defer srv.Close()
	ctx := context.Background()
	c := &Client{BaseURL: srv.URL + "/", Token: commanderTok}
	v, err := c.Snapshot(ctx)
	if err != nil || len(v.Drones) != 2 || v.Incident == nil || v.Coverage.Fraction[fleet.Public] != 0.6 {
		t.Fatalf("snapshot %+v %v", v, err)
	}
	if d, err := c.Drone(ctx, 1); err != nil || d.Station != "s1" {
		t.Fatalf("drone %+v %v", d, err)
	}
	if ds, err := c.Drones(ctx); err != nil || len(ds) != 2 {
		t.Fatalf("drones %v %v", ds, err)
	}
	if evs, err := c.RecentEvents(ctx, 10); err != nil || len(evs) != 0 {
		t.Fatalf("events %v %v", evs, err)
	}
	if _, err := c.PreviewPlan(ctx); err != nil {
		t.Fatal(err)
	}
	if inc, err := c.CreateIncident(ctx, fleet.IncidentSpec{Name: "x", Area: readArea(t)}); err != nil || inc.Name != "x" {
		t.Fatalf("create %+v %v", inc, err)
	}
	for _, do := range []func() error{
		func() error { return c.Deploy(ctx) },
		func() error { return c.Recall(ctx) },
		func() error { return c.OrderDrone(ctx, 1, fleet.Order{Kind: fleet.OrderLand}) },
		func() error { return c.Exclude(ctx, 1, true) },
		func() error { return c.PinDrone(ctx, 1, true) },
	} {
		if err := do(); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.Drone(ctx, 9)
	var ae *Error
	if !errors.As(err, &ae) || ae.Status != 404 || ae.Message == "" {
		t.Fatalf("unknown drone: %v", err)
	}
	viewer := &Client{BaseURL: srv.URL, Token: viewerTok}
	if err := viewer.Deploy(ctx); !errors.As(err, &ae) || ae.Status != 403 {
		t.Fatalf("viewer deploy: %v", err)
	}
}
