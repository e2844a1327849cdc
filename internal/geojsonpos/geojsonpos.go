// Package geojsonpos checks the one thing orb/geojson lets through when it
// reads a GeoJSON geometry: the number of values in each position. orb
// reads a position into [2]float64, so [lon] gets a zero latitude and
// [lon, lat, alt, m] loses two values, without a word. Every reader that
// goes through orb/geojson (api's incident areas, report's team areas and
// CAP areas) calls Check on the same bytes, so a position is refused the
// same way wherever it arrives.
package geojsonpos

import (
	"encoding/json"
	"fmt"
)

// Check checks that each position in the "coordinates" of the GeoJSON
// geometry data, a Point, Polygon or MultiPolygon, has two numbers (three
// with an altitude). Other types are not checked: their reader refuses
// them. The error names the ring and position at fault.
func Check(data []byte) error {
	var g struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	}
	if err := json.Unmarshal(data, &g); err != nil {
		return fmt.Errorf("not GeoJSON: %v", err)
	}
	switch g.Type {
	case "Point":
		var c []float64
		if err := json.Unmarshal(g.Coordinates, &c); err != nil {
			return fmt.Errorf("the coordinates of a Point are not a [lon, lat] position: %v", err)
		}
		if !ok(c) {
			return fmt.Errorf("position has %d numbers, want [lon, lat]", len(c))
		}
	case "Polygon":
		var c [][][]float64
		if err := json.Unmarshal(g.Coordinates, &c); err != nil {
			return fmt.Errorf("the coordinates of a Polygon are not an array of rings of [lon, lat] positions: %v", err)
		}
		return polygon(c)
	case "MultiPolygon":
		var c [][][][]float64
		if err := json.Unmarshal(g.Coordinates, &c); err != nil {
			return fmt.Errorf("the coordinates of a MultiPolygon are not an array of polygons: %v", err)
		}
		for _, pc := range c {
			if err := polygon(pc); err != nil {
				return err
			}
		}
	}
	return nil
}

// polygon checks each position of the rings c.
func polygon(c [][][]float64) error {
	for i, rc := range c {
		for j, pos := range rc {
			if !ok(pos) {
				return fmt.Errorf("ring %d position %d has %d numbers, want [lon, lat]", i, j, len(pos))
			}
		}
	}
	return nil
}

// ok reports whether a position has two numbers, or three with an altitude.
func ok(pos []float64) bool { return len(pos) == 2 || len(pos) == 3 }
