package task

import (
	"encoding/json"
	"math"
	"slices"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/aerocell/aerocell/airframe"
	"github.com/aerocell/aerocell/coverage"
)

// footprint is a photo's ground footprint in frame f: the image's width
// across the heading, its height along it, at the photo's height above the
// ground (flat ground, camera pointing straight down).
func footprint(f frame, ph Photo, cam airframe.Camera) [4]coverage.Point {
	across, along := cam.FootprintM(ph.AltRelM)
	c := f.fwd(ph.Pos)
	d, n := axes(ph.YawDeg)
	var out [4]coverage.Point
	for i, s := range [4][2]float64{{-1, -1}, {1, -1}, {1, 1}, {-1, 1}} {
		out[i] = add(c, add(scale(n, s[0]*across/2), scale(d, s[1]*along/2)))
	}
	return out
}

// SurveyGeoJSON writes the photos as a GeoJSON FeatureCollection, what a
// photogrammetry tool needs to place the images: one Point feature per
// photo ("kind": "photo", with seq, time (RFC 3339, or t_s after the
// survey's start for a planned photo), alt_amsl_m, alt_rel_m, yaw_deg,
// footprint_w_m and footprint_h_m), then each photo's ground footprint as
// a Polygon feature ("kind": "footprint", with seq).
func SurveyGeoJSON(photos []Photo, cam airframe.Camera) ([]byte, error) {
	if err := checkCamera(cam); err != nil {
		return nil, err
	}
	fc := geojson.NewFeatureCollection()
	fps := make([]*geojson.Feature, 0, len(photos))
	for i, ph := range photos {
		if err := checkPhoto(i, ph); err != nil {
			return nil, err
		}
		fc.Append(photoFeature(ph, cam))
		fp, err := footprintFeature(i, ph, cam)
		if err != nil {
			return nil, err
		}
		fps = append(fps, fp)
	}
	fc.Features = append(fc.Features, fps...)
	return json.Marshal(fc)
}

// photoFeature is photo ph as a Point feature ("kind": "photo").
func photoFeature(ph Photo, cam airframe.Camera) *geojson.Feature {
	w, h := cam.FootprintM(ph.AltRelM)
	props := map[string]any{"kind": "photo", "seq": ph.Seq, "alt_amsl_m": round(ph.AltAMSLM, 2),
		"alt_rel_m": round(ph.AltRelM, 2), "yaw_deg": round(ph.YawDeg, 1), "footprint_w_m": round(w, 2), "footprint_h_m": round(h, 2)}
	if ph.Time.IsZero() {
		props["t_s"] = round(ph.After.Seconds(), 3)
	} else {
		props["time"] = ph.Time.UTC().Format(time.RFC3339Nano)
	}
	return newFeature(orb.Point(ph.Pos), props)
}

// footprintFeature is photo i's ground footprint as a Polygon feature
// ("kind": "footprint", with seq); the photo is checked already.
func footprintFeature(i int, ph Photo, cam airframe.Camera) (*geojson.Feature, error) {
	f, err := newFrame(ph.Pos)
	if err != nil {
		return nil, fieldErr(fieldIndex("photos", i), "%v", err)
	}
	ring := make(orb.Ring, 0, 5)
	for _, c := range footprint(f, ph, cam) {
		ring = append(ring, orb.Point(f.inv(c)))
	}
	ring = append(ring, ring[0])
	return newFeature(orb.Polygon{ring}, map[string]any{"kind": "footprint", "seq": ph.Seq}), nil
}

// PlanGeoJSON writes survey plan p of polygon ring, flown with camera
// cam, as a GeoJSON FeatureCollection for a map: the polygon ("kind":
// "area", with the plan's figures and props), each transect as a
// LineString from its lead-in to its lead-out in the order flown ("kind":
// "transect", with index and photos), and the photos taken, where the
// camera reported taking them, each a Point ("kind": "photo", as
// SurveyGeoJSON writes it) and its ground footprint ("kind": "footprint",
// with seq). The area's "covered" is the fraction of the polygon those
// footprints cover, "photos_taken" how many there are.
func PlanGeoJSON(p SurveyPlan, ring []LonLat, cam airframe.Camera, taken []Photo, props map[string]any) ([]byte, error) {
	if _, _, err := localRing("polygon", ring); err != nil {
		return nil, err
	}
	if err := checkCamera(cam); err != nil {
		return nil, err
	}
	closed := slices.Clone(ring)
	if closed[0] != closed[len(closed)-1] {
		closed = append(closed, closed[0])
	}
	area := map[string]any{"kind": "area", "alt_m": round(p.AltM, 1), "gsd_cm": p.GSDcm,
		"footprint_w_m": round(p.FootprintAcrossM, 2), "footprint_h_m": round(p.FootprintAlongM, 2),
		"spacing_m": round(p.SpacingM, 2), "trigger_m": round(p.TriggerM, 2), "angle_deg": round(p.AngleDeg, 1),
		"transects": len(p.Transects), "photos": len(p.Photos), "photos_taken": len(taken),
		"path_m": round(p.PathM, 0), "flight_time_s": round(p.FlightTime.Seconds(), 0), "area_m2": round(p.AreaM2, 0),
		"covered": round(FootprintCoverage(taken, cam, ring), 4)}
	for k, v := range props {
		area[k] = v
	}
	fc := geojson.NewFeatureCollection()
	fc.Features = make([]*geojson.Feature, 0, 1+len(p.Transects)+2*len(taken))
	fc.Append(newFeature(orb.Polygon{orbPoints(closed)}, area))
	for i, tr := range p.Transects {
		fc.Append(newFeature(orb.LineString(orbPoints([]LonLat{tr.LeadIn, tr.Entry, tr.Exit, tr.LeadOut})),
			map[string]any{"kind": "transect", "index": i, "photos": tr.Photos}))
	}
	for i, ph := range taken {
		if err := checkPhoto(i, ph); err != nil {
			return nil, err
		}
		fp, err := footprintFeature(i, ph, cam)
		if err != nil {
			return nil, err
		}
		fc.Append(photoFeature(ph, cam))
		fc.Append(fp)
	}
	return json.Marshal(fc)
}

