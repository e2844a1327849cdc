package coverage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/peterstace/simplefeatures/geom"
)

// GeoRing is a ring of positions as in GeoJSON, closed (first == last).
type GeoRing []LonLat

// GeoPolygon is an exterior ring followed by holes.
type GeoPolygon []GeoRing

// GeoMultiPolygon is a list of polygons.
type GeoMultiPolygon []GeoPolygon

// Demand is a place that must be covered: a shelter, hospital, rescue site
// or a population estimate. Weight is relative (people, or any unit).
type Demand struct {
	Name   string  `json:"name,omitempty"`
	Pos    LonLat  `json:"pos"`
	Weight float64 `json:"weight"`
}

// Site is a launch site; Capacity drones may be launched (or tethered) there.
type Site struct {
	Name     string `json:"name,omitempty"`
	Pos      LonLat `json:"pos"`
	Capacity int    `json:"capacity"`
}

// Incident is everything the planner reads from GeoJSON.
//
// In a FeatureCollection each feature's "role" property says what it is:
// "area" (the default for polygons), "work-zone" (the private network is
// required there), "no-fly", "demand" (a Point; "weight" defaults to 1),
// "launch-site" (a Point; "capacity" defaults to 1) and "gateway" (a Point,
// a ground backhaul gateway). A bare geometry or a Feature is the area.
type Incident struct {
	Area      GeoMultiPolygon `json:"area"`
	WorkZones GeoMultiPolygon `json:"work_zones,omitempty"`
	NoFly     GeoMultiPolygon `json:"no_fly,omitempty"`
	Demand    []Demand        `json:"demand,omitempty"`
	Sites     []Site          `json:"sites,omitempty"`
	Gateways  []LonLat        `json:"gateways,omitempty"`
}

type rawGeoJSON struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
	Geometry    json.RawMessage `json:"geometry"`
	Features    []json.RawMessage
	Geometries  []json.RawMessage
	Properties  map[string]any `json:"properties"`
}

// maxGeoJSONDepth bounds nesting of GeometryCollections.
const maxGeoJSONDepth = 8

// ParseArea reads an area from GeoJSON: a Polygon or MultiPolygon (holes
// allowed) as a bare geometry, a Feature or a FeatureCollection. It is
// ParseIncident keeping only the area.
func ParseArea(data []byte) (GeoMultiPolygon, error) {
	inc, err := ParseIncident(data)
	if err != nil {
		return nil, err
	}
	return inc.Area, nil
}

// CheckArea is the one validation of an area, wherever it comes from (a
// commander's incident through the API, a field team's work area over
// MQTT): [ParseArea], then the planar checks [Prepare] makes (rings that
// cross themselves or each other, holes outside, zero area, an area too
// large for a local projection). It returns the area as parsed.
func CheckArea(data []byte) (GeoMultiPolygon, error) {
	area, err := ParseArea(data)
	if err != nil {
		return nil, err
	}
	if _, err := Prepare(Incident{Area: area}); err != nil {
		return nil, err
	}
	return area, nil
}

// ParseIncident reads an incident from GeoJSON (RFC 7946, lon/lat). It
// checks that the input is GeoJSON, that every ring is closed and has at
// least four positions, that coordinates are finite and in range, and that no
// edge crosses the antimeridian (RFC 7946 asks for such geometries to be
// split; split ones are accepted). Planar checks (self-intersection, holes,
// zero area, winding repair) happen when the area is projected, see
// [Prepare].
func ParseIncident(data []byte) (Incident, error) {
	var inc Incident
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return inc, fmt.Errorf("%w: input is not a JSON object", ErrNotGeoJSON)
	}
	if err := inc.add(data, "", 0); err != nil {
		return Incident{}, err
	}
	if len(inc.Area) == 0 {
		return Incident{}, fmt.Errorf("%w: no Polygon or MultiPolygon area found", ErrEmptyGeometry)
	}
	return inc, nil
}

