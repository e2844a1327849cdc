package clock

import (
	"container/heap"
	"time"
)

// waiter is a pending timer or ticker of a virtual clock (Manual, Paced).
type waiter struct {
	at     time.Time
	period time.Duration // > 0 for tickers
	ch     chan time.Time
	seq    uint64  // among waiters due at one time, the first scheduled fires first
	index  int     // in the queue; -1 when not in it
	hold   *holder // a Paced pacing ticker's hand-over; nil for any other
}

// newWaiter is a waiter out of the queue whose channel buffers buf times.
func newWaiter(period time.Duration, buf int) *waiter {
	return &waiter{period: period, ch: make(chan time.Time, buf), index: -1}
}

// waiterQueue is a virtual clock's pending waiters, earliest first, the
// bookkeeping Manual and Paced share. It is not safe for concurrent use:
// the clock's mutex guards it.
type waiterQueue struct {
	h   waiterHeap
	seq uint64
}

// Len is how many waiters are pending.
func (q *waiterQueue) Len() int { return len(q.h) }

// first is the waiter due first; nil when none is pending.
func (q *waiterQueue) first() *waiter {
	if len(q.h) == 0 {
		return nil
	}
	return q.h[0]
}

// schedule puts w in the queue (or moves it) at at, after any waiter
// already due then; it reports whether w is now the first.
func (q *waiterQueue) schedule(w *waiter, at time.Time) bool {
	q.seq++
	w.at, w.seq = at, q.seq
	if w.index >= 0 {
		heap.Fix(&q.h, w.index)
	} else {
		heap.Push(&q.h, w)
	}
	return q.h[0] == w
}

// unschedule takes w out of the queue; it reports whether w was in it.
func (q *waiterQueue) unschedule(w *waiter) bool {
	if w.index < 0 {
		return false
	}
	heap.Remove(&q.h, w.index)
	return true
}

// fired moves on w, which has just fallen due: a ticker's next tick is
// scheduled a period later, a timer leaves the queue. It reports whether
// w is still the first (a ticker due again before any other).
func (q *waiterQueue) fired(w *waiter) bool {
	if w.period > 0 {
		return q.schedule(w, w.at.Add(w.period))
	}
	q.unschedule(w)
	return false
}

// reset schedules w again d after now() (read once w is out of the
// queue), as Timer.Reset and Ticker.Reset do: a tick waiting in its
// channel is dropped (as time.Timer does since Go 1.23) and a ticker's
// period becomes d. It reports whether w was pending.
func (q *waiterQueue) reset(w *waiter, d time.Duration, now func() time.Time) bool {
	was := q.unschedule(w)
	select {
	case <-w.ch:
	default:
	}
	if w.period > 0 {
		w.period = d
	}
	q.schedule(w, now().Add(d))
	return was
}

// waiterHeap orders waiters by time, then by when they were scheduled.
type waiterHeap []*waiter

func (h waiterHeap) Len() int { return len(h) }
func (h waiterHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h waiterHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *waiterHeap) Push(x any) {
	w := x.(*waiter)
	w.index = len(*h)
	*h = append(*h, w)
}
func (h *waiterHeap) Pop() any {
	old := *h
	w := old[len(old)-1]
	old[len(old)-1] = nil
	w.index = -1
	*h = old[:len(old)-1]
	return w
}
