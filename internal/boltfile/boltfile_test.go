package boltfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

var kind = Kind{What: "test file", Advice: "move it aside"}

// A missing file is created; a directory where the file should be is
// refused with the path and the kind's words, before bbolt sees it.
func TestOpenCreatesMissingRefusesDirectory(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "new.db")
	db, err := Open(path, nil, kind)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("not created: %v", err)
	}
	sub := filepath.Join(dir, "sub.db")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	_, err = Open(sub, nil, kind)
	want := "test file " + sub + " is not a regular file; refusing to start on it (move it aside)"
	if !errors.Is(err, ErrDamaged) || err.Error() != want {
		t.Fatalf("directory: %v, want ErrDamaged %q", err, want)
	}
	var de *DamagedError
	if !errors.As(err, &de) || de.Path != sub {
		t.Fatalf("directory: %#v", err)
	}
}
