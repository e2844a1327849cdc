package airframe

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// The jobs an airframe does besides carrying base stations (issue 12):
// dropping supplies, surveying with a camera and spraying on a fire.

// Release is a way of putting a carried load down.
type Release string

// The releases an airframe may have. A gripper opens over the point
// (MAV_CMD_DO_GRIPPER), a winch lowers the load on a line from the hover
// (MAV_CMD_DO_WINCH), a copter may also land it (MAV_CMD_NAV_PAYLOAD_PLACE),
// and a fixed wing opens its bay on a pass: the load falls and drifts with
// the wind.
const (
	ReleaseGripper Release = "gripper"
	ReleaseWinch   Release = "winch"
	ReleasePlace   Release = "place"
	ReleaseBay     Release = "bay"
)

// Camera is a survey camera: what QGroundControl's Survey needs to compute
// the ground sample distance, the footprint and the trigger spacing.
type Camera struct {
	// SensorWidthMM and SensorHeightMM are the sensor's size.
	SensorWidthMM  float64 `yaml:"sensor_width_mm"`
	SensorHeightMM float64 `yaml:"sensor_height_mm"`
	// ImageWidthPx and ImageHeightPx are the image's size in pixels.
	ImageWidthPx  int `yaml:"image_width_px"`
	ImageHeightPx int `yaml:"image_height_px"`
	// FocalLengthMM is the lens's focal length.
	FocalLengthMM float64 `yaml:"focal_length_mm"`
	// MinInterval is the shortest time between two photos.
	MinInterval time.Duration `yaml:"min_interval"`
}

// GSDcm is the ground sample distance in cm per pixel at altM above the
// ground: altitude × sensor width / (image width × focal length).
func (c *Camera) GSDcm(altM float64) float64 {
	return 100 * altM * c.SensorWidthMM / (float64(c.ImageWidthPx) * c.FocalLengthMM)
}

// AltForGSD is the height above the ground that gives gsdCM.
func (c *Camera) AltForGSD(gsdCM float64) float64 {
	return gsdCM / 100 * float64(c.ImageWidthPx) * c.FocalLengthMM / c.SensorWidthMM
}

// FootprintM is the ground the image covers at altM, across the track
// (the image's width) and along it (its height), the camera pointing down
// in landscape as QGroundControl's Survey assumes.
func (c *Camera) FootprintM(altM float64) (across, along float64) {
	return altM * c.SensorWidthMM / c.FocalLengthMM, altM * c.SensorHeightMM / c.FocalLengthMM
}

// Sprayer is a tank and pump for water or retardant.
type Sprayer struct {
	// TankL is the tank's volume; a litre weighs a kilogram.
	TankL float64 `yaml:"tank_l"`
	// PumpLPM is the pump's rate in litres a minute.
	PumpLPM float64 `yaml:"pump_l_min"`
	// SwathM is the width sprayed from the hold height.
	SwathM float64 `yaml:"swath_m"`
}

// SprayTime is how long emptying litres takes.
func (s *Sprayer) SprayTime(litres float64) time.Duration {
	return time.Duration(litres / s.PumpLPM * float64(time.Minute))
}

// Releases reports whether the airframe can put a load down by r.
func (a *Airframe) Releases(r Release) bool { return slices.Contains(a.Release, r) }

// CanDrop reports whether the airframe can carry and release massKg, and
// the release it would use: a winch before a gripper (the drone stays
// clear of what is on the ground), a bay for a fixed wing.
func (a *Airframe) CanDrop(massKg float64) (Release, error) {
	if len(a.Release) == 0 {
		return "", fmt.Errorf("%s has no gripper, winch or bay", a.Name)
	}
	if massKg > a.MaxPayloadKg {
		return "", fmt.Errorf("%s lifts %.0f kg at most, the drop is %.0f kg", a.Name, a.MaxPayloadKg, massKg)
	}
	for _, r := range []Release{ReleaseWinch, ReleaseGripper, ReleaseBay, ReleasePlace} {
		if a.Releases(r) {
			return r, nil
		}
	}
	return "", fmt.Errorf("%s has no release", a.Name)
}

func (a *Airframe) validateJobs(f func(string) string) error {
	for i, r := range a.Release {
		switch r {
		case ReleaseGripper, ReleaseWinch, ReleasePlace:
			if !a.Copter() {
				return fieldErr(f(fmt.Sprintf("release[%d]", i)), "%q is for a copter; a fixed wing drops from a bay", r)
			}
		case ReleaseBay:
			if a.Copter() {
				return fieldErr(f(fmt.Sprintf("release[%d]", i)), "a bay drop is for a fixed wing; a copter uses gripper, winch or place")
			}
		default:
			return fieldErr(f(fmt.Sprintf("release[%d]", i)), "must be gripper, winch, place or bay, got %q", r)
		}
	}
	if len(a.Release) > 0 && a.MaxPayloadKg <= 0 {
		return fieldErr(f("max_payload_kg"), "must be positive for an airframe with a release")
	}
	if c := a.Camera; c != nil {
		if err := c.validate(f); err != nil {
			return err
		}
	}
	if s := a.Sprayer; s != nil {
		for _, v := range []struct {
			name string
			v    float64
		}{{"tank_l", s.TankL}, {"pump_l_min", s.PumpLPM}, {"swath_m", s.SwathM}} {
			if !(v.v > 0) || math.IsInf(v.v, 0) {
				return fieldErr(f("sprayer."+v.name), "must be positive, got %v", v.v)
			}
		}
	}
	return nil
}

// Validate checks the camera's values; the error is a *FieldError naming
// the field ("camera.focal_length_mm").
func (c *Camera) Validate() error { return c.validate(func(s string) string { return s }) }

func (c *Camera) validate(f func(string) string) error {
	for _, v := range []struct {
		name string
		v    float64
	}{{"sensor_width_mm", c.SensorWidthMM}, {"sensor_height_mm", c.SensorHeightMM}, {"focal_length_mm", c.FocalLengthMM},
		{"image_width_px", float64(c.ImageWidthPx)}, {"image_height_px", float64(c.ImageHeightPx)}} {
		if !(v.v > 0) || math.IsInf(v.v, 0) {
			return fieldErr(f("camera."+v.name), "must be positive, got %v", v.v)
		}
	}
	if c.MinInterval < 0 {
		return fieldErr(f("camera.min_interval"), "must not be negative, got %v", c.MinInterval)
	}
	return nil
}
