// Package boltfile opens the bbolt files the daemon keeps (the controller's
// state, the MQTT outbox, the embedded broker's store) only when they are
// whole. bbolt itself takes an empty file for a new database, which would
// silently start over with nothing, and maps a truncated one past its end,
// which crashes the process with a stack trace. Open refuses both, and a
// file that is not a bbolt file at all, with a [DamagedError] that names the
// file, says what is wrong with it and what to do, and leaves the file as it
// is.
//
// It never repairs, moves or deletes a file: that is the operator's call.
package boltfile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"

	bolt "go.etcd.io/bbolt"
)

// ErrDamaged is matched (errors.Is) by the error of Open for a file that
// exists but is empty, truncated, damaged inside or not a bbolt file.
var ErrDamaged = errors.New("bbolt file damaged")

// Kind says what a file is for, in the words of Open's errors.
type Kind struct {
	// What names the file's role, as in "state file" or "outbox file"; an
	// error says "<What> <path> <reason>" and "is not a <What>".
	What string
	// Advice says what to do with a damaged file and what starting over
	// without it loses, as in "keep it for inspection; move it aside only
	// to start over with no incident".
	Advice string
}

// DamagedError says which file Open refused, why, and what to do.
type DamagedError struct {
	Path   string
	Kind   Kind
	Reason string
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("%s %s %s; refusing to start on it (%s)", e.Kind.What, e.Path, e.Reason, e.Kind.Advice)
}

// Is makes errors.Is(err, ErrDamaged) true.
func (e *DamagedError) Is(target error) bool { return target == ErrDamaged }

// Open opens or creates the bbolt file at path with opts, as bolt.Open does,
// once it has checked that a file already there is whole: its meta pages
// valid, its length covering every page they claim, and bbolt's own page
// check passing. A damaged file is refused with a *DamagedError (ErrDamaged)
// and left untouched; a file that does not exist is created. Other errors
// (permissions, another process holding the file) are bolt.Open's, wrapped
// with the path.
func Open(path string, opts *bolt.Options, kind Kind) (*bolt.DB, error) {
	if err := checkFile(path, kind); err != nil {
		return nil, err
	}
	db, err := bolt.Open(path, 0o600, opts)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := checkPages(db); err != nil {
		// Read only so far: nothing to lose, and the refusal says more.
		_ = db.Close()
		return nil, &DamagedError{Path: path, Kind: kind, Reason: err.Error()}
	}
	return db, nil
}

// The layout of a bbolt meta page (go.etcd.io/bbolt/internal/common): a
// 16-byte page header, then magic, version, page size, flags (4 bytes each),
// the root bucket (16), the freelist page, the high-water page id and the
// transaction id (8 each), and an FNV-64a checksum of all the meta before it.
const (
	metaOffset   = 16
	metaMagic    = 0xED0CDAED
	metaVersion  = 2
	metaSumBytes = 56
	metaBytes    = metaSumBytes + 8
)

type meta struct {
	pageSize uint32
	pgid     uint64 // pages in use: the file must hold at least pgid pages
	txid     uint64
}

// readMeta decodes the meta page at off; ok is false when there is none
// (short read, wrong magic or version, bad checksum).
func readMeta(f *os.File, off int64) (m meta, ok bool) {
	var buf [metaOffset + metaBytes]byte
	if n, err := f.ReadAt(buf[:], off); n < len(buf) && err != nil {
		return meta{}, false
	}
	b := buf[metaOffset:]
	le := binary.NativeEndian
	if le.Uint32(b[0:]) != metaMagic || le.Uint32(b[4:]) != metaVersion {
		return meta{}, false
	}
	h := fnv.New64a()
	h.Write(b[:metaSumBytes])
	if h.Sum64() != le.Uint64(b[metaSumBytes:]) {
		return meta{}, false
	}
	m = meta{pageSize: le.Uint32(b[8:]), pgid: le.Uint64(b[40:]), txid: le.Uint64(b[48:])}
	return m, m.pageSize >= 1024 && m.pageSize&(m.pageSize-1) == 0
}

// checkFile refuses a file that exists but that bbolt would either silently
// initialise (zero bytes) or map past its end (truncated). A file that does
// not exist is fine: Open creates it.
func checkFile(path string, kind Kind) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return &DamagedError{Path: path, Kind: kind, Reason: "is not a regular file"}
	}
	size := fi.Size()
	if size == 0 {
		return &DamagedError{Path: path, Kind: kind, Reason: "is empty (0 bytes), not a new one: bbolt never leaves a file empty once created, so it was truncated"}
	}
	// The newest valid meta page is the one bbolt will use; the second one
	// sits one page in, and the page size is in the first (or, when the
	// first is torn, is one of the sizes bbolt tries).
	best, found := readMeta(f, 0)
	offsets := []int64{}
	if found {
		offsets = append(offsets, int64(best.pageSize))
	} else {
		for ps := int64(1024); ps <= 1<<24; ps <<= 1 {
			offsets = append(offsets, ps)
		}
	}
	for _, off := range offsets {
		if off >= size {
			break
		}
		m, ok := readMeta(f, off)
		if ok && int64(m.pageSize) == off && (!found || m.txid > best.txid) {
			best, found = m, true
		}
	}
	if !found {
		return &DamagedError{Path: path, Kind: kind, Reason: fmt.Sprintf("is not a %s (%d bytes, no valid bbolt meta page)", kind.What, size)}
	}
	if need := int64(best.pgid) * int64(best.pageSize); size < need {
		return &DamagedError{Path: path, Kind: kind, Reason: fmt.Sprintf("is truncated: it holds %d bytes but its pages need %d", size, need)}
	}
	return nil
}

// checkPages runs bbolt's consistency check over every page, so that a file
// damaged inside is refused at start rather than failing mid-incident.
func checkPages(db *bolt.DB) error {
	return db.View(func(tx *bolt.Tx) error {
		var first error
		for err := range tx.Check() { // drained: the checker holds the transaction
			if first == nil {
				first = fmt.Errorf("is damaged: %w", err)
			}
		}
		return first
	})
}
