package daemon

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aerocell/aerocell/api"
	"github.com/aerocell/aerocell/clock"
)

func startConsole(t *testing.T, tokens []api.Token) *Daemon {
	t.Helper()
	cfg := DefaultConfig()
	cfg.MAVLink.Endpoints = []string{fmt.Sprintf("udpin:127.0.0.1:%d", freePort(t))}
	cfg.Storage.Dir = t.TempDir()
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.HTTP.Tokens = tokens
	cfg.MQTT.Disabled = true
	d, _ := startWithTeam(t, cfg, clock.NewManual(epoch))
	return d
}

// get fetches path from the console with the given Host header and bearer
// token ("" for none) and returns the status and body.
func get(t *testing.T, d *Daemon, path, host, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", "http://"+d.HTTPAddr()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// With tokens configured, /metrics wants a viewer (or commander) token as
// the API does; /healthz stays open for load balancers and systemd.
func TestMetricsNeedAToken(t *testing.T) {
	viewer, commander := "viewer-token-0123456789", "commander-token-0123456789"
	d := startConsole(t, []api.Token{{Name: "prom", Role: api.Viewer, Token: viewer}, {Name: "ops", Role: api.Commander, Token: commander}})
	for _, c := range []struct {
		name, path, token string
		want              int
	}{
		{"metrics, no token", "/metrics", "", http.StatusUnauthorized},
		{"metrics, wrong token", "/metrics", "not-a-token-0123456789", http.StatusUnauthorized},
		{"metrics, viewer", "/metrics", viewer, http.StatusOK},
		{"metrics, commander", "/metrics", commander, http.StatusOK},
		{"healthz, no token", "/healthz", "", http.StatusOK},
	} {
		status, body := get(t, d, c.path, "", c.token)
		if status != c.want {
			t.Errorf("%s: %d, want %d: %s", c.name, status, c.want, body)
		}
		if c.path == "/metrics" && status == http.StatusOK && !strings.Contains(body, "# TYPE ") {
			t.Errorf("%s: no metrics in %.200s", c.name, body)
		}
		if c.path == "/metrics" && status != http.StatusOK && strings.Contains(body, "# TYPE ") {
			t.Errorf("%s: metrics leaked in a refusal: %.200s", c.name, body)
		}
	}
}

// Without tokens, /metrics answers only under this machine's own name, as
// the API does: a foreign Host is a page elsewhere reaching it through DNS
// rebinding. /healthz tells nothing and stays open.
func TestMetricsRefuseForeignHost(t *testing.T) {
	d := startConsole(t, nil)
	_, port, _ := strings.Cut(d.HTTPAddr(), ":")
	for _, c := range []struct {
		path, host string
		want       int
	}{
		{"/metrics", "evil.example:" + port, http.StatusForbidden},
		{"/metrics", "attacker.example", http.StatusForbidden},
		{"/metrics", "127.0.0.1:" + port, http.StatusOK},
		{"/metrics", "localhost:" + port, http.StatusOK},
		{"/healthz", "evil.example:" + port, http.StatusOK},
	} {
		status, body := get(t, d, c.path, c.host, "")
		if status != c.want {
			t.Errorf("%s with Host %s: %d, want %d: %.200s", c.path, c.host, status, c.want, body)
		}
	}
}

// The registry carries the Go runtime and process collectors beside the
// daemon's own metrics, so that a dashboard sees memory, goroutines and file
// descriptors of the daemon it watches.
func TestMetricsRuntimeCollectors(t *testing.T) {
	mfs, err := newMetrics().reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, mf := range mfs {
		seen[mf.GetName()] = true
	}
	for _, name := range []string{"go_goroutines", "go_memstats_heap_alloc_bytes", "process_start_time_seconds"} {
		if !seen[name] {
			t.Errorf("metric %s not gathered", name)
		}
	}
}
