// Package payload is the MAVLink protocol of a drone's base stations, as both
// ends of the radio speak it: the simulator's drones (package sim) report and
// switch their cells with it, and the ground station (package mavlink) reads
// and commands them with it. One definition keeps the two ends agreeing.
//
// A drone reports each cell it carries at 1 Hz as NAMED_VALUE_INT: StateName
// (0 off, 1 on, 2 failed) and UsersName (phones attached), and its airframe
// profile index as ProfileName every 5 s. Command (MAV_CMD_USER_1) switches a
// cell: param1 the Network, param2 1 on / 0 off.
//
// The package does no I/O and holds no state.
package payload

import (
	"fmt"
	"strings"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// Command switches a cell on or off.
const Command = common.MAV_CMD_USER_1

// ProfileName is the NAMED_VALUE_INT carrying the airframe profile index.
const ProfileName = "AC_PROFILE"

// Network is a base-station network: the public cell any phone attaches to,
// or the private cell for emergency services. The values are param1 of
// Command.
type Network int

// The two networks a drone may carry.
const (
	Public  Network = 1
	Private Network = 2
)

func (n Network) String() string {
	switch n {
	case Public:
		return "public"
	case Private:
		return "private"
	}
	return fmt.Sprintf("network(%d)", int(n))
}

// MarshalText writes the network's name, as JSON, YAML and the store carry
// it ("public", "private"; "" for no network in particular).
func (n Network) MarshalText() ([]byte, error) {
	switch n {
	case 0:
		return nil, nil
	case Public, Private:
		return []byte(n.String()), nil
	}
	return nil, fmt.Errorf("network %d: want public or private", int(n))
}

// ParseNetwork reads a network's name: "public" or "private".
func ParseNetwork(s string) (Network, error) {
	switch s {
	case "public":
		return Public, nil
	case "private":
		return Private, nil
	}
	return 0, fmt.Errorf("network %q: want public or private", s)
}

// UnmarshalText accepts "public", "private", 1 or 2, and "", "0" or "all"
// for no network in particular (0).
func (n *Network) UnmarshalText(b []byte) error {
	switch strings.ToLower(strings.TrimSpace(string(b))) {
	case "public", "1":
		*n = Public
	case "private", "2":
		*n = Private
	case "0", "", "all":
		*n = 0
	default:
		return fmt.Errorf("network %q: want public or private", string(b))
	}
	return nil
}

// StateName is the NAMED_VALUE_INT reporting network n's cell state;
// UsersName the one reporting its phones attached.
func StateName(n Network) string {
	if n == Private {
		return "BS_PRV"
	}
	return "BS_PUB"
}

// UsersName is StateName with the _UE suffix.
func UsersName(n Network) string { return StateName(n) + "_UE" }

// CellState is a cell's state as the protocol numbers it.
type CellState int8

// Cell states. CellAbsent is never sent: a ground station uses it for a
// cell it never heard of (the drone has none).
const (
	CellAbsent CellState = -1
	CellOff    CellState = 0
	CellOn     CellState = 1
	CellFailed CellState = 2
)

func (c CellState) String() string {
	switch c {
	case CellAbsent:
		return "absent"
	case CellOff:
		return "off"
	case CellOn:
		return "on"
	case CellFailed:
		return "failed"
	}
	return fmt.Sprintf("CellState(%d)", int8(c))
}
