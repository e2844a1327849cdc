package api

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/aerocell/aerocell/fleet"
)

// coalesce is how long the stream waits after an event before it sends the
// snapshot that shows the event's effect, so a burst of events costs one
// snapshot.
const coalesce = 200 * time.Millisecond

// getStream serves Server-Sent Events: "snapshot" messages (a View) at once,
// every StreamInterval and shortly after events; "event" messages (a
// fleet.Event, with the event's Seq as the SSE id) as they happen. A client
// that reconnects with Last-Event-ID (or ?since=N) first gets the events it
// missed.
func (s *Server) getStream(w http.ResponseWriter, r *http.Request) {
	var since uint64
	sinceStr := r.Header.Get("Last-Event-ID")
	if v := r.URL.Query().Get("since"); v != "" {
		sinceStr = v
	}
	if sinceStr != "" {
		n, err := strconv.ParseUint(sinceStr, 10, 64)
		if err != nil {
			s.fail(w, r, fmt.Errorf("%w: since %q is not a sequence number", ErrBadRequest, sinceStr))
			return
		}
		since = n
	}
	events, cancel := s.ctrl.Subscribe()
	defer cancel()

	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)

	send := func(kind string, id string, v any) bool {
		data, err := encodeJSON(v)
		if err != nil {
			s.log.Error("api stream encode", "kind", kind, "err", err)
			return false
		}
		_ = rc.SetWriteDeadline(time.Now().Add(30 * time.Second))
		msg := make([]byte, 0, len(data)+64)
		if id != "" {
			msg = append(msg, "id: "+id+"\n"...)
		}
		msg = append(msg, "event: "+kind+"\ndata: "...)
		msg = append(msg, data...)
		msg = append(msg, "\n\n"...)
		if _, err := w.Write(msg); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	sendEvent := func(ev fleet.Event) bool {
		return send("event", strconv.FormatUint(ev.Seq, 10), ev)
	}

	last := since
	if sinceStr != "" {
		missed, err := s.ctrl.Events(since, maxEventLimit)
		if err != nil {
			s.log.Warn("api stream replay", "since", since, "err", err)
		}
		for _, ev := range missed {
			if !sendEvent(ev) {
				return
			}
			last = max(last, ev.Seq)
		}
	}
	if !send("snapshot", "", s.view()) {
		return
	}
	tick := time.NewTicker(s.cfg.StreamInterval)
	defer tick.Stop()
	var soon <-chan time.Time
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		case ev, ok := <-events:
			if !ok {
				return
			}
			if ev.Seq != 0 && ev.Seq <= last {
				continue // already replayed
			}
			last = max(last, ev.Seq)
			if !sendEvent(ev) {
				return
			}
			if soon == nil {
				soon = time.After(coalesce)
			}
		case <-soon:
			soon = nil
			if !send("snapshot", "", s.view()) {
				return
			}
		case <-tick.C:
			if !send("snapshot", "", s.view()) {
				return
			}
		}
	}
}
