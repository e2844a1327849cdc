package api

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"

	"github.com/paulmach/orb"

	"github.com/aerocell/aerocell/fleet"
)

// bigSnapshot is a large incident: 30 drones and uncovered parts of 60
// polygons of 48 vertices per network.
func bigSnapshot() fleet.Snapshot {
	snap := testSnapshot(nil)
	snap.Drones = nil
	for i := 1; i <= 30; i++ {
		snap.Drones = append(snap.Drones, fleet.Drone{ID: i, State: fleet.DroneOnStation, Station: fmt.Sprint("s", i),
			Lat: 46.9 + float64(i)/1000, Lon: 7.4, BatteryPct: 50, Link: fleet.Link{Up: true, Via: []string{"udp"}},
			Payload: map[fleet.Network]fleet.PayloadState{fleet.Public: {State: "on"}, fleet.Private: {State: "on"}}})
	}
	for _, n := range fleet.Networks {
		var mp orb.MultiPolygon
		for p := 0; p < 60; p++ {
			var r orb.Ring
			for k := 0; k <= 48; k++ {
				a := 2 * math.Pi * float64(k%48) / 48
				r = append(r, orb.Point{7.4 + float64(p)/100 + 0.002*math.Cos(a), 46.9 + 0.002*math.Sin(a)})
			}
			mp = append(mp, orb.Polygon{r})
		}
		snap.Coverage.Uncovered[n] = mp
	}
	return snap
}

// BenchmarkStreamSnapshot measures what one snapshot message of the stream
// costs: building the view and encoding it.
func BenchmarkStreamSnapshot(b *testing.B) {
	snap := bigSnapshot()
	s, err := New(Config{Addr: "127.0.0.1:0"}, &fakeCtrl{snapshot: func() fleet.Snapshot { return snap }}, fakeTeams{{ID: "a"}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var size int
	for b.Loop() {
		data, err := json.Marshal(s.view())
		if err != nil {
			b.Fatal(err)
		}
		size = len(data)
	}
	b.ReportMetric(float64(size), "bytes/msg")
}
