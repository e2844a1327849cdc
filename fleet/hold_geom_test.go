package fleet

import (
	"math"
	"testing"

	"github.com/aerocell/aerocell/coverage"
)

func TestNearestInArea(t *testing.T) {
	sq := coverage.MultiPolygon{{{{X: 0, Y: 0}, {X: 1000, Y: 0}, {X: 1000, Y: 1000}, {X: 0, Y: 1000}}}}
	for _, c := range []struct {
		name     string
		pt, want coverage.Point
	}{
		{"inside stays", coverage.Point{X: 300, Y: 400}, coverage.Point{X: 300, Y: 400}},
		{"east steps in", coverage.Point{X: 3000, Y: 500}, coverage.Point{X: 900, Y: 500}},
		{"south-west corner", coverage.Point{X: -50, Y: -50}, coverage.Point{X: 70.71, Y: 70.71}},
	} {
		got := nearestInArea(sq, c.pt, 100)
		if math.Abs(got.X-c.want.X) > 0.01 || math.Abs(got.Y-c.want.Y) > 0.01 || !sq.Contains(got) {
			t.Errorf("%s: %v, want %v inside", c.name, got, c.want)
		}
	}
}
