package fleet

import (
	"context"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/aerocell/aerocell/clock"
	"github.com/aerocell/aerocell/mavlink"
	"github.com/aerocell/aerocell/sim"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// slope is ground rising evenly to the east: h0 metres at lon0, grade
// metres per metre east of it.
type slope struct{ lat0, lon0, h0, grade float64 }

func (s slope) ElevationM(lon, lat float64) (float64, error) {
	return s.h0 + s.grade*(lon-s.lon0)*111_320*cosDeg(s.lat0), nil
}

// The station 3 km east of home, 150 m up a 5% slope.
var (
	slopeHome    = sim.LatLonAlt{Lat: 44.0, Lon: 10.0}
	slopeStation = sim.LatLonAlt{Lat: 44.0, Lon: 10.0 + 3000/(111_320*cosDeg(44.0))}
	slopeGround  = slope{lat0: 44.0, lon0: 10.0, h0: 300, grade: 0.05}
)

// aglSample is the simulated drone's height above the slope at a fraction
// of its way east from home to the station, and the ground there.
type aglSample struct{ frac, agl, ground float64 }

// flySlope deploys one heavy to a station up the slope, with the link
// answering the autopilot's terrain requests from the DEM or not, and
// returns the station (its height above the ground, the ground under it),
// the drone's heights above the ground on its way, and its height above
// the ground on station.
func flySlope(t *testing.T, answerTerrain bool) (aglSample, []aglSample, float64) {
	o := rigOptions{speed: 40, drones: []sim.DroneConfig{{SysID: 1, Profile: sim.ProfileHeavy, Home: slopeHome}},
		cfg:    Config{Terrain: slopeGround, FenceMarginM: 5000},
		simCfg: func(c *sim.Config) { c.Terrain = slopeGround }}
	if answerTerrain {
		o.linkTerrain = slopeGround
	}
	r := newRig(t, o)
	r.waitFor("the drone heard, located", 30*time.Second, func(s Snapshot) bool { return s.Located() == 1 })
	if answerTerrain {
		// the simulator thins its streams under speed-up: TERRAIN_REPORT
		// comes every few tens of virtual seconds
		r.waitFor("the autopilot's terrain loaded", 5*time.Minute, func(s Snapshot) bool {
			tr := r.link.Vehicles()[0].Terrain
			return tr.Set && tr.Spacing > 0 && tr.Pending == 0
		})
	}
	var mu sync.Mutex
	var way []aglSample
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		span := slopeStation.Lon - slopeHome.Lon
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
			s := r.fleet.Drone(1).State()
			g, _ := slopeGround.ElevationM(s.Lon, s.Lat)
			if s.Armed {
				mu.Lock()
				way = append(way, aglSample{(s.Lon - slopeHome.Lon) / span, s.AltMSL - g, g})
				mu.Unlock()
			}
		}
	}()
	if _, err := r.ctl.CreateIncident(context.Background(), IncidentSpec{Name: "slope", Area: square(slopeStation.Lat, slopeStation.Lon, 0.4)}); err != nil {
		t.Fatal(err)
	}
	if err := r.ctl.Deploy(context.Background()); err != nil {
		t.Fatal(err)
	}
	snap := r.waitFor("incident holding", 30*time.Minute, func(s Snapshot) bool {
		return s.Incident != nil && s.Incident.State == IncidentHolding
	})
	r.clk.Sleep(20 * time.Second) // holding
	close(stop)
	<-done
	s := r.fleet.Drone(1).State()
	g, _ := slopeGround.ElevationM(s.Lon, s.Lat)
	mu.Lock()
	defer mu.Unlock()
	st := snap.Plan.Stations[0]
	gst, _ := slopeGround.ElevationM(st.Lon, st.Lat)
	return aglSample{agl: st.AltM, ground: gst}, way, s.AltMSL - g
}

// The drone's autopilot holds terrain data (the link answered its
// TERRAIN_REQUEST): its station is sent in MAV_FRAME_GLOBAL_TERRAIN_ALT_INT,
// and the autopilot keeps the station's height above the ground on the way
// up the slope as on station. Without terrain data (the link does not
// answer) the station goes relative to home, as before: the drone flies
// level at the station's altitude, high above the ground below it, and
// holds the same height above the ground on station.
func TestTerrainFrameStation(t *testing.T) {
	for _, answer := range []bool{true, false} {
		name := map[bool]string{true: "terrain frame", false: "relative to home"}[answer]
		t.Run(name, func(t *testing.T) {
			st, way, onStation := flySlope(t, answer)
			// off: how far the drone is from the height it should keep
			// above the ground on the way: the station's in the terrain
			// frame; level at the station's altitude relative to home
			lo, hi, n := math.Inf(1), math.Inf(-1), 0
			for _, s := range way {
				// the drone has come down from its takeoff height over
				// home (terrain frame), short of the station's area
				if s.frac < 0.6 || s.frac > 0.85 {
					continue
				}
				want := st.agl
				if !answer {
					want += st.ground - s.ground
				}
				lo, hi, n = math.Min(lo, s.agl-want), math.Max(hi, s.agl-want), n+1
			}
			t.Logf("%s: station %.0f m above the ground at %.0f m; on the way %+.1f to %+.1f m off (%d samples); on station %.1f m above the ground",
				name, st.agl, st.ground, lo, hi, n, onStation)
			if n < 10 {
				t.Fatalf("%d samples on the way", n)
			}
			if math.Abs(onStation-st.agl) > 5 {
				t.Errorf("holding %.1f m above the ground, station at %.0f m", onStation, st.agl)
			}
			if lo < -8 || hi > 8 {
				t.Errorf("%.1f to %+.1f m off the height to keep on the way", lo, hi)
			}
		})
	}
}

