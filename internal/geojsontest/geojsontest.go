// Package geojsontest reads GeoJSON written by aerocell back through the
// library it is written with (orb/geojson), for tests: what a writer puts
// on the wire must decode there, and encode again to the same JSON, so
// that a map or a field team's tool reading RFC 7946 reads what was meant.
package geojsontest

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// FeatureCollection decodes b as a GeoJSON FeatureCollection with
// orb/geojson and fails tb unless it decodes and encodes again to the same
// JSON value.
func FeatureCollection(tb testing.TB, b []byte) *geojson.FeatureCollection {
	tb.Helper()
	fc, err := geojson.UnmarshalFeatureCollection(b)
	if err != nil {
		tb.Fatalf("orb/geojson cannot read the FeatureCollection: %v: %.300s", err, b)
	}
	if fc.Type != "FeatureCollection" {
		tb.Fatalf("type %q, want FeatureCollection: %.300s", fc.Type, b)
	}
	same(tb, b, fc)
	return fc
}

// Feature decodes b as a GeoJSON Feature as FeatureCollection does.
func Feature(tb testing.TB, b []byte) *geojson.Feature {
	tb.Helper()
	f, err := geojson.UnmarshalFeature(b)
	if err != nil {
		tb.Fatalf("orb/geojson cannot read the Feature: %v: %.300s", err, b)
	}
	same(tb, b, f)
	return f
}

// Geometry decodes b as a bare GeoJSON geometry as FeatureCollection does.
func Geometry(tb testing.TB, b []byte) orb.Geometry {
	tb.Helper()
	g, err := geojson.UnmarshalGeometry(b)
	if err != nil {
		tb.Fatalf("orb/geojson cannot read the geometry: %v: %.300s", err, b)
	}
	same(tb, b, g)
	return g.Geometry()
}

// same fails tb unless v encodes to the JSON value b holds (key order and
// spacing aside).
func same(tb testing.TB, b []byte, v any) {
	tb.Helper()
	again, err := json.Marshal(v)
	if err != nil {
		tb.Fatalf("orb/geojson cannot write what it read: %v", err)
	}
	var want, got any
	if err := json.Unmarshal(b, &want); err != nil {
		tb.Fatalf("not JSON: %v: %.300s", err, b)
	}
	if err := json.Unmarshal(again, &got); err != nil {
		tb.Fatalf("orb/geojson wrote no JSON: %v", err)
	}
	if !reflect.DeepEqual(want, got) {
		tb.Fatalf("GeoJSON changes through orb/geojson:\nwritten %.400s\nagain   %.400s", b, again)
	}
}
