package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/aerocell/aerocell/airframe"
	"github.com/aerocell/aerocell/api"
	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/fleet"
	"github.com/aerocell/aerocell/task"
)

// scriptedFleet is a stand-in controller for the page's browser test: drones
// are heard one after another on the ground; after Deploy they fly to their
// stations and turn their cells on, and the covered fractions rise. Coverage
// is counted on a grid of the area, so its uncovered parts are grid cells.
type scriptedFleet struct {
	mu       sync.Mutex
	start    time.Time
	deployed time.Time // zero until Deploy
	inc      fleet.Incident
	area     orb.Polygon
	sites    []fleet.LaunchSite
	plan     fleet.Plan
	drones   []fakeDrone
	log      []fleet.Event
	subs     map[chan fleet.Event]struct{}
	tasks    []task.Task
	// approval: tasks wait for a commander's approval (fleet.tasks.approval);
	// taken counts the photos a survey task has taken, by task.
	approval bool
	taken    map[string]int
	arrived  map[int]bool
	orders   []string
	closed   bool // no incident open
	lost     int  // a drone whose link is gone, 0 for none
	noShapes bool // publish fractions without uncovered shapes
	// lat0, lon0 is the centre of the scripted incident.
	lat0, lon0 float64
	// terrain, when set, is the DEM the stations' footprints are swept
	// over (coverage's terrain model, heavy multirotor cells): the
	// snapshot then carries their shapes, as the controller's does.
	terrain coverage.Terrain
	region  *coverage.Region
	swept   map[string]sweptStation // by station, swept once
}

// sweptStation is a station's footprints over the terrain and their shapes.
type sweptStation struct {
	fps    map[fleet.Network]*coverage.Footprint
	shapes []fleet.FootprintShape
}

type fakeDrone struct {
	id      int
	site    int     // index in sites
	battery float64 // at start
	tether  bool
	heardAt time.Duration // after start
	station int           // index in plan.Stations, -1 for a spare
}

var _ api.Controller = (*scriptedFleet)(nil)

// The Aare valley, where the scripted incident and the teams are.
const aareLat, aareLon = 46.93, 7.45

// ll is a point offset in kilometres east/north of the Aare valley centre.
func ll(eastKm, northKm float64) orb.Point {
	return orb.Point{aareLon + eastKm*1000/(111320*math.Cos(aareLat*math.Pi/180)), aareLat + northKm*1000/111320}
}

// newScriptedFleet is the scripted incident in the Aare valley.
func newScriptedFleet() *scriptedFleet { return newScriptedFleetAt(aareLat, aareLon) }

