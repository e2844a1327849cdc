package report

import (
	"encoding/xml"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

func TestCAP(t *testing.T) {
	back := time.Date(2026, 11, 28, 10, 20, 0, 0, time.UTC)
	a := Alert{ID: "5f0c1d9e-8a57-4c55-9a1e-3b1f0c2d4e6f", Time: time.Date(2026, 11, 28, 10, 3, 0, 500, time.UTC),
		Kind: KindCoverageLost, Severity: Warning, Network: Private, Team: "red", Text: "Your position has lost the private network.",
		Area: geoJSON(orb.Point{6.005, 45.005}), ExpectedReturn: &back}
	b, err := a.CAP("aerocell@example.org")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{
		`<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">`,
		"<sent>2026-11-28T10:03:00-00:00</sent>",
		"<scope>Private</scope>", "<addresses>red</addresses>",
		"<severity>Moderate</severity>", "<urgency>Immediate</urgency>",
		"<circle>45.005,6.005 0</circle>",
		"<valueName>expected_return</valueName>", "<value>2026-11-28T10:20:00-00:00</value>",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("CAP lacks %s:\n%s", want, s)
		}
	}
	var back2 capAlert
	if err := xml.Unmarshal(b, &back2); err != nil || back2.Identifier != a.ID {
		t.Fatalf("round trip: %v %+v", err, back2)
	}

	g := Alert{ID: "x", Time: a.Time, Kind: KindCoverageRestored, Severity: Info, Text: "back", Network: Public,
		Area: geoJSON(orb.MultiPolygon{hole, hole})}
	b, err = g.CAP("aerocell@example.org")
	if err != nil {
		t.Fatal(err)
	}
	s = string(b)
	if strings.Count(s, "<polygon>45,6 45,6.01 45.01,6.01 45.01,6 45,6</polygon>") != 2 || !strings.Contains(s, "<scope>Public</scope>") ||
		!strings.Contains(s, "<urgency>Past</urgency>") || strings.Contains(s, "<addresses>") {
		t.Errorf("general alert CAP:\n%s", s)
	}
	if _, err := (Alert{ID: "x"}).CAP("s"); err == nil {
		t.Error("CAP without a time")
	}
}

// capAreaCases seed both the table test and the fuzz test.
var capAreaCases = []struct {
	geo, want string // want: the CAP area, or part of the error after "!"
}{
	{`{"type":"Point","coordinates":[6.005,45.005]}`, "circle 45.005,6.005 0"},
	{`{"type":"Point","coordinates":[6.005,45.005,120]}`, "circle 45.005,6.005 0"},
	{`{"type":"Polygon","coordinates":[[[6,45],[6.01,45],[6.01,45.01],[6,45]]]}`, "polygon 45,6 45,6.01 45.01,6.01 45,6"},
	{`{"type":"MultiPolygon","coordinates":[[[[6,45],[6.01,45],[6.01,45.01],[6,45]]],[[[6,45],[6,45]]]]}`, "polygon 45,6 45,6.01 45.01,6.01 45,6"},
	{`{"type":"Polygon","coordinates":[[[6,45],[6,45]]]}`, "none"},
	{`{"type":"Point","coordinates":[6]}`, "!bad Point: position has 1 numbers"},
	{`{"type":"Point","coordinates":[6,45,1,2]}`, "!bad Point: position has 4 numbers"},
	{`{"type":"Polygon","coordinates":[[[6,45],[6.01],[6.01,45.01],[6,45]]]}`, "!ring 0 position 1 has 1 numbers"},
	{`{"type":"MultiPolygon","coordinates":[[[[6,45],[6.01,45],[6.01,45.01],[6,45]]],[[[7,46],[7.1,46,0,1],[7.1,46.1],[7,46]]]]}`, "!ring 0 position 1 has 4 numbers"},
	{`{"type":"LineString","coordinates":[[6,45],[6.01,45]]}`, `!geometry type "LineString"`},
	{`{"type":"Feature","geometry":{"type":"Point","coordinates":[6,45]}}`, "!invalid geometry"},
	{`{"type":"Polygon","coordinates":[6,45]}`, "!cannot unmarshal"},
	{`[`, "!unexpected end"},
}

func TestCAPArea(t *testing.T) {
	for _, c := range capAreaCases {
		area, err := capAreaOf([]byte(c.geo))
		got := "none"
		switch {
		case err != nil:
			got = "!" + err.Error()
		case area != nil && len(area.Circles) > 0:
			got = "circle " + strings.Join(area.Circles, ";")
		case area != nil:
			got = "polygon " + strings.Join(area.Polygons, ";")
		}
		if strings.HasPrefix(c.want, "!") && strings.Contains(got, c.want[1:]) || got == c.want {
			continue
		}
		t.Errorf("%s: got %q, want %q", c.geo, got, c.want)
	}
	a := Alert{ID: "x", Time: time.Date(2026, 11, 28, 10, 3, 0, 0, time.UTC), Kind: KindCoverageLost,
		Area: []byte(`{"type":"Point","coordinates":[6]}`)}
	if _, err := a.CAP("s"); err == nil || !strings.Contains(err.Error(), "CAP area: bad Point") {
		t.Errorf("CAP of an alert with a one-number point: %v", err)
	}
}

// FuzzCAPArea: whatever geometry an alert carries, capAreaOf never panics
// and every "lat,lon" it writes is two numbers.
func FuzzCAPArea(f *testing.F) {
	for _, c := range capAreaCases {
		f.Add([]byte(c.geo))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		area, err := capAreaOf(data)
		if err != nil || area == nil {
			return
		}
		if len(area.Circles)+len(area.Polygons) == 0 {
			t.Fatalf("empty area from %q", data)
		}
		var pairs []string
		for _, c := range area.Circles {
			pairs = append(pairs, strings.TrimSuffix(c, " 0"))
		}
		for _, p := range area.Polygons {
			pairs = append(pairs, strings.Fields(p)...)
		}
		for _, pair := range pairs {
			lat, lon, ok := strings.Cut(pair, ",")
			if !ok {
				t.Fatalf("pair %q from %q", pair, data)
			}
			for _, v := range []string{lat, lon} {
				if _, err := strconv.ParseFloat(v, 64); err != nil {
					t.Fatalf("pair %q from %q: %v", pair, data, err)
				}
			}
		}
	})
}
