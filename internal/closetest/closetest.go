// Package closetest closes what a test opened when the test ends, and fails
// the test when closing fails, so that an error from Close is never lost in
// a deferred cleanup.
package closetest

import (
	"context"
	"io"
	"testing"
	"time"
)

// Closer is what waits on its way down (aerocell's Close(ctx) shape).
type Closer interface {
	Close(ctx context.Context) error
}

// Bound is how long AtEnd lets a Close wait: a Close that hangs fails the
// test with context.DeadlineExceeded instead of stalling it until the
// test binary's timeout.
const Bound = time.Minute

// AtEnd closes c when tb and its subtests have ended (tb.Cleanup, so in the
// reverse order of registration) and reports its error.
func AtEnd(tb testing.TB, c Closer) {
	tb.Helper()
	tb.Cleanup(func() { Now(tb, c) })
}

// Now closes c, waiting up to Bound, and reports its error.
func Now(tb testing.TB, c Closer) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Bound)
	defer cancel()
	if err := c.Close(ctx); err != nil {
		tb.Errorf("close %T: %v", c, err)
	}
}

// ReleaseAtEnd closes c, which only releases (aerocell's Close() error
// shape, as io.Closer), when tb and its subtests have ended, and reports
// its error.
func ReleaseAtEnd(tb testing.TB, c io.Closer) {
	tb.Helper()
	tb.Cleanup(func() {
		if err := c.Close(); err != nil {
			tb.Errorf("close %T: %v", c, err)
		}
	})
}