// newScriptedFleetAt is the scripted incident centred on lat0, lon0.
func newScriptedFleetAt(lat0, lon0 float64) *scriptedFleet {
	// offsets in kilometres east/north of the centre
	ll := func(eastKm, northKm float64) orb.Point {
		return orb.Point{lon0 + eastKm*1000/(111320*math.Cos(lat0*math.Pi/180)), lat0 + northKm*1000/111320}
	}
	ring := orb.Ring{ll(-5, -1.5), ll(-3, -2.6), ll(0, -2.2), ll(3, -2.8), ll(5, -1.6), ll(5.2, 1.0),
		ll(3, 2.2), ll(0, 1.8), ll(-2.5, 2.6), ll(-5, 1.5), ll(-5, -1.5)}
	area := orb.Polygon{ring}
	areaJSON, _ := json.Marshal(map[string]any{"type": "Polygon", "coordinates": area})
	noFly := orb.Polygon{{ll(2.0, 1.0), ll(2.8, 1.0), ll(2.8, 1.6), ll(2.0, 1.6), ll(2.0, 1.0)}}
	noFlyJSON, _ := json.Marshal(map[string]any{"type": "Polygon", "coordinates": noFly})
	now := time.Now()
	f := &scriptedFleet{
		start: now,
		area:  area,
		lat0:  lat0,
		lon0:  lon0,
		inc: fleet.Incident{ID: "inc-7", State: fleet.IncidentPlanned, CreatedAt: now,
			IncidentSpec: fleet.IncidentSpec{Name: "Aare valley flood", Area: areaJSON, NoFly: noFlyJSON, TargetCoverage: 0.95}},
		subs:    map[chan fleet.Event]struct{}{},
		arrived: map[int]bool{},
	}
	w, c := ll(-5.6, -3.0), ll(1.0, -3.6)
	f.sites = []fleet.LaunchSite{
		{Name: "Fire station West", Lon: w.Lon(), Lat: w.Lat(), Capacity: 2},
		{Name: "Command post", Lon: c.Lon(), Lat: c.Lat(), Capacity: 4},
	}
	for i, p := range []orb.Point{ll(-3.7, -0.3), ll(-1.2, 0.1), ll(1.3, -0.3), ll(3.8, 0.0)} {
		st := fleet.Station{ID: fmt.Sprintf("s%d", i+1), Lon: p.Lon(), Lat: p.Lat(), AltM: 120,
			RadiusM:  map[fleet.Network]float64{fleet.Public: 2100, fleet.Private: 2900},
			Networks: fleet.Networks[:], Profile: "quad-cell", Drone: i + 1}
		if i == 0 {
			st.Site, st.Profile = f.sites[0].Name, "tethered"
		}
		f.plan.Stations = append(f.plan.Stations, st)
	}
	f.plan.LowerBound = 2.6
	f.plan.CreatedAt = now
	f.plan.Reason = "4 stations cover the valley; the north-east bend stays thin"
	f.drones = []fakeDrone{
		{id: 1, site: 0, battery: -1, tether: true, heardAt: 0, station: 0}, // powered by the tether
		{id: 2, site: 1, battery: 96, heardAt: 300 * time.Millisecond, station: 1},
		{id: 3, site: 1, battery: 71, heardAt: 600 * time.Millisecond, station: 2},
		{id: 4, site: 1, battery: 38, heardAt: 900 * time.Millisecond, station: 3},
		{id: 5, site: 1, battery: 100, heardAt: 1200 * time.Millisecond, station: -1},
	}
	cov := f.coverage(f.plan.Stations)
	f.plan.Coverage = cov.Fraction
	f.emit(fleet.Event{Kind: "incident.opened", Severity: fleet.Info, Text: "Incident opened: Aare valley flood"})
	return f
}

// emit logs an event and sends it to subscribers; the caller holds mu or
// has not shared f yet.
func (f *scriptedFleet) emit(ev fleet.Event) {
	ev.Seq = uint64(len(f.log) + 1)
	ev.Time = time.Now()
	f.log = append(f.log, ev)
	for ch := range f.subs {
		select {
		case ch <- ev:
		default:
		}
	}
}

// flight is how long a drone takes from its site to its station.
const flight = 3 * time.Second

