package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/aerocell/aerocell/fleet"
	"github.com/aerocell/aerocell/internal/closetest"
)

const (
	viewerTok    = "viewer-token-0123456789"
	commanderTok = "commander-token-0123456789"
)

var testTokens = []Token{
	{Token: viewerTok, Role: Viewer, Name: "liaison"},
	{Token: commanderTok, Role: Commander, Name: "incident commander"},
}

func readArea(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/area.geojson")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testSnapshot is a small fleet: one drone on station, one idle.
func testSnapshot(area []byte) fleet.Snapshot {
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	return fleet.Snapshot{
		Time: now,
		Incident: &fleet.Incident{ID: "inc-1", State: fleet.IncidentHolding, CreatedAt: now,
			IncidentSpec: fleet.IncidentSpec{Name: "river flood", Area: area, TargetCoverage: 0.9}},
		Plan: &fleet.Plan{Stations: []fleet.Station{{ID: "s1", Lat: 46.93, Lon: 7.45, AltM: 100,
			RadiusM: map[fleet.Network]float64{fleet.Public: 2000, fleet.Private: 3000}, Drone: 1}}},
		Drones: []fleet.Drone{
			{ID: 1, State: fleet.DroneOnStation, Station: "s1", Lat: 46.93, Lon: 7.45, AltRel: 100, BatteryPct: 80},
			{ID: 2, State: fleet.DroneIdle, Lat: 46.90, Lon: 7.40, BatteryPct: 100},
		},
		Coverage: fleet.Coverage{Time: now,
			Fraction: map[fleet.Network]float64{fleet.Public: 0.6, fleet.Private: 0.8},
			Uncovered: map[fleet.Network]orb.MultiPolygon{
				fleet.Public:  {{{{7.40, 46.90}, {7.41, 46.90}, {7.41, 46.91}, {7.40, 46.90}}}},
				fleet.Private: {},
			}},
		LaunchSites: []fleet.LaunchSite{{Name: "north", Lat: 46.96, Lon: 7.45, Capacity: 4}},
	}
}

func newTestServer(t *testing.T, f *fakeCtrl, tokens []Token) *Server {
	t.Helper()
	if f.snapshot == nil {
		snap := testSnapshot(readArea(t))
		f.snapshot = func() fleet.Snapshot { return snap }
	}
	s, err := New(Config{Addr: "127.0.0.1:0", Tokens: tokens}, f, fakeTeams{{ID: "red-1", Lat: 46.92, Lon: 7.44}})
	if err != nil {
		t.Fatal(err)
	}
	closetest.ReleaseAtEnd(t, s)
	return s
}

type call struct {
	method, path string
	token        string
	ctype        string
	body         string
}

func (c call) do(t *testing.T, h http.Handler) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req := httptest.NewRequest(c.method, c.path, body)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.ctype != "" {
		req.Header.Set("Content-Type", c.ctype)
	} else if c.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// errorOf decodes a JSON error body, failing when it is not one.
func errorOf(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("error Content-Type %q, body %q", ct, rec.Body)
	}
	var eb errorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &eb); err != nil || eb.Error == "" || eb.Status != rec.Code {
		t.Fatalf("error body %q is not {error, status}", rec.Body)
	}
	return eb.Error
}

