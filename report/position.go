package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/internal/geojsonpos"
)

// MaxPositionSize is the largest team position payload accepted, in bytes.
const MaxPositionSize = 16 << 10

// MaxClockSkew is how far ahead of the controller's clock a team's "time"
// may be: a phone's clock a little fast is fine, a position dated hours
// ahead would outlive every later one.
const MaxClockSkew = 5 * time.Minute

// MaxAreaPoints is the most points a team's work area may have, over all
// its rings.
const MaxAreaPoints = 1000

// TeamPosition is where a team is: a point, or the work area it covers.
type TeamPosition struct {
	Team string
	// Time is when the team took the position; when it was received if the
	// payload has none.
	Time time.Time
	// Point is set for a position, Area for a work area; never both.
	Point *orb.Point
	Area  orb.Polygon
	// AccuracyM is the radius of uncertainty of Point, 0 when unknown.
	AccuracyM float64
}

// Geometry is the point or the area.
func (p TeamPosition) Geometry() orb.Geometry {
	if p.Point != nil {
		return *p.Point
	}
	return p.Area
}

// positionPayload is the wire form of a team position.
type positionPayload struct {
	Schema    *int            `json:"schema"`
	Time      *time.Time      `json:"time"`
	Lat       *float64        `json:"lat"`
	Lon       *float64        `json:"lon"`
	AccuracyM *float64        `json:"accuracy_m"`
	Area      json.RawMessage `json:"area"`
}

// ParsePosition checks and decodes the position payload a team published.
// It accepts {"schema":1,"lat":..,"lon":..} with optional "time" (RFC 3339)
// and "accuracy_m", or {"schema":1,"area":GeoJSON Polygon} with optional
// "time"; unknown fields are ignored. Every error wraps ErrInvalidPosition
// and says what is wrong. It never panics, whatever the input.
func ParsePosition(team string, data []byte, received time.Time) (TeamPosition, error) {
	p, err := parsePosition(data)
	if err != nil {
		return TeamPosition{}, fmt.Errorf("%w: %v", ErrInvalidPosition, err)
	}
	p.Team = team
	if p.Time.IsZero() {
		p.Time = received
	}
	if ahead := p.Time.Sub(received); ahead > MaxClockSkew {
		return TeamPosition{}, fmt.Errorf("%w: time %s is %s ahead of the controller's clock (at most %s)",
			ErrInvalidPosition, p.Time.UTC().Format(time.RFC3339), ahead.Round(time.Second), MaxClockSkew)
	}
	return p, nil
}

