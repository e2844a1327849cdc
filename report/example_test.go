package report_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/paulmach/orb"

	"github.com/aerocell/aerocell/clock"
	"github.com/aerocell/aerocell/fleet"
	"github.com/aerocell/aerocell/report"
	"github.com/aerocell/aerocell/report/broker"
	"github.com/aerocell/aerocell/report/client"
	"github.com/aerocell/aerocell/report/outbox"
	"github.com/aerocell/aerocell/report/topic"
)

func ExampleParsePosition() {
	at := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	p, err := report.ParsePosition("red", []byte(`{"schema":1,"lat":45.005,"lon":6.005,"accuracy_m":8}`), at)
	fmt.Println(p.Team, p.Point.Lat(), p.Point.Lon(), p.AccuracyM, p.Time.Format(time.RFC3339), err)

	_, err = report.ParsePosition("red", []byte(`{"schema":1,"lat":91,"lon":6}`), at)
	fmt.Println(errors.Is(err, report.ErrInvalidPosition), err)
	// Output:
	// red 45.005 6.005 8 2026-11-28T10:00:00Z <nil>
	// true report: invalid team position: lat 91 out of range [-90, 90]
}

// Example_serve shows how `aerocell serve` wires the embedded broker, the
// controller's MQTT session, the outbox and the Reporter, and how the fleet
// controller feeds it. (Not run: it listens on fixed ports.)
func Example_serve() {
	users, err := broker.LoadUsers("users.yaml") // or &broker.Users{Version: broker.UsersVersion}
	if err != nil {
		log.Fatal(err)
	}
	// serve --demo: a field-team login with a random password, shown once.
	password, err := broker.AddTeamLogin(users, "demo-team", "demo")
	if err != nil {
		log.Fatal(err)
	}
	ctlPassword := broker.RandomPassword()
	hash, err := broker.HashPassword(ctlPassword)
	if err != nil {
		log.Fatal(err)
	}
	users.Put(broker.User{Username: "controller", PasswordHash: hash, Role: broker.RoleController})

	b, err := broker.Start(broker.Config{TCPAddr: ":1883", WSAddr: ":8083", Users: users, StorePath: "broker.db"})
	if err != nil {
		log.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := b.Close(ctx); err != nil {
			log.Print(err)
		}
	}()
	fmt.Println(broker.LoginURL("demo-team", password, "10.0.0.5", 1883))

	tree, _ := topic.New("quake-2026")
	willTopic, will := report.StatusWill(tree)
	conn, err := client.New(client.Config{
		Broker:   b.URL(), // or mqtts://broker.example:8883 for an external broker
		ClientID: "aerocell-controller-quake-2026",
		Username: "controller", Password: ctlPassword,
		Will: &client.Message{Topic: willTopic, Payload: will, QoS: 1, Retain: true},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := conn.Close(ctx); err != nil {
			log.Print(err)
		}
	}()
	ob, err := outbox.Open("outbox.db")
	if err != nil {
		log.Fatal(err)
	}
	defer func() {
		if err := ob.Close(); err != nil {
			log.Print(err)
		}
	}()
	r, err := report.New(report.Config{
		Incident: "quake-2026",
		Conn:     conn,
		Outbox:   ob,
		Clock:    clock.Real(), // the fleet's clock: SITL runs it at 100x
		ExpectedReturn: func(n report.Network, where orb.Geometry) time.Time {
			return time.Time{} // the fleet's relief ETA over where, if any
		},
		OnTeamPosition: func(p report.TeamPosition) { /* hand to the console */ },
	})
	if err != nil {
		log.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := r.Close(ctx); err != nil { // alerts not yet confirmed stay in the outbox
			log.Print(err)
		}
	}()

	// From the fleet loop's snapshots and events:
	r.UpdateDrone(report.DroneState{ID: 3, Lat: 45.01, Lon: 6.01, BatteryPct: 77, Mode: "GUIDED", State: "on_station"})
	r.UpdateCoverage(report.Coverage{
		Fraction:  map[report.Network]float64{report.Public: 0.98, report.Private: 0.91},
		Uncovered: map[report.Network]orb.MultiPolygon{report.Private: {}},
	})
	if _, err := r.Raise(report.Alert{Kind: string(fleet.EventRotationBegun), Severity: report.Info, Drone: 3,
		Text: "Drone 3 is being relieved by drone 5; coverage holds."}); err != nil {
		log.Print(err)
	}
	_ = r.TeamPositions() // for the console
}
