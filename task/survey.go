package task

import (
	"fmt"
	"math"
	"time"

	"github.com/aerocell/aerocell/airframe"
	"github.com/aerocell/aerocell/coverage"
)

// A survey is flown as QGroundControl's Survey flies it: the camera
// pointing down in landscape, its image's width across the track, at the
// height that gives the ground sample distance asked for
// (GSD = altitude × sensor width / (image width × focal length)); parallel
// transects spaced by the footprint across the track less the side
// overlap, the camera triggered by distance every footprint along the
// track less the front overlap (one overlap for both, as a request gives);
// each transect run past both ends by a turnaround distance so the drone
// is straight and level when it photographs; alternate transects flown in
// opposite directions (a lawnmower). Two departures from QGC, both so the
// photos cover the polygon: the transects are centred on the polygon's
// width (QGC starts them from the bounding box's edge), and each one spans
// the polygon over the whole strip it images (QGC clips it at its centre
// line, which leaves the corners of a slanted edge bare).

// The turnaround distances QGroundControl's Survey defaults to.
const (
	TurnaroundCopterM = 10.0
	TurnaroundPlaneM  = 60.0
	// MaxPhotos bounds one survey (a 100 km² survey at 2 cm and 70 %
	// overlap takes about 70 000 photos with the heavy multirotor's camera).
	MaxPhotos = 200_000
	// MaxTransects bounds one survey's transects (a 10 km wide area at
	// 2 cm and 70 % overlap flies about 220).
	MaxTransects = 5000
)

// SurveyOptions are the choices a survey leaves to the planner.
type SurveyOptions struct {
	// AngleDeg is the transects' compass bearing; nil: along the
	// polygon's longest side (fewest turns for most shapes).
	AngleDeg *float64
	// TurnaroundM is how far each transect is flown past the polygon at
	// both ends; 0: TurnaroundCopterM, or TurnaroundPlaneM with FixedSpeed.
	TurnaroundM float64
	// SpeedMS is the speed the aircraft flies the transects at, capped so
	// that photos come no closer in time than the camera's MinInterval.
	SpeedMS float64
	// FixedSpeed says the aircraft cannot slow down for the camera (a
	// fixed wing at its cruise airspeed): a plan needing a slower speed is
	// refused.
	FixedSpeed bool
	// MaxAltM, when positive, is the highest the aircraft may fly (its
	// ceiling above home): a GSD that needs more is refused.
	MaxAltM float64
	// HomeAMSLM is the height of home (and of the flat ground surveyed)
	// above mean sea level, for the photos' AMSL altitude.
	HomeAMSLM float64
}

// Transect is one pass over the polygon, in the order and direction it is
// flown: LeadIn (a turnaround distance before Entry), Entry (the first
// photo), Exit (the last photo) and LeadOut.
type Transect struct {
	LeadIn, Entry, Exit, LeadOut LonLat
	// Photos is how many photos the transect takes.
	Photos int
}

// Photo is one image: planned, or reported by the camera
// (CAMERA_FEEDBACK).
type Photo struct {
	Seq int    `json:"seq"`
	Pos LonLat `json:"pos"`
	// Time is when the photo was taken; zero for a planned photo, whose
	// After is the time since the survey's first lead-in.
	Time  time.Time     `json:"time,omitzero"`
	After time.Duration `json:"after,omitempty"`
	// AltAMSLM and AltRelM are the camera's height above mean sea level
	// and above home (the ground, flat).
	AltAMSLM float64 `json:"alt_amsl_m"`
	AltRelM  float64 `json:"alt_rel_m"`
	// YawDeg is the heading: the image's height lies along it.
	YawDeg float64 `json:"yaw_deg"`
}

// SurveyPlan is how a survey is flown.
type SurveyPlan struct {
	// AltM is the height above the ground (home) the survey is flown at,
	// and GSDcm the ground sample distance it gives.
	AltM  float64
	GSDcm float64
	// FootprintAcrossM and FootprintAlongM are one image's ground size.
	FootprintAcrossM, FootprintAlongM float64
	// SpacingM is the distance between transects, TriggerM between photos.
	SpacingM, TriggerM float64
	// AngleDeg is the transects' compass bearing (0-180).
	AngleDeg    float64
	TurnaroundM float64
	Transects   []Transect
	Photos      []Photo
	// PathM is the length flown from the first lead-in to the last
	// lead-out, turnarounds and the legs between transects included.
	PathM float64
	// SpeedMS is the speed flown, FlightTime the time PathM takes at it,
	// PhotoInterval the time between two photos.
	SpeedMS       float64
	FlightTime    time.Duration
	PhotoInterval time.Duration
	// AreaM2 is the polygon's area.
	AreaM2 float64
}

