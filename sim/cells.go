package sim

import (
	"fmt"
	"math"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/aerocell/aerocell/payload"
)

// The base-station payload: cells booting, switching and attached users.

// stepPayload completes switch-ons and moves the attached-user counts.
func (v *vehicle) stepPayload(now time.Time) {
	for i := range v.cells {
		c := &v.cells[i]
		if !v.bootDone[i].IsZero() {
			if !now.Before(v.bootDone[i]) {
				v.bootDone[i] = time.Time{}
				c.Booting = false
				c.State = CellOn
				v.ack(payload.Command, common.MAV_RESULT_ACCEPTED, 100)
				v.statustext(common.MAV_SEVERITY_INFO, fmt.Sprintf("Payload: %s cell on", c.Network))
			} else if !now.Before(v.bootAck[i]) {
				left := v.bootDone[i].Sub(now)
				prog := 100 - int(100*left/max(v.prof.PayloadBoot, time.Millisecond))
				v.ack(payload.Command, common.MAV_RESULT_IN_PROGRESS, uint8(clamp(float64(prog), 0, 99)))
				v.bootAck[i] = now.Add(time.Second)
			}
		}
	}
}

// stepUsers moves the attached-user counts; called once a second.
func (v *vehicle) stepUsers() {
	for i := range v.cells {
		c := &v.cells[i]
		if c.State != CellOn {
			c.Users = 0
			continue
		}
		target := 0.0
		if v.airborne() && v.altRel() > 5 {
			target = 0.8 * float64(c.MaxUsers) * math.Min(1, v.altRel()/100)
		}
		d := 0.1*(target-float64(c.Users)) + v.rng.NormFloat64()*math.Sqrt(target)*0.1
		c.Users = int(clamp(math.Round(float64(c.Users)+d), 0, float64(c.MaxUsers)))
	}
}

// switchCell handles MAV_CMD_USER_1.
func (v *vehicle) switchCell(n Network, on bool) common.MAV_RESULT {
	for i := range v.cells {
		c := &v.cells[i]
		if c.Network != n {
			continue
		}
		if c.State == CellFailed {
			return common.MAV_RESULT_FAILED
		}
		if !on {
			c.State, c.Users, c.Booting = CellOff, 0, false
			v.bootDone[i] = time.Time{}
			return common.MAV_RESULT_ACCEPTED
		}
		if c.State == CellOn {
			return common.MAV_RESULT_ACCEPTED
		}
		if !v.bootDone[i].IsZero() {
			return common.MAV_RESULT_IN_PROGRESS
		}
		c.Booting = true
		v.bootDone[i] = v.now().Add(v.prof.PayloadBoot)
		v.bootAck[i] = v.now().Add(time.Second)
		return common.MAV_RESULT_IN_PROGRESS
	}
	// No such cell on this airframe: the command is not supported here,
	// as an autopilot answers a command it does not implement.
	return common.MAV_RESULT_UNSUPPORTED
}
