package mavlink

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/aerocell/aerocell/dem"
	"github.com/aerocell/aerocell/internal/closetest"
	"github.com/aerocell/aerocell/sim"
	"github.com/bluenviron/gomavlib/v3"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// notch is a point on the floor of Crawford Notch, inside the test tile.
var notch = LatLon{Lat: 44.2, Lon: -71.4}

func openDEM(t testing.TB) *dem.Dir {
	t.Helper()
	d, err := dem.Open("../dem/testdata", dem.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// terrainPair is a station serving the test tile and one fake vehicle over
// real UDP.
func terrainPair(t *testing.T, rate float64) (*Station, *fakeVehicle, *dem.Dir) {
	t.Helper()
	d := openDEM(t)
	clk := scaled(t)
	s, addr := openStation(t, clk, func(c *Config) { c.Terrain, c.TerrainRate, c.StreamRate = d, rate, -1 })
	f := newFake(t, clk, addr, VehicleID{7, 1}, fakeOpts{home: notch})
	waitVehicles(t, s, 1)
	return s, f, d
}

func (f *fakeVehicle) send(m any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch m := m.(type) {
	case *common.MessageTerrainRequest:
		f.write(m)
	case *common.MessageTerrainCheck:
		f.write(m)
	case *common.MessageTerrainReport:
		f.write(m)
	}
}

func (f *fakeVehicle) terrain() ([]*common.MessageTerrainData, []*common.MessageTerrainReport) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*common.MessageTerrainData(nil), f.terrainData...),
		append([]*common.MessageTerrainReport(nil), f.terrainReports...)
}

func TestTerrainOffsetIsMetres(t *testing.T) {
	lat, lon := TerrainOffset(notch.Lat, notch.Lon, 400, 1200)
	const r = 6371008.8
	rad := math.Pi / 180
	n := (lat - notch.Lat) * rad * r
	e := (lon - notch.Lon) * rad * r * math.Cos((lat+notch.Lat)/2*rad)
	if math.Abs(n-400) > 2 || math.Abs(e-1200) > 6 {
		t.Fatalf("offset 400 m north, 1200 m east gave %.1f m north, %.1f m east", n, e)
	}
	// bit 11 is the fourth block east on the second row: its first point is
	// 4 spacings north and 12 east of the corner
	bl, bo := TerrainBlockPoint(notch.Lat, notch.Lon, 100, 11, 0, 0)
	if bl != lat || bo != lon {
		t.Fatalf("block 11 starts at %v,%v, want %v,%v", bl, bo, lat, lon)
	}
}

// A vehicle's request for a whole grid is answered with its 56 blocks, each
// point the DEM's height there, in the layout ArduPilot reads.
func TestTerrainRequestAnsweredOverUDP(t *testing.T) {
	s, f, d := terrainPair(t, 200)
	req := &common.MessageTerrainRequest{Lat: int32(notch.Lat * 1e7), Lon: int32(notch.Lon * 1e7),
		GridSpacing: 100, Mask: 1<<56 - 1}
	f.send(req)
	waitFor(t, "56 blocks", 20*time.Second, func() bool { got, _ := f.terrain(); return len(got) >= 56 })
	got, _ := f.terrain()
	seen := map[uint8]bool{}
	for _, b := range got {
		if b.Lat != req.Lat || b.Lon != req.Lon || b.GridSpacing != 100 || b.Gridbit >= 56 {
			t.Fatalf("block for another grid: %+v", b)
		}
		seen[b.Gridbit] = true
		for k, h := range b.Data {
			lat, lon := TerrainBlockPoint(notch.Lat, notch.Lon, 100, int(b.Gridbit), k/4, k%4)
			want, err := d.ElevationM(lon, lat)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(float64(h)-want) > 0.5 {
				t.Fatalf("block %d point %d: %d m, DEM says %.1f", b.Gridbit, k, h, want)
			}
		}
	}
	if len(seen) != 56 {
		t.Fatalf("%d distinct blocks, want 56", len(seen))
	}
	// the corner of block 0 is the request's corner, on the valley floor
	// (the notch's floor is 400-600 m; the ridges around it reach 1,200 m)
	if h := got[0].Data[0]; got[0].Gridbit == 0 && (h < 300 || h > 900) {
		t.Fatalf("corner at %d m", h)
	}
	if st := s.Stats(); st.TerrainBlocks != 56 || st.TerrainRefused != 0 {
		t.Fatalf("stats: %d blocks, %d refused", st.TerrainBlocks, st.TerrainRefused)
	}
}

// A storm of requests (a vehicle asking for a new grid hundreds of times)
// never sends faster than the rate: each newer request replaces the work
// owed, and the last one is served in full.
func TestTerrainStormIsRateLimited(t *testing.T) {
	const rate = 20.0
	s, f, _ := terrainPair(t, rate)
	start := s.clk.Now()
	var last *common.MessageTerrainRequest
	for i := range 300 {
		last = &common.MessageTerrainRequest{Lat: int32((notch.Lat + float64(i)*1e-4) * 1e7),
			Lon: int32(notch.Lon * 1e7), GridSpacing: 30, Mask: 1<<56 - 1}
		f.send(last)
		// 300 requests in 0.6 s of wall time, still a storm against 20
		// answers a second; a burst of 300 datagrams at once overflows the
		// loopback socket's buffer and the last request, whose grid the
		// test waits for, can be the one dropped.
		time.Sleep(2 * time.Millisecond)
	}
	waitFor(t, "the last grid", 60*time.Second, func() bool {
		got, _ := f.terrain()
		n := 0
		for _, b := range got {
			if b.Lat == last.Lat {
				n++
			}
		}
		return n == 56
	})
	elapsed := s.clk.Now().Sub(start).Seconds()
	sent := s.Stats().TerrainBlocks
	if limit := uint64(elapsed*rate) + 1; sent > limit {
		t.Fatalf("%d blocks in %.1f s of station time: more than %.0f a second", sent, elapsed, rate)
	}
	if sent >= 300*56/4 {
		t.Fatalf("%d blocks sent for a storm of 300 requests: the older requests were not superseded", sent)
	}
}

