package coverage

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
)

// Request is a planning request in geographic terms.
type Request struct {
	Incident Incident
	// RadiusM, when positive, is the ground radius of every cell of every
	// network; otherwise Profile and EnvName give the radio plan.
	RadiusM float64
	Profile Profile
	// EnvName is an environment preset (default suburban); Env, when its
	// Name is set, overrides it with custom parameters.
	EnvName string
	Env     Environment
	// Network to plan (default Public). With Both and work zones, the
	// private cells cover the work zones and the public cells the area;
	// with Both and no work zones both networks cover the whole area.
	Networks Networks
	// Target fraction in fewest mode (default 0.99); Drones > 0 selects the
	// best coverage from that many drones instead.
	Target float64
	Drones int
	// RelayRangeM > 0 requires backhaul: every cell within that range of a
	// gateway or of a neighbour cell that is connected (without gateways,
	// the cells form one mesh). Fewest mode adds relay drones along the
	// shortest gaps; N-drones mode pulls outlying groups of cells in range.
	RelayRangeM float64
	// Fleet, when set, is a mixed fleet: how many drones of each profile
	// are available (Profile and RadiusM are then ignored). Bigger cells
	// are placed first; in fewest mode each kind is used only as far as
	// needed, in N mode up to Drones in all. Work zones with Both are not
	// supported with a mixed fleet.
	Fleet []Available
	// CompareLattice also computes the best clipped hexagonal lattice.
	CompareLattice bool
	Seed           uint64
}

// Available is how many drones of one profile the commander has.
type Available struct {
	Profile Profile `json:"profile"`
	Count   int     `json:"count"`
	// MaxAMSLM, when positive, is the highest altitude above sea level
	// these drones may hold (their home's altitude plus their ceiling,
	// which autopilots count from home): over terrain, a station on a
	// ridge higher than that is out of their reach.
	MaxAMSLM float64 `json:"max_amsl_m,omitempty"`
	// Hold, when set, is the share of the time (0 to 1) these drones can
	// keep a station at pos, amslM metres above sea level, on station:
	// battery drones spend part of each sortie flying out and back, more
	// for a post far away or high above their launch site. Over terrain
	// the placer weighs each candidate's coverage by it (and leaves out
	// those it gives 0), so that a post is chosen for what it gives over
	// the hours, not the first minute. Nil: 1 everywhere.
	Hold func(pos LonLat, amslM float64) float64 `json:"-"`
}

// Station is one planned (or flying) station.
type Station struct {
	ID             int      `json:"id"`
	Lat            float64  `json:"lat"`
	Lon            float64  `json:"lon"`
	AltM           float64  `json:"alt_m"`
	RadiusM        float64  `json:"radius_m"`
	PublicRadiusM  float64  `json:"public_radius_m"`
	PrivateRadiusM float64  `json:"private_radius_m"`
	Networks       []string `json:"networks"`
	XM             float64  `json:"x_m"`
	YM             float64  `json:"y_m"`
	// LaunchSite is the index of the launch site a tethered station is
	// tied to, or -1.
	LaunchSite int `json:"launch_site"`
	// Relay marks stations added only to connect the backhaul.
	Relay bool `json:"relay,omitempty"`
	// Profile names the drone profile, when known.
	Profile string `json:"profile,omitempty"`
	// GroundM is the ground elevation under the station and AltAMSLM its
	// height above mean sea level (AltM stays above the ground): set only
	// when the plan was evaluated over terrain ([Plan.ApplyTerrain]).
	GroundM  *float64 `json:"ground_m,omitempty"`
	AltAMSLM *float64 `json:"alt_amsl_m,omitempty"`
}

// Backhaul reports the relay mesh.
type Backhaul struct {
	RangeM      float64 `json:"range_m"`
	Connected   bool    `json:"connected"`
	Components  int     `json:"components"`
	RelaysAdded int     `json:"relays_added"`
	// Moved counts the components pulled in range (N-drones mode, where
	// no relay can be added).
	Moved int `json:"components_moved,omitempty"`
}

