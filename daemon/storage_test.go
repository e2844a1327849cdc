package daemon

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/aerocell/aerocell/clock"
	"github.com/aerocell/aerocell/internal/boltfile/bolttest"
	"github.com/aerocell/aerocell/store"
)

// brokerConfig is a daemon with its embedded broker on topic, no console,
// and its storage in a fresh directory.
func brokerConfig(t *testing.T, topic string) Config {
	t.Helper()
	cfg := DefaultConfig()
	cfg.MAVLink.Endpoints = []string{fmt.Sprintf("udpin:127.0.0.1:%d", freePort(t))}
	cfg.Storage.Dir = t.TempDir()
	cfg.HTTP.Listen = ""
	cfg.MQTT.Listen = "127.0.0.1:0"
	cfg.MQTT.Topic = topic
	return cfg
}

// TestStartRefusesDamagedMQTTFiles: the MQTT outbox and the embedded
// broker's store, each emptied, cut in half or overwritten, stop Start with
// the file named and what to do, never a bbolt crash and never a daemon
// started on an empty outbox or store; the file is left as it was, and the
// daemon starts again once it is whole.
func TestStartRefusesDamagedMQTTFiles(t *testing.T) {
	cfg := brokerConfig(t, "files")
	cfg.Fleet.Drones = []DroneEntry{{SysID: 1}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	clk := clock.NewManual(epoch)
	start := func() error {
		d, err := Start(context.Background(), cfg, quiet(clk))
		if err == nil {
			if err := d.Close(context.Background()); err != nil {
				t.Errorf("close: %v", err)
			}
		}
		return err
	}
	// Real files, as a daemon leaves them.
	if err := start(); err != nil {
		t.Fatal(err)
	}
	for name, what := range map[string]string{"outbox-files.db": "outbox file", "broker.db": "store file"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(cfg.Storage.Dir, name)
			whole, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			bolttest.Refused(t, path, bolttest.Cases(whole, what), func(string) error { return start() })
			if err := os.WriteFile(path, whole, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := start(); err != nil {
				t.Fatalf("whole %s: %v", name, err)
			}
		})
	}
}

// TestCloseBoundedByContext: a Close whose context has ended returns at
// once, and the daemon still goes down: a later Close returns its result,
// and the state file is free for the next daemon.
func TestCloseBoundedByContext(t *testing.T) {
	cfg := brokerConfig(t, "close")
	cfg.Fleet.Drones = []DroneEntry{{SysID: 1}}
	d, err := Start(context.Background(), cfg, quiet(clock.NewManual(epoch)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := d.Close(ctx); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("Close with an ended context: %v", err)
	}
	if err := d.Close(context.Background()); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	st, err := store.Open(filepath.Join(cfg.Storage.Dir, "state.db"))
	if err != nil {
		t.Fatalf("state file still held: %v", err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
}
