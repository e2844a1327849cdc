package sim

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// No command takes a tethered drone beyond its reach: a seeded stream of
// orders, half of them out of reach, in gusty wind, with the slant distance
// checked at every physics step.
func TestTetherNeverBeyondReach(t *testing.T) {
	gs := LatLonAlt{testHome.Lat + 0.0002, testHome.Lon, testHome.Alt}
	f, g := startFleet(t, Config{
		Clock: scaled(t, 100), Wind: Wind{SpeedMS: 8, FromDeg: 200, GustMS: 3},
		Drones: []DroneConfig{{SysID: 5, Profile: ProfileTethered, Home: testHome, GroundStation: &gs}},
	})
	texts, stop := g.statustexts(5)
	defer stop()
	var mu sync.Mutex
	worst := 0.0
	monitorCtx, endMonitor := context.WithCancel(context.Background())
	monitorDone := make(chan struct{})
	go func() {
		defer close(monitorDone)
		f.WaitFor(monitorCtx, func(s Snapshot) bool { //nolint:errcheck // ends by cancel
			mu.Lock()
			worst = math.Max(worst, s.Drones[5].TetherUsed)
			mu.Unlock()
			return false
		})
	}()
	flyUp(t, f, g, 5, 30)
	L := f.Drone(5).State().TetherM
	rng := rand.New(rand.NewPCG(42, 5))
	ctx := ctxT(t, 120*time.Second)
	denied := 0
	for i := 0; i < 12; i++ {
		// a point up to 1.6 tether lengths from the ground station
		r := L * 1.6 * rng.Float64()
		bearing := rng.Float64() * 2 * math.Pi
		up := 5 + rng.Float64()*L
		h := r * math.Cos(math.Asin(math.Min(1, up/math.Max(r, up))))
		lat, lon := offset(gs.Lat, gs.Lon, h*math.Cos(bearing), h*math.Sin(bearing))
		tgt := LatLonAlt{lat, lon, gs.Alt + up}
		within := slant(gs, tgt) <= 0.95*L && up <= 150
		switch i % 2 {
		case 0:
			res, err := g.command(ctx, 5, common.MAV_CMD_DO_REPOSITION, -1, 0, 0, 0, float32(lat), float32(lon), float32(tgt.Alt-testHome.Alt))
			if err != nil {
				t.Fatal(err)
			}
			if within != (res == common.MAV_RESULT_ACCEPTED) {
				t.Fatalf("order %d at %.0f m from the winch: %v", i, slant(gs, tgt), res)
			}
			if res == common.MAV_RESULT_DENIED {
				denied++
			}
		default:
			g.send(&common.MessageSetPositionTargetGlobalInt{
				TargetSystem: 5, TargetComponent: 1, CoordinateFrame: common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT,
				LatInt: degE7(lat), LonInt: degE7(lon), Alt: float32(tgt.Alt - testHome.Alt),
				TypeMask: common.POSITION_TARGET_TYPEMASK_VX_IGNORE | common.POSITION_TARGET_TYPEMASK_VY_IGNORE | common.POSITION_TARGET_TYPEMASK_VZ_IGNORE,
			})
		}
		start := f.Now()
		wait(t, f, 30*time.Second, "the order flown", func(s Snapshot) bool { return s.Time.Sub(start) > 30*time.Second })
	}
	endMonitor()
	<-monitorDone
	mu.Lock()
	defer mu.Unlock()
	if worst > L+1e-6 { // taut is allowed, stretched is not
		t.Fatalf("tether stretched to %.2f m of %.0f m", worst, L)
	}
	if denied == 0 {
		t.Fatal("no order was out of reach: the test proves nothing")
	}
	refused := false
	for _, s := range texts() {
		if strings.HasPrefix(s, "Tether:") {
			refused = true
		}
	}
	if !refused {
		t.Fatalf("no STATUSTEXT gave the reason; got %q", texts())
	}
	// the takeoff and a mission are checked too
	mustDenyMission(t, f, g, 5, gs, L)
}

// mustDenyMission uploads a mission with a waypoint beyond the tether and
// expects MAV_MISSION_DENIED.
func mustDenyMission(t *testing.T, f *Fleet, g *testGCS, id uint8, gs LatLonAlt, L float64) {
	t.Helper()
	lat, lon := offset(gs.Lat, gs.Lon, 2*L, 0)
	items := []common.MessageMissionItemInt{
		{Command: common.MAV_CMD_NAV_WAYPOINT, Frame: common.MAV_FRAME_GLOBAL_INT},
		{Command: common.MAV_CMD_NAV_WAYPOINT, Frame: common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT, X: degE7(lat), Y: degE7(lon), Z: 30},
	}
	res := g.upload(t, id, common.MAV_MISSION_TYPE_MISSION, items)
	if res != common.MAV_MISSION_DENIED {
		t.Fatalf("mission beyond the tether: %v", res)
	}
}
