package outbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aerocell/aerocell/clock"
	"github.com/aerocell/aerocell/internal/boltfile/bolttest"
	"github.com/aerocell/aerocell/internal/closetest"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// open opens the outbox at path, closed (and the error checked) when the
// test ends; closing it earlier too is fine.
func open(t *testing.T, path string) *Outbox {
	t.Helper()
	o, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	closetest.ReleaseAtEnd(t, o)
	return o
}

// newSender starts a Sender, stopped (and the error checked) when the test
// ends.
func newSender(t *testing.T, cfg SenderConfig) *Sender {
	t.Helper()
	s := NewSender(cfg)
	closetest.AtEnd(t, s)
	return s
}

func appendN(t *testing.T, o *Outbox, from, n int) {
	t.Helper()
	for i := from; i < from+n; i++ {
		_, err := o.Append(fmt.Sprintf("id-%d", i), "t", epoch, func(seq uint64) ([]byte, error) {
			return fmt.Appendf(nil, "%d:%d", i, seq), nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestOutboxSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	o := open(t, path)
	appendN(t, o, 0, 5)
	if _, err := o.Append("id-2", "t", epoch, func(uint64) ([]byte, error) { return nil, nil }); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("duplicate id: %v", err)
	}
	if _, err := o.Delete("id-0", "id-3", "unknown"); err != nil {
		t.Fatal(err)
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}

	o = open(t, path)
	appendN(t, o, 5, 1)
	es, err := o.After(0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, fmt.Sprintf("%s@%d=%s", e.ID, e.Seq, e.Payload))
	}
	want := []string{"id-1@2=1:2", "id-2@3=2:3", "id-4@5=4:5", "id-5@6=5:6"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after reopen got %v, want %v", got, want)
	}
	if o.Len() != 4 {
		t.Fatalf("Len = %d", o.Len())
	}
}

// fakeConn records publishes and can be down.
type fakeConn struct {
	mu     sync.Mutex
	down   bool
	failed int // publishes refused while down
	sent   []Entry
	seen   chan Entry
}

func (f *fakeConn) publish(e Entry) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		f.failed++
		return errors.New("down")
	}
	f.sent = append(f.sent, e)
	f.seen <- e
	return nil
}

func (f *fakeConn) failures() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failed
}

func (f *fakeConn) setDown(d bool) {
	f.mu.Lock()
	f.down = d
	f.mu.Unlock()
}

func next(t *testing.T, f *fakeConn) Entry {
	t.Helper()
	select {
	case e := <-f.seen:
		return e
	case <-time.After(time.Minute):
		t.Fatal("nothing published within a minute")
		return Entry{}
	}
}

// advanceUntilPublished moves the clock a second at a time until the
// sender publishes something (at most an hour of virtual time).
func advanceUntilPublished(t *testing.T, clk *clock.Manual, f *fakeConn) Entry {
	t.Helper()
	for range 3600 {
		select {
		case e := <-f.seen:
			return e
		case <-time.After(5 * time.Millisecond):
		}
		clk.Advance(time.Second)
	}
	t.Fatal("nothing published within an hour of virtual time")
	return Entry{}
}

// expectAfterAdvance moves the clock until the sender publishes, and checks
// that it publishes ids in that order.
func expectAfterAdvance(t *testing.T, clk *clock.Manual, f *fakeConn, ids ...string) {
	t.Helper()
	for i, want := range ids {
		var e Entry
		if i == 0 {
			e = advanceUntilPublished(t, clk, f)
		} else {
			e = next(t, f)
		}
		if e.ID != want {
			t.Fatalf("published %s, want %s (of %v)", e.ID, want, ids)
		}
	}
}

