package web_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aerocell/aerocell/api"
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
	a, err := api.New(api.Config{Addr: "127.0.0.1:0", Tokens: []api.Token{{Token: commanderToken, Role: api.Commander, Name: "IC"}}}, ctrl, teams{})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", a)
	mux.Handle("/", web.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		a.Close()
		srv.Close()
	})
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
	if err := p.Deploy(); err != nil {
		t.Fatal(err)
	}
	planned := fl.plan.Coverage
	if err := p.WaitUntil("covered fraction at the plan's", func() (bool, error) {
		pub, err := p.Covered("public")
		if err != nil {
			return false, err
		}
		priv, err := p.Covered("private")
		return pub == planned["public"] && priv == planned["private"], err
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
	url := serve(t, newScriptedFleet())
	if err := p.Open(url, commanderToken); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitUntil("every drone listed", func() (bool, error) {
		ids, err := p.DroneIDs()
		return len(ids) == 5, err
	}); err != nil {
		t.Fatal(err)
	}
	if err := p.Screenshot(filepath.Join(screenshotDir(t), "console-tablet.png")); err != nil {
		t.Fatal(err)
	}
}
