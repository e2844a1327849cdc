package sim

import (
	"context"
	"fmt"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3"

	"github.com/aerocell/aerocell/clock"
	"github.com/aerocell/aerocell/internal/closetest"
)

// cpuTime is the process's user+system CPU time.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// sink is a UDP socket the drones send to and nobody reads: the kernel
// drops what overflows, so the figures are the simulator's own cost.
func sink(b *testing.B) string {
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { pc.Close() })
	return pc.LocalAddr().String()
}

func benchFleet(b *testing.B, n int, clk clock.Clock) *Fleet {
	ds := make([]DroneConfig, n)
	profiles := []string{ProfileTethered, ProfileHeavy, ProfileFixedWing}
	for i := range ds {
		h := testHome
		h.Lat, h.Lon = offset(h.Lat, h.Lon, 0, float64(i)*20)
		ds[i] = DroneConfig{SysID: uint8(i + 1), Profile: profiles[i%3], Home: h}
	}
	f, err := Start(context.Background(), Config{
		Drones: ds, Clock: clk, Seed: 1, GPSNoiseM: 1, Wind: Wind{SpeedMS: 5, FromDeg: 270, GustMS: 2},
		Endpoints: []gomavlib.EndpointConf{gomavlib.EndpointUDPClient{Address: sink(b)}},
	})
	if err != nil {
		b.Fatal(err)
	}
	closetest.AtEnd(b, f)
	return f
}

// BenchmarkRealTimeCPUPerDrone: the CPU one simulated drone costs in real
// time (full default telemetry, ~30 messages/s). One op is one wall second.
func BenchmarkRealTimeCPUPerDrone(b *testing.B) {
	const n = 20
	b.ReportAllocs()
	start := time.Now()
	f := benchFleet(b, n, nil)
	time.Sleep(500 * time.Millisecond) // sockets up
	c0, w0 := cpuTime(b), time.Now()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		time.Sleep(time.Second)
	}
	b.StopTimer()
	cpu, wall := cpuTime(b)-c0, time.Since(w0)
	b.ReportMetric(100*cpu.Seconds()/wall.Seconds()/n, "%cpu/drone")
	var sent uint64
	for _, d := range f.Drones() {
		sent += d.State().Link.Sent
	}
	b.ReportMetric(float64(sent)/float64(n)/time.Since(start).Seconds(), "msgs/drone/s")
}

// BenchmarkVirtualClock: simulated seconds per wall second for a mixed fleet
// under a clock.Scaled clock asked to run at the given speed, and the cores
// it takes. One op is one wall second.
func BenchmarkVirtualClock(b *testing.B) {
	for _, c := range []struct {
		drones int
		speed  float64
	}{{50, 100}, {200, 100}, {50, 1000}, {200, 300}} {
		b.Run(fmt.Sprintf("drones=%d/speed=%g", c.drones, c.speed), func(b *testing.B) {
			b.ReportAllocs()
			clk, err := clock.NewScaled(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), c.speed)
			if err != nil {
				b.Fatal(err)
			}
			f := benchFleet(b, c.drones, clk)
			time.Sleep(200 * time.Millisecond)
			v0, c0, w0 := f.Now(), cpuTime(b), time.Now()
			lag0 := clk.Now().Sub(v0)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				time.Sleep(time.Second)
			}
			b.StopTimer()
			v1, cpu, wall := f.Now(), cpuTime(b)-c0, time.Since(w0)
			b.ReportMetric(v1.Sub(v0).Seconds()/wall.Seconds(), "sim-s/wall-s")
			b.ReportMetric(cpu.Seconds()/wall.Seconds(), "cores")
			// falling behind the clock: the fleet cannot keep this speed
			b.ReportMetric((clk.Now().Sub(v1)-lag0).Seconds()/wall.Seconds(), "lag-s/wall-s")
		})
	}
}

// BenchmarkStep is the cost of one physics step of one drone, with its
// telemetry scheduling but no sockets.
func BenchmarkStep(b *testing.B) {
	b.ReportAllocs()
	f := &Fleet{cfg: Config{Wind: Wind{SpeedMS: 5, GustMS: 2}, GPSNoiseM: 1}, speed: 1}
	f.now = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	profs := BuiltinProfiles()
	v := newVehicle(f, DroneConfig{SysID: 1, Home: testHome}, &profs[1], 1, 1, f.now)
	v.link = LinkStats{}
	v.armed, v.landed = true, InAir
	v.goTo(LatLonAlt{testHome.Lat + 0.01, testHome.Lon, testHome.Alt + 50})
	v.tel.streams = nil // no sockets here
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f.now = f.now.Add(dt)
		v.step()
	}
}

// BenchmarkStepJobs is BenchmarkStep with the jobs running: the sprayer
// on and the camera triggering every 20 m (a photo every 17 steps at
// cruise), tank and battery topped up as they run down so that the drone
// keeps flying a long straight line.
func BenchmarkStepJobs(b *testing.B) {
	b.ReportAllocs()
	profs := BuiltinProfiles()
	v, _ := loneVehicle(Wind{SpeedMS: 5, GustMS: 2}, &profs[1], 1)
	f := v.f
	v.armed, v.landed = true, InAir
	v.goTo(LatLonAlt{testHome.Lat + 1, testHome.Lon, testHome.Alt + 50})
	v.tel.streams = nil
	v.job.trigDist = 20
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if v.job.tankL == 0 { // refilled without a timer stop: a few ns
			v.job.tankL, v.job.spraying = 20, true
		}
		v.energyWh = v.prof.Battery.CapacityWh
		f.now = f.now.Add(dt)
		v.step()
	}
	b.ReportMetric(float64(v.job.imgIdx)/float64(b.N), "photos/op")
}
