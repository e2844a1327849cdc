package daemon

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/aerocell/aerocell/airframe"
	"github.com/aerocell/aerocell/api"
	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/dem"
	"github.com/aerocell/aerocell/fleet"
	"github.com/aerocell/aerocell/mavlink"
	"github.com/aerocell/aerocell/report/topic"
	"go.yaml.in/yaml/v3"
)

// Config is the daemon's configuration: a YAML file (see aerocell.example.yaml)
// with flags and environment variables over it.
type Config struct {
	MAVLink  MAVLinkConfig   `yaml:"mavlink"`
	Fleet    FleetConfig     `yaml:"fleet"`
	Incident *IncidentConfig `yaml:"incident"`
	Storage  StorageConfig   `yaml:"storage"`
	HTTP     HTTPConfig      `yaml:"http"`
	MQTT     MQTTConfig      `yaml:"mqtt"`
	Log      LogConfig       `yaml:"log"`
	// DEM is a directory of SRTM .hgt tiles (N44W072.hgt, ...), relative to
	// the configuration file: the fleet then flies over terrain (altitudes
	// above the ground, clearance over ridges) and the link serves the
	// autopilots' terrain requests from it. Empty: flat earth.
	DEM string `yaml:"dem"`

	// terrain is the DEM opened (set by Validate); nil without one.
	terrain *dem.Dir
	// dir is the directory of the config file: relative paths in it are
	// taken from there.
	dir string
}

// MAVLinkConfig is the radio side.
type MAVLinkConfig struct {
	// Endpoints as MAVProxy writes them: udpin:0.0.0.0:14550, tcpout:...
	Endpoints []string `yaml:"endpoints"`
	// Forward every frame to these too (a commander's QGroundControl).
	Forward []string `yaml:"forward"`
	// SystemID of the ground station (default 255).
	SystemID int `yaml:"system_id"`
	// SigningKey: 64 hex digits or a passphrase. Prefer the environment
	// variable AEROCELL_SIGNING_KEY to keep it out of the file.
	SigningKey string `yaml:"signing_key"`
	// LinkLossTimeout marks a drone lost (default 5s).
	LinkLossTimeout time.Duration `yaml:"link_loss_timeout"`
	// CommandTimeout is how long to wait for a COMMAND_ACK before sending a
	// command again (default 1.5s); MissionTimeout the mission protocol's
	// step timeout (default 1.5s). Raise them on slow or lossy radios.
	CommandTimeout time.Duration `yaml:"command_timeout"`
	MissionTimeout time.Duration `yaml:"mission_timeout"`
	// TlogDir receives one .tlog per session ("" : none).
	TlogDir string `yaml:"tlog_dir"`
}

// FleetConfig describes the drones and where they stand.
type FleetConfig struct {
	DefaultProfile string `yaml:"default_profile"`
	Environment    string `yaml:"environment"`
	// Drones are the fleet: a drone heard that is not listed is reported
	// (drone.unknown) and flown only once a commander approves it.
	Drones      []DroneEntry  `yaml:"drones"`
	LaunchSites []SiteEntry   `yaml:"launch_sites"`
	Tick        time.Duration `yaml:"tick"`
	// AdoptUnknown flies every drone heard, listed or not. Unsafe (any
	// sender of a HEARTBEAT is given a station): for labs only.
	AdoptUnknown bool `yaml:"adopt_unknown"`
	// Airframes extend or override the built-in airframe table (package
	// airframe), entry by entry: `- {name: long-tether, base:
	// tethered-multirotor, tether: {length_m: 250}}`.
	Airframes []yaml.Node `yaml:"airframes"`
	// Wind is the forecast wind planned with until the drones report theirs.
	Wind airframe.Wind `yaml:"wind"`
	// Tasks configures the drops, surveys and fire tasks (issue 12).
	Tasks TasksConfig `yaml:"tasks"`

	// table is the airframe table with Airframes merged (set by Validate).
	table airframe.Table
}

