package mavlink

import (
	"errors"
	"strings"
	"testing"

	"github.com/aerocell/aerocell/internal/closetest"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

func TestParseEndpoint(t *testing.T) {
	good := map[string]Endpoint{
		"udpin:0.0.0.0:14550":       {Kind: UDPIn, Address: "0.0.0.0:14550"},
		"UDPOUT:10.0.0.2:14551":     {Kind: UDPOut, Address: "10.0.0.2:14551"},
		"tcpin:0.0.0.0:5760":        {Kind: TCPIn, Address: "0.0.0.0:5760"},
		"tcpout:localhost:5760":     {Kind: TCPOut, Address: "localhost:5760"},
		"serial:/dev/ttyUSB0:57600": {Kind: Serial, Address: "/dev/ttyUSB0", Baud: 57600},
		"tlog:flight.tlog":          {Kind: TLog, Address: "flight.tlog"},
		"udpin:[::1]:14550":         {Kind: UDPIn, Address: "[::1]:14550"},
	}
	for s, want := range good {
		got, err := ParseEndpoint(s)
		if err != nil || got != want {
			t.Errorf("%q: %+v, %v; want %+v", s, got, err, want)
		}
	}
	bad := map[string]string{
		"":                       "want KIND:ADDRESS",
		"udp:1.2.3.4:14550":      "unknown kind",
		"udpin:14550":            "want HOST:PORT",
		"udpout:host:0":          "needs a port",
		"udpout::14550":          "needs a host",
		"tcpin:0.0.0.0:99999":    "port",
		"serial:/dev/ttyUSB0":    "serial:DEVICE:BAUD",
		"serial:/dev/ttyS0:fast": "baud",
		"tlog:":                  "want tlog:FILE",
	}
	for s, msg := range bad {
		_, err := ParseEndpoint(s)
		if !errors.Is(err, ErrBadEndpoint) || !strings.Contains(err.Error(), msg) {
			t.Errorf("%q: %v, want an error saying %q", s, err, msg)
		}
	}
	eps, err := ParseEndpoints("udpin:0.0.0.0:14550, udpout:10.0.0.2:14551")
	if err != nil || len(eps) != 2 {
		t.Fatalf("list: %v %v", eps, err)
	}
}

func TestOpenRejectsBadConfig(t *testing.T) {
	for name, cfg := range map[string]Config{
		"Endpoints":      {},
		"Forward":        {Endpoints: []string{"udpin:127.0.0.1:0"}, Forward: []string{"nope"}},
		"CommandTimeout": {Endpoints: []string{"udpin:127.0.0.1:0"}, CommandTimeout: -1},
	} {
		_, err := Open(cfg)
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != name {
			t.Errorf("%s: %v", name, err)
		}
	}
	s, err := Open(Config{Endpoints: []string{"udpin:127.0.0.1:0"}})
	if err != nil {
		t.Fatal(err)
	}
	defer closetest.Now(t, s)
	// the same port twice: a clear error, nothing left open
	_, err = Open(Config{Endpoints: []string{"udpin:" + s.Addrs()[0].String()}})
	if err == nil || !strings.Contains(err.Error(), s.Addrs()[0].String()) {
		t.Fatalf("port in use: %v", err)
	}
}

func TestModeNames(t *testing.T) {
	cases := []struct {
		ap   string
		mode uint32
		want string
	}{
		{"copter", 4, "GUIDED"}, {"copter", 6, "RTL"}, {"plane", 10, "AUTO"}, {"plane", 15, "GUIDED"},
		{"px4", 4<<16 | 4<<24, "AUTO.MISSION"}, {"px4", 6 << 16, "OFFBOARD"}, {"copter", 99, "MODE(99)"},
	}
	for _, c := range cases {
		ap, typ := autopilotFor(c.ap)
		if got := ModeName(ap, typ, c.mode); got != c.want {
			t.Errorf("%s %d: %q, want %q", c.ap, c.mode, got, c.want)
		}
		if c.want[0] == 'M' && c.want[1] == 'O' {
			continue
		}
		m, sub, err := modeNumber(ap, typ, strings.ToLower(c.want))
		wantM, wantSub := c.mode, uint32(0)
		if c.ap == "px4" {
			wantM, wantSub = c.mode>>16&0xff, c.mode>>24
		}
		if err != nil || m != wantM || sub != wantSub {
			t.Errorf("%s %q: %d/%d %v, want %d/%d", c.ap, c.want, m, sub, err, wantM, wantSub)
		}
	}
	ap, typ := autopilotFor("copter")
	if _, _, err := modeNumber(ap, typ, "FBWA"); !errors.Is(err, ErrUnknownMode) {
		t.Errorf("FBWA on a copter: %v", err)
	}
}

func autopilotFor(kind string) (ap common.MAV_AUTOPILOT, typ common.MAV_TYPE) {
	switch kind {
	case "copter":
		return common.MAV_AUTOPILOT_ARDUPILOTMEGA, common.MAV_TYPE_HEXAROTOR
	case "plane":
		return common.MAV_AUTOPILOT_ARDUPILOTMEGA, common.MAV_TYPE_FIXED_WING
	}
	return common.MAV_AUTOPILOT_PX4, common.MAV_TYPE_QUADROTOR
}
