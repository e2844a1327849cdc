package api

import (
	"bytes"
	"errors"
	"fmt"
	"image/png"
	"math"
	"net/http"
	"strconv"
	"sync"

	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/dem"
	"github.com/aerocell/aerocell/fleet"
	"github.com/paulmach/orb/geojson"
)

// HillshadeInfo is the body of GET /hillshade: whether a DEM is configured
// and, with an incident open, the box its hillshade image covers.
type HillshadeInfo struct {
	Enabled bool `json:"enabled"`
	// Image is the PNG's URL, relative to the daemon; Bounds its box as
	// [west, south, east, north] in degrees (the area's with a margin).
	Image  string      `json:"image,omitempty"`
	Bounds *[4]float64 `json:"bounds,omitempty"`
}

// hillshadePx is the long side of the hillshade image in pixels.
const hillshadePx = 1024

// hillshadeCache keeps the last image rendered (the incident's area
// changes rarely; rendering takes about a million elevations).
type hillshadeCache struct {
	mu  sync.Mutex
	key dem.Bounds
	png []byte
}

// hillshadeBounds is the box of the open incident's area with a tenth of
// its size (at least 1 km) around it, or false with no incident.
func hillshadeBounds(snap fleet.Snapshot) (dem.Bounds, bool) {
	if snap.Incident == nil || len(snap.Incident.Area) == 0 {
		return dem.Bounds{}, false
	}
	mp, err := ParseArea(snap.Incident.Area)
	if err != nil || len(mp) == 0 {
		return dem.Bounds{}, false
	}
	// A margin of a tenth of the box each way, and at least a kilometre
	// (east-west, at most 0.18 degrees: near a pole a kilometre is many).
	bb := mp.Bound()
	c := bb.Center()
	kmLat, _ := coverage.Offset(c[1], c[0], 1000, 0)
	_, kmLon := coverage.Offset(c[1], c[0], 0, 1000)
	mLat := math.Max(0.1*(bb.Max[1]-bb.Min[1]), kmLat-c[1])
	mLon := math.Max(0.1*(bb.Max[0]-bb.Min[0]), math.Min(kmLon-c[0], 0.18))
	b := dem.Bounds{West: bb.Min[0] - mLon, South: bb.Min[1] - mLat, East: bb.Max[0] + mLon, North: bb.Max[1] + mLat}
	b.West, b.East = math.Max(-180, b.West), math.Min(180, b.East)
	b.South, b.North = math.Max(-90, b.South), math.Min(90, b.North)
	return b, true
}

func (s *Server) getHillshade(w http.ResponseWriter, _ *http.Request) {
	if s.cfg.Terrain == nil {
		writeJSON(w, http.StatusOK, HillshadeInfo{})
		return
	}
	info := HillshadeInfo{Enabled: true}
	if b, ok := hillshadeBounds(s.ctrl.Snapshot()); ok {
		info.Bounds = &[4]float64{b.West, b.South, b.East, b.North}
		// The box in the URL: a new area is a new image to the browser.
		info.Image = Prefix + "/hillshade.png?v=" + strconv.FormatUint(math.Float64bits(b.West+b.South*3+b.East*7+b.North*11), 36)
	}
	writeJSON(w, http.StatusOK, info)
}

// getHillshadePNG renders the relief under the incident's area (first
// request per area; later ones are served from memory).
func (s *Server) getHillshadePNG(w http.ResponseWriter, _ *http.Request) {
	if s.cfg.Terrain == nil {
		writeError(w, http.StatusNotFound, "no DEM configured: no hillshade")
		return
	}
	b, ok := hillshadeBounds(s.ctrl.Snapshot())
	if !ok {
		writeError(w, http.StatusNotFound, "no incident open: no area to shade")
		return
	}
	c := &s.hillshade
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.png == nil || c.key != b {
		img, err := renderHillshade(s.cfg.Terrain, b)
		if err != nil {
			if errors.Is(err, dem.ErrNoElevation) {
				writeError(w, http.StatusNotFound, err.Error())
				return
			}
			s.log.Error("hillshade not rendered", "err", err)
			writeError(w, http.StatusInternalServerError, err.Error())
			return
		}
		c.key, c.png = b, img
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Length", strconv.Itoa(len(c.png)))
	_, _ = w.Write(c.png)
}

// renderHillshade draws the box hillshadePx pixels on its long side (in
// metres), the relief exaggerated twice so that hills read at a glance.
func renderHillshade(e dem.Elevation, b dem.Bounds) ([]byte, error) {
	midLat, midLon := (b.North+b.South)/2, (b.West+b.East)/2
	_, wM := coverage.Displacement(midLat, b.West, midLat, b.East)
	hM, _ := coverage.Displacement(b.South, midLon, b.North, midLon)
	wPx, hPx := hillshadePx, hillshadePx
	if wM > hM {
		hPx = max(1, int(math.Round(hillshadePx*hM/wM)))
	} else {
		wPx = max(1, int(math.Round(hillshadePx*wM/hM)))
	}
	img, err := dem.Hillshade(e, b, wPx, hPx, 2)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("hillshade: %w", err)
	}
	return buf.Bytes(), nil
}

// footprintsGeoJSON is the drones' terrain footprints, one feature per
// drone and network ({"network", "drone"}); empty on flat earth.
func footprintsGeoJSON(c fleet.Coverage) geojson.FeatureCollection {
	fc := geojson.NewFeatureCollection()
	for _, f := range c.Footprints {
		fc.Append(multiPolygonFeature(f.Shape, geojson.Properties{"network": f.Network.String(), "drone": strconv.Itoa(f.Drone)}))
	}
	return *fc
}
