// Package topic names the MQTT topic tree that aerocell publishes under
// aerocell/v1/{incident}/ and the filters that the broker's access rules
// grant to each kind of user.
//
// It is the one place that knows the shape of the tree: the reporter builds
// topic names with a [Tree], the embedded broker builds its default access
// rules with [ControllerFilters] and [TeamFilters], and docs/mqtt.md documents
// the same names. Changing a name here is a breaking change for every field
// client: bump [Version] instead. The package does no I/O.
package topic

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Root is the first level of every aerocell topic.
const Root = "aerocell"

// Version is the second level: the version of the tree and of its payloads'
// layout. A field client subscribes under it and ignores what it does not
// know.
const Version = "v1"

// MaxNameLen is the longest incident or team name accepted.
const MaxNameLen = 64

// ErrName is returned for an incident or team name that is empty, too long
// or holds characters other than ASCII letters, digits, '-' and '_'.
var ErrName = errors.New("topic: invalid name")

// CheckName reports whether s can be one level of a topic: 1 to MaxNameLen
// ASCII letters, digits, '-' or '_'. Wildcards, '/', '$' and spaces are
// refused so that a name can never widen a filter.
func CheckName(s string) error {
	if len(s) == 0 || len(s) > MaxNameLen {
		return fmt.Errorf("%w: %q must be 1 to %d characters", ErrName, s, MaxNameLen)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return fmt.Errorf("%w: %q has %q at %d (allowed: letters, digits, '-', '_')", ErrName, s, c, i)
		}
	}
	return nil
}

// Tree is the topic tree of one incident. The zero value is not usable; use
// [New].
type Tree struct {
	prefix string // aerocell/v1/{incident}
}

// New returns the tree of the named incident.
func New(incident string) (Tree, error) {
	if err := CheckName(incident); err != nil {
		return Tree{}, fmt.Errorf("incident: %w", err)
	}
	return Tree{prefix: Root + "/" + Version + "/" + incident}, nil
}

// Prefix is aerocell/v1/{incident}.
func (t Tree) Prefix() string { return t.prefix }

// All is the filter for every topic of the incident.
func (t Tree) All() string { return t.prefix + "/#" }

// Status is the controller's online/offline topic (retained, Last Will).
func (t Tree) Status() string { return t.prefix + "/status" }

// Drone is the state topic of the drone with the given MAVLink system id.
func (t Tree) Drone(id int) string { return t.prefix + "/drones/" + strconv.Itoa(id) + "/state" }

// Drones is the filter for every drone's state.
func (t Tree) Drones() string { return t.prefix + "/drones/+/state" }

// Coverage is the topic of the covered fractions and uncovered parts.
func (t Tree) Coverage() string { return t.prefix + "/coverage" }

// Alerts is the topic of alerts for everyone.
func (t Tree) Alerts() string { return t.prefix + "/alerts" }

// AlertsCAP is the topic of the general alerts as OASIS CAP 1.2 XML, for
// public warning systems.
func (t Tree) AlertsCAP() string { return t.prefix + "/alerts/cap" }

// TeamPosition is where the named team publishes its position.
func (t Tree) TeamPosition(team string) string { return t.prefix + "/teams/" + team + "/position" }

// TeamPositions is the filter for every team's position.
func (t Tree) TeamPositions() string { return t.prefix + "/teams/+/position" }

// TeamAlerts is the topic of the alerts for the named team alone.
func (t Tree) TeamAlerts(team string) string { return t.prefix + "/teams/" + team + "/alerts" }

// AllTeamAlerts is the filter for every team's alerts.
func (t Tree) AllTeamAlerts() string { return t.prefix + "/teams/+/alerts" }

// TeamRequests is where the named team asks for a task (a supply drop).
func (t Tree) TeamRequests(team string) string { return t.prefix + "/teams/" + team + "/requests" }

// AllTeamRequests is the filter for every team's requests.
func (t Tree) AllTeamRequests() string { return t.prefix + "/teams/+/requests" }

