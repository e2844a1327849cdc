package task

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/aerocell/aerocell/airframe"
)

func fieldOf(err error) string {
	var fe *FieldError
	if errors.As(err, &fe) {
		return fe.Field
	}
	return ""
}

// The heavy multirotor lowers 5 kg from 30 m on its winch: 30 m of line
// out and back at 1 m/s plus 5 s on the ground is 65 s over the point; in
// gusts of 1 m/s it strays 3 s × 3 × 1 = 9 m, hypot(9, 2) = 9.22 m, and
// the load swings as much again: √2 × 9.22 = 13.04 m.
func TestPlanDropWinch(t *testing.T) {
	heavy := builtin(t, "heavy-multirotor")
	p, err := PlanDrop(heavy, centre, 5, airframe.Wind{SpeedMS: 5, GustMS: 1}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if p.Release != airframe.ReleaseWinch || p.LineM != 30 || p.OnPoint != 65*time.Second || p.ReleasePoint != centre {
		t.Fatalf("%+v", p)
	}
	near(t, "miss", p.ImpactErrorM, math.Sqrt2*math.Hypot(9, 2), 1e-9)
	// Without a winch the gripper opens 2 m up: down 28 m at 2 m/s and
	// back at 3 m/s is 23.3 s.
	grip := heavy.Clone()
	grip.Release = []airframe.Release{airframe.ReleaseGripper}
	p, err = PlanDrop(grip, centre, 5, airframe.Wind{}, 30)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "gripper on point", p.OnPoint.Seconds(), 28.0/2+28.0/3, 1e-6)
	near(t, "gripper fall", p.FallTime.Seconds(), math.Sqrt(4/gravity), 1e-6)
	near(t, "gripper miss", p.ImpactErrorM, 2, 1e-9)
	// Placing: down 30 m at the landing speed (0.5 m/s) and back at 3 m/s.
	grip.Release = []airframe.Release{airframe.ReleasePlace}
	p, err = PlanDrop(grip, centre, 5, airframe.Wind{}, 30)
	if err != nil || p.ReleaseAltM != 0 {
		t.Fatal(err, p)
	}
	near(t, "place on point", p.OnPoint.Seconds(), 60+10, 1e-6)
}

func TestPlanDropRefuses(t *testing.T) {
	heavy, tethered := builtin(t, "heavy-multirotor"), builtin(t, "tethered-multirotor")
	for name, tc := range map[string]struct {
		a     airframe.Airframe
		mass  float64
		w     airframe.Wind
		alt   float64
		field string
		says  string
	}{
		"too heavy":   {heavy, 12, airframe.Wind{}, 0, "mass_kg", "10 kg at most"},
		"no release":  {tethered, 1, airframe.Wind{}, 0, "mass_kg", "no gripper, winch or bay"},
		"no mass":     {heavy, 0, airframe.Wind{}, 0, "mass_kg", ""},
		"gale":        {heavy, 5, airframe.Wind{SpeedMS: 20}, 0, "wind", "beyond"},
		"nan wind":    {heavy, 5, airframe.Wind{SpeedMS: math.NaN()}, 0, "wind", ""},
		"above ceil":  {heavy, 5, airframe.Wind{}, 600, "hold_alt", ""},
		"below floor": {heavy, 5, airframe.Wind{}, 1, "hold_alt", ""},
	} {
		_, err := PlanDrop(tc.a, centre, tc.mass, tc.w, tc.alt)
		if fieldOf(err) != tc.field || !strings.Contains(fmtErr(err), tc.says) {
			t.Errorf("%s: %v, want an error naming %s saying %q", name, err, tc.field, tc.says)
		}
	}
	if _, err := PlanDrop(heavy, LonLat{200, 0}, 5, airframe.Wind{}, 0); fieldOf(err) != "point" {
		t.Errorf("a point off the globe: %v", err)
	}
}