func (inc *Incident) add(data []byte, role string, depth int) error {
	if depth > maxGeoJSONDepth {
		return fmt.Errorf("%w: nesting deeper than %d", ErrNotGeoJSON, maxGeoJSONDepth)
	}
	var r rawGeoJSON
	if err := json.Unmarshal(data, &r); err != nil {
		return fmt.Errorf("%w: %v", ErrNotGeoJSON, err)
	}
	switch r.Type {
	case "FeatureCollection":
		if depth > 0 {
			return fmt.Errorf("%w: nested FeatureCollection", ErrNotGeoJSON)
		}
		for i, f := range r.Features {
			if err := inc.add(f, "", depth+1); err != nil {
				return fmt.Errorf("feature %d: %w", i, err)
			}
		}
		return nil
	case "Feature":
		role, _ := r.Properties["role"].(string)
		role = strings.ToLower(strings.TrimSpace(role))
		if len(r.Geometry) == 0 || string(r.Geometry) == "null" {
			return nil // RFC 7946 allows unlocated features
		}
		switch role {
		case "", "area", "work-zone", "no-fly":
			if err := inc.add(r.Geometry, role, depth+1); err != nil {
				return err
			}
		case "demand", "launch-site", "gateway":
			pt, err := parsePoint(r.Geometry)
			if err != nil {
				return fmt.Errorf("%s: %w", role, err)
			}
			name, _ := r.Properties["name"].(string)
			switch role {
			case "demand":
				w := 1.0
				if v, ok := r.Properties["weight"].(float64); ok {
					w = v
				}
				if !(w >= 0) || math.IsInf(w, 0) {
					return fmt.Errorf("%w: demand weight %v", ErrBadParameter, w)
				}
				inc.Demand = append(inc.Demand, Demand{Name: name, Pos: pt, Weight: w})
			case "launch-site":
				c := 1.0
				if v, ok := r.Properties["capacity"].(float64); ok {
					c = v
				}
				if !(c >= 0) || c > 1e6 || c != math.Trunc(c) {
					return fmt.Errorf("%w: launch-site capacity %v", ErrBadParameter, c)
				}
				inc.Sites = append(inc.Sites, Site{Name: name, Pos: pt, Capacity: int(c)})
			case "gateway":
				inc.Gateways = append(inc.Gateways, pt)
			}
		default:
			return fmt.Errorf("%w: unknown feature role %q", ErrBadParameter, role)
		}
		return nil
	case "GeometryCollection":
		for i, g := range r.Geometries {
			if err := inc.add(g, role, depth+1); err != nil {
				return fmt.Errorf("geometry %d: %w", i, err)
			}
		}
		return nil
	case "Polygon", "MultiPolygon":
		var mp GeoMultiPolygon
		if r.Type == "Polygon" {
			var c [][][]float64
			if err := json.Unmarshal(r.Coordinates, &c); err != nil {
				return fmt.Errorf("%w: Polygon coordinates: %v", ErrNotGeoJSON, err)
			}
			p, err := geoPolygon(c, 0)
			if err != nil {
				return err
			}
			mp = GeoMultiPolygon{p}
		} else {
			var c [][][][]float64
			if err := json.Unmarshal(r.Coordinates, &c); err != nil {
				return fmt.Errorf("%w: MultiPolygon coordinates: %v", ErrNotGeoJSON, err)
			}
			if len(c) == 0 {
				return fmt.Errorf("%w: MultiPolygon has no polygons", ErrEmptyGeometry)
			}
			for i, pc := range c {
				p, err := geoPolygon(pc, i)
				if err != nil {
					return err
				}
				mp = append(mp, p)
			}
		}
		switch role {
		case "work-zone":
			inc.WorkZones = append(inc.WorkZones, mp...)
		case "no-fly":
			inc.NoFly = append(inc.NoFly, mp...)
		default:
			inc.Area = append(inc.Area, mp...)
		}
		return nil
	case "Point", "MultiPoint", "LineString", "MultiLineString":
		if role == "" || role == "area" {
			return fmt.Errorf("%w: %s cannot be an area (want Polygon or MultiPolygon)", ErrUnsupportedType, r.Type)
		}
		return fmt.Errorf("%w: %s cannot be a %s", ErrUnsupportedType, r.Type, role)
	case "":
		return fmt.Errorf("%w: missing \"type\"", ErrNotGeoJSON)
	}
	return fmt.Errorf("%w: %q", ErrNotGeoJSON, r.Type)
}

func parsePoint(data []byte) (LonLat, error) {
	var r rawGeoJSON
	if err := json.Unmarshal(data, &r); err != nil {
		return LonLat{}, fmt.Errorf("%w: %v", ErrNotGeoJSON, err)
	}
	if r.Type != "Point" {
		return LonLat{}, fmt.Errorf("%w: %q (want Point)", ErrUnsupportedType, r.Type)
	}
	var c []float64
	if err := json.Unmarshal(r.Coordinates, &c); err != nil {
		return LonLat{}, fmt.Errorf("%w: Point coordinates: %v", ErrNotGeoJSON, err)
	}
	return position(c)
}

