package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aerocell/aerocell/store"
)

// lockedBuffer is an io.Writer safe for the daemon's goroutines and the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serveConfig writes a configuration that opens an incident and deploys at
// start: what a daemon that lost its state would do again over held stations.
func serveConfig(t *testing.T, dir string) string {
	t.Helper()
	area, err := os.ReadFile(filepath.Join("..", "..", "examples", "areas", "town.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "area.geojson"), area, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`mavlink: {endpoints: ["udpin:%s"]}
fleet: {drones: [{sysid: 1, count: 2, profile: heavy-multirotor}]}
incident: {name: state test, area: area.geojson, deploy: true}
storage: {dir: state}
http: {listen: "%s"}
mqtt: {disabled: true}
`, freeAddr(t, "udp"), freeAddr(t, "tcp"))
	path := filepath.Join(dir, "aerocell.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// A state file emptied or cut short (a full disk, a bad copy) stops serve at
// start with the file named and what is wrong; the daemon neither starts
// over from its configuration nor crashes, and the file is left as it was.
func TestServeRefusesDamagedStateFile(t *testing.T) {
	dir := t.TempDir()
	cfg := serveConfig(t, dir)
	state := filepath.Join(dir, "state", "state.db")

	// A real state file: serve up, the incident opened from the config, then
	// stopped as by Ctrl-C.
	ctx, cancel := context.WithCancel(context.Background())
	var out lockedBuffer
	done := make(chan error, 1)
	go func() { done <- Run(ctx, []string{"serve", "--config", cfg}, &out, &out) }()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), "aerocell serving") {
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve stopped: %v\n%s", err, out.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve did not start:\n%s", out.String())
		}
	}
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("serve: %v", err)
	}
	whole, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name, want string
		data       []byte
	}{
		{"empty", "is empty (0 bytes)", nil},
		{"half", "is truncated", whole[:len(whole)/2]},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := os.WriteFile(state, c.data, 0o600); err != nil {
				t.Fatal(err)
			}
			// Bounded, so that a daemon that does start fails the test
			// rather than hanging it.
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			var out lockedBuffer
			err := Run(ctx, []string{"serve", "--config", cfg}, &out, &out)
			if err == nil {
				t.Fatal("serve started on a damaged state file")
			}
			if !errors.Is(err, store.ErrDamaged) || !strings.Contains(err.Error(), state) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("serve: %v\nwant the state file %s named and %q", err, state, c.want)
			}
			if strings.Contains(out.String(), "aerocell serving") {
				t.Fatalf("serve printed its banner:\n%s", out.String())
			}
			after, err := os.ReadFile(state)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(after, c.data) {
				t.Fatalf("state file changed: %d bytes, was %d", len(after), len(c.data))
			}
		})
	}
}
