package geojsonpos

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/paulmach/orb/geojson"
)

var cases = []struct {
	data string
	why  string // part of the error; "" when the geometry passes
}{
	{`{"type":"Point","coordinates":[6,45]}`, ""},
	{`{"type":"Point","coordinates":[6,45,120]}`, ""},
	{`{"type":"Point","coordinates":[6]}`, "position has 1 numbers"},
	{`{"type":"Point","coordinates":[6,45,1,2]}`, "position has 4 numbers"},
	{`{"type":"Point"}`, "coordinates of a Point"},
	{`{"type":"Point","coordinates":[[6,45]]}`, "coordinates of a Point"},
	{`{"type":"Polygon","coordinates":[[[6,45],[6.1,45],[6.1,45.1,3],[6,45]]]}`, ""},
	{`{"type":"Polygon","coordinates":[[[6,45],[6.1,45],[6.1,45.1],[6,45]],[[6,45],[6.1]]]}`, "ring 1 position 1 has 1 numbers"},
	{`{"type":"Polygon","coordinates":[[6,45]]}`, "coordinates of a Polygon"},
	{`{"type":"MultiPolygon","coordinates":[[[[6,45],[6.1,45],[6.1,45.1],[6,45]]],[[[7,46],[7.1,46,0,1]]]]}`, "ring 0 position 1 has 4 numbers"},
	{`{"type":"MultiPolygon","coordinates":[[[6,45]]]}`, "coordinates of a MultiPolygon"},
	{`{"type":"LineString","coordinates":[[6]]}`, ""},
	{`[`, "not GeoJSON"},
}

func TestCheck(t *testing.T) {
	for _, c := range cases {
		err := Check([]byte(c.data))
		switch {
		case c.why == "" && err != nil:
			t.Errorf("%s: %v", c.data, err)
		case c.why != "" && (err == nil || !strings.Contains(err.Error(), c.why)):
			t.Errorf("%s: error %v, want one saying %q", c.data, err, c.why)
		}
	}
}

// What orb/geojson pads or truncates without a word, Check refuses: the
// reason the package exists.
func TestCheckCatchesWhatOrbPads(t *testing.T) {
	for _, data := range []string{
		`{"type":"Point","coordinates":[6]}`,
		`{"type":"Polygon","coordinates":[[[6,45],[6.1],[6.1,45.1],[6,45]]]}`,
		`{"type":"MultiPolygon","coordinates":[[[[6,45],[6.1,45,0,1],[6.1,45.1],[6,45]]]]}`,
	} {
		if _, err := geojson.UnmarshalGeometry([]byte(data)); err != nil {
			t.Fatalf("orb refuses %s (%v): this test no longer shows the gap", data, err)
		}
		if Check([]byte(data)) == nil {
			t.Errorf("Check accepts %s", data)
		}
	}
}

// FuzzCheck: whatever the bytes, Check never panics, and a Polygon or
// MultiPolygon it accepts has only 2- or 3-number positions.
func FuzzCheck(f *testing.F) {
	for _, c := range cases {
		f.Add([]byte(c.data))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if Check(data) != nil {
			return
		}
		var g struct {
			Type        string
			Coordinates json.RawMessage
		}
		if json.Unmarshal(data, &g) != nil {
			t.Fatalf("accepted %q, which is not JSON", data)
		}
		var rings [][][]float64
		switch g.Type {
		case "Polygon":
			_ = json.Unmarshal(g.Coordinates, &rings)
		case "MultiPolygon":
			var polys [][][][]float64
			_ = json.Unmarshal(g.Coordinates, &polys)
			for _, p := range polys {
				rings = append(rings, p...)
			}
		}
		for _, r := range rings {
			for _, pos := range r {
				if len(pos) != 2 && len(pos) != 3 {
					t.Fatalf("accepted %q with position %v", data, pos)
				}
			}
		}
	})
}