// TestRoutesOK calls every route with the least role that may, and checks
// the status and the controller call.
func TestRoutesOK(t *testing.T) {
	area := string(readArea(t))
	tests := []struct {
		c          call
		want       int
		wantChange string
	}{
		{call{"GET", "/api/v1/openapi.json", viewerTok, "", ""}, 200, ""},
		{call{"GET", "/api/v1/me", viewerTok, "", ""}, 200, ""},
		{call{"GET", "/api/v1/snapshot", viewerTok, "", ""}, 200, ""},
		{call{"GET", "/api/v1/events?since=3&limit=10", viewerTok, "", ""}, 200, ""},
		{call{"GET", "/api/v1/coverage", viewerTok, "", ""}, 200, ""},
		{call{"GET", "/api/v1/teams", viewerTok, "", ""}, 200, ""},
		{call{"GET", "/api/v1/incident", viewerTok, "", ""}, 200, ""},
		{call{"GET", "/api/v1/plan", viewerTok, "", ""}, 200, ""},
		{call{"GET", "/api/v1/plan/preview", viewerTok, "", ""}, 200, ""},
		{call{"GET", "/api/v1/drones", viewerTok, "", ""}, 200, ""},
		{call{"GET", "/api/v1/drones/2", viewerTok, "", ""}, 200, ""},
		{call{"GET", "/api/v1/basemap", viewerTok, "", ""}, 200, ""},
		{call{"POST", "/api/v1/incident", commanderTok, "", `{"name":"flood","area":` + area + `,"networks":["private"],"target_coverage":0.95}`}, 201, "CreateIncident"},
		{call{"POST", "/api/v1/incident?name=flood", commanderTok, "application/geo+json", area}, 201, "CreateIncident"},
		{call{"PATCH", "/api/v1/incident", commanderTok, "", `{"target_coverage":0.8}`}, 200, "UpdateIncident"},
		{call{"DELETE", "/api/v1/incident", commanderTok, "", ""}, 204, "CloseIncident"},
		{call{"POST", "/api/v1/deploy", commanderTok, "", ""}, 202, "Deploy"},
		{call{"POST", "/api/v1/recall", commanderTok, "", ""}, 202, "Recall"},
		{call{"POST", "/api/v1/pause", commanderTok, "", ""}, 202, "SetPaused"},
		{call{"POST", "/api/v1/resume", commanderTok, "", ""}, 202, "SetPaused"},
		{call{"POST", "/api/v1/drones/1/orders", commanderTok, "", `{"kind":"goto","lat":46.91,"lon":7.42,"alt_m":80}`}, 202, "OrderDrone"},
		{call{"POST", "/api/v1/drones/1/orders", commanderTok, "", `{"kind":"rtl"}`}, 202, "OrderDrone"},
		{call{"POST", "/api/v1/drones/9/orders", commanderTok, "", `{"kind":"approve"}`}, 202, "OrderDrone"},
		{call{"POST", "/api/v1/drones/1/exclude", commanderTok, "", `{"excluded":true}`}, 202, "Exclude"},
		{call{"POST", "/api/v1/drones/1/pin", commanderTok, "", `{"pinned":true}`}, 202, "PinStation"},
		{call{"POST", "/api/v1/stations/s1/pin", commanderTok, "", `{"pinned":false}`}, 202, "PinStation"},
	}
	for _, tt := range tests {
		t.Run(tt.c.method+" "+tt.c.path, func(t *testing.T) {
			f := &fakeCtrl{}
			s := newTestServer(t, f, testTokens)
			rec := tt.c.do(t, s)
			if rec.Code != tt.want {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tt.want, rec.Body)
			}
			var want []string
			if tt.wantChange != "" {
				want = []string{tt.wantChange}
			}
			if got := f.changes(); !slices.Equal(got, want) {
				t.Fatalf("controller changes %v, want %v", got, want)
			}
			if rec.Code != http.StatusNoContent && !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("body is not JSON: %q", rec.Body)
			}
		})
	}
}