// Table is the airframe table the fleet flies: the built-ins with the
// configuration's airframes merged in.
func (f *FleetConfig) Table() airframe.Table {
	if f.table == nil {
		return airframe.Builtin()
	}
	return f.table.Clone()
}

// TasksConfig configures the tasks besides coverage.
type TasksConfig struct {
	// Approval: a task (a commander's or a field team's) waits for a
	// commander's approval before a drone is given it.
	Approval bool `yaml:"approval"`
}

// DroneEntry configures one drone (or count drones from sysid on).
type DroneEntry struct {
	SysID   int    `yaml:"sysid"`
	Count   int    `yaml:"count"`
	Profile string `yaml:"profile"`
	Site    string `yaml:"site"`
}

// SiteEntry is a launch site.
type SiteEntry struct {
	Name     string  `yaml:"name"`
	Lat      float64 `yaml:"lat"`
	Lon      float64 `yaml:"lon"`
	Capacity int     `yaml:"capacity"`
}

// IncidentConfig opens an incident at start when none is open.
type IncidentConfig struct {
	Name           string   `yaml:"name"`
	Area           string   `yaml:"area"` // GeoJSON file
	NoFly          string   `yaml:"no_fly"`
	Networks       []string `yaml:"networks"`
	TargetCoverage float64  `yaml:"target_coverage"`
	// Deploy flies it at once.
	Deploy bool `yaml:"deploy"`
}

// StorageConfig says where state lives.
type StorageConfig struct {
	// Dir holds the state file, the MQTT outboxes and the broker's store.
	Dir string `yaml:"dir"`
}

// HTTPConfig is the commander's console.
type HTTPConfig struct {
	Listen  string      `yaml:"listen"`
	Tokens  []api.Token `yaml:"tokens"`
	Basemap api.Basemap `yaml:"basemap"`
}

// MQTTConfig is the field teams' feed: an embedded broker (Listen) or an
// external one (Broker).
type MQTTConfig struct {
	// Listen is the embedded broker's TCP address ("" with Broker set: none).
	Listen string `yaml:"listen"`
	// WSListen is the embedded broker's WebSocket address (optional).
	WSListen string `yaml:"ws_listen"`
	// UsersFile holds logins with bcrypt hashes and their roles.
	UsersFile string `yaml:"users_file"`
	// Broker is an external broker URL (mqtt://, mqtts://, ws://...).
	Broker   string `yaml:"broker"`
	Username string `yaml:"username"`
	// Password; prefer AEROCELL_MQTT_PASSWORD.
	Password string `yaml:"password"`
	// ClientID names the controller's persistent session; it must stay the
	// same across restarts and differ between daemons on one broker.
	// Default: aerocell-controller with the embedded broker,
	// aerocell-controller-{topic} with an external one, so that the
	// daemons of several incidents on one broker do not take over each
	// other's session.
	ClientID string `yaml:"client_id"`
	CAFile   string `yaml:"ca_file"`
	// Topic is the {incident} level of the topic tree,
	// aerocell/v1/{topic}/...; field teams subscribe under it. Default: the
	// configured incident's name in lower case with dashes, else "default".
	Topic string `yaml:"topic"`
	// Disabled turns MQTT reporting off.
	Disabled bool `yaml:"disabled"`
}

// LogConfig sets the structured log.
type LogConfig struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // text or json
}

// FieldError is a bad configuration value; Field is its YAML path.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return "config: " + e.Field + ": " + e.Reason }

func fieldErr(field, format string, a ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, a...)}
}

