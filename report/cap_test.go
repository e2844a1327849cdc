package report

import (
	"encoding/xml"
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
