package sim

import (
	"math"
	"testing"
	"time"
)

// A heavy multirotor hovering reaches its reserve within a few percent of
// the endurance its profile states, then returns home and lands.
func TestHeavyHoverReachesReserveAtStatedEndurance(t *testing.T) {
	f, g := startFleet(t, Config{Clock: scaled(t, 400), Drones: []DroneConfig{{SysID: 1, Profile: ProfileHeavy, Home: testHome}}})
	var prof Profile
	for _, p := range BuiltinProfiles() {
		if p.Name == ProfileHeavy {
			prof = p
		}
	}
	start := flyUp(t, f, g, 1, 10) // the fleet time it got there, not when the test looked
	s := wait(t, f, 3*time.Minute, "battery failsafe", func(s Snapshot) bool { return s.Drones[1].Failsafe == "battery" })
	d := s.Drones[1]
	flown := d.Time.Sub(start.Time)
	if e := math.Abs(flown.Seconds()/prof.Endurance.Seconds() - 1); e > 0.03 {
		t.Fatalf("reserve after %v of hover, profile states %v (%.1f%% off)", flown, prof.Endurance, 100*e)
	}
	if d.Mode.Name != "RTL" {
		t.Fatalf("mode %s at the reserve, want RTL", d.Mode.Name)
	}
	if math.Abs(d.BatteryPct-prof.Battery.ReservePct) > 0.5 {
		t.Fatalf("failsafe at %.1f%%, reserve is %v%%", d.BatteryPct, prof.Battery.ReservePct)
	}
	s = wait(t, f, 60*time.Second, "landing", func(s Snapshot) bool { return !s.Drones[1].Armed })
	d = s.Drones[1]
	if n, e := northEast(d.Lat, d.Lon, d.Home.Lat, d.Home.Lon); math.Hypot(n, e) > 3 {
		t.Fatalf("landed %.1f m from home", math.Hypot(n, e))
	}
	if d.BatteryPct <= prof.Battery.CriticalPct {
		t.Fatalf("landed with %.1f%%, below critical", d.BatteryPct)
	}
}

// A tethered drone hovers on ground power for hours without using its
// backup battery; when ground power fails it descends and lands on the
// backup, and flies again once power is back.
func TestTetheredHoversOnGroundPowerAndLandsOnBackup(t *testing.T) {
	f, g := startFleet(t, Config{Clock: scaled(t, 2000), Drones: []DroneConfig{{SysID: 3, Profile: ProfileTethered, Home: testHome}}})
	start := flyUp(t, f, g, 3, 60)
	s := wait(t, f, 3*time.Minute, "six hours", func(s Snapshot) bool { return s.Time.Sub(start.Time) >= 6*time.Hour })
	d := s.Drones[3]
	if !d.Flying() || math.Abs(d.AltRel-60) > 1 || d.BatteryPct < 99.9 || !d.GroundPower {
		t.Fatalf("after 6 h: flying %v at %.1f m, backup %.1f%%, ground power %v", d.Flying(), d.AltRel, d.BatteryPct, d.GroundPower)
	}
	if err := f.Drone(3).Inject(Fault{Kind: FaultGroundPower}); err != nil {
		t.Fatal(err)
	}
	s = wait(t, f, 30*time.Second, "landing on backup", func(s Snapshot) bool { return !s.Drones[3].Armed })
	d = s.Drones[3]
	if d.Failsafe != "ground-power" || d.AltRel > 0.1 || d.BatteryPct >= 99 || d.BatteryPct <= 0 {
		t.Fatalf("after power loss: failsafe %q, alt %.1f, backup %.1f%%", d.Failsafe, d.AltRel, d.BatteryPct)
	}
	if n, e := northEast(d.Lat, d.Lon, start.Lat, start.Lon); math.Hypot(n, e) > 3 {
		t.Fatalf("controlled descent drifted %.1f m", math.Hypot(n, e))
	}
	if err := f.Drone(3).Clear(FaultGroundPower); err != nil {
		t.Fatal(err)
	}
	wait(t, f, 30*time.Second, "ground power back", func(s Snapshot) bool { return s.Drones[3].GroundPower })
	flyUp(t, f, g, 3, 20)
}

// With a ground crew (Config.BatterySwap), a drone that came home on its
// reserve gets a full battery after the turnaround and flies again; without
// one its battery stays as it landed.
func TestBatterySwapAtHome(t *testing.T) {
	f, g := startFleet(t, Config{Clock: scaled(t, 400), BatterySwap: 5 * time.Minute,
		Drones: []DroneConfig{{SysID: 1, Profile: ProfileHeavy, Home: testHome}}})
	flyUp(t, f, g, 1, 10)
	s := wait(t, f, 3*time.Minute, "landed on the reserve", func(s Snapshot) bool {
		return s.Drones[1].Failsafe == "battery" && !s.Drones[1].Armed
	})
	landed := s.Drones[1]
	if landed.BatteryPct > 25 {
		t.Fatalf("landed with %.1f%%", landed.BatteryPct)
	}
	s = wait(t, f, 2*time.Minute, "battery swapped", func(s Snapshot) bool { return s.Drones[1].BatteryPct >= 99.9 })
	if took := s.Drones[1].Time.Sub(landed.Time); took < 5*time.Minute-time.Second {
		t.Fatalf("battery full %v after landing, turnaround is 5m", took)
	}
	flyUp(t, f, g, 1, 20) // and it flies again

	// No crew: the battery stays as it landed.
	f2, g2 := startFleet(t, Config{Clock: scaled(t, 400), Drones: []DroneConfig{{SysID: 2, Profile: ProfileHeavy, Home: testHome}}})
	flyUp(t, f2, g2, 2, 10)
	s = wait(t, f2, 3*time.Minute, "landed on the reserve", func(s Snapshot) bool {
		return s.Drones[2].Failsafe == "battery" && !s.Drones[2].Armed
	})
	pct := s.Drones[2].BatteryPct
	t0 := s.Drones[2].Time
	s = wait(t, f2, time.Minute, "ten minutes on the ground", func(s Snapshot) bool { return s.Drones[2].Time.Sub(t0) >= 10*time.Minute })
	if s.Drones[2].BatteryPct > pct+0.1 {
		t.Fatalf("battery rose from %.1f%% to %.1f%% with no crew", pct, s.Drones[2].BatteryPct)
	}
}
