package api

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// maxTile is the largest tile the proxy passes on.
const maxTile = 4 << 20

// tileProxy fetches XYZ raster tiles from the configured URL for the page,
// so that the page only ever talks to the daemon.
type tileProxy struct {
	template string
	client   *http.Client
	maxZoom  int
}

// BasemapInfo is the body of GET /basemap.
type BasemapInfo struct {
	Enabled bool `json:"enabled"`
	// Tiles is the URL template of the tiles, relative to the daemon.
	Tiles   string `json:"tiles,omitempty"`
	MaxZoom int    `json:"max_zoom,omitempty"`
}

func (s *Server) getBasemap(w http.ResponseWriter, _ *http.Request) {
	z, ok := s.basemapZoom()
	if !ok {
		writeJSON(w, http.StatusOK, BasemapInfo{})
		return
	}
	writeJSON(w, http.StatusOK, BasemapInfo{Enabled: true, Tiles: Prefix + "/basemap/{z}/{x}/{y}", MaxZoom: z})
}

// basemapZoom returns the deepest zoom of the configured basemap, if any.
func (s *Server) basemapZoom() (int, bool) {
	switch {
	case s.mbtiles != nil:
		return s.mbtiles.maxZoom, true
	case s.tiles != nil:
		return s.tiles.maxZoom, true
	}
	return 0, false
}

// tileXYZ parses and checks the tile address in the path.
func tileXYZ(r *http.Request, maxZoom int) (z, x, y int, err error) {
	parse := func(name string) (int, error) {
		v := strings.TrimSuffix(r.PathValue(name), ".png")
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("%w: tile %s %q is not a non-negative integer", ErrBadRequest, name, v)
		}
		return n, nil
	}
	if z, err = parse("z"); err != nil {
		return
	}
	if x, err = parse("x"); err != nil {
		return
	}
	if y, err = parse("y"); err != nil {
		return
	}
	if z > maxZoom {
		return 0, 0, 0, fmt.Errorf("%w: zoom %d is over the basemap's %d", ErrBadRequest, z, maxZoom)
	}
	if n := 1 << z; x >= n || y >= n {
		return 0, 0, 0, fmt.Errorf("%w: tile %d/%d/%d is off the map", ErrBadRequest, z, x, y)
	}
	return z, x, y, nil
}

func (s *Server) getTile(w http.ResponseWriter, r *http.Request) {
	maxZoom, ok := s.basemapZoom()
	if !ok {
		s.fail(w, r, ErrNoBasemap)
		return
	}
	z, x, y, err := tileXYZ(r, maxZoom)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if s.mbtiles != nil {
		s.mbtilesTile(w, r, z, x, y)
		return
	}
	u := strings.NewReplacer("{z}", strconv.Itoa(z), "{x}", strconv.Itoa(x), "{y}", strconv.Itoa(y)).Replace(s.tiles.template)
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, u, nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	resp, err := s.tiles.client.Do(req)
	if err != nil {
		writeError(w, http.StatusBadGateway, "basemap tile server: "+err.Error())
		return
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		writeError(w, http.StatusNotFound, fmt.Sprintf("no basemap tile %d/%d/%d", z, x, y))
		return
	case resp.StatusCode != http.StatusOK:
		writeError(w, http.StatusBadGateway, "basemap tile server answered "+resp.Status)
		return
	}
	ct := resp.Header.Get("Content-Type")
	if !strings.HasPrefix(ct, "image/") {
		writeError(w, http.StatusBadGateway, fmt.Sprintf("basemap tile server sent %q, not an image", ct))
		return
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxTile+1))
	if err != nil {
		writeError(w, http.StatusBadGateway, "basemap tile server: "+err.Error())
		return
	}
	if len(data) > maxTile {
		writeError(w, http.StatusBadGateway, "basemap tile is larger than 4 MiB")
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "private, max-age=86400")
	_, _ = w.Write(data)
}

func (s *Server) mbtilesTile(w http.ResponseWriter, r *http.Request, z, x, y int) {
	data, ok, err := s.mbtiles.Tile(z, x, y)
	if err != nil {
		s.log.Error("api mbtiles", "z", z, "x", x, "y", y, "err", err)
		writeError(w, http.StatusInternalServerError, fmt.Sprintf("reading basemap tile %d/%d/%d: %v", z, x, y, err))
		return
	}
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no basemap tile %d/%d/%d", z, x, y))
		return
	}
	ct := http.DetectContentType(data)
	if !strings.HasPrefix(ct, "image/") {
		writeError(w, http.StatusBadGateway, fmt.Sprintf("basemap tile %d/%d/%d is %s, not a raster image (vector tiles are not drawn)", z, x, y, ct))
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "private, max-age=86400")
	_, _ = w.Write(data)
}
