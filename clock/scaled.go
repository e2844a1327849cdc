package clock

import (
	"fmt"
	"sync"
	"time"
)

// Scaled is a virtual clock that runs Speed times faster than the wall clock,
// starting from a given virtual time. Speed 1 is real time. Timers and tickers
// are wall-clock timers of the scaled-down duration, so a process under a
// Scaled clock at speed 100 flies 100 simulated seconds per wall second.
type Scaled struct {
	speed     float64
	wallStart time.Time
	start     time.Time
}

var _ Clock = (*Scaled)(nil)

// Real returns the wall clock (a Scaled clock at speed 1 starting now).
func Real() *Scaled {
	now := time.Now()
	return &Scaled{speed: 1, wallStart: now, start: now}
}

// NewScaled returns a clock that reads start now and runs speed times faster
// than the wall clock. speed must be positive and finite.
func NewScaled(start time.Time, speed float64) (*Scaled, error) {
	if !(speed > 0) || speed > 1e6 {
		return nil, fmt.Errorf("clock: speed %v out of range (0, 1e6]", speed)
	}
	return &Scaled{speed: speed, wallStart: time.Now(), start: start}, nil
}

// Speed is how many virtual seconds pass per wall second.
func (c *Scaled) Speed() float64 { return c.speed }

// Now returns the virtual time.
func (c *Scaled) Now() time.Time {
	if c.speed == 1 && c.start.Equal(c.wallStart) {
		return time.Now()
	}
	return c.at(time.Now())
}

// at is the virtual time at wall time w.
func (c *Scaled) at(w time.Time) time.Time {
	return c.start.Add(time.Duration(float64(w.Sub(c.wallStart)) * c.speed))
}

// Since is Now().Sub(t).
func (c *Scaled) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

// Wall converts a virtual duration to the wall duration it takes.
func (c *Scaled) Wall(d time.Duration) time.Duration {
	if c.speed == 1 {
		return d
	}
	w := time.Duration(float64(d) / c.speed)
	if d > 0 && w <= 0 {
		w = 1
	}
	return w
}

// After is time.After on the virtual clock.
func (c *Scaled) After(d time.Duration) <-chan time.Time { return c.NewTimer(d).C() }

// Sleep blocks for d virtual time.
func (c *Scaled) Sleep(d time.Duration) { time.Sleep(c.Wall(d)) }

// NewTimer is time.NewTimer on the virtual clock.
func (c *Scaled) NewTimer(d time.Duration) Timer {
	t := &scaledTimer{c: c, ch: make(chan time.Time, 1)}
	t.t = time.AfterFunc(c.Wall(d), t.fire)
	return t
}

// NewTicker is time.NewTicker on the virtual clock.
func (c *Scaled) NewTicker(d time.Duration) Ticker {
	if d <= 0 {
		panic("clock: non-positive interval for NewTicker")
	}
	t := &scaledTicker{c: c, ch: make(chan time.Time, 1), stop: make(chan struct{}), reset: make(chan time.Duration)}
	go t.run(c.Wall(d))
	return t
}

type scaledTimer struct {
	c  *Scaled
	ch chan time.Time
	t  *time.Timer
}

func (t *scaledTimer) fire() {
	select {
	case t.ch <- t.c.Now():
	default:
	}
}

func (t *scaledTimer) C() <-chan time.Time { return t.ch }
func (t *scaledTimer) Stop() bool          { return t.t.Stop() }
func (t *scaledTimer) Reset(d time.Duration) bool {
	active := t.t.Stop()
	select { // drop a stale tick, as time.Timer does since Go 1.23
	case <-t.ch:
	default:
	}
	t.t.Reset(t.c.Wall(d))
	return active
}

type scaledTicker struct {
	c     *Scaled
	ch    chan time.Time
	stop  chan struct{}
	reset chan time.Duration
	once  sync.Once
}

func (t *scaledTicker) run(wall time.Duration) {
	tk := time.NewTicker(wall)
	defer tk.Stop()
	for {
		select {
		case w := <-tk.C: // the wall time the tick was due, however late it is read
			select {
			case t.ch <- t.c.at(w):
			default: // a slow reader skips ticks, as with time.Ticker
			}
		case d := <-t.reset:
			tk.Reset(d)
		case <-t.stop:
			return
		}
	}
}

func (t *scaledTicker) C() <-chan time.Time { return t.ch }
func (t *scaledTicker) Stop()               { t.once.Do(func() { close(t.stop) }) }
func (t *scaledTicker) Reset(d time.Duration) {
	if d <= 0 {
		panic("clock: non-positive interval for Ticker.Reset")
	}
	select {
	case t.reset <- t.c.Wall(d):
	case <-t.stop:
	}
}
