package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/aerocell/aerocell/api"
	"github.com/aerocell/aerocell/dem"
	"github.com/aerocell/aerocell/fleet"
	"github.com/aerocell/aerocell/internal/closetest"
	"github.com/aerocell/aerocell/web"
	"github.com/aerocell/aerocell/web/webtest"
)

const commanderToken = "commander-token-for-the-browser"

// screenshotDir is where the browser test leaves its screenshots: the
// directory named by AEROCELL_SCREENSHOTS, else the test's temp dir.
func screenshotDir(t *testing.T) string {
	if d := os.Getenv("AEROCELL_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// serve mounts the API and the page as the daemon does.
func serve(t *testing.T, ctrl api.Controller) string {
	t.Helper()
	return serveWith(t, ctrl, api.Config{})
}

// serveWith is serve with an API configuration (the commander's token and
// a loopback address when it has none).
func serveWith(t *testing.T, ctrl api.Controller, cfg api.Config) string {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.Tokens == nil {
		cfg.Tokens = []api.Token{{Token: commanderToken, Role: api.Commander, Name: "IC"}}
	}
	a, err := api.New(cfg, ctrl, teams{})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", a)
	mux.Handle("/", web.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	closetest.ReleaseAtEnd(t, a) // before srv: it ends the streams srv.Close waits for
	return srv.URL
}

// TestBrowserDeploy loads the page in headless Chromium, sees every drone
// appear, deploys through the button and its confirmation, and sees the
// covered fraction rise; it saves screenshots before and after.
func TestBrowserDeploy(t *testing.T) {
	p := webtest.NewPage(t, webtest.Options{})
	fl := newScriptedFleet()
	url := serve(t, fl)
	dir := screenshotDir(t)
	if err := p.Open(url, commanderToken); err != nil {
		t.Fatal(err)
	}
	want := []int{1, 2, 3, 4, 5}
	if err := p.WaitUntil("every drone listed", func() (bool, error) {
		ids, err := p.DroneIDs()
		return slices.Equal(ids, want), err
	}); err != nil {
		t.Fatal(err)
	}
	before, err := p.Covered("public")
	if err != nil {
		t.Fatal(err)
	}
	if before != 0 {
		t.Fatalf("covered %v before deploying", before)
	}
	if err := p.Screenshot(filepath.Join(dir, "console-before.png")); err != nil {
		t.Fatal(err)
	}
	summary, err := p.PreviewPlan()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(summary, "4 stations") {
		t.Fatalf("plan summary %q", summary)
	}
	if err := p.Screenshot(filepath.Join(dir, "console-preview.png")); err != nil {
		t.Fatal(err)
	}
	if err := p.Deploy(); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitUntil("a drone in flight", func() (bool, error) {
		st, err := p.DroneStates()
		return st[4] == "transit", err
	}); err != nil {
		t.Fatal(err)
	}
	if err := p.Screenshot(filepath.Join(dir, "console-transit.png")); err != nil {
		t.Fatal(err)
	}
	planned := fl.plan.Coverage
	if err := p.WaitUntil("covered fraction at the plan's", func() (bool, error) {
		pub, err := p.Covered("public")
		if err != nil {
			return false, err
		}
		priv, err := p.Covered("private")
		return pub == planned[fleet.Public] && priv == planned[fleet.Private], err
	}); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitUntil("drones on station", func() (bool, error) {
		st, err := p.DroneStates()
		return st[1] == "on_station" && st[4] == "on_station" && st[5] == "idle", err
	}); err != nil {
		t.Fatal(err)
	}
	after, _ := p.Covered("public")
	if after <= before {
		t.Fatalf("covered fraction %v after deploy, %v before", after, before)
	}
	shot := filepath.Join(dir, "console-deployed.png")
	if err := p.Screenshot(shot); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s (public %.0f%% → %.0f%%)", dir, before*100, after*100)
}

// TestBrowserTablet renders the page at tablet width in portrait, where the
// panel moves under the map.
func TestBrowserTablet(t *testing.T) {
	p := webtest.NewPage(t, webtest.Options{Width: 800, Height: 1200})
	fl := newScriptedFleet()
	fl.noShapes = true // a controller that has computed no gap yet
	url := serve(t, fl)
	if err := p.Open(url, commanderToken); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitUntil("every drone listed", func() (bool, error) {
		ids, err := p.DroneIDs()
		return len(ids) == 5, err
	}); err != nil {
		t.Fatal(err)
	}
	// Nothing covers the area, so all of it is a gap even without shapes.
	if s, err := p.Text("#gap-label"); err != nil || s != "Coverage gap: public + private" {
		t.Fatalf("gap legend %q (%v)", s, err)
	}
	if err := p.Screenshot(filepath.Join(screenshotDir(t), "console-tablet.png")); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserOrdersNeedConfirmation: an order button asks first; Cancel sends
// nothing, Confirm sends the order.
func TestBrowserOrdersNeedConfirmation(t *testing.T) {
	p := webtest.NewPage(t, webtest.Options{})
	fl := newScriptedFleet()
	url := serve(t, fl)
	if err := p.Open(url, commanderToken); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitUntil("drone 3 listed", func() (bool, error) {
		ids, err := p.DroneIDs()
		return slices.Contains(ids, 3), err
	}); err != nil {
		t.Fatal(err)
	}
	if err := p.SelectDrone(3); err != nil {
		t.Fatal(err)
	}
	if err := p.Order("rtl", false); err != nil {
		t.Fatal(err)
	}
	if got := fl.given(); len(got) != 0 {
		t.Fatalf("cancelled order sent: %v", got)
	}
	if err := p.Order("rtl", true); err != nil {
		t.Fatal(err)
	}
	if err := p.Order("exclude", true); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitUntil("orders at the controller", func() (bool, error) {
		return slices.Equal(fl.given(), []string{"drone 3 rtl", "drone 3 excluded true"}), nil
	}); err != nil {
		t.Fatalf("%v: got %v", err, fl.given())
	}
}

// TestBrowserViewerCannotOrder: a viewer's page shows the fleet but no order
// buttons.
func TestBrowserViewerCannotOrder(t *testing.T) {
	p := webtest.NewPage(t, webtest.Options{})
	fl := newScriptedFleet()
	a, err := api.New(api.Config{Addr: "127.0.0.1:0", Tokens: []api.Token{
		{Token: commanderToken, Role: api.Commander, Name: "IC"},
		{Token: "viewer-token-for-the-browser", Role: api.Viewer, Name: "liaison"},
	}}, fl, teams{})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", a)
	mux.Handle("/", web.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	closetest.ReleaseAtEnd(t, a) // before srv: it ends the streams srv.Close waits for
	if err := p.Open(srv.URL, "viewer-token-for-the-browser"); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitUntil("drones listed", func() (bool, error) {
		ids, err := p.DroneIDs()
		return len(ids) == 5, err
	}); err != nil {
		t.Fatal(err)
	}
	for _, sel := range []string{"#btn-deploy", "#btn-recall", "#btn-pause"} {
		if vis, err := p.Visible(sel); err != nil || vis {
			t.Errorf("%s visible to a viewer (%v)", sel, err)
		}
	}
	if vis, err := p.Visible("#btn-preview"); err != nil || !vis {
		t.Errorf("plan preview hidden from a viewer (%v)", err)
	}
	if role, err := p.Text("#role"); err != nil || role != "liaison · viewer" {
		t.Errorf("role shown %q (%v)", role, err)
	}
}

// TestBrowserBasemap: with a tile URL configured, the page draws tiles that
// the daemon fetches for it from the tile server.
func TestBrowserBasemap(t *testing.T) {
	p := webtest.NewPage(t, webtest.Options{})
	var tilesServed atomic.Int64
	tileSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tilesServed.Add(1)
		w.Header().Set("Content-Type", "image/png")
		w.Write(testTile())
	}))
	defer tileSrv.Close()
	fl := newScriptedFleet()
	url := serveWith(t, fl, api.Config{Basemap: api.Basemap{TileURL: tileSrv.URL + "/{z}/{x}/{y}.png"}})
	if err := p.Open(url, commanderToken); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitUntil("basemap tiles drawn", func() (bool, error) {
		n, err := chromedp.Run(p.Context(), chromedp.Evaluate[string](`document.body.dataset.tiles || "0"`))
		return n != "0" && n != "1" && n != "2" && n != "3", err
	}); err != nil {
		t.Fatal(err)
	}
	if tilesServed.Load() < 4 {
		t.Fatalf("%d tiles served by the tile server", tilesServed.Load())
	}
	if err := p.WaitUntil("drones listed", func() (bool, error) {
		ids, err := p.DroneIDs()
		return len(ids) == 5, err
	}); err != nil {
		t.Fatal(err)
	}
	if err := p.Screenshot(filepath.Join(screenshotDir(t), "console-basemap.png")); err != nil {
		t.Fatal(err)
	}
}

// testTile is a 256-pixel PNG tile: pale green with a darker road grid.
func testTile() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 256, 256))
	for y := 0; y < 256; y++ {
		for x := 0; x < 256; x++ {
			c := color.RGBA{0xdf, 0xec, 0xd5, 0xff}
			if x%64 < 3 || y%64 < 3 {
				c = color.RGBA{0xc9, 0xc2, 0xb0, 0xff}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}

// TestBrowserOpenIncident: with no incident open, the page takes a GeoJSON
// file and a name and opens the incident, whose area it then draws.
func TestBrowserOpenIncident(t *testing.T) {
	p := webtest.NewPage(t, webtest.Options{})
	fl := newScriptedFleet()
	area := fl.inc.Area
	fl.closed = true
	url := serve(t, fl)
	if err := p.Open(url, commanderToken); err != nil {
		t.Fatal(err)
	}
	dir := screenshotDir(t)
	path := filepath.Join(t.TempDir(), "area.geojson")
	if err := os.WriteFile(path, area, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitUntil("drones listed", func() (bool, error) {
		ids, err := p.DroneIDs()
		return len(ids) == 5, err
	}); err != nil {
		t.Fatal(err)
	}
	if err := p.Screenshot(filepath.Join(dir, "console-no-incident.png")); err != nil {
		t.Fatal(err)
	}
	if err := p.CreateIncident("Landslide Gurten", path); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitUntil("incident shown", func() (bool, error) {
		s, err := p.Text("#incident-title")
		return s == "Landslide Gurten", err
	}); err != nil {
		t.Fatal(err)
	}
	if vis, err := p.Visible("#btn-deploy"); err != nil || !vis {
		t.Fatalf("deploy button not shown after opening (%v)", err)
	}
	// Edit the incident: a lower target, typed, then the field left; the
	// page refreshes from the controller before "Set" is clicked, and
	// keeps what the commander typed (it used to put the old target back
	// whenever the field was not focused, as between the press and the
	// release of the click).
	if err := chromedp.Do(p.Context(),
		chromedp.SetValue(chromedp.CSS(`#target`), ""),
		chromedp.SendKeys(chromedp.CSS(`#target`), "90"),
		chromedp.Focus(chromedp.CSS(`#btn-preview`)),
	); err != nil {
		t.Fatal(err)
	}
	spec := fl.Snapshot().Incident.IncidentSpec
	spec.Name = "Landslide Gurten, east slope"
	if _, err := fl.UpdateIncident(context.Background(), spec); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitUntil("a refresh with the field left", func() (bool, error) {
		s, err := p.Text("#incident-title")
		return s == spec.Name, err
	}); err != nil {
		t.Fatal(err)
	}
	if typed, err := chromedp.Run(p.Context(), chromedp.Value(chromedp.CSS(`#target`))); err != nil || typed != "90" {
		t.Fatalf("the typed target after a refresh: %q (%v)", typed, err)
	}
	if err := chromedp.Do(p.Context(), chromedp.Click(chromedp.CSS(`#btn-target`), chromedp.NodeVisible)); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitUntil("target at the controller", func() (bool, error) {
		return fl.Snapshot().Incident.TargetCoverage == 0.9, nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserLostDrone: when a drone goes silent the page says so at once:
// a critical banner, the drone's state, and the coverage it took away.
func TestBrowserLostDrone(t *testing.T) {
	p := webtest.NewPage(t, webtest.Options{})
	fl := newScriptedFleet()
	url := serve(t, fl)
	if err := p.Open(url, commanderToken); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitUntil("drones listed", func() (bool, error) {
		ids, err := p.DroneIDs()
		return len(ids) == 5, err
	}); err != nil {
		t.Fatal(err)
	}
	if err := p.Deploy(); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitUntil("all on station", func() (bool, error) {
		st, err := p.DroneStates()
		return st[1] == "on_station" && st[2] == "on_station" && st[3] == "on_station" && st[4] == "on_station", err
	}); err != nil {
		t.Fatal(err)
	}
	full, _ := p.Covered("public")
	fl.loseDrone(3)
	if err := p.WaitUntil("drone 3 shown lost", func() (bool, error) {
		st, err := p.DroneStates()
		return st[3] == "lost", err
	}); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitUntil("critical banner", func() (bool, error) {
		vis, err := p.Visible("#alert")
		if !vis || err != nil {
			return false, err
		}
		s, err := p.Text("#alert-text")
		return strings.Contains(s, "Drone 3 lost"), err
	}); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitUntil("coverage down", func() (bool, error) {
		f, err := p.Covered("public")
		return f < full, err
	}); err != nil {
		t.Fatal(err)
	}
	if err := p.Screenshot(filepath.Join(screenshotDir(t), "console-lost.png")); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserSignIn: without a token the page asks for one, refuses a wrong
// one with the API's reason, and signs in with the right one.
func TestBrowserSignIn(t *testing.T) {
	p := webtest.NewPage(t, webtest.Options{})
	url := serve(t, newScriptedFleet())
	if err := chromedp.Do(p.Context(),
		chromedp.Navigate(url+"/"),
		chromedp.WaitVisible(chromedp.CSS(`#login[open] #login-token`)),
		chromedp.SendKeys(chromedp.CSS(`#login-token`), "not-the-right-token"),
		chromedp.Click(chromedp.CSS(`#login-ok`), chromedp.NodeVisible),
	); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitUntil("the refusal shown", func() (bool, error) {
		s, err := p.Text("#login-error")
		return strings.Contains(s, "bearer token"), err
	}); err != nil {
		t.Fatal(err)
	}
	if err := p.SignIn(url, commanderToken); err != nil {
		t.Fatal(err)
	}
	if role, err := p.Text("#role"); err != nil || role != "IC · commander" {
		t.Fatalf("role %q (%v)", role, err)
	}
}

// TestBrowserTerrain: with a DEM (the SRTM tile of the White Mountains)
// the page draws the daemon's hillshade of the incident's area under the
// map, and once the drones are on station their cells as the shapes they
// cover over the terrain (from the API's footprints), not circles. The
// scripted incident sits in Crawford Notch.
func TestBrowserTerrain(t *testing.T) {
	d, err := dem.Open("../dem/testdata", dem.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := webtest.NewPage(t, webtest.Options{})
	fl := newScriptedFleetAt(44.17, -71.36)
	fl.terrain = d
	fl.inc.Name = "Irene: US 302 washed out, Crawford Notch"
	url := serveWith(t, fl, api.Config{Terrain: d})
	if err := p.Open(url, commanderToken); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitUntil("hillshade drawn", func() (bool, error) {
		v, err := chromedp.Run(p.Context(), chromedp.Evaluate[string](`document.body.dataset.hillshade || ""`))
		return v == "1", err
	}); err != nil {
		t.Fatal(err)
	}
	// The relief shows through the map: the canvas holds many greys.
	greys, err := chromedp.Run(p.Context(), chromedp.Evaluate[int](`(() => {
		const c = document.querySelector("canvas"), g = c.getContext("2d");
		const d = g.getImageData(0, 0, c.width, c.height).data, seen = new Set();
		for (let i = 0; i < d.length; i += 4 * 97) seen.add(d[i] >> 2);
		return seen.size;
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if greys < 20 {
		t.Errorf("%d shades on the canvas: no relief drawn", greys)
	}
	if err := p.Deploy(); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitUntil("terrain footprints drawn as shapes", func() (bool, error) {
		v, err := chromedp.Run(p.Context(), chromedp.Evaluate[string](`document.body.dataset.shapes || "0"`))
		return v == "4", err
	}); err != nil {
		t.Fatal(err)
	}
	// The API serves them: one shape per drone on station and network.
	var view api.View
	if err := getJSON(url+api.Prefix+"/snapshot", &view); err != nil {
		t.Fatal(err)
	}
	if n := len(view.Footprints.Features); n != 8 {
		t.Errorf("%d footprint features, want 8 (4 drones x 2 networks)", n)
	}
	shot := filepath.Join(screenshotDir(t), "console-hillshade.png")
	if err := p.Screenshot(shot); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", shot)
}

// getJSON GETs url as the commander and decodes its JSON.
func getJSON(url string, v any) error {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+commanderToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}