// TestRoutesAuth checks that every route refuses a missing or unknown token,
// and every order refuses a viewer token, before the controller is asked.
func TestRoutesAuth(t *testing.T) {
	for _, rt := range routes() {
		path := Prefix + strings.NewReplacer("{id}", "1", "{z}", "0", "{x}", "0", "{y}", "0").Replace(rt.path)
		for _, tc := range []struct {
			name, token string
			want        int
		}{
			{"no token", "", 401},
			{"unknown token", "not-a-token-of-ours-at-all", 401},
			{"viewer", viewerTok, 403},
		} {
			if tc.token == viewerTok && rt.need == Viewer {
				continue
			}
			t.Run(rt.method+" "+rt.path+" "+tc.name, func(t *testing.T) {
				f := &fakeCtrl{}
				s := newTestServer(t, f, testTokens)
				rec := call{rt.method, path, tc.token, "", `{"excluded":true}`}.do(t, s)
				if rec.Code != tc.want {
					t.Fatalf("status %d, want %d; body %s", rec.Code, tc.want, rec.Body)
				}
				msg := errorOf(t, rec)
				if tc.want == 401 && rec.Header().Get("WWW-Authenticate") == "" {
					t.Fatal("401 without WWW-Authenticate")
				}
				if tc.want == 403 && !strings.Contains(msg, "commander") {
					t.Fatalf("403 message %q does not say a commander token is needed", msg)
				}
				if len(f.calls) != 0 {
					t.Fatalf("controller called: %v", f.calls)
				}
			})
		}
	}
}

func TestMalformedAuthorization(t *testing.T) {
	s := newTestServer(t, &fakeCtrl{}, testTokens)
	for _, h := range []string{"Basic " + commanderTok, commanderTok, "Bearer", "Bearer " + commanderTok + "x", "Bearer " + commanderTok[:10]} {
		req := httptest.NewRequest("GET", "/api/v1/me", nil)
		req.Header.Set("Authorization", h)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != 401 {
			t.Errorf("Authorization %q: status %d, want 401", h, rec.Code)
		}
	}
}

func TestMeSaysRole(t *testing.T) {
	s := newTestServer(t, &fakeCtrl{}, testTokens)
	for tok, want := range map[string]Role{viewerTok: Viewer, commanderTok: Commander} {
		rec := call{"GET", "/api/v1/me", tok, "", ""}.do(t, s)
		var c caller
		if err := json.Unmarshal(rec.Body.Bytes(), &c); err != nil || c.Role != want {
			t.Errorf("token %s: me = %s, want role %s", tok, rec.Body, want)
		}
	}
}

// TestNoTokensLoopbackOnly: without tokens, local clients are commanders and
// remote ones are refused.
func TestNoTokensLoopbackOnly(t *testing.T) {
	f := &fakeCtrl{}
	s := newTestServer(t, f, nil)
	req := httptest.NewRequest("POST", "http://127.0.0.1:8080/api/v1/deploy", nil)
	req.RemoteAddr = "127.0.0.1:50000"
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != 202 {
		t.Fatalf("local deploy: %d %s", rec.Code, rec.Body)
	}
	for _, remote := range []string{"192.0.2.7:40000", "[2001:db8::1]:40000", "garbage"} {
		req = httptest.NewRequest("GET", "/api/v1/snapshot", nil)
		req.RemoteAddr = remote
		rec = httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != 403 {
			t.Errorf("remote %s: status %d, want 403", remote, rec.Code)
		}
	}
	if got := f.changes(); !slices.Equal(got, []string{"Deploy"}) {
		t.Fatalf("changes %v", got)
	}
}

