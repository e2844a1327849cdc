package api_test

import (
	"fmt"

	"github.com/aerocell/aerocell/api"
)

// A daemon without tokens may only listen on loopback.
func ExampleCheckListen() {
	fmt.Println(api.CheckListen("127.0.0.1:8080", nil))
	fmt.Println(api.CheckListen(":8080", nil))
	fmt.Println(api.CheckListen(":8080", []api.Token{{Token: "0123456789abcdef", Role: api.Commander}}))
	// Output:
	// <nil>
	// api: refusing to listen beyond loopback without tokens: ":8080"; configure tokens or listen on 127.0.0.1
	// <nil>
}

// ParseArea says what is wrong with an area a commander uploads.
func ExampleParseArea() {
	_, err := api.ParseArea([]byte(`{"type":"Polygon","coordinates":[[[7.4,46.9],[7.5,46.9],[7.5,47.0]]]}`))
	fmt.Println(err)
	mp, err := api.ParseArea([]byte(`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[7.4,46.9],[7.5,46.9],[7.5,47.0],[7.4,46.9]]]}}`))
	fmt.Println(len(mp), err)
	// Output:
	// polygon 0 ring 0: 3 points, want at least 4
	// 1 <nil>
}
