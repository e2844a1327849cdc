package dem_test

import (
	"fmt"

	"github.com/aerocell/aerocell/dem"
)

func ExampleDir_ElevationM() {
	d, err := dem.Open("testdata", dem.Options{CacheTiles: 4})
	if err != nil {
		fmt.Println(err)
		return
	}
	z, err := d.ElevationM(-71.3033, 44.2706) // Mount Washington
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%.0f m\n", z)
	_, err = d.ElevationM(-70.5, 44.5)
	fmt.Println(err)
	// Output:
	// 1907 m
	// dem: missing tile: testdata/N44W071.hgt not found (the tile for 44..45 N, -71..-70 E)
}
