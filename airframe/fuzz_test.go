package airframe

import (
	"strings"
	"testing"
)

// FuzzMerge: any file either merges into a table whose every airframe
// validates and whose model gives finite numbers, or is refused with an
// error; it never panics.
func FuzzMerge(f *testing.F) {
	f.Add("- {name: long-tether, base: tethered-multirotor, tether: {length_m: 250}}")
	f.Add("- {name: heavy-multirotor, cruise_speed: 14}")
	f.Add("- {name: x, base: heavy-multirotor, battery: {cells: 0}}")
	f.Add("- {name: y, base: fixed-wing-relay, wind: {max: 30, max_gust: 40}, mass_kg: 200}")
	f.Fuzz(func(t *testing.T, in string) {
		tab, err := Builtin().Merge(strings.NewReader(in), "profiles")
		if err != nil {
			return
		}
		if err := tab.Validate("profiles"); err != nil {
			t.Fatalf("merged table does not validate: %v", err)
		}
		for _, a := range tab {
			_ = a.Rotation(Post{DistM: 1000, AltM: 100}, Wind{SpeedMS: 5, GustMS: 1}, 1, 0)
			_ = a.ReachM(Wind{SpeedMS: 5, GustMS: 1})
		}
	})
}
