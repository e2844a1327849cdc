package coverage

import (
	"fmt"
	"math"
)

// Footprint is a station's terrain-aware coverage on a polar grid: Radials
// bearings (clockwise from north) by Steps distances StepM apart, the
// path loss and the line of sight at each. Build one with
// [Model.TerrainFootprint]; it is read-only afterwards and safe for
// concurrent use.
type Footprint struct {
	// Center is the station in the local frame of the projection it was
	// built with; GroundM and AltAMSLM its ground and its height above
	// mean sea level.
	Center        Point
	GroundM       float64
	AltAMSLM      float64
	StepM         float64
	Radials       int
	Steps         int
	MaxPathLossDB float64

	pl  []float32 // radial-major, step i at distance (i+1) StepM
	los []bool
}

// TerrainFootprint sweeps a station's coverage over the terrain out to
// radiusM: the station is altAGLM above the ground at c (local metres of
// pr), handsets GroundRxHeightM above the ground. Each radial is marched
// outwards every stepM metres keeping the steepest elevation angle of the
// terrain seen so far (the horizon, with Earth curvature at k = 4/3): a
// handset sees the station when its own angle is steeper. The horizon
// sample is the knife edge of the path (P.526, one edge per path, where
// [Model.TerrainPathLoss] takes the Deygout edges from a full profile);
// the losses combine as there. The number of radials keeps the arc
// between them at the outer edge no wider than stepM; within half the
// radius every other radial is enough for that, so odd radials start at
// half the radius from the horizon of the radial before them and take
// its samples inside (a quarter fewer terrain samples).
//
// Positions along a radial are interpolated linearly in longitude and
// latitude between the station and the radial's end, which stays within
// 3 m of the great circle at 6 km.
func (m Model) TerrainFootprint(t Terrain, pr Projection, c Point, altAGLM, maxPLdB, radiusM, stepM float64) (*Footprint, error) {
	inf := math.Inf(1)
	return m.terrainFootprint(t, pr, c, altAGLM, maxPLdB, radiusM, stepM, Point{-inf, -inf}, Point{inf, inf})
}

