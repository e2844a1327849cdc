package task_test

import (
	"fmt"

	"github.com/aerocell/aerocell/airframe"
	"github.com/aerocell/aerocell/task"
)

// A survey of a field about 630 × 445 m with the heavy multirotor's 1"
// camera at 2.74 cm per pixel and 70 % overlap.
func ExamplePlanSurvey() {
	heavy, _ := airframe.Builtin().ByName("heavy-multirotor")
	field := []task.LonLat{{6.096, 45.198}, {6.104, 45.198}, {6.104, 45.202}, {6.096, 45.202}, {6.096, 45.198}}
	p, err := task.PlanSurvey(field, *heavy.Camera, 2.74, 70, task.SurveyOptions{SpeedMS: heavy.CruiseSpeed})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p)
	// Output:
	// 100 m, spacing 45.0 m, trigger 30.0 m, 10 transects at 90°, 220 photos, 6.9 km at 12.0 m/s (9m35s)
}

// A request from a field team, read and checked.
func ExampleParseRequest() {
	r, err := task.ParseRequest([]byte(`{"kind":"drop","deadline":"45m","point":[6.1,45.2],"mass_kg":4.5,"team":"rescue-1"}`))
	fmt.Println(r.Kind, r.Deadline, *r.Point, r.MassKg, err)
	_, err = task.ParseRequest([]byte(`{"kind":"drop","deadline":"45m","point":[6.1,45.2],"mass_kg":40000}`))
	fmt.Println(err)
	// Output:
	// drop 45m0s [6.1 45.2] 4.5 <nil>
	// task: mass_kg: must be more than 0 and at most 1000, got 40000
}
