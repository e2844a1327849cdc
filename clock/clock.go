// Package clock gives the simulator and the controller one notion of time
// that can be the wall clock, a virtual clock running a fixed factor faster
// than the wall clock (SITL runs and tests: an hour of flight in seconds), or
// a manual clock that moves only when a test advances it.
//
// Code that sleeps, sets timers or reads the time takes a Clock instead of
// calling package time, so that the same code runs at any speed. The package
// does no I/O and holds no package-level state.
package clock

import "time"

// Clock is a source of time and timers. Implementations are safe for
// concurrent use.
type Clock interface {
	// Now is the current time on this clock.
	Now() time.Time
	// Since is Now().Sub(t).
	Since(t time.Time) time.Duration
	// After waits for d to elapse on this clock, then sends the time on this
	// clock on the returned channel.
	After(d time.Duration) <-chan time.Time
	// NewTimer is time.NewTimer on this clock.
	NewTimer(d time.Duration) Timer
	// NewTicker is time.NewTicker on this clock; d must be positive.
	NewTicker(d time.Duration) Ticker
	// Sleep blocks for d on this clock.
	Sleep(d time.Duration)
}

// Timer is a single event, as time.Timer.
type Timer interface {
	C() <-chan time.Time
	// Stop prevents the timer from firing; it reports whether the call
	// stopped the timer.
	Stop() bool
	// Reset changes the timer to expire after d; it reports whether the
	// timer had been active.
	Reset(d time.Duration) bool
}

// Ticker delivers ticks at intervals, as time.Ticker.
type Ticker interface {
	C() <-chan time.Time
	Stop()
	Reset(d time.Duration)
}