// TestBadInput sends malformed requests and controller refusals: each gets
// its 4xx with a JSON error saying what is wrong, and nothing is changed.
func TestBadInput(t *testing.T) {
	area := string(readArea(t))
	unclosed := `{"type":"Polygon","coordinates":[[[7.4,46.9],[7.5,46.9],[7.5,47.0],[7.4,47.0]]]}`
	tests := []struct {
		name    string
		c       call
		ctrl    func(*fakeCtrl)
		want    int
		wantMsg string
		// wantChange is the controller call made (and refused), if any.
		wantChange string
	}{
		{name: "invalid JSON", c: call{"POST", "/api/v1/incident", commanderTok, "", `{"name":`}, want: 400, wantMsg: "invalid JSON"},
		{name: "empty body", c: call{"POST", "/api/v1/incident", commanderTok, "", ""}, want: 400, wantMsg: "empty body"},
		{name: "trailing data", c: call{"POST", "/api/v1/incident", commanderTok, "", `{"name":"a","area":` + area + `} {}`}, want: 400, wantMsg: "trailing"},
		{name: "unknown field", c: call{"POST", "/api/v1/incident", commanderTok, "", `{"name":"a","aera":{}}`}, want: 400, wantMsg: `unknown field "aera"`},
		{name: "wrong type", c: call{"POST", "/api/v1/incident", commanderTok, "", `{"name":5}`}, want: 400, wantMsg: `"name"`},
		{name: "no name", c: call{"POST", "/api/v1/incident", commanderTok, "", `{"area":` + area + `}`}, want: 400, wantMsg: "name is required"},
		{name: "no area", c: call{"POST", "/api/v1/incident", commanderTok, "", `{"name":"a"}`}, want: 400, wantMsg: "area is required"},
		{name: "unclosed ring", c: call{"POST", "/api/v1/incident", commanderTok, "", `{"name":"a","area":` + unclosed + `}`}, want: 400, wantMsg: "not closed"},
		{name: "point area", c: call{"POST", "/api/v1/incident", commanderTok, "", `{"name":"a","area":{"type":"Point","coordinates":[7,46]}}`}, want: 400, wantMsg: `"Point"`},
		{name: "geojson not json", c: call{"POST", "/api/v1/incident?name=x", commanderTok, "application/geo+json", `not json`}, want: 400, wantMsg: "not GeoJSON"},
		{name: "geojson off the globe", c: call{"POST", "/api/v1/incident?name=x", commanderTok, "application/geo+json", `{"type":"Polygon","coordinates":[[[7,46],[8,46],[8,97],[7,46]]]}`}, want: 400, wantMsg: "not a lon/lat"},
		{name: "geojson no name", c: call{"POST", "/api/v1/incident", commanderTok, "application/geo+json", `{"type":"Polygon","coordinates":[[[7,46],[7.1,46],[7.1,46.1],[7,46]]]}`}, want: 400, wantMsg: "name is required"},
		{name: "bad network", c: call{"POST", "/api/v1/incident", commanderTok, "", `{"name":"a","area":` + area + `,"networks":["lte"]}`}, want: 400, wantMsg: `"lte"`},
		{name: "bad target", c: call{"POST", "/api/v1/incident", commanderTok, "", `{"name":"a","area":` + area + `,"target_coverage":1.5}`}, want: 400, wantMsg: "target_coverage"},
		{name: "bad no-fly", c: call{"POST", "/api/v1/incident", commanderTok, "", `{"name":"a","area":` + area + `,"no_fly":{"type":"Polygon","coordinates":[]}}`}, want: 400, wantMsg: "no_fly"},
		{name: "incident already open", c: call{"POST", "/api/v1/incident", commanderTok, "", `{"name":"a","area":` + area + `}`},
			ctrl: func(f *fakeCtrl) {
				f.createIncident = func(fleet.IncidentSpec) (fleet.Incident, error) { return fleet.Incident{}, fleet.ErrIncidentOpen }
			}, want: 409, wantMsg: "already open", wantChange: "CreateIncident"},
		{name: "patch nothing", c: call{"PATCH", "/api/v1/incident", commanderTok, "", `{}`}, want: 400, wantMsg: "nothing to change"},
		{name: "patch bad area", c: call{"PATCH", "/api/v1/incident", commanderTok, "", `{"area":{"type":"Polygon"}}`}, want: 400, wantMsg: "area"},
		{name: "patch without incident", c: call{"PATCH", "/api/v1/incident", commanderTok, "", `{"name":"b"}`},
			ctrl: func(f *fakeCtrl) { f.snapshot = func() fleet.Snapshot { return fleet.Snapshot{} } }, want: 409, wantMsg: "no open incident"},
		{name: "get incident without incident", c: call{"GET", "/api/v1/incident", viewerTok, "", ""},
			ctrl: func(f *fakeCtrl) { f.snapshot = func() fleet.Snapshot { return fleet.Snapshot{} } }, want: 409, wantMsg: "no open incident"},
		{name: "close without incident", c: call{"DELETE", "/api/v1/incident", commanderTok, "", ""},
			ctrl: func(f *fakeCtrl) { f.closeIncident = func() error { return fleet.ErrNoIncident } }, want: 409, wantMsg: "no open incident", wantChange: "CloseIncident"},
		{name: "no plan", c: call{"GET", "/api/v1/plan", viewerTok, "", ""},
			ctrl: func(f *fakeCtrl) { f.snapshot = func() fleet.Snapshot { return fleet.Snapshot{} } }, want: 404, wantMsg: "no plan"},
		{name: "preview without incident", c: call{"GET", "/api/v1/plan/preview", viewerTok, "", ""},
			ctrl: func(f *fakeCtrl) {
				f.previewPlan = func() (fleet.Plan, error) { return fleet.Plan{}, fleet.ErrNoIncident }
			}, want: 409, wantMsg: "no open incident"},
		{name: "deploy without incident", c: call{"POST", "/api/v1/deploy", commanderTok, "", ""},
			ctrl: func(f *fakeCtrl) { f.deploy = func() error { return fleet.ErrNoIncident } }, want: 409, wantMsg: "no open incident", wantChange: "Deploy"},
		{name: "controller closing", c: call{"POST", "/api/v1/recall", commanderTok, "", ""},
			ctrl: func(f *fakeCtrl) { f.recall = func() error { return fleet.ErrClosed } }, want: 503, wantMsg: "closed", wantChange: "Recall"},
		{name: "drone id not a number", c: call{"GET", "/api/v1/drones/abc", viewerTok, "", ""}, want: 400, wantMsg: "system id"},
		{name: "drone id zero", c: call{"POST", "/api/v1/drones/0/orders", commanderTok, "", `{"kind":"rtl"}`}, want: 400, wantMsg: "system id"},
		{name: "drone id too big", c: call{"POST", "/api/v1/drones/256/exclude", commanderTok, "", `{"excluded":true}`}, want: 400, wantMsg: "system id"},
		{name: "unknown drone detail", c: call{"GET", "/api/v1/drones/9", viewerTok, "", ""}, want: 404, wantMsg: "unknown drone"},
		{name: "unknown drone order", c: call{"POST", "/api/v1/drones/9/orders", commanderTok, "", `{"kind":"land"}`},
			ctrl: func(f *fakeCtrl) {
				f.orderDrone = func(int, fleet.Order) error { return fmt.Errorf("%w: 9", fleet.ErrUnknownDrone) }
			}, want: 404, wantMsg: "unknown drone", wantChange: "OrderDrone"},
		{name: "order breaks a limit", c: call{"POST", "/api/v1/drones/1/orders", commanderTok, "", `{"kind":"goto","lat":46.0,"lon":7.0,"alt_m":100}`},
			ctrl: func(f *fakeCtrl) {
				f.orderDrone = func(int, fleet.Order) error { return fmt.Errorf("%w: beyond the tether", fleet.ErrLimit) }
			}, want: 422, wantMsg: "beyond the tether", wantChange: "OrderDrone"},
		{name: "order invalid for controller", c: call{"POST", "/api/v1/drones/1/orders", commanderTok, "", `{"kind":"release"}`},
			ctrl: func(f *fakeCtrl) {
				f.orderDrone = func(int, fleet.Order) error { return fmt.Errorf("%w: drone 1 is not manual", fleet.ErrInvalid) }
			}, want: 422, wantMsg: "not manual", wantChange: "OrderDrone"},
		{name: "order no kind", c: call{"POST", "/api/v1/drones/1/orders", commanderTok, "", `{}`}, want: 400, wantMsg: "kind is required"},
		{name: "order bad kind", c: call{"POST", "/api/v1/drones/1/orders", commanderTok, "", `{"kind":"loop"}`}, want: 400, wantMsg: `"loop"`},
		{name: "approve with a position", c: call{"POST", "/api/v1/drones/9/orders", commanderTok, "", `{"kind":"approve","lat":46.9}`}, want: 400, wantMsg: "takes no lat"},
		{name: "goto without alt", c: call{"POST", "/api/v1/drones/1/orders", commanderTok, "", `{"kind":"goto","lat":46.9,"lon":7.4}`}, want: 400, wantMsg: "alt_m"},
		{name: "goto off the globe", c: call{"POST", "/api/v1/drones/1/orders", commanderTok, "", `{"kind":"goto","lat":146.9,"lon":7.4,"alt_m":50}`}, want: 400, wantMsg: "lat"},
		{name: "goto too high", c: call{"POST", "/api/v1/drones/1/orders", commanderTok, "", `{"kind":"goto","lat":46.9,"lon":7.4,"alt_m":5000}`}, want: 400, wantMsg: "alt_m"},
		{name: "rtl with position", c: call{"POST", "/api/v1/drones/1/orders", commanderTok, "", `{"kind":"rtl","lat":46.9}`}, want: 400, wantMsg: "takes no"},
		{name: "exclude without field", c: call{"POST", "/api/v1/drones/1/exclude", commanderTok, "", `{}`}, want: 400, wantMsg: `"excluded" is required`},
		{name: "exclude not bool", c: call{"POST", "/api/v1/drones/1/exclude", commanderTok, "", `{"excluded":"yes"}`}, want: 400, wantMsg: "true or false"},
		{name: "exclude extra field", c: call{"POST", "/api/v1/drones/1/exclude", commanderTok, "", `{"excluded":true,"x":1}`}, want: 400, wantMsg: `"x"`},
		{name: "exclude array", c: call{"POST", "/api/v1/drones/1/exclude", commanderTok, "", `[true]`}, want: 400, wantMsg: "want"},
		{name: "pin drone without station", c: call{"POST", "/api/v1/drones/2/pin", commanderTok, "", `{"pinned":true}`}, want: 409, wantMsg: "no station"},
		{name: "pin unknown drone", c: call{"POST", "/api/v1/drones/7/pin", commanderTok, "", `{"pinned":true}`}, want: 404, wantMsg: "unknown drone"},
		{name: "pin unknown station", c: call{"POST", "/api/v1/stations/s9/pin", commanderTok, "", `{"pinned":true}`},
			ctrl: func(f *fakeCtrl) {
				f.pinStation = func(string, bool) error { return fmt.Errorf("%w: s9", fleet.ErrUnknownStation) }
			}, want: 404, wantMsg: "unknown station", wantChange: "PinStation"},
		{name: "events bad since", c: call{"GET", "/api/v1/events?since=-1", viewerTok, "", ""}, want: 400, wantMsg: "since"},
		{name: "events bad limit", c: call{"GET", "/api/v1/events?limit=100000", viewerTok, "", ""}, want: 400, wantMsg: "limit"},
		{name: "stream bad since", c: call{"GET", "/api/v1/stream?since=x", viewerTok, "", ""}, want: 400, wantMsg: "since"},
		{name: "no basemap", c: call{"GET", "/api/v1/basemap/1/0/0", viewerTok, "", ""}, want: 404, wantMsg: "no basemap"},
		{name: "method not allowed", c: call{"PUT", "/api/v1/deploy", commanderTok, "", ""}, want: 405, wantMsg: "POST"},
		{name: "no such route", c: call{"GET", "/api/v1/nothing", viewerTok, "", ""}, want: 404, wantMsg: "no route"},
		{name: "controller error hidden", c: call{"POST", "/api/v1/deploy", commanderTok, "", ""},
			ctrl: func(f *fakeCtrl) { f.deploy = func() error { return errors.New("disk on fire /var/secret") } }, want: 500, wantMsg: "internal error", wantChange: "Deploy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeCtrl{}
			if tt.ctrl != nil {
				tt.ctrl(f)
			}
			s := newTestServer(t, f, testTokens)
			rec := tt.c.do(t, s)
			if rec.Code != tt.want {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tt.want, rec.Body)
			}
			if msg := errorOf(t, rec); !strings.Contains(msg, tt.wantMsg) {
				t.Fatalf("error %q does not contain %q", msg, tt.wantMsg)
			}
			var want []string
			if tt.wantChange != "" {
				want = []string{tt.wantChange}
			}
			if got := f.changes(); !slices.Equal(got, want) {
				t.Fatalf("controller changes %v, want %v", got, want)
			}
		})
	}
}

