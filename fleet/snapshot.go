package fleet

import (
	"math"

	"github.com/aerocell/aerocell/mavlink"
)

// publish makes the loop's state visible to readers as a fresh Snapshot
// that shares nothing mutable with the loop.
func (l *loop) publish() {
	s := &Snapshot{Time: l.clk.Now(), Paused: l.st.Paused, LaunchSites: append([]LaunchSite(nil), l.cfg.LaunchSites...)}
	if inc := l.st.Incident; inc != nil {
		c := *inc
		c.Networks = append([]Network(nil), inc.Networks...)
		s.Incident = &c
	}
	if p := l.st.Plan; p != nil {
		s.Plan = clonePlan(p)
	}
	s.Coverage = Coverage{Time: l.cov.Time, Fraction: map[Network]float64{}, Uncovered: l.cov.Uncovered, Footprints: l.cov.Footprints}
	for k, v := range l.cov.Fraction {
		s.Coverage.Fraction[k] = v
	}
	s.Tasks = l.taskViews()
	relief := l.reliefs()
	for _, id := range sortedIDs(l.drones) {
		v := l.view(l.drones[id])
		v.ReliefFor = relief[id]
		s.Drones = append(s.Drones, v)
	}
	l.c.snap.Store(s)
}

// clonePlan is a copy of p that shares nothing mutable with it.
func clonePlan(p *Plan) *Plan {
	c := *p
	c.Stations = make([]Station, len(p.Stations))
	for i, st := range p.Stations {
		st.Networks = append([]Network(nil), st.Networks...)
		r := make(map[Network]float64, len(st.RadiusM))
		for k, v := range st.RadiusM {
			r[k] = v
		}
		st.RadiusM = r
		c.Stations[i] = st
	}
	c.Coverage = make(map[Network]float64, len(p.Coverage))
	for k, v := range p.Coverage {
		c.Coverage[k] = v
	}
	return &c
}

// reliefs names the station each idle battery drone is kept for: the plan
// counts, per station, the drones its rotation needs, and those not flying
// wait on the ground to relieve the holder. Spares of an airframe are
// handed to its stations in turn.
func (l *loop) reliefs() map[int]string {
	if l.st.Plan == nil || l.st.Incident == nil || l.st.Incident.State == IncidentRecalled || l.st.Incident.State == IncidentClosed {
		return nil
	}
	stations := map[string][]string{}
	for _, st := range l.st.Plan.Stations {
		stations[st.Profile] = append(stations[st.Profile], st.ID)
	}
	out := map[int]string{}
	next := map[string]int{}
	for _, id := range sortedIDs(l.drones) {
		d := l.drones[id]
		ids := stations[d.profile.Name]
		if d.profile.Tethered() || len(ids) == 0 || d.state != DroneIdle || d.rec.Station != "" {
			continue
		}
		out[id] = ids[next[d.profile.Name]%len(ids)]
		next[d.profile.Name]++
	}
	return out
}

// view is the published picture of one drone.
func (l *loop) view(d *drone) Drone {
	t := d.tel
	v := Drone{
		ID: d.id, Profile: d.profile.Name, State: d.state, Station: d.rec.Station,
		Lat: t.Lat, Lon: t.Lon, AltMSL: t.AltMSL, AltRel: t.AltRel, HeadingDeg: t.Heading,
		SpeedMS: t.GroundSpeed, Armed: t.Armed, Mode: t.Mode,
		BatteryPct: float64(t.BatteryPct), VoltageV: t.BatteryVoltage, TimeLeftS: t.BatteryTimeLeft.Seconds(),
		Link: Link{Up: d.heard && !t.Lost, LastHeard: t.Quality.LastHeard, LossPct: t.Quality.LossPct,
			RateHz: t.Quality.Rate, Via: append([]string(nil), t.Quality.Links...)},
		Payload: map[Network]PayloadState{}, Commands: d.commands,
	}
	if d.profile.Tethered() {
		v.BatteryPct = math.Max(v.BatteryPct, -1)
		if s, ok := l.site(d.site); ok {
			v.Tether = &Tether{Site: s.Name, Lat: s.Lat, Lon: s.Lon, LengthM: d.profile.TetherM}
		}
	}
	cells := [...]struct {
		n     Network
		state mavlink.CellState
		users int
	}{{Public, t.PublicCell, t.PublicUsers}, {Private, t.PrivateCell, t.PrivateUsers}}
	for _, c := range cells {
		if c.state == mavlink.CellAbsent {
			continue
		}
		v.Payload[c.n] = PayloadState{State: cellName(c.state), Users: c.users}
	}
	if n := len(t.StatusTexts); n > 0 {
		v.Status = t.StatusTexts[n-1].Text
	}
	return v
}

func cellName(c mavlink.CellState) string {
	switch c {
	case mavlink.CellOn:
		return "on"
	case mavlink.CellFailed:
		return "failed"
	}
	return "off"
}
