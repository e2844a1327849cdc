package api

import (
	"context"
	"crypto/subtle"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/aerocell/aerocell/fleet"
)

// Prefix is the path under which every route lives.
const Prefix = "/api/v1"

//go:embed openapi.json
var openAPI []byte

// Server is the API's http.Handler. Close ends its streams.
type Server struct {
	cfg     Config
	ctrl    Controller
	teams   Teams
	log     *slog.Logger
	mux     *http.ServeMux
	csrf    *http.CrossOriginProtection
	tiles   *tileProxy
	mbtiles *mbtiles
	// hillshade is the last relief image rendered (Config.Terrain).
	hillshade hillshadeCache

	closeOnce sync.Once
	closeErr  error
	done      chan struct{} // closed by Close: streams end
}

// route is one entry of the routing table, which the OpenAPI test compares
// with openapi.json.
type route struct {
	method, path string // path below Prefix, with {name} wildcards
	need         Role
	h            func(*Server, http.ResponseWriter, *http.Request)
}

func routes() []route {
	return []route{
		{"GET", "/openapi.json", Viewer, (*Server).getOpenAPI},
		{"GET", "/me", Viewer, (*Server).getMe},
		{"GET", "/snapshot", Viewer, (*Server).getSnapshot},
		{"GET", "/stream", Viewer, (*Server).getStream},
		{"GET", "/events", Viewer, (*Server).getEvents},
		{"GET", "/coverage", Viewer, (*Server).getCoverage},
		{"GET", "/teams", Viewer, (*Server).getTeams},
		{"GET", "/incident", Viewer, (*Server).getIncident},
		{"POST", "/incident", Commander, (*Server).postIncident},
		{"PATCH", "/incident", Commander, (*Server).patchIncident},
		{"DELETE", "/incident", Commander, (*Server).deleteIncident},
		{"GET", "/plan", Viewer, (*Server).getPlan},
		{"GET", "/plan/preview", Viewer, (*Server).getPlanPreview},
		{"POST", "/deploy", Commander, (*Server).postDeploy},
		{"POST", "/recall", Commander, (*Server).postRecall},
		{"POST", "/pause", Commander, (*Server).postPause},
		{"POST", "/resume", Commander, (*Server).postResume},
		{"GET", "/drones", Viewer, (*Server).getDrones},
		{"GET", "/drones/{id}", Viewer, (*Server).getDrone},
		{"POST", "/drones/{id}/orders", Commander, (*Server).postOrder},
		{"POST", "/drones/{id}/exclude", Commander, (*Server).postExclude},
		{"POST", "/drones/{id}/pin", Commander, (*Server).postDronePin},
		{"POST", "/stations/{id}/pin", Commander, (*Server).postStationPin},
		{"GET", "/tasks", Viewer, (*Server).getTasks},
		{"POST", "/tasks", Commander, (*Server).postTask},
		{"GET", "/tasks/{id}", Viewer, (*Server).getTask},
		{"DELETE", "/tasks/{id}", Commander, (*Server).deleteTask},
		{"POST", "/tasks/{id}/approve", Commander, (*Server).postTaskApprove},
		{"POST", "/tasks/{id}/reassign", Commander, (*Server).postTaskReassign},
		{"GET", "/tasks/{id}/survey.geojson", Viewer, (*Server).getTaskSurvey},
		{"GET", "/basemap", Viewer, (*Server).getBasemap},
		{"GET", "/basemap/{z}/{x}/{y}", Viewer, (*Server).getTile},
		{"GET", "/hillshade", Viewer, (*Server).getHillshade},
		{"GET", "/hillshade.png", Viewer, (*Server).getHillshadePNG},
	}
}

// New returns the API for ctrl; teams may be nil when no field teams report.
// It refuses an invalid configuration, and tokens-less listening beyond
// loopback (see CheckListen).
func New(cfg Config, ctrl Controller, teams Teams) (*Server, error) {
	if err := cfg.Initialize(); err != nil {
		return nil, err
	}
	if ctrl == nil {
		return nil, fmt.Errorf("%w: no controller", ErrConfig)
	}
	s := &Server{
		cfg:   cfg,
		ctrl:  ctrl,
		teams: teams,
		log:   cfg.Logger,
		mux:   http.NewServeMux(),
		done:  make(chan struct{}),
	}
	if cfg.Basemap.TileURL != "" {
		s.tiles = &tileProxy{template: cfg.Basemap.TileURL, client: cfg.TileClient, maxZoom: cfg.Basemap.MaxZoom}
	}
	if cfg.Basemap.MBTilesPath != "" {
		mb, err := openMBTiles(cfg.Basemap.MBTilesPath)
		if err != nil {
			return nil, fmt.Errorf("%w: basemap.mbtiles: %v", ErrConfig, err)
		}
		s.mbtiles = mb
	}
	for _, rt := range routes() {
		h := rt.h
		need := rt.need
		s.mux.Handle(rt.method+" "+Prefix+rt.path, s.Protect(need, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h(s, w, r)
		})))
	}
	s.mux.HandleFunc(Prefix+"/", s.noRoute)
	// A page on another site open in the commander's browser must not be
	// able to order the fleet through it (that matters most without tokens,
	// where the browser is trusted for being on this machine).
	s.csrf = http.NewCrossOriginProtection()
	s.csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusForbidden, "cross-origin request refused: orders come from the daemon's own page or a non-browser client")
	}))
	return s, nil
}

// ServeHTTP serves the API's routes under Prefix.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	s.csrf.Handler(s.mux).ServeHTTP(w, r)
}

