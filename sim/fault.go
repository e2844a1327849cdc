package sim

import (
	"fmt"
	"time"
)

// FaultKind names an injectable fault.
type FaultKind string

// Faults. Each lasts Fault.Duration on the fleet clock (zero: until Clear).
const (
	// FaultLinkDrop drops every frame in both directions.
	FaultLinkDrop FaultKind = "link-drop"
	// FaultPacketLoss drops Fault.Percent % of frames in each direction.
	FaultPacketLoss FaultKind = "packet-loss"
	// FaultLatency delays every frame in each direction by Fault.Latency.
	FaultLatency FaultKind = "latency"
	// FaultBattery fails the battery: its charge falls to the critical
	// level and its health is reported bad, so the failsafe lands. When the
	// fault ends on the ground the battery is replaced (full).
	FaultBattery FaultKind = "battery"
	// FaultMotor fails a motor: a forced landing straight down, arming
	// refused until the fault ends.
	FaultMotor FaultKind = "motor"
	// FaultGPS loses the GPS fix: no position hold (the drone drifts with the
	// wind) and, in a mode that needs position, the EKF failsafe lands.
	FaultGPS FaultKind = "gps"
	// FaultPayload fails the base stations (all, or only Fault.Network):
	// state 2, no users; when the fault ends they are off, ready to switch
	// on.
	FaultPayload FaultKind = "payload"
	// FaultGroundPower cuts a tethered drone's ground power: it descends and
	// lands on its backup battery. When the fault ends, ground power is back
	// and the backup battery recharges.
	FaultGroundPower FaultKind = "ground-power"
)

// FaultKinds lists every fault kind.
func FaultKinds() []FaultKind {
	return []FaultKind{FaultLinkDrop, FaultPacketLoss, FaultLatency, FaultBattery, FaultMotor, FaultGPS, FaultPayload, FaultGroundPower}
}

// Fault is one fault to inject into a drone.
type Fault struct {
	Kind FaultKind
	// Duration is how long the fault lasts on the fleet clock; zero lasts
	// until Drone.Clear.
	Duration time.Duration
	// Percent is the loss rate of FaultPacketLoss (0..100).
	Percent float64
	// Latency is the added one-way delay of FaultLatency.
	Latency time.Duration
	// Network limits FaultPayload to one network (0: every cell).
	Network Network
}

// Validate checks the fault's fields.
func (f Fault) Validate() error {
	known := false
	for _, k := range FaultKinds() {
		if f.Kind == k {
			known = true
		}
	}
	if !known {
		return fieldErr("kind", "unknown fault %q (want one of %v)", f.Kind, FaultKinds())
	}
	if f.Duration < 0 {
		return fieldErr("duration", "must not be negative, got %v", f.Duration)
	}
	if f.Kind == FaultPacketLoss && !(f.Percent > 0 && f.Percent <= 100) {
		return fieldErr("percent", "must be in (0, 100] for %s, got %v", f.Kind, f.Percent)
	}
	if f.Kind == FaultLatency && !(f.Latency > 0 && f.Latency <= time.Hour) {
		return fieldErr("latency", "must be in (0, 1h] for %s, got %v", f.Kind, f.Latency)
	}
	if f.Network != 0 && f.Network != Public && f.Network != Private {
		return fieldErr("network", "must be 0, 1 or 2, got %d", int(f.Network))
	}
	return nil
}

func (f Fault) String() string {
	s := string(f.Kind)
	switch f.Kind {
	case FaultPacketLoss:
		s += fmt.Sprintf(" %g%%", f.Percent)
	case FaultLatency:
		s += " " + f.Latency.String()
	}
	if f.Duration > 0 {
		s += " for " + f.Duration.String()
	}
	return s
}

// activeFault is a fault in force on a drone.
type activeFault struct {
	Fault
	until time.Time // zero: until cleared
}
