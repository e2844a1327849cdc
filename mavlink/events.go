package mavlink

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// Event is something that happened on the links. Concrete types:
// *EventDiscovered, *EventLost, *EventRegained, *EventArmed, *EventMode,
// *EventCell, *EventStatusText, *EventTelemetry, *EventConflict,
// *EventMissionItemReached,
// *EventTxDropped and *EventOverflow.
type Event interface{ isEvent() }

// EventDiscovered: a vehicle was heard for the first time.
type EventDiscovered struct {
	Vehicle   VehicleID
	Link      string
	Telemetry Telemetry
}

// EventLost: no HEARTBEAT from the vehicle for Config.LinkLossTimeout.
type EventLost struct {
	Vehicle   VehicleID
	LastHeard time.Time
}

// EventRegained: a lost vehicle was heard again.
type EventRegained struct {
	Vehicle VehicleID
	Link    string
}

// EventArmed: the vehicle armed (Armed true) or disarmed.
type EventArmed struct {
	Vehicle VehicleID
	Armed   bool
}

// EventMode: the vehicle's flight mode changed.
type EventMode struct {
	Vehicle        VehicleID
	Mode, Previous string
}

// EventCell: one of the drone's base stations changed state (BS_PUB or
// BS_PRV), first report included (Previous is then CellAbsent).
type EventCell struct {
	Vehicle         VehicleID
	Network         Network
	State, Previous CellState
}

// EventStatusText: the vehicle sent a STATUSTEXT.
type EventStatusText struct {
	Vehicle  VehicleID
	Severity common.MAV_SEVERITY
	Text     string
}

// EventTelemetry: the vehicle's telemetry changed since the last such event.
// These are coalesced: at most one per vehicle waits in the queue, so read
// the vehicle's Telemetry for the latest values.
type EventTelemetry struct {
	Vehicle VehicleID
}

// EventConflict: a second source speaks for a known vehicle on the same
// link: another remote address on a udpin listener, or another connection
// to a tcpin listener, while the first (Source) is still heard. Its frames
// (Other) are refused: they update nothing and no command goes to it. The
// first source stays the vehicle's until it has been silent for
// Config.LinkLossTimeout. Reported once per refused source, again if it
// comes back after such a silence; every refused frame is counted in
// Stats.RxConflicting. A forger that speaks first, or over another
// configured endpoint, is not caught by this: only signing stops it.
type EventConflict struct {
	Vehicle VehicleID
	Link    string
	Source  string // the remote address the vehicle was first heard from
	Other   string // the refused one
}

// EventTxDropped: frames could not be queued on a link (its send queue was
// full) and were dropped. Total counts every drop on the link so far.
// Coalesced per link.
type EventTxDropped struct {
	Link  string
	Total uint64
}

// EventOverflow: the event queue was full and Dropped events were lost
// since the last EventOverflow (see Config.EventQueue).
type EventOverflow struct {
	Dropped uint64
}

func (*EventDiscovered) isEvent() {}
func (*EventLost) isEvent()       {}
func (*EventRegained) isEvent()   {}
func (*EventArmed) isEvent()      {}
func (*EventMode) isEvent()       {}
func (*EventCell) isEvent()       {}
func (*EventStatusText) isEvent() {}
func (*EventTelemetry) isEvent()  {}
func (*EventConflict) isEvent()   {}
func (*EventTxDropped) isEvent()  {}
func (*EventOverflow) isEvent()   {}

// eventQueue decouples the link readers from the consumer: readers never
// block on a slow consumer, and nothing is lost without a trace. Coalesced
// events carry a flag that the pump clears as it delivers them.
type eventQueue struct {
	mu      sync.Mutex
	items   []queued
	head    int
	limit   int
	dropped atomic.Uint64 // all time, for Stats
	pending uint64        // since the last EventOverflow delivered
	notify  chan struct{}
	out     chan Event
}

type queued struct {
	ev   Event
	flag *atomic.Bool // cleared on delivery, for coalesced events
}

func newEventQueue(limit int) *eventQueue {
	return &eventQueue{limit: limit, notify: make(chan struct{}, 1), out: make(chan Event)}
}

// push queues ev. flag, when not nil, marks a coalesced event: the caller
// has set it and push queues ev only then.
func (q *eventQueue) push(ev Event, flag *atomic.Bool) {
	q.mu.Lock()
	n := len(q.items) - q.head
	if n >= q.limit && !(urgent(ev) && n < q.limit+urgentSlack) {
		q.pending++
		q.mu.Unlock()
		q.dropped.Add(1)
		if flag != nil {
			flag.Store(false)
		}
		return
	}
	q.items = append(q.items, queued{ev, flag})
	q.mu.Unlock()
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

// urgentSlack is how many urgent events may wait beyond the queue's limit.
const urgentSlack = 256

// urgent reports whether ev must not be dropped when the queue is full: an
// autopilot's STATUSTEXT of CRITICAL severity or worse (a motor failure, a
// battery failure, a crash). Telemetry lost to a full queue is read again
// after the EventOverflow; a STATUSTEXT is said once, and a drone heading
// home on its reserve has no other way to say its motor failed.
func urgent(ev Event) bool {
	st, ok := ev.(*EventStatusText)
	return ok && st.Severity <= common.MAV_SEVERITY_CRITICAL
}

func (q *eventQueue) pop() (Event, *atomic.Bool, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.pending > 0 {
		ev := &EventOverflow{Dropped: q.pending}
		q.pending = 0
		return ev, nil, true
	}
	if q.head == len(q.items) {
		if q.head > 0 {
			q.items, q.head = q.items[:0], 0
		}
		return nil, nil, false
	}
	it := q.items[q.head]
	q.items[q.head] = queued{}
	q.head++
	if q.head > 4096 && q.head*2 > len(q.items) {
		n := copy(q.items, q.items[q.head:])
		q.items, q.head = q.items[:n], 0
	}
	return it.ev, it.flag, true
}

// run delivers queued events on q.out until done closes.
func (q *eventQueue) run(done <-chan struct{}) {
	for {
		ev, flag, ok := q.pop()
		if !ok {
			select {
			case <-q.notify:
				continue
			case <-done:
				return
			}
		}
		if flag != nil {
			flag.Store(false)
		}
		select {
		case q.out <- ev:
		case <-done:
			return
		}
	}
}
