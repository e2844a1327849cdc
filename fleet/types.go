package fleet

import (
	"encoding/json"
	"time"

	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/payload"
	"github.com/aerocell/aerocell/task"
	"github.com/paulmach/orb"
)

// Network is one of the two cells a drone may carry: the one type the
// link layer, the simulator, the controller and the reports share. It is
// written by name ("public", "private") in JSON, YAML and the store.
type Network = payload.Network

const (
	// Public is the cell any phone of any carrier can attach to.
	Public = payload.Public
	// Private is the cell on which fire, rescue and medical teams talk.
	Private = payload.Private
)

// cellNetwork is n as coverage's network set holds it.
func cellNetwork(n Network) coverage.Networks { return coverage.NetworkSet(n) }

// fromCell is the one network of coverage's set c (Public unless c is the
// private network alone).
func fromCell(c coverage.Networks) Network {
	if c == coverage.Private {
		return Private
	}
	return Public
}

// Networks lists the networks in a fixed order.
var Networks = [...]Network{Public, Private}

// IncidentSpec is what a commander gives to open or edit an incident.
type IncidentSpec struct {
	Name string `json:"name"`
	// Area is the disaster area as GeoJSON (Polygon or MultiPolygon, bare
	// or as a Feature or FeatureCollection), lon/lat.
	Area json.RawMessage `json:"area"`
	// Networks wanted over the area; both when empty.
	Networks []Network `json:"networks,omitempty"`
	// TargetCoverage is the fraction of the area to cover; 0.99 when zero.
	TargetCoverage float64 `json:"target_coverage,omitempty"`
	// NoFly zones as GeoJSON polygons (optional).
	NoFly json.RawMessage `json:"no_fly,omitempty"`
}

// IncidentState is where an incident is in its life.
type IncidentState string

const (
	IncidentPlanned   IncidentState = "planned"   // created, nothing flying
	IncidentDeploying IncidentState = "deploying" // drones on their way
	IncidentHolding   IncidentState = "holding"   // coverage up, kept up
	IncidentRecalled  IncidentState = "recalled"  // drones sent home
	IncidentClosed    IncidentState = "closed"
)

// Incident is the area being covered and what is wanted over it.
type Incident struct {
	ID string `json:"id"`
	IncidentSpec
	State     IncidentState `json:"state"`
	CreatedAt time.Time     `json:"created_at"`
	ClosedAt  *time.Time    `json:"closed_at,omitempty"`
}

// Station is a place in the plan where a drone hovers with its cells on.
type Station struct {
	ID       string              `json:"id"`
	Lat      float64             `json:"lat"`
	Lon      float64             `json:"lon"`
	AltM     float64             `json:"alt_m"` // above the launch point
	RadiusM  map[Network]float64 `json:"radius_m"`
	Networks []Network           `json:"networks"`
	Profile  string              `json:"profile"`
	Site     string              `json:"launch_site,omitempty"` // tethered stations
	Pinned   bool                `json:"pinned"`
	Drone    int                 `json:"drone,omitempty"` // system id assigned, 0 if none
	// Intermittent: the drones there are cannot keep this station served
	// without a gap (too few for its rotation, or too far): it is served
	// while a drone can be there, and shown as such.
	Intermittent bool `json:"intermittent,omitempty"`
	// GroundM is the ground under the station, when the plan was placed
	// over terrain (Config.Terrain); AltM is then above that ground.
	GroundM *float64 `json:"ground_m,omitempty"`
}

// Plan is the set of stations the controller is flying to.
type Plan struct {
	Stations []Station `json:"stations"`
	// Coverage per network that the plan gives when every station is held.
	Coverage map[Network]float64 `json:"coverage"`
	// LowerBound is area / (pi r^2) for the largest radius: no plan can use
	// fewer stations.
	LowerBound float64 `json:"lower_bound"`
	// Planned is how many stations the deployment planned; a plan shrunk
	// after losses grows back towards it as drones return.
	Planned   int       `json:"planned_stations"`
	CreatedAt time.Time `json:"created_at"`
	Reason    string    `json:"reason"`
	// Terrain: the stations were placed over terrain (Config.Terrain) and
	// Coverage is measured over it.
	Terrain bool `json:"terrain,omitempty"`
}

// DroneState is the controller's state machine for one drone.
type DroneState string

const (
	DroneIdle      DroneState = "idle"       // on the ground, available
	DroneLaunching DroneState = "launching"  // arming and taking off
	DroneTransit   DroneState = "transit"    // flying to its station
	DroneOnStation DroneState = "on_station" // holding, cells on
	DroneReturning DroneState = "returning"  // going home (relieved, recalled, low)
	DroneLost      DroneState = "lost"       // no heartbeat for the link timeout
	DroneFailed    DroneState = "failed"     // crashed, payload failed, refused orders
	DroneManual    DroneState = "manual"     // under a commander's own order
	DroneExcluded  DroneState = "excluded"   // taken out of automation by a commander
)

// PayloadState is one cell's state on a drone.
type PayloadState struct {
	State string `json:"state"` // "on", "off", "failed"
	Users int    `json:"users"`
}

// Link is what the controller knows of a drone's radio link.
type Link struct {
	Up        bool      `json:"up"`
	LastHeard time.Time `json:"last_heard"`
	LossPct   float64   `json:"loss_pct"`
	RateHz    float64   `json:"rate_hz"`
	Via       []string  `json:"via"`
}

