package broker_test

import (
	"fmt"

	"github.com/aerocell/aerocell/report/broker"
)

func ExampleLoginURL() {
	fmt.Println(broker.LoginURL("team-red", "S3CRET", "10.0.0.5", 1883))
	fmt.Println(broker.LoginURL("team blue", "p@ss/word", "[::1]:1884", 0))
	// Output:
	// mqtt://team-red:S3CRET@10.0.0.5:1883
	// mqtt://team%20blue:p%40ss%2Fword@[::1]:1884
}