// Bad requests are refused and counted, and nothing is sent for them.
func TestTerrainBadRequestRefused(t *testing.T) {
	s, f, _ := terrainPair(t, 200)
	for _, m := range []*common.MessageTerrainRequest{
		{Lat: int32(notch.Lat * 1e7), Lon: int32(notch.Lon * 1e7), GridSpacing: 0, Mask: 1},
		{Lat: 91e7, Lon: 0, GridSpacing: 100, Mask: 1},
		{Lat: 0, Lon: math.MinInt32, GridSpacing: 100, Mask: 1},
		{Lat: int32(notch.Lat * 1e7), Lon: int32(notch.Lon * 1e7), GridSpacing: 100, Mask: 1 << 60},
	} {
		f.send(m)
	}
	waitFor(t, "4 refused", 20*time.Second, func() bool { return s.Stats().TerrainRefused == 4 })
	// then a good one for a grid off the tile: nothing to send either
	f.send(&common.MessageTerrainRequest{Lat: 10e7, Lon: 10e7, GridSpacing: 100, Mask: 1})
	waitFor(t, "the missing block", 20*time.Second, func() bool { return s.Stats().TerrainMissing == 1 })
	if got, _ := f.terrain(); len(got) != 0 || s.Stats().TerrainBlocks != 0 {
		t.Fatalf("%d blocks sent for bad requests", len(got))
	}
}

// TERRAIN_CHECK is answered with the DEM's height and the vehicle's height
// above it; a vehicle's own TERRAIN_REPORT lands in its telemetry.
func TestTerrainCheckAndReport(t *testing.T) {
	s, f, d := terrainPair(t, 200)
	f.send(&common.MessageTerrainCheck{Lat: int32(notch.Lat * 1e7), Lon: int32(notch.Lon * 1e7)})
	waitFor(t, "a report", 20*time.Second, func() bool { _, r := f.terrain(); return len(r) > 0 })
	_, reps := f.terrain()
	want, _ := d.ElevationM(notch.Lon, notch.Lat)
	r := reps[0]
	if r.Spacing == 0 || math.Abs(float64(r.TerrainHeight)-want) > 0.01 {
		t.Fatalf("report %+v, DEM says %.1f", r, want)
	}
	tel, _ := s.Vehicle(f.id)
	if math.Abs(float64(r.CurrentHeight)-(tel.AltMSL-want)) > 5 {
		t.Fatalf("height above terrain %.1f, vehicle at %.1f AMSL over %.1f", r.CurrentHeight, tel.AltMSL, want)
	}

	f.send(&common.MessageTerrainReport{Lat: 442000000, Lon: -714000000, Spacing: 100,
		TerrainHeight: 512.5, CurrentHeight: 87.5, Pending: 3, Loaded: 53})
	waitFor(t, "the vehicle's report", 20*time.Second, func() bool { tel, _ := s.Vehicle(f.id); return tel.Terrain.Set })
	tel, _ = s.Vehicle(f.id)
	if g := tel.Terrain; g.HeightM != 512.5 || g.AboveM != 87.5 || g.Pending != 3 || g.Loaded != 53 || g.Spacing != 100 || g.Lat != 44.2 {
		t.Fatalf("telemetry terrain %+v", g)
	}
}

// The simulated ArduPilot over the test tile asks the station for its
// terrain grid; the station answers from the same DEM over real UDP, and
// the drone's TERRAIN_REPORT, in the station's telemetry, then says the
// whole grid is loaded and gives the ground under it.
func TestTerrainServedToSimulator(t *testing.T) {
	d := openDEM(t)
	clk := scaled(t)
	s, addr := openStation(t, clk, func(c *Config) { c.Terrain, c.TerrainRate = d, 200 })
	f, err := sim.Start(context.Background(), sim.Config{
		Drones:    []sim.DroneConfig{{SysID: 3, Profile: sim.ProfileHeavy, Home: sim.LatLonAlt{Lat: 44.13, Lon: -71.36}}},
		Endpoints: []gomavlib.EndpointConf{gomavlib.EndpointUDPClient{Address: addr}},
		Clock:     clk, Seed: 1, Terrain: d,
	})
	if err != nil {
		t.Fatal(err)
	}
	closetest.AtEnd(t, f)
	id := VehicleID{3, 1}
	waitFor(t, "a complete terrain report", 30*time.Second, func() bool {
		tel, _ := s.Vehicle(id)
		return tel.Terrain.Set && tel.Terrain.Pending == 0 && tel.Terrain.Loaded == 56
	})
	tel, _ := s.Vehicle(id)
	ground := f.Drone(3).State().Home.Alt
	if r := tel.Terrain; r.Spacing != 100 || math.Abs(r.HeightM-ground) > 15 || math.Abs(r.AboveM) > 15 {
		t.Fatalf("terrain %+v, ground %.1f", r, ground)
	}
	if st := s.Stats(); st.TerrainBlocks < 56 || st.TerrainRefused != 0 {
		t.Fatalf("stats %+v", st)
	}
}
