// Package coverage answers the commander's first questions about an incident
// area: with the drones available, where and how high must they fly so that
// people can call for help and rescue teams can talk, what is covered right
// now, and where are the holes.
//
// It has three layers:
//
//   - Radio: air-to-ground path loss (Al-Hourani, Kandeepan and Lardner,
//     "Optimal LAP Altitude for Maximum Coverage", IEEE WCL 2014, and free
//     space), link budgets per network, and the best altitude under a
//     drone's limits ([Model], [LinkBudget], [Limits], [BuiltinProfiles]).
//   - Geometry: GeoJSON input checked ring by ring ([ParseArea]), a local
//     azimuthal equidistant projection ([Projection]) so that all work is in
//     metres, never degrees, and GeoJSON output ([Plan.GeoJSON]).
//   - Placement and measurement: the fewest drones for a target coverage or
//     the best coverage from N drones ([PlanStations]), re-planning after a
//     change that moves as few drones as possible ([Replan]), and live
//     coverage from actual station positions ([Measure], [Uncovered]).
//
// The package is pure maths on geometry: it does no I/O, starts no
// goroutines, keeps no mutable package state and imports no other aerocell
// package. Every exported function is safe for concurrent use as long as the
// caller does not mutate the slices it passed in while the call runs.
package coverage