// Protect serves h only to callers the API itself would let do what need
// requires: with tokens, a bearer token of that role; without, a loopback
// peer that names this machine in its Host header (not a browser led here
// by DNS rebinding). The daemon puts /metrics behind it, with Viewer.
func (s *Server) Protect(need Role, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, ok := s.authorize(w, r, need)
		if !ok {
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

// Close ends every open stream and closes the MBTiles file; call it before http.Server.Shutdown (e.g.
// with RegisterOnShutdown), since a stream never goes idle by itself. It only releases: it does not
// wait for the streams' handlers to return (Shutdown does). It returns the file's close error; a
// second Close returns the same.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		close(s.done)
		if s.mbtiles != nil {
			s.closeErr = s.mbtiles.Close()
		}
	})
	return s.closeErr
}

type ctxKey struct{}

// caller is who made a request.
type caller struct {
	Name string `json:"name"`
	Role Role   `json:"role"`
}

// authorize checks the request's token against need, answering 401 or 403
// itself when it fails.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, need Role) (*http.Request, bool) {
	c, err := s.identify(r)
	if err != nil {
		if errors.Is(err, ErrUnauthorized) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="aerocell"`)
			writeError(w, http.StatusUnauthorized, err.Error())
		} else {
			writeError(w, http.StatusForbidden, err.Error())
		}
		return r, false
	}
	if !c.Role.allows(need) {
		writeError(w, http.StatusForbidden, fmt.Sprintf("%v: %s needs a %s token; %q is a %s", ErrForbidden, r.Method+" "+r.URL.Path, need, c.Name, c.Role))
		return r, false
	}
	return r.WithContext(context.WithValue(r.Context(), ctxKey{}, c)), true
}

func (s *Server) identify(r *http.Request) (caller, error) {
	if len(s.cfg.Tokens) == 0 {
		if !isLoopbackRemote(r.RemoteAddr) {
			return caller{}, fmt.Errorf("%w: no tokens are configured, so only this machine may connect", ErrForbidden)
		}
		// A loopback peer with a foreign Host is a browser led here by DNS
		// rebinding: another site's page, not the commander's.
		if !isLoopbackAddr(r.Host) {
			return caller{}, fmt.Errorf("%w: no tokens are configured, so only http://127.0.0.1 or http://localhost may be used, not %q", ErrForbidden, r.Host)
		}
		return caller{Name: "local", Role: Commander}, nil
	}
	auth := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return caller{}, fmt.Errorf("%w: send Authorization: Bearer TOKEN", ErrUnauthorized)
	}
	tok = strings.TrimSpace(tok)
	var found *Token
	for i := range s.cfg.Tokens {
		// Compare against every token, in constant time, so timing does not
		// tell how much of a guess was right.
		if subtle.ConstantTimeCompare([]byte(s.cfg.Tokens[i].Token), []byte(tok)) == 1 {
			found = &s.cfg.Tokens[i]
		}
	}
	if found == nil {
		return caller{}, ErrUnauthorized
	}
	return caller{Name: found.Name, Role: found.Role}, nil
}

func callerOf(r *http.Request) caller {
	c, _ := r.Context().Value(ctxKey{}).(caller)
	return c
}

func isLoopbackRemote(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// noRoute answers a path under Prefix that no route takes: 405 with Allow
// when another method would, else 404; both as JSON.
func (s *Server) noRoute(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		r2 := r.Clone(r.Context())
		r2.Method = m
		if _, pat := s.mux.Handler(r2); pat != Prefix+"/" && pat != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s does not take %s; it takes %s", r.URL.Path, r.Method, strings.Join(allow, ", ")))
		return
	}
	writeError(w, http.StatusNotFound, fmt.Sprintf("no route %s; see %s/openapi.json", r.URL.Path, Prefix))
}

// errorBody is every error response.
type errorBody struct {
	Error  string `json:"error"`
	Status int    `json:"status"`
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Error: msg, Status: status})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v)
}

// fail answers an error from decoding or from the controller.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	msg := err.Error()
	if status == http.StatusInternalServerError {
		s.log.Error("api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		msg = "internal error; see the daemon's log"
	}
	writeError(w, status, msg)
}

// statusOf maps an error to its HTTP status.
func statusOf(err error) int {
	switch {
	case errors.Is(err, ErrBadRequest):
		return http.StatusBadRequest
	case errors.Is(err, ErrNoBasemap):
		return http.StatusNotFound
	case errors.Is(err, fleet.ErrInvalid):
		return http.StatusUnprocessableEntity
	case errors.Is(err, fleet.ErrLimit):
		return http.StatusUnprocessableEntity
	case errors.Is(err, fleet.ErrUnknownDrone), errors.Is(err, fleet.ErrUnknownStation), errors.Is(err, fleet.ErrUnknownTask):
		return http.StatusNotFound
	case errors.Is(err, fleet.ErrNoIncident), errors.Is(err, fleet.ErrIncidentOpen):
		return http.StatusConflict
	case errors.Is(err, fleet.ErrClosed), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// readBody reads a request body up to maxBody.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, fmt.Errorf("%w: body is larger than %d bytes", ErrBadRequest, maxBody)
		}
		return nil, fmt.Errorf("%w: reading body: %v", ErrBadRequest, err)
	}
	return data, nil
}

// logOrder records who ordered what.
func (s *Server) logOrder(r *http.Request, what string, args ...any) {
	c := callerOf(r)
	s.log.Info("api order", append([]any{"order", what, "by", c.Name}, args...)...)
}
