package sim

import (
	"math"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// fenceOn reports whether the uploaded fence is enforced: FENCE_ENABLE set
// by PARAM_SET or MAV_CMD_DO_FENCE_ENABLE, as ArduPilot.
func (v *vehicle) fenceOn() bool { return v.params()["FENCE_ENABLE"] != 0 && len(v.fence.items) > 0 }

// insideFence checks a position against the enabled fence: inside every
// inclusion circle and polygon, outside every exclusion one.
func (v *vehicle) insideFence(p LatLonAlt) bool {
	if !v.fenceOn() {
		return true
	}
	items := v.fence.items
	for i := 0; i < len(items); {
		it := items[i]
		switch it.Command {
		case common.MAV_CMD_NAV_FENCE_CIRCLE_INCLUSION, common.MAV_CMD_NAV_FENCE_CIRCLE_EXCLUSION:
			n, e := northEast(float64(it.X)/1e7, float64(it.Y)/1e7, p.Lat, p.Lon)
			in := math.Hypot(n, e) <= float64(it.Param1)
			if in != (it.Command == common.MAV_CMD_NAV_FENCE_CIRCLE_INCLUSION) {
				return false
			}
			i++
		case common.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION, common.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_EXCLUSION:
			// Param1 is the vertex count of the polygon starting here
			k := int(it.Param1)
			if k < 3 || i+k > len(items) {
				i++
				continue
			}
			in := insidePolygon(items[i:i+k], p)
			if in != (it.Command == common.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION) {
				return false
			}
			i += k
		default:
			i++
		}
	}
	return true
}

// insidePolygon is the even-odd rule on a local plane.
func insidePolygon(vs []common.MessageMissionItemInt, p LatLonAlt) bool {
	in := false
	for i, j := 0, len(vs)-1; i < len(vs); j, i = i, i+1 {
		yi, xi := northEast(p.Lat, p.Lon, float64(vs[i].X)/1e7, float64(vs[i].Y)/1e7)
		yj, xj := northEast(p.Lat, p.Lon, float64(vs[j].X)/1e7, float64(vs[j].Y)/1e7)
		if (yi > 0) != (yj > 0) && 0 < (xj-xi)*(0-yi)/(yj-yi)+xi {
			in = !in
		}
	}
	return in
}

// checkFence takes ArduPilot's default fence action (RTL) on a breach.
func (v *vehicle) checkFence() {
	if !v.fenceOn() || !v.airborne() {
		v.fenceBreach = false
		return
	}
	inside := v.insideFence(v.pos())
	if inside {
		v.fenceBreach = false
		return
	}
	if v.fenceBreach || v.mode.kind == mRTL || v.mode.kind == mLand {
		return
	}
	v.fenceBreach = true
	v.failsafe = "fence"
	v.statustext(common.MAV_SEVERITY_CRITICAL, "Fence breached: RTL")
	v.setMode(v.modeByKind(mRTL))
}
