// Package sitl runs the daemon and the simulator together under one sped-up
// virtual clock: a fleet, an area, an incident and a timeline of faults, and
// writes what happened (report.json, a coverage plot, the drones' tracks).
// It is also the engine of `aerocell serve --demo`.
//
// It wires daemon and sim only through their public APIs and the real UDP
// link between them: the controller under test cannot tell a SITL run from a
// flight.
package sitl

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aerocell/aerocell/airframe"
	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/dem"
	"github.com/aerocell/aerocell/fleet"
	"github.com/aerocell/aerocell/sim"
	"go.yaml.in/yaml/v3"
)

// Scenario is a SITL run, as written in a YAML file:
//
//	name: quake-mountain
//	duration: 2h
//	speed: 100                      # virtual seconds per wall second
//	seed: 1
//	area: ../areas/quake-mountain.geojson   # relative to this file
//	dem: ../../dem/testdata         # SRTM .hgt tiles, relative to this file (optional)
//	networks: [public, private]
//	target_coverage: 0.99
//	launch_sites:
//	  - {name: north, lat: 35.78, lon: 102.86, capacity: 2}
//	drones:
//	  - {sysid: 1, count: 2, profile: tethered-multirotor, site: north}
//	  - {sysid: 7, count: 2, profile: fixed-wing-relay, home: {lat: 35.68, lon: 102.79, alt: 2400}}
//	wind: {speed: 5, from: 270, gust: 1}
//	faults:
//	  - {at: 30m, sysid: 3, kind: motor}
//	  - {at: 1h, kind: packet-loss, percent: 30, duration: 20m}
//	battery_swap: 5m                # the crew's turnaround for a drone back home
//	battery_swap: 5m                # the crew's turnaround for a drone back home
//	restarts: [45m]                 # the daemon killed and started again
//	tasks:                          # drops, surveys, fire asked for during the run (TaskEntry)
//	  - {at: 20m, kind: drop, deadline: 20m, lat: 35.70, lon: 102.81, mass_kg: 8}
type Scenario struct {
	Name     string        `yaml:"name"`
	Duration time.Duration `yaml:"duration"`
	Speed    float64       `yaml:"speed"`
	Seed     uint64        `yaml:"seed"`
	Area     string        `yaml:"area"`
	NoFly    string        `yaml:"no_fly"`
	// DEM is a directory of SRTM .hgt tiles (optional): the simulator's
	// ground and the controller's terrain, the same for both.
	DEM            string         `yaml:"dem"`
	Networks       []string       `yaml:"networks"`
	TargetCoverage float64        `yaml:"target_coverage"`
	Environment    string         `yaml:"environment"`
	Home           *sim.LatLonAlt `yaml:"home"`
	LaunchSites    []Site         `yaml:"launch_sites"`
	Drones         []Drone        `yaml:"drones"`
	Wind           *sim.Wind      `yaml:"wind"`
	GCSTimeout     time.Duration  `yaml:"gcs_timeout"`
	// BatterySwap is the ground crew's turnaround at the launch site: a
	// drone back home gets a full battery after it (0: never).
	BatterySwap time.Duration   `yaml:"battery_swap"`
	Faults      []sim.FileFault `yaml:"faults"`
	Restarts    []time.Duration `yaml:"restarts"`
	Sample      time.Duration   `yaml:"sample"`
	MQTT        bool            `yaml:"mqtt"`
	// Airframes extend or override the built-in airframe table for both
	// the simulator and the controller (see package airframe).
	Airframes []yaml.Node `yaml:"airframes"`
	// Tasks are drops, surveys and fire tasks asked for during the run
	// (see TaskEntry).
	Tasks []TaskEntry `yaml:"tasks"`

	// area and noFly are the GeoJSON read from the files.
	area, noFly []byte
	// demDir is DEM resolved against the scenario file; terrain the DEM
	// opened (nil without one).
	demDir  string
	terrain *dem.Dir
	// table is the airframe table both sides fly (set by validate).
	table airframe.Table
}

// Table is the airframe table of the run: the built-ins with the
// scenario's airframes merged in and, where the scenario sets a battery
// swap, that swap for every battery airframe.
func (s *Scenario) Table() airframe.Table {
	if s.table == nil {
		return airframe.Builtin()
	}
	return s.table.Clone()
}

// Site is a launch site: where drones stand, and a tethered drone's ground
// station.
type Site struct {
	Name     string  `yaml:"name"`
	Lat      float64 `yaml:"lat"`
	Lon      float64 `yaml:"lon"`
	Alt      float64 `yaml:"alt"`
	Capacity int     `yaml:"capacity"`
}

// Drone is one drone or Count drones from SysID on, standing at a site or at
// Home.
type Drone struct {
	SysID   int            `yaml:"sysid"`
	Count   int            `yaml:"count"`
	Profile string         `yaml:"profile"`
	Site    string         `yaml:"site"`
	Home    *sim.LatLonAlt `yaml:"home"`
}