// DefaultConfig is what the daemon runs with when nothing is said.
func DefaultConfig() Config {
	return Config{
		MAVLink: MAVLinkConfig{Endpoints: []string{"udpin:0.0.0.0:14550"}, SystemID: 255, LinkLossTimeout: 5 * time.Second},
		Fleet:   FleetConfig{DefaultProfile: coverage.ProfileHeavy, Environment: coverage.EnvSuburban, Tick: time.Second},
		Storage: StorageConfig{Dir: "aerocell-data"},
		HTTP:    HTTPConfig{Listen: "127.0.0.1:8080"},
		MQTT:    MQTTConfig{Listen: "127.0.0.1:1883"},
		Log:     LogConfig{Level: "info", Format: "text"},
	}
}

// ParseConfig reads a YAML configuration over the defaults. Unknown keys
// are errors. dir is where relative paths in it are taken from.
func ParseConfig(r io.Reader, dir string) (Config, error) {
	cfg := DefaultConfig()
	b, err := io.ReadAll(io.LimitReader(r, 4<<20))
	if err != nil {
		return cfg, fmt.Errorf("config: %w", err)
	}
	if len(bytes.TrimSpace(b)) > 0 {
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
			return cfg, fmt.Errorf("config: %w", err)
		}
	}
	cfg.dir = dir
	return cfg, cfg.Validate()
}

// LoadConfig reads the configuration file at path.
func LoadConfig(path string) (Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	return ParseConfig(f, filepath.Dir(path))
}

