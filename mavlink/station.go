package mavlink

import (
	"context"
	"fmt"
	"net"
	"reflect"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aerocell/aerocell/clock"
	"github.com/bluenviron/gomavlib/v3/pkg/dialect"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/ardupilotmega"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/frame"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
)

// Station is the ground station's end of every link. Open starts it; Close
// stops it. All methods are safe for concurrent use.
type Station struct {
	cfg     Config
	clk     clock.Clock
	dialect *dialect.ReadWriter
	links   []*link // vehicle links
	fwd     []*link // forward (routing) links
	routing bool
	tlog    *tlogWriter
	events  *eventQueue
	ctr     counters
	terrain *terrainServer // nil without Config.Terrain

	mu       sync.RWMutex
	vehicles map[VehicleID]*vehicle

	wg        sync.WaitGroup
	done      chan struct{} // closed when Close is called
	closed    chan struct{} // closed when Close has finished
	closeOnce sync.Once
	closeErr  error
}

type counters struct {
	rxFrames, rxGarbage, rxParseErrors, rxBadChecksum, rxUnknown atomic.Uint64
	rxUnsigned, rxBadSignature, rxReplayed, rxConflicting        atomic.Uint64
	txFrames, txDropped, txErrors, inboxDropped                  atomic.Uint64
	terrainBlocks, terrainRefused, terrainMissing                atomic.Uint64
}

// Stats are the station's counters since Open.
type Stats struct {
	RxFrames         uint64 // frames accepted
	RxGarbageBytes   uint64 // bytes skipped looking for a frame start
	RxParseErrors    uint64 // truncated frames and bad headers
	RxBadChecksum    uint64 // frames whose CRC did not match
	RxUnknownMessage uint64 // frames with a message id not in the dialect (still routed)
	RxUnsigned       uint64 // refused: unsigned while signing is on
	RxBadSignature   uint64 // refused: signed with another key
	RxReplayed       uint64 // refused: signature timestamp too old
	RxConflicting    uint64 // refused: a second source of a known vehicle (EventConflict)
	TxFrames         uint64 // frames sent
	TxDropped        uint64 // frames not sent because a send queue was full
	TxErrors         uint64 // frames the socket refused
	EventsDropped    uint64 // events lost to a full event queue (see EventOverflow)
	InboxDropped     uint64 // mission/ack messages that found their waiter's inbox full
	TerrainBlocks    uint64 // TERRAIN_DATA blocks sent (Config.Terrain)
	TerrainRefused   uint64 // bad TERRAIN_REQUEST / TERRAIN_CHECK refused
	TerrainMissing   uint64 // blocks not sent: the terrain source has no data there
	Links            []LinkStats
}

// RxRefused is how many frames signing refused, for every reason.
func (s Stats) RxRefused() uint64 { return s.RxUnsigned + s.RxBadSignature + s.RxReplayed }

// LinkStats are one link's counters.
type LinkStats struct {
	Name      string
	Forward   bool
	Addr      string // the local address bound or dialled from, when there is one
	Peers     int
	RxFrames  uint64
	TxFrames  uint64
	TxDropped uint64
	TxErrors  uint64
}

// Open validates cfg, opens every endpoint and starts the station. A bad
// endpoint or a port in use is an error that names it.
func Open(cfg Config) (*Station, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	drw := &dialect.ReadWriter{Dialect: ardupilotmega.Dialect}
	if err := drw.Initialize(); err != nil {
		return nil, fmt.Errorf("mavlink: dialect: %w", err)
	}
	s := &Station{
		cfg:      cfg,
		clk:      cfg.Clock,
		dialect:  drw,
		events:   newEventQueue(cfg.EventQueue),
		vehicles: map[VehicleID]*vehicle{},
		done:     make(chan struct{}),
		closed:   make(chan struct{}),
		routing:  len(cfg.Forward) > 0,
	}
	fail := func(err error) (*Station, error) {
		for _, l := range append(s.links, s.fwd...) {
			l.close()
		}
		if s.tlog != nil {
			s.tlog.close()
		}
		return nil, err
	}
	for _, str := range cfg.Endpoints {
		ep, _ := ParseEndpoint(str)
		l, err := s.openLink(ep, false)
		if err != nil {
			return fail(err)
		}
		s.links = append(s.links, l)
	}
	for _, str := range cfg.Forward {
		ep, _ := ParseEndpoint(str)
		l, err := s.openLink(ep, true)
		if err != nil {
			return fail(err)
		}
		s.fwd = append(s.fwd, l)
	}
	if cfg.TlogPath != "" {
		t, err := createTlog(cfg.TlogPath)
		if err != nil {
			return fail(err)
		}
		s.tlog = t
	}
	s.goRun(func() { s.events.run(s.done) })
	for _, l := range append(append([]*link(nil), s.links...), s.fwd...) {
		l.start()
	}
	s.goRun(s.heartbeats)
	s.goRun(s.watchLinks)
	if cfg.Terrain != nil {
		s.terrain = newTerrainServer(s, cfg.Terrain, cfg.TerrainRate)
		s.goRun(s.terrain.run)
	}
	return s, nil
}

