package mavlink

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// Flight-mode tables: ArduPilot's custom_mode numbers for Copter and Plane,
// and PX4's main/sub mode pair packed in custom_mode.
var (
	copterModes = map[uint32]string{
		0: "STABILIZE", 1: "ACRO", 2: "ALT_HOLD", 3: "AUTO", 4: "GUIDED", 5: "LOITER",
		6: "RTL", 7: "CIRCLE", 9: "LAND", 11: "DRIFT", 13: "SPORT", 14: "FLIP",
		15: "AUTOTUNE", 16: "POSHOLD", 17: "BRAKE", 18: "THROW", 19: "AVOID_ADSB",
		20: "GUIDED_NOGPS", 21: "SMART_RTL", 22: "FLOWHOLD", 23: "FOLLOW", 24: "ZIGZAG",
		25: "SYSTEMID", 26: "AUTOROTATE", 27: "AUTO_RTL", 28: "TURTLE",
	}
	planeModes = map[uint32]string{
		0: "MANUAL", 1: "CIRCLE", 2: "STABILIZE", 3: "TRAINING", 4: "ACRO", 5: "FBWA",
		6: "FBWB", 7: "CRUISE", 8: "AUTOTUNE", 10: "AUTO", 11: "RTL", 12: "LOITER",
		13: "TAKEOFF", 14: "AVOID_ADSB", 15: "GUIDED", 17: "QSTABILIZE", 18: "QHOVER",
		19: "QLOITER", 20: "QLAND", 21: "QRTL", 22: "QAUTOTUNE", 23: "QACRO", 24: "THERMAL",
		25: "LOITER_ALT_QLAND", 26: "AUTOLAND",
	}
	px4Main = map[uint32]string{
		1: "MANUAL", 2: "ALTCTL", 3: "POSCTL", 4: "AUTO", 5: "ACRO", 6: "OFFBOARD",
		7: "STABILIZED", 8: "RATTITUDE", 9: "SIMPLE", 10: "TERMINATION",
	}
	px4AutoSub = map[uint32]string{
		1: "READY", 2: "TAKEOFF", 3: "LOITER", 4: "MISSION", 5: "RTL", 6: "LAND",
		8: "FOLLOW_TARGET", 9: "PRECLAND", 10: "VTOL_TAKEOFF",
	}
)

// modeFamily says which table decodes a vehicle's custom_mode.
type modeFamily int

const (
	familyUnknown modeFamily = iota
	familyCopter
	familyPlane
	familyPX4
)

func familyOf(ap common.MAV_AUTOPILOT, typ common.MAV_TYPE) modeFamily {
	switch ap {
	case common.MAV_AUTOPILOT_PX4:
		return familyPX4
	case common.MAV_AUTOPILOT_ARDUPILOTMEGA:
		switch typ {
		case common.MAV_TYPE_FIXED_WING, common.MAV_TYPE_VTOL_TAILSITTER_DUOROTOR,
			common.MAV_TYPE_VTOL_TAILSITTER_QUADROTOR, common.MAV_TYPE_VTOL_TILTROTOR,
			common.MAV_TYPE_VTOL_FIXEDROTOR, common.MAV_TYPE_VTOL_TAILSITTER,
			common.MAV_TYPE_VTOL_TILTWING, common.MAV_TYPE_VTOL_RESERVED5:
			return familyPlane
		case common.MAV_TYPE_QUADROTOR, common.MAV_TYPE_HEXAROTOR, common.MAV_TYPE_OCTOROTOR,
			common.MAV_TYPE_TRICOPTER, common.MAV_TYPE_HELICOPTER, common.MAV_TYPE_COAXIAL,
			common.MAV_TYPE_DODECAROTOR, common.MAV_TYPE_DECAROTOR:
			return familyCopter
		}
	}
	return familyUnknown
}

// ModeName decodes a HEARTBEAT's custom_mode into the mode's name for
// ArduPilot Copter and Plane and for PX4; other autopilots and unknown
// numbers give "MODE(n)".
func ModeName(ap common.MAV_AUTOPILOT, typ common.MAV_TYPE, customMode uint32) string {
	switch familyOf(ap, typ) {
	case familyCopter:
		if n, ok := copterModes[customMode]; ok {
			return n
		}
	case familyPlane:
		if n, ok := planeModes[customMode]; ok {
			return n
		}
	case familyPX4:
		main, sub := (customMode>>16)&0xff, (customMode>>24)&0xff
		if n, ok := px4Main[main]; ok {
			if main == 4 {
				if s, ok := px4AutoSub[sub]; ok {
					return n + "." + s
				}
			}
			return n
		}
	}
	return "MODE(" + strconv.FormatUint(uint64(customMode), 10) + ")"
}

// modeNumber finds the custom_mode for a mode name (case-insensitive) or a
// decimal custom_mode number. For PX4 it returns main and sub mode; for
// ArduPilot sub is zero.
func modeNumber(ap common.MAV_AUTOPILOT, typ common.MAV_TYPE, name string) (mode, sub uint32, err error) {
	name = strings.ToUpper(strings.TrimSpace(name))
	if n, err := strconv.ParseUint(name, 10, 32); err == nil {
		return uint32(n), 0, nil // a raw custom_mode number, for any autopilot
	}
	find := func(table map[uint32]string) (uint32, bool) {
		for k, v := range table {
			if v == name {
				return k, true
			}
		}
		return 0, false
	}
	switch familyOf(ap, typ) {
	case familyCopter:
		if k, ok := find(copterModes); ok {
			return k, 0, nil
		}
	case familyPlane:
		if k, ok := find(planeModes); ok {
			return k, 0, nil
		}
	case familyPX4:
		m, s, _ := strings.Cut(name, ".")
		if k, ok := find(px4Main); ok && s == "" {
			return k, 0, nil
		}
		for mk, mv := range px4Main {
			if mv != m {
				continue
			}
			for sk, sv := range px4AutoSub {
				if sv == s {
					return mk, sk, nil
				}
			}
		}
	default:
		return 0, 0, fmt.Errorf("%w: no mode table for autopilot %v type %v", ErrUnknownMode, ap, typ)
	}
	return 0, 0, fmt.Errorf("%w %q for autopilot %v type %v", ErrUnknownMode, name, ap, typ)
}