// newFeature is a GeoJSON feature of g with props (RFC 7946, written by
// orb/geojson).
func newFeature(g orb.Geometry, props map[string]any) *geojson.Feature {
	f := geojson.NewFeature(g)
	f.Properties = props
	return f
}

// orbPoints is pts as orb points.
func orbPoints(pts []LonLat) []orb.Point {
	out := make([]orb.Point, len(pts))
	for i, p := range pts {
		out[i] = orb.Point(p)
	}
	return out
}

func checkPhoto(i int, ph Photo) error {
	if err := checkLonLat("photos", ph.Pos); err != nil {
		return fieldErr(fieldIndex("photos", i), "%s", err.(*FieldError).Reason)
	}
	for _, v := range []float64{ph.AltAMSLM, ph.AltRelM, ph.YawDeg} {
		if !finite(v) {
			return fieldErr(fieldIndex("photos", i), "altitude and yaw must be finite")
		}
	}
	if ph.AltRelM < 0 {
		return fieldErr(fieldIndex("photos", i), "alt_rel_m must not be negative, got %v", ph.AltRelM)
	}
	return nil
}

// FootprintCoverage samples about coverageSamples points inside the
// polygon (a grid of squares of its area over that), which measures the
// fraction within about 0.3 %; a sliver whose bounding box would take
// more than maxGridSamples points is sampled more coarsely.
const (
	coverageSamples = 160_000
	maxGridSamples  = 4_000_000
)

// FootprintCoverage is the fraction (0-1) of the polygon ring that the
// photos' ground footprints cover, measured on a grid of sample points
// over the polygon. A ring that is not a valid polygon covers 0.
func FootprintCoverage(photos []Photo, cam airframe.Camera, ring []LonLat) float64 {
	f, r, err := localRing("polygon", ring)
	if err != nil || checkCamera(cam) != nil {
		return 0
	}
	lo, hi := coverage.Point{X: math.Inf(1), Y: math.Inf(1)}, coverage.Point{X: math.Inf(-1), Y: math.Inf(-1)}
	for _, p := range r {
		lo.X, lo.Y, hi.X, hi.Y = math.Min(lo.X, p.X), math.Min(lo.Y, p.Y), math.Max(hi.X, p.X), math.Max(hi.Y, p.Y)
	}
	step := math.Sqrt(ringArea(r) / coverageSamples)
	step = math.Max(step, math.Sqrt((hi.X-lo.X)*(hi.Y-lo.Y)/maxGridSamples))
	nx, ny := int((hi.X-lo.X)/step)+1, int((hi.Y-lo.Y)/step)+1
	sample := func(i, j int) coverage.Point {
		return coverage.Point{X: lo.X + (float64(i)+0.5)*step, Y: lo.Y + (float64(j)+0.5)*step}
	}
	inside := make([]bool, nx*ny)
	total := 0
	for j := range ny {
		for i := range nx {
			if ringContains(r, sample(i, j)) {
				inside[j*nx+i] = true
				total++
			}
		}
	}
	if total == 0 {
		return 0
	}
	covered := 0
	for k, ph := range photos {
		if checkPhoto(k, ph) != nil {
			continue
		}
		q := footprint(f, ph, cam)
		blo, bhi := q[0], q[0]
		for _, c := range q[1:] {
			blo.X, blo.Y, bhi.X, bhi.Y = math.Min(blo.X, c.X), math.Min(blo.Y, c.Y), math.Max(bhi.X, c.X), math.Max(bhi.Y, c.Y)
		}
		i0, i1 := max(0, int((blo.X-lo.X)/step)), min(nx-1, int((bhi.X-lo.X)/step))
		j0, j1 := max(0, int((blo.Y-lo.Y)/step)), min(ny-1, int((bhi.Y-lo.Y)/step))
		for j := j0; j <= j1; j++ {
			for i := i0; i <= i1; i++ {
				if inside[j*nx+i] && inConvex(q, sample(i, j)) {
					inside[j*nx+i] = false
					covered++
				}
			}
		}
	}
	return float64(covered) / float64(total)
}

// inConvex reports whether p lies in the convex quadrilateral q (either
// winding).
func inConvex(q [4]coverage.Point, p coverage.Point) bool {
	var pos, neg bool
	for i := range q {
		a, b := q[i], q[(i+1)%4]
		c := (b.X-a.X)*(p.Y-a.Y) - (b.Y-a.Y)*(p.X-a.X)
		pos, neg = pos || c > 0, neg || c < 0
	}
	return !(pos && neg)
}

func round(v float64, digits int) float64 {
	s := math.Pow(10, float64(digits))
	return math.Round(v*s) / s
}