func (s *Station) goRun(f func()) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		f()
	}()
}

// Close stops the station, closes every link, waits for every goroutine
// and flushes the telemetry log. It returns the log's write error, if any,
// or ctx.Err() if ctx ends first (the station still goes down: Done is
// closed at once and the rest finishes in the background; a later Close
// waits for it again). It is safe to call more than once.
func (s *Station) Close(ctx context.Context) error {
	s.closeOnce.Do(func() {
		close(s.done)
		go func() {
			defer close(s.closed)
			for _, l := range append(append([]*link(nil), s.links...), s.fwd...) {
				l.close()
			}
			s.wg.Wait()
			if s.tlog != nil {
				s.closeErr = s.tlog.close()
			}
		}()
	})
	select {
	case <-s.closed:
		return s.closeErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Events delivers what happens on the links, in order. State changes are
// never dropped silently: if the consumer falls Config.EventQueue events
// behind, an EventOverflow says how many were lost. The channel is never
// closed; stop reading when Close has been called.
func (s *Station) Events() <-chan Event { return s.events.out }

// Done is closed when Close is called.
func (s *Station) Done() <-chan struct{} { return s.done }

// SystemID is the station's own MAVLink system id.
func (s *Station) SystemID() uint8 { return s.cfg.SystemID }

// Addrs gives the local address of each endpoint in Config.Endpoints order
// (nil for those without one yet): a udpin on port 0 learns its port here.
func (s *Station) Addrs() []net.Addr {
	out := make([]net.Addr, len(s.links))
	for i, l := range s.links {
		out[i] = l.addr
	}
	return out
}

// Stats returns the counters.
func (s *Station) Stats() Stats {
	c := &s.ctr
	st := Stats{
		RxFrames: c.rxFrames.Load(), RxGarbageBytes: c.rxGarbage.Load(),
		RxParseErrors: c.rxParseErrors.Load(), RxBadChecksum: c.rxBadChecksum.Load(),
		RxUnknownMessage: c.rxUnknown.Load(), RxUnsigned: c.rxUnsigned.Load(),
		RxBadSignature: c.rxBadSignature.Load(), RxReplayed: c.rxReplayed.Load(),
		RxConflicting: c.rxConflicting.Load(),
		TxFrames:      c.txFrames.Load(), TxDropped: c.txDropped.Load(), TxErrors: c.txErrors.Load(),
		EventsDropped: s.events.dropped.Load(), InboxDropped: c.inboxDropped.Load(),
		TerrainBlocks: c.terrainBlocks.Load(), TerrainRefused: c.terrainRefused.Load(),
		TerrainMissing: c.terrainMissing.Load(),
	}
	for _, l := range append(append([]*link(nil), s.links...), s.fwd...) {
		ls := LinkStats{Name: l.name, Forward: l.forward, Peers: len(l.peerList()),
			RxFrames: l.rxFrames.Load(), TxFrames: l.txFrames.Load(),
			TxDropped: l.txDropped.Load(), TxErrors: l.txErrors.Load()}
		if l.addr != nil {
			ls.Addr = l.addr.String()
		}
		st.Links = append(st.Links, ls)
	}
	return st
}

// Vehicles returns a copy of every vehicle's telemetry, ordered by id.
func (s *Station) Vehicles() []Telemetry {
	s.mu.RLock()
	vs := make([]*vehicle, 0, len(s.vehicles))
	for _, v := range s.vehicles {
		vs = append(vs, v)
	}
	s.mu.RUnlock()
	now := s.clk.Now()
	out := make([]Telemetry, len(vs))
	for i, v := range vs {
		out[i] = v.snapshot(now)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID.less(out[j].ID) })
	return out
}

// Vehicle returns one vehicle's telemetry; false if it was never heard.
func (s *Station) Vehicle(id VehicleID) (Telemetry, bool) {
	v := s.vehicle(id)
	if v == nil {
		return Telemetry{}, false
	}
	return v.snapshot(s.clk.Now()), true
}

func (s *Station) vehicle(id VehicleID) *vehicle {
	s.mu.RLock()
	v := s.vehicles[id]
	s.mu.RUnlock()
	return v
}

// staleUDPPeer: a udpin sender silent for this many link-loss timeouts no
// longer gets heartbeats.
const staleUDPPeer = 12

// heartbeats sends the station's HEARTBEAT on every link each period.
func (s *Station) heartbeats() {
	hb := &common.MessageHeartbeat{
		Type:           common.MAV_TYPE_GCS,
		Autopilot:      common.MAV_AUTOPILOT_INVALID,
		SystemStatus:   common.MAV_STATE_ACTIVE,
		MavlinkVersion: 3,
	}
	t := s.clk.NewTicker(s.cfg.HeartbeatPeriod)
	defer t.Stop()
	for {
		for _, l := range append(append([]*link(nil), s.links...), s.fwd...) {
			if l.ep.Kind == TLog {
				continue
			}
			for _, p := range l.peerList() {
				if l.ep.Kind == UDPIn && s.clk.Now().UnixNano()-p.heard.Load() > int64(staleUDPPeer*s.cfg.LinkLossTimeout) {
					continue // a sender long gone (e.g. a drone that came back on another port)
				}
				p.trySend(outItem{msg: hb})
			}
		}
		if s.tlog != nil {
			s.tlog.flush()
		}
		select {
		case <-t.C():
		case <-s.done:
			return
		}
	}
}

// watchLinks marks vehicles lost when their heartbeats stop.
func (s *Station) watchLinks() {
	period := s.cfg.LinkLossTimeout / 5
	if period <= 0 {
		period = time.Millisecond
	}
	t := s.clk.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-t.C():
		case <-s.done:
			return
		}
		now := s.clk.Now()
		s.mu.RLock()
		vs := make([]*vehicle, 0, len(s.vehicles))
		for _, v := range s.vehicles {
			vs = append(vs, v)
		}
		s.mu.RUnlock()
		for _, v := range vs {
			v.mu.Lock()
			var ev *EventLost
			if !v.lost && now.Sub(v.lastHeartbeat) > s.cfg.LinkLossTimeout {
				v.lost = true
				close(v.lostCh)
				ev = &EventLost{Vehicle: v.id, LastHeard: v.lastHeartbeat}
			}
			v.mu.Unlock()
			if ev != nil {
				s.events.push(ev, nil)
			}
		}
	}
}

