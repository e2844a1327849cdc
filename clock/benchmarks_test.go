package clock

import (
	"testing"
	"time"
)

// Now is read on every simulator step and every telemetry message.
func BenchmarkPacedNow(b *testing.B) {
	c, err := NewPaced(pacedEpoch, 300, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Stop()
	b.ReportAllocs()
	for b.Loop() {
		c.Now()
	}
}

// One pacing tick handed to its reader: what the clock costs a loop per
// tick (at the top speed, so that the wall clock never waits).
func BenchmarkPacedTick(b *testing.B) {
	c, err := NewPaced(pacedEpoch, 1e6, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Stop()
	tk := c.PacingTicker(time.Microsecond)
	defer tk.Stop()
	b.ReportAllocs()
	for b.Loop() {
		<-tk.C()
	}
}