func (f *scriptedFleet) Snapshot() fleet.Snapshot {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	snap := fleet.Snapshot{Time: now, LaunchSites: f.sites, Drones: []fleet.Drone{}}
	inc := f.inc
	if !f.closed {
		snap.Incident = &inc
	}
	var onStation []fleet.Station
	for _, d := range f.drones {
		if now.Sub(f.start) < d.heardAt {
			continue
		}
		site := f.sites[d.site]
		dr := fleet.Drone{ID: d.id, Profile: "quad-cell", State: fleet.DroneIdle, Lat: site.Lat, Lon: site.Lon,
			AltMSL: 540, Mode: "STABILIZE", BatteryPct: d.battery, VoltageV: 16.8 * (0.8 + 0.2*d.battery/100),
			TimeLeftS: d.battery * 25, Link: fleet.Link{Up: true, LastHeard: now, RateHz: 10, Via: []string{"udp:14550"}},
			Payload: map[fleet.Network]fleet.PayloadState{fleet.Public: {State: "off"}, fleet.Private: {State: "off"}}}
		if d.tether {
			dr.Profile = "tethered"
			dr.Tether = &fleet.Tether{Site: site.Name, Lat: site.Lat, Lon: site.Lon, LengthM: 4000}
		}
		if !f.deployed.IsZero() && d.station >= 0 {
			st := f.plan.Stations[d.station]
			k := math.Min(1, float64(now.Sub(f.deployed))/float64(flight*time.Duration(d.id)/2))
			dr.Lat = site.Lat + (st.Lat-site.Lat)*k
			dr.Lon = site.Lon + (st.Lon-site.Lon)*k
			dr.HeadingDeg = math.Mod(math.Atan2((st.Lon-site.Lon)*math.Cos(f.lat0*math.Pi/180), st.Lat-site.Lat)*180/math.Pi+360, 360)
			dr.Armed, dr.AltRel, dr.Mode = true, 120*math.Min(1, k*3), "GUIDED"
			dr.AltMSL += dr.AltRel
			if d.battery >= 0 {
				dr.BatteryPct = d.battery - 6*k
			}
			dr.Station = st.ID
			if k < 1 {
				dr.State, dr.SpeedMS = fleet.DroneTransit, 14
			} else {
				dr.State = fleet.DroneOnStation
				dr.Payload = map[fleet.Network]fleet.PayloadState{fleet.Public: {State: "on", Users: 40 * d.id}, fleet.Private: {State: "on", Users: 3 * d.id}}
				onStation = append(onStation, st)
				if !f.arrived[d.id] {
					f.arrived[d.id] = true
					f.emit(fleet.Event{Kind: "drone.on_station", Severity: fleet.Info, Drone: d.id, Station: st.ID,
						Text: fmt.Sprintf("Drone %d on station %s, cells on", d.id, st.ID)})
					if d.battery >= 0 && d.battery < 50 {
						f.emit(fleet.Event{Kind: "battery.low", Severity: fleet.Warning, Drone: d.id,
							Text: fmt.Sprintf("Drone %d battery %d%%: relief planned", d.id, int(dr.BatteryPct)), Reason: "below 35% on station"})
					}
				}
			}
		}
		if d.id == f.lost {
			dr.State, dr.Link.Up, dr.SpeedMS = fleet.DroneLost, false, 0
			dr.Link.LastHeard = now.Add(-12 * time.Second)
			dr.Payload = map[fleet.Network]fleet.PayloadState{fleet.Public: {State: "off"}, fleet.Private: {State: "off"}}
			if len(onStation) > 0 && onStation[len(onStation)-1].Drone == d.id {
				onStation = onStation[:len(onStation)-1]
			}
		}
		snap.Drones = append(snap.Drones, dr)
	}
	if !f.deployed.IsZero() && snap.Incident != nil {
		plan := f.plan
		snap.Plan = &plan
		if len(onStation) == len(f.plan.Stations) {
			snap.Incident.State = fleet.IncidentHolding
		} else {
			snap.Incident.State = fleet.IncidentDeploying
		}
	}
	snap.Coverage = f.coverage(onStation)
	snap.Coverage.Time = now
	snap.Tasks = slices.Clone(f.tasks)
	if f.noShapes {
		snap.Coverage.Uncovered = nil
	}
	if f.terrain != nil {
		f.terrainCoverage(&snap.Coverage, onStation)
	}
	return snap
}

// terrainCoverage measures the stations on station over the terrain, as
// the controller does with a DEM: fractions, uncovered parts and each
// cell's shape from their footprints; the caller holds mu.
func (f *scriptedFleet) terrainCoverage(c *fleet.Coverage, onStation []fleet.Station) {
	if f.region == nil {
		var ring coverage.GeoRing
		for _, p := range f.area[0] {
			ring = append(ring, coverage.LonLat{Lon: p.Lon(), Lat: p.Lat()})
		}
		reg, err := coverage.Prepare(coverage.Incident{Area: coverage.GeoMultiPolygon{{ring}}})
		if err != nil {
			panic(err) // the scripted area is valid
		}
		f.region, f.swept = reg, map[string]sweptStation{}
	}
	var pub, prv []*coverage.Footprint
	for _, st := range onStation {
		sw := f.sweep(st)
		pub, prv = append(pub, sw.fps[fleet.Public]), append(prv, sw.fps[fleet.Private])
		c.Footprints = append(c.Footprints, sw.shapes...)
	}
	rep, err := f.region.LiveTerrain(pub, prv, 90, true)
	if err != nil {
		panic(err) // the scripted area is valid
	}
	c.Fraction = map[fleet.Network]float64{fleet.Public: rep.Public.Fraction, fleet.Private: rep.Private.Fraction}
	c.Uncovered = map[fleet.Network]orb.MultiPolygon{fleet.Public: orbOf(rep.UncoveredPublic), fleet.Private: orbOf(rep.UncoveredPrivate)}
}

