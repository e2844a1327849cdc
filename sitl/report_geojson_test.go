package sitl

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"

	"github.com/aerocell/aerocell/internal/geojsontest"
)

// TestTracksGeoJSONReadsBack: tracks.geojson is one LineString feature per
// drone, in drone order, that orb/geojson reads back unchanged.
func TestTracksGeoJSONReadsBack(t *testing.T) {
	one, two := orb.LineString{{6, 45}, {6.001, 45.002}}, orb.LineString{{6.1, 45.1}}
	r := &Report{Scenario: "tracks", tracks: map[int]orb.LineString{2: two, 1: one}}
	dir := t.TempDir()
	if err := r.write(dir); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "tracks.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	fc := geojsontest.FeatureCollection(t, b)
	if len(fc.Features) != 2 || !orb.Equal(fc.Features[0].Geometry, one) || fc.Features[0].Properties["drone"] != 1.0 ||
		!orb.Equal(fc.Features[1].Geometry, two) || fc.Features[1].Properties["drone"] != 2.0 {
		t.Fatalf("tracks.geojson %s", b)
	}
}
