// Package api is the commander's HTTP API: JSON under /api/v1, bearer-token
// auth with two roles, a Server-Sent Events stream of the fleet's snapshots
// and events, and the raster basemap proxy. Its routes are described by
// openapi.json, served at /api/v1/openapi.json and checked against the real
// routes by a test.
//
// The API reads the controller's published snapshots and sends it requests
// through the Controller interface; it never changes fleet state any other
// way. Every request is checked in full before the controller is asked, so a
// refused request changed nothing.
//
// Roles: a viewer token reads; a commander token also gives orders. With no
// tokens configured every request from a loopback address is a commander's
// (the laptop in the command vehicle) and every other request is refused;
// CheckListen refuses such a configuration on a non-loopback address.
package api
