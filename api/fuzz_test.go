package api

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/aerocell/aerocell/fleet"
)

// The decoders must never panic, and whatever they accept must satisfy the
// checks the controller relies on.

func FuzzDecodeIncident(f *testing.F) {
	area, err := os.ReadFile("testdata/area.geojson")
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(`{"name":"a","area":`+string(area)+`}`), false)
	f.Add(area, true)
	f.Add([]byte(`{"type":"MultiPolygon","coordinates":[[[[7,46],[7.1,46],[7.1,46.1],[7,46]]]]}`), true)
	f.Add([]byte(`{"name":"a","area":{"type":"Polygon","coordinates":[[[7,46],[7.1,46],[7.1,46.1],[7,46]]]},"networks":["public"],"target_coverage":0.5}`), false)
	f.Fuzz(func(t *testing.T, data []byte, geo bool) {
		ct := "application/json"
		if geo {
			ct = "application/geo+json"
		}
		spec, err := decodeIncident(data, ct, "")
		if err != nil {
			return
		}
		if spec.Name == "" || !json.Valid(spec.Area) {
			t.Fatalf("accepted %+v", spec)
		}
		if _, err := ParseArea(spec.Area); err != nil {
			t.Fatalf("accepted an area that does not parse: %v", err)
		}
	})
}

func FuzzDecodeOrder(f *testing.F) {
	f.Add([]byte(`{"kind":"goto","lat":46.9,"lon":7.4,"alt_m":80}`))
	f.Add([]byte(`{"kind":"rtl"}`))
	f.Add([]byte(`{"kind":"land","alt_m":1e400}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := decodeOrder(data)
		if err != nil {
			return
		}
		switch o.Kind {
		case fleet.OrderGoto:
			if !(o.Lat >= -90 && o.Lat <= 90 && o.Lon >= -180 && o.Lon <= 180 && o.AltM > 0 && o.AltM <= maxAltM) {
				t.Fatalf("accepted %+v", o)
			}
		case fleet.OrderRTL, fleet.OrderLand, fleet.OrderRelease:
			if o.Lat != 0 || o.Lon != 0 || o.AltM != 0 {
				t.Fatalf("accepted %+v", o)
			}
		default:
			t.Fatalf("accepted kind %q", o.Kind)
		}
	})
}

func FuzzDecodeFlag(f *testing.F) {
	f.Add([]byte(`{"pinned":true}`))
	f.Add([]byte(`{"pinned":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = decodeFlag(data, "pinned")
	})
}

func FuzzParseArea(f *testing.F) {
	f.Add([]byte(`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[7,46],[7.1,46],[7.1,46.1],[7,46]]]}}`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		mp, err := ParseArea(data)
		if err != nil {
			return
		}
		if len(mp) == 0 {
			t.Fatal("accepted an empty area")
		}
		for _, p := range mp {
			for _, r := range p {
				if len(r) < 4 || r[0] != r[len(r)-1] {
					t.Fatalf("accepted ring %v", r)
				}
			}
		}
	})
}

func FuzzDecodeReassign(f *testing.F) {
	f.Add([]byte(`{"drone":4}`))
	f.Add([]byte(`{"drone":256}`))
	f.Add([]byte(`{"drone":"4"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		id, err := decodeReassign(data)
		if err == nil && (id < 1 || id > 255) {
			t.Fatalf("accepted drone %d", id)
		}
	})
}
