package api

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aerocell/aerocell/airframe"
	"github.com/aerocell/aerocell/fleet"
	"github.com/aerocell/aerocell/task"
)

// TestTaskRoutes: tasks are asked for, listed, read, cancelled, approved
// and reassigned over real HTTP; a bad body, a refused task and an unknown
// id get a clear answer and change nothing; a viewer may only read.
func TestTaskRoutes(t *testing.T) {
	var got task.Request
	tasks := []task.Task{{ID: "task-1", Request: task.Request{Kind: task.Drop, MassKg: 4}, Status: task.Assigned, Drone: 3}}
	f := &fakeCtrl{
		snapshot: func() fleet.Snapshot { return fleet.Snapshot{Tasks: tasks} },
		requestTask: func(r task.Request) (task.Task, error) {
			got = r
			if r.MassKg > 10 {
				return task.Task{ID: "task-2", Request: r, Status: task.Refused, Reason: "no drone can do it: heavy-multirotor lifts 10 kg at most"}, nil
			}
			return task.Task{ID: "task-3", Request: r, Status: task.Assigned, Drone: 2}, nil
		},
		taskOrder: func(what, id string, drone int) (task.Task, error) {
			if id != "task-1" {
				return task.Task{}, fmt.Errorf("%w: %q", fleet.ErrUnknownTask, id)
			}
			switch what {
			case "ReassignTask":
				if drone == 9 {
					return task.Task{}, fmt.Errorf("%w: drone 9 would finish after the deadline", fleet.ErrLimit)
				}
				return task.Task{ID: id, Status: task.Assigned, Drone: drone}, nil
			case "CancelTask":
				return task.Task{ID: id, Status: task.Cancelled}, nil
			}
			return task.Task{ID: id, Status: task.Assigned, Approved: true}, nil
		},
	}
	srv := httptest.NewServer(newTestServer(t, f, testTokens))
	defer srv.Close()
	url := srv.URL
	do := func(method, path, token, body string) (int, []byte) {
		t.Helper()
		code, _, b := send(t, method, url+Prefix+path, token, body)
		return code, b
	}
	code, b := do("POST", "/tasks", commanderTok, `{"kind":"drop","deadline":"20m","point":[102.81,35.69],"mass_kg":6,"team":"rescue-1"}`)
	var tk task.Task
	if code != http.StatusCreated || json.Unmarshal(b, &tk) != nil || tk.ID != "task-3" || got.Deadline != 20*time.Minute || got.Team != "rescue-1" {
		t.Fatalf("POST /tasks: %d %s (request %+v)", code, b, got)
	}
	code, b = do("POST", "/tasks", commanderTok, `{"kind":"drop","deadline":600,"point":[102.81,35.69],"mass_kg":40}`)
	var refused struct {
		Error string
		Task  task.Task
	}
	if code != http.StatusUnprocessableEntity || json.Unmarshal(b, &refused) != nil || refused.Task.Status != task.Refused || !strings.Contains(refused.Error, "10 kg") {
		t.Fatalf("a refused task: %d %s", code, b)
	}
	before := len(f.changes())
	for _, body := range []string{``, `{"kind":"drop","deadline":600}`, `{"kind":"drop","deadline":600,"point":[102.81,35.69],"mass_kg":2,"colour":"red"}`, `{"kind":"swim","deadline":600}`} {
		if code, b := do("POST", "/tasks", commanderTok, body); code != http.StatusBadRequest || !strings.Contains(string(b), "error") {
			t.Errorf("POST /tasks %q: %d %s", body, code, b)
		}
	}
	if n := len(f.changes()); n != before {
		t.Fatalf("bad bodies reached the controller: %v", f.changes()[before:])
	}
	if code, _ := do("POST", "/tasks", viewerTok, `{"kind":"drop","deadline":600,"point":[102.81,35.69],"mass_kg":2}`); code != http.StatusForbidden {
		t.Fatalf("a viewer asked for a task: %d", code)
	}
	var list []task.Task
	if code, b := do("GET", "/tasks", viewerTok, ""); code != http.StatusOK || json.Unmarshal(b, &list) != nil || len(list) != 1 || list[0].Drone != 3 {
		t.Fatalf("GET /tasks: %d %s", code, b)
	}
	if code, b := do("GET", "/tasks/task-1", viewerTok, ""); code != http.StatusOK || !strings.Contains(string(b), `"id":"task-1"`) {
		t.Fatalf("GET /tasks/task-1: %d %s", code, b)
	}
	if code, _ := do("GET", "/tasks/task-9", viewerTok, ""); code != http.StatusNotFound {
		t.Fatalf("GET an unknown task: %d", code)
	}
	if code, b := do("POST", "/tasks/task-1/reassign", commanderTok, `{"drone":4}`); code != http.StatusOK || !strings.Contains(string(b), `"drone":4`) {
		t.Fatalf("reassign: %d %s", code, b)
	}
	if code, b := do("POST", "/tasks/task-1/reassign", commanderTok, `{"drone":9}`); code != http.StatusUnprocessableEntity || !strings.Contains(string(b), "deadline") {
		t.Fatalf("reassign beyond a limit: %d %s", code, b)
	}
	for _, body := range []string{`{}`, `{"drone":0}`, `{"drone":2.5}`, `{"drone":"4"}`} {
		if code, _ := do("POST", "/tasks/task-1/reassign", commanderTok, body); code != http.StatusBadRequest {
			t.Errorf("reassign %s: %d", body, code)
		}
	}
	if code, b := do("POST", "/tasks/task-1/approve", commanderTok, ""); code != http.StatusOK || !strings.Contains(string(b), `"approved":true`) {
		t.Fatalf("approve: %d %s", code, b)
	}
	if code, b := do("DELETE", "/tasks/task-1", commanderTok, ""); code != http.StatusOK || !strings.Contains(string(b), `"status":"cancelled"`) {
		t.Fatalf("cancel: %d %s", code, b)
	}
	if code, _ := do("DELETE", "/tasks/task-7", commanderTok, ""); code != http.StatusNotFound {
		t.Fatalf("cancel an unknown task: %d", code)
	}
}

