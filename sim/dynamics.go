package sim

import (
	"math"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// Flight dynamics: one physics step, wind, GPS, the copter and plane models
// and the tether.

// step advances the vehicle by dt.
func (v *vehicle) step() {
	now := v.now()
	if !v.homeSent { // ArduPilot announces home once it has a fix at boot
		v.homeSent = true
		v.tel.sendNow(msgHomePosition)
	}
	v.expireFaults(now)
	v.stepWind()
	if v.gs != nil && v.hasFault(FaultGroundPower) == v.groundPower {
		v.groundPowerChanged()
	}
	v.missionTick()
	if v.mode.kind == mAuto && v.armed {
		v.missionStep()
	}
	v.followTerrain()
	if v.prof.Copter() {
		v.stepCopter()
	} else {
		v.stepPlane()
	}
	if v.gs != nil {
		v.tether()
	}
	v.stepJobs()
	v.stepEnergy()
	v.stepSwap(now)
	v.stepGPS()
	v.stepPayload(now)
	if !now.Before(v.usersNext) { // users come and go once a second
		v.usersNext = now.Add(time.Second)
		v.stepUsers()
	}
	v.checkFailsafes(now)
	v.checkFence()
	v.terrainTick(now)
}

func (v *vehicle) windNE() (n, e float64) {
	w := v.f.cfg.Wind
	from := w.FromDeg * deg
	return -w.SpeedMS*math.Cos(from) + v.gustN, -w.SpeedMS*math.Sin(from) + v.gustE
}

// stepWind moves the gusts, an Ornstein-Uhlenbeck process per axis with
// standard deviation Wind.GustMS and a 5 s time constant.
func (v *vehicle) stepWind() {
	v.gustN, v.gustE = v.ou2(v.gustN, v.gustE, v.f.cfg.Wind.GustMS, 5*time.Second)
}

func (v *vehicle) stepGPS() {
	v.gpsN, v.gpsE = v.ou2(v.gpsN, v.gpsE, v.f.cfg.GPSNoiseM, 30*time.Second)
}

// ou2 advances two independent Ornstein-Uhlenbeck processes (north, east)
// by one step dt: standard deviation sigma, time constant tau; both zero
// when sigma is not positive.
func (v *vehicle) ou2(n, e, sigma float64, tau time.Duration) (float64, float64) {
	if sigma <= 0 {
		return 0, 0
	}
	a := math.Exp(-dt.Seconds() / tau.Seconds())
	k := sigma * math.Sqrt(1-a*a)
	n = a*n + k*v.rng.NormFloat64()
	e = a*e + k*v.rng.NormFloat64()
	return n, e
}

// verticalRate returns the climb rate (up positive) the controller asks
// for to reach alt, within the profile's limits.
func (v *vehicle) verticalRate(want, up, down float64) float64 {
	err := want - v.alt
	const aV = 2.0
	r := math.Copysign(math.Min(math.Abs(err)*1.0, math.Sqrt(2*aV*math.Abs(err))), err)
	return clamp(r, -down, up)
}

func (v *vehicle) stepCopter() {
	s := dt.Seconds()
	if !v.armed || v.phase == phGround {
		v.vn, v.ve, v.vd, v.roll, v.pitch = 0, 0, 0, 0, 0
		v.alt = math.Max(v.alt, v.groundAlt())
		if v.alt > v.groundAlt() { // disarmed in the air falls
			v.alt = v.groundAlt()
		}
		v.airspeed = 0
		return
	}
	wn, we := v.windNE()
	p := v.prof
	hold := true
	wantAlt := v.tAlt
	up, down := p.ClimbRate, p.DescentRate
	tLat, tLon := v.tLat, v.tLon
	limit := v.speed
	switch v.phase {
	case phTakeoff:
		if v.alt >= v.tAlt-0.3 {
			v.tookOff()
		}
	case phLand:
		wantAlt = v.groundAlt() - 5
		if v.alt-v.groundAlt() < 10 {
			down = p.LandSpeed
		}
	case phRTL:
		rtl := v.home.Alt + p.RTLAlt
		n, e := northEast(v.lat, v.lon, v.home.Lat, v.home.Lon)
		dist := math.Hypot(n, e)
		switch {
		case v.landed == Landing || (dist < 2 && math.Hypot(v.vn, v.ve) < 1):
			// The final descent, once begun, lands: as ArduPilot's land
			// stage it holds home under the drone as it comes down, and a
			// gust that pushes it a few metres off does not send it back
			// up to its return altitude.
			v.landed = Landing
			tLat, tLon = v.home.Lat, v.home.Lon
			wantAlt = v.groundAlt() - 5
			if v.alt-v.groundAlt() < 10 {
				down = p.LandSpeed
			}
		case v.alt < rtl-1 && dist > 5:
			tLat, tLon = v.lat, v.lon
			wantAlt = rtl
			limit = 0
		default:
			tLat, tLon = v.home.Lat, v.home.Lon
			wantAlt = math.Max(v.alt, rtl)
			if v.alt > rtl+1 && dist < 5 {
				wantAlt = rtl
			}
		}
		if v.gs != nil { // a tethered drone returns low: no climb away from its winch
			wantAlt = math.Min(wantAlt, math.Max(v.alt, v.groundAlt()))
		}
	case phDrift:
		hold = false
	case phForced:
		hold = false
		wantAlt = v.groundAlt() - 10
		down = 3
	case phVelocity:
		if !v.now().Before(v.velUntil) {
			v.holdHere()
			tLat, tLon, wantAlt = v.tLat, v.tLon, v.tAlt
		}
	}
	limit *= v.terrainScaler()
	if !v.gpsOK() {
		hold = false
	}
	velocity := v.phase == phVelocity

	// horizontal: ground velocity demand
	var dn, de float64
	if velocity {
		dn, de = v.velN, v.velE
		if sp := math.Hypot(dn, de); sp > limit {
			dn, de = dn/sp*limit, de/sp*limit
		}
		up := -v.velD
		// never fly out of reach on a velocity: scale the demand so that
		// braking at the acceleration limits stops within reach
		stops := func(k float64) bool {
			tH := math.Hypot(dn, de)*k/(2*p.Accel) + s
			tV := math.Abs(up)*k/(2*2.5) + s
			var at LatLonAlt
			at.Lat, at.Lon = offset(v.lat, v.lon, dn*k*tH, de*k*tH)
			at.Alt = v.alt + up*k*tV
			return v.reach(at) == ""
		}
		k := 1.0
		if !stops(1) {
			lo, hi := 0.0, 1.0
			for i := 0; i < 16; i++ {
				if mid := (lo + hi) / 2; stops(mid) {
					lo = mid
				} else {
					hi = mid
				}
			}
			k = lo
		}
		dn, de = dn*k, de*k
		wantAlt = v.alt + up*k // a climb-rate demand, clamped below
	} else if hold {
		n, e := northEast(v.lat, v.lon, tLat, tLon)
		dist := math.Hypot(n, e)
		if dist > 0.05 {
			sp := math.Min(limit, math.Sqrt(2*p.Accel*dist)*0.8)
			sp = math.Min(sp, dist/s)
			ux, uy := n/dist, e/dist
			// the airframe flies at most its hold airspeed through the air
			dot := ux*wn + uy*we
			air := p.HoldAirspeed()
			disc := dot*dot - (wn*wn + we*we) + air*air
			if disc >= 0 {
				sp = math.Min(sp, dot+math.Sqrt(disc))
			}
			dn, de = ux*sp, uy*sp
		}
	} else {
		dn, de = wn, we // no position control: the airframe drifts with the air
	}
	// acceleration limit
	an, ae := dn-v.vn, de-v.ve
	amax := p.Accel * s
	if a := math.Hypot(an, ae); a > amax {
		an, ae = an/a*amax, ae/a*amax
	}
	v.vn += an
	v.ve += ae
	// vertical
	vz := v.verticalRate(wantAlt, up, down)
	if v.phase == phForced {
		vz = -down
	}
	dz := vz - (-v.vd)
	az := 2.5 * s
	dz = clamp(dz, -az, az)
	v.vd -= dz

	// gusts leak through the position controller
	leakN, leakE := 0.0, 0.0
	if hold {
		leakN, leakE = 0.3*v.gustN, 0.3*v.gustE
	}
	gn, ge := v.vn+leakN, v.ve+leakE
	v.lat, v.lon = offset(v.lat, v.lon, gn*s, ge*s)
	v.alt -= v.vd * s

	// attitude: tilt to accelerate and to hold against the air
	airN, airE := gn-wn, ge-we
	v.airspeed = math.Hypot(airN, airE)
	c := gravity * math.Tan(20*deg) / (p.CruiseSpeed * p.CruiseSpeed)
	fn := an/s + c*v.airspeed*airN
	fe := ae/s + c*v.airspeed*airE
	if gs := math.Hypot(gn, ge); gs > 1 && hold {
		want := math.Atan2(ge, gn) / deg
		v.turnTo(want, 90)
	} else {
		v.yawRate = 0
	}
	h := v.heading * deg
	fwd := fn*math.Cos(h) + fe*math.Sin(h)
	right := -fn*math.Sin(h) + fe*math.Cos(h)
	v.pitch = -math.Atan(fwd / gravity)
	v.roll = math.Atan(right / gravity)

	v.touchdown()
}

// turnTo yaws towards heading want (degrees) at up to rate deg/s.
func (v *vehicle) turnTo(want, rate float64) {
	d := wrap180(want - v.heading)
	max := rate * dt.Seconds()
	d = clamp(d, -max, max)
	v.heading = wrap360(v.heading + d)
	v.yawRate = d / dt.Seconds() * deg
}

// crashSpeed is the speed (m/s, horizontal or down) above which meeting
// the ground in flight is a crash, not a touch.
const crashSpeed = 2.0

func (v *vehicle) touchdown() {
	if v.alt > v.groundAlt() {
		return
	}
	impact := math.Max(math.Hypot(v.vn, v.ve), v.vd)
	v.alt = v.groundAlt()
	if v.vd > 0 {
		v.vd = 0
	}
	switch {
	case v.phase == phLand || v.phase == phForced || (v.phase == phRTL && v.landed == Landing) || v.phase == phDrift || v.phase == phVelocity:
		v.disarm()
		v.statustext(common.MAV_SEVERITY_INFO, "Landed, disarmed")
		v.missionLanded()
	case v.armed && v.landed == InAir && impact > crashSpeed:
		// flying, not landing, into the ground: a slope on the way
		v.crash()
	}
}

func (v *vehicle) stepPlane() {
	s := dt.Seconds()
	p := v.prof
	if !v.armed || v.phase == phGround {
		v.vn, v.ve, v.vd, v.roll, v.pitch, v.airspeed = 0, 0, 0, 0, 0, 0
		v.alt = v.groundAlt()
		return
	}
	wn, we := v.windNE()
	v.airspeed = v.speed
	wantAlt := v.tAlt
	cn, ce := v.tLat, v.tLon // loiter centre
	up, down := p.ClimbRate, p.DescentRate
	loiter := true
	switch v.phase {
	case phTakeoff:
		loiter = false
		if v.alt >= v.tAlt-2 {
			v.tookOff()
		}
	case phRTL:
		cn, ce = v.home.Lat, v.home.Lon
		wantAlt = v.home.Alt + p.RTLAlt
	case phLand:
		wantAlt = v.groundAlt() - 5
		if v.alt-v.groundAlt() < 30 {
			down = p.LandSpeed
		}
	case phDrift:
		loiter = false
	case phForced:
		loiter = false
		wantAlt = v.groundAlt() - 10
		down = 3
	}
	if !v.gpsOK() {
		loiter = false
	}
	if loiter {
		n, e := northEast(cn, ce, v.lat, v.lon)
		d := math.Hypot(n, e)
		R := p.LoiterRadius
		var want float64
		switch {
		case v.flyThrough():
			want = v.legHeading()
		case d > 2*R:
			want = math.Atan2(-e, -n) / deg
		default:
			bearing := math.Atan2(e, n) / deg
			want = bearing + 90 + clamp((d-R)/R*90, -60, 60)
		}
		// bank limit 30 degrees
		rate := gravity * math.Tan(30*deg) / math.Max(v.airspeed, 1) / deg
		before := v.heading
		v.turnTo(want, rate)
		v.roll = math.Atan(v.airspeed * wrap180(v.heading-before) * deg / s / gravity)
	} else {
		v.yawRate, v.roll = 0, 0
	}
	vz := v.verticalRate(wantAlt, up, down)
	if v.phase == phTakeoff {
		vz = up
	}
	if v.phase == phForced {
		vz = -down
	}
	v.vd = -vz
	h := v.heading * deg
	v.vn = v.airspeed*math.Cos(h) + wn
	v.ve = v.airspeed*math.Sin(h) + we
	v.pitch = math.Atan2(vz, v.airspeed)
	v.lat, v.lon = offset(v.lat, v.lon, v.vn*s, v.ve*s)
	v.alt += vz * s
	hit := v.alt <= v.groundAlt()
	v.touchdown()
	if hit {
		v.airspeed = 0
		v.vn, v.ve = 0, 0
	}
}

// tether keeps a tethered drone within its tether and brings it down when
// the tension is high.
func (v *vehicle) tether() {
	gs := *v.gs
	d := slant(gs, v.pos())
	spec := v.tetherSpec()
	air := v.airSpeedNow()
	chord := spec.ChordM(air)
	if d > spec.TensionM(air) && v.airborne() {
		if !v.tensionMsg {
			v.tensionMsg = true
			v.statustext(common.MAV_SEVERITY_WARNING, "Tether tension high: descending")
		}
		// the tether pulls towards the winch: descend and move in
		v.tAlt = math.Min(v.tAlt, v.alt-2)
		v.tTerrain = false // down from the terrain-frame height too
		n, e := northEast(v.lat, v.lon, gs.Lat, gs.Lon)
		if h := math.Hypot(n, e); h > 1 && (v.phase == phHold || v.phase == phTakeoff) {
			v.tLat, v.tLon = offset(v.lat, v.lon, n/h*2, e/h*2)
		}
	} else if d < 0.9*chord {
		v.tensionMsg = false
	}
	if d > chord {
		// the tether, bowed by the wind, is a hard limit: pull back onto
		// the sphere its chord spans
		n, e := northEast(gs.Lat, gs.Lon, v.lat, v.lon)
		up := v.alt - gs.Alt
		k := chord / d
		v.lat, v.lon = offset(gs.Lat, gs.Lon, n*k, e*k)
		v.alt = gs.Alt + up*k
		// remove the outward velocity
		un, ue, uu := n/d, e/d, up/d
		out := v.vn*un + v.ve*ue - v.vd*uu
		if out > 0 {
			v.vn -= out * un
			v.ve -= out * ue
			v.vd += out * uu
		}
	}
}

func (v *vehicle) groundPowerChanged() {
	v.groundPower = !v.hasFault(FaultGroundPower)
	if !v.groundPower {
		v.statustext(common.MAV_SEVERITY_CRITICAL, "Tether ground power lost: landing on backup")
		if v.airborne() {
			v.failsafe = "ground-power"
			v.mode = v.modeByKind(mLand)
			v.landHere()
		}
	} else {
		v.statustext(common.MAV_SEVERITY_INFO, "Tether ground power restored")
	}
}

// tookOff ends a takeoff at its altitude: holding, in the air, and what
// was to follow the takeoff (a mission's next item) under way.
func (v *vehicle) tookOff() {
	v.phase = phHold
	v.landed = InAir
	if f := v.afterTakeoff; f != nil {
		v.afterTakeoff = nil
		f()
	}
}
