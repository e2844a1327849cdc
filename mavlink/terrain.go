package mavlink

import (
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
)

// Terrain is the elevation source the station answers a vehicle's terrain
// requests from (the terrain protocol, as MAVProxy's terrain module and
// Mission Planner serve it). *dem.Dir satisfies it.
type Terrain interface {
	// ElevationM returns the height of the ground in metres above mean sea
	// level at lon, lat in degrees, or an error where it has no data. It
	// must be safe for concurrent use.
	ElevationM(lon, lat float64) (float64, error)
}

// TerrainReport is a vehicle's last TERRAIN_REPORT: what its autopilot knows
// of the ground, from the data the station (or another ground station)
// gave it.
type TerrainReport struct {
	Set bool    `json:"set"`
	Lat float64 `json:"lat"` // degrees: where the report is for
	Lon float64 `json:"lon"`
	// Spacing is the grid spacing in metres; 0 when the vehicle has no
	// terrain at Lat, Lon.
	Spacing int `json:"spacing_m"`
	// HeightM is the ground in metres above mean sea level; AboveM the
	// vehicle's height above it.
	HeightM float64 `json:"height_m"`
	AboveM  float64 `json:"above_m"`
	// Pending and Loaded count 4x4 blocks waiting for data and in memory.
	Pending int `json:"pending"`
	Loaded  int `json:"loaded"`
}

// The terrain protocol's grid: a TERRAIN_REQUEST names the south-west corner
// of a grid of 8 (east) x 7 (north) blocks of 4 x 4 points, grid_spacing
// metres apart; bit b of its mask asks for the block b/8 blocks north and
// b%8 east of the corner, and data[4*i+j] of a TERRAIN_DATA is the point i
// north and j east of that block's corner (ArduPilot's AP_Terrain and
// MAVProxy's terrain module lay it out so).
const (
	TerrainBlocksEast  = 8
	TerrainBlocksNorth = 7
	terrainBlockPoints = 4
	terrainAllBlocks   = uint64(1)<<(TerrainBlocksEast*TerrainBlocksNorth) - 1
)

// terrainMPerDeg is ArduPilot's metres per degree of latitude
// (LOCATION_SCALING_FACTOR), so that the points sent are where the
// autopilot puts them.
const terrainMPerDeg = 111318.84502145034

// TerrainOffset is the position north and east metres from lat, lon
// (degrees), on ArduPilot's flat-earth scaling (longitude scaled at the
// middle latitude), which the terrain grid is laid out on.
func TerrainOffset(lat, lon, north, east float64) (float64, float64) {
	dlat := north / terrainMPerDeg
	scale := math.Cos((lat + dlat/2) * math.Pi / 180)
	scale = max(scale, 0.01)
	return lat + dlat, lon + east/(terrainMPerDeg*scale)
}

// TerrainBlockPoint is the position of point (i north, j east) of block bit
// of the grid whose south-west corner is lat, lon (degrees) and whose
// points are spacing metres apart.
func TerrainBlockPoint(lat, lon float64, spacing int, bit, i, j int) (float64, float64) {
	n := float64(spacing * (terrainBlockPoints*(bit/TerrainBlocksEast) + i))
	e := float64(spacing * (terrainBlockPoints*(bit%TerrainBlocksEast) + j))
	return TerrainOffset(lat, lon, n, e)
}

// terrainJob is what one vehicle is owed: the blocks of its last request
// not yet sent, and its last TERRAIN_CHECK not yet answered.
type terrainJob struct {
	req   common.MessageTerrainRequest
	left  uint64 // blocks still to send
	check *common.MessageTerrainCheck
}

// terrainServer answers the vehicles' terrain requests from one goroutine,
// one answer per period for the whole station, round robin over the
// vehicles waiting: a storm of requests replaces the work owed (a vehicle's
// newer request supersedes its older one, as in MAVProxy) and never sends
// more than the rate.
type terrainServer struct {
	st     *Station
	src    Terrain
	period time.Duration
	wake   chan struct{}

	mu    sync.Mutex
	jobs  map[VehicleID]*terrainJob
	order []VehicleID // vehicles with work, in turn
}

func newTerrainServer(s *Station, src Terrain, rate float64) *terrainServer {
	return &terrainServer{st: s, src: src, period: time.Duration(float64(time.Second) / rate),
		wake: make(chan struct{}, 1), jobs: map[VehicleID]*terrainJob{}}
}

// checkTerrainRequest says what is wrong with a TERRAIN_REQUEST, naming the
// field; nil when it can be served.
func checkTerrainRequest(m *common.MessageTerrainRequest) error {
	switch {
	case m.GridSpacing == 0:
		return fmt.Errorf("%w: TERRAIN_REQUEST grid_spacing 0", ErrBadTerrainRequest)
	case m.Lat < -90e7 || m.Lat > 90e7:
		return fmt.Errorf("%w: TERRAIN_REQUEST lat %d out of range", ErrBadTerrainRequest, m.Lat)
	case m.Lon < -180e7 || m.Lon > 180e7:
		return fmt.Errorf("%w: TERRAIN_REQUEST lon %d out of range", ErrBadTerrainRequest, m.Lon)
	case m.Mask&terrainAllBlocks == 0:
		return fmt.Errorf("%w: TERRAIN_REQUEST mask %#x asks for no block", ErrBadTerrainRequest, m.Mask)
	}
	return nil
}

