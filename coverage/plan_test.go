package coverage

import (
	"encoding/json"
	"math"
	"testing"
)

const incidentDoc = `{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"name":"flood"},"geometry":{"type":"Polygon","coordinates":[[[10,50],[10.3,50],[10.3,50.2],[10,50.2],[10,50]]]}},
 {"type":"Feature","properties":{"role":"work-zone"},"geometry":{"type":"Polygon","coordinates":[[[10.05,50.05],[10.1,50.05],[10.1,50.08],[10.05,50.08],[10.05,50.05]]]}},
 {"type":"Feature","properties":{"role":"demand","name":"hospital","weight":500},"geometry":{"type":"Point","coordinates":[10.29,50.01]}},
 {"type":"Feature","properties":{"role":"gateway"},"geometry":{"type":"Point","coordinates":[9.95,50.1]}}
]}`

func TestPlanStationsBothNetworks(t *testing.T) {
	inc, err := ParseIncident([]byte(incidentDoc))
	if err != nil {
		t.Fatal(err)
	}
	prof, _ := ProfileByName(ProfileHeavy)
	plan, err := PlanStations(Request{Incident: inc, Profile: prof, Networks: Both, RelayRangeM: 8000})
	if err != nil {
		t.Fatal(err)
	}
	if !plan.TargetReached || plan.Coverage < 0.99 {
		t.Errorf("coverage %v, reached %v", plan.Coverage, plan.TargetReached)
	}
	if plan.WorkZones == nil || plan.WorkZones.Fraction < 0.99 {
		t.Errorf("work zones private coverage %+v", plan.WorkZones)
	}
	if plan.DemandWeightCovered != 1 {
		t.Errorf("demand covered %v", plan.DemandWeightCovered)
	}
	if plan.Backhaul == nil || !plan.Backhaul.Connected {
		t.Errorf("backhaul %+v", plan.Backhaul)
	}
	// The backhaul really is connected: a path from the gateway to every
	// station in hops of at most 8 km.
	reg := plan.Region()
	nodes := append([]Point(nil), reg.Gateways...)
	for _, s := range plan.Stations {
		nodes = append(nodes, Point{s.XM, s.YM})
		if len(s.Networks) != 2 {
			t.Errorf("station %d carries %v", s.ID, s.Networks)
		}
		// Positions agree between the local frame and lon/lat.
		p := reg.Projection.Forward(LonLat{s.Lon, s.Lat})
		if p.Dist(Point{s.XM, s.YM}) > 0.01 {
			t.Errorf("station %d: x/y and lon/lat disagree by %v m", s.ID, p.Dist(Point{s.XM, s.YM}))
		}
	}
	for i, c := range components(nodes, 8000) {
		if c != 0 {
			t.Errorf("node %d not connected to the gateway", i)
		}
	}
	// The JSON carries what the CLI promises.
	b, err := json.Marshal(plan)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"stations", "coverage", "lower_bound"} {
		if _, ok := m[k]; !ok {
			t.Errorf("plan JSON lacks %q", k)
		}
	}
}

func TestLiveCoverage(t *testing.T) {
	inc, err := ParseIncident([]byte(incidentDoc))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := PlanStations(Request{Incident: inc, RadiusM: 4000, Drones: 6})
	if err != nil {
		t.Fatal(err)
	}
	reg := plan.Region()
	var ss []LiveStation
	for _, s := range plan.Stations {
		ss = append(ss, LiveStation{Pos: LonLat{s.Lon, s.Lat}, PublicRadiusM: 4000, PrivateRadiusM: 2000, Networks: Both})
	}
	rep, err := reg.Live(ss, true)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(rep.Public.Fraction-plan.Coverage) > 1e-9 {
		t.Errorf("live %v, plan %v", rep.Public.Fraction, plan.Coverage)
	}
	if !(rep.Private.Fraction < rep.Public.Fraction) {
		t.Errorf("private %v >= public %v with half the radius", rep.Private.Fraction, rep.Public.Fraction)
	}
	// Uncovered polygons and the measured fraction agree.
	un := reg.Projection.Project(rep.UncoveredPublic)
	for i := range un {
		for j := range un[i] {
			un[i][j] = un[i][j][:len(un[i][j])-1]
		}
	}
	if got := 1 - un.Area()/reg.Area.Area(); math.Abs(got-rep.Public.Fraction) > 2e-3 {
		t.Errorf("uncovered polygons say %v, measure %v", got, rep.Public.Fraction)
	}
	// Switching the public cell off on every station leaves nothing.
	for i := range ss {
		ss[i].Networks = Private
	}
	rep, err = reg.Live(ss, false)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Public.Fraction != 0 {
		t.Errorf("public off, coverage %v", rep.Public.Fraction)
	}
	ss[0].Pos.Lat = math.NaN()
	if _, err := reg.Live(ss, false); err == nil {
		t.Error("NaN position accepted")
	}
}

// With a fixed number of drones the backhaul is met by pulling stations
// together, never by adding drones.
func TestPlanBackhaulFixedFleet(t *testing.T) {
	inc, err := ParseIncident([]byte(incidentDoc))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := PlanStations(Request{Incident: inc, RadiusM: 3000, Drones: 10, RelayRangeM: 7000})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Stations) != 10 || plan.Backhaul == nil || !plan.Backhaul.Connected || plan.Backhaul.RelaysAdded != 0 || plan.Backhaul.Moved == 0 {
		t.Fatalf("%d stations, backhaul %+v", len(plan.Stations), plan.Backhaul)
	}
	nodes := append([]Point(nil), plan.Region().Gateways...)
	for _, s := range plan.Stations {
		nodes = append(nodes, Point{s.XM, s.YM})
	}
	for i, c := range components(nodes, 7000) {
		if c != 0 {
			t.Errorf("node %d not connected", i)
		}
	}
	if plan.Coverage <= 0 || plan.Coverage > 1 {
		t.Errorf("coverage %v", plan.Coverage)
	}
}

// A mixed fleet uses its big cells first and needs fewer small drones than
// a fleet of small drones alone.
func TestPlanMixedFleet(t *testing.T) {
	reg := sharedAreas(t)["quake-mountain"]
	heavy, _ := ProfileByName(ProfileHeavy)
	wing, _ := ProfileByName(ProfileFixedWing)
	only, err := reg.Plan(Request{Profile: heavy})
	if err != nil {
		t.Fatal(err)
	}
	mixed, err := reg.Plan(Request{Fleet: []Available{{Profile: heavy, Count: 100}, {Profile: wing, Count: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, s := range mixed.Stations {
		count[s.Profile]++
		if s.Profile == ProfileFixedWing && !(s.AltM >= 1000 && s.RadiusM > 4000) {
			t.Errorf("fixed wing station at %v m with %v m radius", s.AltM, s.RadiusM)
		}
	}
	if count[ProfileFixedWing] != 2 || count[ProfileHeavy] >= len(only.Stations) {
		t.Errorf("mixed fleet uses %v; heavy alone needs %d", count, len(only.Stations))
	}
	if !mixed.TargetReached || mixed.Coverage < 0.99 || mixed.Coverage > 1 {
		t.Errorf("mixed coverage %v reached %v", mixed.Coverage, mixed.TargetReached)
	}
	// A capped fleet: not enough drones, the plan says so.
	short, err := reg.Plan(Request{Fleet: []Available{{Profile: heavy, Count: 3}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(short.Stations) != 3 || short.TargetReached {
		t.Errorf("3 heavy drones: %d stations, reached %v, coverage %v", len(short.Stations), short.TargetReached, short.Coverage)
	}
}