func parsePosition(data []byte) (TeamPosition, error) {
	if len(data) > MaxPositionSize {
		return TeamPosition{}, fmt.Errorf("payload of %d bytes exceeds %d", len(data), MaxPositionSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var w positionPayload
	if err := dec.Decode(&w); err != nil {
		return TeamPosition{}, fmt.Errorf("bad JSON: %v", err)
	}
	if dec.More() {
		return TeamPosition{}, errors.New("bad JSON: data after the object")
	}
	if bytes.TrimSpace(data)[0] != '{' {
		return TeamPosition{}, errors.New("bad JSON: not an object")
	}
	switch {
	case w.Schema == nil:
		return TeamPosition{}, errors.New(`missing "schema"`)
	case *w.Schema != Schema:
		return TeamPosition{}, fmt.Errorf("schema %d, want %d", *w.Schema, Schema)
	}
	var p TeamPosition
	if w.Time != nil {
		if w.Time.Year() < 2000 || w.Time.Year() > 9999 {
			return TeamPosition{}, fmt.Errorf("time %v out of range", w.Time)
		}
		p.Time = *w.Time
	}
	hasPoint := w.Lat != nil || w.Lon != nil
	hasArea := len(w.Area) > 0 && string(w.Area) != "null"
	switch {
	case hasPoint && hasArea:
		return TeamPosition{}, errors.New(`both "lat"/"lon" and "area": give one`)
	case !hasPoint && !hasArea:
		return TeamPosition{}, errors.New(`neither "lat"/"lon" nor "area"`)
	case hasPoint:
		if w.Lat == nil || w.Lon == nil {
			return TeamPosition{}, errors.New(`"lat" and "lon" go together`)
		}
		pt := orb.Point{*w.Lon, *w.Lat}
		if err := checkLonLat(pt); err != nil {
			return TeamPosition{}, err
		}
		p.Point = &pt
		if w.AccuracyM != nil {
			a := *w.AccuracyM
			if !(a >= 0) || a > 100_000 {
				return TeamPosition{}, fmt.Errorf("accuracy_m %v out of range [0, 100000]", a)
			}
			p.AccuracyM = a
		}
	default:
		if w.AccuracyM != nil {
			return TeamPosition{}, errors.New(`"accuracy_m" applies to a point, not an area`)
		}
		area, err := parsePolygon(w.Area)
		if err != nil {
			return TeamPosition{}, fmt.Errorf("area: %v", err)
		}
		p.Area = area
	}
	return p, nil
}

func checkLonLat(p orb.Point) error {
	lon, lat := p[0], p[1]
	if math.IsNaN(lat) || math.IsInf(lat, 0) || lat < -90 || lat > 90 {
		return fmt.Errorf("lat %v out of range [-90, 90]", lat)
	}
	if math.IsNaN(lon) || math.IsInf(lon, 0) || lon < -180 || lon > 180 {
		return fmt.Errorf("lon %v out of range [-180, 180]", lon)
	}
	return nil
}

// parsePolygon reads a GeoJSON Polygon (bare, or as a Feature) through
// orb/geojson and checks that its positions have two or three numbers, its
// rings are closed, have at least four points, stay in range and hold at
// most MaxAreaPoints points in all.
func parsePolygon(raw json.RawMessage) (orb.Polygon, error) {
	var g struct {
		Type     string          `json:"type"`
		Geometry json.RawMessage `json:"geometry"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, fmt.Errorf("not a GeoJSON Polygon: %v", err)
	}
	if g.Type == "Feature" {
		if len(g.Geometry) == 0 || g.Geometry[0] != '{' {
			return nil, errors.New("a Feature without a geometry")
		}
		if bytes.Contains(g.Geometry, []byte(`"Feature"`)) {
			return nil, errors.New("nested Feature")
		}
		return parsePolygon(g.Geometry)
	}
	if g.Type != "Polygon" {
		return nil, fmt.Errorf("type %q, want Polygon", g.Type)
	}
	geom, err := geojson.UnmarshalGeometry(raw)
	if err != nil {
		return nil, fmt.Errorf("coordinates: %v", strings.TrimPrefix(err.Error(), "geojson: "))
	}
	if err := geojsonpos.Check(raw); err != nil {
		return nil, err
	}
	poly, _ := geom.Geometry().(orb.Polygon)
	if len(poly) == 0 {
		return nil, errors.New("no rings")
	}
	n := 0
	for i, r := range poly {
		if len(r) < 4 {
			return nil, fmt.Errorf("ring %d has %d points, want at least 4", i, len(r))
		}
		n += len(r)
		if n > MaxAreaPoints {
			return nil, fmt.Errorf("more than %d points", MaxAreaPoints)
		}
		for j, pt := range r {
			if err := checkLonLat(pt); err != nil {
				return nil, fmt.Errorf("ring %d point %d: %v", i, j, err)
			}
		}
		if r[0] != r[len(r)-1] {
			return nil, fmt.Errorf("ring %d is not closed", i)
		}
	}
	// The planar checks an incident area passes through the API: no ring
	// crossing itself (a bow-tie) or another, holes inside, some area.
	if _, err := coverage.CheckArea(bytes.TrimSpace(raw)); err != nil {
		return nil, err
	}
	return poly, nil
}
