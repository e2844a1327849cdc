package sitl

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aerocell/aerocell/fleet"
)

// A run's progress written to a log file or a pipe is a handful of lines,
// not a redraw per sample (issue 13: the bar flooded a non-terminal log).
func TestProgressNotATerminal(t *testing.T) {
	var buf bytes.Buffer
	d := time.Hour
	p := newProgress(&buf, d)
	smp := Sample{Coverage: map[fleet.Network]float64{fleet.Public: 0.5, fleet.Private: 0.25}}
	for ts := time.Duration(0); ts <= d; ts += 5 * time.Second {
		p.set(ts, smp)
	}
	p.done()
	out := buf.String()
	if strings.ContainsAny(out, "\r\x1b") {
		t.Errorf("terminal control characters in a non-terminal log: %q", out[:min(len(out), 200)])
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 10 {
		t.Errorf("%d lines for an hour sampled every 5 s, want 10 (one per tenth):\n%s", len(lines), out)
	}
	if !strings.Contains(lines[len(lines)-1], "100% of flight time: 1:00:00 public  50.0% private  25.0%") {
		t.Errorf("last line %q", lines[len(lines)-1])
	}
}

// A regular file is not a terminal; a terminal gets the redrawn bar.
func TestProgressTerminalChoice(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) {
		t.Error("a regular file taken for a terminal")
	}
	if isTerminal(&bytes.Buffer{}) {
		t.Error("a buffer taken for a terminal")
	}
	var buf bytes.Buffer
	p := newProgressFor(&buf, time.Minute, true)
	p.set(30*time.Second, Sample{})
	p.done()
	if !strings.Contains(buf.String(), "\r") {
		t.Errorf("no bar drawn on a terminal: %q", buf.String())
	}
	if p := newProgress(nil, time.Minute); p.bar != nil || p.w != nil {
		t.Error("progress without a writer")
	}
}
