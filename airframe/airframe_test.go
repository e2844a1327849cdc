package airframe

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/aerocell/aerocell/payload"
)

func builtin(t *testing.T, name string) Airframe {
	t.Helper()
	a, ok := Builtin().ByName(name)
	if !ok {
		t.Fatalf("no built-in %q", name)
	}
	return a
}

func TestBuiltinTable(t *testing.T) {
	tab := Builtin()
	for i, name := range []string{Tethered, Heavy, FixedWing} {
		a, ok := tab.ByIndex(i)
		if !ok || a.Name != name {
			t.Fatalf("index %d: %q, want %q", i, a.Name, name)
		}
	}
	tt, hv := builtin(t, Tethered), builtin(t, Heavy)
	if !tt.Tethered() || hv.Tethered() {
		t.Fatal("only the tethered multirotor is tethered")
	}
	if fw := builtin(t, FixedWing); fw.Copter() || fw.Carries(payload.Private) || !fw.Carries(payload.Public) {
		t.Fatal("the fixed wing is a Plane carrying a public cell only")
	}
	// Over terrain each keeps a clearance below its lowest station: 20 m
	// for the tethered, 30 m for the heavy, 150 m for the fixed wing.
	for name, want := range map[string]float64{Tethered: 20, Heavy: 30, FixedWing: 150} {
		if a := builtin(t, name); a.TerrainClearanceM != want || a.TerrainClearanceM > a.StationAlt.MinM {
			t.Errorf("%s: terrain clearance %v m, station from %v m", name, a.TerrainClearanceM, a.StationAlt.MinM)
		}
	}
	// Copies are independent.
	a := tab[0]
	a.Cells[0].TxPowerDBm = 99
	a.Tether.LengthM = 1
	if b := Builtin()[0]; b.Cells[0].TxPowerDBm == 99 || b.Tether.LengthM == 1 {
		t.Fatal("Builtin shares state between calls")
	}
}

// The energy model gives the endurance each airframe is sold with: hover or
// loiter to the reserve in still air, cells off (avionics on).
func TestStatedEnduranceFollowsFromPower(t *testing.T) {
	for _, a := range Builtin() {
		if a.Endurance == 0 {
			continue
		}
		p := a.FlightPowerW(map[bool]float64{true: 0, false: a.CruiseSpeed}[a.Copter()], 0) + AvionicsW
		got := hours(a.UsableWh() / p)
		if e := math.Abs(got.Seconds()/a.Endurance.Seconds() - 1); e > 0.02 {
			t.Errorf("%s: model gives %v, stated %v", a.Name, got, a.Endurance)
		}
	}
}

// Wind and payload mass shorten a multirotor's time on a post; a fixed
// wing loiters at its cruise airspeed whatever the wind.
func TestEnduranceShrinksInWindAndWithMass(t *testing.T) {
	h := builtin(t, Heavy)
	still := h.HoldEndurance(Wind{}, 0)
	windy := h.HoldEndurance(Wind{SpeedMS: 8, GustMS: 3}, 0)
	heavy := h.HoldEndurance(Wind{}, 10)
	if !(windy < still && heavy < still) {
		t.Fatalf("heavy: still %v, 8 m/s %v, 10 kg %v", still, windy, heavy)
	}
	// cells on cost 100 W + 15 W avionics on 1600 W: 40 min becomes ~37
	if still < 36*time.Minute || still > 38*time.Minute {
		t.Fatalf("heavy holds %v in still air with cells on, want ~37 min", still)
	}
	fw := builtin(t, FixedWing)
	if fw.HoldEndurance(Wind{}, 0) != fw.HoldEndurance(Wind{SpeedMS: 10, GustMS: 3}, 0) {
		t.Fatal("a fixed wing's loiter power does not depend on the wind")
	}
	if tt := builtin(t, Tethered); tt.HoldEndurance(Wind{}, 0) != 0 {
		t.Fatal("a tethered drone has no battery endurance on ground power")
	}
}

