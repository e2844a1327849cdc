package airframe

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestBuiltinJobs(t *testing.T) {
	tab := Builtin()
	heavy, _ := tab.ByName("heavy-multirotor")
	fw, _ := tab.ByName("fixed-wing-relay")
	tet, _ := tab.ByName("tethered-multirotor")

	// The table: heavy gripper and winch (10 kg), camera, 20 L
	// sprayer; fixed wing camera and 50 kg bay; tethered camera only.
	if r, err := heavy.CanDrop(10); err != nil || r != ReleaseWinch {
		t.Errorf("heavy drop 10 kg: %v %v, want winch", r, err)
	}
	if !heavy.Releases(ReleaseGripper) || heavy.Camera == nil || heavy.Sprayer == nil || heavy.Sprayer.TankL != 20 {
		t.Errorf("heavy jobs: %+v %+v %+v", heavy.Release, heavy.Camera, heavy.Sprayer)
	}
	if _, err := heavy.CanDrop(11); err == nil || !strings.Contains(err.Error(), "10 kg") {
		t.Errorf("heavy drop 11 kg: %v", err)
	}
	if r, err := fw.CanDrop(50); err != nil || r != ReleaseBay || fw.Camera == nil || fw.Sprayer != nil {
		t.Errorf("fixed wing: %v %v %+v", r, err, fw.Sprayer)
	}
	if _, err := tet.CanDrop(1); err == nil || tet.Camera == nil || tet.Sprayer != nil {
		t.Errorf("tethered: drop err %v camera %v sprayer %v", err, tet.Camera, tet.Sprayer)
	}
}

func TestCameraGeometry(t *testing.T) {
	// QGroundControl's Survey worked by hand for the heavy's camera at
	// 100 m: GSD = 100 m × 13.2 mm / (5472 px × 8.8 mm) = 2.741 cm/px;
	// footprint 100 × 13.2 / 8.8 = 150 m across, 100 × 8.8 / 8.8 = 100 m along.
	heavy, _ := Builtin().ByName("heavy-multirotor")
	c := heavy.Camera
	if g := c.GSDcm(100); math.Abs(g-2.7412) > 1e-3 {
		t.Errorf("GSD at 100 m = %.4f cm, want 2.7412", g)
	}
	if a := c.AltForGSD(c.GSDcm(87)); math.Abs(a-87) > 1e-9 {
		t.Errorf("AltForGSD round trip = %v", a)
	}
	if w, h := c.FootprintM(100); math.Abs(w-150) > 1e-9 || math.Abs(h-100) > 1e-9 {
		t.Errorf("footprint at 100 m = %v × %v, want 150 × 100", w, h)
	}
	if d := heavy.Sprayer.SprayTime(20); d != 4*time.Minute {
		t.Errorf("20 L at 5 L/min = %v, want 4m", d)
	}
}

func TestJobValidation(t *testing.T) {
	for _, c := range []struct {
		name, yaml, field string
	}{
		{"bay on copter", "- {base: heavy-multirotor, name: x, release: [bay]}", "release[0]"},
		{"winch on plane", "- {base: fixed-wing-relay, name: x, release: [winch]}", "release[0]"},
		{"unknown release", "- {base: heavy-multirotor, name: x, release: [catapult]}", "release[0]"},
		{"camera zero", "- {base: heavy-multirotor, name: x, camera: {sensor_width_mm: 0, sensor_height_mm: 1, image_width_px: 10, image_height_px: 10, focal_length_mm: 5}}", "camera.sensor_width_mm"},
		{"sprayer pump", "- {base: heavy-multirotor, name: x, sprayer: {tank_l: 10, pump_l_min: -1, swath_m: 3}}", "sprayer.pump_l_min"},
		{"release no payload", "- {base: heavy-multirotor, name: x, max_payload_kg: 0}", "max_payload_kg"},
	} {
		_, err := Builtin().Merge(strings.NewReader(c.yaml), "airframes")
		var fe *FieldError
		if !errors.As(err, &fe) || !strings.HasSuffix(fe.Field, c.field) {
			t.Errorf("%s: err %v, want field %s", c.name, err, c.field)
		}
	}
}

func TestCloneCopiesJobs(t *testing.T) {
	heavy, _ := Builtin().ByName("heavy-multirotor")
	c := heavy.Clone()
	c.Camera.FocalLengthMM = 1
	c.Sprayer.TankL = 1
	c.Release[0] = ReleaseBay
	if heavy.Camera.FocalLengthMM == 1 || heavy.Sprayer.TankL == 1 || heavy.Release[0] == ReleaseBay {
		t.Error("Clone shares the camera, sprayer or release list")
	}
}