// orbOf is a coverage multipolygon as orb's.
func orbOf(g coverage.GeoMultiPolygon) orb.MultiPolygon {
	mp := orb.MultiPolygon{}
	for _, poly := range g {
		var op orb.Polygon
		for _, r := range poly {
			or := make(orb.Ring, len(r))
			for i, q := range r {
				or[i] = orb.Point{q.Lon, q.Lat}
			}
			op = append(op, or)
		}
		mp = append(mp, op)
	}
	return mp
}

// sweep sweeps a station's cells over the terrain (heavy multirotor
// cells, once per station); the caller holds mu and has prepared the
// region (terrainCoverage).
func (f *scriptedFleet) sweep(st fleet.Station) sweptStation {
	if sw, ok := f.swept[st.ID]; ok {
		return sw
	}
	prof, _ := coverage.ProfileByName(coverage.ProfileHeavy)
	env, _ := coverage.EnvironmentByName(coverage.DefaultEnv)
	sw := sweptStation{fps: map[fleet.Network]*coverage.Footprint{}}
	for _, n := range fleet.Networks {
		cn := coverage.Public
		if n == fleet.Private {
			cn = coverage.Private
		}
		fp, err := f.region.StationFootprint(f.terrain, prof, env, cn, coverage.LonLat{Lon: st.Lon, Lat: st.Lat}, st.AltM, 90)
		if err != nil {
			panic(err) // the DEM covers the scripted area
		}
		sw.fps[n] = fp
		sw.shapes = append(sw.shapes, fleet.FootprintShape{Drone: st.Drone, Network: n, Shape: orbOf(fp.Shape(f.region.Projection))})
	}
	f.swept[st.ID] = sw
	return sw
}

// coverage counts grid cells of the area within reach of the stations.
func (f *scriptedFleet) coverage(stations []fleet.Station) fleet.Coverage {
	const nx, ny = 90, 45
	b := f.area.Bound()
	dx, dy := (b.Max.Lon()-b.Min.Lon())/nx, (b.Max.Lat()-b.Min.Lat())/ny
	kx := 111320 * math.Cos(f.lat0*math.Pi/180)
	c := fleet.Coverage{Fraction: map[fleet.Network]float64{}, Uncovered: map[fleet.Network]orb.MultiPolygon{}}
	for _, n := range fleet.Networks {
		total, covered := 0, 0
		mp := orb.MultiPolygon{}
		for j := 0; j < ny; j++ {
			run := -1
			flush := func(i int) {
				if run >= 0 {
					x0, x1 := b.Min.Lon()+float64(run)*dx, b.Min.Lon()+float64(i)*dx
					y0, y1 := b.Min.Lat()+float64(j)*dy, b.Min.Lat()+float64(j+1)*dy
					mp = append(mp, orb.Polygon{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}})
					run = -1
				}
			}
			for i := 0; i < nx; i++ {
				p := orb.Point{b.Min.Lon() + (float64(i)+0.5)*dx, b.Min.Lat() + (float64(j)+0.5)*dy}
				if !planar.PolygonContains(f.area, p) {
					flush(i)
					continue
				}
				total++
				in := false
				for _, s := range stations {
					if math.Hypot((p.Lon()-s.Lon)*kx, (p.Lat()-s.Lat)*111320) <= s.RadiusM[n] {
						in = true
						break
					}
				}
				if in {
					covered++
					flush(i)
				} else if run < 0 {
					run = i
				}
			}
			flush(nx)
		}
		c.Fraction[n] = float64(covered) / float64(total)
		c.Uncovered[n] = mp
	}
	return c
}

func (f *scriptedFleet) Subscribe() (<-chan fleet.Event, func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := make(chan fleet.Event, 64)
	f.subs[ch] = struct{}{}
	return ch, func() {
		f.mu.Lock()
		delete(f.subs, ch)
		f.mu.Unlock()
	}
}

