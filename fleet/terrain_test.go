package fleet

import (
	"math"
	"sync/atomic"
	"testing"

	"github.com/aerocell/aerocell/coverage"
	"github.com/paulmach/orb"
)

// ridgeTerrain is a synthetic terrain: a north-south ridge 200 m high and 2 km
// wide, its crest 2.5 km east of the test base, on flat ground at 0 m;
// it counts the elevations read. 200 m, so that a heavy's station band
// (50-300 m above the ground) stays within its ceiling (500 m above its
// home at 0 m) over the crest: since flight over terrain (heights above
// the ground), a higher ridge puts the flat plan's stations out of reach,
// and the terrain placer leaves such ground out (Available.MaxAMSLM).
type ridgeTerrain struct{ reads atomic.Int64 }

func (r *ridgeTerrain) ElevationM(lon, lat float64) (float64, error) {
	r.reads.Add(1)
	x := (lon-base.Lon)*111_320*cosDeg(base.Lat) - 2500
	return math.Max(0, 200*(1-math.Abs(x)/1000)), nil
}

// TestTerrainPlanAndLiveCoverage deploys four heavy multirotors over a
// 10 km square crossed by a ridge, once on flat earth and once with the
// ridge as Config.Terrain. Over the ridge the plan is placed over the
// terrain (heights in the station band, the ground under each station)
// and covers more of the area, measured over the ridge, than the flat
// plan's stations do; live coverage is measured from the drones' terrain
// footprints (not the flat disks, which claim something else), the
// uncovered polygons have the uncovered area, and holding drones are not
// swept again every tick. (The drones fly the station's height above
// home here: sending it in the terrain's frame is issue 11's item 4.)
func TestTerrainPlanAndLiveCoverage(t *testing.T) {
	const km = 10
	flat := newFakeRig(t, 4, Config{})
	fs := flat.deploy(km)
	rd := &ridgeTerrain{}
	rig := newFakeRig(t, 4, Config{Terrain: rd})
	s := rig.deploy(km)
	if !s.Plan.Terrain || fs.Plan.Terrain {
		t.Fatalf("plan over terrain %v, flat plan %v", s.Plan.Terrain, fs.Plan.Terrain)
	}
	for _, st := range s.Plan.Stations {
		if st.GroundM == nil || st.AltM < 50 || st.AltM > 300 {
			t.Errorf("station %s: ground %v, %.0f m above it (want the 50-300 m band)", st.ID, st.GroundM, st.AltM)
		}
	}
	// The flat plan's stations measured over the ridge.
	reg := rig.region(t, km)
	env, _ := coverage.EnvironmentByName(coverage.DefaultEnv)
	prof, _ := coverage.ProfileByName(coverage.ProfileHeavy)
	var fps []*coverage.Footprint
	for _, st := range fs.Plan.Stations {
		f, err := reg.StationFootprint(rd, prof, env, coverage.Public, coverage.LonLat{Lon: st.Lon, Lat: st.Lat}, st.AltM, terrainStepM)
		if err != nil {
			t.Fatal(err)
		}
		fps = append(fps, f)
	}
	flatOverRidge, err := coverage.MeasureFootprints(reg.Area, fps, terrainStepM)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("flat plan claims %.4f, gets %.4f over the ridge; plan over the ridge %.4f", fs.Plan.Coverage[Public], flatOverRidge.Fraction, s.Plan.Coverage[Public])
	if !(s.Plan.Coverage[Public] > flatOverRidge.Fraction+0.01) {
		t.Errorf("plan over the ridge covers %.4f, the flat plan's stations %.4f over it", s.Plan.Coverage[Public], flatOverRidge.Fraction)
	}

	// Live: the drones hold the planned stations. Each one's footprint is
	// swept from its height above the ground under it (its height above
	// home, plus home's ground, minus that ground), the uncovered polygons
	// drawn for that layout.
	reg2 := reg
	live := rig.until("live coverage over the ridge, its uncovered parts drawn", func(s Snapshot) bool {
		f := s.Coverage.Fraction[Public]
		un := reg2.Projection.Project(geoOf(s.Coverage.Uncovered[Public]))
		return f > 0 && math.Abs(un.Area()-(1-f)*reg2.Area.Area()) < 0.02*reg2.Area.Area()
	})
	var ls []coverage.LiveStation
	fps = fps[:0]
	for _, v := range rig.radio.Vehicles() {
		if v.AltRel <= 0 {
			continue
		}
		g, _ := rd.ElevationM(v.Lon, v.Lat)
		h, _ := rd.ElevationM(v.HomeLon, v.HomeLat)
		f, err := reg.StationFootprint(rd, prof, env, coverage.Public, coverage.LonLat{Lon: v.Lon, Lat: v.Lat}, math.Max(0, v.AltRel+h-g), terrainStepM)
		if err != nil {
			t.Fatal(err)
		}
		fps = append(fps, f)
		ls = append(ls, coverage.LiveStation{Pos: coverage.LonLat{Lon: v.Lon, Lat: v.Lat}, PublicRadiusM: s.Plan.Stations[0].RadiusM[Public], Networks: coverage.Public})
	}
	want, err := coverage.MeasureFootprints(reg.Area, fps, terrainStepM)
	if err != nil {
		t.Fatal(err)
	}
	flatLive, err := reg.Live(ls, false)
	if err != nil {
		t.Fatal(err)
	}
	got := live.Coverage.Fraction[Public]
	t.Logf("live over the ridge %.4f (plan %.4f, the drones' footprints %.4f), the same drones on flat earth %.4f", got, s.Plan.Coverage[Public], want.Fraction, flatLive.Public.Fraction)
	if len(fps) != len(s.Plan.Stations) || math.Abs(got-want.Fraction) > 1e-9 {
		t.Errorf("live over the ridge %.4f, the %d flying drones' footprints %.4f", got, len(fps), want.Fraction)
	}
	if math.Abs(flatLive.Public.Fraction-got) < 0.01 {
		t.Errorf("live over the ridge %.4f is the flat figure %.4f", got, flatLive.Public.Fraction)
	}
	// The footprints' shapes, for the map: one per flying drone's cell
	// (both networks are on), the public ones as large as they cover.
	byNet := map[Network]int{}
	for _, f := range live.Coverage.Footprints {
		byNet[f.Network]++
		if a := reg.Projection.Project(geoOf(f.Shape)).Area(); a < 1e6 {
			t.Errorf("drone %d: %s footprint of %.0f m2", f.Drone, f.Network, a)
		}
	}
	if byNet[Public] != len(fps) || byNet[Private] != len(fps) {
		t.Errorf("footprint shapes %v, want %d per network", byNet, len(fps))
	}
	// Holding drones are not swept again: ten more ticks read a few
	// elevations per drone (the ground under it, under home and under its
	// station for the height it is sent), no sweep (one footprint's sweep
	// reads thousands).
	before := rd.reads.Load()
	rig.tick(10)
	if n := rd.reads.Load() - before; n > 1000 {
		t.Errorf("ten ticks of holding read %d elevations: footprints swept again", n)
	}
}

// region is the incident deploy(km) opens, prepared as the loop does.
func (r *fakeRig) region(t *testing.T, km float64) *coverage.Region {
	t.Helper()
	reg, err := prepareRegion(IncidentSpec{Area: square(base.Lat, base.Lon, km)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// geoOf turns orb polygons back into coverage's.
func geoOf(m orb.MultiPolygon) coverage.GeoMultiPolygon {
	out := make(coverage.GeoMultiPolygon, 0, len(m))
	for _, p := range m {
		var gp coverage.GeoPolygon
		for _, r := range p {
			gr := make(coverage.GeoRing, len(r))
			for i, q := range r {
				gr[i] = coverage.LonLat{Lon: q[0], Lat: q[1]}
			}
			gp = append(gp, gr)
		}
		out = append(out, gp)
	}
	return out
}
