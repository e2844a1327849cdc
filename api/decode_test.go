package api

import (
	"strings"
	"testing"
)

// TestParseAreaSaysWhatIsWrong: an area read through orb/geojson is
// refused with the reason a commander can act on, and a good one in any
// of its four shapes is read whole.
func TestParseAreaSaysWhatIsWrong(t *testing.T) {
	const ring = `[[7,46],[7.1,46],[7.1,46.1],[7,46]]`
	const poly = `{"type":"Polygon","coordinates":[` + ring + `]}`
	for _, c := range []struct{ in, want string }{
		{`{"type":"Polygon","coordinates":[[[7,46],[7.1],[7.1,46.1],[7,46]]]}`, "ring 0 position 1 has 1 numbers, want [lon, lat]"},
		{`{"type":"MultiPolygon","coordinates":[[[[7,46],[7.1,46,0,1],[7.1,46.1],[7,46]]]]}`, "ring 0 position 1 has 4 numbers"},
		{`{"type":"Polygon","coordinates":"here"}`, "the coordinates of a Polygon are not an array of rings of [lon, lat] positions"},
		{`{"type":"MultiPolygon","coordinates":[` + ring + `]}`, "the coordinates of a MultiPolygon are not an array of polygons"},
		{`{"type":"Point","coordinates":[7,46]}`, `GeoJSON type "Point" is not a Polygon, MultiPolygon, Feature or FeatureCollection`},
		{`{"coordinates":[]}`, `not GeoJSON: no "type"`},
		{`[1]`, "not GeoJSON"},
		{`{"type":"Feature","geometry":null}`, "a feature has no geometry"},
		{`{"type":"Feature","geometry":{"type":"Feature","geometry":` + poly + `}}`, "a Feature nested in a Feature"},
		{`{"type":"Feature","geometry":{"type":"LineString","coordinates":[[7,46],[8,46]]}}`, `GeoJSON type "LineString" is not`},
		{`{"type":"Feature","properties":7,"geometry":` + poly + `}`, "not a GeoJSON Feature"},
		{`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":` + poly + `},` + poly + `]}`, "features[1] is not a Feature"},
		{`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[7,46],[8,46],[7,46]]]}}]}`, "polygon 0 ring 0: 3 points, want at least 4"},
		{`{"type":"Polygon","coordinates":[[[7,46],[7.1,46],[7.1,46.1],[7,46.1]]]}`, "not closed"},
		{`{"type":"FeatureCollection","features":[]}`, "no polygon"},
	} {
		_, err := ParseArea([]byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.in, err, c.want)
		}
	}
	for _, in := range []string{
		poly,
		`{"type":"MultiPolygon","coordinates":[[` + ring + `],[` + ring + `]]}`,
		`{"type":"Feature","properties":{"name":"x"},"geometry":` + poly + `}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":` + poly + `},{"type":"Feature","geometry":` + poly + `}]}`,
	} {
		mp, err := ParseArea([]byte(in))
		if err != nil || len(mp) == 0 || len(mp[0][0]) != 4 || mp[0][0][1] != [2]float64{7.1, 46} {
			t.Errorf("%s: %v %v", in, mp, err)
		}
	}
}
