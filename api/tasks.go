package api

import (
	"fmt"
	"net/http"

	"github.com/aerocell/aerocell/fleet"
	"github.com/aerocell/aerocell/task"
)

// The tasks besides coverage (issue 12): drops, surveys and fire, asked
// for, listed, cancelled, approved and reassigned.

// refusedBody answers a task refused at once: the error and the task.
type refusedBody struct {
	errorBody
	Task task.Task `json:"task"`
}

func (s *Server) getTasks(w http.ResponseWriter, _ *http.Request) {
	ts := s.ctrl.Snapshot().Tasks
	if ts == nil {
		ts = []task.Task{}
	}
	writeJSON(w, http.StatusOK, ts)
}

func (s *Server) getTask(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	for _, t := range s.ctrl.Snapshot().Tasks {
		if t.ID == id {
			writeJSON(w, http.StatusOK, t)
			return
		}
	}
	s.fail(w, r, fmt.Errorf("%w: %q", fleet.ErrUnknownTask, id))
}

func (s *Server) postTask(w http.ResponseWriter, r *http.Request) {
	data, err := readBody(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	req, err := task.ParseRequest(data)
	if err != nil {
		s.fail(w, r, fmt.Errorf("%w: %v", ErrBadRequest, err))
		return
	}
	t, err := s.ctrl.RequestTask(r.Context(), req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.logOrder(r, "task.request", "task", t.ID, "status", t.Status)
	if t.Status == task.Refused {
		writeJSON(w, http.StatusUnprocessableEntity, refusedBody{errorBody{Error: t.Reason, Status: http.StatusUnprocessableEntity}, t})
		return
	}
	w.Header().Set("Location", Prefix+"/tasks/"+t.ID)
	writeJSON(w, http.StatusCreated, t)
}

func (s *Server) deleteTask(w http.ResponseWriter, r *http.Request) {
	s.taskOrder(w, r, "cancel", func(id string) (task.Task, error) { return s.ctrl.CancelTask(r.Context(), id) })
}

func (s *Server) postTaskApprove(w http.ResponseWriter, r *http.Request) {
	s.taskOrder(w, r, "approve", func(id string) (task.Task, error) { return s.ctrl.ApproveTask(r.Context(), id) })
}

func (s *Server) postTaskReassign(w http.ResponseWriter, r *http.Request) {
	data, err := readBody(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	drone, err := decodeReassign(data)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.taskOrder(w, r, "reassign", func(id string) (task.Task, error) { return s.ctrl.ReassignTask(r.Context(), id, drone) })
}

// getTaskSurvey answers a survey task's plan as GeoJSON for the map: its
// polygon, its transects and the photos taken so far where the drone
// reported them, with their footprints (task.PlanGeoJSON: what a
// photogrammetry tool needs), with the task and the drone it is planned
// for.
func (s *Server) getTaskSurvey(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	v, err := s.ctrl.Survey(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	b, err := task.PlanGeoJSON(v.Plan, v.Polygon, v.Camera, v.Photos, map[string]any{"task": id, "drone": v.Drone, "photos_taken": v.Taken})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/geo+json")
	_, _ = w.Write(b)
}

func (s *Server) taskOrder(w http.ResponseWriter, r *http.Request, what string, do func(string) (task.Task, error)) {
	id := r.PathValue("id")
	t, err := do(id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.logOrder(r, "task."+what, "task", id)
	writeJSON(w, http.StatusOK, t)
}

// decodeReassign decodes {"drone": N}, a system id 1..255.
func decodeReassign(data []byte) (int, error) {
	var in struct {
		Drone *int `json:"drone"`
	}
	if err := decodeStrict(data, &in); err != nil {
		return 0, err
	}
	if in.Drone == nil {
		return 0, fmt.Errorf("%w: drone is required", ErrBadRequest)
	}
	id := *in.Drone
	if id < 1 || id > 255 {
		return 0, fmt.Errorf("%w: drone %d is not a system id 1..255", ErrBadRequest, id)
	}
	return id, nil
}
