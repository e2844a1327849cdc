package sim

import (
	"math"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/aerocell/aerocell/airframe"
)

// Energy: the battery and ground power, the crew's swap, electrics and the
// failsafes that follow from them.

// stepEnergy draws the power of this step from the battery (or from the
// ground for a tethered drone on ground power).
func (v *vehicle) stepEnergy() {
	b := v.prof.Battery
	p := airframe.AvionicsW
	for i, c := range v.cells {
		if c.State == CellOn || !v.bootDone[i].IsZero() {
			p += c.PowerW
		}
	}
	if v.armed && (v.landed != OnGround || v.phase == phTakeoff) {
		climb := math.Max(0, -v.vd)
		p += v.prof.FlightPowerW(v.airspeed, v.carriedKg())
		p += b.ClimbW * climb / v.prof.ClimbRate
	} else if v.armed {
		p += 0.05 * b.HoverW // spinning at idle
	}
	v.powerW = p
	h := dt.Hours()
	if v.groundPower {
		// the winch powers the drone and trickle-charges the backup
		v.energyWh = math.Min(b.CapacityWh, v.energyWh+200*h)
	} else {
		v.energyWh = math.Max(0, v.energyWh-p*h)
		v.consumedWh += p * h
	}
	v.updateElectrics()
	if v.energyWh <= 0 && v.airborne() {
		v.energyWh = 0
		if v.phase != phForced {
			v.statustext(common.MAV_SEVERITY_EMERGENCY, "Battery empty: motors stopping")
			v.phase = phForced
			v.failsafe = "battery-empty"
		}
	}
}

// stepSwap gives a drone resting at home a full battery once the ground
// crew's turnaround (Config.BatterySwap) has passed.
func (v *vehicle) stepSwap(now time.Time) {
	swap := v.f.cfg.BatterySwap
	n, e := northEast(v.lat, v.lon, v.home.Lat, v.home.Lon)
	resting := swap > 0 && v.gs == nil && !v.armed && v.landed == OnGround && math.Hypot(n, e) <= 50 &&
		!v.battFailed && v.energyWh < 0.99*v.prof.Battery.CapacityWh
	if !resting {
		v.swapSince = time.Time{}
		return
	}
	if v.swapSince.IsZero() {
		v.swapSince = now
		return
	}
	if now.Sub(v.swapSince) >= swap {
		v.energyWh, v.consumedWh = v.prof.Battery.CapacityWh, 0
		v.fsReserve, v.fsCritical = false, false
		v.swapSince = time.Time{}
		v.updateElectrics()
		v.statustext(common.MAV_SEVERITY_INFO, "Battery 1 replaced")
	}
}

// LiPo open-circuit voltage per cell against state of charge.
var lipoCurve = [][2]float64{{0, 3.27}, {0.05, 3.5}, {0.1, 3.6}, {0.2, 3.7}, {0.5, 3.82}, {0.8, 3.98}, {1, 4.2}}

func cellVoltage(soc float64) float64 {
	soc = clamp(soc, 0, 1)
	for i := 1; i < len(lipoCurve); i++ {
		a, b := lipoCurve[i-1], lipoCurve[i]
		if soc <= b[0] {
			return a[1] + (b[1]-a[1])*(soc-a[0])/(b[0]-a[0])
		}
	}
	return lipoCurve[len(lipoCurve)-1][1]
}

func (v *vehicle) soc() float64 { return v.energyWh / v.prof.Battery.CapacityWh }

func (v *vehicle) belowReserve() bool { return v.soc()*100 <= v.prof.Battery.ReservePct }

func (v *vehicle) updateElectrics() {
	b := v.prof.Battery
	ocv := cellVoltage(v.soc()) * float64(b.Cells)
	if v.groundPower {
		v.voltage = 4.15 * float64(b.Cells) // the ground supply holds the bus up
		v.current = v.powerW / v.voltage
		return
	}
	rint := 0.003 * float64(b.Cells)
	i := v.powerW / math.Max(ocv, 1)
	v.current = i
	v.voltage = math.Max(0, ocv-i*rint)
}

