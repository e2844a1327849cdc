package fleet

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aerocell/aerocell/airframe"
	"github.com/aerocell/aerocell/clock"
	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/sim"
	"github.com/aerocell/aerocell/task"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// TestTaskFireSorties: a fire of two and a half tanks is flown as three
// sorties (each loaded by the crew's PARAM_SET on the ground, the drone
// home and through a battery swap between its own), given each to the
// best drone then (split across the two drones), and ends done by its
// deadline with the whole volume sprayed (the simulator's job log is the
// truth). The same fire due
// sooner than its sorties take is refused at once, the reason saying how
// many sorties and how long.
func TestTaskFireSorties(t *testing.T) {
	r := newRig(t, rigOptions{speed: 40, drones: []sim.DroneConfig{heavyAt(1, base), heavyAt(2, base)},
		simCfg: func(c *sim.Config) { c.BatterySwap = 10 * time.Minute }})
	r.waitFor("2 drones heard", 30*time.Second, func(s Snapshot) bool { return s.Located() == 2 })
	ctx := context.Background()
	at := task.LonLat{base.Lon - 0.003, base.Lat + 0.001}
	const litres = 50 // 2.5 tanks of the heavy's 20 L
	short, err := r.ctl.RequestTask(ctx, task.Request{Kind: task.Fire, Deadline: 15 * time.Minute, Point: &at, Litres: litres})
	if err != nil {
		t.Fatal(err)
	}
	if short.Status != task.Refused || !strings.Contains(short.Reason, "3 sorties of 20 L taking") {
		t.Fatalf("a 50 L fire due in 15 minutes: %+v", short)
	}
	fire, err := r.ctl.RequestTask(ctx, task.Request{Kind: task.Fire, Deadline: 80 * time.Minute, Point: &at, Litres: litres})
	if err != nil {
		t.Fatal(err)
	}
	if fire.Status != task.Assigned || fire.ETA.After(fire.DueAt) || fire.ETA.Sub(fire.RequestedAt) < 20*time.Minute {
		t.Fatalf("a 50 L fire due in 80 minutes: %+v (its ETA must count three sorties)", fire)
	}
	// Its ETA counts the second drone, charged on the ground, taking a
	// sortie while the first swaps its battery: sooner than one drone
	// flying all three.
	air, _ := airframe.Builtin().ByName(sim.ProfileHeavy)
	home := heavyAt(fire.Drone, base).Home
	one, err := task.Estimate(fire, air, task.LonLat{home.Lon, home.Lat}, task.LonLat{home.Lon, home.Lat}, airframe.Wind{}, air.Battery.CapacityWh)
	if err != nil {
		t.Fatal(err)
	}
	if eta := fire.ETA.Sub(fire.RequestedAt); eta >= one.Done {
		t.Fatalf("ETA in %v; one drone alone would take %v", eta, one.Done)
	}
	s := r.waitFor("fire done", 80*time.Minute, func(s Snapshot) bool { return taskOf(s, fire.ID).Status.Final() })
	got := taskOf(s, fire.ID)
	if got.Status != task.Done || got.DoneAt.After(got.DueAt) {
		t.Fatalf("fire ended %+v", got)
	}
	sprayed := 0.0
	by := map[uint8]float64{}
	for _, sp := range r.fleet.JobLog().Sprays {
		sprayed += sp.Litres
		by[sp.SysID] += sp.Litres
	}
	if math.Abs(sprayed-litres) > 1 {
		t.Fatalf("%.1f L sprayed for a %d L fire", sprayed, litres)
	}
	// The drone that flew a sortie is home through its swap when the
	// next is given: the other, idle and charged, takes it.
	if len(by) != 2 {
		t.Fatalf("sprayed by %v: want the sorties split across both drones", by)
	}
	evs := taskEvents(t, r, fire.ID)
	if n := countKind(evs, EventTaskSortie); n != 2 {
		t.Fatalf("want 2 sorties done before the last, got %d: %v", n, evs)
	}
	if evs[len(evs)-1] != EventTaskDone {
		t.Fatalf("fire events %v", evs)
	}
}

