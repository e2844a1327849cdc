package clock

import (
	"sync"
	"testing"
	"time"
)

var pacedEpoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newPaced(t *testing.T, speed float64, grace time.Duration) *Paced {
	t.Helper()
	c, err := NewPaced(pacedEpoch, speed, grace)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	return c
}

func TestPacedRefusesBadSpeed(t *testing.T) {
	for _, s := range []float64{0, -1, 2e6} {
		if _, err := NewPaced(pacedEpoch, s, 0); err == nil {
			t.Errorf("speed %v accepted", s)
		}
	}
	if _, err := NewPaced(pacedEpoch, 10, -time.Second); err == nil {
		t.Error("negative grace accepted")
	}
}

// freeze holds c still with a pacing ticker nobody reads (c's grace must
// be long) and returns the time it stands at and the ticker to Stop to let
// it go.
func freeze(t *testing.T, c *Paced) (time.Time, Ticker) {
	t.Helper()
	tk := c.PacingTicker(time.Millisecond)
	t.Cleanup(tk.Stop)
	for {
		a := c.Now()
		time.Sleep(2 * time.Millisecond) // two seconds of this clock, were it not held
		if b := c.Now(); b.Equal(a) {
			return a, tk
		}
	}
}

// Timers fire at their exact virtual times, in order, whatever order they
// were set in; the clock never reads past a timer that has not fired.
func TestPacedTimersFireAtTheirTimes(t *testing.T) {
	c := newPaced(t, 1000, time.Hour)
	at, hold := freeze(t, c)
	late := c.NewTimer(3 * time.Second)
	early := c.NewTimer(time.Second)
	hold.Stop()
	if got := <-early.C(); !got.Equal(at.Add(time.Second)) {
		t.Errorf("early timer fired at %v", got.Sub(at))
	}
	if got := <-late.C(); !got.Equal(at.Add(3 * time.Second)) {
		t.Errorf("late timer fired at %v", got.Sub(at))
	}
	if late.Stop() {
		t.Error("Stop of a fired timer reported it active")
	}
	if now := c.Now(); now.Before(at.Add(3 * time.Second)) {
		t.Errorf("clock reads %v after a timer at 3s fired", now.Sub(at))
	}
}

// A reader of a pacing ticker that takes a long wall time over a tick finds
// the clock no more than one period further on: the next tick waited for it.
func TestPacedTickerHoldsTheClock(t *testing.T) {
	c := newPaced(t, 1000, time.Hour)
	tk := c.PacingTicker(time.Second)
	defer tk.Stop()
	first := <-tk.C()
	for i := 1; i <= 3; i++ {
		got := first
		if i > 1 {
			got = <-tk.C()
		}
		if want := first.Add(time.Duration(i-1) * time.Second); !got.Equal(want) {
			t.Fatalf("tick %d at %v, want %v", i, got.Sub(first), want.Sub(first))
		}
		time.Sleep(20 * time.Millisecond) // 20 s of this clock, were it not held
		if now := c.Now(); now.Sub(got) > time.Second {
			t.Fatalf("tick %d: the clock ran %v past a tick its reader had not finished", i, now.Sub(got))
		}
	}
	if c.Stalls() != 0 {
		t.Errorf("%d stalls with a reader always back within the grace", c.Stalls())
	}
}

// A pacing tick nobody takes is dropped after the grace and the clock goes
// on; the drop is counted.
func TestPacedGraceLetsTheClockGoOn(t *testing.T) {
	c := newPaced(t, 1000, 20*time.Millisecond)
	tk := c.PacingTicker(time.Second)
	defer tk.Stop()
	t0 := c.Now()
	tm := c.NewTimer(5 * time.Second)
	if got := <-tm.C(); got.Sub(t0) < 5*time.Second {
		t.Errorf("timer fired at %v", got.Sub(t0))
	}
	if c.Stalls() == 0 {
		t.Error("no stall counted for ticks nobody read")
	}
}

