package mavlink

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"os"
	"sync"
	"time"
)

// tlogWriter writes the session's telemetry log: each entry is the time in
// microseconds since the Unix epoch, 8 bytes big-endian, then one MAVLink
// frame as it went over the wire (the format QGroundControl and MAVProxy
// read, and gomavlib's tlog.Reader).
type tlogWriter struct {
	mu  sync.Mutex
	f   *os.File
	w   *bufio.Writer
	err error
}

func createTlog(path string) (*tlogWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("mavlink: telemetry log: %w", err)
	}
	return &tlogWriter{f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

func (t *tlogWriter) write(at time.Time, fr []byte) {
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], uint64(at.UnixMicro()))
	t.mu.Lock()
	if t.err == nil {
		if _, err := t.w.Write(ts[:]); err != nil {
			t.err = err
		} else if _, err := t.w.Write(fr); err != nil {
			t.err = err
		}
	}
	t.mu.Unlock()
}

func (t *tlogWriter) flush() {
	t.mu.Lock()
	if t.err == nil {
		t.err = t.w.Flush()
	}
	t.mu.Unlock()
}

func (t *tlogWriter) close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.err == nil {
		t.err = t.w.Flush()
	}
	if err := t.f.Close(); t.err == nil && err != nil {
		t.err = err
	}
	if t.err != nil {
		return fmt.Errorf("mavlink: telemetry log: %w", t.err)
	}
	return nil
}
