// Package airframe is the one table of aircraft that both ends of the radio
// share: the simulator (package sim) flies each drone with it, and the
// controller (package fleet) and the planner (package coverage) plan with
// it. Keeping one definition is what makes the controller's plans hold in
// the simulator, and the simulator's truth mean something for the
// controller.
//
// An [Airframe] holds the flight envelope, the battery and the power drawn
// hovering and cruising (endurance follows, and shrinks in wind and with
// payload mass: [Airframe.HoldPowerW], [Airframe.Endurance]), the wind it can
// fly in, free and tethered ([Airframe.WindLimits]), the tether and its drag
// ([Tether.ChordM]), the base stations carried ([Cell]) and how long they
// take to boot. The built-in table is embedded YAML ([Builtin]); a user file
// extends it or overrides entries by name ([Table.Merge]).
//
// An airframe declares its index over MAVLink as the AC_PROFILE
// NAMED_VALUE_INT (package payload); [Table.ByIndex] maps it back.
//
// The package does no I/O beyond reading what it is handed, holds no state
// and imports nothing of the fleet, the planner or the simulator.
package airframe
