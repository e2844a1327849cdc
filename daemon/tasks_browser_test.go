package daemon

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/aerocell/aerocell/fleet"
	"github.com/aerocell/aerocell/sim"
	"github.com/aerocell/aerocell/task"
	"github.com/aerocell/aerocell/web/webtest"
)

// TestConsoleDrawsSurveyOnSimulatedFleet: on a daemon flying the simulator,
// the commander draws a survey on the map and asks for it; the controller
// takes it with the polygon tapped, the map draws the lines the drone
// flies, and then the footprints of the photos its camera reports.
func TestConsoleDrawsSurveyOnSimulatedFleet(t *testing.T) {
	drones := []sim.DroneConfig{{SysID: 1, Profile: sim.ProfileHeavy, Home: base}}
	w := newWorld(t, 20, drones)
	w.waitFor("drone heard", 30*time.Second, func(s fleet.Snapshot) bool { return s.Located() == 1 })
	url := "http://" + w.d.HTTPAddr()
	p := webtest.NewPage(t, webtest.Options{})
	if err := p.Open(url+"/", ""); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitUntil("the drone listed", func() (bool, error) {
		ids, err := p.DroneIDs()
		return len(ids) == 1, err
	}); err != nil {
		t.Fatal(err)
	}
	// A 160 m square beside the drone's home, in whole pixels.
	var c [][2]float64
	for _, m := range [][2]float64{{-80, -80}, {80, -80}, {80, 80}, {-80, 80}} {
		lat := base.Lat + m[1]/111320
		lon := base.Lon + m[0]/(111320*math.Cos(base.Lat*math.Pi/180))
		xy, err := p.Project(lon, lat)
		if err != nil {
			t.Fatal(err)
		}
		c = append(c, [2]float64{math.Round(xy[0]), math.Round(xy[1])})
	}
	if err := p.StartSurvey(c...); err != nil {
		t.Fatal(err)
	}
	if err := p.CloseSurvey(c[0][0], c[0][1]); err != nil {
		t.Fatal(err)
	}
	if refused, err := p.SubmitSurvey("3", "70", "30"); err != nil || refused != "" {
		t.Fatalf("survey refused: %q %v", refused, err)
	}
	s := w.waitFor("the survey taken", time.Minute, func(s fleet.Snapshot) bool { return len(s.Tasks) == 1 })
	tk := s.Tasks[0]
	if tk.Kind != task.Survey || tk.GSDcm != 3 || tk.Deadline != 30*time.Minute || tk.Status.Final() || len(tk.Polygon) != 5 {
		t.Fatalf("the task at the controller: %+v", tk)
	}
	for i, q := range tk.Polygon[:4] {
		xy, err := p.Project(q[0], q[1])
		if err != nil {
			t.Fatal(err)
		}
		if d := math.Hypot(xy[0]-c[i][0], xy[1]-c[i][1]); d > 1.5 {
			t.Errorf("corner %d lies %.1f px from the tap at %v", i, d, c[i])
		}
	}
	// The lines drawn are those the controller planned for the drone.
	v, err := w.d.Controller().Survey(t.Context(), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	dataset := func(key string) (int, error) {
		s, err := chromedp.Run(p.Context(), chromedp.Evaluate[string](`document.body.dataset.`+key+` || "0"`))
		if err != nil {
			return 0, err
		}
		return strconv.Atoi(s)
	}
	if err := p.WaitUntil("the survey's lines drawn", func() (bool, error) {
		n, err := dataset("surveyLines")
		return n == len(v.Plan.Transects), err
	}); err != nil {
		t.Fatal(err)
	}
	w.waitFor("photos taken", 20*time.Minute, func(fleet.Snapshot) bool {
		v, err = w.d.Controller().Survey(t.Context(), tk.ID)
		return err == nil && v.Taken >= 3
	})
	if err := p.WaitUntil("the photos' footprints drawn", func() (bool, error) {
		n, err := dataset("surveyFootprints")
		return n >= 3, err
	}); err != nil {
		t.Fatal(err)
	}
	// The API says as much.
	resp, err := http.Get(url + "/api/v1/tasks/" + tk.ID + "/survey.geojson")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&fc); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET survey.geojson: %s %v", resp.Status, err)
	}
	if got := fmt.Sprint(fc.Features[0].Properties["drone"]); got != "1" {
		t.Fatalf("the survey is planned for drone %s", got)
	}
}
