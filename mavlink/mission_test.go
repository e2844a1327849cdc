package mavlink

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

func testMission() []MissionItem {
	var items []MissionItem
	for i := 0; i < 12; i++ {
		items = append(items, Waypoint(45+float64(i)/1000, 7+float64(i)/2000, 30+float64(i)))
	}
	return items
}

func sameItems(t *testing.T, got, want []MissionItem) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d items, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Command != w.Command || g.Frame != w.Frame || math.Abs(g.Lat-w.Lat) > 1e-7 ||
			math.Abs(g.Lon-w.Lon) > 1e-7 || g.Alt != w.Alt || g.Param1 != w.Param1 || g.Param2 != w.Param2 {
			t.Fatalf("item %d = %+v, want %+v", i, g, w)
		}
	}
}

func TestMissionUploadDownloadAndFence(t *testing.T) {
	clk := scaled(t)
	s, addr := openStation(t, clk, nil)
	f := newFake(t, clk, addr, VehicleID{5, 1}, fakeOpts{})
	waitFor(t, "vehicle", 10*time.Second, func() bool { _, ok := s.Vehicle(f.id); return ok })
	ctx := context.Background()
	items := testMission()
	if err := s.UploadMission(ctx, f.id, common.MAV_MISSION_TYPE_MISSION, items); err != nil {
		t.Fatal(err)
	}
	got, err := s.DownloadMission(ctx, f.id, common.MAV_MISSION_TYPE_MISSION)
	if err != nil {
		t.Fatal(err)
	}
	sameItems(t, got, items)

	fence := append(FencePolygon([]LatLon{{45, 7}, {45.1, 7}, {45.1, 7.1}, {45, 7.1}}, true, 0),
		FencePolygon([]LatLon{{45.04, 7.04}, {45.05, 7.04}, {45.05, 7.05}}, false, 0)...)
	if err := s.UploadFence(ctx, f.id, fence); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	stored := f.lists[common.MAV_MISSION_TYPE_FENCE]
	f.mu.Unlock()
	if len(stored) != 7 || stored[0].Command != common.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION ||
		stored[0].Param1 != 4 || stored[6].Command != common.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_EXCLUSION || stored[6].Param1 != 3 {
		t.Fatalf("fence stored as %+v", stored)
	}
	back, err := s.DownloadMission(ctx, f.id, common.MAV_MISSION_TYPE_FENCE)
	if err != nil {
		t.Fatal(err)
	}
	sameItems(t, back, fence)
	// the mission is untouched by the fence
	got, err = s.DownloadMission(ctx, f.id, common.MAV_MISSION_TYPE_MISSION)
	if err != nil {
		t.Fatal(err)
	}
	sameItems(t, got, items)
	if err := s.UploadMission(ctx, f.id, common.MAV_MISSION_TYPE_MISSION, nil); err != nil {
		t.Fatalf("empty upload: %v", err)
	}
}

func TestMissionErrors(t *testing.T) {
	clk := scaled(t)
	s, addr := openStation(t, clk, func(c *Config) { c.MissionRetries = 2 })
	f := newFake(t, clk, addr, VehicleID{6, 1}, fakeOpts{})
	waitFor(t, "vehicle", 10*time.Second, func() bool { _, ok := s.Vehicle(f.id); return ok })
	ctx := context.Background()
	if err := s.UploadMission(ctx, VehicleID{77, 1}, common.MAV_MISSION_TYPE_MISSION, nil); !errors.Is(err, ErrUnknownVehicle) {
		t.Fatalf("unknown vehicle: %v", err)
	}
	// a vehicle that stops answering: the transfer times out (or the link is
	// declared lost first), with a typed error either way
	f.mu.Lock()
	f.silent = true
	f.mu.Unlock()
	err := s.UploadMission(ctx, f.id, common.MAV_MISSION_TYPE_MISSION, testMission())
	var me *MissionError
	if !errors.As(err, &me) || !(errors.Is(err, ErrTimeout) || errors.Is(err, ErrLinkLost)) {
		t.Fatalf("silent vehicle: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.DownloadMission(cctx, f.id, common.MAV_MISSION_TYPE_MISSION); !errors.Is(err, ErrCancelled) && !errors.Is(err, ErrLinkLost) {
		t.Fatalf("cancelled: %v", err)
	}
}

// TestThirtyPercentLoss: with 30% of frames lost each way, every command
// ends accepted or with its typed error, and a mission upload completes.
func TestThirtyPercentLoss(t *testing.T) {
	clk := scaled(t)
	s, addr := openStation(t, clk, func(c *Config) {
		c.CommandRetries = 8
		c.MissionRetries = 10
	})
	var ids []VehicleID
	for i := 1; i <= 4; i++ {
		f := newFake(t, clk, addr, VehicleID{uint8(i), 1}, fakeOpts{loss: 0.3, seed: 7, home: LatLon{45, 7}})
		ids = append(ids, f.id)
	}
	waitFor(t, "vehicles", 20*time.Second, func() bool { return len(s.Vehicles()) == 4 })
	ctx := context.Background()
	typed := func(err error) bool {
		for _, e := range []error{ErrDenied, ErrUnsupported, ErrTemporarilyRejected, ErrFailed, ErrTimeout, ErrLinkLost, ErrCancelled} {
			if errors.Is(err, e) {
				return true
			}
		}
		return false
	}
	for name, fn := range map[string]func(context.Context, VehicleID) error{
		"arm":  s.Arm,
		"mode": func(ctx context.Context, id VehicleID) error { return s.SetMode(ctx, id, "GUIDED") },
		"goto": func(ctx context.Context, id VehicleID) error { return s.GoTo(ctx, id, 45.001, 7.001, 20) },
		"rtl":  s.RTL,
	} {
		deadline := clk.Now().Add(2 * time.Minute)
		cctx, cancel := context.WithTimeout(ctx, clk.Wall(2*time.Minute))
		for id, err := range s.Each(cctx, ids, fn) {
			if err != nil && !typed(err) {
				t.Errorf("%s %v: untyped error %v", name, id, err)
			}
		}
		cancel()
		if clk.Now().After(deadline.Add(time.Second)) {
			t.Errorf("%s outlived its deadline", name)
		}
	}
	okUploads := 0
	for _, id := range ids {
		err := s.UploadMission(ctx, id, common.MAV_MISSION_TYPE_MISSION, testMission())
		if err == nil {
			okUploads++
			continue
		}
		if !typed(err) {
			t.Errorf("upload %v: untyped error %v", id, err)
		}
	}
	if okUploads == 0 {
		t.Fatal("no mission upload completed under 30% loss")
	}
}
