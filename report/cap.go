package report

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
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

// capAreaOf turns a GeoJSON Point, Polygon or MultiPolygon into CAP's
// "lat,lon" lists; nil for an empty geometry.
func capAreaOf(raw json.RawMessage) (*capArea, error) {
	var g struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, err
	}
	pair := func(p []float64) string {
		return strconv.FormatFloat(p[1], 'f', -1, 64) + "," + strconv.FormatFloat(p[0], 'f', -1, 64)
	}
	ring := func(r [][]float64) (string, error) {
		parts := make([]string, len(r))
		for i, p := range r {
			if len(p) < 2 {
				return "", errors.New("position with fewer than 2 numbers")
			}
			parts[i] = pair(p)
		}
		return strings.Join(parts, " "), nil
	}
	area := &capArea{}
	switch g.Type {
	case "Point":
		var p []float64
		if err := json.Unmarshal(g.Coordinates, &p); err != nil || len(p) < 2 {
			return nil, fmt.Errorf("bad Point")
		}
		area.Circles = []string{pair(p) + " 0"}
	case "Polygon", "MultiPolygon":
		var polys [][][][]float64
		if g.Type == "Polygon" {
			var p [][][]float64
			if err := json.Unmarshal(g.Coordinates, &p); err != nil {
				return nil, err
			}
			polys = [][][][]float64{p}
		} else if err := json.Unmarshal(g.Coordinates, &polys); err != nil {
			return nil, err
		}
		for _, p := range polys {
			if len(p) == 0 || len(p[0]) < 4 {
				continue
			}
			s, err := ring(p[0])
			if err != nil {
				return nil, err
			}
			area.Polygons = append(area.Polygons, s)
		}
		if len(area.Polygons) == 0 {
			return nil, nil
		}
	default:
		return nil, fmt.Errorf("geometry type %q", g.Type)
	}
	return area, nil
}
