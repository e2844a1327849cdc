package sim

import (
	"fmt"
	"math"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// Terrain under the drones: the ground height comes from a DEM (the drone
// stands, lands and crashes on it), and the autopilot asks the ground
// station for terrain as ArduPilot's AP_Terrain does, over the link.

// Terrain is the elevation the simulated world stands on. *dem.Dir
// satisfies it.
type Terrain interface {
	// ElevationM returns the height of the ground in metres above mean sea
	// level at lon, lat in degrees, or an error where it has no data.
	ElevationM(lon, lat float64) (float64, error)
}

// The autopilot's terrain grid, as AP_Terrain keeps it: a grid block of
// 28 (north) x 32 (east) points, grid_spacing metres apart, sent as 7 x 8
// blocks of 4 x 4; grid blocks start every 24 points north and 28 east of
// the whole degree south-west of the drone, so that neighbours overlap.
const (
	terrainSpacing    = 100 // ArduPilot's TERRAIN_SPACING default, metres
	terrainRows       = 28
	terrainCols       = 32
	terrainStepRows   = 24
	terrainStepCols   = 28
	terrainAllBlocks  = uint64(1)<<56 - 1
	terrainMPerDeg    = 111318.84502145034 // ArduPilot's LOCATION_SCALING_FACTOR, inverted
	terrainAskEvery   = 2 * time.Second    // a missing grid is asked for again
	msgTerrainReport  = 136
	terrainReportRate = time.Second
	// terrainMarginM is WPNAV_TER_MARGIN: how far below its terrain-frame
	// target a copter may fall before it stops going forward
	terrainMarginM = 10
)

// terrainGrid is the one grid block the simulated autopilot holds.
type terrainGrid struct {
	lat, lon float64 // south-west corner, degrees
	latE7    int32
	lonE7    int32
	loaded   uint64 // 4x4 blocks received
	h        [terrainRows][terrainCols]int16
}

// terrainOffset is the position north and east metres from lat, lon on
// ArduPilot's flat-earth scaling (Location::offset).
func terrainOffset(lat, lon, north, east float64) (float64, float64) {
	dlat := north / terrainMPerDeg
	return lat + dlat, lon + east/(terrainMPerDeg*math.Max(math.Cos((lat+dlat/2)*deg), 0.01))
}

// terrainGridAt is the corner of the grid block holding lat, lon.
func terrainGridAt(lat, lon float64) (int32, int32) {
	lat0, lon0 := math.Floor(lat), math.Floor(lon)
	n := (lat - lat0) * terrainMPerDeg
	e := (lon - lon0) * terrainMPerDeg * math.Cos((lat+lat0)/2*deg)
	gx := math.Floor(n / terrainSpacing / terrainStepRows)
	gy := math.Floor(e / terrainSpacing / terrainStepCols)
	clat, clon := terrainOffset(lat0, lon0, gx*terrainStepRows*terrainSpacing, gy*terrainStepCols*terrainSpacing)
	return degE7(clat), degE7(clon)
}

// heightAt is the grid's bilinear height at lat, lon; false when the point
// is outside the grid or its blocks have not arrived.
func (g *terrainGrid) heightAt(lat, lon float64) (float64, bool) {
	n := (lat - g.lat) * terrainMPerDeg / terrainSpacing
	e := (lon - g.lon) * terrainMPerDeg * math.Cos((lat+g.lat)/2*deg) / terrainSpacing
	if !(n >= 0 && e >= 0 && n < terrainRows-1 && e < terrainCols-1) {
		return 0, false
	}
	r, c := int(n), int(e)
	for _, p := range [][2]int{{r, c}, {r + 1, c}, {r, c + 1}, {r + 1, c + 1}} {
		if g.loaded&(1<<((p[0]/4)*8+p[1]/4)) == 0 {
			return 0, false
		}
	}
	fr, fc := n-float64(r), e-float64(c)
	h00, h01 := float64(g.h[r][c]), float64(g.h[r][c+1])
	h10, h11 := float64(g.h[r+1][c]), float64(g.h[r+1][c+1])
	return (h00*(1-fc)+h01*fc)*(1-fr) + (h10*(1-fc)+h11*fc)*fr, true
}

func (g *terrainGrid) pending() int {
	n := 0
	for m := terrainAllBlocks &^ g.loaded; m != 0; m &= m - 1 {
		n++
	}
	return n
}

// groundFromTerrain sets each drone's home and ground station altitude to
// the ground under it.
func groundFromTerrain(t Terrain, drones []DroneConfig) error {
	for i := range drones {
		d := &drones[i]
		h, err := t.ElevationM(d.Home.Lon, d.Home.Lat)
		if err != nil {
			return fieldErr(fmt.Sprintf("Drones[%d].Home", i), "no terrain under it: %v", err)
		}
		d.Home.Alt = h
		if d.GroundStation != nil {
			gs := *d.GroundStation
			if gs.Alt, err = t.ElevationM(gs.Lon, gs.Lat); err != nil {
				return fieldErr(fmt.Sprintf("Drones[%d].GroundStation", i), "no terrain under it: %v", err)
			}
			d.GroundStation = &gs
		}
	}
	return nil
}

// groundAlt is the height of the ground under the drone, metres AMSL: the
// DEM's where there is one (the last known where the DEM has a hole),
// else the flat ground of its first home.
func (v *vehicle) groundAlt() float64 {
	t := v.f.cfg.Terrain
	if t == nil {
		return v.ground
	}
	if v.lat != v.groundLat || v.lon != v.groundLon {
		if h, err := t.ElevationM(v.lon, v.lat); err == nil {
			v.ground = h
		}
		v.groundLat, v.groundLon = v.lat, v.lon
	}
	return v.ground
}

// crash is ArduPilot's crash check: a drone that meets the ground while it
// is flying (not landing) disarms and says so; its heartbeat then reports
// MAV_STATE_EMERGENCY until it is armed again.
func (v *vehicle) crash() {
	v.statustext(common.MAV_SEVERITY_EMERGENCY, "Crash: Disarming")
	v.crashed = true
	v.failsafe = "crash"
	v.disarm()
}

// terrainTick asks the ground station for the grid around the drone while
// blocks of it are missing, as AP_Terrain does.
func (v *vehicle) terrainTick(now time.Time) {
	if v.f.cfg.Terrain == nil || now.Before(v.terrainNext) {
		return
	}
	v.terrainNext = now.Add(terrainAskEvery)
	latE7, lonE7 := terrainGridAt(v.lat, v.lon)
	g := v.terrain
	if g == nil || g.latE7 != latE7 || g.lonE7 != lonE7 {
		g = &terrainGrid{latE7: latE7, lonE7: lonE7, lat: float64(latE7) / 1e7, lon: float64(lonE7) / 1e7}
		v.terrain = g
	}
	if g.loaded == terrainAllBlocks {
		return
	}
	v.send(&common.MessageTerrainRequest{Lat: latE7, Lon: lonE7, GridSpacing: terrainSpacing, Mask: terrainAllBlocks &^ g.loaded})
}

// terrainData stores a block the ground station sent for the grid held.
func (v *vehicle) terrainData(m *common.MessageTerrainData) {
	g := v.terrain
	if g == nil || m.Lat != g.latE7 || m.Lon != g.lonE7 || m.GridSpacing != terrainSpacing || m.Gridbit >= 56 {
		return // for a grid no longer wanted
	}
	r0, c0 := 4*int(m.Gridbit/8), 4*int(m.Gridbit%8)
	for i := range 4 {
		for j := range 4 {
			g.h[r0+i][c0+j] = m.Data[4*i+j]
		}
	}
	g.loaded |= 1 << m.Gridbit
}

// terrainReport is the TERRAIN_REPORT for a point: what the autopilot
// knows of the ground there from the data it was sent.
func (v *vehicle) terrainReport(lat, lon float64) *common.MessageTerrainReport {
	r := &common.MessageTerrainReport{Lat: degE7(lat), Lon: degE7(lon)}
	if g := v.terrain; g != nil {
		r.Pending = uint16(g.pending())
		if h, ok := g.heightAt(lat, lon); ok {
			r.Spacing, r.TerrainHeight, r.CurrentHeight = terrainSpacing, float32(h), float32(v.alt-h)
		}
		r.Loaded = uint16(56 - r.Pending)
	}
	return r
}

// terrainUnder is the ground under the drone as its autopilot knows it,
// from the terrain data it was sent; false when it has none there.
func (v *vehicle) terrainUnder() (float64, bool) {
	if v.terrain == nil {
		return 0, false
	}
	return v.terrain.heightAt(v.lat, v.lon)
}

// followTerrain keeps a terrain-frame target tAGL metres above the ground
// under the drone, as ArduPilot's waypoint controller offsets its target
// by the terrain where the vehicle is: on the way and on station. Where
// the data is missing (a grid block still on its way) the last target
// stands, and the drone waits for it (terrainScaler). Any other order, or
// leaving phHold, ends it.
func (v *vehicle) followTerrain() {
	if !v.tTerrain {
		return
	}
	if v.phase != phHold || !v.armed {
		v.tTerrain = false
		return
	}
	if h, ok := v.terrainUnder(); ok {
		v.tAlt = h + v.tAGL
	}
}

// terrainScaler slows a copter following the terrain that falls behind its
// target height, as AC_WPNav scales its advance along the track by the
// vertical error over the terrain margin: full speed on target, stopped
// (climbing where it is) at the margin below it. Where its grid has no
// data under it (the next grid block on its way) it stops, as AC_WPNav
// does not advance its target without a terrain offset, until the block
// comes.
func (v *vehicle) terrainScaler() float64 {
	if !v.tTerrain {
		return 1
	}
	if _, ok := v.terrainUnder(); !ok {
		return 0
	}
	return clamp(1-(v.tAlt-v.alt)/terrainMarginM, 0, 1)
}