// Plan is the result of [PlanStations].
type Plan struct {
	Mode       string     `json:"mode"`
	Networks   string     `json:"network"`
	Target     float64    `json:"target_coverage"`
	Projection Projection `json:"projection"`
	Stations   []Station  `json:"stations"`
	// Coverage is the area fraction covered by the planned network (the
	// public one for Both), measured from the station positions.
	Coverage float64 `json:"coverage"`
	// TargetReached says whether fewest mode met the target (it may not
	// when launch sites, no-fly zones or demand points make it impossible).
	TargetReached     bool                   `json:"target_reached"`
	CoverageByNetwork map[string]Measurement `json:"coverage_by_network"`
	// WorkZones is the private coverage of the work zones, if any.
	WorkZones           *Measurement `json:"work_zone_coverage,omitempty"`
	DemandWeightCovered float64      `json:"demand_weight_covered"`
	AreaKm2             float64      `json:"area_km2"`
	// LowerBound is area / (pi r^2) for the planning radius.
	LowerBound        float64  `json:"lower_bound"`
	RatioToLowerBound float64  `json:"ratio_to_lower_bound"`
	Lattice           *Lattice `json:"lattice,omitempty"`
	// RatioToLattice compares with the complete clipped lattice, and
	// RatioToPrunedLattice with that lattice pruned to the target.
	RatioToLattice       float64   `json:"ratio_to_lattice,omitempty"`
	RatioToPrunedLattice float64   `json:"ratio_to_pruned_lattice,omitempty"`
	Backhaul             *Backhaul `json:"backhaul,omitempty"`
	Cells                *Cells    `json:"cells,omitempty"`
	// Terrain, when set, says the coverage figures above are terrain-aware
	// and keeps what the flat model claimed ([Plan.ApplyTerrain]).
	Terrain *TerrainCoverage `json:"terrain,omitempty"`

	region *Region
}

// Region returns the projected incident the plan was made on.
func (p *Plan) Region() *Region { return p.region }

// PlanStations projects the incident, chooses the altitude and radii and
// places the stations.
func PlanStations(req Request) (*Plan, error) {
	return PlanStationsContext(context.Background(), req)
}

// PlanStationsContext is [PlanStations] that gives up when ctx ends,
// returning ctx.Err().
func PlanStationsContext(ctx context.Context, req Request) (*Plan, error) {
	reg, err := Prepare(req.Incident)
	if err != nil {
		return nil, err
	}
	return reg.PlanContext(ctx, req)
}

// Plan places stations on a prepared region (req.Incident is ignored).
func (reg *Region) Plan(req Request) (*Plan, error) {
	return reg.PlanContext(context.Background(), req)
}

// PlanContext is [Region.Plan] that gives up when ctx ends, returning
// ctx.Err() (and no plan) soon after.
func (reg *Region) PlanContext(ctx context.Context, req Request) (*Plan, error) {
	p, err := reg.plan(ctx, req)
	if cerr := ctx.Err(); cerr != nil {
		return nil, cerr
	}
	return p, err
}

