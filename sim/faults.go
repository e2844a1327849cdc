package sim

import (
	"math"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// Faults injected by a scenario: their start, expiry and end.

func (v *vehicle) expireFaults(now time.Time) {
	kept := v.faults[:0]
	for _, f := range v.faults {
		if !f.until.IsZero() && !now.Before(f.until) {
			v.endFault(f.Fault)
			continue
		}
		kept = append(kept, f)
	}
	v.faults = kept
}

// inject starts a fault.
func (v *vehicle) inject(f Fault) {
	if old := v.fault(f.Kind); old != nil {
		v.clear(f.Kind)
	}
	a := activeFault{Fault: f}
	if f.Duration > 0 {
		a.until = v.now().Add(f.Duration)
	}
	v.faults = append(v.faults, a)
	switch f.Kind {
	case FaultBattery:
		v.battFailed = true
		b := v.prof.Battery
		v.energyWh = math.Min(v.energyWh, b.CapacityWh*b.CriticalPct/100)
		v.statustext(common.MAV_SEVERITY_CRITICAL, "Battery 1 failure")
	case FaultMotor:
		v.statustext(common.MAV_SEVERITY_EMERGENCY, "Motor failure: forced landing")
		if v.airborne() {
			v.failsafe = "motor"
			if v.prof.Copter() {
				v.mode = v.modeByKind(mLand)
			}
			v.phase = phForced
			v.landed = Landing
		}
	case FaultGPS:
		v.statustext(common.MAV_SEVERITY_CRITICAL, "GPS 1: lost fix")
	case FaultPayload:
		for i := range v.cells {
			if f.Network == 0 || v.cells[i].Network == f.Network {
				v.cells[i].State = CellFailed
				v.cells[i].Users = 0
				v.cells[i].Booting = false
				v.bootDone[i] = time.Time{}
			}
		}
		v.statustext(common.MAV_SEVERITY_ERROR, "Payload: base station failure")
	}
}

func (v *vehicle) clear(k FaultKind) {
	kept := v.faults[:0]
	for _, f := range v.faults {
		if f.Kind == k {
			v.endFault(f.Fault)
			continue
		}
		kept = append(kept, f)
	}
	v.faults = kept
}

func (v *vehicle) endFault(f Fault) {
	switch f.Kind {
	case FaultBattery:
		if !v.airborne() {
			v.battFailed = false
			v.energyWh = v.prof.Battery.CapacityWh
			v.consumedWh = 0
			v.fsReserve, v.fsCritical = false, false
			v.statustext(common.MAV_SEVERITY_INFO, "Battery 1 replaced")
		} else {
			// still flying on the failed battery: keep it failed
			v.faults = append(v.faults, activeFault{Fault: Fault{Kind: FaultBattery}, until: v.now().Add(time.Second)})
		}
	case FaultGPS:
		v.statustext(common.MAV_SEVERITY_INFO, "GPS 1: 3D fix")
	case FaultMotor:
		v.statustext(common.MAV_SEVERITY_INFO, "Motors: repaired")
	case FaultPayload:
		for i := range v.cells {
			if (f.Network == 0 || v.cells[i].Network == f.Network) && v.cells[i].State == CellFailed {
				v.cells[i].State = CellOff
			}
		}
		v.statustext(common.MAV_SEVERITY_INFO, "Payload: base station recovered (off)")
	}
}