// terrainFootprint is TerrainFootprint swept only as far as the box lo..hi
// (local metres of pr): samples beyond the point where a radial leaves the
// box for good are out of reach, so that terrain is read only where it
// matters (the area measured and the paths to it).
func (m Model) terrainFootprint(t Terrain, pr Projection, c Point, altAGLM, maxPLdB, radiusM, stepM float64, lo, hi Point) (*Footprint, error) {
	switch {
	case !(stepM > 0) || math.IsInf(stepM, 0):
		return nil, fmt.Errorf("%w: sweep step %v m", ErrBadParameter, stepM)
	case !(radiusM >= stepM) || radiusM > 200_000:
		return nil, fmt.Errorf("%w: sweep radius %v m (want step %v m to 200 km)", ErrBadParameter, radiusM, stepM)
	case !finite(altAGLM) || altAGLM < 0:
		return nil, fmt.Errorf("%w: station altitude %v m above ground", ErrBadParameter, altAGLM)
	case !c.finite():
		return nil, fmt.Errorf("%w: station position %v", ErrBadCoordinate, c)
	case math.IsNaN(maxPLdB):
		return nil, fmt.Errorf("%w: maximum path loss %v dB", ErrBadParameter, maxPLdB)
	}
	steps := int(math.Ceil(radiusM / stepM))
	radials := max(8, int(math.Ceil(2*math.Pi*radiusM/stepM)))
	if steps*radials > 50_000_000 {
		return nil, fmt.Errorf("%w: sweep of %d x %d samples (radius %v m, step %v m) is too fine", ErrBadParameter, radials, steps, radiusM, stepM)
	}
	ll0 := pr.Inverse(c)
	g0, err := t.ElevationM(ll0.Lon, ll0.Lat)
	if err != nil {
		return nil, err
	}
	f := &Footprint{
		Center: c, GroundM: g0, AltAMSLM: g0 + altAGLM, StepM: stepM,
		Radials: radials, Steps: steps, MaxPathLossDB: maxPLdB,
		pl:  make([]float32, radials*steps),
		los: make([]bool, radials*steps),
	}
	// The radials are great circles from the station: sweep in a
	// projection centred on it, so their ends are exact.
	sp, err := NewProjection(ll0)
	if err != nil {
		return nil, err
	}
	lambda := m.wavelengthM()
	fspl1m := m.fspl1m()
	H := f.AltAMSLM
	rEnd := float64(steps) * stepM
	inv2kR := 1 / (2 * effectiveEarthM)
	// The even radials' horizons at the inner half's edge, for the odd
	// radials after them.
	inner := steps / 2
	var prev struct {
		saved      bool
		last       int
		hs, hd, hz float64
	}
	for j := 0; j < radials; j++ {
		sin, cos := math.Sincos(2 * math.Pi * float64(j) / float64(radials))
		end := sp.Inverse(Point{rEnd * sin, rEnd * cos})
		dLon := wrapLon(end.Lon-ll0.Lon) / float64(steps)
		dLat := (end.Lat - ll0.Lat) / float64(steps)
		// The horizon: steepest slope (z - H) / d so far, its distance and
		// height in the station's frame.
		hs, hd, hz := math.Inf(-1), 0.0, 0.0
		row := j * steps
		last := min(steps, boxExit(c, Point{sin, cos}, lo, hi, stepM))
		for i := last; i < steps; i++ {
			f.pl[row+i] = float32(math.Inf(1))
		}
		i0 := 0
		if j%2 == 1 && prev.saved && prev.last >= min(inner, last) {
			// Inside the inner half the even radials alone are as dense as
			// the step: an odd radial takes its inner samples from the
			// radial before it, and continues from its horizon there.
			n := min(inner, last)
			copy(f.pl[row:row+n], f.pl[row-steps:row-steps+n])
			copy(f.los[row:row+n], f.los[row-steps:row-steps+n])
			hs, hd, hz, i0 = prev.hs, prev.hd, prev.hz, n
		}
		prev.saved, prev.last = false, last
		for i := i0; i < last; i++ {
			if i == inner && j%2 == 0 {
				prev.saved, prev.hs, prev.hd, prev.hz = true, hs, hd, hz
			}
			d := float64(i+1) * stepM
			lon := ll0.Lon + float64(i+1)*dLon
			if lon < -180 || lon > 180 {
				lon = wrapLon(lon)
			}
			g, err := t.ElevationM(lon, ll0.Lat+float64(i+1)*dLat)
			if err != nil {
				return nil, err
			}
			curve := d * d * inv2kR
			z := g - curve
			zRx := z + GroundRxHeightM
			sRx := (zRx - H) / d
			los := sRx >= hs
			diff := 0.0
			// The horizon diffracts when it blocks the path, or when it
			// stands above the handset's ground by more than the handset's
			// height (with the bulge) and so may reach into the Fresnel zone.
			if hd > 0 && (!los || hz+hd*d*inv2kR > g+GroundRxHeightM) {
				h := hz - (H + sRx*hd)
				diff = KnifeEdgeLossDB(FresnelV(h, hd, d-hd, lambda))
			}
			f.pl[row+i] = float32(m.sweepLossDB(fspl1m, H-g, d, los, diff))
			f.los[row+i] = los
			if s := (z - H) / d; s > hs {
				hs, hd, hz = s, d, z
			}
		}
	}
	return f, nil
}

// boxExit is the number of samples stepM apart along the ray from c in
// direction u (a unit vector) before the ray leaves the box lo..hi for
// good, and 0 if it never meets the box; with half a step of margin.
func boxExit(c, u, lo, hi Point, stepM float64) int {
	t0, t1 := 0.0, math.Inf(1)
	for _, a := range [2][4]float64{{c.X, u.X, lo.X, hi.X}, {c.Y, u.Y, lo.Y, hi.Y}} {
		p, v, l, h := a[0], a[1], a[2]-stepM/2, a[3]+stepM/2
		if math.IsInf(l, 0) && math.IsInf(h, 0) {
			continue
		}
		if v == 0 {
			if p < l || p > h {
				return 0
			}
			continue
		}
		ta, tb := (l-p)/v, (h-p)/v
		if ta > tb {
			ta, tb = tb, ta
		}
		t0, t1 = math.Max(t0, ta), math.Min(t1, tb)
	}
	if t1 < t0 {
		return 0
	}
	if t1 > 1e12 {
		return math.MaxInt32
	}
	return int(t1/stepM) + 1
}

// sweepLossDB is terrainLossDB with the free-space loss at 1 m computed
// once per sweep and the distance's logarithm taken from its square: the
// same figure, in a loop of hundreds of thousands of samples.
func (m Model) sweepLossDB(fspl1m, hAbove, groundM float64, los bool, diffDB float64) float64 {
	d2 := math.Max(1, hAbove*hAbove+groundM*groundM)
	excess := m.Env.EtaNLoSdB
	if los {
		excess = m.excessDB(math.Atan2(hAbove, groundM) * 180 / math.Pi)
	}
	return 10*math.Log10(d2) + fspl1m + excess + diffDB
}

