package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"

	"github.com/aerocell/aerocell/fleet"
	"github.com/aerocell/aerocell/internal/geojsonpos"
)

// Request body limits.
const (
	maxBody     = 8 << 20 // an incident's area may be a detailed polygon
	maxNameLen  = 200
	maxAltM     = 500 // well above any legal ceiling: the controller checks the real one
	maxAreaSpan = 5.0 // degrees: a local projection stops being local beyond that
)

// decodeStrict decodes exactly one JSON value into v, refusing unknown fields
// and trailing data, with an error that says what is wrong.
func decodeStrict(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return fmt.Errorf("%w: empty body, want a JSON object", ErrBadRequest)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %s", ErrBadRequest, describeJSONError(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: trailing data after the JSON object", ErrBadRequest)
	}
	return nil
}

func describeJSONError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("invalid JSON at byte %d: %v", syn.Offset, syn)
	case errors.As(err, &typ):
		if typ.Field != "" {
			return fmt.Sprintf("field %q: want %s, got JSON %s", typ.Field, typ.Type, typ.Value)
		}
		return fmt.Sprintf("want %s, got JSON %s", typ.Type, typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "invalid JSON: unexpected end of body"
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return strings.TrimPrefix(err.Error(), "json: ")
	}
	return "invalid JSON: " + err.Error()
}

// incidentPatch is the body of PATCH /incident: fields present replace the
// open incident's.
type incidentPatch struct {
	Name           *string          `json:"name"`
	Area           json.RawMessage  `json:"area"`
	Networks       *[]fleet.Network `json:"networks"`
	TargetCoverage *float64         `json:"target_coverage"`
	NoFly          json.RawMessage  `json:"no_fly"`
}

// decodeIncident decodes the body of POST /incident. A JSON body is an
// incident spec; a GeoJSON body (contentType application/geo+json) is the
// area itself, named by name or else by its first feature's "name" property.
func decodeIncident(data []byte, contentType, name string) (fleet.IncidentSpec, error) {
	var spec fleet.IncidentSpec
	if isGeoJSON(contentType) {
		if len(bytes.TrimSpace(data)) == 0 {
			return spec, fmt.Errorf("%w: empty body, want a GeoJSON area", ErrBadRequest)
		}
		spec.Area = json.RawMessage(bytes.Clone(data))
		spec.Name = name
		if spec.Name == "" {
			spec.Name = featureName(data)
		}
	} else {
		if err := decodeStrict(data, &spec); err != nil {
			return spec, err
		}
	}
	return spec, validateSpec(spec)
}

// decodePatch decodes the body of PATCH /incident and applies it to cur.
func decodePatch(data []byte, cur fleet.IncidentSpec) (fleet.IncidentSpec, error) {
	var p incidentPatch
	if err := decodeStrict(data, &p); err != nil {
		return cur, err
	}
	if p.Name == nil && p.Area == nil && p.Networks == nil && p.TargetCoverage == nil && p.NoFly == nil {
		return cur, fmt.Errorf("%w: nothing to change: give name, area, networks, target_coverage or no_fly", ErrBadRequest)
	}
	next := cur
	if p.Name != nil {
		next.Name = *p.Name
	}
	if p.Area != nil {
		next.Area = p.Area
	}
	if p.Networks != nil {
		next.Networks = *p.Networks
	}
	if p.TargetCoverage != nil {
		next.TargetCoverage = *p.TargetCoverage
	}
	if p.NoFly != nil {
		next.NoFly = p.NoFly
		if string(bytes.TrimSpace(p.NoFly)) == "null" {
			next.NoFly = nil
		}
	}
	return next, validateSpec(next)
}

func isGeoJSON(contentType string) bool {
	ct, _, _ := strings.Cut(contentType, ";")
	return strings.EqualFold(strings.TrimSpace(ct), "application/geo+json")
}

