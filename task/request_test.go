package task

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestParseRequestGood(t *testing.T) {
	for name, tc := range map[string]struct {
		in   string
		want Request
	}{
		"drop, duration string": {`{"kind":"drop","priority":7,"deadline":"45m","point":[6.1,45.2],"mass_kg":4.5,"team":"rescue-1"}`,
			Request{Kind: Drop, Priority: 7, Deadline: 45 * time.Minute, Point: &LonLat{6.1, 45.2}, MassKg: 4.5, Team: "rescue-1"}},
		"drop, seconds": {`{"kind":"drop","deadline":2700,"point":[6.1,45.2],"mass_kg":1}`,
			Request{Kind: Drop, Deadline: 45 * time.Minute, Point: &LonLat{6.1, 45.2}, MassKg: 1}},
		"survey, open ring": {`{"kind":"survey","deadline":"2h","polygon":[[6,45],[6.01,45],[6.01,45.01],[6,45.01]],"gsd_cm":2.74,"overlap_pct":70}`,
			Request{Kind: Survey, Deadline: 2 * time.Hour, Polygon: []LonLat{{6, 45}, {6.01, 45}, {6.01, 45.01}, {6, 45.01}}, GSDcm: 2.74, OverlapPct: 70}},
		"fire point": {`{"kind":"fire","deadline":"20m","point":[6,45],"litres":60}`,
			Request{Kind: Fire, Deadline: 20 * time.Minute, Point: &LonLat{6, 45}, Litres: 60}},
		"fire polygon, closed": {`{"kind":"fire","deadline":"20m","polygon":[[6,45],[6.001,45],[6.001,45.001],[6,45]],"litres":60}`,
			Request{Kind: Fire, Deadline: 20 * time.Minute, Polygon: []LonLat{{6, 45}, {6.001, 45}, {6.001, 45.001}, {6, 45}}, Litres: 60}},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := ParseRequest([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			a, _ := json.Marshal(got)
			b, _ := json.Marshal(tc.want)
			if string(a) != string(b) || got.Deadline != tc.want.Deadline {
				t.Fatalf("got %s (%v), want %s", a, got.Deadline, b)
			}
			// What the request writes reads back the same.
			again, err := ParseRequest(a)
			if err != nil {
				t.Fatalf("re-read %s: %v", a, err)
			}
			if c, _ := json.Marshal(again); string(c) != string(a) {
				t.Fatalf("round trip %s != %s", c, a)
			}
		})
	}
}

func TestParseRequestBad(t *testing.T) {
	square := `[[6,45],[6.01,45],[6.01,45.01],[6,45.01]]`
	for name, tc := range map[string]struct{ in, field string }{
		"unknown field":    {`{"kind":"drop","deadline":"45m","point":[6,45],"mass_kg":1,"colour":"red"}`, ""},
		"trailing data":    {`{"kind":"drop","deadline":"45m","point":[6,45],"mass_kg":1} {}`, ""},
		"no kind":          {`{"deadline":"45m","point":[6,45],"mass_kg":1}`, "kind"},
		"bad kind":         {`{"kind":"rescue","deadline":"45m"}`, "kind"},
		"priority":         {`{"kind":"drop","priority":10,"deadline":"45m","point":[6,45],"mass_kg":1}`, "priority"},
		"negative prio":    {`{"kind":"drop","priority":-1,"deadline":"45m","point":[6,45],"mass_kg":1}`, "priority"},
		"no deadline":      {`{"kind":"drop","point":[6,45],"mass_kg":1}`, "deadline"},
		"short deadline":   {`{"kind":"drop","deadline":"30s","point":[6,45],"mass_kg":1}`, "deadline"},
		"long deadline":    {`{"kind":"drop","deadline":"169h","point":[6,45],"mass_kg":1}`, "deadline"},
		"huge seconds":     {`{"kind":"drop","deadline":1e300,"point":[6,45],"mass_kg":1}`, "deadline"},
		"bad duration":     {`{"kind":"drop","deadline":"soon","point":[6,45],"mass_kg":1}`, "deadline"},
		"no point":         {`{"kind":"drop","deadline":"45m","mass_kg":1}`, "point"},
		"point 3 numbers":  {`{"kind":"drop","deadline":"45m","point":[6,45,100],"mass_kg":1}`, ""},
		"point 1 number":   {`{"kind":"drop","deadline":"45m","point":[6],"mass_kg":1}`, ""},
		"lat range":        {`{"kind":"drop","deadline":"45m","point":[6,95],"mass_kg":1}`, "point"},
		"lon range":        {`{"kind":"drop","deadline":"45m","point":[-181,45],"mass_kg":1}`, "point"},
		"no mass":          {`{"kind":"drop","deadline":"45m","point":[6,45]}`, "mass_kg"},
		"negative mass":    {`{"kind":"drop","deadline":"45m","point":[6,45],"mass_kg":-2}`, "mass_kg"},
		"drop w/ polygon":  {`{"kind":"drop","deadline":"45m","point":[6,45],"mass_kg":1,"polygon":` + square + `}`, "polygon"},
		"survey no ring":   {`{"kind":"survey","deadline":"2h","gsd_cm":2,"overlap_pct":70}`, "polygon"},
		"survey 2 points":  {`{"kind":"survey","deadline":"2h","polygon":[[6,45],[6.01,45]],"gsd_cm":2,"overlap_pct":70}`, "polygon"},
		"survey repeated":  {`{"kind":"survey","deadline":"2h","polygon":[[6,45],[6.01,45],[6.01,45],[6,45]],"gsd_cm":2,"overlap_pct":70}`, "polygon"},
		"survey line":      {`{"kind":"survey","deadline":"2h","polygon":[[6,45],[6.01,45],[6.02,45]],"gsd_cm":2,"overlap_pct":70}`, "polygon"},
		"survey bow tie":   {`{"kind":"survey","deadline":"2h","polygon":[[6,45],[6.01,45.01],[6.01,45],[6,45.01]],"gsd_cm":2,"overlap_pct":70}`, "polygon"},
		"survey vertex":    {`{"kind":"survey","deadline":"2h","polygon":[[6,45],[6.01,45],[6.01,91]],"gsd_cm":2,"overlap_pct":70}`, "polygon[2]"},
		"survey too large": {`{"kind":"survey","deadline":"2h","polygon":[[6,45],[6.2,45],[6.2,45.1],[6,45.1]],"gsd_cm":2,"overlap_pct":70}`, "polygon"},
		"survey gsd":       {`{"kind":"survey","deadline":"2h","polygon":` + square + `,"gsd_cm":0.1,"overlap_pct":70}`, "gsd_cm"},
		"survey overlap":   {`{"kind":"survey","deadline":"2h","polygon":` + square + `,"gsd_cm":2,"overlap_pct":99}`, "overlap_pct"},
		"survey w/ point":  {`{"kind":"survey","deadline":"2h","polygon":` + square + `,"gsd_cm":2,"overlap_pct":70,"point":[6,45]}`, "point"},
		"fire no litres":   {`{"kind":"fire","deadline":"20m","point":[6,45]}`, "litres"},
		"fire both":        {`{"kind":"fire","deadline":"20m","point":[6,45],"polygon":` + square + `,"litres":20}`, "point"},
		"fire neither":     {`{"kind":"fire","deadline":"20m","litres":20}`, "point"},
		"fire big polygon": {`{"kind":"fire","deadline":"20m","polygon":` + square + `,"litres":20}`, "polygon"},
		"not json":         {`kind: drop`, ""},
		"long team":        {`{"kind":"drop","deadline":"45m","point":[6,45],"mass_kg":1,"team":"` + strings.Repeat("x", 65) + `"}`, "team"},
		"long note":        {`{"kind":"drop","deadline":"45m","point":[6,45],"mass_kg":1,"note":"` + strings.Repeat("x", 1001) + `"}`, "note"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseRequest([]byte(tc.in))
			if err == nil {
				t.Fatal("accepted")
			}
			var fe *FieldError
			if tc.field != "" && (!errors.As(err, &fe) || fe.Field != tc.field) {
				t.Fatalf("error %q does not name %s", err, tc.field)
			}
			if !strings.HasPrefix(err.Error(), "task: ") {
				t.Fatalf("error %q does not say where it comes from", err)
			}
		})
	}
}