func (reg *Region) plan(ctx context.Context, req Request) (*Plan, error) {
	net := req.Networks
	if net == 0 {
		net = Public
	}
	target := req.Target
	if target == 0 {
		target = DefaultTarget
	}
	if req.RelayRangeM < 0 || math.IsNaN(req.RelayRangeM) || math.IsInf(req.RelayRangeM, 0) {
		return nil, fmt.Errorf("%w: relay range %v m (want a finite range >= 0, 0 for none)", ErrBadParameter, req.RelayRangeM)
	}
	if len(req.Fleet) > 0 {
		return reg.planFleet(ctx, req, net, target)
	}
	var cells Cells
	var haveCells bool
	if req.RadiusM > 0 {
		if math.IsInf(req.RadiusM, 0) {
			return nil, fmt.Errorf("%w: radius %v", ErrBadParameter, req.RadiusM)
		}
		cells = Cells{PublicRadiusM: req.RadiusM, PrivateRadiusM: req.RadiusM}
	} else {
		env := req.Env
		if env.Name == "" {
			name := req.EnvName
			if name == "" {
				name = DefaultEnv
			}
			env, err := EnvironmentByName(name)
			if err != nil {
				return nil, err
			}
			req.Env = env
		}
		if req.Profile.Name == "" {
			return nil, fmt.Errorf("%w: need a radius or a drone profile", ErrBadParameter)
		}
		primary := net
		if net == Both && len(reg.WorkZones) > 0 {
			primary = Public
		}
		c, err := req.Profile.PlanCells(req.Env, primary)
		if err != nil {
			return nil, err
		}
		cells, haveCells = c, true
	}
	tethered := req.Profile.Limits.Tethered()
	reach := req.Profile.Limits.TetherReachM(cells.AltM)
	base := PlaceOptions{
		Target:       target,
		Drones:       req.Drones,
		Demand:       reg.Demand,
		NoFly:        reg.NoFly,
		Tethered:     tethered,
		TetherReachM: reach,
		Sites:        reg.Sites,
		Seed:         req.Seed,
	}
	if math.IsInf(base.TetherReachM, 1) {
		base.TetherReachM = 0
	}
	var disks []Disk // positions; radius is the planning radius
	var sites []int
	var planR float64
	var lat *Lattice
	var lowerBound float64
	switch {
	case net == Both && len(reg.WorkZones) > 0:
		// Stage 1: private cells over the work zones; stage 2: public cells
		// over the area, counting the stage-1 stations' public cells.
		o1 := base
		o1.Area, o1.RadiusM, o1.Demand, o1.Drones = reg.WorkZones, cells.PrivateRadiusM, nil, 0
		p1, err := PlaceContext(ctx, o1)
		if err != nil {
			return nil, fmt.Errorf("work zones: %w", err)
		}
		o2 := base
		o2.Area, o2.RadiusM = reg.Area, cells.PublicRadiusM
		for _, d := range p1.Disks {
			o2.Fixed = append(o2.Fixed, Disk{C: d.C, R: cells.PublicRadiusM})
		}
		if req.Drones > 0 {
			o2.Drones = req.Drones - len(p1.Disks)
			if o2.Drones < 0 {
				return nil, fmt.Errorf("%w: the work zones alone need %d drones", ErrInfeasible, len(p1.Disks))
			}
		}
		var p2 Placement
		if o2.Drones == 0 && req.Drones > 0 {
			p2 = Placement{LowerBound: reg.Area.Area() / (math.Pi * o2.RadiusM * o2.RadiusM)}
		} else if p2, err = PlaceContext(ctx, o2); err != nil {
			return nil, err
		}
		disks = append(append(disks, p1.Disks...), p2.Disks...)
		sites = append(append(sites, p1.Site...), p2.Site...)
		planR, lowerBound = cells.PublicRadiusM, p2.LowerBound
	default:
		o := base
		o.Area, o.RadiusM = reg.Area, cells.Radius(net)
		if !(o.RadiusM > 0) {
			return nil, fmt.Errorf("%w: the %s cell has no coverage at %.0f m", ErrInfeasible, net, cells.AltM)
		}
		pl, err := PlaceContext(ctx, o)
		if err != nil {
			return nil, err
		}
		disks, sites, planR, lowerBound = pl.Disks, pl.Site, o.RadiusM, pl.LowerBound
		switch {
		case !req.CompareLattice || tethered:
		case o.Drones == 0:
			lat = &pl.Lattice // BestLattice's, which the placer kept to
		default:
			l := bestLatticeContext(ctx, reg.Area, o.RadiusM, target, nil)
			lat = &l
		}
	}
	plan := &Plan{
		Mode:       "fewest",
		Networks:   net.String(),
		Target:     target,
		Projection: reg.Projection,
		AreaKm2:    reg.Area.Area() / 1e6,
		LowerBound: lowerBound,
		region:     reg,
	}
	if req.Drones > 0 {
		plan.Mode = "drones"
		plan.Target = 0
	}
	if haveCells {
		plan.Cells = &cells
	}
	for i, d := range disks {
		s := reg.station(i, d.C, cells, net)
		if i < len(sites) {
			s.LaunchSite = sites[i]
		}
		s.RadiusM = planR
		s.Profile = req.Profile.Name
		plan.Stations = append(plan.Stations, s)
	}
	return reg.finish(ctx, plan, req, cells, net, target, lat), nil
}

// finish adds the backhaul and the figures measured from the stations.
func (reg *Region) finish(ctx context.Context, plan *Plan, req Request, cells Cells, net Networks, target float64, lat *Lattice) *Plan {
	if req.RelayRangeM > 0 {
		plan.Backhaul = reg.connect(ctx, plan, req.RelayRangeM, req.Drones == 0, cells, net)
	}
	plan.measure()
	plan.TargetReached = plan.Mode == "fewest" && plan.Coverage >= target && plan.DemandWeightCovered == 1
	if n := len(plan.Stations); plan.LowerBound > 0 {
		plan.RatioToLowerBound = float64(n) / plan.LowerBound
	}
	if lat != nil {
		plan.Lattice = lat
		if lat.Drones > 0 {
			plan.RatioToPrunedLattice = float64(len(plan.Stations)) / float64(lat.Drones)
		}
		if lat.Clipped > 0 {
			plan.RatioToLattice = float64(len(plan.Stations)) / float64(lat.Clipped)
		}
	}
	return plan
}

