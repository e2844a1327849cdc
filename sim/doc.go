// Package sim is aerocell's software-in-the-loop fleet: simulated
// base-station drones that speak MAVLink 2 over real sockets and behave like
// ArduPilot (Copter for multirotors, Plane for fixed wings) where a ground
// station can tell. Tests of every other package fly it, and engineers run
// it against aerocell, QGroundControl or MAVProxy (`aerocell sim`).
//
// The simulator is the far side of the radio: it must never import the
// ground-control packages (fleet, coverage, mavlink), and it logs nothing
// but lifecycle events to the Logger it is given.
//
// # Running
//
//	fleet, err := sim.Start(ctx, sim.Config{
//		Drones:    []sim.DroneConfig{{SysID: 1, Profile: sim.ProfileHeavy, Home: home}},
//		Endpoints: []gomavlib.EndpointConf{gomavlib.EndpointUDPClient{Address: "127.0.0.1:14550"}},
//		Clock:     clk, // nil: real time
//		Seed:      1,
//	})
//	defer fleet.Close()
//	st := fleet.Drone(1).State()
//	snap, err := fleet.WaitFor(ctx, func(s sim.Snapshot) bool { return s.Drones[1].AltRel > 20 })
//
// One goroutine (the fleet loop) owns every drone: physics, telemetry
// schedules, failsafes, faults and the handling of received frames. The
// methods of Fleet and Drone send it requests.
//
// # Time
//
// Everything runs on the clock.Clock given: physics steps a fixed 100 ms
// of fleet time whatever the wall-clock scheduling (the loop catches up in
// whole steps), so a run is a function of its seed and of when commands
// arrive. Under a clock.Scaled clock an hour of flight takes seconds.
package sim
