package report_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/aerocell/aerocell/report"
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