// PlanSurvey works out the survey of ring (a closed or open ring of
// [lon, lat]) with camera cam at gsdCM and overlapPct front and side
// overlap.
func PlanSurvey(ring []LonLat, cam airframe.Camera, gsdCM, overlapPct float64, opts SurveyOptions) (SurveyPlan, error) {
	f, r, err := localRing("polygon", ring)
	if err != nil {
		return SurveyPlan{}, err
	}
	if err := checkCamera(cam); err != nil {
		return SurveyPlan{}, err
	}
	if err := inRange("gsd_cm", gsdCM, MinGSDcm, MaxGSDcm, true); err != nil {
		return SurveyPlan{}, err
	}
	if err := inRange("overlap_pct", overlapPct, 0, MaxOverlapPct, true); err != nil {
		return SurveyPlan{}, err
	}
	if err := inRange("speed", opts.SpeedMS, 0, 100, false); err != nil {
		return SurveyPlan{}, err
	}
	p := SurveyPlan{GSDcm: gsdCM, AltM: cam.AltForGSD(gsdCM), AreaM2: ringArea(r), TurnaroundM: opts.TurnaroundM}
	if opts.MaxAltM > 0 && p.AltM > opts.MaxAltM {
		return SurveyPlan{}, fieldErr("gsd_cm", "%.2f cm needs %.0f m above the ground, the aircraft flies %.0f m at most", gsdCM, p.AltM, opts.MaxAltM)
	}
	p.FootprintAcrossM, p.FootprintAlongM = cam.FootprintM(p.AltM)
	keep := 1 - overlapPct/100
	p.SpacingM, p.TriggerM = p.FootprintAcrossM*keep, p.FootprintAlongM*keep
	if est := p.AreaM2 / (p.SpacingM * p.TriggerM); est > MaxPhotos {
		return SurveyPlan{}, fieldErr("gsd_cm", "the survey would take about %.0f photos, more than %d: raise gsd_cm or lower overlap_pct", est, MaxPhotos)
	}
	if p.TurnaroundM == 0 {
		p.TurnaroundM = TurnaroundCopterM
		if opts.FixedSpeed {
			p.TurnaroundM = TurnaroundPlaneM
		}
	}
	if err := inRange("turnaround", p.TurnaroundM, 0, 1000, true); err != nil {
		return SurveyPlan{}, err
	}
	p.SpeedMS = opts.SpeedMS
	if cam.MinInterval > 0 {
		if limit := p.TriggerM / cam.MinInterval.Seconds(); limit < p.SpeedMS {
			if opts.FixedSpeed {
				return SurveyPlan{}, fieldErr("overlap_pct", "photos %.1f m apart at %.0f m/s come every %.2f s, the camera needs %v: lower overlap_pct or raise gsd_cm",
					p.TriggerM, p.SpeedMS, p.TriggerM/p.SpeedMS, cam.MinInterval)
			}
			p.SpeedMS = limit
		}
	}
	p.PhotoInterval = time.Duration(p.TriggerM / p.SpeedMS * float64(time.Second))
	if opts.AngleDeg != nil {
		if !finite(*opts.AngleDeg) {
			return SurveyPlan{}, fieldErr("angle", "must be a finite number of degrees")
		}
		p.AngleDeg = math.Mod(math.Mod(*opts.AngleDeg, 180)+180, 180)
	} else {
		p.AngleDeg = longestSide(r)
	}
	if n := p.widthAcross(r) / p.SpacingM; n > MaxTransects {
		return SurveyPlan{}, fieldErr("gsd_cm", "the survey would fly %.0f transects, more than %d: raise gsd_cm or lower overlap_pct", n, MaxTransects)
	}
	lines := transectLines(r, p.AngleDeg, p.SpacingM)
	p.layout(f, lines, opts)
	return p, nil
}

// PlanSurveyFor works out survey task t as airframe a flies it, as its
// mission does: o's speed and ceiling, when zero, are a's cruise speed and
// ceiling, and a fixed wing cannot slow down for the camera.
func PlanSurveyFor(t Task, a airframe.Airframe, o SurveyOptions) (SurveyPlan, error) {
	if t.Kind != Survey {
		return SurveyPlan{}, fieldErr("kind", "a %s task has no survey", t.Kind)
	}
	if a.Camera == nil {
		return SurveyPlan{}, fieldErr("kind", "%s has no camera: a survey needs one", a.Name)
	}
	if o.SpeedMS == 0 {
		o.SpeedMS = a.CruiseSpeed
	}
	if o.MaxAltM == 0 {
		o.MaxAltM = a.Ceiling
	}
	// A fixed wing flies at its cruise airspeed whatever it is told.
	o.FixedSpeed = o.FixedSpeed || !a.Copter()
	return PlanSurvey(t.Polygon, *a.Camera, t.GSDcm, t.OverlapPct, o)
}

// checkCamera checks a camera passed in, as the airframe table does.
func checkCamera(c airframe.Camera) error {
	if err := c.Validate(); err != nil {
		field, reason := airframe.Fields(err, "camera")
		return fieldErr(field, "%s", reason)
	}
	return nil
}

// longestSide is the bearing (0-180) of the ring's longest side.
func longestSide(r coverage.Ring) float64 {
	var best, deg float64
	for i := range r {
		a, b := r[i], r[(i+1)%len(r)]
		if d := a.Dist(b); d > best {
			best, deg = d, math.Mod(bearing(b.X-a.X, b.Y-a.Y), 180)
		}
	}
	return deg
}

