package daemon

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aerocell/aerocell/fleet"
	"github.com/aerocell/aerocell/sim"
	"github.com/aerocell/aerocell/web/webtest"
)

// The commander's page, in headless Chromium, on a daemon flying the
// simulator: it opens an incident from a GeoJSON file, sees every drone,
// deploys, and sees the covered fraction rise. The screenshot is kept in
// $AEROCELL_SCREENSHOTS (or the system's temporary directory).
func TestConsoleDeploysSimulatedFleet(t *testing.T) {
	var drones []sim.DroneConfig
	for i := 1; i <= 4; i++ {
		h := base
		h.Lon += float64(i) * 0.0003
		drones = append(drones, sim.DroneConfig{SysID: uint8(i), Profile: sim.ProfileHeavy, Home: h})
	}
	w := newWorld(t, 20, drones)
	w.waitFor("drones heard", 30*time.Second, func(s fleet.Snapshot) bool { return s.Located() == 4 })
	area := filepath.Join(t.TempDir(), "town.geojson")
	if err := os.WriteFile(area, square(base.Lat, base.Lon, 7), 0o644); err != nil {
		t.Fatal(err)
	}

	p := webtest.NewPage(t, webtest.Options{Width: 1400, Height: 900})
	if err := p.Open("http://"+w.d.HTTPAddr()+"/", ""); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitUntil("every drone listed", func() (bool, error) {
		ids, err := p.DroneIDs()
		return len(ids) == 4, err
	}); err != nil {
		t.Fatal(err)
	}
	if err := p.CreateIncident("Town landslide", area); err != nil {
		t.Fatal(err)
	}
	w.waitFor("incident open", time.Minute, func(s fleet.Snapshot) bool { return s.Incident != nil })
	before, err := p.Covered("public")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Deploy(); err != nil {
		t.Fatal(err)
	}
	s := w.waitFor("holding", 20*time.Minute, func(s fleet.Snapshot) bool {
		return s.Incident.State == fleet.IncidentHolding && s.Coverage.Fraction[fleet.Public] >= s.Plan.Coverage[fleet.Public]-0.02
	})
	var shown float64
	if err := p.WaitUntil("covered fraction risen on the page", func() (bool, error) {
		v, err := p.Covered("public")
		shown = v
		return v >= s.Plan.Coverage[fleet.Public]-0.03 && v > before, err
	}); err != nil {
		t.Fatal(err)
	}
	// The page follows the stream: it shows every holder on station once
	// the update that says so has arrived (with cells on during the climb,
	// coverage rises before the last drone settles on its post).
	var states map[int]string
	onStation := 0
	if err := p.WaitUntil("every holder on station on the page", func() (bool, error) {
		var err error
		states, err = p.DroneStates()
		onStation = 0
		for _, st := range states {
			if st == string(fleet.DroneOnStation) || st == "on station" {
				onStation++
			}
		}
		return onStation == len(s.Plan.Stations), err
	}); err != nil {
		t.Errorf("page shows %d drones on station (%v), plan has %d stations: %v", onStation, states, len(s.Plan.Stations), err)
	}
	dir := os.Getenv("AEROCELL_SCREENSHOTS")
	if dir == "" {
		dir = os.TempDir()
	}
	shot := filepath.Join(dir, "aerocell-console-e2e.png")
	if err := p.Screenshot(shot); err != nil {
		t.Fatal(err)
	}
	t.Logf("public coverage on the page %.3f (was %.3f), screenshot %s", shown, before, shot)
}
