package task

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/aerocell/aerocell/airframe"
	"github.com/aerocell/aerocell/coverage"
)

// east is a point d metres east of home.
func east(t *testing.T, d float64) LonLat {
	return localPolygon(t, home.Pos, coverage.Point{X: d})[0]
}

func nearDur(t *testing.T, what string, got time.Duration, wantS float64) {
	t.Helper()
	near(t, what, got.Seconds(), wantS, 0.01)
}

// The heavy multirotor (38 kg, hover 1600 W, cruise 1850 W at 12 m/s,
// climb 3 m/s +500 W, descent 2 m/s, cells 100 W, avionics 15 W) takes
// 5 kg from home to a point 1200 m east, in still air. The load raises
// power by (1 + 5/38)^1.5 = 1.20373.
//
//	take-off 30 m / 3 m/s = 10 s at 1600·1.20373 + 115 + 500 = 2540.97 W
//	out 1200 m / 12 m/s = 100 s at 1850·1.20373 + 115      = 2341.90 W
//	winch 65 s hovering at 1600·1.20373 + 115              = 2040.97 W
//	back 100 s at 1850 + 115                                = 1965 W
//	down 30 m / 2 m/s = 15 s at 1600 + 115                  = 1715 W
//
// 25409.7 + 234190 + 132663 + 196500 + 25725 = 614488 J = 170.69 Wh.
// The battery holds 1330 Wh, 266 of them the reserve.
func TestEstimateWinchDrop(t *testing.T) {
	heavy := builtin(t, "heavy-multirotor")
	pt := east(t, 1200)
	c, err := Estimate(dropTask(pt, 5), heavy, home.Pos, home.Pos, airframe.Wind{}, 1330)
	if err != nil {
		t.Fatal(err)
	}
	nearDur(t, "reach", c.Reach, 110)
	nearDur(t, "on task", c.OnTask, 65)
	nearDur(t, "back", c.Back, 115)
	nearDur(t, "done", c.Done, 175)
	mf := math.Pow(1+5.0/38, 1.5)
	want := (10*(1600*mf+615) + 100*(1850*mf+115) + 65*(1600*mf+115) + 100*1965 + 15*1715) / 3600
	near(t, "energy", c.EnergyWh, want, 0.01)
	near(t, "energy, by hand", c.EnergyWh, 170.69, 0.01)
	near(t, "available", c.AvailableWh, 1064, 1e-9)
	if !c.Enough || c.Sorties != 1 {
		t.Fatalf("%+v", c)
	}
	// With 400 Wh left, 134 Wh above the reserve: not enough.
	c, err = Estimate(dropTask(pt, 5), heavy, home.Pos, home.Pos, airframe.Wind{}, 400)
	if err != nil || c.Enough || !strings.Contains(c.Reason, "171 Wh") {
		t.Fatalf("%+v %v", c, err)
	}
}

// Already in the air 600 m west of home, the drone flies 1800 m to the
// point; into a 4 m/s wind from the east it makes 8 m/s out (225 s) and
// 16 m/s back (75 s); no take-off.
func TestEstimateAirborneInWind(t *testing.T) {
	heavy := builtin(t, "heavy-multirotor")
	pt, from := east(t, 1200), east(t, -600)
	c, err := Estimate(dropTask(pt, 5), heavy, from, home.Pos, airframe.Wind{SpeedMS: 4, FromDeg: 90}, 1330)
	if err != nil {
		t.Fatal(err)
	}
	nearDur(t, "reach", c.Reach, 1800.0/8)
	nearDur(t, "back", c.Back, 1200.0/16+15)
	// In wind the hover draws for an airspeed of 4 m/s:
	// (1600 + 250·(4/12)²)·1.20373 + 115 = 2074.4 W, for 65 s.
	mf := math.Pow(1+5.0/38, 1.5)
	hover := (1600+250*(4.0/12)*(4.0/12))*mf + 115
	out := 1800.0 / 8 * (1850*mf + 115)
	if c.EnergyWh < (out+65*hover)/3600 {
		t.Fatalf("energy %.1f Wh, less than out and on point alone", c.EnergyWh)
	}
	// A gale the drone makes no headway in is refused by its limits.
	if _, err := Estimate(dropTask(pt, 5), heavy, from, home.Pos, airframe.Wind{SpeedMS: 13}, 1330); fieldOf(err) != "wind" {
		t.Fatalf("13 m/s: %v", err)
	}
}

