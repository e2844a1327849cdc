package report

import (
	"encoding/json"
	"time"

	"github.com/aerocell/aerocell/payload"
	"github.com/paulmach/orb"
)

// Schema is the version of every JSON payload, in its "schema" field. A
// consumer ignores fields it does not know and refuses a schema it does not
// know.
const Schema = 1

// Network is one of the cells a drone carries (payload.Network, written
// by name: "public", "private").
type Network = payload.Network

const (
	// Public is the cell any phone can attach to.
	Public = payload.Public
	// Private is the cell of fire, rescue and medical teams.
	Private = payload.Private
)

// Severity of an alert, as CAP's.
type Severity string

const (
	Info     Severity = "info"
	Warning  Severity = "warning"
	Critical Severity = "critical"
)

// Alert kinds the reporter raises itself. The daemon forwards the
// controller's events under their own kinds (fleet.EventKind: "drone.lost",
// "rotation.begun", "battery.reserve", ...), declared once in fleet.
const (
	KindCoverageLost     = "coverage.lost"
	KindCoverageRestored = "coverage.restored"
	KindCoverageRelief   = "coverage.relief" // a team without a network: a relief is on its way
)

// StatusPayload is the controller's online/offline state on the status
// topic (retained; the offline one is also the Last Will).
type StatusPayload struct {
	Schema int    `json:"schema"`
	State  string `json:"state"` // "online" or "offline"
	// Time is when the state was published; absent in the Last Will, which
	// the broker sends at an unknown time.
	Time       *time.Time `json:"time,omitempty"`
	Controller string     `json:"controller,omitempty"`
	Reason     string     `json:"reason,omitempty"`
}

// PayloadState is one cell on a drone.
type PayloadState struct {
	State string `json:"state"` // "on", "off", "failed"
	Users int    `json:"users"`
}

// Link is what the controller knows of a drone's radio link.
type Link struct {
	Up      bool    `json:"up"`
	LossPct float64 `json:"loss_pct"`
}

// DroneState is one drone's state as the controller sees it; it is also the
// payload of drones/{id}/state (with Schema set by the reporter).
type DroneState struct {
	Schema     int       `json:"schema"`
	Time       time.Time `json:"time"`
	ID         int       `json:"id"` // MAVLink system id
	Lat        float64   `json:"lat"`
	Lon        float64   `json:"lon"`
	AltMSL     float64   `json:"alt_msl_m"`
	AltRel     float64   `json:"alt_rel_m"`
	BatteryPct float64   `json:"battery_pct"`
	TimeLeftS  float64   `json:"time_left_s,omitempty"`
	Mode       string    `json:"mode"`  // flight mode, e.g. "GUIDED"
	State      string    `json:"state"` // controller state, e.g. "on_station"
	Station    string    `json:"station,omitempty"`
	// ReliefFor names the station an idle drone waits on the ground to
	// relieve.
	ReliefFor string                   `json:"relief_for,omitempty"`
	Link      Link                     `json:"link"`
	Payload   map[Network]PayloadState `json:"payload"`
}

// Coverage is what is covered now, per network: the fraction of the area
// covered and the uncovered parts (lon/lat). A network with a fraction and
// no uncovered parts is covered everywhere; a network in neither map is not
// reported on (and teams are not alerted about it).
type Coverage struct {
	Time      time.Time
	Fraction  map[Network]float64
	Uncovered map[Network]orb.MultiPolygon
}

// CoveragePayload is the payload of the coverage topic.
type CoveragePayload struct {
	Schema   int                         `json:"schema"`
	Time     time.Time                   `json:"time"`
	Networks map[Network]NetworkCoverage `json:"networks"`
}

// NetworkCoverage is one network's coverage in CoveragePayload.
type NetworkCoverage struct {
	Fraction float64 `json:"fraction"`
	// Uncovered is a GeoJSON MultiPolygon, lon/lat; empty when all is
	// covered.
	Uncovered json.RawMessage `json:"uncovered"`
}

// Alert is one alert, for everyone (Team empty) or for one team. It is also
// the payload of the alerts topics, with Schema, ID and Seq set by the
// reporter.
type Alert struct {
	Schema int `json:"schema"`
	// ID is unique across controllers and restarts; consumers de-duplicate
	// by it.
	ID string `json:"id"`
	// Seq grows with every alert this controller raises (across restarts);
	// it has gaps where alerts went to other topics.
	Seq      uint64    `json:"seq"`
	Time     time.Time `json:"time"`
	Kind     string    `json:"kind"`
	Severity Severity  `json:"severity"`
	Network  Network   `json:"network,omitempty"`
	// Area is where the alert applies, a GeoJSON geometry (lon/lat).
	Area json.RawMessage `json:"area,omitempty"`
	Text string          `json:"text"`
	// Drone is the MAVLink system id the alert is about, if any.
	Drone int `json:"drone,omitempty"`
	// Team is the team the alert is for; empty for everyone.
	Team string `json:"team,omitempty"`
	// ExpectedReturn is when the network is expected back at Area, when a
	// relief is on its way.
	ExpectedReturn *time.Time `json:"expected_return,omitempty"`
	// Task is the task (a supply drop a team asked for) the alert is
	// about, Status where it is (pending, assigned, active, done, failed,
	// refused, cancelled) and ETA when it is expected done.
	Task   string     `json:"task,omitempty"`
	Status string     `json:"status,omitempty"`
	ETA    *time.Time `json:"eta,omitempty"`
}

// DecodeAlert parses an alert payload as a consumer would.
func DecodeAlert(data []byte) (Alert, error) {
	var a Alert
	if err := json.Unmarshal(data, &a); err != nil {
		return Alert{}, err
	}
	if a.Schema != Schema {
		return Alert{}, errSchema(a.Schema)
	}
	return a, nil
}
