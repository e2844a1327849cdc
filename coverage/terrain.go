package coverage

import (
	"fmt"
	"math"
)

// Terrain gives ground elevations to the terrain-aware radio model, so that
// coverage itself reads no files (package dem satisfies it).
type Terrain interface {
	// ElevationM returns the ground elevation in metres above mean sea
	// level at a WGS84 position in degrees, or an error (no data there).
	// It must be safe for concurrent use.
	ElevationM(lon, lat float64) (float64, error)
}

const (
	// EffectiveEarthK is the effective Earth radius factor for standard
	// refraction (ITU-R P.452, median): radio rays bend down a little, as
	// if the Earth were 4/3 as large and the rays straight.
	EffectiveEarthK = 4.0 / 3
	// GroundRxHeightM is the height of a handset above the ground.
	GroundRxHeightM = 1.5
	// knifeEdgeMinV is where the ITU-R P.526 approximation of J(v) starts.
	knifeEdgeMinV = -0.78
)

// effectiveEarthM is the effective Earth radius.
const effectiveEarthM = EffectiveEarthK * EarthRadiusM

// KnifeEdgeLossDB is the diffraction loss of a single knife edge with the
// Fresnel-Kirchhoff parameter v (ITU-R P.526-15, eq. 31):
// J(v) = 6.9 + 20 log10(sqrt((v - 0.1)^2 + 1) + v - 0.1) for v > -0.78,
// and 0 below, where the edge leaves the first Fresnel zone clear enough.
func KnifeEdgeLossDB(v float64) float64 {
	if !(v > knifeEdgeMinV) {
		return 0
	}
	w := v - 0.1
	return 6.9 + 20*math.Log10(math.Sqrt(w*w+1)+w)
}

// FresnelV is the knife-edge parameter of an edge h metres above the
// straight path (negative below it), d1 and d2 metres from the ends, at
// wavelength lambda: v = h sqrt(2 (d1 + d2) / (lambda d1 d2)).
func FresnelV(h, d1, d2, lambda float64) float64 {
	return h * math.Sqrt(2*(d1+d2)/(lambda*d1*d2))
}

// wavelengthM is the carrier wavelength.
func (m Model) wavelengthM() float64 { return speedOfLight / (m.FreqMHz * 1e6) }

// Link is the terrain-aware path from a station to a handset.
type Link struct {
	GroundDistM float64 `json:"ground_dist_m"`
	// TxAMSLM is the station's height and RxAMSLM the handset's (ground
	// plus GroundRxHeightM), both above mean sea level.
	TxAMSLM float64 `json:"tx_amsl_m"`
	RxAMSLM float64 `json:"rx_amsl_m"`
	// LoS is a geometrical line of sight over the terrain (with Earth
	// curvature at k = 4/3).
	LoS bool `json:"los"`
	// V is the largest knife-edge parameter along the path (-Inf with no
	// edge at all) and DiffractionDB the Deygout loss of the edges.
	V             float64 `json:"v"`
	DiffractionDB float64 `json:"diffraction_db"`
	PathLossDB    float64 `json:"path_loss_db"`
}

