package report

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/aerocell/aerocell/internal/geojsonpos"
)

// CAPNamespace is the XML namespace of OASIS Common Alerting Protocol 1.2.
const CAPNamespace = "urn:oasis:names:tc:emergency:cap:1.2"

// capAlert is the subset of CAP 1.2 that aerocell fills.
type capAlert struct {
	XMLName    xml.Name `xml:"urn:oasis:names:tc:emergency:cap:1.2 alert"`
	Identifier string   `xml:"identifier"`
	Sender     string   `xml:"sender"`
	Sent       string   `xml:"sent"`
	Status     string   `xml:"status"`
	MsgType    string   `xml:"msgType"`
	Scope      string   `xml:"scope"`
	Addresses  string   `xml:"addresses,omitempty"`
	Info       capInfo  `xml:"info"`
}

type capInfo struct {
	Language    string         `xml:"language"`
	Category    string         `xml:"category"`
	Event       string         `xml:"event"`
	Urgency     string         `xml:"urgency"`
	Severity    string         `xml:"severity"`
	Certainty   string         `xml:"certainty"`
	SenderName  string         `xml:"senderName,omitempty"`
	Headline    string         `xml:"headline,omitempty"`
	Description string         `xml:"description"`
	Parameters  []capParameter `xml:"parameter,omitempty"`
	Area        *capArea       `xml:"area,omitempty"`
}

type capParameter struct {
	ValueName string `xml:"valueName"`
	Value     string `xml:"value"`
}

type capArea struct {
	AreaDesc string   `xml:"areaDesc"`
	Polygons []string `xml:"polygon,omitempty"`
	Circles  []string `xml:"circle,omitempty"`
}

// capTime formats t as CAP requires: no fractional seconds and an explicit
// offset, "-00:00" never "Z".
func capTime(t time.Time) string {
	return strings.Replace(t.UTC().Format("2006-01-02T15:04:05-07:00"), "+00:00", "-00:00", 1)
}

// CAP encodes the alert as an OASIS CAP 1.2 message for public warning
// systems. sender identifies the controller (CAP asks for a unique name,
// e.g. "aerocell@fire-dept.example"). A team's alert is scoped Private and
// addressed to the team; others are Public. The area becomes CAP polygons
// (outer rings) or, for a point, a circle of radius 0.
func (a Alert) CAP(sender string) ([]byte, error) {
	if a.ID == "" || sender == "" || a.Time.IsZero() {
		return nil, errors.New("report: CAP needs the alert's id and time and a sender")
	}
	c := capAlert{
		Identifier: a.ID,
		Sender:     sender,
		Sent:       capTime(a.Time),
		Status:     "Actual",
		MsgType:    "Alert",
		Scope:      "Public",
		Info: capInfo{
			Language:    "en",
			Category:    "Infra",
			Event:       a.Kind,
			Urgency:     "Immediate",
			Severity:    capSeverity(a.Severity),
			Certainty:   "Observed",
			SenderName:  "aerocell",
			Headline:    headline(a),
			Description: a.Text,
		},
	}
	if a.Team != "" {
		c.Scope, c.Addresses = "Private", a.Team
	}
	if a.Kind == KindCoverageRestored {
		c.Info.Urgency = "Past"
	}
	if a.Network != 0 {
		c.Info.Parameters = append(c.Info.Parameters, capParameter{"network", a.Network.String()})
	}
	if a.Drone != 0 {
		c.Info.Parameters = append(c.Info.Parameters, capParameter{"drone", strconv.Itoa(a.Drone)})
	}
	if a.ExpectedReturn != nil {
		c.Info.Parameters = append(c.Info.Parameters, capParameter{"expected_return", capTime(*a.ExpectedReturn)})
	}
	if len(a.Area) > 0 {
		area, err := capAreaOf(a.Area)
		if err != nil {
			return nil, fmt.Errorf("report: CAP area: %w", err)
		}
		if area != nil {
			area.AreaDesc = headline(a)
			c.Info.Area = area
		}
	}
	out, err := xml.MarshalIndent(c, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("report: CAP: %w", err)
	}
	return append([]byte(xml.Header), out...), nil
}

func capSeverity(s Severity) string {
	switch s {
	case Critical:
		return "Severe"
	case Warning:
		return "Moderate"
	case Info:
		return "Minor"
	}
	return "Unknown"
}

func headline(a Alert) string {
	h := strings.ReplaceAll(a.Kind, ".", " ")
	if a.Network != 0 {
		h = a.Network.String() + " network " + h
	}
	return h
}

// capAreaOf reads a GeoJSON Point, Polygon or MultiPolygon through
// orb/geojson and turns it into CAP's "lat,lon" lists: a circle of radius
// 0 for a point, the outer ring of each polygon (a polygon without one of
// at least four points is left out); nil when no polygon is left.
func capAreaOf(raw json.RawMessage) (*capArea, error) {
	g, err := geojson.UnmarshalGeometry(raw)
	if err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Error(), "geojson: "))
	}
	var polys orb.MultiPolygon
	switch g := g.Geometry().(type) {
	case orb.Point:
		if err := geojsonpos.Check(raw); err != nil {
			return nil, fmt.Errorf("bad Point: %v", err)
		}
		return &capArea{Circles: []string{capPair(g) + " 0"}}, nil
	case orb.Polygon:
		polys = orb.MultiPolygon{g}
	case orb.MultiPolygon:
		polys = g
	default:
		return nil, fmt.Errorf("geometry type %q", g.GeoJSONType())
	}
	if err := geojsonpos.Check(raw); err != nil {
		return nil, err
	}
	area := &capArea{}
	for _, p := range polys {
		if len(p) == 0 || len(p[0]) < 4 {
			continue
		}
		parts := make([]string, len(p[0]))
		for i, pt := range p[0] {
			parts[i] = capPair(pt)
		}
		area.Polygons = append(area.Polygons, strings.Join(parts, " "))
	}
	if len(area.Polygons) == 0 {
		return nil, nil
	}
	return area, nil
}

// capPair is a position as CAP writes it: "lat,lon".
func capPair(p orb.Point) string {
	return strconv.FormatFloat(p.Lat(), 'f', -1, 64) + "," + strconv.FormatFloat(p.Lon(), 'f', -1, 64)
}
