package web_test

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aerocell/aerocell/api"
	"github.com/aerocell/aerocell/task"
	"github.com/aerocell/aerocell/web/webtest"
	"github.com/chromedp/chromedp"
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

// apiTasks reads the tasks from the API, as the commander.
func apiTasks(t *testing.T, url string) []task.Task {
	t.Helper()
	var ts []task.Task
	if err := getJSON(url+api.Prefix+"/tasks", &ts); err != nil {
		t.Fatal(err)
	}
	return ts
}

// openTasksPage opens the console on fl as the commander and waits until
// it shows the incident (the map is fitted to it).
func openTasksPage(t *testing.T, fl *scriptedFleet) (*webtest.Page, string) {
	t.Helper()
	p := webtest.NewPage(t, webtest.Options{})
	url := serve(t, fl)
	if err := p.Open(url, commanderToken); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitUntil("the incident shown", func() (bool, error) {
		s, err := p.Text("#incident-title")
		return s == fl.inc.Name, err
	}); err != nil {
		t.Fatal(err)
	}
	return p, url
}

// corners projects points (km east, north of the incident's centre) to
// whole pixels on the map.
func corners(t *testing.T, p *webtest.Page, km ...[2]float64) [][2]float64 {
	t.Helper()
	out := make([][2]float64, len(km))
	for i, k := range km {
		at := ll(k[0], k[1])
		xy, err := p.Project(at.Lon(), at.Lat())
		if err != nil {
			t.Fatal(err)
		}
		out[i] = [2]float64{math.Round(xy[0]), math.Round(xy[1])}
	}
	return out
}

