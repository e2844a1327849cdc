package clock

import (
	"sync"
	"time"
)

// Manual is a clock that moves only when Advance or Set is called: unit tests
// of timers and state machines use it to be exact and instant. Timers and
// tickers due at or before the new time fire, in time order, during Advance.
type Manual struct {
	mu      sync.Mutex
	now     time.Time
	waiters waiterQueue
}

var _ Clock = (*Manual)(nil)

// NewManual returns a manual clock that reads start.
func NewManual(start time.Time) *Manual { return &Manual{now: start} }

// Now returns the clock's time.
func (m *Manual) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

// Since is Now().Sub(t).
func (m *Manual) Since(t time.Time) time.Duration { return m.Now().Sub(t) }

// After is time.After on the manual clock.
func (m *Manual) After(d time.Duration) <-chan time.Time { return m.NewTimer(d).C() }

// Sleep blocks until another goroutine advances the clock by d.
func (m *Manual) Sleep(d time.Duration) { <-m.After(d) }

// Advance moves the clock forward by d, firing what falls due.
func (m *Manual) Advance(d time.Duration) { m.Set(m.Now().Add(d)) }

// Set moves the clock to t (never backwards), firing what falls due.
func (m *Manual) Set(t time.Time) {
	for {
		m.mu.Lock()
		if t.Before(m.now) {
			m.mu.Unlock()
			return
		}
		w := m.waiters.first()
		if w == nil || w.at.After(t) {
			m.now = t
			m.mu.Unlock()
			return
		}
		m.now = w.at
		m.waiters.fired(w)
		now := m.now
		m.mu.Unlock()
		select {
		case w.ch <- now:
		default:
		}
	}
}

// Waiters is how many timers and tickers are pending: tests use it to wait
// until the code under test has set its timer before advancing.
func (m *Manual) Waiters() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.waiters.Len()
}

func (m *Manual) add(d, period time.Duration) *waiter {
	w := newWaiter(period, 1)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.waiters.schedule(w, m.now.Add(d))
	return w
}

// nowLocked is the clock's time; m.mu is held.
func (m *Manual) nowLocked() time.Time { return m.now }

// NewTimer is time.NewTimer on the manual clock.
func (m *Manual) NewTimer(d time.Duration) Timer {
	return &manualTimer{m: m, w: m.add(d, 0)}
}

// NewTicker is time.NewTicker on the manual clock.
func (m *Manual) NewTicker(d time.Duration) Ticker {
	if d <= 0 {
		panic("clock: non-positive interval for NewTicker")
	}
	return manualTicker{&manualTimer{m: m, w: m.add(d, d)}}
}

type manualTicker struct{ t *manualTimer }

func (k manualTicker) C() <-chan time.Time   { return k.t.C() }
func (k manualTicker) Stop()                 { k.t.Stop() }
func (k manualTicker) Reset(d time.Duration) { k.t.Reset(d) }

type manualTimer struct {
	m *Manual
	w *waiter
}

func (t *manualTimer) C() <-chan time.Time { return t.w.ch }

func (t *manualTimer) Stop() bool {
	t.m.mu.Lock()
	defer t.m.mu.Unlock()
	return t.m.waiters.unschedule(t.w)
}

func (t *manualTimer) Reset(d time.Duration) bool {
	t.m.mu.Lock()
	defer t.m.mu.Unlock()
	return t.m.waiters.reset(t.w, d, t.m.nowLocked)
}