// index is the polar cell nearest to p, or -1 beyond the last step.
func (f *Footprint) index(p Point) int {
	dx, dy := p.X-f.Center.X, p.Y-f.Center.Y
	d := math.Hypot(dx, dy)
	i := int(math.Round(d/f.StepM)) - 1
	if i < 0 {
		i = 0
	}
	if i >= f.Steps {
		return -1
	}
	b := math.Atan2(dx, dy)
	if b < 0 {
		b += 2 * math.Pi
	}
	j := int(math.Round(b*float64(f.Radials)/(2*math.Pi))) % f.Radials
	return j*f.Steps + i
}

// PathLossDB is the path loss to a handset at p (the nearest sample), and
// false beyond the footprint's radius.
func (f *Footprint) PathLossDB(p Point) (float64, bool) {
	k := f.index(p)
	if k < 0 {
		return 0, false
	}
	return float64(f.pl[k]), true
}

// LoS reports whether a handset at p (the nearest sample) sees the station;
// false beyond the footprint's radius.
func (f *Footprint) LoS(p Point) bool {
	k := f.index(p)
	return k >= 0 && f.los[k]
}

// Covers reports whether a handset at p is within the link budget.
func (f *Footprint) Covers(p Point) bool {
	k := f.index(p)
	return k >= 0 && float64(f.pl[k]) <= f.MaxPathLossDB
}

// CoveredAreaM2 is the area within the link budget: each sample stands for
// its polar cell, of area 2 pi r StepM^2 / Radials at r steps.
func (f *Footprint) CoveredAreaM2() float64 {
	a := 0.0
	for j := 0; j < f.Radials; j++ {
		for i := 0; i < f.Steps; i++ {
			if float64(f.pl[j*f.Steps+i]) <= f.MaxPathLossDB {
				a += float64(i + 1)
			}
		}
	}
	return a * 2 * math.Pi * f.StepM * f.StepM / float64(f.Radials)
}

// MeasureFootprints is the fraction of area covered by the union of the
// footprints, counted on a square grid cellM apart (cell centres inside
// the area, along each row between the polygon's crossings). Its error is
// that of the grid and of the footprints' sampling, of the order of cellM
// over the boundary length, so ErrorBound is left 0: compare figures at
// the same spacing.
func MeasureFootprints(area MultiPolygon, fps []*Footprint, cellM float64) (Measurement, error) {
	if !(cellM > 0) || math.IsInf(cellM, 0) {
		return Measurement{}, fmt.Errorf("%w: grid cell %v m", ErrBadParameter, cellM)
	}
	lo, hi := area.Bounds()
	ny := int(math.Ceil((hi.Y - lo.Y) / cellM))
	nx := int(math.Ceil((hi.X - lo.X) / cellM))
	if int64(nx)*int64(ny) > 100_000_000 {
		return Measurement{}, fmt.Errorf("%w: grid of %d x %d cells of %v m is too fine", ErrBadParameter, nx, ny, cellM)
	}
	segs := area.segments()
	var xs []float64
	var total, covered int
	// Per row, the footprints whose radius reaches it.
	var near []*Footprint
	for r := 0; r < ny; r++ {
		y := lo.Y + (float64(r)+0.5)*cellM
		xs = crossingsAt(segs, y, xs[:0])
		near = near[:0]
		for _, f := range fps {
			if math.Abs(f.Center.Y-y) <= float64(f.Steps)*f.StepM+f.StepM/2 {
				near = append(near, f)
			}
		}
		for k := 0; k+1 < len(xs); k += 2 {
			c0 := int(math.Ceil((xs[k]-lo.X)/cellM - 0.5))
			for c := c0; ; c++ {
				x := lo.X + (float64(c)+0.5)*cellM
				if x >= xs[k+1] {
					break
				}
				total++
				p := Point{x, y}
				for _, f := range near {
					if f.Covers(p) {
						covered++
						break
					}
				}
			}
		}
	}
	m := Measurement{AreaM2: float64(total) * cellM * cellM, CoveredM2: float64(covered) * cellM * cellM}
	if total > 0 {
		m.Fraction = float64(covered) / float64(total)
	}
	return m, nil
}
