package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/aerocell/aerocell/fleet"
)

// View is a snapshot as the API serves it: the controller's snapshot, the
// uncovered parts of the area as GeoJSON, and the field teams.
type View struct {
	fleet.Snapshot
	// Uncovered is a GeoJSON FeatureCollection: one MultiPolygon feature per
	// network, with properties {"network": "public"|"private"}.
	Uncovered geojson.FeatureCollection `json:"uncovered"`
	// Footprints is a GeoJSON FeatureCollection of what each drone's cell
	// covers over terrain: one MultiPolygon feature per drone and network,
	// with properties {"network", "drone"}; empty on flat earth, where the
	// cells are circles of the stations' radii.
	Footprints geojson.FeatureCollection `json:"footprints"`
	Teams      []Team                    `json:"teams"`
}

// multiPolygonFeature is a GeoJSON Feature of mp (an empty MultiPolygon
// for nil) with props.
func multiPolygonFeature(mp orb.MultiPolygon, props geojson.Properties) *geojson.Feature {
	if mp == nil {
		mp = orb.MultiPolygon{}
	}
	f := geojson.NewFeature(mp)
	f.Properties = props
	return f
}

func uncoveredGeoJSON(c fleet.Coverage) geojson.FeatureCollection {
	fc := geojson.NewFeatureCollection()
	for _, n := range fleet.Networks {
		if mp, ok := c.Uncovered[n]; ok {
			fc.Append(multiPolygonFeature(mp, geojson.Properties{"network": n.String()}))
		}
	}
	return *fc
}

func (s *Server) view() View {
	snap := s.ctrl.Snapshot()
	if snap.Drones == nil {
		snap.Drones = []fleet.Drone{}
	}
	if snap.LaunchSites == nil {
		snap.LaunchSites = []fleet.LaunchSite{}
	}
	return View{Snapshot: snap, Uncovered: uncoveredGeoJSON(snap.Coverage), Footprints: footprintsGeoJSON(snap.Coverage), Teams: s.teamList()}
}

func (s *Server) teamList() []Team {
	if s.teams == nil {
		return []Team{}
	}
	t := s.teams.Teams()
	if t == nil {
		t = []Team{}
	}
	return t
}

func (s *Server) getOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPI)
}

func (s *Server) getMe(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, callerOf(r))
}

func (s *Server) getSnapshot(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.view())
}

// CoverageView is the body of GET /coverage.
type CoverageView struct {
	Time      time.Time                 `json:"time"`
	Fraction  map[fleet.Network]float64 `json:"fraction"`
	Uncovered geojson.FeatureCollection `json:"uncovered"`
}

func (s *Server) getCoverage(w http.ResponseWriter, _ *http.Request) {
	c := s.ctrl.Snapshot().Coverage
	f := c.Fraction
	if f == nil {
		f = map[fleet.Network]float64{}
	}
	writeJSON(w, http.StatusOK, CoverageView{Time: c.Time, Fraction: f, Uncovered: uncoveredGeoJSON(c)})
}

func (s *Server) getTeams(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.teamList())
}

const (
	defaultEventLimit = 100
	maxEventLimit     = 1000
)

func (s *Server) getEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var since uint64
	if v := q.Get("since"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			s.fail(w, r, fmt.Errorf("%w: since %q is not a sequence number", ErrBadRequest, v))
			return
		}
		since = n
	}
	limit := defaultEventLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxEventLimit {
			s.fail(w, r, fmt.Errorf("%w: limit %q is not in 1..%d", ErrBadRequest, v, maxEventLimit))
			return
		}
		limit = n
	}
	var evs []fleet.Event
	var err error
	if v := q.Get("tail"); v != "" {
		n, perr := strconv.Atoi(v)
		if perr != nil || n < 1 || n > maxEventLimit || q.Get("limit") != "" {
			s.fail(w, r, fmt.Errorf("%w: tail %q is not in 1..%d (and takes no limit)", ErrBadRequest, v, maxEventLimit))
			return
		}
		evs, err = s.tailEvents(since, n)
	} else {
		evs, err = s.ctrl.Events(since, limit)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if evs == nil {
		evs = []fleet.Event{}
	}
	writeJSON(w, http.StatusOK, evs)
}

// tailEvents returns the last n events after since, oldest first, reading
// the log forward a page at a time.
func (s *Server) tailEvents(since uint64, n int) ([]fleet.Event, error) {
	var out []fleet.Event
	for range 100000 {
		page, err := s.ctrl.Events(since, maxEventLimit)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(out) > n {
			out = append(out[:0:0], out[len(out)-n:]...)
		}
		if len(page) < maxEventLimit || page[len(page)-1].Seq <= since {
			break
		}
		since = page[len(page)-1].Seq
	}
	return out, nil
}

func (s *Server) getIncident(w http.ResponseWriter, r *http.Request) {
	inc := s.ctrl.Snapshot().Incident
	if inc == nil {
		s.fail(w, r, fleet.ErrNoIncident)
		return
	}
	writeJSON(w, http.StatusOK, inc)
}