// RequestTeam returns the team whose requests topic name is, or false if
// name is not a team requests topic of this tree or the team name is
// invalid.
func (t Tree) RequestTeam(name string) (string, bool) { return t.teamOf(name, "/requests") }

// PositionTeam returns the team whose position topic name is, or false if
// name is not a team position topic of this tree or the team name is
// invalid.
func (t Tree) PositionTeam(name string) (string, bool) { return t.teamOf(name, "/position") }

// teamOf returns the team of topic name teams/{team}{suffix} of this
// tree, or false if name is not one or the team name is invalid.
func (t Tree) teamOf(name, suffix string) (string, bool) {
	rest, ok := strings.CutPrefix(name, t.prefix+"/teams/")
	if !ok {
		return "", false
	}
	team, ok := strings.CutSuffix(rest, suffix)
	if !ok || CheckName(team) != nil {
		return "", false
	}
	return team, true
}

// AlertTopic reports whether name is this tree's alerts topic or one team's
// alerts topic.
func (t Tree) AlertTopic(name string) bool {
	if name == t.Alerts() {
		return true
	}
	rest, ok := strings.CutPrefix(name, t.prefix+"/teams/")
	if !ok {
		return false
	}
	team, ok := strings.CutSuffix(rest, "/alerts")
	return ok && CheckName(team) == nil
}

// incidents is the filter prefix that matches every incident.
const incidents = Root + "/" + Version + "/+"

// ControllerFilters are what the controller may read and write: everything
// under aerocell/v1/.
func ControllerFilters() (read, write []string) {
	all := Root + "/" + Version + "/#"
	return []string{all}, []string{all}
}

// ObserverFilters are what a dashboard or another agency's system may read:
// everything under aerocell/v1/, writing nothing.
func ObserverFilters() (read []string) {
	return []string{Root + "/" + Version + "/#"}
}

// TeamFilters are what a field team may read and write, in every incident:
// it reads the controller's status, drone states, coverage, the general
// alerts, its own alerts and its own position; it writes its own position
// and its own requests only. team must pass [CheckName].
func TeamFilters(team string) (read, write []string) {
	return teamFilters(incidents, team)
}

// TeamFilters are [TeamFilters] within this incident only: the filters to
// give a team's login for it to subscribe to this incident's feed.
func (t Tree) TeamFilters(team string) (read, write []string) {
	return teamFilters(t.prefix, team)
}

func teamFilters(prefix, team string) (read, write []string) {
	read = []string{
		prefix + "/status",
		prefix + "/drones/+/state",
		prefix + "/coverage",
		prefix + "/alerts",
		prefix + "/alerts/cap",
		prefix + "/teams/" + team + "/alerts",
		prefix + "/teams/" + team + "/position",
	}
	write = []string{prefix + "/teams/" + team + "/position", prefix + "/teams/" + team + "/requests"}
	return read, write
}

// PublicFilters are what an anonymous client may read when anonymous access
// is turned on: status, coverage and the general alerts, nothing per team.
func PublicFilters() (read []string) {
	return []string{incidents + "/status", incidents + "/coverage", incidents + "/alerts", incidents + "/alerts/cap"}
}

// Covers reports whether the access filter rule grants the topic or
// subscription filter name: every level of name must be matched by rule,
// where a '+' in rule matches any one level (including a '+' in name) and a
// trailing '#' in rule matches every remaining level (including '#'). A
// wildcard in name is matched only by a wildcard in rule, so that a client
// cannot subscribe more widely than it may read. Topics starting with '$'
// are matched only by rules starting with '$'.
func Covers(rule, name string) bool {
	if strings.HasPrefix(name, "$") != strings.HasPrefix(rule, "$") {
		return false
	}
	for {
		rl, rrest, rmore := strings.Cut(rule, "/")
		nl, nrest, nmore := strings.Cut(name, "/")
		switch {
		case rl == "#":
			return !rmore
		case nl == "#":
			return false // rule is narrower than "#"
		case rl == "+":
		case nl == "+", rl != nl:
			return false
		}
		if !rmore || !nmore {
			return rmore == nmore
		}
		rule, name = rrest, nrest
	}
}
