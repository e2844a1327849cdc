package broker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/aerocell/aerocell/internal/boltfile/bolttest"
	"github.com/mochi-mqtt/server/v2/packets"
)

// TestStartRefusesDamagedStore: a store file emptied, cut in half or
// overwritten stops Start with its name and what to do, and is left as it
// is, rather than taken for a new store (dropping what was queued for
// teams) or crashing the process. The whole file still opens.
func TestStartRefusesDamagedStore(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "broker-real.db")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h, err := openStore(real, log)
	if err != nil {
		t.Fatal(err)
	}
	const n = 200
	for i := range n {
		pk := packets.Packet{TopicName: fmt.Sprintf("aerocell/v1/inc1/retained/%d", i), Payload: bytes.Repeat([]byte{'x'}, 500)}
		h.queue(put(bucketRetained, []byte(pk.TopicName), message("retained", "ctl", pk)))
	}
	if err := h.Stop(); err != nil {
		t.Fatal(err)
	}
	whole, err := os.ReadFile(real)
	if err != nil {
		t.Fatal(err)
	}
	users := &Users{Version: UsersVersion}
	bolttest.Refused(t, filepath.Join(dir, "broker.db"), bolttest.Cases(whole, "store file"), func(path string) error {
		b, err := Start(Config{TCPAddr: "127.0.0.1:0", Users: users, StorePath: path, Logger: log})
		if err == nil {
			return errors.Join(errors.New("started"), b.Close(context.Background()))
		}
		return err
	})
	h, err = openStore(real, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := h.Stop(); err != nil {
			t.Error(err)
		}
	})
	if got, err := h.StoredRetainedMessages(); err != nil || len(got) != n {
		t.Fatalf("whole file: %d retained messages, %v; want %d", len(got), err, n)
	}
}
