package sim

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aerocell/aerocell/internal/closetest"
	"github.com/bluenviron/gomavlib/v3"
)

func TestParseFleetFile(t *testing.T) {
	data, err := os.ReadFile("testdata/fleet.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f, err := ParseFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	ds := f.DroneConfigs(LatLonAlt{})
	if len(ds) != 6 {
		t.Fatalf("%d drones, want 6", len(ds))
	}
	ids := []uint8{1, 2, 10, 11, 12, 20}
	for i, d := range ds {
		if d.SysID != ids[i] {
			t.Fatalf("drone %d has sysid %d, want %d", i, d.SysID, ids[i])
		}
	}
	if ds[0].GroundStation == nil || ds[0].GroundStation.Alt != 121 || ds[1].Home.Lat != 45.4642 {
		t.Fatalf("drones %+v", ds[:2])
	}
	if n, e := northEast(ds[2].Home.Lat, ds[2].Home.Lon, ds[4].Home.Lat, ds[4].Home.Lon); n > 0.01 || e < 39.9 || e > 40.1 {
		t.Fatalf("count spacing: %.2f N %.2f E", n, e)
	}
	ps := f.ProfileList()
	if len(ps) != 4 || ps[3].Name != "long-tether" || ps[3].Tether.LengthM != 250 || ps[3].Ceiling != 240 || ps[3].CruiseSpeed != 10 || len(ps[3].Cells) != 2 {
		t.Fatalf("inherited profile %+v", ps[3])
	}
	if BuiltinProfiles()[0].Tether.LengthM != 150 {
		t.Fatal("the base profile was changed")
	}
	sf := f.ScheduledFaults()
	if len(sf) != 3 || sf[0].Fault.Kind != FaultLinkDrop || sf[1].SysID != 0 || sf[2].Fault.Network != Private || sf[0].At != 2*time.Minute {
		t.Fatalf("faults %+v", sf)
	}
	if f.Wind == nil || f.Wind.FromDeg != 270 || f.GCSTimeout != 5*time.Second {
		t.Fatalf("wind %+v timeout %v", f.Wind, f.GCSTimeout)
	}
	// the file starts a fleet whose profile indices follow the file
	fl, err := Start(context.Background(), Config{
		Clock: scaled(t, 200), Drones: ds, Profiles: ps, Faults: sf, Wind: *f.Wind,
		Endpoints: []gomavlib.EndpointConf{gomavlib.EndpointUDPClient{Address: addr(freeUDPPort(t))}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer closetest.Now(t, fl)
	if s := fl.Drone(2).State(); s.ProfileIndex != 3 || s.TetherM != 250 {
		t.Fatalf("drone 2: profile %d tether %v", s.ProfileIndex, s.TetherM)
	}
	wait(t, fl, 30*time.Second, "scheduled link drop", func(s Snapshot) bool { return s.Drones[1].HasFault(FaultLinkDrop) })
}

func TestParseFileErrorsNameTheField(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"drones:\n  - {sysid: 0}\n", "drones[0].sysid"},
		{"drones:\n  - {sysid: 1, profile: blimp}\n", "drones[0].profile"},
		{"drones:\n  - {sysid: 250, count: 10}\n", "drones[0].count"},
		{"drones:\n  - {sysid: 1, sysidd: 2}\n", "sysidd"},
		{"drones:\n  - {sysid: 1, home: {lat: 95, lon: 0}}\n", "drones[0].home.Lat"},
		{"profiles:\n  - {name: x, base: nothing}\n", "profiles[0].base"},
		{"profiles:\n  - {name: x, frame: blimp}\n", "profiles[0].frame"},
		{"profiles:\n  - {name: x, base: heavy-multirotor, battery: {cells: 0}}\n", "profiles[0].battery.cells"},
		{"profiles:\n  - {name: x, base: heavy-multirotor, cells: [{network: public, freq_mhz: 800}, {network: public, freq_mhz: 800}]}\n", "profiles[0].cells[1].network"},
		{"profiles:\n  - {name: x, base: heavy-multirotor, cells: [{network: mobile}]}\n", "network"},
		{"profiles:\n  - {name: x, base: fixed-wing-relay, tether: {length_m: 100}}\n", "profiles[0].tether"},
		{"profiles:\n  - {name: x, base: heavy-multirotor, cruise_speed: -1}\n", "profiles[0].cruise_speed"},
		{"faults:\n  - {kind: packet-loss, percent: 200}\n", "faults[0].percent"},
		{"faults:\n  - {kind: sunburn}\n", "faults[0].kind"},
		{"faults:\n  - {kind: link-drop, at: -1s}\n", "faults[0].at"},
		{"faults:\n  - {kind: link-drop, duration: ten}\n", "duration"},
		{"wind: {speed: -3}\n", "wind"},
		{"gcs_timeout: -1s\n", "gcs_timeout"},
		{"drones: 7\n", "drones"},
	} {
		_, err := ParseFile(strings.NewReader(c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v, want it to name %q", c.yaml, err, c.want)
		}
	}
}

func TestConfigErrorsNameTheField(t *testing.T) {
	ep := []gomavlib.EndpointConf{gomavlib.EndpointUDPClient{Address: "127.0.0.1:9"}}
	ok := DroneConfig{SysID: 1, Home: testHome}
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{Endpoints: ep}, "Drones"},
		{Config{Drones: []DroneConfig{ok}}, "Endpoints"},
		{Config{Drones: []DroneConfig{ok, ok}, Endpoints: ep}, "Drones[1].SysID"},
		{Config{Drones: []DroneConfig{{SysID: 255}}, Endpoints: ep}, "Drones[0].SysID"},
		{Config{Drones: []DroneConfig{{SysID: 1, Profile: "blimp"}}, Endpoints: ep}, "Drones[0].Profile"},
		{Config{Drones: []DroneConfig{{SysID: 1, Home: LatLonAlt{Lat: 91}}}, Endpoints: ep}, "Drones[0].Home.Lat"},
		{Config{Drones: []DroneConfig{{SysID: 1, TetherM: -5}}, Endpoints: ep}, "Drones[0].TetherM"},
		{Config{Drones: []DroneConfig{ok}, Endpoints: ep, Wind: Wind{GustMS: -1}}, "Wind.GustMS"},
		{Config{Drones: []DroneConfig{ok}, Endpoints: ep, GCSTimeout: -time.Second}, "GCSTimeout"},
		{Config{Drones: []DroneConfig{ok}, Endpoints: ep, Profiles: []Profile{{Name: "x"}}}, "Profiles[0].frame"},
		{Config{Drones: []DroneConfig{ok}, Endpoints: ep, Faults: []ScheduledFault{{SysID: 9, Fault: Fault{Kind: FaultGPS}}}}, "Faults[0].SysID"},
		{Config{Drones: []DroneConfig{ok}, Endpoints: ep, Faults: []ScheduledFault{{Fault: Fault{Kind: FaultLatency}}}}, "Faults[0].latency"},
	} {
		_, err := Start(context.Background(), c.cfg)
		var fe *FieldError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err = %v, want a FieldError naming %q", c.cfg, err, c.want)
		}
	}
	// a bad endpoint is an error, not a panic
	if _, err := Start(context.Background(), Config{Drones: []DroneConfig{ok},
		Endpoints: []gomavlib.EndpointConf{gomavlib.EndpointTCPServer{Address: "256.0.0.1:http"}}}); err == nil {
		t.Error("a bad listen address started")
	}
}

// FuzzParseFile: any input gives a File or an error, never a panic, and a
// File that parses starts a valid configuration.
func FuzzParseFile(f *testing.F) {
	seed, err := os.ReadFile("testdata/fleet.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte("drones:\n  - {sysid: 1}\n"))
	f.Add([]byte("profiles:\n  - {name: a, base: heavy-multirotor, cells: [{network: private}]}\n"))
	f.Add([]byte("faults:\n  - {at: 1s, kind: latency, latency: 2s}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := ParseFile(bytes.NewReader(data))
		if err != nil {
			return
		}
		cfg := Config{
			Drones: file.DroneConfigs(testHome), Profiles: file.ProfileList(), Faults: file.ScheduledFaults(),
			Endpoints: []gomavlib.EndpointConf{gomavlib.EndpointUDPClient{Address: "127.0.0.1:9"}},
		}
		if len(cfg.Drones) == 0 {
			return
		}
		if err := cfg.Validate(); err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("a parsed file gives a config error without a field: %v", err)
			}
		}
	})
}