// ErrScenario marks a scenario that cannot run.
var ErrScenario = errors.New("sitl: bad scenario")

func scenarioErr(field, format string, a ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrScenario, field, fmt.Sprintf(format, a...))
}

// LoadScenario reads a scenario file and the GeoJSON files it names.
func LoadScenario(path string) (*Scenario, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sitl: %w", err)
	}
	s, err := ParseScenario(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	read := func(field, p string) ([]byte, error) {
		if p == "" {
			return nil, nil
		}
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, scenarioErr(field, "%v", err)
		}
		return b, nil
	}
	if s.area, err = read("area", s.Area); err != nil {
		return nil, err
	}
	if s.noFly, err = read("no_fly", s.NoFly); err != nil {
		return nil, err
	}
	if _, err := coverage.ParseArea(s.area); err != nil {
		return nil, scenarioErr("area", "%v", err)
	}
	if s.DEM != "" {
		p := s.DEM
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		if err := s.SetDEM(p); err != nil {
			return nil, err
		}
	}
	if err := s.loadTaskAreas(dir); err != nil {
		return nil, err
	}
	return s, nil
}

// SetDEM gives the scenario its terrain: a directory of .hgt tiles, which
// must hold at least one.
func (s *Scenario) SetDEM(dir string) error {
	d, err := dem.Open(dir, dem.Options{})
	if err != nil {
		return scenarioErr("dem", "%v", err)
	}
	if tiles, _ := filepath.Glob(filepath.Join(dir, "*.hgt")); len(tiles) == 0 {
		return scenarioErr("dem", "no .hgt tile in %s", dir)
	}
	s.demDir, s.terrain = dir, d
	return nil
}

// ParseScenario reads a scenario; unknown fields are errors. The GeoJSON
// files are not read (LoadScenario does, or SetArea).
func ParseScenario(r io.Reader) (*Scenario, error) {
	b, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("sitl: %w", err)
	}
	var s Scenario
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, scenarioErr("file", "empty")
		}
		return nil, fmt.Errorf("%w: %v", ErrScenario, err)
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

// SetArea gives the scenario its area (and no-fly zones) as GeoJSON.
func (s *Scenario) SetArea(area, noFly []byte) error {
	if _, err := coverage.ParseArea(area); err != nil {
		return scenarioErr("area", "%v", err)
	}
	s.area, s.noFly = area, noFly
	return nil
}

