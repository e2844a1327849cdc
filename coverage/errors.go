package coverage

import "errors"

// Sentinel errors. Errors returned by the package wrap one of these (test with
// errors.Is) and add the detail: which ring, which vertex, which value.
var (
	ErrNotGeoJSON       = errors.New("coverage: not GeoJSON")
	ErrUnsupportedType  = errors.New("coverage: unsupported GeoJSON geometry type")
	ErrEmptyGeometry    = errors.New("coverage: empty geometry")
	ErrRingNotClosed    = errors.New("coverage: ring not closed")
	ErrRingTooShort     = errors.New("coverage: ring has fewer than 4 positions")
	ErrBadCoordinate    = errors.New("coverage: coordinate is NaN, infinite or out of range")
	ErrSelfIntersection = errors.New("coverage: ring self-intersects")
	ErrZeroArea         = errors.New("coverage: zero-area geometry")
	ErrHoleOutside      = errors.New("coverage: hole not inside its exterior ring")
	ErrOverlap          = errors.New("coverage: polygons overlap")
	ErrAntimeridian     = errors.New("coverage: geometry crosses the antimeridian")
	ErrAreaTooLarge     = errors.New("coverage: area too large for a local projection")
	ErrUnknownEnv       = errors.New("coverage: unknown environment")
	ErrUnknownProfile   = errors.New("coverage: unknown drone profile")
	ErrBadParameter     = errors.New("coverage: invalid parameter")
	ErrNoFeasibleAlt    = errors.New("coverage: no feasible altitude within the drone's limits")
	ErrInfeasible       = errors.New("coverage: target not reachable with the drones and sites available")
)
