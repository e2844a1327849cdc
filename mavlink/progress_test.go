package mavlink

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/ardupilotmega"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// TestSimSetParamAndMission: a PARAM_SET is echoed by the simulator (a
// value it clamps is refused), and a mission flown in AUTO is followed item by item through
// MISSION_CURRENT and MISSION_ITEM_REACHED.
func TestSimSetParamAndMission(t *testing.T) {
	clk := scaled(t)
	s, addr := openStation(t, clk, nil)
	startSim(t, clk, addr, 1, nil, false)
	id := VehicleID{1, 1}
	waitVehicles(t, s, 1)
	ctx := context.Background()
	if err := s.SetParam(ctx, id, "WPNAV_SPEED", 750); err != nil {
		t.Fatal(err)
	}
	// ArduPilot keeps RTL_ALT at 1 m at least: 50 cm is echoed as 100.
	var pe *ParamError
	if err := s.SetParam(ctx, id, "RTL_ALT", 50); !errors.Is(err, ErrDenied) || !errors.As(err, &pe) || pe.Got != 100 {
		t.Fatalf("RTL_ALT 50 cm: %v, want ErrDenied keeping 100", err)
	}
	if err := s.SetParam(ctx, id, "AC_LOAD_KG_TOO_LONG_NAME", 1); !errors.Is(err, ErrDenied) {
		t.Fatalf("a 24-character name: %v, want ErrDenied", err)
	}
	v, _ := s.Vehicle(id)
	items := []MissionItem{
		Waypoint(v.HomeLat, v.HomeLon, 0), // home
		{Frame: common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT, Command: common.MAV_CMD_NAV_TAKEOFF, Autocontinue: true, Alt: 20},
		Waypoint(v.Lat+0.0005, v.Lon, 20),
		Waypoint(v.Lat+0.0005, v.Lon+0.0005, 20),
	}
	if err := s.UploadMission(ctx, id, common.MAV_MISSION_TYPE_MISSION, items); err != nil {
		t.Fatal(err)
	}
	if err := s.SetMode(ctx, id, "GUIDED"); err != nil {
		t.Fatal(err)
	}
	if err := s.Arm(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := s.StartMission(ctx, id); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "last item reached", 60*time.Second, func() bool {
		v, _ := s.Vehicle(id)
		return v.Mission.Reached == 3
	})
	v, _ = s.Vehicle(id)
	if v.Mission.Current < 3 || v.Mission.ReachedAt.IsZero() {
		t.Fatalf("progress %+v", v.Mission)
	}
}

// TestProgressCountsPhotos: CAMERA_TRIGGER counts photos until the
// autopilot sends CAMERA_FEEDBACK, which then counts alone (ArduPilot sends
// both for one picture) and gives the photo's position.
func TestProgressCountsPhotos(t *testing.T) {
	clk := scaled(t)
	s, addr := openStation(t, clk, nil)
	id := VehicleID{7, 1}
	f := newFake(t, clk, addr, id, fakeOpts{home: LatLon{44.5, 11.3}})
	waitVehicles(t, s, 1)
	f.write(&common.MessageCameraTrigger{Seq: 1})
	f.write(&common.MessageCameraTrigger{Seq: 1}) // a duplicate
	f.write(&common.MessageCameraTrigger{Seq: 2})
	waitFor(t, "two triggers", 10*time.Second, func() bool { v, _ := s.Vehicle(id); return v.Mission.Photos == 2 })
	f.write(&ardupilotmega.MessageCameraFeedback{ImgIdx: 3, Lat: 445010000, Lng: 113020000, AltRel: 80})
	f.write(&common.MessageCameraTrigger{Seq: 3})
	f.write(&ardupilotmega.MessageCameraFeedback{ImgIdx: 4, Lat: 445020000, Lng: 113020000, AltRel: 80})
	waitFor(t, "feedback", 10*time.Second, func() bool {
		v, _ := s.Vehicle(id)
		return v.Mission.Photos == 2 && v.Mission.LastPhoto.Lat > 44.5019
	})
	v, _ := s.Vehicle(id)
	if v.Mission.LastPhoto.AltRel != 80 || v.Mission.LastPhoto.Lon < 11.3019 {
		t.Fatalf("last photo %+v", v.Mission.LastPhoto)
	}
	// The photos counted from feedback are kept with their positions
	// (those from triggers before it are dropped with their count).
	rec := v.Mission.Recent
	if len(rec) != 2 || rec[0].N != 1 || rec[1].N != 2 || rec[0].Lat < 44.5009 || rec[0].Lat > 44.5011 ||
		rec[1].Lat < 44.5019 || rec[1].AltRel != 80 || rec[1].At.IsZero() {
		t.Fatalf("recent photos %+v", rec)
	}
	for i := range 40 {
		f.write(&ardupilotmega.MessageCameraFeedback{ImgIdx: uint16(5 + i), Lat: 445030000 + int32(i), Lng: 113020000, AltRel: 80})
	}
	waitFor(t, "42 photos", 10*time.Second, func() bool { v, _ := s.Vehicle(id); return v.Mission.Photos == 42 })
	v, _ = s.Vehicle(id)
	if rec := v.Mission.Recent; len(rec) != photosKeep || rec[0].N != 42-photosKeep+1 || rec[len(rec)-1].N != 42 {
		t.Fatalf("recent photos after 42: %d, from %d to %d", len(rec), rec[0].N, rec[len(rec)-1].N)
	}
}