// planFleet places a mixed fleet, biggest cells first.
func (reg *Region) planFleet(ctx context.Context, req Request, net Networks, target float64) (*Plan, error) {
	if net == Both && len(reg.WorkZones) > 0 {
		return nil, fmt.Errorf("%w: work zones with both networks need a single profile", ErrBadParameter)
	}
	env, err := req.environment()
	if err != nil {
		return nil, err
	}
	type kind struct {
		av    Available
		cells Cells
		r     float64
	}
	var kinds []kind
	for _, av := range req.Fleet {
		if av.Count < 0 {
			return nil, fmt.Errorf("%w: %d drones of %s", ErrBadParameter, av.Count, av.Profile.Name)
		}
		if av.Count == 0 || !av.Profile.Carries(net) {
			continue // a public-only relay cannot serve both networks
		}
		c, err := av.Profile.PlanCells(env, net)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", av.Profile.Name, err)
		}
		if r := c.Radius(net); r > 0 {
			kinds = append(kinds, kind{av: av, cells: c, r: r})
		}
	}
	if len(kinds) == 0 {
		return nil, fmt.Errorf("%w: no drone in the fleet has coverage", ErrInfeasible)
	}
	sort.SliceStable(kinds, func(i, j int) bool { return kinds[i].r > kinds[j].r })
	plan := &Plan{
		Mode: "fewest", Networks: net.String(), Target: target, Projection: reg.Projection,
		AreaKm2: reg.Area.Area() / 1e6, region: reg,
	}
	if req.Drones > 0 {
		plan.Mode, plan.Target = "drones", 0
	}
	// Lower bound: the biggest cells first, as many as there are.
	rest := reg.Area.Area()
	for _, k := range kinds {
		a := math.Pi * k.r * k.r
		n := math.Min(float64(k.av.Count), rest/a)
		plan.LowerBound += n
		rest -= n * a
	}
	var fixed []Disk
	left := req.Drones
	for _, k := range kinds {
		count := k.av.Count
		if req.Drones > 0 {
			count = min(count, left)
		}
		if count <= 0 {
			break
		}
		o := PlaceOptions{
			Area: reg.Area, RadiusM: k.r, Target: target, Demand: reg.Demand, NoFly: reg.NoFly,
			Fixed: fixed, Sites: reg.Sites, Seed: req.Seed,
		}
		if lim := k.av.Profile.Limits; lim.Tethered() {
			o.Tethered, o.TetherReachM = true, lim.TetherReachM(k.cells.AltM)
		}
		var pl Placement
		var err error
		done := false
		if req.Drones == 0 {
			if pl, err = PlaceContext(ctx, o); err != nil && !errors.Is(err, ErrInfeasible) {
				return nil, err
			}
			done = err == nil && len(pl.Disks) <= count
		}
		if !done {
			o.Drones = count
			if pl, err = PlaceContext(ctx, o); err != nil {
				return nil, err
			}
		}
		for i, d := range pl.Disks {
			s := reg.station(len(plan.Stations), d.C, k.cells, net)
			if i < len(pl.Site) {
				s.LaunchSite = pl.Site[i]
			}
			s.RadiusM = k.r
			s.Profile = k.av.Profile.Name
			plan.Stations = append(plan.Stations, s)
			fixed = append(fixed, Disk{C: d.C, R: k.r})
		}
		left -= len(pl.Disks)
		if done {
			break
		}
	}
	return reg.finish(ctx, plan, req, kinds[len(kinds)-1].cells, net, target, nil), nil
}

func (reg *Region) station(id int, c Point, cells Cells, net Networks) Station {
	ll := reg.Projection.Inverse(c)
	return Station{
		ID: id, Lat: ll.Lat, Lon: ll.Lon, AltM: cells.AltM,
		RadiusM: cells.Radius(net), PublicRadiusM: cells.PublicRadiusM, PrivateRadiusM: cells.PrivateRadiusM,
		Networks: net.Names(), XM: c.X, YM: c.Y, LaunchSite: -1,
	}
}

// StationDisks returns the footprints of the stations carrying network n.
func StationDisks(ss []Station, n Networks) []Disk {
	var out []Disk
	for _, s := range ss {
		has := false
		for _, name := range s.Networks {
			if (name == "public" && n == Public) || (name == "private" && n == Private) {
				has = true
			}
		}
		if !has {
			continue
		}
		r := s.PublicRadiusM
		if n == Private {
			r = s.PrivateRadiusM
		}
		out = append(out, Disk{C: Point{s.XM, s.YM}, R: r})
	}
	return out
}