func (f *scriptedFleet) Events(since uint64, limit int) ([]fleet.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fleet.Event
	for _, ev := range f.log {
		if ev.Seq > since && len(out) < limit {
			out = append(out, ev)
		}
	}
	return out, nil
}

func (f *scriptedFleet) CreateIncident(_ context.Context, spec fleet.IncidentSpec) (fleet.Incident, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.closed {
		return fleet.Incident{}, fleet.ErrIncidentOpen
	}
	f.closed = false
	f.inc.IncidentSpec = spec
	f.inc.ID = "inc-8"
	f.emit(fleet.Event{Kind: "incident.opened", Severity: fleet.Info, Text: "Incident opened: " + spec.Name})
	return f.inc, nil
}

func (f *scriptedFleet) UpdateIncident(_ context.Context, spec fleet.IncidentSpec) (fleet.Incident, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inc.IncidentSpec = spec
	return f.inc, nil
}

func (f *scriptedFleet) CloseIncident(context.Context) error { return fleet.ErrInvalid }

func (f *scriptedFleet) PreviewPlan(context.Context) (fleet.Plan, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.plan, nil
}

func (f *scriptedFleet) Deploy(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.deployed.IsZero() {
		return fmt.Errorf("%w: already deployed", fleet.ErrInvalid)
	}
	f.deployed = time.Now()
	f.emit(fleet.Event{Kind: "incident.deploy", Severity: fleet.Info, Text: "Deploy ordered: 4 stations", Reason: "commander"})
	if f.plan.Coverage[fleet.Public] < f.inc.TargetCoverage {
		f.emit(fleet.Event{Kind: "plan.short", Severity: fleet.Warning,
			Text:   fmt.Sprintf("Plan gives %.0f%% public coverage, below the 95%% target", 100*f.plan.Coverage[fleet.Public]),
			Reason: "only 4 drones available for stations"})
	}
	return nil
}

func (f *scriptedFleet) Recall(context.Context) error { return f.record("recall") }

func (f *scriptedFleet) SetPaused(_ context.Context, p bool) error {
	return f.record(fmt.Sprintf("paused %v", p))
}

func (f *scriptedFleet) OrderDrone(_ context.Context, id int, o fleet.Order) error {
	return f.record(fmt.Sprintf("drone %d %s", id, o.Kind))
}

func (f *scriptedFleet) Exclude(_ context.Context, id int, ex bool) error {
	return f.record(fmt.Sprintf("drone %d excluded %v", id, ex))
}

func (f *scriptedFleet) PinStation(_ context.Context, st string, pin bool) error {
	return f.record(fmt.Sprintf("station %s pinned %v", st, pin))
}

