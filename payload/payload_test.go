package payload

import (
	"encoding/json"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestNames(t *testing.T) {
	if StateName(Public) != "BS_PUB" || StateName(Private) != "BS_PRV" || UsersName(Private) != "BS_PRV_UE" {
		t.Fatal("protocol names changed")
	}
	for in, want := range map[string]Network{"public": Public, " Private ": Private, "1": Public, "2": Private, "": 0, "all": 0} {
		var n Network
		if err := n.UnmarshalText([]byte(in)); err != nil || n != want {
			t.Errorf("%q: %v %v", in, n, err)
		}
	}
	var n Network
	if err := n.UnmarshalText([]byte("wifi")); err == nil {
		t.Error("wifi accepted")
	}
	if CellOn.String() != "on" || CellAbsent.String() != "absent" || CellState(7).String() != "CellState(7)" {
		t.Error("cell names")
	}
}

// A network is written by name wherever it is stored or sent, as a value
// and as a map key, so that the one Network type (issue 13) reads what the
// controller's string type wrote before it: the store, the API, MQTT and
// the YAML configuration.
func TestNetworkText(t *testing.T) {
	b, err := json.Marshal(map[Network]float64{Public: 0.5, Private: 0.25})
	if err != nil || string(b) != `{"private":0.25,"public":0.5}` {
		t.Fatalf("map by network: %s %v", b, err)
	}
	var m map[Network]float64
	if err := json.Unmarshal([]byte(`{"public":0.5,"private":0.25}`), &m); err != nil || m[Public] != 0.5 || m[Private] != 0.25 {
		t.Fatalf("read back: %v %v", m, err)
	}
	type alert struct {
		Network Network `json:"network,omitempty"`
	}
	if b, _ := json.Marshal(alert{}); string(b) != `{}` {
		t.Errorf("no network: %s", b)
	}
	if b, _ := json.Marshal(alert{Private}); string(b) != `{"network":"private"}` {
		t.Errorf("private: %s", b)
	}
	if err := json.Unmarshal([]byte(`{"network":"wifi"}`), new(alert)); err == nil {
		t.Error("wifi read as a network")
	}
	if _, err := json.Marshal(alert{Network(7)}); err == nil {
		t.Error("network 7 written")
	}
	var nets []Network
	if err := yaml.Unmarshal([]byte("[public, private]"), &nets); err != nil || len(nets) != 2 || nets[0] != Public || nets[1] != Private {
		t.Fatalf("yaml: %v %v", nets, err)
	}
	if y, err := yaml.Marshal([]Network{Public}); err != nil || string(y) != "- public\n" {
		t.Errorf("yaml out: %q %v", y, err)
	}
	for s, want := range map[string]Network{"public": Public, "private": Private} {
		if n, err := ParseNetwork(s); err != nil || n != want {
			t.Errorf("ParseNetwork(%q) = %v, %v", s, n, err)
		}
	}
	if _, err := ParseNetwork("Public "); err == nil {
		t.Error("ParseNetwork is strict")
	}
}
