package sitl

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseScenario: any bytes are refused with an error or give a
// scenario that validates again unchanged; nothing panics. Seeds: the
// shipped scenarios and a few generated ones.
func FuzzParseScenario(f *testing.F) {
	shipped, _ := filepath.Glob(filepath.Join("..", "examples", "sitl", "*.yaml"))
	gen, err := Generate(f.TempDir(), 3, 11)
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range append(shipped, gen...) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		sc, err := ParseScenario(bytes.NewReader(b))
		if err != nil {
			if sc != nil {
				t.Fatal("a scenario with an error")
			}
			return
		}
		again := *sc
		if err := again.Validate(); err != nil {
			t.Fatalf("accepted, then refused: %v", err)
		}
		if sc.Duration <= 0 || len(sc.simDrones()) == 0 || sc.Sample < 1e9 {
			t.Fatalf("accepted %+v", sc)
		}
	})
}
