package sim

import (
	"sort"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
)

// params are the few ArduPilot parameters the simulator reports, so that a
// ground station that downloads parameters on connect (QGroundControl,
// MAVProxy) completes. PARAM_SET is stored and echoed; FS_GCS_ENABLE,
// FS_GCS_TIMEOUT (s), RTL_ALT (cm) and FENCE_ENABLE act as on ArduPilot.
func (v *vehicle) params() map[string]float32 {
	if v.param != nil {
		return v.param
	}
	b := v.prof.Battery
	v.param = map[string]float32{
		"SYSID_THISMAV":   float32(v.id),
		"SYSID_MYGCS":     255,
		"FS_GCS_ENABLE":   0,
		"FS_GCS_TIMEOUT":  float32(v.f.cfg.GCSTimeout.Seconds()),
		"RTL_ALT":         float32(v.prof.RTLAlt * 100),
		"WPNAV_SPEED":     float32(v.prof.CruiseSpeed * 100),
		"BATT_CAPACITY":   float32(b.CapacityWh / (3.7 * float64(b.Cells)) * 1000),
		"BATT_LOW_MAH":    float32(b.CapacityWh * b.ReservePct / 100 / (3.7 * float64(b.Cells)) * 1000),
		"BATT_FS_LOW_ACT": 2,
		"FENCE_ENABLE":    0,
		"AC_PROFILE":      float32(v.profIdx),
		paramLoadKg:       float32(v.job.loadKg),
		paramTankL:        float32(v.job.tankL),
	}
	if v.f.cfg.GCSTimeout > 0 {
		v.param["FS_GCS_ENABLE"] = 1
		v.param["FS_GCS_TIMEOUT"] = float32(v.f.cfg.GCSTimeout.Seconds())
	}
	if v.tetherM > 0 {
		v.param["AC_TETHER_LEN"] = float32(v.tetherM)
	}
	return v.param
}

// gcsTimeout is the GCS failsafe timeout, zero when disabled.
func (v *vehicle) gcsTimeout() time.Duration {
	p := v.params()
	if p["FS_GCS_ENABLE"] == 0 {
		return 0
	}
	return time.Duration(float64(p["FS_GCS_TIMEOUT"]) * float64(time.Second))
}

func (v *vehicle) sendParam(name string, idx, count int) {
	v.send(&common.MessageParamValue{
		ParamId: name, ParamValue: v.params()[name], ParamType: common.MAV_PARAM_TYPE_REAL32,
		ParamCount: uint16(count), ParamIndex: uint16(idx),
	})
}

func (v *vehicle) paramNames() []string {
	names := make([]string, 0, len(v.params()))
	for n := range v.params() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (v *vehicle) paramMessage(msg message.Message, _, _ uint8) {
	switch m := msg.(type) {
	case *common.MessageParamRequestList:
		if !v.forMe(m.TargetSystem, m.TargetComponent) {
			return
		}
		names := v.paramNames()
		for i, n := range names {
			v.sendParam(n, i, len(names))
		}
	case *common.MessageParamRequestRead:
		if !v.forMe(m.TargetSystem, m.TargetComponent) {
			return
		}
		names := v.paramNames()
		for i, n := range names {
			if (m.ParamIndex >= 0 && int(m.ParamIndex) == i) || (m.ParamIndex < 0 && n == m.ParamId) {
				v.sendParam(n, i, len(names))
			}
		}
	case *common.MessageParamSet:
		if !v.forMe(m.TargetSystem, m.TargetComponent) {
			return
		}
		names := v.paramNames()
		for i, n := range names {
			if n == m.ParamId {
				val := m.ParamValue
				if n == "RTL_ALT" {
					val = float32(clamp(float64(val), 100, v.prof.Ceiling*100))
					v.prof.RTLAlt = float64(val) / 100
				}
				if n == "FS_GCS_TIMEOUT" {
					val = float32(clamp(float64(val), 2, 120))
				}
				if reason, ok := v.jobParam(n, val); ok {
					if reason != "" { // refused: the value stays, and the drone says why
						v.statustext(common.MAV_SEVERITY_WARNING, reason)
					}
					v.syncJobParams()
					v.sendParam(n, i, len(names))
					continue
				}
				v.params()[n] = val
				v.sendParam(n, i, len(names))
			}
		}
	}
}
