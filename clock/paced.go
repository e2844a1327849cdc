package clock

import (
	"fmt"
	"sync"
	"time"
)

// Paced is a virtual clock for simulation runs and tests that must not
// depend on how loaded the machine is. It runs at most Speed times faster
// than the wall clock, and never ahead of the goroutines it paces:
//
//   - A tick of a pacing ticker (see PacingTicker) is handed over only when
//     its reader is there to take it; until then the clock stands still at
//     that tick's time. A controller loop and a simulator that each read a
//     pacing ticker therefore stay within one tick of each other whatever
//     the machine's load: a slow step slows the flight down instead of
//     letting the simulator fly on while the controller is not looking.
//   - Every timer fires at its exact virtual time: the clock does not read
//     past a timer that is due and has not fired yet.
//   - Wall time lost to a starved process is not made up in a burst: the
//     clock then runs slower than Speed.
//
// A pacing tick not taken within Grace of wall time is dropped, as a slow
// reader of time.Ticker skips ticks, and the clock goes on; Stalls counts
// those (a reader that waits on this clock while it holds a tick would
// otherwise deadlock with it). Stop stops the clock's goroutine.
type Paced struct {
	speed float64
	grace time.Duration

	mu       sync.Mutex
	base     time.Time // virtual time at wallBase
	wallBase time.Time
	last     time.Time // the latest time Now returned: Now never goes back
	holding  bool      // a pacing tick waits for its reader at base
	waiters  waiterQueue
	stalls   int
	busy     int // work under way (Busy): the clock runs at real speed
	wake     chan struct{}
	done     chan struct{}
	once     sync.Once
}

var _ Clock = (*Paced)(nil)

// DefaultGrace is how long of wall time a pacing tick waits for its reader
// before it is dropped.
const DefaultGrace = 5 * time.Second

// maxLate bounds the wall time a late clock makes up at once.
const maxLate = 10 * time.Millisecond

// NewPaced returns a paced clock that reads start now and runs at most
// speed times faster than the wall clock. speed must be positive and
// finite; grace of zero is DefaultGrace.
func NewPaced(start time.Time, speed float64, grace time.Duration) (*Paced, error) {
	if !(speed > 0) || speed > 1e6 {
		return nil, fmt.Errorf("clock: speed %v out of range (0, 1e6]", speed)
	}
	if grace < 0 {
		return nil, fmt.Errorf("clock: negative grace %v", grace)
	}
	if grace == 0 {
		grace = DefaultGrace
	}
	c := &Paced{speed: speed, grace: grace, base: start, wallBase: time.Now(), last: start,
		wake: make(chan struct{}, 1), done: make(chan struct{})}
	go c.run()
	return c, nil
}

// Speed is the most virtual seconds that pass per wall second.
func (c *Paced) Speed() float64 { return c.speed }

// Wall is the least wall time a virtual duration takes.
func (c *Paced) Wall(d time.Duration) time.Duration {
	w := time.Duration(float64(d) / c.speed)
	if d > 0 && w <= 0 {
		w = 1
	}
	return w
}

// Stalls is how many pacing ticks were dropped because their reader did
// not take them within the grace.
func (c *Paced) Stalls() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stalls
}

// Stop stops the clock: timers and tickers no longer fire (a clock, like
// a ticker, is stopped, not closed: it holds nothing to release).
func (c *Paced) Stop() { c.once.Do(func() { close(c.done) }) }

// rate is how many virtual seconds pass per wall second now; c.mu is held.
func (c *Paced) rate() float64 {
	if c.busy > 0 {
		return 1
	}
	return c.speed
}

// raw is the virtual time by the wall clock alone; c.mu is held.
func (c *Paced) raw() time.Time {
	if c.holding {
		return c.base
	}
	return c.base.Add(time.Duration(float64(time.Since(c.wallBase)) * c.rate()))
}

// Busy tells the clock that work is under way whose wall time is the time
// it would take in the field: a planner or a terrain sweep beside the
// controller's loop. Until done is called the clock runs at real speed, so
// that a sweep of half a second of wall time costs half a second of
// flight, not Speed times that, and a run's outcome does not hang on how
// loaded the machine is. done may be called more than once.
func (c *Paced) Busy() (done func()) {
	c.setBusy(1)
	var once sync.Once
	return func() { once.Do(func() { c.setBusy(-1) }) }
}

func (c *Paced) setBusy(delta int) {
	c.mu.Lock()
	if !c.holding {
		c.base, c.wallBase = c.raw(), time.Now()
	}
	c.busy += delta
	c.mu.Unlock()
	c.wakeDriver() // its wait was worked out at the old rate
}

// Busy marks work under way on c (see Paced.Busy) and returns the func
// that ends it; on a clock that runs at one speed it does nothing.
func Busy(c Clock) (done func()) {
	if b, ok := c.(interface{ Busy() func() }); ok {
		return b.Busy()
	}
	return func() {}
}

// Now returns the virtual time.
func (c *Paced) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked()
}

func (c *Paced) nowLocked() time.Time {
	v := c.raw()
	if w := c.waiters.first(); w != nil && v.After(w.at) {
		v = w.at
	}
	if v.Before(c.last) {
		v = c.last
	}
	c.last = v
	return v
}

// Since is Now().Sub(t).
func (c *Paced) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

// After is time.After on the paced clock.
func (c *Paced) After(d time.Duration) <-chan time.Time { return c.NewTimer(d).C() }

