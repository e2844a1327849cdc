package api

import (
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/aerocell/aerocell/coverage"
	"github.com/aerocell/aerocell/dem"
	"github.com/aerocell/aerocell/fleet"
	"github.com/aerocell/aerocell/internal/closetest"
	"github.com/aerocell/aerocell/internal/geojsontest"
	"github.com/paulmach/orb"
)

// crawfordSnapshot is an incident over Crawford Notch, where the SRTM tile
// kept by dem is.
func crawfordSnapshot() fleet.Snapshot {
	area := `{"type":"Polygon","coordinates":[[[-71.445,44.245],[-71.38,44.24],[-71.2,44.06],[-71.26,44.045],[-71.45,44.2],[-71.445,44.245]]]}`
	return fleet.Snapshot{Incident: &fleet.Incident{ID: "irene", IncidentSpec: fleet.IncidentSpec{Name: "Irene", Area: json.RawMessage(area)}}}
}

// TestHillshade: with a DEM and an incident, GET /hillshade gives the box
// (the area's with a margin) and the image's URL, and the PNG is the
// relief at 1024 pixels on the long side, the same bytes the second time;
// without a DEM, or without an incident, there is none, with the reason.
func TestHillshade(t *testing.T) {
	d, err := dem.Open("../dem/testdata", dem.Options{})
	if err != nil {
		t.Fatal(err)
	}
	snap := crawfordSnapshot()
	s, err := New(Config{Addr: "127.0.0.1:0", Tokens: testTokens, Terrain: d}, &fakeCtrl{snapshot: func() fleet.Snapshot { return snap }}, nil)
	if err != nil {
		t.Fatal(err)
	}
	closetest.ReleaseAtEnd(t, s)
	rec := call{method: "GET", path: Prefix + "/hillshade", token: viewerTok}.do(t, s)
	var info HillshadeInfo
	if err := json.Unmarshal(rec.Body.Bytes(), &info); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("%d %s (%v)", rec.Code, rec.Body, err)
	}
	b := info.Bounds
	if !info.Enabled || b == nil || !strings.HasPrefix(info.Image, Prefix+"/hillshade.png") ||
		!(b[0] < -71.45 && b[1] < 44.045 && b[2] > -71.2 && b[3] > 44.245) || b[0] < -71.5 || b[3] > 44.3 {
		t.Fatalf("hillshade info %+v (bounds %v)", info, b)
	}
	rec = call{method: "GET", path: info.Image, token: viewerTok}.do(t, s)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "image/png" {
		t.Fatalf("image: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	first := rec.Body.Bytes()
	img, err := png.Decode(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	if sz := img.Bounds().Size(); max(sz.X, sz.Y) != hillshadePx || min(sz.X, sz.Y) < 500 {
		t.Errorf("image of %v pixels", sz)
	}
	if again := (call{method: "GET", path: info.Image, token: viewerTok}.do(t, s)); again.Body.String() != string(first) {
		t.Errorf("second image differs from the first")
	}

	// No incident: enabled, no image.
	snap = fleet.Snapshot{}
	rec = call{method: "GET", path: Prefix + "/hillshade", token: viewerTok}.do(t, s)
	info = HillshadeInfo{}
	if err := json.Unmarshal(rec.Body.Bytes(), &info); err != nil || !info.Enabled || info.Image != "" || info.Bounds != nil {
		t.Errorf("without an incident: %s (%v)", rec.Body, err)
	}
	if rec := (call{method: "GET", path: Prefix + "/hillshade.png", token: viewerTok}.do(t, s)); rec.Code != http.StatusNotFound || !strings.Contains(errorOf(t, rec), "no incident") {
		t.Errorf("image without an incident: %d %s", rec.Code, rec.Body)
	}

	// No DEM: disabled, and the image is refused.
	flat := newTestServer(t, &fakeCtrl{}, testTokens)
	rec = call{method: "GET", path: Prefix + "/hillshade", token: viewerTok}.do(t, flat)
	if strings.TrimSpace(rec.Body.String()) != `{"enabled":false}` {
		t.Errorf("without a DEM: %s", rec.Body)
	}
	if rec := (call{method: "GET", path: Prefix + "/hillshade.png", token: viewerTok}.do(t, flat)); rec.Code != http.StatusNotFound || !strings.Contains(errorOf(t, rec), "no DEM") {
		t.Errorf("image without a DEM: %d %s", rec.Code, rec.Body)
	}
}

// TestViewFootprints: the drones' terrain footprints reach the view as
// GeoJSON features, one per drone and network; none on flat earth.
func TestViewFootprints(t *testing.T) {
	snap := crawfordSnapshot()
	tri := orb.MultiPolygon{{{{-71.4, 44.2}, {-71.39, 44.2}, {-71.39, 44.21}, {-71.4, 44.2}}}}
	snap.Coverage.Footprints = []fleet.FootprintShape{{Drone: 3, Network: fleet.Public, Shape: tri}, {Drone: 3, Network: fleet.Private, Shape: tri}}
	s := newTestServer(t, &fakeCtrl{snapshot: func() fleet.Snapshot { return snap }}, testTokens)
	rec := call{method: "GET", path: Prefix + "/snapshot", token: viewerTok}.do(t, s)
	var v struct {
		Footprints struct {
			Type     string `json:"type"`
			Features []struct {
				Properties map[string]string `json:"properties"`
				Geometry   struct {
					Type        string           `json:"type"`
					Coordinates orb.MultiPolygon `json:"coordinates"`
				} `json:"geometry"`
			} `json:"features"`
		} `json:"footprints"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	fs := v.Footprints.Features
	if v.Footprints.Type != "FeatureCollection" || len(fs) != 2 || fs[0].Properties["drone"] != "3" || fs[0].Properties["network"] != "public" ||
		fs[1].Properties["network"] != "private" || fs[0].Geometry.Type != "MultiPolygon" || len(fs[0].Geometry.Coordinates[0][0]) != 4 {
		t.Errorf("footprints %+v", v.Footprints)
	}
	snap.Coverage.Footprints = nil
	rec = call{method: "GET", path: Prefix + "/snapshot", token: viewerTok}.do(t, s)
	var flat struct {
		Footprints map[string]any `json:"footprints"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &flat); err != nil || !reflect.DeepEqual(flat.Footprints, map[string]any{"type": "FeatureCollection", "features": []any{}}) {
		t.Errorf("flat earth: %s", rec.Body)
	}
}

// The shaded box is the area's with a margin of a kilometre each way when
// the area is small, at any latitude, and a tenth of the area when it is
// large.
func TestHillshadeBoundsMargin(t *testing.T) {
	for _, c := range []struct {
		lat, lon, size float64 // the area: a square of size degrees
		wantN, wantE   float64 // the margin in metres, north and east
	}{
		{44.2, -71.3, 0.001, 1000, 1000},
		{64.1, -21.9, 0.001, 1000, 1000},
		{-33.9, 151.2, 1, 0.1 * coverage.EarthRadiusM * math.Pi / 180, 0.1 * coverage.EarthRadiusM * math.Pi / 180 * math.Cos(-33.4*math.Pi/180)},
	} {
		w, s, e, n := c.lon, c.lat, c.lon+c.size, c.lat+c.size
		area := fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%v,%v],[%v,%v],[%v,%v],[%v,%v],[%v,%v]]]}`, w, s, e, s, e, n, w, n, w, s)
		b, ok := hillshadeBounds(fleet.Snapshot{Incident: &fleet.Incident{IncidentSpec: fleet.IncidentSpec{Area: json.RawMessage(area)}}})
		if !ok {
			t.Fatalf("%+v: no bounds", c)
		}
		midLat, midLon := (s+n)/2, (w+e)/2
		dn, _ := coverage.Displacement(n, midLon, b.North, midLon)
		ds, _ := coverage.Displacement(b.South, midLon, s, midLon)
		_, de := coverage.Displacement(midLat, e, midLat, b.East)
		_, dw := coverage.Displacement(midLat, b.West, midLat, w)
		for _, m := range []struct {
			side      string
			got, want float64
		}{{"north", dn, c.wantN}, {"south", ds, c.wantN}, {"east", de, c.wantE}, {"west", dw, c.wantE}} {
			if math.Abs(m.got-m.want) > 0.01*m.want {
				t.Errorf("%+v: %s margin %.1f m, want %.1f", c, m.side, m.got, m.want)
			}
		}
	}
}

// TestGeoJSONReadsBackThroughOrb: every GeoJSON the API writes (the
// uncovered parts and the footprints in /snapshot and /coverage, a team's
// work area) is what orb/geojson reads back and writes again unchanged.
func TestGeoJSONReadsBackThroughOrb(t *testing.T) {
	snap := crawfordSnapshot()
	tri := orb.MultiPolygon{{{{-71.4, 44.2}, {-71.39, 44.2}, {-71.39, 44.21}, {-71.4, 44.2}}}}
	snap.Coverage.Uncovered = map[fleet.Network]orb.MultiPolygon{fleet.Public: tri, fleet.Private: nil}
	snap.Coverage.Footprints = []fleet.FootprintShape{{Drone: 3, Network: fleet.Public, Shape: tri}}
	work := orb.Polygon{{{-71.3, 44.1}, {-71.29, 44.1}, {-71.29, 44.11}, {-71.3, 44.1}}}
	s, err := New(Config{Addr: "127.0.0.1:0", Tokens: testTokens}, &fakeCtrl{snapshot: func() fleet.Snapshot { return snap }},
		fakeTeams{{ID: "red-1", Area: NewPolygon(work)}})
	if err != nil {
		t.Fatal(err)
	}
	closetest.ReleaseAtEnd(t, s)
	var v struct {
		Uncovered, Footprints json.RawMessage
		Teams                 []struct{ Area json.RawMessage }
	}
	rec := call{method: "GET", path: Prefix + "/snapshot", token: viewerTok}.do(t, s)
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil || len(v.Teams) != 1 {
		t.Fatalf("snapshot %s (%v)", rec.Body, err)
	}
	un := geojsontest.FeatureCollection(t, v.Uncovered)
	if len(un.Features) != 2 || !orb.Equal(un.Features[0].Geometry, tri) || un.Features[0].Properties["network"] != "public" ||
		!orb.Equal(un.Features[1].Geometry, orb.MultiPolygon{}) {
		t.Errorf("uncovered %s", v.Uncovered)
	}
	if fp := geojsontest.FeatureCollection(t, v.Footprints); len(fp.Features) != 1 || fp.Features[0].Properties["drone"] != "3" {
		t.Errorf("footprints %s", v.Footprints)
	}
	if g := geojsontest.Geometry(t, v.Teams[0].Area); !orb.Equal(g, work) {
		t.Errorf("team area %s", v.Teams[0].Area)
	}
	rec = call{method: "GET", path: Prefix + "/coverage", token: viewerTok}.do(t, s)
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	if un := geojsontest.FeatureCollection(t, v.Uncovered); len(un.Features) != 2 {
		t.Errorf("coverage %s", rec.Body)
	}
}