// send makes one request over real HTTP with a bearer token and a JSON
// body (if any); it answers the status, the content type and the body.
func send(t *testing.T, method, url, token, body string) (int, string, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

// TestTaskSurveyRoute: a survey task's plan comes as GeoJSON for the map
// (its polygon with the plan's figures, its transects, the footprints of
// the photos taken), to a viewer too; a task that is not a survey, no
// task, or a survey no drone can fly get a clear answer.
func TestTaskSurveyRoute(t *testing.T) {
	heavy, ok := airframe.Builtin().ByName("heavy-multirotor")
	if !ok {
		t.Fatal("no heavy-multirotor")
	}
	ring := []task.LonLat{{102.81, 35.69}, {102.816, 35.69}, {102.816, 35.693}, {102.81, 35.693}, {102.81, 35.69}}
	survey := task.Task{ID: "task-1", Request: task.Request{Kind: task.Survey, Deadline: time.Hour, Polygon: ring, GSDcm: 3, OverlapPct: 70}}
	plan, err := task.PlanSurveyFor(survey, heavy, task.SurveyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Five photos reported 15 m north of where the plan put them.
	taken := slices.Clone(plan.Photos[:5])
	for i := range taken {
		taken[i].Pos[1] += 15.0 / 111320
	}
	f := &fakeCtrl{survey: func(id string) (fleet.SurveyView, error) {
		switch id {
		case "task-1":
			return fleet.SurveyView{Drone: 4, Camera: *heavy.Camera, Plan: plan, Polygon: ring, Taken: 5, Photos: taken}, nil
		case "task-2":
			return fleet.SurveyView{}, fmt.Errorf("%w: task-2 is a drop task, not a survey", fleet.ErrInvalid)
		case "task-3":
			return fleet.SurveyView{}, fmt.Errorf("%w: task-3: no drone of the fleet carries a camera", fleet.ErrLimit)
		}
		return fleet.SurveyView{}, fmt.Errorf("%w: %q", fleet.ErrUnknownTask, id)
	}}
	srv := httptest.NewServer(newTestServer(t, f, testTokens))
	defer srv.Close()
	get := func(id string) (int, string, []byte) {
		t.Helper()
		return send(t, "GET", srv.URL+Prefix+"/tasks/"+id+"/survey.geojson", viewerTok, "")
	}
	code, ct, b := get("task-1")
	var fc struct {
		Type     string
		Features []struct {
			Geometry struct {
				Type        string
				Coordinates json.RawMessage
			}
			Properties map[string]any
		}
	}
	if code != http.StatusOK || ct != "application/geo+json" || json.Unmarshal(b, &fc) != nil || fc.Type != "FeatureCollection" {
		t.Fatalf("GET survey.geojson: %d %s %.300s", code, ct, b)
	}
	if want := 1 + len(plan.Transects) + 2*5; len(fc.Features) != want {
		t.Fatalf("%d features, want the area, %d transects and 5 photos with their footprints", len(fc.Features), len(plan.Transects))
	}
	area := fc.Features[0].Properties
	if fc.Features[0].Geometry.Type != "Polygon" || area["task"] != "task-1" || area["drone"] != 4.0 || area["photos_taken"] != 5.0 ||
		area["photos"] != float64(len(plan.Photos)) || area["gsd_cm"] != 3.0 {
		t.Fatalf("area: %+v", area)
	}
	kinds := map[string]int{}
	var points []task.LonLat
	for _, f := range fc.Features {
		kinds[f.Geometry.Type+" "+f.Properties["kind"].(string)]++
		if f.Geometry.Type == "Point" {
			var p task.LonLat
			if err := json.Unmarshal(f.Geometry.Coordinates, &p); err != nil {
				t.Fatal(err)
			}
			points = append(points, p)
		}
	}
	if kinds["LineString transect"] != len(plan.Transects) || kinds["Polygon footprint"] != 5 || kinds["Point photo"] != 5 {
		t.Fatalf("features: %v", kinds)
	}
	for i, p := range points {
		if p != taken[i].Pos {
			t.Fatalf("photo %d drawn at %v, reported at %v (planned at %v)", i, p, taken[i].Pos, plan.Photos[i].Pos)
		}
	}
	for id, want := range map[string]int{"task-2": http.StatusUnprocessableEntity, "task-3": http.StatusUnprocessableEntity, "task-9": http.StatusNotFound} {
		code, _, b := get(id)
		var e errorBody
		if code != want || json.Unmarshal(b, &e) != nil || !strings.Contains(e.Error, id) {
			t.Errorf("GET %s/survey.geojson: %d %s, want %d naming the task", id, code, b, want)
		}
	}
	if got := f.changes(); len(got) != 0 {
		t.Fatalf("reading a survey changed: %v", got)
	}
}