func (s *Server) postIncident(w http.ResponseWriter, r *http.Request) {
	data, err := readBody(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	spec, err := decodeIncident(data, r.Header.Get("Content-Type"), r.URL.Query().Get("name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	inc, err := s.ctrl.CreateIncident(r.Context(), spec)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.logOrder(r, "incident.create", "incident", inc.ID, "name", inc.Name)
	writeJSON(w, http.StatusCreated, inc)
}

func (s *Server) patchIncident(w http.ResponseWriter, r *http.Request) {
	data, err := readBody(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cur := s.ctrl.Snapshot().Incident
	if cur == nil {
		s.fail(w, r, fleet.ErrNoIncident)
		return
	}
	spec, err := decodePatch(data, cur.IncidentSpec)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	inc, err := s.ctrl.UpdateIncident(r.Context(), spec)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.logOrder(r, "incident.update", "incident", inc.ID)
	writeJSON(w, http.StatusOK, inc)
}

func (s *Server) deleteIncident(w http.ResponseWriter, r *http.Request) {
	if err := s.ctrl.CloseIncident(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	s.logOrder(r, "incident.close")
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) getPlan(w http.ResponseWriter, r *http.Request) {
	p := s.ctrl.Snapshot().Plan
	if p == nil {
		writeError(w, http.StatusNotFound, "no plan is being flown; see "+Prefix+"/plan/preview")
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) getPlanPreview(w http.ResponseWriter, r *http.Request) {
	p, err := s.ctrl.PreviewPlan(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// accepted is the body of an order's answer.
type accepted struct {
	Accepted string `json:"accepted"`
}

func (s *Server) simpleOrder(w http.ResponseWriter, r *http.Request, what string, do func() error) {
	if err := do(); err != nil {
		s.fail(w, r, err)
		return
	}
	s.logOrder(r, what)
	writeJSON(w, http.StatusAccepted, accepted{what})
}

func (s *Server) postDeploy(w http.ResponseWriter, r *http.Request) {
	s.simpleOrder(w, r, "deploy", func() error { return s.ctrl.Deploy(r.Context()) })
}

func (s *Server) postRecall(w http.ResponseWriter, r *http.Request) {
	s.simpleOrder(w, r, "recall", func() error { return s.ctrl.Recall(r.Context()) })
}

func (s *Server) postPause(w http.ResponseWriter, r *http.Request) {
	s.simpleOrder(w, r, "pause", func() error { return s.ctrl.SetPaused(r.Context(), true) })
}

func (s *Server) postResume(w http.ResponseWriter, r *http.Request) {
	s.simpleOrder(w, r, "resume", func() error { return s.ctrl.SetPaused(r.Context(), false) })
}

func (s *Server) getDrones(w http.ResponseWriter, _ *http.Request) {
	d := s.ctrl.Snapshot().Drones
	if d == nil {
		d = []fleet.Drone{}
	}
	writeJSON(w, http.StatusOK, d)
}

// droneID parses the {id} path wildcard: a MAVLink system id, 1..255.
func droneID(r *http.Request) (int, error) {
	v := r.PathValue("id")
	id, err := strconv.Atoi(v)
	if err != nil || id < 1 || id > 255 {
		return 0, fmt.Errorf("%w: drone id %q is not a system id 1..255", ErrBadRequest, v)
	}
	return id, nil
}

func findDrone(snap fleet.Snapshot, id int) (fleet.Drone, error) {
	for _, d := range snap.Drones {
		if d.ID == id {
			return d, nil
		}
	}
	return fleet.Drone{}, fmt.Errorf("%w: %d", fleet.ErrUnknownDrone, id)
}

func (s *Server) getDrone(w http.ResponseWriter, r *http.Request) {
	id, err := droneID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := findDrone(s.ctrl.Snapshot(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) postOrder(w http.ResponseWriter, r *http.Request) {
	id, err := droneID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data, err := readBody(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	o, err := decodeOrder(data)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.ctrl.OrderDrone(r.Context(), id, o); err != nil {
		s.fail(w, r, err)
		return
	}
	s.logOrder(r, "drone."+string(o.Kind), "drone", id)
	writeJSON(w, http.StatusAccepted, accepted{string(o.Kind)})
}

func (s *Server) postExclude(w http.ResponseWriter, r *http.Request) {
	id, err := droneID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data, err := readBody(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ex, err := decodeFlag(data, "excluded")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.ctrl.Exclude(r.Context(), id, ex); err != nil {
		s.fail(w, r, err)
		return
	}
	what := "include"
	if ex {
		what = "exclude"
	}
	s.logOrder(r, "drone."+what, "drone", id)
	writeJSON(w, http.StatusAccepted, accepted{what})
}

func (s *Server) postDronePin(w http.ResponseWriter, r *http.Request) {
	id, err := droneID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data, err := readBody(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pin, err := decodeFlag(data, "pinned")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := findDrone(s.ctrl.Snapshot(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Station == "" {
		writeError(w, http.StatusConflict, fmt.Sprintf("drone %d holds no station to pin", id))
		return
	}
	s.pin(w, r, d.Station, pin)
}

func (s *Server) postStationPin(w http.ResponseWriter, r *http.Request) {
	st := r.PathValue("id")
	data, err := readBody(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pin, err := decodeFlag(data, "pinned")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.pin(w, r, st, pin)
}

func (s *Server) pin(w http.ResponseWriter, r *http.Request, station string, pin bool) {
	if err := s.ctrl.PinStation(r.Context(), station, pin); err != nil {
		s.fail(w, r, err)
		return
	}
	what := "unpin"
	if pin {
		what = "pin"
	}
	s.logOrder(r, "station."+what, "station", station)
	writeJSON(w, http.StatusAccepted, accepted{what})
}

// encodeJSON is json.Marshal for the stream.
func encodeJSON(v any) ([]byte, error) { return json.Marshal(v) }
