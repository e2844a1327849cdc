package api

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/aerocell/aerocell/dem"
)

// Role is what a token may do.
type Role string

const (
	// Viewer reads: snapshots, drones, coverage, events, plan previews.
	Viewer Role = "viewer"
	// Commander reads and gives orders.
	Commander Role = "commander"
)

// allows reports whether r may do what need requires.
func (r Role) allows(need Role) bool {
	switch need {
	case Viewer:
		return r == Viewer || r == Commander
	case Commander:
		return r == Commander
	}
	return false
}

// MinTokenLen is the shortest token accepted in the configuration.
const MinTokenLen = 16

// Token is one bearer token from the configuration.
type Token struct {
	// Token is the secret the client sends as "Authorization: Bearer TOKEN";
	// at least MinTokenLen characters.
	Token string `json:"token" yaml:"token"`
	// Role is viewer or commander.
	Role Role `json:"role" yaml:"role"`
	// Name says whose token it is; it is logged with each order.
	Name string `json:"name" yaml:"name"`
}

// Basemap is an optional raster basemap the page draws under the map.
type Basemap struct {
	// TileURL is an XYZ tile URL template with {z}, {x} and {y}, e.g.
	// "http://10.0.0.5:8080/tiles/{z}/{x}/{y}.png" for a tile server in the
	// command vehicle. The API fetches tiles for the page, so the page never
	// talks to a third party. Optional.
	TileURL string `json:"tile_url" yaml:"tile_url"`
	// MBTilesPath is a local MBTiles file of raster tiles (PNG, JPEG or
	// WebP), read directly by the daemon (optional). Its main database file
	// is read; checkpoint a write-ahead log into it first.
	MBTilesPath string `json:"mbtiles" yaml:"mbtiles"`
	// MaxZoom is the deepest zoom level offered for TileURL; defaults to 19.
	// For MBTiles it is the file's deepest level.
	MaxZoom int `json:"max_zoom" yaml:"max_zoom"`
}

// Config configures the API.
type Config struct {
	// Addr is the address the daemon listens on; New checks it with
	// CheckListen.
	Addr string
	// Tokens are the accepted bearer tokens. With none, only loopback clients
	// are served, each as a commander.
	Tokens []Token
	// Basemap is the optional raster basemap.
	Basemap Basemap
	// Logger receives one line per order and per server error; defaults to
	// a discarding logger.
	Logger *slog.Logger
	// StreamInterval is how often the stream sends a snapshot when nothing
	// happens (optional); defaults to 1 second.
	StreamInterval time.Duration
	// TileClient fetches basemap tiles (optional); defaults to a client with a
	// 10-second timeout.
	TileClient *http.Client
	// Terrain is the ground elevation (a DEM, optional): with it the map
	// draws a hillshade of the incident's area under the stations.
	Terrain dem.Elevation
}

// Initialize fills in defaults and validates the configuration.
func (c *Config) Initialize() error {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.StreamInterval <= 0 {
		c.StreamInterval = time.Second
	}
	if c.TileClient == nil {
		c.TileClient = &http.Client{Timeout: 10 * time.Second}
	}
	if c.Basemap.MaxZoom <= 0 {
		c.Basemap.MaxZoom = 19
	}
	if c.Basemap.MaxZoom > 22 {
		return fmt.Errorf("%w: basemap.max_zoom %d is over 22", ErrConfig, c.Basemap.MaxZoom)
	}
	if c.Basemap.MBTilesPath != "" && c.Basemap.TileURL != "" {
		return fmt.Errorf("%w: basemap: give tile_url or mbtiles, not both", ErrConfig)
	}
	if u := c.Basemap.TileURL; u != "" {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			return fmt.Errorf("%w: basemap.tile_url %q is not an http(s) URL", ErrConfig, u)
		}
		for _, p := range []string{"{z}", "{x}", "{y}"} {
			if !strings.Contains(u, p) {
				return fmt.Errorf("%w: basemap.tile_url %q lacks %s", ErrConfig, u, p)
			}
		}
	}
	seen := make(map[string]bool, len(c.Tokens))
	for i, t := range c.Tokens {
		if len(t.Token) < MinTokenLen {
			return fmt.Errorf("%w: tokens[%d] (%s) is shorter than %d characters", ErrConfig, i, t.Name, MinTokenLen)
		}
		if t.Role != Viewer && t.Role != Commander {
			return fmt.Errorf("%w: tokens[%d] (%s) has role %q, want viewer or commander", ErrConfig, i, t.Name, t.Role)
		}
		if seen[t.Token] {
			return fmt.Errorf("%w: tokens[%d] (%s) repeats another token", ErrConfig, i, t.Name)
		}
		seen[t.Token] = true
	}
	return CheckListen(c.Addr, c.Tokens)
}

// CheckListen returns ErrInsecureListen when addr may be reached from beyond
// this machine and no tokens are configured. An empty host (":8080"),
// 0.0.0.0, [::] and any name other than localhost count as beyond.
func CheckListen(addr string, tokens []Token) error {
	if len(tokens) > 0 {
		return nil
	}
	if !isLoopbackAddr(addr) {
		return fmt.Errorf("%w: %q; configure tokens or listen on 127.0.0.1", ErrInsecureListen, addr)
	}
	return nil
}

func isLoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	host = strings.Trim(host, "[]")
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