func TestSenderOrderWindowResendConfirm(t *testing.T) {
	o := open(t, filepath.Join(t.TempDir(), "outbox.db"))
	clk := clock.NewManual(epoch)
	f := &fakeConn{seen: make(chan Entry, 1000)}
	s := newSender(t, SenderConfig{Outbox: o, Publish: f.publish, Clock: clk, ResendAfter: 10 * time.Second, Window: 3})

	appendN(t, o, 0, 5)
	s.Kick() // not up yet: nothing goes
	s.Up(true)
	for i := range 3 { // the window
		if e := next(t, f); e.ID != fmt.Sprintf("id-%d", i) {
			t.Fatalf("sent %s, want id-%d", e.ID, i)
		}
	}
	s.Confirm("id-0")
	if e := next(t, f); e.ID != "id-3" {
		t.Fatalf("after a confirmation sent %s, want id-3", e.ID)
	}
	// No confirmation for id-1: after ResendAfter everything unconfirmed
	// goes again, oldest first.
	expectAfterAdvance(t, clk, f, "id-1", "id-2", "id-3")
	// The connection drops and comes back: everything on disk goes again
	// from the oldest.
	f.setDown(true) // the connection drops before the Sender hears of it:
	s.Confirm("id-2")
	for f.failures() == 0 { // the window had room for id-4, which failed
		time.Sleep(time.Millisecond)
	}
	s.Up(false)
	f.setDown(false)
	s.Up(true)
	for _, want := range []string{"id-1", "id-3", "id-4"} {
		if e := next(t, f); e.ID != want {
			t.Fatalf("after reconnect sent %s, want %s", e.ID, want)
		}
	}
	s.Confirm("id-1")
	s.Confirm("id-3")
	s.Confirm("id-4")
	for o.Len() != 0 {
		time.Sleep(time.Millisecond)
	}
}

func TestSenderRetriesAfterFailedPublish(t *testing.T) {
	o := open(t, filepath.Join(t.TempDir(), "outbox.db"))
	clk := clock.NewManual(epoch)
	f := &fakeConn{seen: make(chan Entry, 1000), down: true}
	s := newSender(t, SenderConfig{Outbox: o, Publish: f.publish, Clock: clk, ResendAfter: 5 * time.Second})
	s.Up(true)
	appendN(t, o, 0, 2)
	s.Kick()
	for f.failures() == 0 {
		time.Sleep(time.Millisecond)
	}
	f.setDown(false) // nothing is sent until the retry, ResendAfter later
	expectAfterAdvance(t, clk, f, "id-0", "id-1")
}

// TestOpenRefusesDamagedFile: an outbox file emptied, cut in half or
// overwritten is refused with its name and what to do, and left as it is,
// rather than taken for a new, empty outbox (which would drop the messages
// it kept) or crashing the process. The whole file still opens with them.
func TestOpenRefusesDamagedFile(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "outbox-real.db")
	o := open(t, real)
	items := make([]Item, 200)
	for i := range items {
		items[i] = Item{ID: fmt.Sprintf("id-%d", i), Topic: "t", Created: epoch,
			Build: func(uint64) ([]byte, error) { return bytes.Repeat([]byte{'x'}, 500), nil }}
	}
	if _, err := o.AppendAll(items); err != nil {
		t.Fatal(err)
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	whole, err := os.ReadFile(real)
	if err != nil {
		t.Fatal(err)
	}
	bolttest.Refused(t, filepath.Join(dir, "outbox-damaged.db"), bolttest.Cases(whole, "outbox file"), func(path string) error {
		o, err := Open(path)
		if err == nil {
			return errors.Join(errors.New("opened"), o.Close())
		}
		return err
	})
	o = open(t, real)
	if o.Len() != len(items) {
		t.Fatalf("whole file: Len = %d, want %d", o.Len(), len(items))
	}
}

// TestSenderCloseBoundedByContext: Close waits for the publish in progress
// only as long as its context allows, and says so; a later Close returns
// once the loop has stopped.
func TestSenderCloseBoundedByContext(t *testing.T) {
	o := open(t, filepath.Join(t.TempDir(), "outbox.db"))
	entered, release := make(chan struct{}), make(chan struct{})
	s := NewSender(SenderConfig{Outbox: o, Clock: clock.NewManual(epoch), Publish: func(Entry) error {
		close(entered)
		<-release // a connection stuck mid-publish
		return nil
	}})
	s.Up(true)
	appendN(t, o, 0, 1)
	s.Kick()
	<-entered
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Close(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Close with an ended context while a publish hangs: %v, want context.Canceled", err)
	}
	close(release)
	if err := s.Close(context.Background()); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if o.Len() != 1 {
		t.Fatalf("unconfirmed entry lost: Len = %d", o.Len())
	}
}
