package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aerocell/aerocell/coverage"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// positionCases seed both the table test and the fuzz test.
var positionCases = []struct {
	name, payload string
	ok            bool
	why           string // part of the error
}{
	{"point", `{"schema":1,"lat":45.1,"lon":6.2}`, true, ""},
	{"point with time and accuracy", `{"schema":1,"time":"2025-12-31T23:50:00Z","lat":-45,"lon":179.9,"accuracy_m":12.5,"extra":"ignored"}`, true, ""},
	{"phone clock a little fast", `{"schema":1,"time":"2026-01-01T00:04:30Z","lat":45.1,"lon":6.2}`, true, ""},
	{"time far ahead", `{"schema":1,"time":"2026-01-01T10:00:00Z","lat":45.1,"lon":6.2}`, false, "time 2026-01-01T10:00:00Z is 10h0m0s ahead of the controller's clock (at most 5m0s)"},
	{"time years ahead", `{"schema":1,"time":"9999-12-31T23:59:59Z","area":{"type":"Polygon","coordinates":[[[6,45],[6.01,45],[6.01,45.01],[6,45]]]}}`, false, "ahead of the controller's clock"},
	{"bow-tie area", `{"schema":1,"area":{"type":"Polygon","coordinates":[[[6,45],[6.01,45.01],[6.01,45],[6,45.01],[6,45]]]}}`, false, "ring self-intersects"},
	{"bow-tie feature", `{"schema":1,"area":{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[6,45],[6.01,45.01],[6.01,45],[6,45.01],[6,45]]]}}}`, false, "ring self-intersects"},
	{"hole outside", `{"schema":1,"area":{"type":"Polygon","coordinates":[[[6,45],[6.01,45],[6.01,45.01],[6,45]],[[7,46],[7.001,46],[7.001,46.001],[7,46]]]}}`, false, "hole not inside"},
	{"area", `{"schema":1,"area":{"type":"Polygon","coordinates":[[[6,45],[6.01,45],[6.01,45.01],[6,45]]]}}`, true, ""},
	{"area as feature", `{"schema":1,"area":{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[6,45],[6.01,45],[6.01,45.01],[6,45]]]}}}`, true, ""},
	{"empty", ``, false, "bad JSON"},
	{"not json", `lat=45`, false, "bad JSON"},
	{"array", `[1,2]`, false, "bad JSON"},
	{"null", `null`, false, "not an object"},
	{"trailing", `{"schema":1,"lat":1,"lon":1} {}`, false, "after the object"},
	{"no schema", `{"lat":1,"lon":1}`, false, "schema"},
	{"schema 2", `{"schema":2,"lat":1,"lon":1}`, false, "schema 2"},
	{"lat out of range", `{"schema":1,"lat":91,"lon":1}`, false, "lat 91 out of range"},
	{"lon out of range", `{"schema":1,"lat":1,"lon":-180.5}`, false, "lon -180.5 out of range"},
	{"NaN", `{"schema":1,"lat":NaN,"lon":1}`, false, "bad JSON"},
	{"NaN string", `{"schema":1,"lat":"NaN","lon":1}`, false, "bad JSON"},
	{"huge", `{"schema":1,"lat":1e400,"lon":1}`, false, "bad JSON"},
	{"lat alone", `{"schema":1,"lat":1}`, false, "go together"},
	{"neither", `{"schema":1}`, false, "neither"},
	{"both", `{"schema":1,"lat":1,"lon":1,"area":{"type":"Polygon","coordinates":[[[6,45],[6.01,45],[6.01,45.01],[6,45]]]}}`, false, "both"},
	{"negative accuracy", `{"schema":1,"lat":1,"lon":1,"accuracy_m":-1}`, false, "accuracy_m"},
	{"open ring", `{"schema":1,"area":{"type":"Polygon","coordinates":[[[6,45],[6.01,45],[6.01,45.01],[6,45.5]]]}}`, false, "not closed"},
	{"short ring", `{"schema":1,"area":{"type":"Polygon","coordinates":[[[6,45],[6.01,45],[6,45]]]}}`, false, "at least 4"},
	{"point type", `{"schema":1,"area":{"type":"Point","coordinates":[6,45]}}`, false, "want Polygon"},
	{"area out of range", `{"schema":1,"area":{"type":"Polygon","coordinates":[[[6,95],[6.01,45],[6.01,45.01],[6,95]]]}}`, false, "lat 95"},
	{"bad time", `{"schema":1,"time":"yesterday","lat":1,"lon":1}`, false, "bad JSON"},
	{"wrong types", `{"schema":"1","lat":1,"lon":1}`, false, "bad JSON"},
}

