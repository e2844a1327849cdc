package sitl

import (
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/aerocell/aerocell/fleet"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progressLineStep is how much of the flight a plain progress line stands
// for when the writer is not a terminal.
const progressLineStep = 0.10

// progress shows how far a run is: a redrawn bar on a terminal; on anything
// else (a log file, a pipe, a CI log) one line per tenth of the flight, so
// that a log is not flooded with redraws.
type progress struct {
	bar  *progressbar.ProgressBar
	w    io.Writer // plain lines, when not a terminal
	max  time.Duration
	next float64 // the next fraction of the flight that prints a line
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func newProgress(w io.Writer, d time.Duration) *progress {
	return newProgressFor(w, d, isTerminal(w))
}

func newProgressFor(w io.Writer, d time.Duration, tty bool) *progress {
	if w == nil {
		return &progress{}
	}
	if !tty {
		return &progress{w: w, max: d, next: progressLineStep}
	}
	return &progress{bar: progressbar.NewOptions64(int64(d.Seconds()),
		progressbar.OptionSetWriter(w), progressbar.OptionSetWidth(30), progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionShowElapsedTimeOnFinish(), progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetDescription("flight time"))}
}

func coverageText(t time.Duration, s Sample) string {
	return fmt.Sprintf("%s public %5.1f%% private %5.1f%%", fmtDur(t), 100*s.Coverage[fleet.Public], 100*s.Coverage[fleet.Private])
}

func (p *progress) set(t time.Duration, s Sample) {
	switch {
	case p.bar != nil:
		p.bar.Describe(coverageText(t, s))
		_ = p.bar.Set64(int64(math.Min(t.Seconds(), float64(p.bar.GetMax64()))))
	case p.w != nil && p.max > 0:
		f := t.Seconds() / p.max.Seconds()
		if f+1e-9 < p.next {
			return
		}
		for p.next <= f+1e-9 {
			p.next += progressLineStep
		}
		fmt.Fprintf(p.w, "sitl: %3.0f%% of flight time: %s\n", 100*math.Min(f, 1), coverageText(t, s))
	}
}

func (p *progress) done() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
