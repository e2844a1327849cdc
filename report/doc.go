// Package report tells field teams, commanders' dashboards and other
// agencies' systems over MQTT what the controller knows: whether the
// controller is online, each drone's state, where there is coverage for
// which network, and alerts, including an alert to each team whose own
// position loses or regains a network. The topic tree and payloads are
// documented in docs/mqtt.md; package topic builds the names.
//
// The controller drives a [Reporter] with plain values defined here
// ([DroneState], [Coverage], [Alert]); the Reporter publishes through a
// [Conn] (package client's session, against the embedded broker of package
// broker or any external one) and keeps alerts in a durable outbox (package
// outbox) until its own subscription sees them come back from the broker.
// Team positions arrive on teams/{team}/position; invalid ones are logged
// with the reason and dropped, and never disturb anything else.
//
// The package must never change fleet state: it reads what it is handed
// and, for what it needs from the controller (the expected time a network
// returns), calls the hook it was given. All timing goes through
// clock.Clock, so the same code runs under SITL at any speed.
//
// Lifecycle, as across aerocell: what waits on its way down (the Reporter,
// which stops its loop and publishes its offline status) closes with
// Close(ctx) error, ctx bounding the wait; what only releases closes with
// Close() error.
package report