// Tether is a tethered drone's ground station and reach.
type Tether struct {
	Site    string  `json:"site"`
	Lat     float64 `json:"lat"`
	Lon     float64 `json:"lon"`
	LengthM float64 `json:"length_m"`
}

// Drone is the controller's view of one aircraft.
type Drone struct {
	ID         int                      `json:"id"` // MAVLink system id
	Profile    string                   `json:"profile"`
	State      DroneState               `json:"state"`
	Station    string                   `json:"station,omitempty"`
	Lat        float64                  `json:"lat"`
	Lon        float64                  `json:"lon"`
	AltMSL     float64                  `json:"alt_msl_m"`
	AltRel     float64                  `json:"alt_rel_m"`
	HeadingDeg float64                  `json:"heading_deg"`
	SpeedMS    float64                  `json:"speed_ms"`
	Armed      bool                     `json:"armed"`
	Mode       string                   `json:"mode"`
	BatteryPct float64                  `json:"battery_pct"`
	VoltageV   float64                  `json:"voltage_v"`
	TimeLeftS  float64                  `json:"time_left_s"`
	Link       Link                     `json:"link"`
	Payload    map[Network]PayloadState `json:"payload"`
	Tether     *Tether                  `json:"tether,omitempty"`
	Status     string                   `json:"status_text,omitempty"` // last STATUSTEXT
	// Commands counts the command sequences sent to the drone since the
	// controller started.
	Commands uint64 `json:"commands"`
	// ReliefFor names the station an idle drone is kept on the ground for,
	// to relieve its holder when that one must go home for a battery.
	ReliefFor string `json:"relief_for,omitempty"`
}

// Coverage is what is covered now, computed from the drones' actual
// positions and cell states, per network.
type Coverage struct {
	Time     time.Time           `json:"time"`
	Fraction map[Network]float64 `json:"fraction"`
	// Uncovered parts of the area, lon/lat.
	Uncovered map[Network]orb.MultiPolygon `json:"-"`
	// Footprints are the shapes the drones' cells cover over terrain
	// (Config.Terrain set; none on flat earth, where they are circles).
	Footprints []FootprintShape `json:"-"`
}

// FootprintShape is what one drone's cell of one network covers over
// terrain, lon/lat.
type FootprintShape struct {
	Drone   int
	Network Network
	Shape   orb.MultiPolygon
}

// LaunchSite is a point drones take off from; tethered drones are tied to
// one.
type LaunchSite struct {
	Name     string  `json:"name"`
	Lat      float64 `json:"lat"`
	Lon      float64 `json:"lon"`
	Capacity int     `json:"capacity"`
}

// Snapshot is the whole state the loop publishes, at least once a second and
// on every change. Consumers must treat it as read-only.
type Snapshot struct {
	Time        time.Time    `json:"time"`
	Incident    *Incident    `json:"incident,omitempty"`
	Plan        *Plan        `json:"plan,omitempty"`
	Drones      []Drone      `json:"drones"`
	Coverage    Coverage     `json:"coverage"`
	Paused      bool         `json:"paused"` // automation paused by a commander
	LaunchSites []LaunchSite `json:"launch_sites"`
	// Tasks are the drops, surveys and fire tasks, oldest first.
	Tasks []task.Task `json:"tasks"`
}

// Located counts the drones that have reported a position: a drone heard
// before its first position report is not planned with until it has (a
// deployment waits for the fleet to be located, not only heard).
func (s Snapshot) Located() int {
	n := 0
	for _, d := range s.Drones {
		if d.Lat != 0 || d.Lon != 0 {
			n++
		}
	}
	return n
}

// Severity of an event.
type Severity string

const (
	Info     Severity = "info"
	Warning  Severity = "warning"
	Critical Severity = "critical"
)

// Event is one entry of the event log: every automatic action with its
// reason, every order, every change a field team or commander must know.
type Event struct {
	Seq      uint64    `json:"seq"`
	Time     time.Time `json:"time"`
	Kind     EventKind `json:"kind"` // e.g. EventDroneLost ("drone.lost")
	Severity Severity  `json:"severity"`
	Drone    int       `json:"drone,omitempty"`
	Station  string    `json:"station,omitempty"`
	Network  Network   `json:"network,omitempty"`
	Text     string    `json:"text"`
	Reason   string    `json:"reason,omitempty"`
	// ETA is when a drone sent to a station is expected on it, cells on,
	// or when a task is expected done.
	ETA *time.Time `json:"eta,omitempty"`
	// Task is the task the event is about; Team the field team that asked
	// for it, whose alerts carry it.
	Task string `json:"task,omitempty"`
	Team string `json:"team,omitempty"`
}

// OrderKind is a commander's order to one drone.
type OrderKind string

const (
	OrderGoto    OrderKind = "goto"
	OrderRTL     OrderKind = "rtl"
	OrderLand    OrderKind = "land"
	OrderRelease OrderKind = "release" // hand a manual drone back to automation
	// OrderApprove adopts a drone heard but not in the configured fleet.
	OrderApprove OrderKind = "approve"
)

// Order is a commander's order to one drone.
type Order struct {
	Kind OrderKind `json:"kind"`
	Lat  float64   `json:"lat,omitempty"`
	Lon  float64   `json:"lon,omitempty"`
	AltM float64   `json:"alt_m,omitempty"`
}
