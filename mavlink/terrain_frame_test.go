package mavlink

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/aerocell/aerocell/internal/closetest"
	"github.com/aerocell/aerocell/sim"
	"github.com/bluenviron/gomavlib/v3"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// GoToTerrain sends DO_REPOSITION in MAV_FRAME_GLOBAL_TERRAIN_ALT_INT and,
// to a vehicle without DO_REPOSITION, SET_POSITION_TARGET_GLOBAL_INT in
// the same frame; GoTo stays relative to home.
func TestGoToTerrainFrames(t *testing.T) {
	for _, unsupported := range []bool{false, true} {
		clk := scaled(t)
		s, addr := openStation(t, clk, func(c *Config) { c.StreamRate = -1 })
		o := fakeOpts{home: LatLon{45, 7}}
		if unsupported {
			o.result = map[common.MAV_CMD]common.MAV_RESULT{common.MAV_CMD_DO_REPOSITION: common.MAV_RESULT_UNSUPPORTED}
		}
		f := newFake(t, clk, addr, VehicleID{14, 1}, o)
		waitVehicles(t, s, 1)
		frameOf := func() (common.MAV_FRAME, float64) {
			f.mu.Lock()
			defer f.mu.Unlock()
			return f.frame, f.alt
		}
		if err := s.GoToTerrain(context.Background(), f.id, 45.003, 7.004, 80); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "terrain-frame target", 20*time.Second, func() bool {
			fr, alt := frameOf()
			return fr == common.MAV_FRAME_GLOBAL_TERRAIN_ALT_INT && alt == 80
		})
		if err := s.GoTo(context.Background(), f.id, 45.003, 7.004, 35); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "relative target", 20*time.Second, func() bool {
			fr, alt := frameOf()
			return fr == common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT && alt == 35
		})
	}
}

// slopeDEM is ground rising 5% to the east of lon 11.3426.
type slopeDEM struct{}

func (slopeDEM) ElevationM(lon, lat float64) (float64, error) {
	return 54 + 0.05*(lon-11.3426)*111_320*math.Cos(lat*math.Pi/180), nil
}

// Against the simulator over a DEM: without terrain data (the station does
// not serve it) the autopilot fails a terrain-frame DO_REPOSITION, as
// ArduPilot's set_destination does, and stays where it is; with the
// station serving the DEM it accepts it and holds the height above the
// ground 1.5 km up the slope.
func TestGoToTerrainAgainstSimulator(t *testing.T) {
	for _, serve := range []bool{false, true} {
		clk := scaled(t)
		s, addr := openStation(t, clk, func(c *Config) {
			if serve {
				c.Terrain = slopeDEM{}
			}
		})
		f, err := sim.Start(context.Background(), sim.Config{
			Drones:    []sim.DroneConfig{{SysID: 1, Profile: sim.ProfileHeavy, Home: simHome}},
			Endpoints: []gomavlib.EndpointConf{gomavlib.EndpointUDPClient{Address: addr}},
			Clock:     clk, Seed: 1, Terrain: slopeDEM{},
		})
		if err != nil {
			t.Fatal(err)
		}
		closetest.AtEnd(t, f)
		waitVehicles(t, s, 1)
		id := VehicleID{1, 1}
		ctx := context.Background()
		if err := s.Arm(ctx, id); err != nil {
			t.Fatal(err)
		}
		if err := s.Takeoff(ctx, id, 40); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the climb", 60*time.Second, func() bool { return f.Drone(1).State().AltRel > 38 })
		east := simHome.Lon + 1500/(111_320*math.Cos(simHome.Lat*math.Pi/180))
		if !serve {
			err := s.GoToTerrain(ctx, id, simHome.Lat, east, 60)
			if !errors.Is(err, ErrFailed) {
				t.Fatalf("terrain frame without terrain data: %v", err)
			}
			clk.Sleep(10 * time.Second)
			if st := f.Drone(1).State(); math.Abs(st.Lon-simHome.Lon) > 1e-4 || math.Abs(st.AltRel-40) > 2 {
				t.Fatalf("moved after a failed order: %+v", st)
			}
			continue
		}
		waitFor(t, "the terrain loaded", 60*time.Second, func() bool {
			v, _ := s.Vehicle(id)
			return v.Terrain.Spacing > 0 && v.Terrain.Pending == 0
		})
		if err := s.GoToTerrain(ctx, id, simHome.Lat, east, 60); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "there", 120*time.Second, func() bool {
			st := f.Drone(1).State()
			g, _ := slopeDEM{}.ElevationM(st.Lon, st.Lat)
			return math.Abs(st.Lon-east) < 2e-5 && math.Abs(st.AltMSL-g-60) < 1.5
		})
	}
}