func position(c []float64) (LonLat, error) {
	if len(c) < 2 || len(c) > 3 {
		return LonLat{}, fmt.Errorf("%w: position with %d values", ErrBadCoordinate, len(c))
	}
	lon, lat := c[0], c[1]
	if !finite(lon) || !finite(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90 {
		return LonLat{}, fmt.Errorf("%w: [%v, %v]", ErrBadCoordinate, lon, lat)
	}
	return LonLat{Lon: lon, Lat: lat}, nil
}

func geoPolygon(c [][][]float64, pi int) (GeoPolygon, error) {
	if len(c) == 0 {
		return nil, fmt.Errorf("%w: polygon %d has no rings", ErrEmptyGeometry, pi)
	}
	p := make(GeoPolygon, 0, len(c))
	for ri, rc := range c {
		if len(rc) < 4 {
			if len(rc) > 0 && len(rc) < 4 && (len(rc[0]) < 2 || len(rc[len(rc)-1]) < 2 || rc[0][0] != rc[len(rc)-1][0] || rc[0][1] != rc[len(rc)-1][1]) {
				return nil, fmt.Errorf("%w: polygon %d ring %d (%d positions)", ErrRingNotClosed, pi, ri, len(rc))
			}
			return nil, fmt.Errorf("%w: polygon %d ring %d has %d", ErrRingTooShort, pi, ri, len(rc))
		}
		r := make(GeoRing, len(rc))
		for i, pc := range rc {
			ll, err := position(pc)
			if err != nil {
				return nil, fmt.Errorf("polygon %d ring %d position %d: %w", pi, ri, i, err)
			}
			r[i] = ll
		}
		if r[0] != r[len(r)-1] {
			return nil, fmt.Errorf("%w: polygon %d ring %d ends at %v, not at its start %v", ErrRingNotClosed, pi, ri, r[len(r)-1], r[0])
		}
		for i := 1; i < len(r); i++ {
			if math.Abs(r[i].Lon-r[i-1].Lon) > 180 {
				return nil, fmt.Errorf("%w: polygon %d ring %d edge %d jumps from lon %v to %v (split it at 180 as RFC 7946 asks)", ErrAntimeridian, pi, ri, i-1, r[i-1].Lon, r[i].Lon)
			}
		}
		p = append(p, r)
	}
	return p, nil
}

// Center is the centre of the bounding box, with longitudes unwrapped around
// the first vertex so that areas split at the antimeridian are handled.
func (m GeoMultiPolygon) Center() LonLat {
	var ref float64
	first := true
	minLon, maxLon, minLat, maxLat := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, p := range m {
		for _, r := range p {
			for _, q := range r {
				if first {
					ref, first = q.Lon, false
				}
				lon := ref + wrapLon(q.Lon-ref)
				minLon, maxLon = math.Min(minLon, lon), math.Max(maxLon, lon)
				minLat, maxLat = math.Min(minLat, q.Lat), math.Max(maxLat, q.Lat)
			}
		}
	}
	if first {
		return LonLat{}
	}
	return LonLat{Lon: wrapLon((minLon + maxLon) / 2), Lat: (minLat + maxLat) / 2}
}

// Project maps a geographic multipolygon to local metres (rings stay closed
// as in GeoJSON; [MultiPolygon.Normalize] opens them).
func (pr Projection) Project(m GeoMultiPolygon) MultiPolygon {
	out := make(MultiPolygon, len(m))
	for i, p := range m {
		out[i] = make(Polygon, len(p))
		for j, r := range p {
			out[i][j] = make(Ring, len(r))
			for k, q := range r {
				out[i][j][k] = pr.Forward(q)
			}
		}
	}
	return out
}

// Unproject maps a local multipolygon back to lon/lat with closed rings.
func (pr Projection) Unproject(m MultiPolygon) GeoMultiPolygon {
	out := make(GeoMultiPolygon, len(m))
	for i, p := range m {
		out[i] = make(GeoPolygon, len(p))
		for j, r := range p {
			gr := make(GeoRing, 0, len(r)+1)
			for _, q := range r {
				gr = append(gr, pr.Inverse(q))
			}
			if len(r) > 0 && r[0] != r[len(r)-1] {
				gr = append(gr, gr[0])
			}
			out[i][j] = gr
		}
	}
	return out
}

// Region is an incident in local metres, checked and ready for planning.
type Region struct {
	Projection Projection
	Area       MultiPolygon
	WorkZones  MultiPolygon
	NoFly      MultiPolygon
	Demand     []PlanarDemand
	Sites      []PlanarSite
	Gateways   []Point
}

// PlanarDemand is a [Demand] in local metres.
type PlanarDemand struct {
	Name   string
	Pos    Point
	Weight float64
}

// PlanarSite is a [Site] in local metres.
type PlanarSite struct {
	Name     string
	Pos      Point
	Capacity int
}

// Prepare projects an incident on a projection centred on its area and
// checks the planar geometry (see [MultiPolygon.Normalize]). Polygons that
// are valid one by one but overlap each other (several features drawn over
// one another) are merged into their union.
func Prepare(inc Incident) (*Region, error) {
	if len(inc.Area) == 0 {
		return nil, ErrEmptyGeometry
	}
	pr, err := NewProjection(inc.Area.Center())
	if err != nil {
		return nil, err
	}
	return PrepareWith(pr, inc)
}

// PrepareWith is Prepare with a given projection (to keep one frame across
// re-plans).
func PrepareWith(pr Projection, inc Incident) (*Region, error) {
	reg := &Region{Projection: pr}
	var err error
	check := func(what string, g GeoMultiPolygon) (MultiPolygon, error) {
		if len(g) == 0 {
			return nil, nil
		}
		for _, p := range g {
			for _, r := range p {
				for _, q := range r {
					if !finite(q.Lon) || !finite(q.Lat) || q.Lon < -180 || q.Lon > 180 || q.Lat < -90 || q.Lat > 90 {
						return nil, fmt.Errorf("%s: %w: %v", what, ErrBadCoordinate, q)
					}
				}
			}
		}
		m := pr.Project(g)
		lo, hi := m.Bounds()
		if math.Max(math.Max(math.Abs(lo.X), math.Abs(hi.X)), math.Max(math.Abs(lo.Y), math.Abs(hi.Y))) > maxExtentM {
			return nil, fmt.Errorf("%s: %w: reaches more than %d km from its centre", what, ErrAreaTooLarge, maxExtentM/1000)
		}
		n, err := m.Normalize()
		if errors.Is(err, ErrOverlap) {
			// Overlapping features (two hand-drawn zones, say) are merged:
			// every part of each needs the same thing.
			n, err = mergePolygons(m)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		return n, nil
	}
	if reg.Area, err = check("area", inc.Area); err != nil {
		return nil, err
	}
	if reg.WorkZones, err = check("work zones", inc.WorkZones); err != nil {
		return nil, err
	}
	if reg.NoFly, err = check("no-fly zones", inc.NoFly); err != nil {
		return nil, err
	}
	for _, d := range inc.Demand {
		if _, err := position([]float64{d.Pos.Lon, d.Pos.Lat}); err != nil {
			return nil, fmt.Errorf("demand %q: %w", d.Name, err)
		}
		if !(d.Weight >= 0) || math.IsInf(d.Weight, 0) {
			return nil, fmt.Errorf("demand %q: %w: weight %v", d.Name, ErrBadParameter, d.Weight)
		}
		reg.Demand = append(reg.Demand, PlanarDemand{Name: d.Name, Pos: pr.Forward(d.Pos), Weight: d.Weight})
	}
	for _, s := range inc.Sites {
		if _, err := position([]float64{s.Pos.Lon, s.Pos.Lat}); err != nil {
			return nil, fmt.Errorf("launch site %q: %w", s.Name, err)
		}
		reg.Sites = append(reg.Sites, PlanarSite{Name: s.Name, Pos: pr.Forward(s.Pos), Capacity: s.Capacity})
	}
	for _, g := range inc.Gateways {
		if _, err := position([]float64{g.Lon, g.Lat}); err != nil {
			return nil, fmt.Errorf("gateway: %w", err)
		}
		reg.Gateways = append(reg.Gateways, pr.Forward(g))
	}
	return reg, nil
}

// mergePolygons unions polygons that are each valid but overlap.
func mergePolygons(m MultiPolygon) (MultiPolygon, error) {
	parts := make([]geom.Geometry, 0, len(m))
	for i, p := range m {
		n, err := MultiPolygon{p}.Normalize()
		if err != nil {
			return nil, fmt.Errorf("polygon %d: %w", i, err)
		}
		parts = append(parts, toSF(n))
	}
	u, err := geom.UnionMany(parts)
	if err != nil {
		return nil, fmt.Errorf("%w: merging: %v", ErrOverlap, err)
	}
	return fromSF(u).Normalize()
}