func TestRotation(t *testing.T) {
	h := builtin(t, Heavy)
	near := h.Rotation(Post{DistM: 0, AltM: 120}, Wind{}, 0, 6*time.Hour)
	if near.Drones < 2 || near.Drones > 3 {
		t.Fatalf("a post over the launch site: %+v, want 2 or 3 drones (37 min on station, 10 min swap)", near)
	}
	far := h.Rotation(Post{DistM: 8000, AltM: 120}, Wind{}, 0, 6*time.Hour)
	if !(far.Drones > near.Drones && far.OnStation < near.OnStation) {
		t.Fatalf("8 km out: %+v, over the site: %+v", far, near)
	}
	// 12 m/s cruise into an 11 m/s headwind: 1 m/s over the ground.
	w := Wind{SpeedMS: 11, FromDeg: 90}
	east := h.Rotation(Post{DistM: 8000, BearingDeg: 90, AltM: 120}, w, 0, 6*time.Hour)
	if east.Drones != 0 || east.Reason == "" {
		t.Fatalf("8 km upwind in 11 m/s: %+v, want unholdable", east)
	}
	if r := h.Rotation(Post{DistM: 20000, AltM: 120}, Wind{}, 0, 6*time.Hour); r.Drones != 0 || !strings.Contains(r.Reason, "too far") {
		t.Fatalf("20 km: %+v", r)
	}
	if r := h.Rotation(Post{}, Wind{SpeedMS: 20}, 0, time.Hour); r.Drones != 0 || !strings.Contains(r.Reason, "wind") {
		t.Fatalf("20 m/s: %+v", r)
	}
	fw := builtin(t, FixedWing)
	if r := fw.Rotation(Post{DistM: 5000, AltM: 1500}, Wind{}, 0, 4*time.Hour); r.Drones != 1 {
		t.Fatalf("a fixed wing over a 4 h horizon: %+v, want 1", r)
	}
	tt := builtin(t, Tethered)
	if r := tt.Rotation(Post{AltM: 80}, Wind{SpeedMS: 5}, 0, 48*time.Hour); r.Drones != 1 || r.OnStation != 48*time.Hour {
		t.Fatalf("tethered: %+v", r)
	}
}

// A post's load is its rotation's cycle and margin over the time on
// station, and the posts a group is given the nearest whole number of its
// drones over that load, never none while a drone can hold one and never
// more than the drones.
func TestLoadAndPosts(t *testing.T) {
	h := builtin(t, Heavy)
	near := h.Rotation(Post{DistM: 0, AltM: 120}, Wind{}, 0, 6*time.Hour)
	want := (near.Cycle() + 2*time.Minute).Seconds() / near.OnStation.Seconds()
	if got := near.Load(2 * time.Minute); math.Abs(got-want) > 1e-12 || got <= 1 {
		t.Fatalf("load over the site: %v, want %v (> 1)", got, want)
	}
	if got := h.Rotation(Post{DistM: 20000, AltM: 120}, Wind{}, 0, 6*time.Hour).Load(0); got != 0 {
		t.Fatalf("load of an unholdable post: %v, want 0", got)
	}
	tt := builtin(t, Tethered)
	if got := tt.Rotation(Post{AltM: 80}, Wind{}, 0, time.Hour).Load(time.Hour); got != 1 {
		t.Fatalf("tethered load: %v, want 1", got)
	}
	for _, c := range []struct {
		n, load float64
		want    int
	}{
		{3, 1.6, 2},   // 1.9: two posts, one relief between them
		{3, 2.4, 1},   // 1.25: one post, two drones waiting their turns
		{4, 1.6, 3},   // 2.5 rounds up: three posts, served intermittently
		{1, 1.8, 1},   // one drone still flies its post
		{2, 0.5, 2},   // never more posts than drones
		{0.4, 1, 0},   // no drone
		{3, 0, 0},     // unholdable
		{2.5, 1.2, 2}, // a fractional free share: no more than its whole drones
	} {
		if got := Posts(c.n, c.load); got != c.want {
			t.Errorf("Posts(%v, %v) = %d, want %d", c.n, c.load, got, c.want)
		}
	}
}

// Wind bows the tether and the gusts push the drone: the reach a ground
// station orders shrinks as the wind rises, and in still air it is today's
// 93% of the tether.
func TestTetherReachInWind(t *testing.T) {
	a := builtin(t, Tethered)
	if got := a.ReachM(Wind{}); math.Abs(got-0.93*150) > 0.01 {
		t.Fatalf("still air reach %.2f m, want %.2f", got, 0.93*150)
	}
	if a.Tether.ChordM(0) != 150 {
		t.Fatal("no wind, no bow")
	}
	prev := a.ReachM(Wind{})
	for _, w := range []Wind{{SpeedMS: 4}, {SpeedMS: 8}, {SpeedMS: 8, GustMS: 3}, {SpeedMS: 12, GustMS: 3}} {
		r := a.ReachM(w)
		if !(r < prev) || r <= 0 {
			t.Fatalf("reach %.1f m in %+v, not below %.1f", r, w, prev)
		}
		if r >= a.Tether.TensionM(w.PeakMS()) {
			t.Fatalf("reach %.1f m in %+v is within the tension slant", r, w)
		}
		prev = r
	}
	if h := builtin(t, Heavy); h.ReachM(Wind{}) != 0 {
		t.Fatal("an untethered airframe has no tether reach")
	}
}

