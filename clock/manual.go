package clock

import (
	"sort"
	"sync"
	"time"
)

// Manual is a clock that moves only when Advance or Set is called: unit tests
// of timers and state machines use it to be exact and instant. Timers and
// tickers due at or before the new time fire, in time order, during Advance.
type Manual struct {
	mu      sync.Mutex
	now     time.Time
	waiters []*manualWaiter
	seq     uint64
}

var _ Clock = (*Manual)(nil)

type manualWaiter struct {
	at     time.Time
	period time.Duration // > 0 for tickers
	ch     chan time.Time
	seq    uint64
	active bool
}

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
		w := m.nextDue(t)
		if w == nil {
			m.now = t
			m.mu.Unlock()
			return
		}
		m.now = w.at
		if w.period > 0 {
			w.at = w.at.Add(w.period)
		} else {
			w.active = false
			m.remove(w)
		}
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
	return len(m.waiters)
}

func (m *Manual) nextDue(t time.Time) *manualWaiter {
	sort.Slice(m.waiters, func(i, j int) bool {
		a, b := m.waiters[i], m.waiters[j]
		if !a.at.Equal(b.at) {
			return a.at.Before(b.at)
		}
		return a.seq < b.seq
	})
	if len(m.waiters) == 0 || m.waiters[0].at.After(t) {
		return nil
	}
	return m.waiters[0]
}

func (m *Manual) remove(w *manualWaiter) {
	for i, x := range m.waiters {
		if x == w {
			m.waiters = append(m.waiters[:i], m.waiters[i+1:]...)
			return
		}
	}
}

func (m *Manual) add(d, period time.Duration) *manualWaiter {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seq++
	w := &manualWaiter{at: m.now.Add(d), period: period, ch: make(chan time.Time, 1), seq: m.seq, active: true}
	m.waiters = append(m.waiters, w)
	return w
}

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
	w *manualWaiter
}

func (t *manualTimer) C() <-chan time.Time { return t.w.ch }

func (t *manualTimer) Stop() bool {
	t.m.mu.Lock()
	defer t.m.mu.Unlock()
	was := t.w.active
	t.w.active = false
	t.m.remove(t.w)
	return was
}

func (t *manualTimer) Reset(d time.Duration) bool {
	t.m.mu.Lock()
	defer t.m.mu.Unlock()
	was := t.w.active
	t.m.remove(t.w)
	select {
	case <-t.w.ch:
	default:
	}
	t.w.at = t.m.now.Add(d)
	if t.w.period > 0 {
		t.w.period = d
	}
	t.w.active = true
	t.m.seq++
	t.w.seq = t.m.seq
	t.m.waiters = append(t.m.waiters, t.w)
	return was
}
