package daemon

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aerocell/aerocell/fleet"
)

func TestExampleConfigParses(t *testing.T) {
	path := filepath.Join("..", "examples", "aerocell.yaml")
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Incident == nil || cfg.Path(cfg.Incident.Area) != filepath.Join("..", "examples", "areas", "quake-mountain.geojson") {
		t.Fatalf("incident area resolves to %q", cfg.Path(cfg.Incident.Area))
	}
	if _, err := os.Stat(cfg.Path(cfg.Incident.Area)); err != nil {
		t.Fatal(err)
	}
	drones, sites := cfg.fleetConfig()
	if len(sites) == 0 || len(drones) == 0 {
		t.Fatalf("drones %v sites %v", drones, sites)
	}
	for id, d := range drones {
		if d.Profile == "tethered-multirotor" && d.Site == "" {
			t.Errorf("tethered drone %d without a site", id)
		}
	}
	if cfg.topicName() != "quake-mountain" {
		t.Errorf("topic %q", cfg.topicName())
	}
	if !cfg.Fleet.Tasks.Approval {
		t.Error("fleet.tasks.approval not read")
	}
}

func TestBadConfigNamesTheField(t *testing.T) {
	cases := map[string]string{
		"mavlink: {endpoints: []}":                                                      "mavlink.endpoints",
		"mavlink: {endpoints: [\"udp:nowhere\"]}":                                       "mavlink.endpoints[0]",
		"mavlink: {system_id: 300}":                                                     "mavlink.system_id",
		"mavlink: {signing_key: \"\"}\nfleet: {default_profile: x}":                     "fleet.default_profile",
		"fleet: {environment: moon}":                                                    "fleet.environment",
		"fleet: {drones: [{sysid: 0}]}":                                                 "fleet.drones[0].sysid",
		"fleet: {drones: [{sysid: 1, profile: tethered-multirotor}]}":                   "fleet.drones[0].site",
		"fleet: {drones: [{sysid: 1, site: nowhere}]}":                                  "fleet.drones[0].site",
		"fleet: {drones: [{sysid: 1, count: 3}, {sysid: 2}]}":                           "fleet.drones[1].sysid",
		"fleet: {launch_sites: [{name: a, lat: 95, lon: 0}]}":                           "fleet.launch_sites[0]",
		"fleet: {launch_sites: [{name: a, lat: 1, lon: 1}, {name: a, lat: 1, lon: 1}]}": "fleet.launch_sites[1].name",
		"incident: {name: x}":                                                           "incident.area",
		"incident: {name: x, area: a.json, target_coverage: 2}":                         "incident.target_coverage",
		"incident: {name: x, area: a.json, networks: [wifi]}":                           "incident.networks[0]",
		"http: {listen: \"0.0.0.0:8080\"}":                                              "http.listen",
		"http: {listen: \"nonsense\"}":                                                  "http.listen",
		"mqtt: {listen: \"\", broker: \"\"}":                                            "mqtt",
		"mqtt: {broker: \"mqtt://x:1883\"}":                                             "mqtt.broker",
		"mqtt: {topic: \"a/b\"}":                                                        "mqtt.topic",
		"log: {level: loud}":                                                            "log.level",
		"storage: {dir: \" \"}":                                                         "storage.dir",
		"fleet: {airframes: [{name: x, base: nothing}]}":                                "fleet.airframes[0].base",
		"fleet: {airframes: [{name: x, base: heavy-multirotor, cruise_speed: -1}]}":     "fleet.airframes[0].cruise_speed",
		"fleet: {wind: {speed: 90}}":                                                    "fleet.wind",
		"dem: /nonexistent/srtm":                                                        "dem",
		"dem: testdata":                                                                 "dem",
	}
	for in, field := range cases {
		_, err := ParseConfig(strings.NewReader(in), "")
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != field {
			t.Errorf("%q: got %v, want an error naming %s", in, err, field)
		}
	}
	for _, in := range []string{"mavlink: {endpoint: [x]}", "nonsense: 1", "mavlink: [", "fleet: {airframes: {not: a list}}"} {
		if _, err := ParseConfig(strings.NewReader(in), ""); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestEnvOverridesFile(t *testing.T) {
	cfg, err := ParseConfig(strings.NewReader("http: {listen: \"127.0.0.1:9000\"}"), "")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"AEROCELL_HTTP": "127.0.0.1:9100", "AEROCELL_MAVLINK": "udpin:127.0.0.1:14560, tcpout:127.0.0.1:5760",
		"AEROCELL_SIGNING_KEY": "a fleet passphrase", "AEROCELL_DATA_DIR": "/var/lib/aerocell",
	}
	cfg.ApplyEnv(func(k string) string { return env[k] })
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP.Listen != "127.0.0.1:9100" || len(cfg.MAVLink.Endpoints) != 2 || cfg.MAVLink.SigningKey == "" || cfg.Storage.Dir != "/var/lib/aerocell" {
		t.Fatalf("env not applied: %+v", cfg)
	}
}

func TestDefaultsAreValid(t *testing.T) {
	cfg := DefaultConfig()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.topicName() != "default" || cfg.Fleet.DefaultProfile == "" {
		t.Fatalf("defaults %+v", cfg)
	}
	if _, ok := fleet.BuiltinProfiles()[cfg.Fleet.DefaultProfile]; !ok {
		t.Fatal("default profile is not built in")
	}
}

// The daemons of several incidents on one external broker get distinct
// client ids by default: with one shared id each connection would take
// the other's session over.
func TestDefaultClientID(t *testing.T) {
	for _, c := range []struct{ yml, want string }{
		{"", "aerocell-controller"}, // the embedded broker
		{`mqtt: {listen: "", broker: "mqtts://b:8883", topic: quake-a}`, "aerocell-controller-quake-a"},
		{`mqtt: {listen: "", broker: "mqtts://b:8883", topic: flood-b}`, "aerocell-controller-flood-b"},
		{`mqtt: {listen: "", broker: "mqtts://b:8883", client_id: ops-1}`, "ops-1"},
	} {
		cfg, err := ParseConfig(strings.NewReader(c.yml), "")
		if err != nil {
			t.Fatal(err)
		}
		if got := cfg.clientID(); got != c.want {
			t.Errorf("%s: client id %q, want %q", c.yml, got, c.want)
		}
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add("mavlink: {endpoints: [\"udpin:0.0.0.0:14550\"]}\n")
	f.Add("fleet: {drones: [{sysid: 1, count: 4, profile: heavy-multirotor}]}\n")
	f.Add("incident: {name: Quake, area: a.geojson, networks: [public]}\nmqtt: {topic: q}\n")
	if b, err := os.ReadFile(filepath.Join("..", "examples", "aerocell.yaml")); err == nil {
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, in string) {
		cfg, err := ParseConfig(strings.NewReader(in), "")
		if err != nil {
			return
		}
		// What is accepted is whole: it validates again and resolves.
		if err := cfg.Validate(); err != nil {
			t.Fatalf("accepted config fails validation: %v", err)
		}
		cfg.fleetConfig()
		cfg.topicName()
	})
}

// dem: is a directory of tiles taken relative to the configuration file;
// it reaches the fleet and the link as one DEM, and without it they get a
// nil interface (flat earth), never a typed nil.
func TestDEMConfig(t *testing.T) {
	cfg, err := ParseConfig(strings.NewReader("dem: dem/testdata"), "..")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Terrain() == nil || cfg.Terrain().Path() != filepath.Join("..", "dem", "testdata") {
		t.Fatalf("dem opened as %v", cfg.Terrain())
	}
	h, err := terrainOf(cfg).ElevationM(-71.36, 44.13)
	if err != nil || h < 250 || h > 400 {
		t.Fatalf("the valley floor at %.0f m: %v", h, err)
	}
	if terrainOf(DefaultConfig()) != nil {
		t.Fatal("no dem gave a non-nil terrain")
	}
	_, err = ParseConfig(strings.NewReader("dem: testdata"), "")
	if err == nil || !strings.Contains(err.Error(), "no .hgt tile") {
		t.Fatalf("a directory without tiles: %v", err)
	}
}