// Stopping a pacing ticker lets go of the tick it holds.
func TestPacedStopReleasesAHeldTick(t *testing.T) {
	c := newPaced(t, 1000, time.Hour)
	at, tk := freeze(t, c)
	tm := c.NewTimer(3 * time.Second)
	tk.Stop()
	if got := <-tm.C(); !got.Equal(at.Add(3 * time.Second)) {
		t.Errorf("timer fired at %v", got.Sub(at))
	}
	if c.Stalls() != 0 {
		t.Errorf("%d stalls after Stop", c.Stalls())
	}
}

// Reset moves a timer and drops its stale tick; a ticker reset to a new
// period ticks at that period; Sleep waits on the clock.
func TestPacedResetAndSleep(t *testing.T) {
	c := newPaced(t, 1000, time.Hour)
	at, hold := freeze(t, c)
	tm := c.NewTimer(time.Hour)
	if !tm.Reset(2 * time.Second) {
		t.Error("Reset of a pending timer reported it inactive")
	}
	tk := c.PacingTicker(time.Hour)
	tk.Reset(time.Second)
	hold.Stop()
	a := <-tk.C() // the ticker holds the clock at 1s until it is read
	if got := <-tm.C(); !got.Equal(at.Add(2 * time.Second)) {
		t.Errorf("reset timer fired at %v", got.Sub(at))
	}
	b := <-tk.C()
	tk.Stop()
	if !a.Equal(at.Add(time.Second)) || b.Sub(a) != time.Second {
		t.Errorf("reset ticker ticked at %v then %v", a.Sub(at), b.Sub(at))
	}
	before := c.Now()
	c.Sleep(4 * time.Second)
	if d := c.Since(before); d < 4*time.Second {
		t.Errorf("Sleep(4s) returned after %v", d)
	}
}

// Now never goes back, read from many goroutines while timers fire.
func TestPacedNowIsMonotonic(t *testing.T) {
	c := newPaced(t, 5000, 0)
	tk := c.PacingTicker(100 * time.Millisecond)
	defer tk.Stop()
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-tk.C():
			case <-stop:
				return
			}
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			prev := c.Now()
			for i := 0; i < 2000; i++ {
				if i%100 == 0 {
					c.NewTimer(time.Duration(i) * time.Millisecond)
				}
				now := c.Now()
				if now.Before(prev) {
					errs <- now.Sub(prev).String()
					return
				}
				prev = now
			}
		}()
	}
	wg.Wait()
	close(stop)
	close(errs)
	for e := range errs {
		t.Errorf("Now went back by %s", e)
	}
}

// PacingTicker on a clock that cannot pace is its ordinary ticker.
func TestPacingTickerFallsBack(t *testing.T) {
	m := NewManual(pacedEpoch)
	tk := PacingTicker(m, time.Second)
	defer tk.Stop()
	m.Advance(time.Second)
	select {
	case got := <-tk.C():
		if !got.Equal(pacedEpoch.Add(time.Second)) {
			t.Errorf("tick at %v", got.Sub(pacedEpoch))
		}
	default:
		t.Error("no tick from the manual clock's ticker")
	}
}

// While work is under way the clock runs at real speed: a sweep's wall
// time costs that much flight, not Speed times it.
func TestPacedBusyRunsAtRealSpeed(t *testing.T) {
	c := newPaced(t, 1000, 0)
	done := c.Busy()
	t0 := c.Now()
	time.Sleep(20 * time.Millisecond) // 20 s of this clock when not busy
	if d := c.Since(t0); d > 5*time.Second {
		t.Errorf("%v of flight passed during 20 ms of work", d)
	}
	done()
	done() // a second call changes nothing
	c.mu.Lock()
	busy, rate := c.busy, c.rate()
	c.mu.Unlock()
	if busy != 0 || rate != 1000 {
		t.Errorf("after the work: busy %d, rate %v", busy, rate)
	}
	t1 := c.Now()
	if got := <-c.After(10 * time.Second); got.Sub(t1) < 10*time.Second {
		t.Errorf("timer fired %v after it was set", got.Sub(t1))
	}
	Busy(NewManual(pacedEpoch))() // on a clock of one speed, nothing to do
}