func fmtErr(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// The integrator against closed forms. A load so dense it feels no drag
// falls 100 m in √(2h/g) = 4.516 s and is thrown 25 m/s × that = 112.9 m
// ahead. A load dropped still falls as the quadratic-drag solution
// h = (vt²/g)·ln cosh(g·t/vt), vt = √(g/k) its terminal speed.
func TestFallAgainstClosedForms(t *testing.T) {
	along, fall := fallAlong(1e12, 100, 25, 0)
	near(t, "vacuum fall", fall, math.Sqrt(200/gravity), 0.001)
	near(t, "vacuum throw", along, 25*math.Sqrt(200/gravity), 0.05)

	const mass, h = 20.0, 2000.0
	side := math.Cbrt(mass / parcelDensity)
	vt := math.Sqrt(gravity / (0.5 * airDensity * parcelCd * side * side / mass))
	// Solve h = (vt²/g) ln cosh(g t / vt) for t: cosh⁻¹(exp(h g / vt²)).
	want := vt / gravity * math.Acosh(math.Exp(h*gravity/(vt*vt)))
	_, fall = fallAlong(mass, h, 0, 0)
	near(t, "fall with drag", fall, want, 0.01*want)
	if fall < 2000/vt {
		t.Fatalf("fell faster than terminal speed: %v s", fall)
	}
}

// The fixed wing drops 20 kg from 100 m into a 6 m/s wind: it flies the
// pass into the wind (from 270°: heading 270°) at 25 − 6 = 19 m/s over the
// ground; the load is thrown short of the vacuum's 19 × 4.52 = 85.8 m by
// drag against the headwind; the release point lies that far east of the
// target (downwind, the plane flying west).
func TestPlanDropBay(t *testing.T) {
	plane := builtin(t, "fixed-wing-relay")
	w := airframe.Wind{SpeedMS: 6, FromDeg: 270, GustMS: 1}
	p, err := PlanDrop(plane, centre, 20, w, 0)
	if err != nil {
		t.Fatal(err)
	}
	if p.Release != airframe.ReleaseBay || p.HoldAltM != BayDropAltM || p.TrackDeg != 270 {
		t.Fatalf("%+v", p)
	}
	near(t, "ground speed", p.GroundSpeedMS, 19, 1e-9)
	vac := 19 * math.Sqrt(200/gravity)
	if p.ThrowM >= vac || p.ThrowM < 0.6*vac {
		t.Fatalf("throw %.1f m, want a little under the vacuum's %.1f m", p.ThrowM, vac)
	}
	f, _ := newFrame(centre)
	rel := f.fwd(p.ReleasePoint)
	near(t, "release east of the target", rel.X, p.ThrowM, 0.01)
	near(t, "release on the target's parallel", rel.Y, 0, 0.01)
	// The miss grows with the gusts and stays within reason.
	calm, err := PlanDrop(plane, centre, 20, airframe.Wind{SpeedMS: 6, FromDeg: 270}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !(calm.ImpactErrorM < p.ImpactErrorM && p.ImpactErrorM < 30 && calm.ImpactErrorM > navErrM) {
		t.Fatalf("miss %.1f m in gusts, %.1f m without", p.ImpactErrorM, calm.ImpactErrorM)
	}
	// A stronger headwind shortens the throw.
	strong, err := PlanDrop(plane, centre, 20, airframe.Wind{SpeedMS: 12, FromDeg: 270}, 0)
	if err != nil || strong.ThrowM >= p.ThrowM {
		t.Fatalf("12 m/s headwind: throw %.1f m vs %.1f m (%v)", strong.ThrowM, p.ThrowM, err)
	}
}

// 60 L with the heavy multirotor's 20 L tank and 5 L/min pump: 3 sorties
// of 4 minutes; 50 L: the last carries 10 L for 2 minutes.
func TestPlanFirePoint(t *testing.T) {
	heavy := builtin(t, "heavy-multirotor")
	p, err := PlanFire(heavy, centre, nil, 60)
	if err != nil {
		t.Fatal(err)
	}
	if p.Sorties != 3 || p.SortieLitres != 20 || p.LastLitres != 20 || p.SprayTime != 4*time.Minute || p.OrbitM != 0 {
		t.Fatalf("%+v", p)
	}
	p, err = PlanFire(heavy, centre, nil, 50)
	if err != nil {
		t.Fatal(err)
	}
	if p.Sorties != 3 || p.LastLitres != 10 || p.LastSprayTime != 2*time.Minute {
		t.Fatalf("%+v", p)
	}
	p, err = PlanFire(heavy, centre, nil, 8)
	if err != nil || p.Sorties != 1 || p.SortieLitres != 8 || p.SprayTime != 96*time.Second {
		t.Fatalf("%+v %v", p, err)
	}
	tethered := builtin(t, "tethered-multirotor")
	_, err = PlanFire(tethered, centre, nil, 20)
	if fieldOf(err) != "kind" || !strings.Contains(err.Error(), "no sprayer") {
		t.Fatalf("a drone without a sprayer: %v", err)
	}
	if _, err := PlanFire(heavy, centre, nil, 0); fieldOf(err) != "litres" {
		t.Fatalf("no litres: %v", err)
	}
}

// A 60 × 30 m fire: 5 passes of 60 m, 6 m apart (324 m with the legs);
// a 20 L tank runs 240 s, which at 2 m/s at least is 2 rounds of the
// passes at 2 × 324 / 240 = 2.7 m/s. A 300 × 300 m fire: 50 passes, 15.3
// km; at 12 m/s the tank wets 12 × 240 / 15294 = 18.8 % of it.
func TestPlanFirePolygon(t *testing.T) {
	heavy := builtin(t, "heavy-multirotor")
	ring := localPolygon(t, centre, rotated(60, 30, 90)...)
	p, err := PlanFire(heavy, LonLat{}, ring, 20)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Passes) != 5 || p.Repeats != 2 || p.WettedFrac != 1 {
		t.Fatalf("%v", p)
	}
	near(t, "passes", p.PassesM, 5*60+4*6, 0.01)
	near(t, "speed", p.SpeedMS, 2*324.0/240, 0.001)
	f, _ := newFrame(centre)
	c := f.fwd(p.Point)
	near(t, "centre", math.Hypot(c.X, c.Y), 0, 0.01)

	big := localPolygon(t, centre, rotated(300, 300, 0)...)
	p, err = PlanFire(heavy, LonLat{}, big, 20)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Passes) != 50 || p.Repeats != 1 || p.SpeedMS != 12 {
		t.Fatalf("%v", p)
	}
	near(t, "wetted", p.WettedFrac, 12*240/(50*300+49*6.0), 0.001)
	if _, err := PlanFire(heavy, LonLat{}, localPolygon(t, centre, rotated(400, 400, 0)...), 20); fieldOf(err) != "polygon" {
		t.Fatalf("a 16 ha fire: %v", err)
	}
}
