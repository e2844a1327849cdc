// Package store keeps the fleet controller's durable state in one embedded
// bbolt file: named JSON documents (the incident, the plan, the assignments)
// replaced atomically, and an append-only event log. Every write is synced to
// disk before it returns, so the controller can write a decision before it
// acts on it and find it again after a crash.
//
// The store knows nothing of fleets or drones: it stores what it is given. It
// is safe for concurrent use.
//
// Lifecycle, as across aerocell: what waits on its way down closes with
// Close(ctx) error, ctx bounding the wait; what only releases closes with
// Close() error. A Store only releases its file (every write is already on
// disk), so its Close takes no context.
package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aerocell/aerocell/internal/boltfile"
	bolt "go.etcd.io/bbolt"
)

var (
	bucketDocs   = []byte("docs")
	bucketEvents = []byte("events")
)

// ErrNotFound is returned by Get for a document never put.
var ErrNotFound = errors.New("store: not found")

// ErrDamaged is matched (errors.Is) by the error of Open for a state file
// that exists but is empty, truncated or not a state file. It is
// boltfile.ErrDamaged, which the daemon's other bbolt files share.
var ErrDamaged = boltfile.ErrDamaged

// stateFile is how Open's errors speak of the file.
var stateFile = boltfile.Kind{
	What:   "state file",
	Advice: "keep it for inspection; move it aside only to start over with no incident, plan or assignments",
}

// Store is an open state file.
type Store struct {
	db *bolt.DB
}

// Open opens or creates the state file at path. It fails, rather than wait,
// when another process holds the file.
//
// A file that exists but is not a whole state file is refused with an error
// naming the file and what is wrong with it (ErrDamaged), and left as it is:
// an empty file is not taken for a new one (a fresh state would make a
// restarted daemon forget the stations it holds), and a truncated one is
// caught before bbolt maps it (reading past its end would crash the process).
func Open(path string) (*Store, error) {
	db, err := boltfile.Open(path, &bolt.Options{Timeout: 2 * time.Second}, stateFile)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketDocs, bucketEvents} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		_ = db.Close() // the init error is the one to report
		return nil, fmt.Errorf("store: init %s: %w", path, err)
	}
	return &Store{db: db}, nil
}

// Close closes the file. A second Close returns nil.
func (s *Store) Close() error { return s.db.Close() }

// Put replaces the document named key with v encoded as JSON.
func (s *Store) Put(key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: encode %s: %w", key, err)
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketDocs).Put([]byte(key), b)
	})
}

// Get decodes the document named key into v; ErrNotFound if there is none.
func (s *Store) Get(key string, v any) error {
	return s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDocs).Get([]byte(key))
		if b == nil {
			return fmt.Errorf("%w: %s", ErrNotFound, key)
		}
		if err := json.Unmarshal(b, v); err != nil {
			return fmt.Errorf("store: decode %s: %w", key, err)
		}
		return nil
	})
}

// Delete removes the document named key; deleting a missing key is no error.
func (s *Store) Delete(key string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketDocs).Delete([]byte(key))
	})
}

// Record is one entry of the event log.
type Record struct {
	Seq  uint64          `json:"seq"`
	Data json.RawMessage `json:"data"`
}

// Append adds v, encoded as JSON, to the event log and returns its sequence
// number (1 for the first record, increasing by one).
func (s *Store) Append(v any) (uint64, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return 0, fmt.Errorf("store: encode event: %w", err)
	}
	var seq uint64
	err = s.db.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketEvents)
		n, err := bk.NextSequence()
		if err != nil {
			return err
		}
		seq = n
		return bk.Put(seqKey(n), b)
	})
	if err != nil {
		return 0, fmt.Errorf("store: append event: %w", err)
	}
	return seq, nil
}

// PutAndAppend replaces the document key with doc and appends the events
// in one transaction: a decision and the records of why it was taken land
// together or not at all, with one sync to disk. It returns the sequence
// number of the first event (the others follow it).
func (s *Store) PutAndAppend(key string, doc any, events ...any) (uint64, error) {
	db, err := json.Marshal(doc)
	if err != nil {
		return 0, fmt.Errorf("store: encode %s: %w", key, err)
	}
	enc := make([][]byte, len(events))
	for i, e := range events {
		if enc[i], err = json.Marshal(e); err != nil {
			return 0, fmt.Errorf("store: encode event: %w", err)
		}
	}
	var first uint64
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketDocs).Put([]byte(key), db); err != nil {
			return err
		}
		bk := tx.Bucket(bucketEvents)
		for i, b := range enc {
			n, err := bk.NextSequence()
			if err != nil {
				return err
			}
			if i == 0 {
				first = n
			}
			if err := bk.Put(seqKey(n), b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: put %s with events: %w", key, err)
	}
	return first, nil
}

// Events returns up to limit records with sequence numbers after since, in
// order. limit <= 0 means no limit.
func (s *Store) Events(since uint64, limit int) ([]Record, error) {
	var out []Record
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketEvents).Cursor()
		for k, v := c.Seek(seqKey(since + 1)); k != nil; k, v = c.Next() {
			if limit > 0 && len(out) >= limit {
				break
			}
			out = append(out, Record{Seq: binary.BigEndian.Uint64(k), Data: append(json.RawMessage(nil), v...)})
		}
		return nil
	})
	return out, err
}

// LastSeq is the sequence number of the newest event, 0 when there is none.
func (s *Store) LastSeq() (uint64, error) {
	var seq uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		seq = tx.Bucket(bucketEvents).Sequence()
		return nil
	})
	return seq, err
}

func seqKey(n uint64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], n)
	return k[:]
}
