package topic

import (
	"strings"
	"testing"
)

func TestCovers(t *testing.T) {
	for _, c := range []struct {
		rule, name string
		want       bool
	}{
		{"aerocell/v1/#", "aerocell/v1/inc/status", true},
		{"aerocell/v1/#", "aerocell/v1/#", true},
		{"aerocell/v1/#", "aerocell/v2/inc/status", false},
		{"aerocell/v1/+/status", "aerocell/v1/inc/status", true},
		{"aerocell/v1/+/status", "aerocell/v1/+/status", true},
		{"aerocell/v1/+/status", "aerocell/v1/#", false},
		{"aerocell/v1/+/status", "aerocell/v1/inc/status/x", false},
		{"aerocell/v1/+/status", "aerocell/v1/inc", false},
		{"aerocell/v1/+/teams/red/position", "aerocell/v1/inc/teams/blue/position", false},
		{"aerocell/v1/+/teams/red/position", "aerocell/v1/inc/teams/+/position", false},
		{"#", "$SYS/broker/uptime", false},
		{"$SYS/#", "$SYS/broker/uptime", true},
		{"a/b", "a/b", true},
		{"a/b", "a/b/", false},
	} {
		if got := Covers(c.rule, c.name); got != c.want {
			t.Errorf("Covers(%q, %q) = %v, want %v", c.rule, c.name, got, c.want)
		}
	}
}

func TestTree(t *testing.T) {
	tr, err := New("quake-2026")
	if err != nil {
		t.Fatal(err)
	}
	if got := tr.Drone(7); got != "aerocell/v1/quake-2026/drones/7/state" {
		t.Errorf("Drone = %q", got)
	}
	team, ok := tr.PositionTeam(tr.TeamPosition("red"))
	if !ok || team != "red" {
		t.Errorf("PositionTeam = %q, %v", team, ok)
	}
	for _, bad := range []string{"aerocell/v1/quake-2026/teams/red/alerts", "aerocell/v1/other/teams/red/position", "aerocell/v1/quake-2026/teams/a/b/position"} {
		if _, ok := tr.PositionTeam(bad); ok {
			t.Errorf("PositionTeam(%q) accepted", bad)
		}
	}
	if !tr.AlertTopic(tr.TeamAlerts("red")) || !tr.AlertTopic(tr.Alerts()) || tr.AlertTopic(tr.Coverage()) {
		t.Error("AlertTopic wrong")
	}
	for _, bad := range []string{"", "a/b", "+", "#", "a b", "$x", string(make([]byte, MaxNameLen+1))} {
		if _, err := New(bad); err == nil {
			t.Errorf("New(%q) accepted", bad)
		}
	}
	read, write := TeamFilters("red")
	for _, w := range write {
		own := Covers(w, tr.TeamPosition("red")) || Covers(w, tr.TeamRequests("red"))
		if !own || Covers(w, tr.TeamPosition("blue")) || Covers(w, tr.TeamRequests("blue")) {
			t.Errorf("team write rule %q wrong", w)
		}
	}
	if team, ok := tr.RequestTeam(tr.TeamRequests("red")); !ok || team != "red" {
		t.Errorf("RequestTeam(%q) = %q, %v", tr.TeamRequests("red"), team, ok)
	}
	for _, bad := range []string{tr.TeamPosition("red"), tr.Prefix() + "/teams/a b/requests", "aerocell/v1/other/teams/red/requests"} {
		if _, ok := tr.RequestTeam(bad); ok {
			t.Errorf("RequestTeam(%q) accepted", bad)
		}
	}
	for _, r := range read {
		if Covers(r, tr.TeamAlerts("blue")) {
			t.Errorf("team read rule %q covers another team's alerts", r)
		}
	}
}

// A tree's team filters are what a team login may subscribe to in that
// incident: each is granted by the team's rules, none by another team's,
// and the incident-wide filter a newcomer might try is not among them.
func TestTreeTeamFilters(t *testing.T) {
	tr, err := New("demo")
	if err != nil {
		t.Fatal(err)
	}
	rules, wrules := TeamFilters("rescue-1")
	other, wother := TeamFilters("rescue-2")
	granted := func(rules []string, f string) bool {
		for _, r := range rules {
			if Covers(r, f) {
				return true
			}
		}
		return false
	}
	read, write := tr.TeamFilters("rescue-1")
	for _, c := range []struct{ filters, own, others []string }{{read, rules, other}, {write, wrules, wother}} {
		for _, f := range c.filters {
			if !strings.HasPrefix(f, tr.Prefix()+"/") || !granted(c.own, f) {
				t.Errorf("filter %q not granted to its team in %s", f, tr.Prefix())
			}
			if strings.Contains(f, "/teams/") && granted(c.others, f) {
				t.Errorf("filter %q granted to another team", f)
			}
		}
	}
	if granted(rules, tr.All()) {
		t.Errorf("%s granted to a team", tr.All())
	}
}
