package airframe

import "math"

// airDensity is the density of air at sea level (kg/m³).
const airDensity = 1.225

// ChordM is the straight-line distance the tether spans in a wind of
// speedMS blowing across it: the drag bows the tether into a parabola,
// whose chord is shorter than its length by (wL)²/(24T²), w the drag per
// metre and T the winch's tension. A tether without drag data spans its
// whole length.
func (t *Tether) ChordM(speedMS float64) float64 {
	if t.DiameterMM <= 0 || t.DragCd <= 0 || t.TensionN <= 0 {
		return t.LengthM
	}
	w := 0.5 * airDensity * t.DragCd * t.DiameterMM / 1000 * speedMS * speedMS
	k := w * t.LengthM / t.TensionN
	return t.LengthM / (1 + k*k/24)
}

// UsableM is the farthest slant from the ground station the autopilot
// accepts a target at, in a wind of speedMS.
func (t *Tether) UsableM(speedMS float64) float64 { return t.UsableFrac * t.ChordM(speedMS) }

// TensionM is the slant beyond which the autopilot reports tension and
// descends, in a wind of speedMS (the wind at that instant, gusts
// included).
func (t *Tether) TensionM(speedMS float64) float64 { return t.TensionFrac * t.ChordM(speedMS) }

// ReachM is the farthest slant from its ground station a ground station may
// order the tethered airframe to in wind w, so that it never meets tension:
// within what the autopilot accepts in the steady wind, and short of the
// tension slant in a gust peak by the distance gusts push the drone about
// plus 4% of the tether. 0 for an untethered airframe.
func (a *Airframe) ReachM(w Wind) float64 {
	t := a.Tether
	if !a.Tethered() {
		return 0
	}
	margin := a.HoldErrorM(w) + 0.04*t.LengthM
	return math.Max(0, math.Min(t.UsableM(w.SpeedMS), t.TensionM(w.PeakMS())-margin))
}