// 50 L on a fire 1200 m east: three sorties of 20, 20 and 10 L. The first
// leaves with 20 kg of water and sprays it over 240 s; each later sortie
// flies home, takes the 10 min swap, and flies out again.
func TestEstimateFireSorties(t *testing.T) {
	heavy := builtin(t, "heavy-multirotor")
	pt := east(t, 1200)
	tk := Task{Request: Request{Kind: Fire, Deadline: 2 * time.Hour, Point: &pt, Litres: 50}}
	c, err := Estimate(tk, heavy, home.Pos, home.Pos, airframe.Wind{}, 1330)
	if err != nil {
		t.Fatal(err)
	}
	if c.Sorties != 3 || !c.Enough {
		t.Fatalf("%+v", c)
	}
	// Out: 10 s up, 100 s across; on task: 20 m down to spray at 10 m
	// (10 s), 240 s spraying, 20 m back up (6.67 s); back: 100 s home,
	// 15 s down.
	nearDur(t, "reach", c.Reach, 110)
	nearDur(t, "on task", c.OnTask, 10+240+20.0/3)
	nearDur(t, "back", c.Back, 100+15)
	sortie := 110 + 250 + 20.0/3
	last := 110 + 10 + 120 + 20.0/3
	nearDur(t, "done", c.Done, sortie+2*(c.Back.Seconds()+600)+sortie+last)
	// The water weighs: the first sortie needs more than a dry one.
	dry := heavy.Clone()
	dry.Sprayer = &airframe.Sprayer{TankL: 1000, PumpLPM: 5, SwathM: 6}
	small := Task{Request: Request{Kind: Fire, Deadline: 2 * time.Hour, Point: &pt, Litres: 0.001}}
	d, err := Estimate(small, dry, home.Pos, home.Pos, airframe.Wind{}, 1330)
	if err != nil || d.EnergyWh >= c.EnergyWh {
		t.Fatalf("a dry flight needs %.1f Wh, a wet one %.1f (%v)", d.EnergyWh, c.EnergyWh, err)
	}
}

// A survey's time on task is the plan's flight time plus the climb from
// the transit height to the survey's (30 → 99.96 m at 3 m/s).
func TestEstimateSurvey(t *testing.T) {
	heavy := builtin(t, "heavy-multirotor")
	ring := localPolygon(t, east(t, 2000), rotated(600, 450, 90)...)
	tk := Task{Request: Request{Kind: Survey, Deadline: 2 * time.Hour, Polygon: ring, GSDcm: 2.74, OverlapPct: 70}}
	c, err := Estimate(tk, heavy, home.Pos, home.Pos, airframe.Wind{}, 1330)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := PlanSurvey(ring, *heavy.Camera, 2.74, 70, SurveyOptions{SpeedMS: 12})
	near(t, "on task", c.OnTask.Seconds(), p.FlightTime.Seconds()+(p.AltM-30)/3, 0.5)
	if !c.Enough || c.EnergyWh <= 0 {
		t.Fatalf("%+v", c)
	}
}

func TestEstimateRefuses(t *testing.T) {
	heavy := builtin(t, "heavy-multirotor")
	pt := east(t, 1200)
	if _, err := Estimate(dropTask(pt, 5), heavy, LonLat{math.NaN(), 0}, home.Pos, airframe.Wind{}, 1000); fieldOf(err) != "from" {
		t.Fatalf("NaN from: %v", err)
	}
	if _, err := Estimate(dropTask(pt, 5), heavy, home.Pos, home.Pos, airframe.Wind{}, -1); fieldOf(err) != "energy_wh" {
		t.Fatalf("negative energy: %v", err)
	}
	if _, err := Estimate(dropTask(pt, 50), heavy, home.Pos, home.Pos, airframe.Wind{}, 1000); fieldOf(err) != "mass_kg" {
		t.Fatalf("50 kg on the heavy multirotor: %v", err)
	}
	// The tethered drone flies on ground power, within its tether only.
	tethered := builtin(t, "tethered-multirotor")
	near := localPolygon(t, home.Pos, rotated(60, 60, 0)...)
	c, err := Estimate(Task{Request: Request{Kind: Survey, Deadline: time.Hour, Polygon: near, GSDcm: 1, OverlapPct: 60}}, tethered, home.Pos, home.Pos, airframe.Wind{}, 0)
	if err != nil || !c.Enough || c.EnergyWh != 0 {
		t.Fatalf("%+v %v", c, err)
	}
}
