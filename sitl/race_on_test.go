//go:build race

package sitl

// raceBuild: the race detector slows the controller's terrain sweeps
// several times over; scenarios over terrain run slower in such a build so
// that the loop keeps pace with the simulator's clock.
const raceBuild = true
