package sitl

import "testing"

// BenchmarkUpperBound is the bound of the quake-mixed scenario (placement
// of two fixed-wing cells around three tethered disks, per network).
func BenchmarkUpperBound(b *testing.B) {
	sc, err := LoadScenario("../examples/sitl/quake-mixed.yaml")
	if err != nil {
		b.Fatal(err)
	}
	tr, err := newTruth(sc)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := UpperBound(sc, tr.radii); err != nil {
			b.Fatal(err)
		}
	}
}
