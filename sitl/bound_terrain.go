package sitl

import (
	"context"
	"fmt"
	"slices"

	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/fleet"
)

// boundOverTerrain replaces b's coverage by what the same stations give
// over the scenario's terrain, placed there by the terrain placer
// ([coverage.Region.PlanTerrain]) for each network on its own: one
// tethered station over each ground station (a launch site), b.Stations
// of each battery airframe anywhere in the area, below the altitude above
// sea level its drones may reach (home's ground plus ceiling). The truth
// over terrain measures a cell by its terrain footprint, so a flat bound
// would promise what no placement could give (a cell of radius r in a
// notch sees little of it).
//
// Like the flat placement, the terrain placement is a heuristic: the
// result bounds what the controller can hold as well as the placer can
// place. It may exceed the flat bound (a post over a ridge sees down into
// the valleys beyond the flat radius at its height above the ground, and
// the flat bound keeps its stations within the controller's reach), and
// the flat cells' area is no ceiling for it: AreaCeiling is dropped.
func boundOverTerrain(sc *Scenario, b *Bound, profiles map[string]fleet.Profile, area coverage.GeoMultiPolygon) error {
	inc := coverage.Incident{Area: area}
	if len(sc.noFly) > 0 {
		nf, err := coverage.ParseArea(sc.noFly)
		if err != nil {
			return scenarioErr("no_fly", "%v", err)
		}
		inc.NoFly = nf
	}
	count := map[string]int{}
	ceiling := map[string]float64{}
	var order []string
	for _, dc := range sc.simDrones() {
		p := profiles[dc.Profile]
		if count[p.Name] == 0 && !slices.Contains(order, p.Name) {
			order = append(order, p.Name)
		}
		if p.Tethered() {
			gs := coverage.LonLat{Lon: dc.GroundStation.Lon, Lat: dc.GroundStation.Lat}
			if !slices.ContainsFunc(inc.Sites, func(s coverage.Site) bool { return s.Pos == gs }) {
				inc.Sites = append(inc.Sites, coverage.Site{Name: fmt.Sprintf("%s-%d", p.Name, len(inc.Sites)+1), Pos: gs, Capacity: 1})
				count[p.Name]++
			}
			continue
		}
		count[p.Name] = b.Stations[p.Name]
		ground, err := sc.terrain.ElevationM(dc.Home.Lon, dc.Home.Lat)
		if err != nil {
			return fmt.Errorf("sitl: upper bound over terrain: drone %d's home: %w", dc.SysID, err)
		}
		if top := ground + p.CeilingM; ceiling[p.Name] == 0 || top < ceiling[p.Name] {
			ceiling[p.Name] = top
		}
	}
	reg, err := coverage.Prepare(inc)
	if err != nil {
		return scenarioErr("area", "%v", err)
	}
	for _, net := range networksOf(sc) {
		var avail []coverage.Available
		total := 0
		for _, name := range order {
			p := profiles[name]
			if count[name] == 0 || !carries(p, net) {
				continue
			}
			avail = append(avail, coverage.Available{Profile: p.Radio, Count: count[name], MaxAMSLM: ceiling[name]})
			total += count[name]
		}
		if total == 0 {
			b.Coverage[net] = 0
			continue
		}
		pl, err := reg.PlanTerrain(context.Background(), sc.terrain, coverage.Request{Fleet: avail, Drones: total,
			EnvName: sc.Environment, Networks: coverage.NetworkSet(net), Seed: sc.Seed}, truthStepM)
		if err != nil {
			return fmt.Errorf("sitl: upper bound over terrain, %s: %w", net, err)
		}
		b.Coverage[net] = pl.CoverageByNetwork[net.String()].Fraction
	}
	b.Terrain, b.AreaCeiling = true, nil
	return nil
}