func TestParsePosition(t *testing.T) {
	for _, c := range positionCases {
		p, err := ParsePosition("red", []byte(c.payload), epoch)
		if c.ok {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			} else if p.Team != "red" || (p.Point == nil) == (p.Area == nil) || p.Time.IsZero() {
				t.Errorf("%s: %+v", c.name, p)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: accepted %q", c.name, c.payload)
			continue
		}
		if !errors.Is(err, ErrInvalidPosition) || !strings.Contains(err.Error(), c.why) {
			t.Errorf("%s: error %q, want one wrapping ErrInvalidPosition with %q", c.name, err, c.why)
		}
	}
}

func TestParsePositionLimits(t *testing.T) {
	big := `{"schema":1,"lat":1,"lon":1,"pad":"` + strings.Repeat("x", MaxPositionSize) + `"}`
	if _, err := ParsePosition("red", []byte(big), epoch); err == nil || !strings.Contains(err.Error(), "exceeds") {
		t.Errorf("oversized payload: %v", err)
	}
	var b strings.Builder
	b.WriteString(`{"schema":1,"area":{"type":"Polygon","coordinates":[[`)
	for i := range MaxAreaPoints + 1 {
		if i > 0 {
			b.WriteString(",")
		}
		if i == MaxAreaPoints {
			b.WriteString("[6,45]")
		} else {
			fmt.Fprintf(&b, "[%.5f,45]", 6+float64(i)*1e-5)
		}
	}
	b.WriteString(`]]}}`)
	if b.Len() > MaxPositionSize {
		t.Fatalf("test payload of %d bytes would fail on size", b.Len())
	}
	if _, err := ParsePosition("red", []byte(b.String()), epoch); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("too many points: %v", err)
	}
}

// FuzzParsePosition: whatever a team publishes, the parser returns a valid
// position or an error wrapping ErrInvalidPosition, never panics, and a
// valid position is in range.
func FuzzParsePosition(f *testing.F) {
	for _, c := range positionCases {
		f.Add([]byte(c.payload))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePosition("red", data, epoch)
		if err != nil {
			if !errors.Is(err, ErrInvalidPosition) {
				t.Fatalf("error %v does not wrap ErrInvalidPosition", err)
			}
			return
		}
		if (p.Point == nil) == (p.Area == nil) {
			t.Fatalf("position with point %v and area %v", p.Point, p.Area)
		}
		if p.Time.Sub(epoch) > MaxClockSkew {
			t.Fatalf("time %v trusted, more than %v after %v", p.Time, MaxClockSkew, epoch)
		}
		if p.Area != nil {
			// What is accepted passes the API's own area check.
			raw, _ := json.Marshal(map[string]any{"type": "Polygon", "coordinates": p.Area})
			if _, err := coverage.CheckArea(raw); err != nil {
				t.Fatalf("accepted area %v fails the area check: %v", p.Area, err)
			}
		}
		if p.Point != nil && checkLonLat(*p.Point) != nil {
			t.Fatalf("point out of range: %v", *p.Point)
		}
		n := 0
		for _, r := range p.Area {
			n += len(r)
			if len(r) < 4 || r[0] != r[len(r)-1] {
				t.Fatalf("bad ring %v", r)
			}
			for _, q := range r {
				if checkLonLat(q) != nil {
					t.Fatalf("area point out of range: %v", q)
				}
			}
		}
		if n > MaxAreaPoints {
			t.Fatalf("%d points", n)
		}
	})
}

// A work area read through orb/geojson still refuses a position of one
// number (orb would pad it with a zero latitude) or of four, with the
// same words as the API's area check.
func TestParsePositionCountsValues(t *testing.T) {
	for payload, why := range map[string]string{
		`{"schema":1,"area":{"type":"Polygon","coordinates":[[[6,45],[6.01],[6.01,45.01],[6,45]]]}}`:                                      "area: ring 0 position 1 has 1 numbers",
		`{"schema":1,"area":{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[6,45],[6.01,45,0,1],[6.01,45.01],[6,45]]]}}}`: "area: ring 0 position 1 has 4 numbers",
		`{"schema":1,"area":{"type":"Polygon","coordinates":[[[6,45],[6.01,45,10],[6.01,45.01],[6,45]]]}}`:                                "",
	} {
		_, err := ParsePosition("red", []byte(payload), epoch)
		if why == "" && err != nil || why != "" && (err == nil || !strings.Contains(err.Error(), why)) {
			t.Errorf("%s: error %v, want %q", payload, err, why)
		}
	}
}
