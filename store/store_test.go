package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aerocell/aerocell/internal/boltfile/bolttest"
	"github.com/aerocell/aerocell/internal/closetest"
)

type doc struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

func open(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	closetest.ReleaseAtEnd(t, s) // closing it earlier too is fine
	return s
}

func TestDocumentsSurviveReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s := open(t, path)
	if err := s.Put("plan", doc{"quake", 3}); err != nil {
		t.Fatal(err)
	}
	var missing doc
	if err := s.Get("incident", &missing); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get of a missing key: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = open(t, path)
	var got doc
	if err := s.Get("plan", &got); err != nil {
		t.Fatal(err)
	}
	if got != (doc{"quake", 3}) {
		t.Fatalf("got %+v", got)
	}
	if err := s.Delete("plan"); err != nil {
		t.Fatal(err)
	}
	if err := s.Get("plan", &got); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}

func TestEventLogOrderAndPaging(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s := open(t, path)
	for i := 1; i <= 5; i++ {
		seq, err := s.Append(doc{"e", i})
		if err != nil {
			t.Fatal(err)
		}
		if seq != uint64(i) {
			t.Fatalf("seq %d for event %d", seq, i)
		}
	}
	seq, err := s.PutAndAppend("plan", doc{"p", 9}, doc{"e", 6}, doc{"e", 7})
	if err != nil || seq != 6 {
		t.Fatalf("PutAndAppend seq %d err %v", seq, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = open(t, path)
	if last, _ := s.LastSeq(); last != 7 {
		t.Fatalf("LastSeq %d", last)
	}
	page, err := s.Events(2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 3 || page[0].Seq != 3 || page[2].Seq != 5 {
		t.Fatalf("page %+v", page)
	}
	all, _ := s.Events(0, 0)
	if len(all) != 7 || string(all[5].Data) != `{"name":"e","count":6}` || string(all[6].Data) != `{"name":"e","count":7}` {
		t.Fatalf("all %+v", all)
	}
	var p doc
	if err := s.Get("plan", &p); err != nil || p.Count != 9 {
		t.Fatalf("plan %+v %v", p, err)
	}
}

func TestBadInputChangesNothing(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "state.db"))
	if err := s.Put("plan", doc{"ok", 1}); err != nil {
		t.Fatal(err)
	}
	if err := s.Put("plan", func() {}); err == nil {
		t.Fatal("unencodable document accepted")
	}
	if _, err := s.PutAndAppend("plan", doc{"new", 2}, doc{"ok", 1}, make(chan int)); err == nil {
		t.Fatal("unencodable event accepted")
	}
	var got doc
	if err := s.Get("plan", &got); err != nil || got.Count != 1 {
		t.Fatalf("plan changed by a failed write: %+v %v", got, err)
	}
	if last, _ := s.LastSeq(); last != 0 {
		t.Fatalf("event appended by a failed write: %d", last)
	}
	var wrong []int
	if err := s.Get("plan", &wrong); err == nil {
		t.Fatal("decode into the wrong type accepted")
	}
}

func TestOpenMissingDirFails(t *testing.T) {
	if _, err := Open(filepath.Join(t.TempDir(), "no", "such", "dir", "x.db")); err == nil {
		t.Fatal("open in a missing directory succeeded")
	}
}

// writeState makes a state file as the controller leaves it: documents
// rewritten and events appended until the file spans many pages.
func writeState(t *testing.T, path string) {
	t.Helper()
	s := open(t, path)
	defer func() { // before the file is read
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}()
	big := strings.Repeat("x", 900)
	for i := range 200 {
		if _, err := s.PutAndAppend("plan", doc{big, i}, doc{big, i}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOpenRefusesDamagedFile(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.db")
	writeState(t, real)
	whole, err := os.ReadFile(real)
	if err != nil {
		t.Fatal(err)
	}
	cases := append(bolttest.Cases(whole, "state file"),
		bolttest.Case{Name: "one page", Want: "is truncated", Data: whole[:4096]},
		bolttest.Case{Name: "a few bytes", Want: "is truncated", Data: whole[:100]},
		bolttest.Case{Name: "a torn header", Want: "is not a state file", Data: whole[:40]},
	)
	bolttest.Refused(t, filepath.Join(dir, "damaged.db"), cases, func(path string) error {
		s, err := Open(path)
		if err == nil {
			return errors.Join(errors.New("opened"), s.Close())
		}
		return err
	})
	// The whole file still opens, with its data.
	s := open(t, real)
	var got doc
	if err := s.Get("plan", &got); err != nil || got.Count != 199 {
		t.Fatalf("whole file: %+v %v", got, err)
	}
}
