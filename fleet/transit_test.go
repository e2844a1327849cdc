package fleet

import (
	"math"
	"testing"
	"time"

	"github.com/aerocell/aerocell/airframe"
	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/sim"
)

// The flight home is timed over the ground in the planned wind: into a
// headwind it takes longer than the distance over the airspeed, with the
// wind behind it shorter, across it at the crabbed speed; a leg the
// airframe cannot make headway on is never counted as flyable.
func TestTimeHomeInWind(t *testing.T) {
	p := BuiltinProfiles()[sim.ProfileHeavy]
	c := p.CruiseMS
	const w, dist, alt = 8.0, 6000.0, 100.0
	descent := alt / p.DescentMS
	at := func(north, east float64) *drone {
		d := &drone{id: 1, profile: p, rec: &droneRecord{}}
		d.tel.HomeLat, d.tel.HomeLon, d.tel.HomeSet = 35, 102, true
		d.tel.Lat, d.tel.Lon = coverage.Offset(35, 102, north, east)
		d.tel.AltRel = alt
		return d
	}
	secs := func(d time.Duration) float64 { return d.Seconds() }
	calm := &loop{}
	if got, want := secs(calm.timeHome(at(-dist, 0))), dist/c+descent; math.Abs(got-want) > 1 {
		t.Errorf("still air: %.0f s home, want %.0f", got, want)
	}
	north := &loop{wind: airframe.Wind{SpeedMS: w, FromDeg: 0}} // blowing south
	for _, k := range []struct {
		name        string
		north, east float64
		want        float64
	}{
		{"south of home, into the wind", -dist, 0, dist/(c-w) + descent},
		{"north of home, wind behind", dist, 0, dist/(c+w) + descent},
		{"west of home, wind across", 0, -dist, dist/math.Sqrt(c*c-w*w) + descent},
	} {
		if got := secs(north.timeHome(at(k.north, k.east))); math.Abs(got-k.want) > 0.01*k.want {
			t.Errorf("%s: %.0f s home, want %.0f", k.name, got, k.want)
		}
	}
	gale := &loop{wind: airframe.Wind{SpeedMS: c + 1, FromDeg: 0}}
	if got := gale.timeHome(at(-dist, 0)); got < noHeadway {
		t.Errorf("into a wind stronger than its airspeed: %v home", got)
	}
	// The cost in hold time follows: the heavy must head home sooner from
	// downwind of its site.
	if a, b := north.homeCost(at(-dist, 0)), north.homeCost(at(dist, 0)); a <= b {
		t.Errorf("home cost into the wind %v, with it %v", a, b)
	}
	// Out to a station: the same wind on the way out.
	d := at(0, 0)
	d.tel.AltRel = 0
	sLat, sLon := coverage.Offset(35, 102, dist, 0)
	// on the ground: the climb and 15 s to arm and spin up
	if got, want := secs(north.timeTo(d, sLat, sLon, alt)), dist/(c-w)+alt/p.ClimbMS+15; math.Abs(got-want) > 1 {
		t.Errorf("out upwind: %.0f s, want %.0f", got, want)
	}
}
