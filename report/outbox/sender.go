package outbox

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/aerocell/aerocell/clock"
)

// SenderConfig configures a Sender.
type SenderConfig struct {
	// Outbox holds the entries; required.
	Outbox *Outbox
	// Publish hands one entry to the connection; an error means not sent
	// (the Sender waits for the next Up(true)). Required. It is called from
	// the Sender's goroutine only, oldest entry first.
	Publish func(Entry) error
	// Clock times resends; (optional) the wall clock when nil.
	Clock clock.Clock
	// ResendAfter is how long the oldest unconfirmed entry waits before
	// every unconfirmed entry is sent again; (optional) defaults to 10
	// seconds on Clock.
	ResendAfter time.Duration
	// Window is how many entries may be sent and unconfirmed at once;
	// (optional) defaults to 64.
	Window int
	// Logger; (optional) discarded when nil.
	Logger *slog.Logger
}

// Sender delivers an Outbox's entries. One goroutine owns its state; its
// methods only send that goroutine requests and never block for long.
type Sender struct {
	cfg SenderConfig
	log *slog.Logger

	kick      chan struct{}
	up        chan bool
	confirm   chan string
	terminate chan struct{}
	closeOnce sync.Once
	done      chan struct{}
}

// inflight is an entry sent and not yet confirmed.
type inflight struct {
	e      Entry
	sentAt time.Time
}

// NewSender starts a Sender. Call Close to stop it.
func NewSender(cfg SenderConfig) *Sender {
	if cfg.Clock == nil {
		cfg.Clock = clock.Real()
	}
	if cfg.ResendAfter <= 0 {
		cfg.ResendAfter = 10 * time.Second
	}
	if cfg.Window <= 0 {
		cfg.Window = 64
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Sender{
		cfg:       cfg,
		log:       cfg.Logger,
		kick:      make(chan struct{}, 1),
		up:        make(chan bool, 16),
		confirm:   make(chan string, 4096),
		terminate: make(chan struct{}),
		done:      make(chan struct{}),
	}
	go s.run()
	return s
}

// Kick tells the Sender that entries were appended.
func (s *Sender) Kick() {
	select {
	case s.kick <- struct{}{}:
	default: // a kick is already pending
	}
}

// Up tells the Sender that the connection came up (send everything
// unconfirmed again, in order) or went down (stop sending).
func (s *Sender) Up(up bool) {
	select {
	case s.up <- up:
	case <-s.terminate:
	}
}

// Confirm tells the Sender that the entry with this id has been seen
// delivered: it is deleted from the Outbox. An unknown id is ignored. If the
// Sender is too far behind the confirmation is dropped and the entry will
// be sent, and confirmed, again.
func (s *Sender) Confirm(id string) {
	select {
	case s.confirm <- id:
	default:
		s.log.Warn("outbox: confirmation dropped, entry will be resent", "id", id)
	}
}

// Close stops the Sender and waits, until ctx ends, for its loop to finish
// the publish in progress; it returns ctx.Err() if ctx ends first (the loop
// still stops). Unconfirmed entries stay in the Outbox. It is safe to call
// more than once, and concurrently.
func (s *Sender) Close(ctx context.Context) error {
	s.closeOnce.Do(func() { close(s.terminate) })
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Sender) run() {
	defer close(s.done)
	var (
		up        bool
		lastSeq   uint64     // highest seq sent on this connection
		sent      []inflight // sent, unconfirmed, oldest first
		blocked   bool       // the last publish failed: try again ResendAfter after blockedAt
		blockedAt time.Time
		timer     = s.cfg.Clock.NewTimer(time.Hour)
		timerSet  bool
	)
	timer.Stop()
	defer timer.Stop()

	arm := func() {
		if timerSet {
			timer.Stop()
			timerSet = false
		}
		switch {
		case up && (blocked || len(sent) > 0):
			at := blockedAt
			if !blocked {
				at = sent[0].sentAt
			}
			d := at.Add(s.cfg.ResendAfter).Sub(s.cfg.Clock.Now())
			if d < time.Millisecond {
				d = time.Millisecond
			}
			timer.Reset(d)
			timerSet = true
		}
	}
	publish := func(e Entry) bool {
		if err := s.cfg.Publish(e); err != nil {
			s.log.Debug("outbox: publish failed, will try again", "seq", e.Seq, "error", err)
			blocked, blockedAt = true, s.cfg.Clock.Now()
			return false
		}
		return true
	}
	// fill sends new entries while the window has room.
	fill := func() {
		for up && !blocked && len(sent) < s.cfg.Window {
			es, err := s.cfg.Outbox.After(lastSeq, s.cfg.Window-len(sent))
			if err != nil {
				s.log.Error("outbox: read failed", "error", err)
				return
			}
			if len(es) == 0 {
				return
			}
			for _, e := range es {
				if !publish(e) {
					return
				}
				lastSeq = e.Seq
				sent = append(sent, inflight{e: e, sentAt: s.cfg.Clock.Now()})
			}
		}
	}
	// resend sends every unconfirmed entry again, oldest first.
	resend := func() {
		now := s.cfg.Clock.Now()
		for i := range sent {
			if blocked {
				return
			}
			if !publish(sent[i].e) {
				return
			}
			sent[i].sentAt = now
		}
	}
	confirm := func(first string) {
		ids := []string{first}
	drain:
		for len(ids) < 1024 {
			select {
			case id := <-s.confirm:
				ids = append(ids, id)
			default:
				break drain
			}
		}
		seqs, err := s.cfg.Outbox.Delete(ids...)
		if err != nil {
			s.log.Error("outbox: delete failed", "error", err)
			return
		}
		if len(seqs) == 0 {
			return
		}
		gone := make(map[uint64]bool, len(seqs))
		for _, q := range seqs {
			gone[q] = true
		}
		kept := sent[:0]
		for _, f := range sent {
			if !gone[f.e.Seq] {
				kept = append(kept, f)
			}
		}
		clear(sent[len(kept):])
		sent = kept
	}

	for {
		select {
		case <-s.terminate:
			return
		case u := <-s.up:
			up = u
			blocked = false
			if up {
				// A new connection: whatever was sent before may be lost.
				// Start again from the oldest entry on disk.
				sent = sent[:0]
				lastSeq = 0
			}
		case <-s.kick:
		case id := <-s.confirm:
			confirm(id)
		case <-timer.C():
			timerSet = false
			if blocked {
				// Entries that failed were not sent at all: try them again.
				blocked = false
				resend()
			}
		}
		if up && !blocked && len(sent) > 0 && !s.cfg.Clock.Now().Before(sent[0].sentAt.Add(s.cfg.ResendAfter)) {
			s.log.Debug("outbox: no confirmation in time, resending", "from_seq", sent[0].e.Seq, "count", len(sent))
			resend()
		}
		fill()
		arm()
	}
}