// TerrainPathLoss is the path loss from a station at altAGLM above the
// ground under tx to a handset GroundRxHeightM above the ground at rx, over
// the terrain sampled every stepM metres along the great circle.
//
// The terrain heights are corrected for Earth curvature at k = 4/3. A
// sample is an edge when it blocks the straight path or rises above the
// handset's own ground by more than the handset's height (lower ground
// that leaves the path clear is the ground the handset stands on, which
// the air-to-ground model already includes). With every
// edge clear of the first Fresnel zone (v <= -0.78) the loss is the
// air-to-ground model over flat ground ([Model.PathLossDB], with the
// height difference between station and handset ground), so that a flat
// terrain gives today's flat model exactly. Otherwise the diffraction
// loss of the edges (Deygout: the main edge, then the main edge of each
// side) is added: to the air-to-ground loss when the line of sight is
// only grazed, and to free space plus the non-line-of-sight excess
// (EtaNLoSdB) when the terrain blocks it.
func (m Model) TerrainPathLoss(t Terrain, tx LonLat, altAGLM float64, rx LonLat, stepM float64) (Link, error) {
	if !(stepM > 0) || math.IsInf(stepM, 0) {
		return Link{}, fmt.Errorf("%w: profile step %v m", ErrBadParameter, stepM)
	}
	if !finite(altAGLM) || altAGLM < 0 {
		return Link{}, fmt.Errorf("%w: station altitude %v m above ground", ErrBadParameter, altAGLM)
	}
	pr, err := NewProjection(tx)
	if err != nil {
		return Link{}, err
	}
	if !finite(rx.Lon) || !finite(rx.Lat) || rx.Lat < -90 || rx.Lat > 90 {
		return Link{}, fmt.Errorf("%w: receiver %v", ErrBadCoordinate, rx)
	}
	end := pr.Forward(rx)
	dist := end.norm()
	n := max(1, int(math.Ceil(dist/stepM)))
	d := make([]float64, n+1)
	z := make([]float64, n+1) // heights in the station's frame: ground minus d^2 / 2kR
	for i := range d {
		f := float64(i) / float64(n)
		ll := pr.Inverse(end.scale(f))
		if i == 0 {
			ll = tx
		}
		g, err := t.ElevationM(ll.Lon, ll.Lat)
		if err != nil {
			return Link{}, err
		}
		d[i] = f * dist
		z[i] = g - d[i]*d[i]/(2*effectiveEarthM)
	}
	ground0, groundN := z[0], z[n]+dist*dist/(2*effectiveEarthM)
	l := Link{GroundDistM: dist, TxAMSLM: ground0 + altAGLM, RxAMSLM: groundN + GroundRxHeightM}
	// Edges: terrain above the handset's ground by more than its height,
	// measured with the curvature bulge of the path (in the station's frame,
	// z[i] + d[i] dist / 2kR is the height plus the bulge over the chord).
	isEdge := func(i int) bool {
		return z[i]+d[i]*dist/(2*effectiveEarthM) > groundN+GroundRxHeightM
	}
	lambda := m.wavelengthM()
	zRx := z[n] + GroundRxHeightM
	l.V = math.Inf(-1)
	l.LoS = true
	if n > 1 {
		var dey func(a, b int, ha, hb float64, depth int) (float64, float64)
		// dey returns the Deygout loss between samples a and b (heights ha,
		// hb in the station's frame) and the largest v found.
		dey = func(a, b int, ha, hb float64, depth int) (float64, float64) {
			best, bv := -1, math.Inf(-1)
			for i := a + 1; i < b; i++ {
				d1, d2 := d[i]-d[a], d[b]-d[i]
				h := z[i] - (ha + (hb-ha)*d1/(d1+d2))
				if h <= 0 && !isEdge(i) {
					continue
				}
				if v := FresnelV(h, d1, d2, lambda); v > bv {
					best, bv = i, v
				}
			}
			if best < 0 || bv <= knifeEdgeMinV {
				return 0, bv
			}
			loss := KnifeEdgeLossDB(bv)
			if depth > 0 {
				l1, _ := dey(a, best, ha, z[best], depth-1)
				l2, _ := dey(best, b, z[best], hb, depth-1)
				loss += l1 + l2
			}
			return loss, bv
		}
		l.DiffractionDB, l.V = dey(0, n, l.TxAMSLM, zRx, 1)
		for i := 1; i < n; i++ {
			if z[i] > l.TxAMSLM+(zRx-l.TxAMSLM)*d[i]/dist {
				l.LoS = false
				break
			}
		}
	}
	l.PathLossDB = m.terrainLossDB(l.TxAMSLM-groundN, dist, l.LoS, l.DiffractionDB)
	return l, nil
}

// terrainLossDB combines the air-to-ground model with diffraction: hAbove
// is the station's height above the handset's ground.
func (m Model) terrainLossDB(hAbove, groundM float64, los bool, diffDB float64) float64 {
	if los {
		return m.PathLossDB(hAbove, groundM) + diffDB
	}
	d := math.Max(1, math.Hypot(hAbove, groundM))
	return 20*math.Log10(d) + m.fspl1m() + m.Env.EtaNLoSdB + diffDB
}
