package clock

import (
	"testing"
	"time"
)

// TestWaiterQueueOrder: waiters come out by time, those due at one time
// in the order they were scheduled; a ticker that fires is due a period
// later, a timer leaves; reset drops a waiting tick and says whether the
// waiter was pending.
func TestWaiterQueueOrder(t *testing.T) {
	var q waiterQueue
	a, b, tk := newWaiter(0, 1), newWaiter(0, 1), newWaiter(2*time.Second, 1)
	if !q.schedule(b, epoch.Add(time.Second)) || q.schedule(a, epoch.Add(time.Second)) || q.schedule(tk, epoch.Add(2*time.Second)) {
		t.Fatal("first after scheduling: want b, b, b")
	}
	var order []*waiter
	for q.Len() > 0 && len(order) < 4 {
		w := q.first()
		order = append(order, w)
		q.fired(w)
	}
	if len(order) != 4 || order[0] != b || order[1] != a || order[2] != tk || order[3] != tk || !tk.at.Equal(epoch.Add(6*time.Second)) {
		t.Fatalf("order %v, ticker next at %v", order, tk.at)
	}
	if q.unschedule(a) || q.Len() != 1 {
		t.Fatalf("a fired timer is still pending (%d waiting)", q.Len())
	}
	tk.ch <- epoch
	if !q.reset(tk, time.Second, func() time.Time { return epoch.Add(10 * time.Second) }) || len(tk.ch) != 0 ||
		tk.period != time.Second || !tk.at.Equal(epoch.Add(11*time.Second)) {
		t.Fatalf("reset ticker: period %v at %v, %d ticks waiting", tk.period, tk.at, len(tk.ch))
	}
	if q.reset(a, time.Second, func() time.Time { return epoch }) || q.first() != a {
		t.Fatal("reset of a fired timer: want it pending again, reported inactive, first")
	}
}
