package fleet

import (
	"context"
	"testing"
)

// A request that returns has its effect in the very next Snapshot: a
// console that pins a station and redraws must not show it unpinned.
func TestSnapshotReflectsAnsweredRequest(t *testing.T) {
	r := newFakeRig(t, 2, Config{})
	s := r.deploy(5)
	id := s.Plan.Stations[0].ID
	ctx := context.Background()
	for i := range 200 {
		want := i%2 == 0
		if err := r.ctl.PinStation(ctx, id, want); err != nil {
			t.Fatal(err)
		}
		if got := r.ctl.Snapshot().Plan.Stations[0].Pinned; got != want {
			t.Fatalf("request %d: pinned %v answered, snapshot says %v", i, want, got)
		}
		if err := r.ctl.SetPaused(ctx, want); err != nil {
			t.Fatal(err)
		}
		if got := r.ctl.Snapshot().Paused; got != want {
			t.Fatalf("request %d: paused %v answered, snapshot says %v", i, want, got)
		}
	}
}