// timeLeft is the flight time to the reserve at the present draw.
func (v *vehicle) timeLeft() time.Duration {
	if v.groundPower {
		return 1000 * time.Hour
	}
	b := v.prof.Battery
	usable := v.energyWh - b.CapacityWh*b.ReservePct/100
	if usable <= 0 || v.powerW <= 0 {
		return 0
	}
	return time.Duration(usable / v.powerW * float64(time.Hour))
}

// energyHome estimates the energy (Wh) needed to return home and land.
func (v *vehicle) energyHome() float64 {
	n, e := northEast(v.lat, v.lon, v.home.Lat, v.home.Lon)
	b := v.prof.Battery
	t := math.Hypot(n, e)/v.prof.CruiseSpeed + math.Max(0, v.altRel())/v.prof.DescentRate
	w := b.CruiseW
	if !v.prof.Copter() || w < b.HoverW {
		w = b.HoverW
	}
	return w * t / 3600
}

func (v *vehicle) checkFailsafes(now time.Time) {
	if !v.armed {
		return
	}
	b := v.prof.Battery
	pct := v.soc() * 100
	if !v.groundPower && v.airborne() {
		if !v.fsCritical && (pct <= b.CriticalPct || v.battFailed) {
			v.fsCritical, v.fsReserve = true, true
			v.failsafe = "battery-critical"
			v.statustext(common.MAV_SEVERITY_CRITICAL, "Battery 1 is critical: LAND")
			if v.prof.Copter() {
				v.mode = v.modeByKind(mLand)
				v.landHere()
			} else {
				v.planeLand(v.lat, v.lon)
			}
		} else if !v.fsReserve && pct <= b.ReservePct {
			v.fsReserve = true
			v.failsafe = "battery"
			if v.energyHome() < v.energyWh-b.CapacityWh*b.CriticalPct/100 {
				v.statustext(common.MAV_SEVERITY_CRITICAL, "Battery 1 is low: RTL")
				v.setMode(v.modeByKind(mRTL))
			} else {
				v.statustext(common.MAV_SEVERITY_CRITICAL, "Battery 1 is low, home out of reach: LAND")
				if v.prof.Copter() {
					v.setMode(v.modeByKind(mLand))
				} else {
					v.planeLand(v.lat, v.lon)
				}
			}
		}
	}
	if to := v.gcsTimeout(); to > 0 && !v.lastGCS.IsZero() && v.airborne() && !v.gcsFailsafe && now.Sub(v.lastGCS) > to {
		v.gcsFailsafe = true
		v.failsafe = "gcs"
		v.statustext(common.MAV_SEVERITY_CRITICAL, "GCS Failsafe: RTL")
		if v.mode.kind != mLand && v.mode.kind != mRTL {
			v.setMode(v.modeByKind(mRTL))
		}
	}
	if !v.gpsOK() && v.airborne() && needsPosition(v.mode.kind) {
		v.failsafe = "gps"
		v.statustext(common.MAV_SEVERITY_CRITICAL, "EKF Failsafe: GPS lost, LAND")
		if v.prof.Copter() {
			v.mode = v.modeByKind(mLand)
			v.phase = phLand
			v.landed = Landing
		} else {
			v.mode = v.modeByKind(mFBWA)
			v.phase = phDrift
			v.tAlt = v.alt
		}
	}
}

// planeLand flies a circling descent to touch down at (lat, lon). Plane has
// no LAND mode: the landing is reported as AUTO.
func (v *vehicle) planeLand(lat, lon float64) {
	v.mode = v.modeByKind(mAuto)
	v.phase = phLand
	v.tLat, v.tLon = lat, lon
	v.landed = Landing
}
