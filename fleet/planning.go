package fleet

import (
	"context"
	"fmt"

	"github.com/aerocell/aerocell/coverage"
)

// Deploy and preview over terrain: the stations of the flat plan are
// re-placed over the terrain, and the plan measured, beside the loop
// (seconds for a valley). Meanwhile the loop flies on: the current plan if
// there is one, and nothing at all at the very start (no command on a
// guess). The planning is cancelled when the incident is recalled or
// closed, started again over a new area when it is edited, and stopped
// with the loop; whatever it was cancelled for, its result is dropped.

// planning is a plan being placed over terrain beside the loop, and the
// commanders waiting for it: deploys fly it, previews are shown it.
type planning struct {
	incident string
	region   *coverage.Region
	deploys  []chan<- error
	previews []chan<- planReply
}

// planReply answers a preview.
type planReply struct {
	plan Plan
	err  error
}

// planOverTerrain has the open incident planned over terrain beside the
// loop, or joins the planning already under way. It fails at once, with
// nothing started, if no flat plan can be made (no drone, no station).
func (l *loop) planOverTerrain() (*planning, error) {
	if pg := l.planning; pg != nil {
		return pg, nil
	}
	pg := &planning{incident: l.st.Incident.ID, region: l.region}
	if err := l.startPlanning(pg); err != nil {
		return nil, err
	}
	l.planning = pg
	return pg, nil
}

// startPlanning makes the flat plan on the loop and has it placed over the
// terrain beside it, then measured (placed); l.planning must be pg when
// the results come back, else they are dropped.
func (l *loop) startPlanning(pg *planning) error {
	flat, groups, primary, err := l.flatPlan("deploy")
	if err != nil {
		return err
	}
	reg, req := l.terrainRequest(flat, groups, primary)
	place := l.cfg.placer()
	l.beside(&l.placing, func(ctx context.Context) func() {
		tp, err := place(ctx, reg, req)
		return func() { l.placed(pg, flat, groups, reg, tp, err) }
	})
	return nil
}

// placed takes the terrain placer's stations into the plan, on the loop,
// and has the plan measured beside it.
func (l *loop) placed(pg *planning, plan *Plan, groups map[string]*group, reg *coverage.Region, tp *coverage.Plan, err error) {
	if l.planning != pg {
		return // cancelled or superseded
	}
	if err != nil {
		l.endPlanning(pg, nil, fmt.Errorf("fleet: placing over terrain: %w", err))
		return
	}
	l.stationsOverTerrain(plan, groups, reg, tp)
	l.measureBeside(&l.placing, pg.region, planCells(plan), func(cov map[Network]float64, err error) {
		if l.planning != pg {
			return
		}
		if err != nil {
			l.log.Warn("plan coverage not measured over terrain: measured flat", "err", err)
			l.measurePlanFlat(plan)
		} else {
			plan.Coverage = cov
		}
		l.endPlanning(pg, plan, nil)
	})
}

// endPlanning answers those waiting for pg: the deploys fly plan (saved
// before they hear so), the previews see it; or all hear err.
func (l *loop) endPlanning(pg *planning, plan *Plan, err error) {
	l.planning = nil
	if err == nil && len(pg.deploys) > 0 {
		err = l.fly(plan)
		if err == nil {
			err = l.save()
		}
		l.publish()
	}
	for _, w := range pg.previews {
		r := planReply{err: err}
		if err == nil {
			r.plan = *clonePlan(plan)
			r.plan.Reason = "preview"
		}
		w <- r
	}
	for _, w := range pg.deploys {
		w <- err
	}
}

// cancelPlanning drops the planning under way, if any: those waiting for
// it hear err.
func (l *loop) cancelPlanning(err error) {
	pg := l.planning
	if pg == nil {
		return
	}
	l.cancelBeside(&l.placing)
	l.endPlanning(pg, nil, err)
}

// replanning starts the planning under way again over the incident's area
// as it is now (edited), for the same commanders.
func (l *loop) replanning() {
	pg := l.planning
	if pg == nil {
		return
	}
	l.cancelBeside(&l.placing)
	l.planning = nil
	next := &planning{incident: pg.incident, region: l.region, deploys: pg.deploys, previews: pg.previews}
	if err := l.startPlanning(next); err != nil {
		l.endPlanning(next, nil, err)
		return
	}
	l.planning = next
	l.log.Info("planning over terrain started again: the area was edited")
}