func TestPatchMergesIncident(t *testing.T) {
	var got fleet.IncidentSpec
	f := &fakeCtrl{updateIncident: func(s fleet.IncidentSpec) (fleet.Incident, error) {
		got = s
		return fleet.Incident{IncidentSpec: s}, nil
	}}
	s := newTestServer(t, f, testTokens)
	rec := call{"PATCH", "/api/v1/incident", commanderTok, "", `{"target_coverage":0.75,"networks":["public"]}`}.do(t, s)
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if got.Name != "river flood" || got.TargetCoverage != 0.75 || !slices.Equal(got.Networks, []fleet.Network{fleet.Public}) || len(got.Area) == 0 {
		t.Fatalf("merged spec %+v", got)
	}
}

func TestCreateFromGeoJSONTakesFeatureName(t *testing.T) {
	var got fleet.IncidentSpec
	f := &fakeCtrl{createIncident: func(s fleet.IncidentSpec) (fleet.Incident, error) {
		got = s
		return fleet.Incident{IncidentSpec: s}, nil
	}}
	s := newTestServer(t, f, testTokens)
	rec := call{"POST", "/api/v1/incident", commanderTok, "application/geo+json; charset=utf-8", string(readArea(t))}.do(t, s)
	if rec.Code != 201 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if got.Name != "river flood" {
		t.Fatalf("name %q, want the feature's", got.Name)
	}
}

