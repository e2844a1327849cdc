package geojsontest

import (
	"runtime"
	"testing"

	"github.com/paulmach/orb"
)

// recorder is a testing.TB whose Fatalf records the failure and ends the
// goroutine, as the testing package's does.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(string, ...any) {
	r.failed = true
	runtime.Goexit()
}

// fails reports whether f fails its TB.
func fails(t *testing.T, f func(tb testing.TB)) bool {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r.failed
}

func TestReadsBackWhatOrbWrites(t *testing.T) {
	fc := FeatureCollection(t, []byte(`{"type":"FeatureCollection","features":[
		{"type":"Feature","geometry":{"type":"Point","coordinates":[6.1,45.2]},"properties":{"kind":"photo","seq":0}}]}`))
	if len(fc.Features) != 1 || fc.Features[0].Geometry != (orb.Point{6.1, 45.2}) || fc.Features[0].Properties["kind"] != "photo" {
		t.Fatalf("read %+v", fc.Features)
	}
	f := Feature(t, []byte(`{"type":"Feature","geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]},"properties":{"drone":1}}`))
	if _, ok := f.Geometry.(orb.LineString); !ok {
		t.Fatalf("read %T", f.Geometry)
	}
	if g := Geometry(t, []byte(`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}`)); g.GeoJSONType() != "Polygon" {
		t.Fatalf("read %v", g)
	}
}

// TestFailsWhatChangesOnTheWire: GeoJSON that orb/geojson cannot read, or
// would write differently (here an empty properties object, which it
// writes as null, and a member it drops), fails the test.
func TestFailsWhatChangesOnTheWire(t *testing.T) {
	for name, f := range map[string]func(testing.TB){
		"not GeoJSON": func(tb testing.TB) {
			FeatureCollection(tb, []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Blob"}}]}`))
		},
		"not a collection": func(tb testing.TB) { FeatureCollection(tb, []byte(`{"type":"Feature","features":[]}`)) },
		"empty properties": func(tb testing.TB) {
			Feature(tb, []byte(`{"type":"Feature","geometry":{"type":"Point","coordinates":[0,0]},"properties":{}}`))
		},
		"bad geometry":   func(tb testing.TB) { Geometry(tb, []byte(`{"type":"Point","coordinates":"here"}`)) },
		"dropped member": func(tb testing.TB) { Geometry(tb, []byte(`{"type":"Point","coordinates":[0,0],"crs":"x"}`)) },
	} {
		if !fails(t, f) {
			t.Errorf("%s: passed", name)
		}
	}
}
