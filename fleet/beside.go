package fleet

import (
	"context"

	"github.com/aerocell/aerocell/clock"
)

// Work beside the loop: the terrain sweeps (a station's footprint, live
// coverage over the DEM, placement over terrain) take tens to hundreds of
// milliseconds of wall time, which at 200x is tens of seconds of flight
// with no telemetry read and no command sent. The loop hands them to a
// worker with copies of their inputs and goes on; the worker hands back a
// closure the loop runs to take the result, after checking that the
// inputs it was computed for (the region, the plan) are still current.
// Under a paced clock (SITL, tests) the placement's wall time passes as
// flight time at real speed, as it would in the field: when a deployment
// starts must not hang on the clock's speed and the machine's load (at
// 200x, 30 s of placement under -race was 100 minutes of flight). The
// sweeps for live coverage and the map keep the clock's speed: they only
// refresh figures, and run every few seconds while drones move, so at 1x
// they would slow a run to a crawl.

// besideSlot runs one kind of work beside the loop, one job at a time. A
// job asked for while one runs waits, and a newer one replaces it: the
// queue never grows past one. Only the loop touches a slot.
type besideSlot struct {
	running bool
	started uint64 // jobs started
	// dropped: the running job was cancelled; its result is not taken.
	dropped bool
	cancel  context.CancelFunc
	next    besideJob
}

// besideJob is work run beside the loop. It must not touch the loop's
// state: it reads only what it was given, and returns the closure the loop
// runs to take its result (nil: nothing to take). ctx ends when the job is
// cancelled or the loop stops.
type besideJob func(ctx context.Context) (take func())

// besideResult is a finished job, on its way back to the loop.
type besideResult struct {
	slot *besideSlot
	take func()
}

// beside runs job in slot s beside the loop, or, while s is busy, keeps it
// to run next in place of any job already waiting.
func (l *loop) beside(s *besideSlot, job besideJob) {
	if s.running {
		s.next = job
		return
	}
	ctx, cancel := context.WithCancel(l.opCtx)
	s.running, s.dropped, s.cancel = true, false, cancel
	s.started++
	l.opWG.Add(1)
	go func() {
		defer l.opWG.Done()
		defer cancel()
		busy := func() {}
		if s == &l.placing {
			busy = clock.Busy(l.clk)
		}
		take := job(ctx)
		busy()
		select {
		case l.besideDone <- besideResult{slot: s, take: take}:
		case <-l.stopped:
		}
	}()
}

// cancelBeside cancels s's running job, whose result is then dropped, and
// forgets the one waiting.
func (l *loop) cancelBeside(s *besideSlot) {
	s.next = nil
	if s.running {
		s.dropped = true
		s.cancel()
	}
}

// besideFinished takes a finished job's result, on the loop, and starts the
// job waiting in its slot.
func (l *loop) besideFinished(r besideResult) {
	s := r.slot
	s.running = false
	if !s.dropped && r.take != nil {
		r.take() // may start another job in s
	}
	if next := s.next; !s.running && next != nil {
		s.next = nil
		l.beside(s, next)
	}
}