// TestBrowserDrawSurvey: the commander draws a survey on the map, corner
// by corner (one undone), closes it on its first corner and asks for it;
// the task reaches the API with the polygon tapped and the figures typed,
// and the map draws its planned lines, then the footprints of the photos
// its drone takes.
func TestBrowserDrawSurvey(t *testing.T) {
	fl := newScriptedFleet()
	p, url := openTasksPage(t, fl)
	c := corners(t, p, [2]float64{-1.5, -0.5}, [2]float64{0.5, -0.5}, [2]float64{0.5, 0.8}, [2]float64{-1.5, 0.8}, [2]float64{-2.5, 2})
	if err := p.StartSurvey(c[0], c[1], c[2], c[4]); err != nil {
		t.Fatal(err)
	}
	if err := p.UndoCorner(); err != nil {
		t.Fatal(err)
	}
	if n, err := p.Text("#survey-count"); err != nil || n != "3 corners" {
		t.Fatalf("after an undo the hint says %q (%v)", n, err)
	}
	if err := p.TapSurvey(c[3]); err != nil {
		t.Fatal(err)
	}
	if err := p.CloseSurvey(c[0][0]+3, c[0][1]-2); err != nil {
		t.Fatal(err)
	}
	refused, err := p.SubmitSurvey("5", "70", "40")
	if err != nil || refused != "" {
		t.Fatalf("survey refused: %q %v", refused, err)
	}
	ts := apiTasks(t, url)
	if len(ts) != 1 || ts[0].Kind != task.Survey || ts[0].GSDcm != 5 || ts[0].OverlapPct != 70 || ts[0].Deadline != 40*time.Minute {
		t.Fatalf("tasks in the API: %+v", ts)
	}
	ring := ts[0].Polygon
	if len(ring) != 5 || ring[0] != ring[4] {
		t.Fatalf("polygon %v: want the 4 corners tapped, closed", ring)
	}
	for i, q := range ring[:4] {
		xy, err := p.Project(q[0], q[1])
		if err != nil {
			t.Fatal(err)
		}
		if d := math.Hypot(xy[0]-c[i][0], xy[1]-c[i][1]); d > 1.5 {
			t.Errorf("corner %d lies %.1f px from the tap at %v", i, d, c[i])
		}
	}

	// The map draws the plan the API answers.
	var plan struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := getJSON(url+api.Prefix+"/tasks/task-1/survey.geojson", &plan); err != nil {
		t.Fatal(err)
	}
	lines := fmt.Sprint(plan.Features[0].Properties["transects"])
	if lines == "0" || lines == "<nil>" {
		t.Fatalf("plan without lines: %+v", plan.Features[0].Properties)
	}
	drawn := func(what, key, want string) {
		t.Helper()
		if err := p.WaitUntil(what, func() (bool, error) {
			v, err := chromedp.Run(p.Context(), chromedp.Evaluate[string](`document.body.dataset.`+key+` || ""`))
			return v == want, err
		}); err != nil {
			t.Fatal(err)
		}
	}
	drawn("the survey's lines drawn", "surveyLines", lines)
	row, err := p.Text(`#task-list tr[data-task="task-1"] .task-plan`)
	if err != nil || !strings.HasPrefix(row, lines+" lines") {
		t.Fatalf("the task's row says %q (%v)", row, err)
	}
	// Its drone flies it and takes photos: their footprints appear.
	fl.mu.Lock()
	fl.tasks[0].Status = task.Active
	fl.mu.Unlock()
	fl.takePhotos("task-1", 40)
	drawn("the photos' footprints drawn", "surveyFootprints", "40")
	if err := p.Screenshot(filepath.Join(screenshotDir(t), "console-survey.png")); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserSurveyRefused: a survey the API refuses (a GSD out of range,
// an area too large) shows the API's reason in its form and no task is
// made; back on the map the drawing can be cancelled. The second is
// closed with the Close button rather than a tap on its first corner.
func TestBrowserSurveyRefused(t *testing.T) {
	fl := newScriptedFleet()
	p, url := openTasksPage(t, fl)
	c := corners(t, p, [2]float64{-1, -1}, [2]float64{1, -1}, [2]float64{0, 1})
	if err := p.StartSurvey(c...); err != nil {
		t.Fatal(err)
	}
	if err := p.CloseSurvey(c[0][0], c[0][1]); err != nil {
		t.Fatal(err)
	}
	refused, err := p.SubmitSurvey("80", "70", "40")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(refused, "gsd_cm") || !strings.Contains(refused, "0.5-50") {
		t.Fatalf("the form shows %q, want the API's reason about gsd_cm", refused)
	}
	if ts := apiTasks(t, url); len(ts) != 0 {
		t.Fatalf("a refused survey made tasks: %+v", ts)
	}
	if err := p.SurveyBack(); err != nil {
		t.Fatal(err)
	}
	if err := p.CancelSurvey(); err != nil {
		t.Fatal(err)
	}

	// 16 km wide and 16 km high: 128 km², more than a survey covers. The
	// map is zoomed out until it shows the whole triangle.
	km := [][2]float64{{-8, -8}, {8, -8}, {0, 8}}
	for range 10 {
		c = corners(t, p, km...)
		if inside(c) {
			break
		}
		if err := chromedp.Do(p.Context(), chromedp.Click(chromedp.CSS(`#zoom-out`), chromedp.NodeVisible)); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.StartSurvey(c...); err != nil {
		t.Fatal(err)
	}
	if err := p.FinishSurvey(); err != nil {
		t.Fatal(err)
	}
	if refused, err = p.SubmitSurvey("3", "70", "40"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(refused, "polygon") || !strings.Contains(refused, "100 km² at most") {
		t.Fatalf("the form shows %q, want the API's reason about the polygon", refused)
	}
	if ts := apiTasks(t, url); len(ts) != 0 {
		t.Fatalf("a refused survey made tasks: %+v", ts)
	}
	if got := fl.given(); slices.Contains(got, "task survey") {
		t.Fatalf("a refused survey reached the controller: %v", got)
	}
}

// inside reports whether every point lies on the 1280 × 800 window's map,
// clear of its edges and of the panel.
func inside(pts [][2]float64) bool {
	for _, q := range pts {
		if q[0] < 40 || q[1] < 60 || q[0] > 700 || q[1] > 700 {
			return false
		}
	}
	return true
}

// TestBrowserApproveTask: with approval on, tasks wait; the panel shows
// Approve and Cancel for them; Approve, confirmed, approves the task in
// the API and the list follows; Cancel cancels the other.
func TestBrowserApproveTask(t *testing.T) {
	fl := newScriptedFleet()
	fl.approval = true
	ctx := context.Background()
	at := task.LonLat{ll(1, 1).Lon(), ll(1, 1).Lat()}
	for range 2 {
		if _, err := fl.RequestTask(ctx, task.Request{Kind: task.Drop, Deadline: 30 * time.Minute, Point: &at, MassKg: 4}); err != nil {
			t.Fatal(err)
		}
	}
	p, url := openTasksPage(t, fl)
	if err := p.WaitUntil("two tasks awaiting approval", func() (bool, error) {
		rows, err := p.TaskRows()
		return slices.Equal(rows, [][2]string{{"task-2", "pending"}, {"task-1", "pending"}}), err
	}); err != nil {
		t.Fatal(err)
	}
	if err := p.TaskOrder("task-1", "approve"); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitUntil("task-1 assigned on the page", func() (bool, error) {
		rows, err := p.TaskRows()
		return len(rows) == 2 && rows[1] == [2]string{"task-1", "assigned"}, err
	}); err != nil {
		t.Fatal(err)
	}
	var tk task.Task
	if err := getJSON(url+api.Prefix+"/tasks/task-1", &tk); err != nil {
		t.Fatal(err)
	}
	if !tk.Approved || tk.AwaitingApproval || tk.Status != task.Assigned || tk.Drone != 5 {
		t.Fatalf("approved task in the API: %+v", tk)
	}
	if ok, err := p.Visible(`#task-list tr[data-task="task-1"] button[data-act="approve"]`); err != nil || ok {
		t.Fatalf("an approved task still offers Approve (%v)", err)
	}
	if err := p.TaskOrder("task-2", "cancel"); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitUntil("task-2 cancelled on the page", func() (bool, error) {
		rows, err := p.TaskRows()
		return len(rows) == 2 && rows[0] == [2]string{"task-2", "cancelled"}, err
	}); err != nil {
		t.Fatal(err)
	}
	if err := getJSON(url+api.Prefix+"/tasks/task-2", &tk); err != nil {
		t.Fatal(err)
	}
	if tk.Status != task.Cancelled || tk.Approved {
		t.Fatalf("cancelled task in the API: %+v", tk)
	}
	if got := fl.given(); !slices.Contains(got, "approve task-1") || !slices.Contains(got, "cancel task-2") || slices.Contains(got, "approve task-2") {
		t.Fatalf("orders at the controller: %v", got)
	}
}

// TestBrowserTaskDialogsAnsweredWhenAsked: each task dialog takes its
// answer when its button is pressed, not from the close event that comes
// a task later. A commander who asks for a drop and at once places the
// next (the dialog opens again before that event) still gets the first;
// one who goes back to the map from the survey form and at once closes
// the polygon again finds it closed, not reopened for drawing by the late
// event. Each step runs in one script, so the close event always comes
// after the dialog has opened again.
func TestBrowserTaskDialogsAnsweredWhenAsked(t *testing.T) {
	fl := newScriptedFleet()
	p, url := openTasksPage(t, fl)
	first, second := ll(-1, 0), ll(1, 0.5)
	closes := func(what string, n int) {
		t.Helper()
		if err := p.WaitUntil(what+" closed "+fmt.Sprint(n)+" times", func() (bool, error) {
			v, err := chromedp.Run(p.Context(), chromedp.Evaluate[int](`window.closes || 0`))
			return v >= n, err
		}); err != nil {
			t.Fatal(err)
		}
	}
	open, err := chromedp.Run(p.Context(), chromedp.Evaluate[bool](fmt.Sprintf(`(() => {
		const $ = (id) => document.getElementById(id), a = window.aerocell;
		window.closes = 0;
		$("drop-dialog").addEventListener("close", () => window.closes++);
		$("survey-dialog").addEventListener("close", () => window.closes++);
		$("btn-drop").click();
		a.plugins.tap(%v, %v);
		$("drop-mass").value = "6";
		$("drop-deadline").value = "25";
		$("drop-ok").click();
		$("btn-drop").click();
		a.plugins.tap(%v, %v);
		return $("drop-dialog").open;
	})()`, first.Lon(), first.Lat(), second.Lon(), second.Lat())))
	if err != nil || !open {
		t.Fatalf("the second drop's dialog is not open (%v)", err)
	}
	closes("the drop dialog", 1)
	if err := chromedp.Do(p.Context(), chromedp.Click(chromedp.CSS(`#drop-cancel-dialog`), chromedp.NodeVisible)); err != nil {
		t.Fatal(err)
	}
	closes("the drop dialog", 2)
	if err := p.WaitUntil("the first drop in the API", func() (bool, error) {
		return len(apiTasks(t, url)) == 1, nil
	}); err != nil {
		t.Fatal(err)
	}
	ts := apiTasks(t, url)
	if ts[0].Kind != task.Drop || ts[0].Point == nil || math.Abs(ts[0].Point[0]-first.Lon()) > 1e-5 || math.Abs(ts[0].Point[1]-first.Lat()) > 1e-5 {
		t.Fatalf("tasks in the API: %+v, want the first drop at %v", ts, first)
	}

	c := corners(t, p, [2]float64{-1.5, -0.5}, [2]float64{0.5, -0.5}, [2]float64{0.5, 0.8})
	if err := p.StartSurvey(c...); err != nil {
		t.Fatal(err)
	}
	if err := p.FinishSurvey(); err != nil {
		t.Fatal(err)
	}
	open, err = chromedp.Run(p.Context(), chromedp.Evaluate[bool](`(() => {
		const $ = (id) => document.getElementById(id);
		$("survey-back").click();
		$("survey-close").click();
		return $("survey-dialog").open;
	})()`))
	if err != nil || !open {
		t.Fatalf("the survey form did not open again (%v)", err)
	}
	closes("the dialogs", 3)
	drawing, err := chromedp.Run(p.Context(), chromedp.Evaluate[bool](`!document.getElementById("survey-hint").hidden`))
	if err != nil || drawing {
		t.Fatalf("with its form open the polygon is open for drawing again (%v)", err)
	}
	if refused, err := p.SubmitSurvey("5", "70", "40"); err != nil || refused != "" {
		t.Fatalf("survey refused: %q %v", refused, err)
	}
	if ts := apiTasks(t, url); len(ts) != 2 || ts[1].Kind != task.Survey || len(ts[1].Polygon) != 4 {
		t.Fatalf("tasks in the API: %+v, want the drop and a survey of 3 corners", ts)
	}
}