func TestSnapshotCarriesUncoveredGeoJSONAndTeams(t *testing.T) {
	s := newTestServer(t, &fakeCtrl{}, testTokens)
	rec := call{"GET", "/api/v1/snapshot", viewerTok, "", ""}.do(t, s)
	var v struct {
		Drones    []fleet.Drone `json:"drones"`
		Uncovered struct {
			Type     string `json:"type"`
			Features []struct {
				Properties map[string]string `json:"properties"`
				Geometry   struct {
					Type        string           `json:"type"`
					Coordinates [][][][2]float64 `json:"coordinates"`
				} `json:"geometry"`
			} `json:"features"`
		} `json:"uncovered"`
		Teams []Team `json:"teams"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Drones) != 2 || len(v.Teams) != 1 || v.Uncovered.Type != "FeatureCollection" || len(v.Uncovered.Features) != 2 {
		t.Fatalf("snapshot %s", rec.Body)
	}
	pub := v.Uncovered.Features[0]
	if pub.Properties["network"] != "public" || pub.Geometry.Type != "MultiPolygon" || len(pub.Geometry.Coordinates) != 1 {
		t.Fatalf("public uncovered %+v", pub)
	}
	if c := v.Uncovered.Features[1].Geometry.Coordinates; c == nil || len(c) != 0 {
		t.Fatalf("private uncovered should be an empty MultiPolygon, got %v", c)
	}
	// The API's own decoder reads what the API writes.
	if _, err := ParseArea(mustJSON(t, v.Uncovered.Features[0].Geometry)); err != nil {
		t.Fatalf("uncovered geometry does not parse back: %v", err)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEventsPassesSinceAndLimit(t *testing.T) {
	var gotSince uint64
	var gotLimit int
	f := &fakeCtrl{events: func(since uint64, limit int) ([]fleet.Event, error) {
		gotSince, gotLimit = since, limit
		return []fleet.Event{{Seq: since + 1, Kind: fleet.EventDroneLost}}, nil
	}}
	s := newTestServer(t, f, testTokens)
	rec := call{"GET", "/api/v1/events?since=41&limit=5", viewerTok, "", ""}.do(t, s)
	var evs []fleet.Event
	if err := json.Unmarshal(rec.Body.Bytes(), &evs); err != nil || len(evs) != 1 || evs[0].Seq != 42 {
		t.Fatalf("events %s", rec.Body)
	}
	if gotSince != 41 || gotLimit != 5 {
		t.Fatalf("since %d limit %d", gotSince, gotLimit)
	}
}

func TestOrdersReachController(t *testing.T) {
	var gotID int
	var gotOrder fleet.Order
	var gotPinned string
	f := &fakeCtrl{
		orderDrone: func(id int, o fleet.Order) error { gotID, gotOrder = id, o; return nil },
		pinStation: func(st string, pin bool) error { gotPinned = fmt.Sprint(st, pin); return nil },
	}
	s := newTestServer(t, f, testTokens)
	call{"POST", "/api/v1/drones/1/orders", commanderTok, "", `{"kind":"goto","lat":46.91,"lon":7.42,"alt_m":80}`}.do(t, s)
	if gotID != 1 || gotOrder != (fleet.Order{Kind: fleet.OrderGoto, Lat: 46.91, Lon: 7.42, AltM: 80}) {
		t.Fatalf("order %d %+v", gotID, gotOrder)
	}
	call{"POST", "/api/v1/drones/1/pin", commanderTok, "", `{"pinned":true}`}.do(t, s)
	if gotPinned != "s1true" {
		t.Fatalf("pinned %q, want the drone's station s1", gotPinned)
	}
}

// TestCrossSiteRefused: another site's page in the commander's browser
// cannot order the fleet, neither cross-origin nor through DNS rebinding.
func TestCrossSiteRefused(t *testing.T) {
	f := &fakeCtrl{}
	s := newTestServer(t, f, nil)
	for _, tc := range []struct {
		name   string
		host   string
		header map[string]string
	}{
		{"cross-site fetch", "127.0.0.1:8080", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example"}},
		{"foreign origin", "127.0.0.1:8080", map[string]string{"Origin": "http://evil.example"}},
		{"rebound host", "evil.example:8080", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "http://evil.example:8080"}},
	} {
		req := httptest.NewRequest("POST", "http://"+tc.host+"/api/v1/deploy", nil)
		req.RemoteAddr = "127.0.0.1:50000"
		for k, v := range tc.header {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != 403 {
			t.Errorf("%s: status %d, want 403", tc.name, rec.Code)
		}
		errorOf(t, rec)
	}
	// The daemon's own page may.
	req := httptest.NewRequest("POST", "http://localhost:8080/api/v1/deploy", nil)
	req.RemoteAddr = "[::1]:50000"
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", "http://localhost:8080")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != 202 {
		t.Fatalf("same-origin deploy: %d %s", rec.Code, rec.Body)
	}
	if got := f.changes(); !slices.Equal(got, []string{"Deploy"}) {
		t.Fatalf("changes %v", got)
	}
}

func TestEventsTail(t *testing.T) {
	const total = 2500
	f := &fakeCtrl{events: func(since uint64, limit int) ([]fleet.Event, error) {
		var out []fleet.Event
		for seq := since + 1; seq <= total && len(out) < limit; seq++ {
			out = append(out, fleet.Event{Seq: seq})
		}
		return out, nil
	}}
	s := newTestServer(t, f, testTokens)
	rec := call{"GET", "/api/v1/events?tail=3", viewerTok, "", ""}.do(t, s)
	var evs []fleet.Event
	if err := json.Unmarshal(rec.Body.Bytes(), &evs); err != nil || len(evs) != 3 || evs[0].Seq != total-2 || evs[2].Seq != total {
		t.Fatalf("tail: %s", rec.Body)
	}
	for _, bad := range []string{"tail=0", "tail=x", "tail=5&limit=5", "tail=1001"} {
		if rec := (call{"GET", "/api/v1/events?" + bad, viewerTok, "", ""}).do(t, s); rec.Code != 400 {
			t.Errorf("%s: %d", bad, rec.Code)
		}
	}
}
