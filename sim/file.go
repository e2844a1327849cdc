package sim

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/aerocell/aerocell/airframe"
)

// File is a fleet or scenario file (YAML). Every section is optional:
//
//	profiles:            # extra airframes, or built-ins overridden by name
//	  - name: long-tether
//	    base: tethered-multirotor   # start from a built-in (or earlier) profile
//	    tether: {length_m: 250}
//	home: {lat: 45.46, lon: 9.19, alt: 120}   # default home of the drones
//	wind: {speed: 6, from: 270, gust: 2}
//	gcs_timeout: 5s
//	drones:
//	  - {sysid: 1, profile: tethered-multirotor, ground_station: {lat: 45.46, lon: 9.19, alt: 120}}
//	  - {sysid: 10, count: 4, profile: heavy-multirotor, spacing_m: 20}
//	faults:
//	  - {at: 2m, sysid: 1, kind: link-drop, duration: 30s}
//	  - {at: 5m, kind: packet-loss, percent: 20, duration: 1m}   # sysid 0/absent: every drone
type File struct {
	Profiles   []FileProfile `yaml:"profiles"`
	Home       *LatLonAlt    `yaml:"home"`
	Wind       *Wind         `yaml:"wind"`
	GCSTimeout time.Duration `yaml:"gcs_timeout"`
	Drones     []FileDrone   `yaml:"drones"`
	Faults     []FileFault   `yaml:"faults"`

	// table is the airframe table with the file's profiles merged in.
	table airframe.Table
}

// FileProfile is a profile in a file: Base names the profile it starts
// from (fields not given are inherited). See airframe.Table.Merge.
type FileProfile = airframe.Entry

// FileDrone is one drone, or Count drones with consecutive system ids
// spaced SpacingM metres apart eastwards.
type FileDrone struct {
	SysID         uint8      `yaml:"sysid"`
	Count         int        `yaml:"count"`
	SpacingM      float64    `yaml:"spacing_m"`
	Profile       string     `yaml:"profile"`
	Home          *LatLonAlt `yaml:"home"`
	Heading       float64    `yaml:"heading"`
	GroundStation *LatLonAlt `yaml:"ground_station"`
	TetherM       float64    `yaml:"tether_m"`
}

// FileFault is a scheduled fault.
type FileFault struct {
	At       time.Duration `yaml:"at"`
	SysID    uint8         `yaml:"sysid"`
	Kind     FaultKind     `yaml:"kind"`
	Duration time.Duration `yaml:"duration"`
	Percent  float64       `yaml:"percent"`
	Latency  time.Duration `yaml:"latency"`
	Network  Network       `yaml:"network"`
}

// maxFileSize bounds what ParseFile reads.
const maxFileSize = 4 << 20

// ParseFile reads a fleet or scenario file. Unknown fields are errors;
// errors name the field (and the line, for YAML errors).
func ParseFile(r io.Reader) (*File, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileSize {
		return nil, errors.New("sim: file larger than 4 MiB")
	}
	var f File
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return nil, namedYAMLError(data, err)
	}
	// Second pass: the profiles merge into the airframe table (a base
	// starts from a copy of it; the same name overrides).
	var raw struct {
		Profiles []yaml.Node `yaml:"profiles"`
	}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	tab, err := airframe.Builtin().MergeNodes(raw.Profiles, "profiles")
	if err != nil {
		return nil, profileErr(err)
	}
	for i := range f.Profiles {
		f.Profiles[i].Airframe, _ = tab.ByName(f.Profiles[i].Name)
	}
	f.table = tab
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return &f, nil
}

// namedYAMLError adds the field path to the YAML library's "line N: ..."
// errors.
func namedYAMLError(data []byte, err error) error {
	var te *yaml.TypeError
	var root yaml.Node
	if !errors.As(err, &te) || yaml.Unmarshal(data, &root) != nil {
		return fmt.Errorf("sim: %w", err)
	}
	msgs := make([]string, 0, len(te.Errors))
	for _, e := range te.Errors {
		var line int
		if _, scanErr := fmt.Sscanf(e, "line %d:", &line); scanErr == nil {
			val := ""
			if i := strings.Index(e, "`"); i >= 0 {
				if j := strings.Index(e[i+1:], "`"); j >= 0 {
					val = e[i+1 : i+1+j]
				}
			}
			p := pathAt(&root, line, val, "")
			if p == "" {
				p = pathAt(&root, line, "", "")
			}
			if p != "" {
				e = p + ": " + e
			}
		}
		msgs = append(msgs, e)
	}
	return fmt.Errorf("sim: %s", strings.Join(msgs, "; "))
}