// Validate checks the scenario and fills defaults.
func (s *Scenario) Validate() error {
	if strings.TrimSpace(s.Name) == "" {
		s.Name = "sitl"
	}
	if s.Duration <= 0 {
		return scenarioErr("duration", "must be positive")
	}
	if s.Duration > 72*time.Hour {
		return scenarioErr("duration", "%v is more than 72h", s.Duration)
	}
	if s.Speed == 0 {
		s.Speed = 50
	}
	if !(s.Speed > 0 && s.Speed <= 2000) {
		return scenarioErr("speed", "must be in (0, 2000], got %v", s.Speed)
	}
	if s.Area == "" {
		return scenarioErr("area", "a GeoJSON file is needed")
	}
	for i, n := range s.Networks {
		if n != fleet.Public.String() && n != fleet.Private.String() {
			return scenarioErr(fmt.Sprintf("networks[%d]", i), "%q (want public or private)", n)
		}
	}
	if s.TargetCoverage != 0 && !(s.TargetCoverage > 0 && s.TargetCoverage <= 1) {
		return scenarioErr("target_coverage", "must be in (0, 1]")
	}
	if s.Environment == "" {
		s.Environment = coverage.EnvSuburban
	}
	if _, err := coverage.EnvironmentByName(s.Environment); err != nil {
		return scenarioErr("environment", "%v", err)
	}
	sites := map[string]Site{}
	for i, st := range s.LaunchSites {
		f := fmt.Sprintf("launch_sites[%d]", i)
		if st.Name == "" || sites[st.Name].Name != "" {
			return scenarioErr(f+".name", "names must be unique and not empty")
		}
		if !(st.Lat >= -90 && st.Lat <= 90 && st.Lon >= -180 && st.Lon <= 180) {
			return scenarioErr(f, "position out of range")
		}
		sites[st.Name] = st
	}
	tab, err := airframe.Builtin().MergeNodes(s.Airframes, "airframes")
	if err != nil {
		field, reason := airframe.Fields(err, "airframes")
		return scenarioErr(field, "%s", reason)
	}
	if s.BatterySwap > 0 {
		for i := range tab {
			tab[i].Battery.Swap = s.BatterySwap
		}
	}
	s.table = tab
	profiles := fleet.ProfilesOf(tab)
	seen := map[int]bool{}
	n := 0
	for i, d := range s.Drones {
		f := fmt.Sprintf("drones[%d]", i)
		c := max(d.Count, 1)
		if d.Count < 0 || d.SysID < 1 || d.SysID+c-1 > 254 {
			return scenarioErr(f, "system ids must be 1..254")
		}
		for id := d.SysID; id < d.SysID+c; id++ {
			if seen[id] {
				return scenarioErr(f+".sysid", "%d used twice", id)
			}
			seen[id] = true
		}
		p, ok := profiles[d.Profile]
		if !ok {
			return scenarioErr(f+".profile", "unknown profile %q", d.Profile)
		}
		if d.Site != "" && sites[d.Site].Name == "" {
			return scenarioErr(f+".site", "unknown launch site %q", d.Site)
		}
		if p.Tethered() && d.Site == "" {
			return scenarioErr(f+".site", "a tethered drone needs a launch site")
		}
		if d.Site == "" && d.Home == nil && s.Home == nil {
			return scenarioErr(f+".home", "a drone needs a site or a home (or the scenario's home)")
		}
		n += c
	}
	if n == 0 {
		return scenarioErr("drones", "no drone")
	}
	for i, ft := range s.Faults {
		f := sim.Fault{Kind: ft.Kind, Duration: ft.Duration, Percent: ft.Percent, Latency: ft.Latency, Network: ft.Network}
		if err := f.Validate(); err != nil {
			return scenarioErr(fmt.Sprintf("faults[%d]", i), "%v", err)
		}
		if ft.At < 0 || ft.At > s.Duration {
			return scenarioErr(fmt.Sprintf("faults[%d].at", i), "outside the run")
		}
		if ft.SysID != 0 && !seen[int(ft.SysID)] {
			return scenarioErr(fmt.Sprintf("faults[%d].sysid", i), "no drone %d", ft.SysID)
		}
	}
	if s.BatterySwap < 0 {
		return scenarioErr("battery_swap", "must not be negative")
	}
	if s.BatterySwap < 0 {
		return scenarioErr("battery_swap", "must not be negative")
	}
	for i, r := range s.Restarts {
		if r <= 0 || r >= s.Duration {
			return scenarioErr(fmt.Sprintf("restarts[%d]", i), "outside the run")
		}
	}
	if err := s.validateTasks(); err != nil {
		return err
	}
	if s.Sample == 0 {
		s.Sample = max(5*time.Second, s.Duration/2000)
	}
	if s.Sample < time.Second {
		return scenarioErr("sample", "at least 1s")
	}
	return nil
}

// swapNodes are airframe entries giving the controller the scenario's
// battery swap, as the simulator's crew takes it: a controller planning
// with the table's swap times reliefs, and waits for tasks, by the wrong
// turnaround.
func (s *Scenario) swapNodes() ([]yaml.Node, error) {
	if s.BatterySwap <= 0 {
		return nil, nil
	}
	var out []yaml.Node
	for _, a := range s.Table() {
		if a.Tethered() {
			continue
		}
		var n yaml.Node
		if err := n.Encode(struct {
			Name    string `yaml:"name"`
			Battery any    `yaml:"battery"`
		}{a.Name, a.Battery}); err != nil {
			return nil, fmt.Errorf("sitl: battery swap of %s: %w", a.Name, err)
		}
		out = append(out, n)
	}
	return out, nil
}

// siteOf returns the named site.
func (s *Scenario) siteOf(name string) Site {
	for _, st := range s.LaunchSites {
		if st.Name == name {
			return st
		}
	}
	return Site{}
}

// simDrones expands the drones for the simulator: drones at a site stand
// in a row a few metres apart; a tethered drone's ground station is its site.
func (s *Scenario) simDrones() []sim.DroneConfig {
	var out []sim.DroneConfig
	perSite := map[string]int{}
	for _, d := range s.Drones {
		for id := d.SysID; id < d.SysID+max(d.Count, 1); id++ {
			dc := sim.DroneConfig{SysID: uint8(id), Profile: d.Profile}
			switch {
			case d.Site != "":
				st := s.siteOf(d.Site)
				k := perSite[d.Site]
				perSite[d.Site]++
				gs := sim.LatLonAlt{Lat: st.Lat, Lon: st.Lon, Alt: st.Alt}
				home := gs
				home.Lat, home.Lon = coverage.Offset(st.Lat, st.Lon, 0, float64(k)*10)
				dc.Home, dc.GroundStation = home, &gs
			case d.Home != nil:
				dc.Home = *d.Home
			default:
				dc.Home = *s.Home
			}
			if d.Site == "" {
				k := perSite[""]
				perSite[""]++
				dc.Home.Lat, dc.Home.Lon = coverage.Offset(dc.Home.Lat, dc.Home.Lon, 0, float64(k)*10)
			}
			out = append(out, dc)
		}
	}
	return out
}