// widthAcross is the ring's width across the transects.
func (p *SurveyPlan) widthAcross(r coverage.Ring) float64 {
	_, n := axes(p.AngleDeg)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, q := range r {
		lo, hi = math.Min(lo, dot(q, n)), math.Max(hi, dot(q, n))
	}
	return hi - lo
}

// axes are the unit vectors along a bearing (d) and to its right (n).
func axes(deg float64) (d, n coverage.Point) {
	s, c := math.Sincos(deg * math.Pi / 180)
	return coverage.Point{X: s, Y: c}, coverage.Point{X: c, Y: -s}
}

// line is one transect in the rotated frame: v across, u from u0 to u1
// along the bearing.
type line struct{ v, u0, u1 float64 }

// transectLines lays the transects of ring r at bearing deg, spacing
// apart and centred on the ring's width, each spanning the ring over the
// strip of width spacing it images.
func transectLines(r coverage.Ring, deg, spacing float64) []line {
	d, n := axes(deg)
	uv := make([][2]float64, len(r))
	vmin, vmax := math.Inf(1), math.Inf(-1)
	for i, p := range r {
		uv[i] = [2]float64{dot(p, d), dot(p, n)}
		vmin, vmax = math.Min(vmin, uv[i][1]), math.Max(vmax, uv[i][1])
	}
	count := max(1, int(math.Ceil((vmax-vmin)/spacing-1e-9)))
	mid := (vmin + vmax) / 2
	out := make([]line, 0, count)
	for k := range count {
		v := mid + (float64(k)-float64(count-1)/2)*spacing
		lo, hi := math.Max(vmin, v-spacing/2), math.Min(vmax, v+spacing/2)
		u0, u1 := math.Inf(1), math.Inf(-1)
		for i := range uv {
			a, b := uv[i], uv[(i+1)%len(uv)]
			if a[1] > b[1] {
				a, b = b, a
			}
			if b[1] < lo || a[1] > hi {
				continue
			}
			// The part of the edge within the strip.
			for _, t := range []float64{lo, hi} {
				if t < a[1] || t > b[1] {
					continue
				}
				u := a[0]
				if b[1] > a[1] {
					u = a[0] + (b[0]-a[0])*(t-a[1])/(b[1]-a[1])
				}
				u0, u1 = math.Min(u0, u), math.Max(u1, u)
			}
			for _, e := range [][2]float64{a, b} {
				if e[1] >= lo && e[1] <= hi {
					u0, u1 = math.Min(u0, e[0]), math.Max(u1, e[0])
				}
			}
		}
		if u0 <= u1 {
			out = append(out, line{v, u0, u1})
		}
	}
	return out
}

// layout turns the lines into transects and photos, alternating
// direction, and times them.
func (p *SurveyPlan) layout(f frame, lines []line, opts SurveyOptions) {
	d, n := axes(p.AngleDeg)
	at := func(u, v float64) coverage.Point { return add(scale(d, u), scale(n, v)) }
	var pos coverage.Point
	for k, l := range lines {
		// Photos from one end of the strip's span to the other, centred.
		length := l.u1 - l.u0
		count := int(math.Ceil(length/p.TriggerM-1e-9)) + 1
		span := float64(count-1) * p.TriggerM
		start := l.u0 - (span-length)/2
		step, yaw := p.TriggerM, p.AngleDeg
		if k%2 == 1 {
			start, step, yaw = start+span, -step, math.Mod(yaw+180, 360)
		}
		dir := scale(d, math.Copysign(1, step))
		entry, exit := at(start, l.v), at(start+span*math.Copysign(1, step), l.v)
		leadIn, leadOut := add(entry, scale(dir, -p.TurnaroundM)), add(exit, scale(dir, p.TurnaroundM))
		if k > 0 {
			p.PathM += pos.Dist(leadIn)
		}
		p.PathM += p.TurnaroundM
		for i := range count {
			c := at(start+float64(i)*step, l.v)
			t := (p.PathM + float64(i)*p.TriggerM) / p.SpeedMS
			p.Photos = append(p.Photos, Photo{Seq: len(p.Photos), Pos: f.inv(c), After: time.Duration(t * float64(time.Second)),
				AltRelM: p.AltM, AltAMSLM: opts.HomeAMSLM + p.AltM, YawDeg: yaw})
		}
		p.PathM += span + p.TurnaroundM
		pos = leadOut
		p.Transects = append(p.Transects, Transect{LeadIn: f.inv(leadIn), Entry: f.inv(entry), Exit: f.inv(exit), LeadOut: f.inv(leadOut), Photos: count})
	}
	p.FlightTime = time.Duration(p.PathM / p.SpeedMS * float64(time.Second))
}

// String sums the plan up for a log or a commit message.
func (p SurveyPlan) String() string {
	return fmt.Sprintf("%.0f m, spacing %.1f m, trigger %.1f m, %d transects at %.0f°, %d photos, %.1f km at %.1f m/s (%v)",
		p.AltM, p.SpacingM, p.TriggerM, len(p.Transects), p.AngleDeg, len(p.Photos), p.PathM/1000, p.SpeedMS, p.FlightTime.Round(time.Second))
}
