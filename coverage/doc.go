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
//     metres, never degrees, and GeoJSON output ([Plan.GeoJSON]). It is the
//     one place for the planar geometry the rest of aerocell needs: a
//     position so many metres from another and back ([Offset],
//     [Displacement]), the convex hull and its offset that make a geofence
//     ([ConvexHull], [OffsetConvex]), and distances and nearest points
//     ([ClosestOnSegment], [SegmentDist], [MultiPolygon.NearestEdge],
//     [MultiPolygon.Nearest], [MultiPolygon.Distance]).
//   - Placement and measurement: the fewest drones for a target coverage or
//     the best coverage from N drones, for one profile or a mixed fleet
//     ([PlanStations], [Region.Plan], and [Place] in local metres),
//     re-planning after a change that moves as few drones as possible
//     ([Replan], [Region.Replan]), and live coverage from actual station
//     positions ([Measure], [Uncovered], [Region.Live]).
//
// # Placement
//
// Covering a region with the fewest disks has no known efficient exact
// algorithm (covering points with unit disks is already NP-hard); the
// literature offers
// the hexagonal lattice (covering density 2 pi / sqrt(27) = 1.209, optimal
// for the whole plane), greedy and spiral placements for ground users (Lyu
// et al., IEEE Communications Letters 2017, which places drones along the
// convex hull of uncovered users inwards), and local search on the covered
// area. Boundaries are where a layout beats the lattice, and a 99% target
// lets cells spread: a lattice stretched by 5% leaves 0.94% uncovered with 9%
// fewer cells. [Place] therefore:
//
//  1. starts from the best clipped lattice it finds over a few rotations
//     and offsets, pruned while the target holds;
//  2. removes the drones whose cells cover least on their own and
//     re-optimises, keeping k while that works and halving it when it does
//     not (big layouts re-optimise only around a single removed drone once
//     k is small, with a global pass before giving up);
//  3. optimises a layout by gradient ascent of the covered area: the
//     gradient for one cell is the outward normal integrated over the arcs
//     of its circle that lie inside the area and outside every other cell,
//     which is exact, cheap, and pushes cells off the boundary and into
//     gaps; steps shrink from a quarter to a five-hundredth of the radius,
//     and between rounds the least useful cell jumps to the deepest hole;
//  4. for small problems, also restarts from k-means (centroidal Voronoi)
//     layouts one drone below the best found;
//  5. in fewest mode, never returns more drones than the best pruned
//     lattice (which also tries a cell on the area's centroid).
//
// # Terrain
//
// With a [Terrain] (ground elevations), a station's coverage is its
// [Footprint], swept radially over the terrain ([Model.TerrainFootprint]),
// and [Region.PlanTerrain] places stations over it: greedy over candidate
// positions and heights above the ground (each candidate's footprint
// rasterised once to a bitset of grid cells), then exchange rounds. Live
// coverage over terrain is [Region.LiveTerrain], and a footprint's shape
// for a map is [Footprint.Shape].
//
// The optimiser counts coverage on a grid of samples (an eighth of the
// radius apart), but every figure reported is measured from the final disks
// by [Measure]: exact along each scan line, integrated over lines a
// fortieth of the radius apart, with the difference from a scan at half the
// lines as its error bound (typically 1e-4 of the area).
//
// The package is pure maths on geometry: it does no I/O, starts no
// goroutine that outlives a call ([Region.PlanTerrain] sweeps its
// candidates on GOMAXPROCS goroutines and joins them before it goes on),
// keeps no mutable package state and imports no other aerocell package
// besides the airframe table and the payload protocol. Every exported function is safe for concurrent use as long as the
// caller does not mutate the slices it passed in while the call runs.
package coverage
