package sim

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/aerocell/aerocell/dem"
)

// notchFloor is on the floor of the Saco valley below Crawford Notch (about
// 320 m); notchRidge, 3 km west, is on the slope of the ridge beside it
// (about 1,000 m). Both are on the test tile.
var (
	notchFloor = LatLonAlt{Lat: 44.13, Lon: -71.36}
	notchRidge = LatLonAlt{Lat: 44.13, Lon: -71.395}
)

func openDEM(t *testing.T) *dem.Dir {
	t.Helper()
	d, err := dem.Open("../dem/testdata", dem.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func elevation(t *testing.T, d *dem.Dir, p LatLonAlt) float64 {
	t.Helper()
	h, err := d.ElevationM(p.Lon, p.Lat)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// Over a DEM the drone stands on the ground under it, whatever the
// configuration says of its altitude; off the DEM it does not start.
func TestTerrainHomeFromDEM(t *testing.T) {
	d := openDEM(t)
	f, _ := startFleet(t, Config{Clock: scaled(t, 10), Terrain: d,
		Drones: []DroneConfig{{SysID: 1, Profile: ProfileHeavy, Home: LatLonAlt{notchFloor.Lat, notchFloor.Lon, 5000}}}})
	s := f.Drone(1).State()
	want := elevation(t, d, notchFloor)
	if math.Abs(s.Home.Alt-want) > 0.01 || math.Abs(s.AltMSL-want) > 0.01 || want < 250 || want > 400 {
		t.Fatalf("home at %.1f m, drone at %.1f m, the DEM says %.1f", s.Home.Alt, s.AltMSL, want)
	}
	_, err := Start(context.Background(), Config{Terrain: d, Endpoints: f.cfg.Endpoints,
		Drones: []DroneConfig{{SysID: 2, Home: LatLonAlt{Lat: 10, Lon: 10}}}})
	if err == nil || !strings.Contains(err.Error(), "Drones[0].Home") {
		t.Fatalf("a drone off the DEM started: %v", err)
	}
}

// A copter flown at 40 m above its home on the valley floor towards the
// ridge meets the slope: ArduPilot's crash check disarms it, says
// "Crash: Disarming" and its heartbeat reports an emergency.
func TestTerrainSlopeCrash(t *testing.T) {
	d := openDEM(t)
	f, g := startFleet(t, Config{Clock: scaled(t, 20), Terrain: d,
		Drones: []DroneConfig{{SysID: 1, Profile: ProfileHeavy, Home: notchFloor}}})
	texts, stop := g.statustexts(1)
	defer stop()
	flyUp(t, f, g, 1, 40)
	ctx := ctxT(t, 60*time.Second)
	res, err := g.command(ctx, 1, common.MAV_CMD_DO_REPOSITION, -1, 0, 0, 0, float32(notchRidge.Lat), float32(notchRidge.Lon), 40)
	mustResult(t, "reposition", res, err, common.MAV_RESULT_ACCEPTED)
	s := wait(t, f, 60*time.Second, "the crash", func(s Snapshot) bool { return !s.Drones[1].Armed }).Drones[1]
	ground := elevation(t, d, LatLonAlt{Lat: s.Lat, Lon: s.Lon})
	if s.Failsafe != "crash" || math.Abs(s.AltMSL-ground) > 0.5 || s.AltMSL < s.Home.Alt+40 {
		t.Fatalf("stopped at %.1f m AMSL over ground at %.1f (home %.1f), failsafe %q", s.AltMSL, ground, s.Home.Alt, s.Failsafe)
	}
	if n, e := northEast(s.Lat, s.Lon, notchRidge.Lat, notchRidge.Lon); math.Hypot(n, e) < 50 {
		t.Fatalf("reached the target on the ridge: no slope in the way?")
	}
	if _, err := g.waitMsg(ctx, 1, func(m message.Message) bool {
		hb, ok := m.(*common.MessageHeartbeat)
		return ok && hb.SystemStatus == common.MAV_STATE_EMERGENCY && hb.BaseMode&common.MAV_MODE_FLAG_SAFETY_ARMED == 0
	}); err != nil {
		t.Fatalf("no emergency heartbeat: %v", err)
	}
	waitCond(t, "the crash message", func() bool {
		for _, x := range texts() {
			if strings.HasPrefix(x, "Crash: ") {
				return true
			}
		}
		return false
	})
}

// The simulated autopilot asks for the grid around it as AP_Terrain does,
// keeps the blocks a ground station answers with and reports the ground
// under it from them: here the ground station is a plain gomavlib node
// answering from the DEM.
func TestTerrainRequestedAndReported(t *testing.T) {
	d := openDEM(t)
	f, g := startFleet(t, Config{Clock: scaled(t, 10), Terrain: d,
		Drones: []DroneConfig{{SysID: 1, Profile: ProfileHeavy, Home: notchFloor}}})
	ctx := ctxT(t, 60*time.Second)
	m, err := g.waitMsg(ctx, 1, func(m message.Message) bool { _, ok := m.(*common.MessageTerrainRequest); return ok })
	if err != nil {
		t.Fatalf("no TERRAIN_REQUEST: %v", err)
	}
	req := m.(*common.MessageTerrainRequest)
	lat0, lon0 := float64(req.Lat)/1e7, float64(req.Lon)/1e7
	n, e := northEast(lat0, lon0, notchFloor.Lat, notchFloor.Lon)
	if req.GridSpacing != 100 || req.Mask != 1<<56-1 || n < 0 || e < 0 || n > 2800 || e > 3200 {
		t.Fatalf("request %+v: the drone is %.0f m north, %.0f m east of its corner", req, n, e)
	}
	answerTerrain(t, g, d, req)
	m, err = g.waitMsg(ctx, 1, func(m message.Message) bool {
		r, ok := m.(*common.MessageTerrainReport)
		return ok && r.Pending == 0 && r.Spacing == 100
	})
	if err != nil {
		t.Fatalf("no complete TERRAIN_REPORT: %v", err)
	}
	r := m.(*common.MessageTerrainReport)
	s := f.Drone(1).State()
	// the grid is 100 m, the DEM 30 m: on the valley floor they agree
	// within a few metres
	if math.Abs(float64(r.TerrainHeight)-s.Home.Alt) > 15 || r.Loaded != 56 || math.Abs(float64(r.CurrentHeight)) > 15 {
		t.Fatalf("report %+v, ground %.1f", r, s.Home.Alt)
	}
}

// answerTerrain sends the blocks of a TERRAIN_REQUEST's grid from the DEM.
func answerTerrain(t *testing.T, g *testGCS, d Terrain, req *common.MessageTerrainRequest) {
	lat0, lon0 := float64(req.Lat)/1e7, float64(req.Lon)/1e7
	for bit := range 56 {
		if req.Mask&(1<<bit) == 0 {
			continue
		}
		data := &common.MessageTerrainData{Lat: req.Lat, Lon: req.Lon, GridSpacing: req.GridSpacing, Gridbit: uint8(bit)}
		for k := range 16 {
			sp := float64(req.GridSpacing)
			lat, lon := terrainOffset(lat0, lon0, sp*float64(4*(bit/8)+k/4), sp*float64(4*(bit%8)+k%4))
			h, err := d.ElevationM(lon, lat)
			if err != nil {
				t.Error(err)
				return
			}
			data.Data[k] = int16(math.Round(h))
		}
		g.send(data)
	}
}

// serveTerrain answers every TERRAIN_REQUEST from the DEM, as the
// station's terrain server does, until the test ends.
func serveTerrain(t *testing.T, g *testGCS, d Terrain) {
	ch, stop := g.subscribe()
	done := make(chan struct{})
	quit := make(chan struct{})
	t.Cleanup(func() { close(quit); <-done; stop() })
	go func() {
		defer close(done)
		for {
			select {
			case fr := <-ch:
				if req, ok := fr.Message().(*common.MessageTerrainRequest); ok {
					answerTerrain(t, g, d, req)
				}
			case <-quit:
				return
			}
		}
	}()
}

// A terrain-frame order (MAV_FRAME_GLOBAL_TERRAIN_ALT_INT) is flown as
// ArduPilot flies it: without terrain data where the drone is, DO_REPOSITION
// fails and SET_POSITION_TARGET_GLOBAL_INT is ignored, and the drone stays;
// with it, the drone keeps the ordered height above the ground on the way
// up the slope that the same order relative to home flies into
// (TestTerrainSlopeCrash), slowing where the slope outclimbs it, and holds
// it at the target.
func TestTerrainFrameFollowsSlope(t *testing.T) {
	d := openDEM(t)
	clk := scaled(t, 20)
	f, g := startFleet(t, Config{Clock: clk, Terrain: d,
		Drones: []DroneConfig{{SysID: 1, Profile: ProfileHeavy, Home: notchFloor}}})
	distance := func(lat0, lon0, lat1, lon1 float64) float64 { return math.Hypot(northEast(lat0, lon0, lat1, lon1)) }
	flyUp(t, f, g, 1, 40)
	ctx := ctxT(t, 60*time.Second)
	reposition := func() (common.MAV_RESULT, error) {
		return g.await(ctx, 1, common.MAV_CMD_DO_REPOSITION, &common.MessageCommandInt{TargetSystem: 1, TargetComponent: 1,
			Frame: common.MAV_FRAME_GLOBAL_TERRAIN_ALT_INT, Command: common.MAV_CMD_DO_REPOSITION,
			Param1: -1, Param4: float32(math.NaN()), X: degE7(notchRidge.Lat), Y: degE7(notchRidge.Lon), Z: 40})
	}
	res, err := reposition()
	mustResult(t, "reposition without terrain data", res, err, common.MAV_RESULT_FAILED)
	g.send(&common.MessageSetPositionTargetGlobalInt{TargetSystem: 1, TargetComponent: 1,
		CoordinateFrame: common.MAV_FRAME_GLOBAL_TERRAIN_ALT_INT, TypeMask: 0xff8,
		LatInt: degE7(notchRidge.Lat), LonInt: degE7(notchRidge.Lon), Alt: 40})
	clk.Sleep(10 * time.Second)
	if s := f.Drone(1).State(); distance(s.Lat, s.Lon, notchFloor.Lat, notchFloor.Lon) > 20 || math.Abs(s.AltRel-40) > 2 {
		t.Fatalf("moved without terrain data: %.0f m away, %.1f m up", distance(s.Lat, s.Lon, notchFloor.Lat, notchFloor.Lon), s.AltRel)
	}
	serveTerrain(t, g, d)
	if _, err := g.waitMsg(ctx, 1, func(m message.Message) bool {
		r, ok := m.(*common.MessageTerrainReport)
		return ok && r.Pending == 0 && r.Spacing == 100
	}); err != nil {
		t.Fatalf("no terrain loaded: %v", err)
	}
	res, err = reposition()
	mustResult(t, "reposition with terrain data", res, err, common.MAV_RESULT_ACCEPTED)
	lowest, highest := math.Inf(1), math.Inf(-1)
	s := wait(t, f, 10*time.Minute, "the target on the slope", func(s Snapshot) bool {
		st := s.Drones[1]
		if !st.Armed {
			return true // crashed
		}
		agl := st.AltMSL - elevation(t, d, LatLonAlt{Lat: st.Lat, Lon: st.Lon})
		lowest, highest = math.Min(lowest, agl), math.Max(highest, agl)
		return distance(st.Lat, st.Lon, notchRidge.Lat, notchRidge.Lon) < 3 && math.Abs(st.VD) < 0.2
	}).Drones[1]
	agl := s.AltMSL - elevation(t, d, LatLonAlt{Lat: s.Lat, Lon: s.Lon})
	t.Logf("on the way %.1f to %.1f m above the DEM; at the target %.1f m (%.0f m above home)", lowest, highest, agl, s.AltRel)
	// the autopilot's grid is 100 m, the DEM 30 m: they differ by metres
	// on a slope of up to 57%, where the drone also falls behind by up to
	// the terrain margin (10 m) before it stops to climb
	if !s.Armed || s.Failsafe != "" || lowest < 15 || highest > 60 || math.Abs(agl-40) > 10 {
		t.Fatalf("armed %v failsafe %q: %.1f to %.1f m above the ground on the way, %.1f at the target", s.Armed, s.Failsafe, lowest, highest, agl)
	}
}

func waitCond(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// FuzzTerrainData: whatever TERRAIN_DATA or TERRAIN_CHECK a ground station
// sends, the simulated autopilot keeps only blocks of the grid it asked
// for, never panics, and reports pending and loaded blocks that add up.
func FuzzTerrainData(f *testing.F) {
	f.Add(int32(0), int32(0), uint16(100), uint8(0), int16(300), int32(441300000), int32(-713600000))
	f.Add(int32(0), int32(0), uint16(100), uint8(55), int16(-32768), int32(900000001), int32(0))
	f.Add(int32(1), int32(-1), uint16(0), uint8(255), int16(32767), int32(-2147483648), int32(2147483647))
	d, err := dem.Open("../dem/testdata", dem.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, dlat, dlon int32, spacing uint16, bit uint8, h int16, clat, clon int32) {
		fl := &Fleet{cfg: Config{Terrain: d}, speed: 1}
		fl.now = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		profs := BuiltinProfiles()
		v := newVehicle(fl, DroneConfig{SysID: 1, Home: LatLonAlt{Lat: 44.13, Lon: -71.36, Alt: 319}}, &profs[1], 1, 1, fl.now)
		fl.vehicles = []*vehicle{v}
		v.terrainTick(fl.now) // asks for its grid
		g := v.terrain
		if g == nil {
			t.Fatal("no grid asked for")
		}
		m := &common.MessageTerrainData{Lat: g.latE7 + dlat%2, Lon: g.lonE7 + dlon%2, GridSpacing: spacing, Gridbit: bit}
		for k := range m.Data {
			m.Data[k] = h
		}
		v.receive(m, 255, 190)
		wanted := m.Lat == g.latE7 && m.Lon == g.lonE7 && spacing == terrainSpacing && bit < 56
		if (g.loaded != 0) != wanted {
			t.Fatalf("block %+v kept %v for grid %d,%d", m, g.loaded != 0, g.latE7, g.lonE7)
		}
		r := v.terrainReport(float64(clat)/1e7, float64(clon)/1e7)
		if int(r.Pending)+int(r.Loaded) != 56 {
			t.Fatalf("report %+v", r)
		}
		if r.Spacing != 0 && (float64(r.TerrainHeight) < math.MinInt16 || float64(r.TerrainHeight) > math.MaxInt16) {
			t.Fatalf("report %+v", r)
		}
	})
}