// measure fills the coverage figures from the station positions.
func (p *Plan) measure() {
	reg := p.region
	p.CoverageByNetwork = map[string]Measurement{}
	all := make([]Disk, 0, len(p.Stations))
	for _, n := range []Networks{Public, Private} {
		ds := StationDisks(p.Stations, n)
		if len(ds) == 0 {
			continue
		}
		m := Measure(reg.Area, ds)
		p.CoverageByNetwork[n.Names()[0]] = m
		if n == Private && len(reg.WorkZones) > 0 {
			wz := Measure(reg.WorkZones, ds)
			p.WorkZones = &wz
		}
	}
	primary := "public"
	if p.Networks == "private" {
		primary = "private"
	}
	p.Coverage = p.CoverageByNetwork[primary].Fraction
	for _, s := range p.Stations {
		all = append(all, Disk{C: Point{s.XM, s.YM}, R: s.RadiusM})
	}
	p.DemandWeightCovered = demandCovered(reg.Demand, all)
}

// connect checks the backhaul mesh and, when allowed, adds relay stations
// along the shortest gap between the connected part and each other
// component until everything is connected.
func (reg *Region) connect(ctx context.Context, p *Plan, rng float64, add bool, cells Cells, net Networks) *Backhaul {
	bh := &Backhaul{RangeM: rng}
	for iter := 0; iter < 10_000 && ctx.Err() == nil; iter++ {
		nodes := make([]Point, 0, len(reg.Gateways)+len(p.Stations))
		nodes = append(nodes, reg.Gateways...)
		for _, s := range p.Stations {
			nodes = append(nodes, Point{s.XM, s.YM})
		}
		comp := components(nodes, rng)
		root := comp[0]
		if len(reg.Gateways) == 0 && len(nodes) > 0 {
			root = comp[0]
		}
		// Gateways are all roots: a station is connected if its component
		// holds any gateway (or, without gateways, the first station's).
		rootSet := map[int]bool{root: true}
		for i := range reg.Gateways {
			rootSet[comp[i]] = true
		}
		seen := map[int]bool{}
		for _, c := range comp {
			seen[c] = true
		}
		bh.Components = len(seen)
		bi, bj, bd := -1, -1, math.Inf(1)
		for i := range nodes {
			if !rootSet[comp[i]] {
				continue
			}
			for j := range nodes {
				if rootSet[comp[j]] {
					continue
				}
				if d := nodes[i].Dist(nodes[j]); d < bd {
					bi, bj, bd = i, j, d
				}
			}
		}
		if bj < 0 {
			bh.Connected = true
			return bh
		}
		if !add {
			// A fixed fleet: pull the nearest outlying component towards the
			// connected part until it is in range (coverage gives way to
			// the backhaul; the figures are measured afterwards).
			ng := len(reg.Gateways)
			shift := nodes[bi].sub(nodes[bj]).scale((bd - rng*0.999) / bd)
			for i := ng; i < len(nodes); i++ {
				if comp[i] == comp[bj] {
					s := &p.Stations[i-ng]
					c := Point{s.XM, s.YM}.add(shift)
					ll := reg.Projection.Inverse(c)
					s.XM, s.YM, s.Lat, s.Lon = c.X, c.Y, ll.Lat, ll.Lon
				}
			}
			bh.Moved++
			continue
		}
		k := int(math.Min(math.Ceil(bd/rng), 2*MaxCells)) - 1
		if bh.RelaysAdded+k > MaxCells {
			return bh // no more relays than any fleet has: left unconnected
		}
		for s := 1; s <= max(1, k); s++ {
			c := lerp(nodes[bi], nodes[bj], float64(s)/float64(k+1))
			st := reg.station(len(p.Stations), c, cells, net)
			st.Relay = true
			p.Stations = append(p.Stations, st)
			bh.RelaysAdded++
		}
	}
	return bh
}

// components labels the connected components of the disk graph of range rng.
func components(nodes []Point, rng float64) []int {
	comp := make([]int, len(nodes))
	for i := range comp {
		comp[i] = -1
	}
	r2 := rng * rng
	c := 0
	for i := range nodes {
		if comp[i] >= 0 {
			continue
		}
		stack := []int{i}
		comp[i] = c
		for len(stack) > 0 {
			v := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for j := range nodes {
				if comp[j] < 0 && nodes[v].dist2(nodes[j]) <= r2 {
					comp[j] = c
					stack = append(stack, j)
				}
			}
		}
		c++
	}
	return comp
}
