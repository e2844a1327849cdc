package api

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aerocell/aerocell/fleet"
)

// sseMessage is one Server-Sent Events message.
type sseMessage struct {
	id, event, data string
}

// sseReader reads messages from a stream response.
type sseReader struct {
	sc *bufio.Scanner
}

func (r *sseReader) next(t *testing.T) (sseMessage, bool) {
	t.Helper()
	var m sseMessage
	for r.sc.Scan() {
		line := r.sc.Text()
		switch {
		case line == "":
			if m.event != "" || m.data != "" {
				return m, true
			}
		case strings.HasPrefix(line, "id: "):
			m.id = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "event: "):
			m.event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			m.data += strings.TrimPrefix(line, "data: ")
		}
	}
	return m, false
}

// nextOf skips messages until one of kind arrives.
func (r *sseReader) nextOf(t *testing.T, kind string) sseMessage {
	t.Helper()
	for {
		m, ok := r.next(t)
		if !ok {
			t.Fatalf("stream ended waiting for %q", kind)
		}
		if m.event == kind {
			return m
		}
	}
}

func openStream(t *testing.T, url, lastID string) (*http.Response, *sseReader) {
	t.Helper()
	req, err := http.NewRequest("GET", url+"/api/v1/stream", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+viewerTok)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	return resp, &sseReader{sc: bufio.NewScanner(resp.Body)}
}

func TestStreamSnapshotsAndEvents(t *testing.T) {
	events := make(chan fleet.Event)
	cancelled := make(chan struct{})
	f := &fakeCtrl{
		subscribe: func() (<-chan fleet.Event, func()) { return events, func() { close(cancelled) } },
		events: func(since uint64, limit int) ([]fleet.Event, error) {
			var out []fleet.Event
			for seq := since + 1; seq <= 5; seq++ {
				out = append(out, fleet.Event{Seq: seq, Kind: "replayed"})
			}
			return out, nil
		},
	}
	s := newTestServer(t, f, testTokens)
	srv := httptest.NewServer(s)
	defer srv.Close()

	_, rd := openStream(t, srv.URL, "3")
	// Missed events first, then the snapshot.
	for _, want := range []string{"4", "5"} {
		m, _ := rd.next(t)
		if m.event != "event" || m.id != want {
			t.Fatalf("replay: got %+v, want event id %s", m, want)
		}
	}
	m := rd.nextOf(t, "snapshot")
	var v View
	if err := json.Unmarshal([]byte(m.data), &v); err != nil || len(v.Drones) != 2 {
		t.Fatalf("snapshot %q: %v", m.data, err)
	}
	// An event already replayed is not sent twice; a new one is, and a
	// snapshot follows it.
	events <- fleet.Event{Seq: 5, Kind: "replayed"}
	events <- fleet.Event{Seq: 6, Kind: fleet.EventDroneLost, Drone: 2, Severity: fleet.Critical}
	m = rd.nextOf(t, "event")
	var ev fleet.Event
	if err := json.Unmarshal([]byte(m.data), &ev); err != nil || ev.Seq != 6 || ev.Kind != "drone.lost" || m.id != "6" {
		t.Fatalf("event %+v %q", m, m.data)
	}
	rd.nextOf(t, "snapshot")

	// Close ends the stream and cancels the subscription.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for {
		if _, ok := rd.next(t); !ok {
			break
		}
	}
	select {
	case <-cancelled:
	case <-time.After(10 * time.Second):
		t.Fatal("subscription not cancelled after Close")
	}
}

func TestStreamEndsWithClient(t *testing.T) {
	cancelled := make(chan struct{})
	f := &fakeCtrl{subscribe: func() (<-chan fleet.Event, func()) {
		return make(chan fleet.Event), func() { close(cancelled) }
	}}
	s := newTestServer(t, f, testTokens)
	srv := httptest.NewServer(s)
	defer srv.Close()
	resp, rd := openStream(t, srv.URL, "")
	rd.nextOf(t, "snapshot")
	resp.Body.Close()
	select {
	case <-cancelled:
	case <-time.After(10 * time.Second):
		t.Fatal("subscription not cancelled after the client left")
	}
}
