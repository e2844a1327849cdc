package fleet

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/aerocell/aerocell/sim"
	"github.com/aerocell/aerocell/task"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// TestFireOverTerrain: over a DEM a fire on a hillside 150 m above home
// (slopeGround, 3 km east) is accepted and sprayed SprayAltM above the
// ground there (ground + 10 - home, relative to home), the transit above
// the slope by the clearance; a fire whose passes cross a 400 m wall is
// refused naming the ridge; without the DEM's ground the task is refused.
func TestFireOverTerrain(t *testing.T) {
	d := &drone{id: 4, profile: BuiltinProfiles()[sim.ProfileHeavy], rec: &droneRecord{}, heard: true}
	d.tel.Lat, d.tel.Lon, d.tel.AltMSL, d.tel.BatteryPct = slopeHome.Lat, slopeHome.Lon, 300, 100 // on the ground at home
	d.tel.LandedState = common.MAV_LANDED_STATE_ON_GROUND
	at := task.LonLat{slopeStation.Lon, slopeStation.Lat}
	fire := &task.Task{ID: "task-1", Request: task.Request{Kind: task.Fire, Deadline: time.Hour, Point: &at, Litres: 5}}
	l := &loop{cfg: &Config{Terrain: slopeGround}}
	f, err := l.planFlight(d, fire)
	if err != nil {
		t.Fatalf("a fire 150 m up the slope: %v", err)
	}
	g, _ := slopeGround.ElevationM(at[0], at[1])
	if g-300 < 150 {
		t.Fatalf("the fire is %v m above home", g-300)
	}
	sprayed := false
	for i, it := range f.items {
		if it.Command != common.MAV_CMD_NAV_LOITER_TIME {
			continue
		}
		sprayed = true
		if want := g + task.SprayAltM - 300; math.Abs(float64(it.Alt)-want) > 0.01 || it.Lat != at[1] || it.Lon != at[0] {
			t.Fatalf("item %d sprays at %v m above home at %v,%v, want %v m over the fire", i, it.Alt, it.Lat, it.Lon, want)
		}
	}
	if !sprayed {
		t.Fatalf("no spray item in %+v", f.items)
	}
	air := d.profile.Air
	if want := math.Ceil(g + air.TerrainClearanceM - 300 + cruiseMarginM); float64(f.items[1].Alt) != want {
		t.Fatalf("the transit at %v m above home, want %v m", f.items[1].Alt, want)
	}

	// passes east-west across a wall 400 m high (the ground at 100 m,
	// home too): each pass would fly into it.
	d.tel.Lat, d.tel.Lon, d.tel.AltMSL = 45, 10, 100
	l.cfg.Terrain = wall{lonW: 10.010, lonE: 10.011, height: 400}
	dLat := 20 / 111_320.0
	poly := []task.LonLat{{10.009, 45 - dLat}, {10.012, 45 - dLat}, {10.012, 45 + dLat}, {10.009, 45 + dLat}}
	across := &task.Task{ID: "task-2", Request: task.Request{Kind: task.Fire, Deadline: time.Hour, Polygon: poly, Litres: 20}}
	_, err = l.planFlight(d, across)
	if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "ridge at 45.0") || !strings.Contains(err.Error(), ",10.01") ||
		!strings.Contains(err.Error(), "ground 400 m") || !strings.Contains(err.Error(), "below its top") {
		t.Fatalf("passes across the wall: %v", err)
	}
	t.Logf("refused: %v", err)
	// the same polygon west of the wall: flown
	for i := range poly {
		poly[i][0] -= 0.005
	}
	if _, err := l.planFlight(d, across); err != nil {
		t.Fatalf("passes beside the wall: %v", err)
	}
	// a fire off the DEM: refused, never guessed
	off := task.LonLat{10, 85}
	if _, err := l.planFlight(d, &task.Task{ID: "task-3", Request: task.Request{Kind: task.Fire, Deadline: time.Hour, Point: &off, Litres: 20}}); err == nil ||
		!strings.Contains(err.Error(), "no terrain") {
		t.Fatalf("a fire off the DEM: %v", err)
	}
}

// TestFireFlownOverSlope: end to end over slopeGround (the simulator's
// ground and the controller's DEM), a fire 150 m up the slope is flown as
// a mission and sprayed about SprayAltM above the ground there, and the
// drone comes home without a crash.
func TestFireFlownOverSlope(t *testing.T) {
	r := newRig(t, rigOptions{speed: 40, drones: []sim.DroneConfig{{SysID: 1, Profile: sim.ProfileHeavy, Home: slopeHome}},
		cfg:    Config{Terrain: slopeGround},
		simCfg: func(c *sim.Config) { c.Terrain = slopeGround }})
	r.waitFor("the drone heard, located", 30*time.Second, func(s Snapshot) bool { return s.Located() == 1 })
	at := task.LonLat{slopeStation.Lon, slopeStation.Lat}
	fire, err := r.ctl.RequestTask(context.Background(), task.Request{Kind: task.Fire, Deadline: 30 * time.Minute, Point: &at, Litres: 5})
	if err != nil || fire.Status != task.Assigned {
		t.Fatalf("a fire 150 m up the slope: %+v %v", fire, err)
	}
	s := r.waitFor("the fire done", 30*time.Minute, func(s Snapshot) bool { return taskOf(s, fire.ID).Status.Final() })
	if got := taskOf(s, fire.ID); got.Status != task.Done {
		t.Fatalf("the fire ended %+v", got)
	}
	litres := 0.0
	for _, sp := range r.fleet.JobLog().Sprays {
		litres += sp.Litres
		g, _ := slopeGround.ElevationM(sp.Pos.Lon, sp.Pos.Lat)
		if agl := sp.Pos.Alt - g; math.Abs(agl-task.SprayAltM) > 3 || distanceM(sp.Pos.Lat, sp.Pos.Lon, at[1], at[0]) > 10 {
			t.Fatalf("sprayed %.1f m above the ground, %.0f m from the fire", agl, distanceM(sp.Pos.Lat, sp.Pos.Lon, at[1], at[0]))
		}
	}
	if litres < 4.5 {
		t.Fatalf("%.1f L sprayed of 5", litres)
	}
	r.waitFor("the drone home, down", 20*time.Minute, func(s Snapshot) bool {
		return len(s.Drones) == 1 && !s.Drones[0].Armed && s.Drones[0].State == DroneIdle
	})
	if sd := r.fleet.Drone(1).State(); sd.Failsafe == "crash" {
		t.Fatalf("the simulated drone crashed: %+v", sd)
	}
}
