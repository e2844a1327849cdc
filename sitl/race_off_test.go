//go:build !race

package sitl

// raceBuild: see race_on_test.go.
const raceBuild = false
