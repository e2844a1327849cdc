package coverage

import (
	"encoding/json"
	"math"
)

type featureJSON struct {
	Type       string         `json:"type"`
	Geometry   geometryJSON   `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

type geometryJSON struct {
	Type        string `json:"type"`
	Coordinates any    `json:"coordinates"`
}

type collectionJSON struct {
	Type     string        `json:"type"`
	Features []featureJSON `json:"features"`
}

func round7(v float64) float64 { return math.Round(v*1e7) / 1e7 }

func posJSON(ll LonLat) [2]float64 { return [2]float64{round7(ll.Lon), round7(ll.Lat)} }

func multiPolygonJSON(g GeoMultiPolygon) geometryJSON {
	out := make([][][][2]float64, len(g))
	for i, p := range g {
		out[i] = make([][][2]float64, len(p))
		for j, r := range p {
			out[i][j] = make([][2]float64, len(r))
			for k, q := range r {
				out[i][j][k] = posJSON(q)
			}
		}
	}
	return geometryJSON{Type: "MultiPolygon", Coordinates: out}
}

func pointJSON(ll LonLat) geometryJSON {
	return geometryJSON{Type: "Point", Coordinates: posJSON(ll)}
}

// GeoJSON renders the plan as a FeatureCollection: the area, work zones and
// no-fly zones, each cell's footprint per network, the uncovered parts per
// network as polygons, the stations, and the demand points, launch sites
// and gateways. Every feature has a "kind" property saying which it is.
func (p *Plan) GeoJSON() ([]byte, error) {
	reg := p.region
	pr := reg.Projection
	fc := collectionJSON{Type: "FeatureCollection"}
	add := func(g geometryJSON, props map[string]any) {
		fc.Features = append(fc.Features, featureJSON{Type: "Feature", Geometry: g, Properties: props})
	}
	add(multiPolygonJSON(pr.Unproject(reg.Area)), map[string]any{"kind": "area", "area_km2": p.AreaKm2})
	if len(reg.WorkZones) > 0 {
		add(multiPolygonJSON(pr.Unproject(reg.WorkZones)), map[string]any{"kind": "work-zone"})
	}
	if len(reg.NoFly) > 0 {
		add(multiPolygonJSON(pr.Unproject(reg.NoFly)), map[string]any{"kind": "no-fly"})
	}
	for _, n := range []Networks{Public, Private} {
		ds := StationDisks(p.Stations, n)
		if len(ds) == 0 {
			continue
		}
		name := n.Names()[0]
		for i, d := range ds {
			add(multiPolygonJSON(pr.Unproject(MultiPolygon{{CirclePolygon(d, circleSegments)}})),
				map[string]any{"kind": "cell", "network": name, "station": i, "radius_m": math.Round(d.R)})
		}
		un, err := Uncovered(reg.Area, ds)
		if err != nil {
			return nil, err
		}
		if len(un) > 0 {
			add(multiPolygonJSON(pr.Unproject(un)), map[string]any{"kind": "uncovered", "network": name, "area_m2": math.Round(un.Area())})
		}
	}
	for _, s := range p.Stations {
		add(pointJSON(LonLat{s.Lon, s.Lat}), map[string]any{
			"kind": "station", "id": s.ID, "alt_m": math.Round(s.AltM*10) / 10, "radius_m": math.Round(s.RadiusM),
			"networks": s.Networks, "relay": s.Relay, "launch_site": s.LaunchSite,
		})
	}
	for _, d := range reg.Demand {
		add(pointJSON(pr.Inverse(d.Pos)), map[string]any{"kind": "demand", "name": d.Name, "weight": d.Weight})
	}
	for i, s := range reg.Sites {
		add(pointJSON(pr.Inverse(s.Pos)), map[string]any{"kind": "launch-site", "index": i, "name": s.Name, "capacity": s.Capacity})
	}
	for _, g := range reg.Gateways {
		add(pointJSON(pr.Inverse(g)), map[string]any{"kind": "gateway"})
	}
	return json.Marshal(fc)
}

// GeoJSON renders the multipolygon as a GeoJSON MultiPolygon geometry
// (coordinates rounded to 1e-7 degrees, about 1 cm), for maps.
func (m GeoMultiPolygon) GeoJSON() ([]byte, error) {
	return json.Marshal(multiPolygonJSON(m))
}
