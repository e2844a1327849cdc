package mavlink

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"golang.org/x/sys/unix"
)

// openPTY returns the master side of a new pseudo-terminal and the path of
// its slave: a serial port with no hardware.
func openPTY(t *testing.T) (*os.File, string) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	fd := int(m.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	// raw mode on the master too, so that frames pass byte for byte
	tio, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	tio.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	tio.Oflag &^= unix.OPOST
	tio.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, tio); err != nil {
		t.Fatal(err)
	}
	return m, "/dev/pts/" + strconv.Itoa(n)
}

// TestSerialEndpoint: a vehicle on a serial port (a pseudo-terminal here)
// is discovered, sent heartbeats and commanded.
func TestSerialEndpoint(t *testing.T) {
	m, dev := openPTY(t)
	s, _ := openStation(t, scaled(t), func(c *Config) {
		c.Endpoints = []string{"serial:" + dev + ":57600"}
		c.StreamRate = -1
	})
	e := newEncoder(t, VehicleID{30, 1}, nil)
	stop := make(chan struct{})
	defer close(stop)
	go func() { // the vehicle: heartbeats and positions down the wire
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
			_, _ = m.Write(e.frames(t, copterHeartbeat(), &common.MessageGlobalPositionInt{Lat: 300000000, Lon: 1}))
		}
	}()
	waitFor(t, "vehicle on serial", 20*time.Second, func() bool { v, ok := s.Vehicle(VehicleID{30, 1}); return ok && v.Lat == 30 })

	// the station's frames come out of the port: a heartbeat, then an ARM
	go func() {
		_, _ = s.Send(context.Background(), VehicleID{30, 1}, Command{Command: common.MAV_CMD_COMPONENT_ARM_DISARM, Params: [7]float32{1}})
	}()
	drw, _ := testDialect()
	r := newStreamReader(m, drw)
	sawGCS, sawArm := false, false
	deadline := time.Now().Add(20 * time.Second)
	for !(sawGCS && sawArm) && time.Now().Before(deadline) {
		fr, err := r.Read()
		if err != nil {
			continue
		}
		switch msg := fr.GetMessage().(type) {
		case *common.MessageHeartbeat:
			sawGCS = sawGCS || msg.Type == common.MAV_TYPE_GCS
		case *common.MessageCommandLong:
			sawArm = sawArm || (msg.Command == common.MAV_CMD_COMPONENT_ARM_DISARM && msg.TargetSystem == 30)
		}
	}
	if !sawGCS || !sawArm {
		t.Fatalf("from the port: GCS heartbeat %v, ARM %v", sawGCS, sawArm)
	}
}