// pathAt returns the path (e.g. "faults[0].duration") of the deepest value
// on a line.
func pathAt(n *yaml.Node, line int, val, prefix string) string {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if p := pathAt(c, line, val, prefix); p != "" {
				return p
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			name := k.Value
			if prefix != "" {
				name = prefix + "." + k.Value
			}
			if p := pathAt(v, line, val, name); p != "" {
				return p
			}
			if v.Line == line && (v.Kind == yaml.ScalarNode || v.Kind == yaml.AliasNode) && (val == "" || v.Value == val) {
				return name
			}
			if k.Line == line && v.Kind != yaml.ScalarNode && val == "" {
				return name
			}
		}
	case yaml.SequenceNode:
		if n.Line == line && val == "" && prefix != "" && len(n.Content) == 0 {
			return prefix
		}
		for i, c := range n.Content {
			if p := pathAt(c, line, val, fmt.Sprintf("%s[%d]", prefix, i)); p != "" {
				return p
			}
		}
	}
	return ""
}

// ProfileList returns the built-in profiles with the file's profiles
// overriding them by name or added after them, in file order.
func (f *File) ProfileList() []Profile {
	if f.table == nil {
		return BuiltinProfiles()
	}
	return f.table.Clone()
}

// Validate checks the file's sections; errors name the field.
func (f *File) Validate() error {
	if err := airframe.Table(f.ProfileList()).Validate("profiles"); err != nil {
		return profileErr(err)
	}
	if f.Home != nil {
		if err := validPos("home", *f.Home); err != nil {
			return err
		}
	}
	if f.GCSTimeout < 0 {
		return fieldErr("gcs_timeout", "must not be negative")
	}
	names := map[string]bool{}
	for _, p := range f.ProfileList() {
		names[p.Name] = true
	}
	total := 0
	for i, d := range f.Drones {
		field := func(n string) string { return fmt.Sprintf("drones[%d].%s", i, n) }
		if d.SysID == 0 || d.SysID == 255 {
			return fieldErr(field("sysid"), "must be 1..254, got %d", d.SysID)
		}
		if d.Count < 0 || int(d.SysID)+max(d.Count, 1)-1 > 254 {
			return fieldErr(field("count"), "system ids %d.. would pass 254", d.SysID)
		}
		total += max(d.Count, 1)
		if total > 254 {
			return fieldErr(field("count"), "more than 254 drones")
		}
		if d.Profile != "" && !names[d.Profile] {
			return fieldErr(field("profile"), "unknown profile %q", d.Profile)
		}
		if d.SpacingM < 0 || d.SpacingM > 100000 {
			return fieldErr(field("spacing_m"), "must be 0..100000, got %v", d.SpacingM)
		}
		if d.Home != nil {
			if err := validPos(field("home"), *d.Home); err != nil {
				return err
			}
		}
		if d.GroundStation != nil {
			if err := validPos(field("ground_station"), *d.GroundStation); err != nil {
				return err
			}
		}
		if !(d.TetherM >= 0 && d.TetherM < 1e5) {
			return fieldErr(field("tether_m"), "must be 0..100000, got %v", d.TetherM)
		}
	}
	if w := f.Wind; w != nil {
		if !(w.SpeedMS >= 0 && w.SpeedMS < 100) || !(w.GustMS >= 0 && w.GustMS < 100) || !(w.FromDeg >= -360 && w.FromDeg <= 360) {
			return fieldErr("wind", "speed and gust must be 0..100 m/s, from -360..360°")
		}
	}
	for i, ff := range f.Faults {
		if ff.At < 0 {
			return fieldErr(fmt.Sprintf("faults[%d].at", i), "must not be negative")
		}
		if err := ff.fault().Validate(); err != nil {
			var fe *FieldError
			if errors.As(err, &fe) {
				fe.Field = fmt.Sprintf("faults[%d].%s", i, fe.Field)
			}
			return err
		}
	}
	return nil
}

func (ff FileFault) fault() Fault {
	return Fault{Kind: ff.Kind, Duration: ff.Duration, Percent: ff.Percent, Latency: ff.Latency, Network: ff.Network}
}

// DroneConfigs expands the file's drones; home is used where neither the
// drone nor the file gives one.
func (f *File) DroneConfigs(home LatLonAlt) []DroneConfig {
	if f.Home != nil {
		home = *f.Home
	}
	var out []DroneConfig
	for _, d := range f.Drones {
		h := home
		if d.Home != nil {
			h = *d.Home
		}
		for k := 0; k < max(d.Count, 1); k++ {
			dc := DroneConfig{SysID: d.SysID + uint8(k), Profile: d.Profile, Heading: d.Heading, TetherM: d.TetherM}
			dc.Home = h
			dc.Home.Lat, dc.Home.Lon = offset(h.Lat, h.Lon, 0, float64(k)*d.SpacingM)
			if d.GroundStation != nil {
				gs := *d.GroundStation
				gs.Lat, gs.Lon = offset(gs.Lat, gs.Lon, 0, float64(k)*d.SpacingM)
				dc.GroundStation = &gs
			}
			out = append(out, dc)
		}
	}
	return out
}

// ScheduledFaults returns the file's faults.
func (f *File) ScheduledFaults() []ScheduledFault {
	out := make([]ScheduledFault, 0, len(f.Faults))
	for _, ff := range f.Faults {
		out = append(out, ScheduledFault{At: ff.At, SysID: ff.SysID, Fault: ff.fault()})
	}
	return out
}