func TestValidateNaN(t *testing.T) {
	nan := math.NaN()
	base := Request{Kind: Drop, Deadline: time.Hour, Point: &LonLat{6, 45}, MassKg: 1}
	for name, mod := range map[string]func(r *Request){
		"point":   func(r *Request) { r.Point = &LonLat{nan, 45} },
		"inf lat": func(r *Request) { r.Point = &LonLat{6, math.Inf(1)} },
		"mass":    func(r *Request) { r.MassKg = nan },
		"mass inf": func(r *Request) {
			r.MassKg = math.Inf(1)
		},
		"polygon": func(r *Request) {
			*r = Request{Kind: Survey, Deadline: time.Hour, GSDcm: 2, Polygon: []LonLat{{6, 45}, {nan, 45}, {6.01, 45.01}}}
		},
		"gsd": func(r *Request) {
			*r = Request{Kind: Survey, Deadline: time.Hour, GSDcm: nan, Polygon: []LonLat{{6, 45}, {6.01, 45}, {6.01, 45.01}}}
		},
	} {
		r := base
		mod(&r)
		if err := r.Validate(); err == nil {
			t.Errorf("%s: NaN or Inf accepted", name)
		}
	}
	if err := base.Validate(); err != nil {
		t.Fatalf("the base request is refused: %v", err)
	}
}

func TestTaskJSON(t *testing.T) {
	at := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	tk := Task{ID: "t-1", Request: Request{Kind: Drop, Priority: 3, Deadline: 45 * time.Minute, Point: &LonLat{6, 45}, MassKg: 2},
		Status: Assigned, Drone: 4, RequestedAt: at, DueAt: at.Add(45 * time.Minute), ETA: at.Add(20 * time.Minute), CoverageCostKm2h: 0.5}
	b, err := json.Marshal(tk)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"t-1","kind":"drop","priority":3,"deadline":2700,"point":[6,45],"mass_kg":2,"status":"assigned","drone":4,` +
		`"requested_at":"2026-12-03T12:00:00Z","due_at":"2026-12-03T12:45:00Z","eta":"2026-12-03T12:20:00Z","coverage_cost_km2h":0.5}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
	var back Task
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Deadline != tk.Deadline || !back.ETA.Equal(tk.ETA) || back.ID != tk.ID || *back.Point != *tk.Point || !back.StartedAt.IsZero() {
		t.Fatalf("round trip: %+v", back)
	}
	waiting := Task{ID: "t-2", Request: tk.Request, Status: Pending, AwaitingApproval: true}
	if b, err = json.Marshal(waiting); err != nil || !strings.Contains(string(b), `"awaiting_approval":true`) {
		t.Fatalf("a task awaiting approval: %s %v", b, err)
	}
	if err := json.Unmarshal(b, &back); err != nil || !back.AwaitingApproval || back.Approved {
		t.Fatalf("a task awaiting approval read back: %+v %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"id":"x","surprise":1}`), &back); err == nil {
		t.Fatal("a task with an unknown field was read")
	}
}