// Sleep blocks for d on the paced clock.
func (c *Paced) Sleep(d time.Duration) {
	t := c.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
	case <-c.done:
	}
}

// NewTimer is time.NewTimer on the paced clock.
func (c *Paced) NewTimer(d time.Duration) Timer {
	return &pacedTimer{c: c, w: c.add(d, 0, false)}
}

// NewTicker is time.NewTicker on the paced clock: a slow reader skips
// ticks and holds nothing.
func (c *Paced) NewTicker(d time.Duration) Ticker {
	if d <= 0 {
		panic("clock: non-positive interval for NewTicker")
	}
	return pacedTicker{&pacedTimer{c: c, w: c.add(d, d, false)}}
}

// PacingTicker is a ticker whose reader the clock waits for (see Paced).
func (c *Paced) PacingTicker(d time.Duration) Ticker {
	if d <= 0 {
		panic("clock: non-positive interval for PacingTicker")
	}
	return pacedTicker{&pacedTimer{c: c, w: c.add(d, d, true)}}
}

// PacingTicker returns a ticker of c that c waits for before it moves on,
// when c is a Paced clock, else c.NewTicker(d). The loops that must keep
// up with simulated time (the controller's, the simulator's) read one.
func PacingTicker(c Clock, d time.Duration) Ticker {
	if p, ok := c.(interface{ PacingTicker(time.Duration) Ticker }); ok {
		return p.PacingTicker(d)
	}
	return c.NewTicker(d)
}

// holder lets a pacing tick go that the clock holds for a reader when
// the ticker stops.
type holder struct {
	stop    chan struct{} // closed by Stop
	stopped bool
}

func (c *Paced) add(d, period time.Duration, pacing bool) *waiter {
	var w *waiter
	if pacing {
		w = newWaiter(period, 0) // handed over, not left in a buffer
		w.hold = &holder{stop: make(chan struct{})}
	} else {
		w = newWaiter(period, 1)
	}
	c.mu.Lock()
	c.schedule(w, c.nowLocked().Add(d))
	c.mu.Unlock()
	return w
}

// schedule puts w in the queue at at, waking the driver when w is now
// first; c.mu is held.
func (c *Paced) schedule(w *waiter, at time.Time) {
	if c.waiters.schedule(w, at) {
		c.wakeDriver()
	}
}

// wakeDriver has run work out its wait again.
func (c *Paced) wakeDriver() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// run fires the waiters in time order as the wall clock allows.
func (c *Paced) run() {
	idle := time.NewTimer(time.Hour)
	defer idle.Stop()
	grace := time.NewTimer(time.Hour)
	grace.Stop()
	for {
		c.mu.Lock()
		w := c.waiters.first()
		if w == nil {
			c.mu.Unlock()
			select {
			case <-c.wake:
				continue
			case <-c.done:
				return
			}
		}
		v := c.raw()
		rate := c.rate()
		if v.Before(w.at) {
			wait := max(time.Duration(float64(w.at.Sub(v))/rate), 1)
			c.mu.Unlock()
			idle.Reset(wait)
			select {
			case <-idle.C:
			case <-c.wake:
				idle.Stop() // since Go 1.23 no stale tick is left to drain
			case <-c.done:
				return
			}
			continue
		}
		late := min(time.Duration(float64(v.Sub(w.at))/rate), maxLate)
		at := w.at
		if c.waiters.fired(w) {
			c.wakeDriver()
		}
		c.base, c.wallBase = at, time.Now().Add(-late)
		if w.hold == nil {
			select {
			case w.ch <- at:
			default:
			}
			c.mu.Unlock()
			continue
		}
		c.holding = true
		stop := w.hold.stop
		c.mu.Unlock()
		stalled := false
		select {
		case w.ch <- at: // the reader was there: no grace timer to set
		default:
			grace.Reset(c.grace)
			select {
			case w.ch <- at:
			case <-stop:
			case <-grace.C:
				stalled = true
			case <-c.done:
				return
			}
			grace.Stop()
		}
		c.mu.Lock()
		c.holding = false
		// The time the reader took is not made up; the driver's own
		// lateness is (a timer sleeps at least a millisecond here, many
		// ticks of a fast clock).
		c.wallBase = time.Now().Add(-late)
		if stalled {
			c.stalls++
		}
		c.mu.Unlock()
	}
}

type pacedTicker struct{ t *pacedTimer }

func (k pacedTicker) C() <-chan time.Time { return k.t.C() }
func (k pacedTicker) Stop()               { k.t.Stop() }
func (k pacedTicker) Reset(d time.Duration) {
	if d <= 0 {
		panic("clock: non-positive interval for Ticker.Reset")
	}
	k.t.Reset(d)
}

type pacedTimer struct {
	c *Paced
	w *waiter
}

func (t *pacedTimer) C() <-chan time.Time { return t.w.ch }

func (t *pacedTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	if h := t.w.hold; h != nil && !h.stopped {
		h.stopped = true
		close(h.stop)
	}
	return t.c.waiters.unschedule(t.w)
}

func (t *pacedTimer) Reset(d time.Duration) bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	if h := t.w.hold; h != nil && h.stopped {
		h.stopped = false
		h.stop = make(chan struct{})
	}
	was := t.c.waiters.reset(t.w, d, t.c.nowLocked)
	if t.c.waiters.first() == t.w {
		t.c.wakeDriver()
	}
	return was
}
