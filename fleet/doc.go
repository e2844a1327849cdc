// Package fleet is the controller: one loop that owns the incident, the plan,
// the assignment of drones to stations and each drone's state machine, and
// keeps the area covered through battery rotation, failures and link loss.
//
// Telemetry from the link layer, commanders' orders and timers reach the loop
// as messages; the loop writes each decision to the store before it acts, and
// publishes snapshots and events for the reporters. It never blocks on one
// drone: commands run beside the loop and their results come back as messages.
// It must never import HTTP or MQTT code: those are its consumers.
package fleet
