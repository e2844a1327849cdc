// Package bolttest damages real bbolt files for tests of code that opens
// them with boltfile: the same damage for the state file, the outbox and
// the broker's store, checked the same way.
package bolttest

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aerocell/aerocell/internal/boltfile"
)

// Case is a damaged copy of a whole file and what the refusal must say.
type Case struct {
	Name string
	Want string // in the error
	Data []byte
}

// Cases are the damage an operator meets: a file emptied (a full disk, a
// bad copy), one cut in half, and one that is not a bbolt file at all.
// whole is a real file's bytes; what is its boltfile.Kind's What.
func Cases(whole []byte, what string) []Case {
	return []Case{
		{"empty", "is empty (0 bytes)", nil},
		{"half", "is truncated", whole[:len(whole)/2]},
		{"random", "is not a " + what, bytes.Repeat([]byte{0x5a, 0xc3, 0x17}, 10000)},
	}
}

// Refused writes each of cases, in turn, to path and calls open on it,
// which must fail with boltfile.ErrDamaged, naming path, saying the case's
// Want and to move the file aside, and leave the file as it was. open
// closes whatever it opened when it succeeds.
func Refused(t *testing.T, path string, cases []Case, open func(path string) error) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			if err := os.WriteFile(path, c.Data, 0o600); err != nil {
				t.Fatal(err)
			}
			err := open(path)
			if err == nil {
				t.Fatalf("damaged file %s (%s) opened", path, c.Name)
			}
			msg := err.Error()
			if !errors.Is(err, boltfile.ErrDamaged) || !strings.Contains(msg, path) || !strings.Contains(msg, c.Want) || !strings.Contains(msg, "move it aside") {
				t.Fatalf("error %q: want ErrDamaged naming %s, saying %q and to move it aside", err, path, c.Want)
			}
			after, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(after, c.Data) {
				t.Fatalf("refused file changed: %d bytes, was %d", len(after), len(c.Data))
			}
		})
	}
}