// ApplyEnv takes settings from the environment over the file:
// AEROCELL_SIGNING_KEY, AEROCELL_MQTT_PASSWORD, AEROCELL_HTTP,
// AEROCELL_MQTT_LISTEN, AEROCELL_DATA_DIR, AEROCELL_MAVLINK (comma-separated
// endpoints).
func (c *Config) ApplyEnv(getenv func(string) string) {
	if v := getenv("AEROCELL_SIGNING_KEY"); v != "" {
		c.MAVLink.SigningKey = v
	}
	if v := getenv("AEROCELL_MQTT_PASSWORD"); v != "" {
		c.MQTT.Password = v
	}
	if v := getenv("AEROCELL_HTTP"); v != "" {
		c.HTTP.Listen = v
	}
	if v := getenv("AEROCELL_MQTT_LISTEN"); v != "" {
		c.MQTT.Listen = v
	}
	if v := getenv("AEROCELL_DATA_DIR"); v != "" {
		c.Storage.Dir = v
	}
	if v := getenv("AEROCELL_MAVLINK"); v != "" {
		c.MAVLink.Endpoints = splitList(v)
	}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Path resolves a path of the configuration against its directory.
func (c *Config) Path(p string) string {
	if p == "" || filepath.IsAbs(p) || c.dir == "" {
		return p
	}
	return filepath.Join(c.dir, p)
}

// Validate checks every field and names the first bad one.
func (c *Config) Validate() error {
	m := &c.MAVLink
	if len(m.Endpoints) == 0 {
		return fieldErr("mavlink.endpoints", "at least one endpoint is needed")
	}
	for i, e := range m.Endpoints {
		if _, err := mavlink.ParseEndpoint(e); err != nil {
			return fieldErr(fmt.Sprintf("mavlink.endpoints[%d]", i), "%v", err)
		}
	}
	for i, e := range m.Forward {
		if _, err := mavlink.ParseEndpoint(e); err != nil {
			return fieldErr(fmt.Sprintf("mavlink.forward[%d]", i), "%v", err)
		}
	}
	if m.SystemID < 1 || m.SystemID > 255 {
		return fieldErr("mavlink.system_id", "must be 1..255, got %d", m.SystemID)
	}
	if m.SigningKey != "" {
		if _, err := mavlink.ParseSigningKey(m.SigningKey); err != nil {
			return fieldErr("mavlink.signing_key", "%v", err)
		}
	}
	for name, v := range map[string]time.Duration{"link_loss_timeout": m.LinkLossTimeout, "command_timeout": m.CommandTimeout, "mission_timeout": m.MissionTimeout} {
		if v < 0 {
			return fieldErr("mavlink."+name, "must not be negative")
		}
	}
	f := &c.Fleet
	tab, err := airframe.Builtin().MergeNodes(f.Airframes, "fleet.airframes")
	if err != nil {
		field, reason := airframe.Fields(err, "fleet.airframes")
		return fieldErr(field, "%s", reason)
	}
	f.table = tab
	w := f.Wind
	if !(w.SpeedMS >= 0 && w.SpeedMS <= 60 && w.GustMS >= 0 && w.GustMS <= 30) || math.IsNaN(w.FromDeg) || math.Abs(w.FromDeg) > 360 {
		return fieldErr("fleet.wind", "speed must be 0..60 m/s, gust 0..30 m/s, from -360..360°; got %+v", w)
	}
	profiles := fleet.ProfilesOf(tab)
	if _, ok := profiles[f.DefaultProfile]; !ok {
		return fieldErr("fleet.default_profile", "unknown profile %q (want %s)", f.DefaultProfile, profileNames(profiles))
	}
	if _, err := coverage.EnvironmentByName(f.Environment); err != nil {
		return fieldErr("fleet.environment", "%v", err)
	}
	if f.Tick < 0 {
		return fieldErr("fleet.tick", "must not be negative")
	}
	sites := map[string]bool{}
	for i, s := range f.LaunchSites {
		field := fmt.Sprintf("fleet.launch_sites[%d]", i)
		switch {
		case strings.TrimSpace(s.Name) == "":
			return fieldErr(field+".name", "a launch site needs a name")
		case sites[s.Name]:
			return fieldErr(field+".name", "%q named twice", s.Name)
		case !(s.Lat >= -90 && s.Lat <= 90) || !(s.Lon >= -180 && s.Lon <= 180):
			return fieldErr(field, "position %v,%v out of range", s.Lat, s.Lon)
		case s.Capacity < 0:
			return fieldErr(field+".capacity", "must not be negative")
		}
		sites[s.Name] = true
	}
	seen := map[int]bool{}
	for i, d := range f.Drones {
		field := fmt.Sprintf("fleet.drones[%d]", i)
		n := max(d.Count, 1)
		if d.Count < 0 {
			return fieldErr(field+".count", "must not be negative")
		}
		if d.SysID < 1 || d.SysID+n-1 > 254 {
			return fieldErr(field+".sysid", "system ids must be 1..254")
		}
		for id := d.SysID; id < d.SysID+n; id++ {
			if seen[id] {
				return fieldErr(field+".sysid", "system id %d configured twice", id)
			}
			seen[id] = true
		}
		if d.Profile != "" {
			if _, ok := profiles[d.Profile]; !ok {
				return fieldErr(field+".profile", "unknown profile %q (want %s)", d.Profile, profileNames(profiles))
			}
		}
		if d.Site != "" && !sites[d.Site] {
			return fieldErr(field+".site", "unknown launch site %q", d.Site)
		}
		if p, ok := profiles[d.Profile]; ok && p.Tethered() && d.Site == "" {
			return fieldErr(field+".site", "a tethered drone needs its launch site (its ground station)")
		}
	}
	if inc := c.Incident; inc != nil {
		if strings.TrimSpace(inc.Name) == "" {
			return fieldErr("incident.name", "an incident needs a name")
		}
		if inc.Area == "" {
			return fieldErr("incident.area", "an incident needs an area (a GeoJSON file)")
		}
		for i, n := range inc.Networks {
			if n != fleet.Public.String() && n != fleet.Private.String() {
				return fieldErr(fmt.Sprintf("incident.networks[%d]", i), "%q (want public or private)", n)
			}
		}
		if inc.TargetCoverage != 0 && !(inc.TargetCoverage > 0 && inc.TargetCoverage <= 1) {
			return fieldErr("incident.target_coverage", "must be in (0, 1], got %v", inc.TargetCoverage)
		}
	}
	if err := c.openDEM(); err != nil {
		return err
	}
	if strings.TrimSpace(c.Storage.Dir) == "" {
		return fieldErr("storage.dir", "a data directory is needed")
	}
	if c.HTTP.Listen != "" {
		if _, _, err := net.SplitHostPort(c.HTTP.Listen); err != nil {
			return fieldErr("http.listen", "%v", err)
		}
		if err := api.CheckListen(c.HTTP.Listen, c.HTTP.Tokens); err != nil {
			return fieldErr("http.listen", "%v", err)
		}
	}
	q := &c.MQTT
	if !q.Disabled {
		if q.Listen == "" && q.Broker == "" {
			return fieldErr("mqtt", "set listen (embedded broker), broker (external) or disabled")
		}
		if q.Listen != "" && q.Broker != "" {
			return fieldErr("mqtt.broker", "an external broker and an embedded one (listen) at once")
		}
		for name, a := range map[string]string{"mqtt.listen": q.Listen, "mqtt.ws_listen": q.WSListen} {
			if a == "" {
				continue
			}
			if _, _, err := net.SplitHostPort(a); err != nil {
				return fieldErr(name, "%v", err)
			}
		}
		if err := topic.CheckName(c.topicName()); err != nil {
			return fieldErr("mqtt.topic", "%v", err)
		}
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return fieldErr("log.level", "%q (want debug, info, warn or error)", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		return fieldErr("log.format", "%q (want text or json)", c.Log.Format)
	}
	return nil
}

// openDEM opens the dem directory: it must exist and hold at least one
// .hgt tile.
func (c *Config) openDEM() error {
	c.terrain = nil
	if c.DEM == "" {
		return nil
	}
	dir := c.Path(c.DEM)
	d, err := dem.Open(dir, dem.Options{})
	if err != nil {
		return fieldErr("dem", "%v", err)
	}
	tiles, err := filepath.Glob(filepath.Join(dir, "*.hgt"))
	if err != nil || len(tiles) == 0 {
		return fieldErr("dem", "no .hgt tile in %s (SRTM tiles are named like N44W072.hgt)", dir)
	}
	c.terrain = d
	return nil
}

// Terrain is the DEM the configuration names; nil without one.
func (c *Config) Terrain() *dem.Dir { return c.terrain }

// clientID is the controller's MQTT client id: mqtt.client_id, or its
// default.
func (c *Config) clientID() string {
	switch {
	case c.MQTT.ClientID != "":
		return c.MQTT.ClientID
	case c.MQTT.Broker != "":
		return "aerocell-controller-" + c.topicName()
	}
	return "aerocell-controller"
}

// topicName is the {incident} level of the MQTT topic tree.
func (c *Config) topicName() string {
	if c.MQTT.Topic != "" {
		return c.MQTT.Topic
	}
	if c.Incident != nil {
		var b strings.Builder
		for _, r := range strings.ToLower(strings.TrimSpace(c.Incident.Name)) {
			switch {
			case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
				b.WriteRune(r)
			case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
				b.WriteByte('-')
			}
		}
		if s := strings.Trim(b.String(), "-"); s != "" {
			return s
		}
	}
	return "default"
}

func profileNames(ps map[string]fleet.Profile) string {
	names := make([]string, 0, len(ps))
	for n := range ps {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// fleetConfig turns the drone and site entries into the controller's.
func (c *Config) fleetConfig() (map[int]fleet.DroneConfig, []fleet.LaunchSite) {
	drones := map[int]fleet.DroneConfig{}
	for _, d := range c.Fleet.Drones {
		for id := d.SysID; id < d.SysID+max(d.Count, 1); id++ {
			drones[id] = fleet.DroneConfig{Profile: d.Profile, Site: d.Site}
		}
	}
	var sites []fleet.LaunchSite
	for _, s := range c.Fleet.LaunchSites {
		sites = append(sites, fleet.LaunchSite{Name: s.Name, Lat: s.Lat, Lon: s.Lon, Capacity: max(s.Capacity, 1)})
	}
	return drones, sites
}