// request takes a vehicle's TERRAIN_REQUEST. A bad one is refused (counted
// in Stats.TerrainRefused) and changes nothing.
func (ts *terrainServer) request(id VehicleID, m *common.MessageTerrainRequest) error {
	if err := checkTerrainRequest(m); err != nil {
		ts.st.ctr.terrainRefused.Add(1)
		return err
	}
	ts.mu.Lock()
	j := ts.job(id)
	same := j.left != 0 && j.req.Lat == m.Lat && j.req.Lon == m.Lon && j.req.GridSpacing == m.GridSpacing
	if same {
		// the same grid asked again while it is being sent: what it still
		// lacks, less what is already on its way
		j.left &= m.Mask
	} else {
		j.req = *m
		j.left = m.Mask & terrainAllBlocks
	}
	ts.mu.Unlock()
	ts.kick()
	return nil
}

// check takes a TERRAIN_CHECK: the last one of each vehicle is answered.
func (ts *terrainServer) check(id VehicleID, m *common.MessageTerrainCheck) error {
	if m.Lat < -90e7 || m.Lat > 90e7 || m.Lon < -180e7 || m.Lon > 180e7 {
		ts.st.ctr.terrainRefused.Add(1)
		return fmt.Errorf("%w: TERRAIN_CHECK lat %d, lon %d out of range", ErrBadTerrainRequest, m.Lat, m.Lon)
	}
	c := *m
	ts.mu.Lock()
	ts.job(id).check = &c
	ts.mu.Unlock()
	ts.kick()
	return nil
}

// job is the vehicle's job, queued in turn; ts.mu is held.
func (ts *terrainServer) job(id VehicleID) *terrainJob {
	j := ts.jobs[id]
	if j == nil {
		j = &terrainJob{}
		ts.jobs[id] = j
		ts.order = append(ts.order, id)
	}
	return j
}

func (ts *terrainServer) kick() {
	select {
	case ts.wake <- struct{}{}:
	default:
	}
}

// next takes the next answer owed, in turn: a check first, else one block.
// ok is false when nothing is owed.
func (ts *terrainServer) next() (id VehicleID, req common.MessageTerrainRequest, bit int, chk *common.MessageTerrainCheck, ok bool) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	for len(ts.order) > 0 {
		id = ts.order[0]
		ts.order = ts.order[1:]
		j := ts.jobs[id]
		switch {
		case j.check != nil:
			chk, j.check = j.check, nil
		case j.left != 0:
			bit = lowestBit(j.left)
			j.left &^= 1 << bit
			req = j.req
		default:
			delete(ts.jobs, id)
			continue
		}
		if j.check != nil || j.left != 0 {
			ts.order = append(ts.order, id)
		} else {
			delete(ts.jobs, id)
		}
		return id, req, bit, chk, true
	}
	return VehicleID{}, req, 0, nil, false
}

func lowestBit(m uint64) int {
	for b := range 64 {
		if m&(1<<b) != 0 {
			return b
		}
	}
	return -1
}

// block is the TERRAIN_DATA for one block of req; false when the source has
// no data for one of its points (the block is then not sent, as MAVProxy
// does: the vehicle asks again or flies without it).
func (ts *terrainServer) block(req *common.MessageTerrainRequest, bit int) (*common.MessageTerrainData, bool) {
	lat0, lon0 := float64(req.Lat)/1e7, float64(req.Lon)/1e7
	d := &common.MessageTerrainData{Lat: req.Lat, Lon: req.Lon, GridSpacing: req.GridSpacing, Gridbit: uint8(bit)}
	for i := range terrainBlockPoints {
		for j := range terrainBlockPoints {
			lat, lon := TerrainBlockPoint(lat0, lon0, int(req.GridSpacing), bit, i, j)
			if !(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180) {
				return nil, false
			}
			h, err := ts.src.ElevationM(lon, lat)
			if err != nil || math.IsNaN(h) {
				return nil, false
			}
			d.Data[terrainBlockPoints*i+j] = int16(math.Round(min(max(h, math.MinInt16), math.MaxInt16)))
		}
	}
	return d, true
}

// report is the TERRAIN_REPORT answering a TERRAIN_CHECK from a vehicle:
// the ground at the point asked and the vehicle's height above it; spacing
// 0 where the source has no data, as the protocol says.
func (ts *terrainServer) report(id VehicleID, c *common.MessageTerrainCheck) *common.MessageTerrainReport {
	r := &common.MessageTerrainReport{Lat: c.Lat, Lon: c.Lon}
	h, err := ts.src.ElevationM(float64(c.Lon)/1e7, float64(c.Lat)/1e7)
	if err != nil || math.IsNaN(h) {
		return r
	}
	r.Spacing, r.TerrainHeight, r.Loaded = TerrainSpacing, float32(h), 1
	if t, ok := ts.st.Vehicle(id); ok {
		r.CurrentHeight = float32(t.AltMSL - h)
	}
	return r
}

// TerrainSpacing is the grid spacing in metres the station reports for its
// own answers, ArduPilot's TERRAIN_SPACING default.
const TerrainSpacing = 100

// run sends the answers owed, one per period of the station clock.
func (ts *terrainServer) run() {
	s := ts.st
	for {
		select {
		case <-ts.wake:
		case <-s.done:
			return
		}
		for {
			id, req, bit, chk, ok := ts.next()
			if !ok {
				break
			}
			var msg message.Message
			if chk != nil {
				msg = ts.report(id, chk)
			} else if d, ok := ts.block(&req, bit); ok {
				msg = d
			} else {
				s.ctr.terrainMissing.Add(1)
				continue // no answer went out: no time spent
			}
			if v := s.vehicle(id); v != nil {
				if p := v.bestRoute(); p != nil && p.trySend(outItem{msg: msg}) && chk == nil {
					s.ctr.terrainBlocks.Add(1)
				}
			}
			select {
			case <-s.clk.After(ts.period):
			case <-s.done:
				return
			}
		}
	}
}