func (f *scriptedFleet) RequestTask(_ context.Context, r task.Request) (task.Task, error) {
	if err := r.Validate(); err != nil {
		return task.Task{}, fmt.Errorf("%w: %v", fleet.ErrInvalid, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	t := task.Task{ID: fmt.Sprintf("task-%d", len(f.tasks)+1), Request: r, Status: task.Assigned, Drone: 5,
		RequestedAt: now, DueAt: now.Add(r.Deadline), ETA: now.Add(9 * time.Minute), CoverageCostKm2h: 0.12}
	if f.approval {
		t.Status, t.Drone, t.AwaitingApproval = task.Pending, 0, true
		t.Reason = "awaiting a commander's approval; drone 5 could do it by " + t.ETA.Format(time.TimeOnly)
	}
	f.tasks = append(f.tasks, t)
	f.orders = append(f.orders, "task "+string(r.Kind))
	return t, nil
}

func (f *scriptedFleet) CancelTask(_ context.Context, id string) (task.Task, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.task(id)
	if t == nil || t.Status.Final() {
		return task.Task{}, fmt.Errorf("%w: %s", fleet.ErrUnknownTask, id)
	}
	t.Status, t.DoneAt, t.AwaitingApproval = task.Cancelled, time.Now(), false
	f.orders = append(f.orders, "cancel "+id)
	return *t, nil
}

// ApproveTask gives a task awaiting approval to drone 5, as the
// controller does when that drone can do it by its deadline.
func (f *scriptedFleet) ApproveTask(_ context.Context, id string) (task.Task, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.task(id)
	if t == nil {
		return task.Task{}, fmt.Errorf("%w: %q", fleet.ErrUnknownTask, id)
	}
	if t.Status.Final() {
		return task.Task{}, fmt.Errorf("%w: %s is %s", fleet.ErrInvalid, t.ID, t.Status)
	}
	if !t.Approved {
		t.Approved, t.AwaitingApproval, t.Status, t.Drone, t.Reason = true, false, task.Assigned, 5, ""
		f.orders = append(f.orders, "approve "+id)
	}
	return *t, nil
}

// Survey plans a survey task for drone 5, a heavy multirotor, as the
// controller does, with the photos taken so far where they were reported.
func (f *scriptedFleet) Survey(_ context.Context, id string) (fleet.SurveyView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.task(id)
	if t == nil {
		return fleet.SurveyView{}, fmt.Errorf("%w: %q", fleet.ErrUnknownTask, id)
	}
	if t.Kind != task.Survey {
		return fleet.SurveyView{}, fmt.Errorf("%w: %s is a %s task, not a survey", fleet.ErrInvalid, id, t.Kind)
	}
	heavy, ok := airframe.Builtin().ByName("heavy-multirotor")
	if !ok {
		return fleet.SurveyView{}, errors.New("no heavy-multirotor airframe")
	}
	p, err := task.PlanSurveyFor(*t, heavy, task.SurveyOptions{})
	if err != nil {
		return fleet.SurveyView{}, fmt.Errorf("%w: %s: drone 5: %v", fleet.ErrLimit, id, err)
	}
	// The photos taken are where the camera reported them: the plan's
	// first ones, a few metres east as a crosswind leaves them.
	taken := slices.Clone(p.Photos[:min(f.taken[id], len(p.Photos))])
	for i := range taken {
		taken[i].Pos[0] += 4e-5
	}
	return fleet.SurveyView{Drone: 5, Camera: *heavy.Camera, Plan: p, Polygon: slices.Clone(t.Polygon), Taken: len(taken), Photos: taken}, nil
}

// takePhotos records n photos taken for a survey task.
func (f *scriptedFleet) takePhotos(id string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.taken == nil {
		f.taken = map[string]int{}
	}
	f.taken[id] = n
}

// task is the task with that id, or nil; f.mu held.
func (f *scriptedFleet) task(id string) *task.Task {
	for i := range f.tasks {
		if f.tasks[i].ID == id {
			return &f.tasks[i]
		}
	}
	return nil
}

func (f *scriptedFleet) ReassignTask(_ context.Context, id string, _ int) (task.Task, error) {
	return task.Task{}, fmt.Errorf("%w: %s", fleet.ErrUnknownTask, id)
}

// record notes an order for the test to check.
func (f *scriptedFleet) record(order string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.orders = append(f.orders, order)
	f.emit(fleet.Event{Kind: "order", Severity: fleet.Info, Text: "Order: " + order})
	return nil
}

// loseDrone makes drone id go silent, as a link loss would.
func (f *scriptedFleet) loseDrone(id int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lost = id
	f.emit(fleet.Event{Kind: "drone.lost", Severity: fleet.Critical, Drone: id,
		Text: fmt.Sprintf("Drone %d lost: no heartbeat for 10 s", id), Reason: "link timeout; spare drone 5 sent"})
}

// given returns the orders given so far.
func (f *scriptedFleet) given() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.orders...)
}

// teams is two field teams in the area.
type teams struct{}

func (teams) Teams() []api.Team {
	a, b := ll(-2.0, -1.0), ll(2.4, 0.6)
	now := time.Now()
	return []api.Team{
		{ID: "Rescue 1", Lon: a.Lon(), Lat: a.Lat(), AccuracyM: 150, Updated: now,
			Area: api.NewPolygon(orb.Polygon{{ll(-2.8, -1.8), ll(-1.2, -1.8), ll(-1.2, -0.4), ll(-2.8, -0.4), ll(-2.8, -1.8)}})},
		{ID: "Medic 3", Lon: b.Lon(), Lat: b.Lat(), Updated: now},
	}
}