func TestWindComponents(t *testing.T) {
	// Wind from the west (270) blows eastwards: a tailwind on an eastward track.
	tail, cross := Wind{SpeedMS: 10, FromDeg: 270}.Components(90)
	if math.Abs(tail-10) > 1e-9 || math.Abs(cross) > 1e-9 {
		t.Fatalf("tail %v cross %v", tail, cross)
	}
	tail, cross = Wind{SpeedMS: 10, FromDeg: 0}.Components(90)
	if math.Abs(tail) > 1e-9 || math.Abs(math.Abs(cross)-10) > 1e-9 {
		t.Fatalf("tail %v cross %v", tail, cross)
	}
}

func TestMerge(t *testing.T) {
	in := `
- name: long-tether
  base: tethered-multirotor
  tether: {length_m: 250}
- name: heavy-multirotor
  cruise_speed: 14
- name: small-quad
  frame: quadrotor
  cruise_speed: 8
  accel: 2
  climb_rate: 2
  descent_rate: 1
  land_speed: 0.5
  ceiling: 120
  rtl_alt: 20
  battery: {capacity_wh: 100, cells: 4, reserve_pct: 25, critical_pct: 10, hover_w: 300, cruise_w: 350}
  cells: [{network: public, band: B20, freq_mhz: 800, tx_power_dbm: 30}]
`
	base := Builtin()
	tab, err := base.Merge(strings.NewReader(in), "profiles")
	if err != nil {
		t.Fatal(err)
	}
	lt, ok := tab.ByName("long-tether")
	if !ok || lt.Tether.LengthM != 250 || lt.Tether.UsableFrac != 0.95 || lt.Index != 3 || len(lt.Cells) != 2 {
		t.Fatalf("long-tether: %+v %+v", lt, lt.Tether)
	}
	if h, _ := tab.ByName(Heavy); h.CruiseSpeed != 14 || h.Battery.CapacityWh != 1330 || h.Index != 1 {
		t.Fatalf("heavy override: %+v", h)
	}
	if q, _ := tab.ByName("small-quad"); q.Index != 4 {
		t.Fatalf("small-quad index %d", q.Index)
	}
	if tt, _ := base.ByName(Tethered); tt.Tether.LengthM != 150 {
		t.Fatal("Merge changed the base table")
	}
}

func TestMergeErrorsNameTheField(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"- {name: x, base: nothing}", "profiles[0].base"},
		{"- {name: x, frame: blimp, cruise_speed: 1}", "profiles[0].frame"},
		{"- {name: x, base: heavy-multirotor, battery: {cells: 0}}", "profiles[0].battery.cells"},
		{"- {name: x, base: heavy-multirotor, cells: [{network: public, freq_mhz: 800}, {network: public, freq_mhz: 800}]}", "profiles[0].cells[1].network"},
		{"- {name: x, base: fixed-wing-relay, tether: {length_m: 100, usable_frac: 0.9, tension_frac: 0.95}}", "profiles[0].tether"},
		{"- {name: x, base: heavy-multirotor, cruise_speed: -1}", "profiles[0].cruise_speed"},
		{"- {name: x, base: heavy-multirotor, terrain_clearance_m: -5}", "profiles[0].terrain_clearance_m"},
		{"- {name: x, base: tethered-multirotor, tether: {usable_frac: 1.5}}", "profiles[0].tether.usable_frac"},
		{"- {name: x, base: heavy-multirotor, index: 0}", "profiles[0].index"},
		{"- {name: x, base: heavy-multirotor, cells: [{network: public, freq_mhz: 0}]}", "profiles[0].cells[0].freq_mhz"},
	} {
		_, err := Builtin().Merge(strings.NewReader(c.in), "profiles")
		var fe *FieldError
		if !errors.As(err, &fe) || !strings.HasPrefix(fe.Field, c.want) {
			t.Errorf("%s: err = %v, want a FieldError naming %q", c.in, err, c.want)
		}
	}
	for _, in := range []string{"- {name: x, base: heavy-multirotor, wings: 3}", "{not: a list}", "- [1, 2]", "\t"} {
		if _, err := Builtin().Merge(strings.NewReader(in), "profiles"); err == nil {
			t.Errorf("%q: accepted", in)
		}
	}
}