func countKind(evs []EventKind, k EventKind) int {
	return len(slices.DeleteFunc(slices.Clone(evs), func(e EventKind) bool { return e != k }))
}

// droneOf is drone id as s shows it.
func droneOf(s Snapshot, id int) Drone {
	for _, d := range s.Drones {
		if d.ID == id {
			return d
		}
	}
	return Drone{}
}

// heldBy is the drone on station id with its cells on, or 0.
func heldBy(s Snapshot, id string) int {
	for _, d := range s.Drones {
		if d.Station == id && d.State == DroneOnStation {
			return d.ID
		}
	}
	return 0
}

// TestTaskHolderRelievedFirst: two heavies hold two stations, a third
// waits on the ground as the relief kept for one of them. A drop asked
// when that holder is past a quarter of its battery costs least given to
// it (it comes home for a battery anyway; the spare taken for the drop
// would leave the rotation short): the spare is launched to its station
// first, and the holder keeps the station until the spare is on it, so
// the station has a drone on it in every snapshot; then the holder flies
// home, is loaded, and drops the load before the deadline.
func TestTaskHolderRelievedFirst(t *testing.T) {
	r, s := deployed(t, rigOptions{speed: 40, drones: []sim.DroneConfig{heavyAt(1, base), heavyAt(2, base), heavyAt(3, base)},
		simCfg: func(c *sim.Config) { c.BatterySwap = 10 * time.Minute }}, 4)
	if len(s.Plan.Stations) != 2 {
		r.dump(s)
		t.Fatalf("want two stations, got %d", len(s.Plan.Stations))
	}
	spare, station, holder := 0, "", 0
	for _, d := range s.Drones {
		if d.Station == "" {
			spare, station = d.ID, d.ReliefFor
		}
	}
	for _, st := range s.Plan.Stations {
		if st.ID == station {
			holder = st.Drone
		}
	}
	if spare == 0 || holder == 0 {
		r.dump(s)
		t.Fatalf("no spare kept for a station: spare %d, station %q, holder %d", spare, station, holder)
	}
	s = r.waitFor("holder past a quarter of its battery", 20*time.Minute, func(s Snapshot) bool {
		return droneOf(s, holder).BatteryPct <= 76
	})
	if d := droneOf(s, spare); d.Station != "" || d.Armed {
		r.dump(s)
		t.Fatalf("the spare left before the drop was asked: %+v", d)
	}
	ctx := context.Background()
	at := task.LonLat{base.Lon + 1900/(111320*cosDeg(base.Lat)), base.Lat + 1900/111320.0}
	tk, err := r.ctl.RequestTask(ctx, task.Request{Kind: task.Drop, Deadline: 45 * time.Minute, Point: &at, MassKg: 5})
	if err != nil {
		t.Fatal(err)
	}
	if tk.Status != task.Assigned || tk.Drone != holder || tk.ETA.After(tk.DueAt) {
		r.dump(r.ctl.Snapshot())
		t.Fatalf("drop: %+v; want it given to drone %d, the holder the spare %d is kept for", tk, holder, spare)
	}
	left := false
	r.waitFor("drop done", 45*time.Minute, func(s Snapshot) bool {
		if h := heldBy(s, station); h == 0 && !left {
			r.dump(s)
			t.Fatalf("station %s without a drone on it before the holder %d left", station, holder)
		}
		if !left && droneOf(s, holder).Station != station {
			left = true
			if heldBy(s, station) != spare {
				r.dump(s)
				t.Fatalf("holder %d left %s before the spare %d was on it", holder, station, spare)
			}
		}
		return taskOf(s, tk.ID).Status.Final()
	})
	got := taskOf(r.ctl.Snapshot(), tk.ID)
	if got.Status != task.Done || got.DoneAt.After(got.DueAt) {
		t.Fatalf("drop ended %+v", got)
	}
	if jl := r.fleet.JobLog(); len(jl.Drops) != 1 || jl.Drops[0].SysID != uint8(holder) {
		t.Fatalf("drops in the simulator: %+v", jl.Drops)
	}
	evs, err := r.ctl.Events(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var relieved bool
	for _, e := range evs {
		switch {
		case e.Kind == EventStationReleased && e.Drone == holder:
			t.Fatalf("holder's station released: %s (%s)", e.Text, e.Reason)
		case e.Kind == EventRotationCompleted && e.Drone == holder && e.Task == tk.ID:
			relieved = true
		}
	}
	if !relieved {
		t.Fatalf("no rotation.completed for drone %d leaving for %s", holder, tk.ID)
	}
}

// TestTaskHolderLeavesWithoutRelief: when waiting for its relief would
// make the task late, the holder given it leaves its station without it,
// the event saying why; the relief is launched all the same. Two heavies
// hold two stations, the spare waits 4 km away (its flight to the station
// is long), and a survey under one holder is due shortly after that
// holder could do it leaving now, so no other drone can do it in time:
// with a minute to spare (less than the two kept in hand) the holder
// leaves at once; with almost four it holds its station a while first,
// then leaves before the spare is there (the other holder could then do
// it too, at a lesser cost: a commander gives it to the one over the
// survey, with approval on). Either way the survey is done by its
// deadline.
func TestTaskHolderLeavesWithoutRelief(t *testing.T) {
	for _, c := range []struct {
		name  string
		spare time.Duration
		why   string
		pin   bool
	}{
		{"at once", 70 * time.Second, "at once", false},
		{"after a wait", 225 * time.Second, "before its relief (drone 3) is on station", true},
	} {
		t.Run(c.name, func(t *testing.T) { holderLeaves(t, c.spare, c.why, c.pin) })
	}
}

func holderLeaves(t *testing.T, spare time.Duration, why string, pin bool) {
	far := base
	far.Lat -= 4000 / 111320.0
	r, s := deployed(t, rigOptions{speed: 40, drones: []sim.DroneConfig{heavyAt(1, base), heavyAt(2, base), heavyAt(3, far)},
		cfg: Config{TaskApproval: pin}}, 4)
	if len(s.Plan.Stations) != 2 || s.Plan.Stations[0].Drone == 3 || s.Plan.Stations[1].Drone == 3 {
		r.dump(s)
		t.Fatalf("want two stations held by drones 1 and 2: %+v", s.Plan.Stations)
	}
	st := s.Plan.Stations[0]
	holder := st.Drone
	h := droneOf(s, holder)
	air, ok := airframe.Builtin().ByName(sim.ProfileHeavy)
	if !ok {
		t.Fatal("no heavy airframe")
	}
	req := task.Request{Kind: task.Survey, Deadline: time.Hour, Polygon: squareRing(h.Lat, h.Lon, -50, -50, 100), GSDcm: 2, OverlapPct: 70}
	home := heavyAt(holder, base).Home
	c, err := task.Estimate(task.Task{Request: req}, air, task.LonLat{h.Lon, h.Lat}, task.LonLat{home.Lon, home.Lat},
		airframe.Wind{}, air.Battery.CapacityWh*h.BatteryPct/100)
	if err != nil {
		t.Fatal(err)
	}
	// The estimate starts at the transit height: the holder comes down
	// from its station's first.
	items, err := task.Mission(task.Task{Request: req}, air, task.Home{Pos: task.LonLat{home.Lon, home.Lat}}, airframe.Wind{})
	if err != nil {
		t.Fatal(err)
	}
	down := time.Duration((h.AltRel - float64(items[1].Alt)) / air.DescentRate * float64(time.Second))
	req.Deadline = (c.Done + down + spare).Round(time.Second)
	ctx := context.Background()
	tk, err := r.ctl.RequestTask(ctx, req)
	if err == nil && pin {
		tk, err = r.ctl.ReassignTask(ctx, tk.ID, holder)
	}
	if err != nil {
		t.Fatal(err)
	}
	if tk.Status != task.Assigned || tk.Drone != holder {
		r.dump(r.ctl.Snapshot())
		t.Fatalf("survey due in %v (estimated %v for the holder): %+v; want it given to drone %d", req.Deadline, c.Done+down, tk, holder)
	}
	atOnce := droneOf(r.ctl.Snapshot(), holder).Station == ""
	if atOnce != (why == "at once") {
		t.Fatalf("holder left at once: %v; want %v", atOnce, why == "at once")
	}
	s = r.waitFor("holder off its station", 10*time.Minute, func(s Snapshot) bool { return droneOf(s, holder).Station == "" })
	if by := heldBy(s, st.ID); by != 0 {
		t.Fatalf("drone %d on %s when its holder left: the relief came in time", by, st.ID)
	}
	if !atOnce && s.Time.Sub(tk.RequestedAt) < 30*time.Second {
		t.Fatalf("holder left %v after the request: no wait", s.Time.Sub(tk.RequestedAt))
	}
	evs, err := r.ctl.Events(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var released, launched bool
	for _, e := range evs {
		switch {
		case e.Kind == EventStationReleased && e.Drone == holder && e.Station == st.ID:
			released = strings.Contains(e.Reason, why) && strings.Contains(e.Reason, "would miss the deadline")
			if !released {
				t.Fatalf("station released for: %q", e.Reason)
			}
		case e.Kind == EventRotationBegun && e.Drone == 3 && e.Station == st.ID:
			launched = true
		}
	}
	if !released || !launched {
		t.Fatalf("station released with the reason: %v; relief launched: %v", released, launched)
	}
	s = r.waitFor("survey done", req.Deadline+5*time.Minute, func(s Snapshot) bool { return taskOf(s, tk.ID).Status.Final() })
	if got := taskOf(s, tk.ID); got.Status != task.Done || got.DoneAt.After(got.DueAt) {
		t.Fatalf("survey ended %+v", got)
	}
}

// costLoop is a loop over a 16 km square with the heavy multirotor's
// public cells, for the scheduler's cost model alone; r is a cell's
// radius at 300 m.
func costLoop(t *testing.T) (*loop, Profile, float64) {
	t.Helper()
	reg, err := prepareRegion(IncidentSpec{Area: square(base.Lat, base.Lon, 16)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	prof := BuiltinProfiles()["heavy-multirotor"]
	env, err := coverage.EnvironmentByName(coverage.EnvSuburban)
	if err != nil {
		t.Fatal(err)
	}
	radii, err := prof.CellRadii(env)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := radii.At(300)
	l := &loop{clk: clock.NewManual(epoch), region: reg, radii: map[string]CellRadii{prof.Name: radii}, drones: map[int]*drone{}}
	l.st.Incident = &Incident{IncidentSpec: IncidentSpec{Networks: []Network{Public}}, State: IncidentHolding}
	l.st.Plan = &Plan{}
	return l, prof, r
}

// TestTaskHolderCost: taking a holder off its station costs the area its
// cell alone covers times the gap. Beside a neighbour whose cell it does
// not overlap, that is its whole cell; under a neighbour's cell that
// covers it, nothing; and when that neighbour is not held (its drone
// going home, or none), again its whole cell: a neighbour in a gap
// covers nothing of it. The plan naming a neighbour's drone is not
// enough: 0 km²·h was charged for holders whose neighbours were empty.
func TestTaskHolderCost(t *testing.T) {
	l, prof, r := costLoop(t)
	cell := math.Pi * r * r / 1e6 // km², inside the square
	if r < 1000 || r > 3500 {
		t.Fatalf("a cell of %.0f m at 300 m: the layout below assumes 1-3.5 km", r)
	}
	at := func(id string, east float64, drone int) Station {
		return Station{ID: id, Lat: base.Lat, Lon: base.Lon + east/(111320*cosDeg(base.Lat)), AltM: 300,
			Networks: []Network{Public}, Profile: prof.Name, Drone: drone}
	}
	fly := func(id int, station string, s DroneState) *drone {
		d := &drone{id: id, profile: prof, state: s, heard: true, rec: &droneRecord{Station: station}}
		d.tel.LandedState = common.MAV_LANDED_STATE_IN_AIR
		l.drones[id] = d
		return d
	}
	gap := 30 * time.Minute
	for _, c := range []struct {
		name      string
		east      float64    // the neighbour's station, metres east of the holder's
		neighbour DroneState // its drone's state ("": no drone)
		want      float64    // km² the holder's cell alone covers
	}{
		{"apart, both held", 2.2 * r, DroneOnStation, cell},
		{"overlapping, both held", 0, DroneOnStation, 0},
		{"overlapping, neighbour on its way", 0, DroneTransit, 0},
		{"overlapping, neighbour going home", 0, DroneReturning, cell},
		{"overlapping, neighbour empty", 0, "", cell},
	} {
		t.Run(c.name, func(t *testing.T) {
			clear(l.drones)
			h := fly(1, "S1", DroneOnStation)
			n := 0
			if c.neighbour != "" {
				station := "S2"
				if c.neighbour == DroneReturning {
					station = "" // off it, the plan not yet told
				}
				fly(2, station, c.neighbour)
				n = 2
			}
			l.st.Plan.Stations = []Station{at("S1", -1.1*r, 1), at("S2", -1.1*r+c.east, n)}
			got := l.taskCost(&option{d: h, station: "S1", gap: gap}, Public)
			want := c.want * gap.Hours()
			if math.Abs(got-want) > 0.03*cell*gap.Hours() {
				t.Fatalf("cost %.3f km²·h, want %.3f (the cell alone covering %.2f of %.2f km²)", got, want, c.want, cell)
			}
			if priv := l.taskCost(&option{d: h, station: "S1", gap: gap}, Private); priv != 0 {
				t.Fatalf("private cost %.3f for an incident without a private network", priv)
			}
		})
	}
}

// TestTaskNextSpare: with no spare free now, a holder's station waits
// for the first drone of its airframe through its battery swap and out
// to it, not for the holder's return: a drone that landed 2 minutes
// into a 5-minute swap is there 3 minutes, its flight and its cells
// later; none, and the wait has no end the spare can bound.
func TestTaskNextSpare(t *testing.T) {
	l, prof, _ := costLoop(t)
	st := Station{ID: "S1", Lat: base.Lat + 0.01, Lon: base.Lon, AltM: 300, Networks: []Network{Public}, Profile: prof.Name, Drone: 1}
	l.st.Plan.Stations = []Station{st}
	holder := &drone{id: 1, profile: prof, state: DroneOnStation, heard: true, rec: &droneRecord{Station: "S1"}}
	holder.tel.LandedState = common.MAV_LANDED_STATE_IN_AIR
	l.drones[1] = holder
	if got := l.nextSpare(&st, holder); got != time.Duration(math.MaxInt64) {
		t.Fatalf("no spare: %v", got)
	}
	spare := &drone{id: 2, profile: prof, state: DroneIdle, heard: true, rec: &droneRecord{}, landedAt: epoch.Add(-2 * time.Minute)}
	spare.tel.LandedState, spare.tel.BatteryPct = common.MAV_LANDED_STATE_ON_GROUND, 30
	spare.tel.Lat, spare.tel.Lon, spare.tel.HomeSet, spare.tel.HomeLat, spare.tel.HomeLon = base.Lat, base.Lon, true, base.Lat, base.Lon
	l.drones[2] = spare
	fly := l.timeTo(atHome(spare), st.Lat, st.Lon, st.AltM)
	swap := prof.Air.Battery.Swap - 2*time.Minute
	if got, want := l.nextSpare(&st, holder), swap+fly+30*time.Second; got != want {
		t.Fatalf("a spare 2 minutes into its swap: %v, want %v (%v of swap, %v of flight)", got, want, swap, fly)
	}
	spare.rec.Task = "task-1"
	if got := l.nextSpare(&st, holder); got != time.Duration(math.MaxInt64) {
		t.Fatalf("a spare kept for a task: %v", got)
	}
}

// TestTaskFireParallel: a 40 L fire, two tanks of the heavy's 20 L, due
// sooner than two sorties one after the other take but later than one:
// it is split into two parts of 20 L given at once to the two drones,
// which spray at overlapping times (the simulator's job log), and it is
// done by its deadline. The same fire due sooner than even one sortie
// takes is refused, the reason saying what two drones at once would do.
func TestTaskFireParallel(t *testing.T) {
	r := newRig(t, rigOptions{speed: 40, drones: []sim.DroneConfig{heavyAt(1, base), heavyAt(2, base)},
		simCfg: func(c *sim.Config) { c.BatterySwap = 10 * time.Minute }})
	r.waitFor("2 drones heard", 30*time.Second, func(s Snapshot) bool { return s.Located() == 2 })
	ctx := context.Background()
	at := task.LonLat{base.Lon - 0.003, base.Lat + 0.001}
	const litres = 40
	air, _ := airframe.Builtin().ByName(sim.ProfileHeavy)
	home := task.LonLat{base.Lon, base.Lat}
	tank := task.Task{Request: task.Request{Kind: task.Fire, Deadline: time.Hour, Point: &at, Litres: air.Sprayer.TankL}}
	one, err := task.Estimate(tank, air, home, home, airframe.Wind{}, air.Battery.CapacityWh)
	if err != nil {
		t.Fatal(err)
	}
	sortie := loadTime + 15*time.Second + one.Reach + one.OnTask // from the ground, loaded
	short, err := r.ctl.RequestTask(ctx, task.Request{Kind: task.Fire, Deadline: sortie / 2, Point: &at, Litres: litres})
	if err != nil {
		t.Fatal(err)
	}
	if short.Status != task.Refused || !strings.Contains(short.Reason, "even 2 drones spraying 20.0 L each at once would be done at") {
		t.Fatalf("a 40 L fire due in %v: %+v", sortie/2, short)
	}
	fire, err := r.ctl.RequestTask(ctx, task.Request{Kind: task.Fire, Deadline: sortie * 3 / 2, Point: &at, Litres: litres})
	if err != nil {
		t.Fatal(err)
	}
	if fire.Status != task.Assigned || len(fire.Parts) != 2 || fire.ETA.After(fire.DueAt) {
		t.Fatalf("a 40 L fire due in %v (a sortie takes %v): %+v", sortie*3/2, sortie, fire)
	}
	s := r.waitFor("fire done", 40*time.Minute, func(s Snapshot) bool { return taskOf(s, fire.ID).Status.Final() })
	got := taskOf(s, fire.ID)
	if got.Status != task.Done || got.DoneAt.After(got.DueAt) {
		t.Fatalf("fire ended %+v", got)
	}
	drones := map[int]bool{}
	for _, id := range got.Parts {
		p := taskOf(s, id)
		if p.Status != task.Done || p.Parent != fire.ID || p.Litres != 20 {
			t.Fatalf("part %s: %+v", id, p)
		}
		drones[p.Drone] = true
	}
	if len(drones) != 2 {
		t.Fatalf("parts flown by %v: want one drone each", drones)
	}
	type span struct {
		from, to time.Time
		litres   float64
	}
	by := map[uint8]*span{}
	for _, sp := range r.fleet.JobLog().Sprays {
		b := by[sp.SysID]
		if b == nil {
			b = &span{from: sp.Time}
			by[sp.SysID] = b
		}
		b.to, b.litres = sp.Time, b.litres+sp.Litres
	}
	a, b := by[1], by[2]
	if a == nil || b == nil || math.Abs(a.litres-20) > 1 || math.Abs(b.litres-20) > 1 {
		t.Fatalf("sprayed by %v: want 20 L from each drone", by)
	}
	if a.to.Before(b.from) || b.to.Before(a.from) {
		t.Fatalf("drone 1 sprayed %s-%s, drone 2 %s-%s: not at once", a.from.Format(time.TimeOnly), a.to.Format(time.TimeOnly),
			b.from.Format(time.TimeOnly), b.to.Format(time.TimeOnly))
	}
	if evs := taskEvents(t, r, fire.ID); evs[len(evs)-1] != EventTaskDone || countKind(evs, EventTaskActive) != 1 {
		t.Fatalf("fire events %v", evs)
	}
}
