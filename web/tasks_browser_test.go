package web_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aerocell/aerocell/task"
	"github.com/aerocell/aerocell/web/webtest"
)

// TestBrowserTasks: the console lists the tasks and draws them on the map
// with their routes; a commander places a drop by a tap on the map, which
// reaches the controller and appears in the list; it saves a screenshot
// of the console with tasks on the map.
func TestBrowserTasks(t *testing.T) {
	p := webtest.NewPage(t, webtest.Options{})
	fl := newScriptedFleet()
	ctx := context.Background()
	ring := []task.LonLat{{ll(-2, 0.5).Lon(), ll(-2, 0.5).Lat()}, {ll(-0.5, 0.5).Lon(), ll(-0.5, 0.5).Lat()},
		{ll(-0.5, 1.4).Lon(), ll(-0.5, 1.4).Lat()}, {ll(-2, 1.4).Lon(), ll(-2, 1.4).Lat()}, {ll(-2, 0.5).Lon(), ll(-2, 0.5).Lat()}}
	if _, err := fl.RequestTask(ctx, task.Request{Kind: task.Survey, Deadline: 40 * time.Minute, Polygon: ring, GSDcm: 3, OverlapPct: 70}); err != nil {
		t.Fatal(err)
	}
	fire := task.LonLat{ll(2.5, -1.5).Lon(), ll(2.5, -1.5).Lat()}
	if _, err := fl.RequestTask(ctx, task.Request{Kind: task.Fire, Deadline: 20 * time.Minute, Point: &fire, Litres: 15}); err != nil {
		t.Fatal(err)
	}
	url := serve(t, fl)
	if err := p.Open(url, commanderToken); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitUntil("two tasks listed", func() (bool, error) {
		rows, err := p.TaskRows()
		return len(rows) == 2, err
	}); err != nil {
		t.Fatal(err)
	}
	if err := p.PlaceDrop("6", "25"); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitUntil("the drop listed", func() (bool, error) {
		rows, err := p.TaskRows()
		return len(rows) == 3 && rows[0] == [2]string{"task-3", "assigned"}, err
	}); err != nil {
		t.Fatal(err)
	}
	if got := fl.given(); !slices.Contains(got, "task drop") {
		t.Fatalf("orders at the controller: %v", got)
	}
	fl.mu.Lock()
	drop := fl.tasks[2]
	fl.mu.Unlock()
	if drop.MassKg != 6 || drop.Deadline != 25*time.Minute || drop.Point == nil {
		t.Fatalf("the drop asked for: %+v", drop.Request)
	}
	if err := p.Screenshot(filepath.Join(screenshotDir(t), "console-tasks.png")); err != nil {
		t.Fatal(err)
	}
}
