// Package outbox keeps messages that must reach an MQTT broker on disk until
// there is evidence that they did, and sends them in order, at least once,
// across broker outages and restarts of the process.
//
// An [Outbox] is an ordered log in a bbolt file: [Outbox.Append] assigns the
// next sequence number and returns only once the entry is fsync'd;
// [Outbox.Delete] removes an entry once it is known to be delivered. A
// [Sender] drives delivery: it publishes the oldest entries first, keeps at
// most a window of them unconfirmed, resends every unconfirmed entry in
// order on reconnection or when the oldest has waited too long, and deletes
// an entry only when told that it has been seen delivered ([Sender.Confirm]).
// What counts as evidence is the caller's choice; the reporter uses its own
// subscription receiving the message back, never a publish token.
//
// Consumers see each entry at least once and must de-duplicate by id.
//
// Lifecycle, as across aerocell: what waits on its way down (the Sender's
// loop) closes with Close(ctx) error, ctx bounding the wait; what only
// releases (the Outbox's file) closes with Close() error.
package outbox

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aerocell/aerocell/internal/boltfile"
	"go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Sentinel errors.
var (
	ErrDuplicate = errors.New("outbox: duplicate id")
	ErrClosed    = errors.New("outbox: closed")
	ErrEmptyID   = errors.New("outbox: empty id")
)

// Entry is one message waiting for delivery.
type Entry struct {
	Seq     uint64    `json:"seq"`
	ID      string    `json:"id"`
	Topic   string    `json:"topic"`
	Payload []byte    `json:"payload"`
	Created time.Time `json:"created"`
}

// Outbox is the on-disk log. Its methods are safe for concurrent use.
type Outbox struct {
	db *bbolt.DB
}

var (
	bucketEntries = []byte("entries") // seq (8 bytes, big-endian) -> Entry JSON
	bucketIDs     = []byte("ids")     // id -> seq
)

// ErrDamaged is matched (errors.Is) by the error of Open for an outbox file
// that exists but is empty, truncated or not an outbox file. It is
// boltfile.ErrDamaged, which the daemon's other bbolt files share.
var ErrDamaged = boltfile.ErrDamaged

// outboxFile is how Open's errors speak of the file.
var outboxFile = boltfile.Kind{
	What:   "outbox file",
	Advice: "it may hold messages accepted and not yet delivered: keep it for inspection, and move it aside only to start with an empty outbox, losing them",
}

// Open opens or creates the outbox file at path. Only one process may have
// it open; a second Open waits up to a second and fails.
//
// A file that exists but is not a whole outbox (empty, truncated, not a
// bbolt file) is refused with an error naming it (ErrDamaged) and left as
// it is: starting on an empty outbox would silently drop the messages it
// was keeping.
func Open(path string) (*Outbox, error) {
	db, err := boltfile.Open(path, &bbolt.Options{Timeout: time.Second}, outboxFile)
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(bucketEntries); err != nil {
			return err
		}
		_, err := tx.CreateBucketIfNotExists(bucketIDs)
		return err
	})
	if err != nil {
		_ = db.Close() // the init error is the one to report
		return nil, fmt.Errorf("outbox: open %s: %w", path, err)
	}
	return &Outbox{db: db}, nil
}

// Close closes the file; it waits for nothing but a write in progress.
func (o *Outbox) Close() error { return o.db.Close() }

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// Item is one entry to append: its unique id, its topic, when it was made,
// and build, which returns the payload for the entry's sequence number (so
// that the payload can carry it).
type Item struct {
	ID      string
	Topic   string
	Created time.Time
	Build   func(seq uint64) ([]byte, error)
}

// Append adds one entry and returns once it is on disk. Sequence numbers
// start at 1 and only grow, across restarts, even when entries are
// deleted.
func (o *Outbox) Append(id, topic string, created time.Time, build func(seq uint64) ([]byte, error)) (Entry, error) {
	es, err := o.AppendAll([]Item{{ID: id, Topic: topic, Created: created, Build: build}})
	if err != nil {
		return Entry{}, err
	}
	return es[0], nil
}

// AppendAll adds the items in order, all or none, with one write to disk,
// and returns their entries once they are on disk.
func (o *Outbox) AppendAll(items []Item) ([]Entry, error) {
	es := make([]Entry, 0, len(items))
	err := o.db.Update(func(tx *bbolt.Tx) error {
		ids := tx.Bucket(bucketIDs)
		b := tx.Bucket(bucketEntries)
		for _, it := range items {
			if it.ID == "" {
				return ErrEmptyID
			}
			if ids.Get([]byte(it.ID)) != nil {
				return fmt.Errorf("%w: %q", ErrDuplicate, it.ID)
			}
			seq, err := b.NextSequence()
			if err != nil {
				return err
			}
			payload, err := it.Build(seq)
			if err != nil {
				return err
			}
			e := Entry{Seq: seq, ID: it.ID, Topic: it.Topic, Payload: payload, Created: it.Created}
			data, err := json.Marshal(e)
			if err != nil {
				return err
			}
			if err := b.Put(seqKey(seq), data); err != nil {
				return err
			}
			if err := ids.Put([]byte(it.ID), seqKey(seq)); err != nil {
				return err
			}
			es = append(es, e)
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, bolterrors.ErrDatabaseNotOpen) {
			return nil, ErrClosed
		}
		if errors.Is(err, ErrEmptyID) || errors.Is(err, ErrDuplicate) {
			return nil, err
		}
		return nil, fmt.Errorf("outbox: append: %w", err)
	}
	return es, nil
}

// After returns up to max entries with a sequence number above seq, oldest
// first.
func (o *Outbox) After(seq uint64, max int) ([]Entry, error) {
	var out []Entry
	err := o.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketEntries).Cursor()
		for k, v := c.Seek(seqKey(seq + 1)); k != nil && len(out) < max; k, v = c.Next() {
			var e Entry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("entry %d: %w", binary.BigEndian.Uint64(k), err)
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("outbox: read: %w", err)
	}
	return out, nil
}

// Delete removes the entries with the given ids, those that are still
// there, in one transaction, and returns their sequence numbers.
func (o *Outbox) Delete(ids ...string) ([]uint64, error) {
	var seqs []uint64
	err := o.db.Update(func(tx *bbolt.Tx) error {
		idb, b := tx.Bucket(bucketIDs), tx.Bucket(bucketEntries)
		for _, id := range ids {
			k := idb.Get([]byte(id))
			if k == nil {
				continue
			}
			seqs = append(seqs, binary.BigEndian.Uint64(k))
			if err := b.Delete(k); err != nil {
				return err
			}
			if err := idb.Delete([]byte(id)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("outbox: delete: %w", err)
	}
	return seqs, nil
}

// Len is how many entries wait for delivery.
func (o *Outbox) Len() int {
	n := 0
	_ = o.db.View(func(tx *bbolt.Tx) error {
		n = tx.Bucket(bucketEntries).Stats().KeyN
		return nil
	})
	return n
}

// Path is the file's path.
func (o *Outbox) Path() string { return o.db.Path() }
