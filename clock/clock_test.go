package clock

import (
	"testing"
	"time"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestManualTimersFireInOrder(t *testing.T) {
	m := NewManual(epoch)
	late := m.NewTimer(3 * time.Second)
	early := m.NewTimer(1 * time.Second)
	tk := m.NewTicker(2 * time.Second)
	m.Advance(time.Second)
	select {
	case got := <-early.C():
		if !got.Equal(epoch.Add(time.Second)) {
			t.Fatalf("early fired at %v", got)
		}
	default:
		t.Fatal("early timer did not fire")
	}
	select {
	case <-late.C():
		t.Fatal("late timer fired too soon")
	default:
	}
	m.Advance(2 * time.Second)
	if got := <-late.C(); !got.Equal(epoch.Add(3 * time.Second)) {
		t.Fatalf("late fired at %v", got)
	}
	if got := <-tk.C(); !got.Equal(epoch.Add(2 * time.Second)) {
		t.Fatalf("tick at %v", got)
	}
	if late.Stop() {
		t.Fatal("Stop of a fired timer reported active")
	}
	tk.Stop()
	if n := m.Waiters(); n != 0 {
		t.Fatalf("%d waiters left", n)
	}
}

func TestManualResetAndStop(t *testing.T) {
	m := NewManual(epoch)
	tm := m.NewTimer(time.Second)
	if !tm.Reset(5 * time.Second) {
		t.Fatal("Reset of an active timer reported inactive")
	}
	m.Advance(4 * time.Second)
	select {
	case <-tm.C():
		t.Fatal("reset timer fired early")
	default:
	}
	if !tm.Stop() {
		t.Fatal("Stop of an active timer reported inactive")
	}
	m.Advance(10 * time.Second)
	select {
	case <-tm.C():
		t.Fatal("stopped timer fired")
	default:
	}
	if !m.Now().Equal(epoch.Add(14 * time.Second)) {
		t.Fatalf("now = %v", m.Now())
	}
	m.Set(epoch) // never backwards
	if !m.Now().Equal(epoch.Add(14 * time.Second)) {
		t.Fatalf("clock went backwards to %v", m.Now())
	}
}

func TestScaledRunsFaster(t *testing.T) {
	c, err := NewScaled(epoch, 1000)
	if err != nil {
		t.Fatal(err)
	}
	got := <-c.After(2 * time.Second) // 2 ms of wall time
	if got.Before(epoch.Add(2 * time.Second)) {
		t.Fatalf("timer fired at virtual %v, before its 2 s", got.Sub(epoch))
	}
	tk := c.NewTicker(time.Second)
	defer tk.Stop()
	a := <-tk.C()
	b := <-tk.C()
	if d := b.Sub(a); d < 500*time.Millisecond {
		t.Fatalf("ticks %v apart on the virtual clock, want about 1 s", d)
	}
	if c.Wall(10*time.Second) != 10*time.Millisecond {
		t.Fatalf("Wall(10s) = %v at speed 1000", c.Wall(10*time.Second))
	}
}

func TestScaledRejectsBadSpeed(t *testing.T) {
	for _, s := range []float64{0, -1, 2e6} {
		if _, err := NewScaled(epoch, s); err == nil {
			t.Errorf("speed %v accepted", s)
		}
	}
}

func TestRealTracksWallClock(t *testing.T) {
	c := Real()
	if d := time.Until(c.Now()); d > time.Second || d < -time.Second {
		t.Fatalf("real clock off by %v", d)
	}
}