func featureName(data []byte) string {
	var doc struct {
		Properties map[string]any `json:"properties"`
		Features   []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if json.Unmarshal(data, &doc) != nil {
		return ""
	}
	props := doc.Properties
	if props == nil && len(doc.Features) > 0 {
		props = doc.Features[0].Properties
	}
	s, _ := props["name"].(string)
	return s
}

// validateSpec checks everything the API can check about an incident spec.
func validateSpec(s fleet.IncidentSpec) error {
	name := strings.TrimSpace(s.Name)
	if name == "" {
		return fmt.Errorf("%w: name is required", ErrBadRequest)
	}
	if len(s.Name) > maxNameLen {
		return fmt.Errorf("%w: name is longer than %d bytes", ErrBadRequest, maxNameLen)
	}
	if len(s.Area) == 0 {
		return fmt.Errorf("%w: area is required (GeoJSON Polygon or MultiPolygon)", ErrBadRequest)
	}
	if _, err := ParseArea(s.Area); err != nil {
		return fmt.Errorf("%w: area: %v", ErrBadRequest, err)
	}
	seen := map[fleet.Network]bool{}
	for _, n := range s.Networks {
		if n != fleet.Public && n != fleet.Private {
			return fmt.Errorf("%w: networks: %q is not public or private", ErrBadRequest, n)
		}
		if seen[n] {
			return fmt.Errorf("%w: networks: %q twice", ErrBadRequest, n)
		}
		seen[n] = true
	}
	if t := s.TargetCoverage; math.IsNaN(t) || t < 0 || t > 1 {
		return fmt.Errorf("%w: target_coverage %v is not in (0, 1]", ErrBadRequest, t)
	}
	if len(s.NoFly) > 0 {
		if _, err := ParseArea(s.NoFly); err != nil {
			return fmt.Errorf("%w: no_fly: %v", ErrBadRequest, err)
		}
	}
	return nil
}

// ParseArea parses a GeoJSON area, lon/lat: a Polygon or MultiPolygon, bare
// or as a Feature, or a FeatureCollection of them. It checks that each ring
// is closed, has at least four points, lies on the globe, and that the area
// is not empty and spans at most a few degrees.
func ParseArea(data []byte) (orb.MultiPolygon, error) {
	var mp orb.MultiPolygon
	if err := parseGeoJSON(data, &mp); err != nil {
		return nil, err
	}
	if len(mp) == 0 {
		return nil, errors.New("no polygon")
	}
	for i, p := range mp {
		if len(p) == 0 {
			return nil, fmt.Errorf("polygon %d has no ring", i)
		}
		for j, r := range p {
			if err := checkRing(r); err != nil {
				return nil, fmt.Errorf("polygon %d ring %d: %v", i, j, err)
			}
		}
		if planar.Area(p) <= 0 {
			return nil, fmt.Errorf("polygon %d has no area", i)
		}
	}
	b := mp.Bound()
	if b.Max.Lon()-b.Min.Lon() > maxAreaSpan || b.Max.Lat()-b.Min.Lat() > maxAreaSpan {
		return nil, fmt.Errorf("area spans more than %v degrees", maxAreaSpan)
	}
	return mp, nil
}

// parseGeoJSON decodes data through orb/geojson and adds its polygons to
// mp, saying what is wrong in the commander's terms.
func parseGeoJSON(data []byte, mp *orb.MultiPolygon) error {
	var o struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(data, &o); err != nil {
		return fmt.Errorf("not GeoJSON: %s", describeJSONError(err))
	}
	switch o.Type {
	case "Polygon", "MultiPolygon":
		return addGeometry(data, o.Type, mp)
	case "Feature":
		return addFeature(data, mp)
	case "FeatureCollection":
		// Feature by feature, so that an error names the feature.
		for i, f := range o.Features {
			err := addFeature(f, mp)
			if errors.Is(err, errNotFeature) {
				return fmt.Errorf("features[%d] is not a Feature", i)
			}
			if err != nil {
				return fmt.Errorf("features[%d]: %v", i, err)
			}
		}
		return nil
	case "":
		return errors.New(`not GeoJSON: no "type"`)
	}
	return notArea(o.Type)
}

func notArea(typ string) error {
	return fmt.Errorf("GeoJSON type %q is not a Polygon, MultiPolygon, Feature or FeatureCollection", typ)
}

var errNotFeature = errors.New("not a Feature")

// addFeature adds the polygons of the GeoJSON Feature data to mp.
func addFeature(data []byte, mp *orb.MultiPolygon) error {
	var o struct {
		Type     string          `json:"type"`
		Geometry json.RawMessage `json:"geometry"`
	}
	if err := json.Unmarshal(data, &o); err != nil {
		return fmt.Errorf("not GeoJSON: %s", describeJSONError(err))
	}
	if o.Type != "Feature" {
		return errNotFeature
	}
	if len(o.Geometry) == 0 || string(o.Geometry) == "null" {
		return errors.New("a feature has no geometry")
	}
	var g struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(o.Geometry, &g)
	switch g.Type {
	case "Polygon", "MultiPolygon":
	case "Feature", "FeatureCollection":
		return fmt.Errorf("a %s nested in a Feature", g.Type)
	default:
		return notArea(g.Type)
	}
	f, err := geojson.UnmarshalFeature(data)
	if err != nil {
		if _, gerr := geojson.UnmarshalGeometry(o.Geometry); gerr != nil {
			return badCoordinates(g.Type)
		}
		return fmt.Errorf("not a GeoJSON Feature: %v", strings.TrimPrefix(err.Error(), "geojson: "))
	}
	return addPolygons(f.Geometry, o.Geometry, mp)
}

// badCoordinates says what the coordinates of a geometry of type typ
// (Polygon or MultiPolygon) must be.
func badCoordinates(typ string) error {
	if typ == "MultiPolygon" {
		return errors.New("the coordinates of a MultiPolygon are not an array of polygons")
	}
	return errors.New("the coordinates of a Polygon are not an array of rings of [lon, lat] positions")
}

// addGeometry adds the GeoJSON Polygon or MultiPolygon data (of type typ)
// to mp.
func addGeometry(data []byte, typ string, mp *orb.MultiPolygon) error {
	g, err := geojson.UnmarshalGeometry(data)
	if err != nil {
		return badCoordinates(typ)
	}
	return addPolygons(g.Geometry(), data, mp)
}

// addPolygons adds g, a Polygon or MultiPolygon that orb/geojson read
// from data, to mp. orb reads a position into [2]float64, which pads
// [lon] with a zero latitude without a word, so geojsonpos counts the
// positions in data as well.
func addPolygons(g orb.Geometry, data []byte, mp *orb.MultiPolygon) error {
	switch g := g.(type) {
	case orb.Polygon:
		if err := geojsonpos.Check(data); err != nil {
			return err
		}
		*mp = append(*mp, g)
	case orb.MultiPolygon:
		if err := geojsonpos.Check(data); err != nil {
			return err
		}
		*mp = append(*mp, g...)
	case nil: // "geometry" spelt in another case: encoding/json's peek matched it, orb did not
		return errors.New("a feature has no geometry")
	default:
		return notArea(g.GeoJSONType())
	}
	return nil
}

func checkRing(r orb.Ring) error {
	if len(r) < 4 {
		return fmt.Errorf("%d points, want at least 4", len(r))
	}
	for k, pt := range r {
		lon, lat := pt.Lon(), pt.Lat()
		if math.IsNaN(lon) || math.IsNaN(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90 {
			return fmt.Errorf("point %d (%v, %v) is not a lon/lat", k, lon, lat)
		}
	}
	if r[0] != r[len(r)-1] {
		return errors.New("not closed: the last point must repeat the first")
	}
	return nil
}

// decodeOrder decodes the body of POST /drones/{id}/orders.
func decodeOrder(data []byte) (fleet.Order, error) {
	var in struct {
		Kind fleet.OrderKind `json:"kind"`
		Lat  *float64        `json:"lat"`
		Lon  *float64        `json:"lon"`
		AltM *float64        `json:"alt_m"`
	}
	if err := decodeStrict(data, &in); err != nil {
		return fleet.Order{}, err
	}
	o := fleet.Order{Kind: in.Kind}
	switch in.Kind {
	case fleet.OrderGoto:
		if in.Lat == nil || in.Lon == nil || in.AltM == nil {
			return o, fmt.Errorf("%w: goto needs lat, lon and alt_m", ErrBadRequest)
		}
		o.Lat, o.Lon, o.AltM = *in.Lat, *in.Lon, *in.AltM
		if math.IsNaN(o.Lat) || o.Lat < -90 || o.Lat > 90 {
			return o, fmt.Errorf("%w: lat %v is not in [-90, 90]", ErrBadRequest, o.Lat)
		}
		if math.IsNaN(o.Lon) || o.Lon < -180 || o.Lon > 180 {
			return o, fmt.Errorf("%w: lon %v is not in [-180, 180]", ErrBadRequest, o.Lon)
		}
		if math.IsNaN(o.AltM) || o.AltM <= 0 || o.AltM > maxAltM {
			return o, fmt.Errorf("%w: alt_m %v is not in (0, %d]", ErrBadRequest, o.AltM, maxAltM)
		}
	case fleet.OrderRTL, fleet.OrderLand, fleet.OrderRelease, fleet.OrderApprove:
		if in.Lat != nil || in.Lon != nil || in.AltM != nil {
			return o, fmt.Errorf("%w: %s takes no lat, lon or alt_m", ErrBadRequest, in.Kind)
		}
	case "":
		return o, fmt.Errorf("%w: kind is required: goto, rtl, land, release or approve", ErrBadRequest)
	default:
		return o, fmt.Errorf("%w: kind %q is not goto, rtl, land, release or approve", ErrBadRequest, in.Kind)
	}
	return o, nil
}

// decodeFlag decodes a body {"<field>": true|false}.
func decodeFlag(data []byte, field string) (bool, error) {
	var m map[string]json.RawMessage
	if err := decodeStrict(data, &m); err != nil {
		return false, err
	}
	if m == nil {
		return false, fmt.Errorf("%w: want a JSON object {%q: true|false}", ErrBadRequest, field)
	}
	for k := range m {
		if k != field {
			return false, fmt.Errorf("%w: unknown field %q, want only %q", ErrBadRequest, k, field)
		}
	}
	raw, ok := m[field]
	if !ok {
		return false, fmt.Errorf("%w: %q is required", ErrBadRequest, field)
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err != nil {
		return false, fmt.Errorf("%w: %q must be true or false", ErrBadRequest, field)
	}
	return b, nil
}