// terrainFake is the instant fake link with the terrain frame.
type terrainFake struct{ *fakeMAVLink }

func (terrainFake) GoToTerrain(context.Context, mavlink.VehicleID, float64, float64, float64) error {
	return nil
}

// When a station goes in the terrain frame, and when it stays relative to
// home: each condition of stationTerrainAGL on its own.
func TestStationTerrainFrameRules(t *testing.T) {
	clk := clock.NewManual(epoch)
	l := &loop{cfg: &Config{Terrain: slopeGround, MAVLink: terrainFake{newFakeRadio(0, 44, 10, 1)}}, clk: clk}
	heavy := func() *drone {
		d := &drone{id: 1, profile: BuiltinProfiles()[sim.ProfileHeavy], rec: &droneRecord{}}
		d.tel.Lat, d.tel.Lon = slopeHome.Lat, slopeHome.Lon
		d.tel.HomeSet, d.tel.HomeAlt = true, 300
		d.tel.Armed, d.tel.LandedState, d.tel.AltRel, d.tel.AltMSL = true, common.MAV_LANDED_STATE_IN_AIR, 300, 600
		d.tel.Terrain = mavlink.TerrainReport{Set: true, Spacing: 100, Loaded: 56}
		return d
	}
	st := &Station{Lat: slopeStation.Lat, Lon: slopeStation.Lon, AltM: 120}
	at := func(d *drone, st *Station) [3]float64 { return [3]float64{st.Lat, st.Lon, l.targetAlt(d, st)} }
	d := heavy()
	if got := l.stationTerrainAGL(d, st, at(d, st), l.targetAlt(d, st)); got != 120 {
		t.Fatalf("terrain frame: %v m, want 120", got)
	}
	for name, edit := range map[string]func(d *drone, st *Station, target *[3]float64){
		"no report":             func(d *drone, _ *Station, _ *[3]float64) { d.tel.Terrain = mavlink.TerrainReport{} },
		"no terrain under it":   func(d *drone, _ *Station, _ *[3]float64) { d.tel.Terrain.Spacing = 0 },
		"blocks pending":        func(d *drone, _ *Station, _ *[3]float64) { d.tel.Terrain.Pending = 3 },
		"climbing over ridge":   func(d *drone, _ *Station, tg *[3]float64) { tg[0], tg[1] = d.tel.Lat, d.tel.Lon },
		"tethered":              func(d *drone, _ *Station, _ *[3]float64) { d.profile = BuiltinProfiles()[sim.ProfileTethered] },
		"failed a minute ago":   func(d *drone, _ *Station, _ *[3]float64) { d.noTerrainUntil = clk.Now().Add(time.Second) },
		"above the ceiling":     func(_ *drone, st *Station, _ *[3]float64) { st.AltM = 360 }, // 150 m of slope + 360 > 500
		"link without it":       func(*drone, *Station, *[3]float64) { l.cfg.MAVLink = newFakeRadio(0, 44, 10, 1) },
		"controller has no DEM": func(*drone, *Station, *[3]float64) { l.cfg.Terrain = nil },
	} {
		d, st2 := heavy(), *st
		mav, dem := l.cfg.MAVLink, l.cfg.Terrain
		target := at(d, &st2)
		alt := target[2]
		edit(d, &st2, &target)
		if st2.AltM != st.AltM {
			target = at(d, &st2)
			alt = target[2]
		}
		if got := l.stationTerrainAGL(d, &st2, target, alt); !math.IsNaN(got) {
			t.Errorf("%s: sent in the terrain frame at %v m", name, got)
		}
		l.cfg.MAVLink, l.cfg.Terrain = mav, dem
	}
	// on station: the height the autopilot reports above its terrain
	d.gotoTerrain = true
	d.tel.Terrain.AboveM = 117
	if off := l.stationHeightOff(d, st); off != 3 {
		t.Fatalf("terrain frame: %v m off the station's height, want 3", off)
	}
	d.gotoTerrain = false
	if off := l.stationHeightOff(d, st); math.Abs(off-(300-(450-300+120))) > 1e-6 {
		t.Fatalf("relative to home: %v m off", off)
	}
}
