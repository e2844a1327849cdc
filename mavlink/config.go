package mavlink

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/aerocell/aerocell/clock"
	"github.com/bluenviron/gomavlib/v3/pkg/frame"
)

// Config configures a Station. The zero value of every optional field means
// its default; Open fills the defaults and validates.
type Config struct {
	// Endpoints are the links to the vehicles, e.g. "udpin:0.0.0.0:14550"
	// (see ParseEndpoint). At least one is required.
	Endpoints []string
	// (optional) Forward lists extra endpoints that receive every frame
	// heard on Endpoints and whose own traffic goes to every vehicle link, as
	// mavlink-router does: a commander's QGroundControl on
	// "udpout:HOST:14551". With SigningKey set, frames from these endpoints
	// must be signed with it too.
	Forward []string

	// (optional) SystemID is the station's MAVLink system id. Defaults to 255.
	SystemID uint8
	// (optional) ComponentID is the station's component id. Defaults to 190
	// (MAV_COMP_ID_MISSIONPLANNER).
	ComponentID uint8

	// (optional) Clock drives every timer: heartbeats, link loss, command
	// and mission timeouts. Defaults to the wall clock. SITL runs pass a
	// clock.Scaled.
	Clock clock.Clock

	// (optional) HeartbeatPeriod is how often the station's own HEARTBEAT
	// (MAV_TYPE_GCS) goes out on every link. Defaults to 1 s.
	HeartbeatPeriod time.Duration
	// (optional) LinkLossTimeout is how long without a HEARTBEAT before a
	// vehicle is marked lost. Defaults to 5 s.
	LinkLossTimeout time.Duration

	// (optional) CommandTimeout is how long to wait for a COMMAND_ACK before
	// sending a command again. Defaults to 1.5 s.
	CommandTimeout time.Duration
	// (optional) CommandRetries is how many times a command is sent again
	// (with confirmation raised) after the first try. Defaults to 4;
	// negative: none.
	CommandRetries int
	// (optional) InProgressTimeout is how long a command answered with
	// MAV_RESULT_IN_PROGRESS may run without further news. Defaults to 30 s.
	InProgressTimeout time.Duration

	// (optional) MissionTimeout is the mission protocol's per-step timeout.
	// Defaults to 1.5 s, as the protocol suggests.
	MissionTimeout time.Duration
	// (optional) MissionRetries is how often a mission step is repeated.
	// Defaults to 5; negative: never.
	MissionRetries int

	// (optional) StreamRate is the telemetry rate in Hz asked of every
	// vehicle. Defaults to 4. Negative disables the requests.
	StreamRate float64

	// (optional) Terrain answers the vehicles' TERRAIN_REQUEST with
	// TERRAIN_DATA and their TERRAIN_CHECK with TERRAIN_REPORT, as
	// MAVProxy's terrain module does (a *dem.Dir serves). Nil: terrain
	// requests go unanswered.
	Terrain Terrain
	// (optional) TerrainRate is how many terrain answers (4x4 blocks and
	// reports) per second the station sends, all vehicles together, so that
	// a storm of requests cannot flood the links. Defaults to 20 (MAVProxy
	// sends 5 a second to one vehicle).
	TerrainRate float64

	// (optional) SigningKey turns on MAVLink 2 signing: everything sent is
	// signed with it and unsigned or wrongly signed frames are refused. See
	// ParseSigningKey.
	SigningKey *frame.V2Key

	// (optional) TlogPath is the telemetry log written for the session, in
	// the .tlog format QGroundControl and MAVProxy read. Empty: no log.
	TlogPath string

	// (optional) EventQueue bounds the events waiting for the consumer of
	// Events. Defaults to 65536. When full, further events are counted in
	// Stats.EventsDropped and an EventOverflow is delivered: never silently.
	EventQueue int
	// (optional) WriteQueue is the size of each link's send queue. Defaults
	// to 256.
	WriteQueue int
}

// ConfigError names the Config field that is wrong.
type ConfigError struct {
	Field string
	Err   error
}

func (e *ConfigError) Error() string { return "mavlink: config " + e.Field + ": " + e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

func (c *Config) setDefaults() {
	if c.SystemID == 0 {
		c.SystemID = 255
	}
	if c.ComponentID == 0 {
		c.ComponentID = 190
	}
	if c.Clock == nil {
		c.Clock = clock.Real()
	}
	if c.HeartbeatPeriod == 0 {
		c.HeartbeatPeriod = time.Second
	}
	if c.LinkLossTimeout == 0 {
		c.LinkLossTimeout = 5 * time.Second
	}
	if c.CommandTimeout == 0 {
		c.CommandTimeout = 1500 * time.Millisecond
	}
	if c.CommandRetries == 0 {
		c.CommandRetries = 4
	}
	if c.InProgressTimeout == 0 {
		c.InProgressTimeout = 30 * time.Second
	}
	if c.MissionTimeout == 0 {
		c.MissionTimeout = 1500 * time.Millisecond
	}
	if c.MissionRetries == 0 {
		c.MissionRetries = 5
	}
	if c.StreamRate == 0 {
		c.StreamRate = 4
	}
	if c.TerrainRate == 0 {
		c.TerrainRate = 20
	}
	if c.EventQueue == 0 {
		c.EventQueue = 65536
	}
	if c.WriteQueue == 0 {
		c.WriteQueue = 256
	}
}

// Validate fills the defaults and reports the first wrong field.
func (c *Config) Validate() error {
	c.setDefaults()
	if len(c.Endpoints) == 0 {
		return &ConfigError{"Endpoints", errors.New("at least one endpoint is required")}
	}
	for _, s := range c.Endpoints {
		if _, err := ParseEndpoint(s); err != nil {
			return &ConfigError{"Endpoints", err}
		}
	}
	for _, s := range c.Forward {
		if _, err := ParseEndpoint(s); err != nil {
			return &ConfigError{"Forward", err}
		}
	}
	for name, d := range map[string]time.Duration{
		"HeartbeatPeriod": c.HeartbeatPeriod, "LinkLossTimeout": c.LinkLossTimeout,
		"CommandTimeout": c.CommandTimeout, "InProgressTimeout": c.InProgressTimeout,
		"MissionTimeout": c.MissionTimeout,
	} {
		if d < 0 {
			return &ConfigError{name, fmt.Errorf("negative duration %v", d)}
		}
	}
	if !(c.TerrainRate > 0) || math.IsInf(c.TerrainRate, 0) {
		return &ConfigError{"TerrainRate", fmt.Errorf("%v is not a positive rate", c.TerrainRate)}
	}
	c.CommandRetries = max(c.CommandRetries, 0)
	c.MissionRetries = max(c.MissionRetries, 0)
	if c.EventQueue < 0 || c.WriteQueue < 0 {
		return &ConfigError{"EventQueue/WriteQueue", errors.New("negative queue size")}
	}
	return nil
}

// ErrBadKey is wrapped by signing-key parsing errors.
var ErrBadKey = errors.New("mavlink: bad signing key")

// ParseSigningKey reads a fleet signing key: 64 hex digits are the 32-byte
// key itself; anything else is a passphrase whose SHA-256 is the key, as
// MAVProxy's "signing setup PASSPHRASE" does. An empty string is an error.
func ParseSigningKey(s string) (*frame.V2Key, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("%w: empty", ErrBadKey)
	}
	if len(s) == 64 {
		if b, err := hex.DecodeString(s); err == nil {
			return frame.NewV2Key(b), nil
		}
	}
	sum := sha256.Sum256([]byte(s))
	return frame.NewV2Key(sum[:]), nil
}