// route forwards a received frame: from a vehicle link to every forward
// link; from a forward link to the vehicle links, only towards the system a
// message is addressed to when that system is known (as mavlink-router
// does), else to every vehicle link.
func (s *Station) route(from *link, raw []byte, fr frame.Frame, rm *message.MessageRaw, mp *message.ReadWriter) {
	var peers []*peer
	if from.forward {
		if sys := targetSystem(fr, rm, mp); sys != 0 {
			peers = s.peersOf(sys)
		}
		if peers == nil {
			for _, l := range s.links {
				peers = append(peers, l.peerList()...)
			}
		}
	} else {
		for _, l := range s.fwd {
			peers = append(peers, l.peerList()...)
		}
	}
	var cp []byte
	for _, p := range peers {
		if p.link == from || p.link.ep.Kind == TLog {
			continue
		}
		if cp == nil {
			cp = append([]byte(nil), raw...)
		}
		p.trySend(outItem{raw: cp})
	}
}

// targetSystem is the target_system field of a message; 0 when it has none
// (or is a broadcast).
func targetSystem(fr frame.Frame, rm *message.MessageRaw, mp *message.ReadWriter) uint8 {
	if mp == nil {
		return 0
	}
	msg, err := mp.Read(rm, isV2(fr))
	if err != nil {
		return 0
	}
	f := reflect.ValueOf(msg).Elem().FieldByName("TargetSystem")
	if !f.IsValid() || f.Kind() != reflect.Uint8 {
		return 0
	}
	return uint8(f.Uint())
}

// peersOf lists the open peers through which a system was heard.
func (s *Station) peersOf(sys uint8) []*peer {
	s.mu.RLock()
	var vs []*vehicle
	for id, v := range s.vehicles {
		if id.SysID == sys {
			vs = append(vs, v)
		}
	}
	s.mu.RUnlock()
	var out []*peer
	seen := map[*peer]bool{}
	for _, v := range vs {
		v.mu.Lock()
		for _, r := range v.routes {
			if !seen[r.peer] {
				seen[r.peer] = true
				out = append(out, r.peer)
			}
		}
		v.mu.Unlock()
	}
	return out
}
