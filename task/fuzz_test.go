package task

import (
	"encoding/json"
	"testing"
)

// FuzzParseRequest feeds arbitrary bytes to ParseRequest: it must never
// panic, and what it accepts must validate, write and read back the same.
func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{
		`{"kind":"drop","priority":7,"deadline":"45m","point":[6.1,45.2],"mass_kg":4.5}`,
		`{"kind":"drop","deadline":2700,"point":[6.1,45.2],"mass_kg":1}`,
		`{"kind":"survey","deadline":"2h","polygon":[[6,45],[6.01,45],[6.01,45.01],[6,45.01]],"gsd_cm":2.74,"overlap_pct":70}`,
		`{"kind":"survey","deadline":"2h","polygon":[[6,45],[6.01,45.01],[6.01,45],[6,45.01]],"gsd_cm":2,"overlap_pct":70}`,
		`{"kind":"fire","deadline":"20m","point":[6,45],"litres":60}`,
		`{"kind":"fire","deadline":"20m","polygon":[[6,45],[6.001,45],[6.001,45.001],[6,45]],"litres":60}`,
		`{"kind":"drop","deadline":1e300}`,
		`{"kind":"drop","point":[6,45,1]}`,
		`[]`, `null`, `{}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseRequest(data)
		if err != nil {
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("accepted %q but Validate says %v", data, err)
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("accepted %q but cannot write it: %v", data, err)
		}
		again, err := ParseRequest(b)
		if err != nil {
			t.Fatalf("wrote %s from %q and cannot read it back: %v", b, data, err)
		}
		if c, _ := json.Marshal(again); string(c) != string(b) {
			t.Fatalf("round trip %s != %s", c, b)
		}
	})
}
