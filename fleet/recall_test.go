package fleet

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aerocell/aerocell/mavlink"
	"github.com/aerocell/aerocell/sim"
)

// gatedRadio holds every takeoff at a gate until the test opens it, then
// sends it even if the sequence that asked for it was cancelled meanwhile:
// a command already on the air when a recall is decided. Everything else
// goes straight to the real link.
type gatedRadio struct {
	*mavlink.Station
	mu       sync.Mutex
	held     int
	open     chan struct{}
	openOnce sync.Once
}

func (g *gatedRadio) Takeoff(ctx context.Context, id mavlink.VehicleID, alt float64) error {
	g.mu.Lock()
	g.held++
	g.mu.Unlock()
	<-g.open
	err := g.Station.Takeoff(context.Background(), id, alt)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

func (g *gatedRadio) heldCount() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.held
}

func (g *gatedRadio) release() { g.openOnce.Do(func() { close(g.open) }) }

// down reports whether every drone the simulator flies is on the ground or
// on its way home (RTL, LAND), from the simulator's truth.
func down(r *rig, n int) bool {
	for i := 1; i <= n; i++ {
		st := r.fleet.Drone(uint8(i)).State()
		if st.Landed == sim.OnGround || st.Mode.Name == "RTL" || st.Mode.Name == "LAND" {
			continue
		}
		return false
	}
	return true
}

// TestRecallStormLeavesNoDroneFlying: 200 parallel orders alternating
// deploy and recall, then a recall decided while every launch's takeoff is
// on the air: every drone comes home (none left hovering in GUIDED under
// no one's order), and a deploy afterwards flies the whole plan again; a
// deploy right after a recall takes the drones back in the air.
func TestRecallStormLeavesNoDroneFlying(t *testing.T) {
	const n = 4
	var drones []sim.DroneConfig
	for i := 1; i <= n; i++ {
		drones = append(drones, heavyAt(i, base))
	}
	gate := &gatedRadio{open: make(chan struct{})}
	r := newRig(t, rigOptions{speed: 50, drones: drones,
		radio:  func(s *mavlink.Station) MAVLink { gate.Station = s; return gate },
		simCfg: func(c *sim.Config) { c.BatterySwap = 30 * time.Second }})
	t.Cleanup(gate.release) // before the rig stops: a held launch must end
	r.waitFor("drones heard", 30*time.Second, func(s Snapshot) bool { return s.Located() == n })
	ctx := context.Background()
	if _, err := r.ctl.CreateIncident(ctx, IncidentSpec{Name: "storm", Area: square(base.Lat, base.Lon, 5)}); err != nil {
		t.Fatal(err)
	}

	// The storm, as a commander's console might send it.
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				errs <- r.ctl.Deploy(ctx)
			} else {
				errs <- r.ctl.Recall(ctx)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("storm: %v", err)
		}
	}

	// The race made certain: a deploy whose every launch has its takeoff
	// on the air when the recall is decided.
	if err := r.ctl.Deploy(ctx); err != nil {
		t.Fatal(err)
	}
	s := r.waitFor("a deployed plan", time.Minute, func(s Snapshot) bool { return s.Plan != nil })
	stations := len(s.Plan.Stations)
	r.waitFor("every launch at its takeoff", 2*time.Minute, func(Snapshot) bool { return gate.heldCount() >= stations })
	if err := r.ctl.Recall(ctx); err != nil {
		t.Fatal(err)
	}
	gate.release()
	r.waitFor("the launched drones airborne", time.Minute, func(Snapshot) bool {
		up := 0
		for i := 1; i <= n; i++ {
			if r.fleet.Drone(uint8(i)).State().Landed != sim.OnGround {
				up++
			}
		}
		return up > 0
	})
	r.waitFor("every drone down or going home", 5*time.Minute, func(Snapshot) bool { return down(r, n) })
	s = r.waitFor("every drone landed", 15*time.Minute, func(s Snapshot) bool {
		for i := 1; i <= n; i++ {
			if r.fleet.Drone(uint8(i)).State().Landed != sim.OnGround {
				return false
			}
		}
		for _, d := range s.Drones {
			if d.State != DroneIdle {
				return false
			}
		}
		return true
	})
	if s.Incident.State != IncidentRecalled || s.Plan != nil {
		t.Fatalf("after the recall: incident %s, plan %v", s.Incident.State, s.Plan)
	}

	// A deploy afterwards takes every station again.
	if err := r.ctl.Deploy(ctx); err != nil {
		t.Fatal(err)
	}
	s = r.waitFor("the plan held again", 30*time.Minute, func(s Snapshot) bool {
		return s.Incident.State == IncidentHolding
	})
	for _, st := range s.Plan.Stations {
		if st.Drone == 0 {
			t.Errorf("station %s has no drone", st.ID)
		}
	}

	// Recalled and deployed again at once: the drones still in the air are
	// taken back where they are, none has to land first (a fixed wing
	// loitering over home never would).
	if err := r.ctl.Recall(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.ctl.Deploy(ctx); err != nil {
		t.Fatal(err)
	}
	landed := map[int]bool{}
	s = r.waitFor("the plan held again without landing", 30*time.Minute, func(s Snapshot) bool {
		for i := 1; i <= n; i++ {
			if r.fleet.Drone(uint8(i)).State().Landed == sim.OnGround {
				landed[i] = true
			}
		}
		return s.Incident.State == IncidentHolding
	})
	for _, st := range s.Plan.Stations {
		if st.Drone == 0 || landed[st.Drone] {
			r.dump(s)
			t.Fatalf("station %s: drone %d (landed on the way: %v)", st.ID, st.Drone, landed[st.Drone])
		}
	}
}
