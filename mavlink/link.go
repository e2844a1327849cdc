package mavlink

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/frame"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
	"github.com/bluenviron/gomavlib/v3/pkg/streamwriter"
	"github.com/bluenviron/gomavlib/v3/pkg/tlog"
	"go.bug.st/serial"
	"golang.org/x/net/ipv4"
)

// maxDatagram is the largest UDP payload read; MAVLink senders pack frames
// up to a path MTU, and a frame is at most 280 bytes.
const maxDatagram = 65535

// link is one endpoint. It owns one or more peers: the far ends it talks to
// (each sender heard on a udpin socket, each TCP connection).
type link struct {
	st      *Station
	ep      Endpoint
	name    string
	forward bool // an extra endpoint for routing, not a vehicle link

	udp  *net.UDPConn // udpin, udpout
	ln   net.Listener // tcpin
	addr net.Addr     // the bound or dialled address

	mu    sync.Mutex
	peers map[string]*peer

	rxFrames  atomic.Uint64
	txFrames  atomic.Uint64
	txDropped atomic.Uint64
	txErrors  atomic.Uint64
	dropFlag  atomic.Bool
}

// outItem is one frame to send: a message the station encodes and signs, or
// the bytes of a frame forwarded as received.
type outItem struct {
	msg message.Message
	raw []byte
}

// peer is one far end of a link, with its own send queue and writer.
type peer struct {
	link    *link
	key     string
	udpAddr netip.AddrPort     // udpin: where to send
	conn    io.ReadWriteCloser // stream and udpout peers
	q       chan outItem
	closed  chan struct{}
	once    sync.Once
	heard   atomic.Int64 // clock UnixNano of the last frame heard
}

func (s *Station) openLink(ep Endpoint, forward bool) (*link, error) {
	l := &link{st: s, ep: ep, name: ep.String(), forward: forward, peers: map[string]*peer{}}
	switch ep.Kind {
	case UDPIn:
		network := udpNetwork(ep.Address)
		a, err := net.ResolveUDPAddr(network, ep.Address)
		if err != nil {
			return nil, fmt.Errorf("mavlink: %s: %w", l.name, err)
		}
		c, err := net.ListenUDP(network, a)
		if err != nil {
			return nil, fmt.Errorf("mavlink: %s: %w", l.name, err)
		}
		_ = c.SetReadBuffer(4 << 20)
		l.udp, l.addr = c, c.LocalAddr()
	case UDPOut:
		network := udpNetwork(ep.Address)
		a, err := net.ResolveUDPAddr(network, ep.Address)
		if err != nil {
			return nil, fmt.Errorf("mavlink: %s: %w", l.name, err)
		}
		c, err := net.DialUDP(network, nil, a)
		if err != nil {
			return nil, fmt.Errorf("mavlink: %s: %w", l.name, err)
		}
		_ = c.SetReadBuffer(4 << 20)
		l.udp, l.addr = c, c.LocalAddr()
	case TCPIn:
		ln, err := net.Listen("tcp", ep.Address)
		if err != nil {
			return nil, fmt.Errorf("mavlink: %s: %w", l.name, err)
		}
		l.ln, l.addr = ln, ln.Addr()
	case TLog:
		f, err := os.Open(ep.Address)
		if err != nil {
			return nil, fmt.Errorf("mavlink: %s: %w", l.name, err)
		}
		l.addPeer("tlog", &peer{conn: f})
	case TCPOut, Serial:
		// connected by run, with reconnection
	default:
		return nil, fmt.Errorf("%w: kind %q", ErrBadEndpoint, ep.Kind)
	}
	return l, nil
}

// start runs the link's goroutines under the station's WaitGroup.
func (l *link) start() {
	s := l.st
	switch l.ep.Kind {
	case UDPIn:
		s.goRun(l.readUDPIn)
	case UDPOut:
		p := &peer{conn: l.udp}
		l.addPeer(l.ep.Address, p)
		s.goRun(func() { l.readDatagrams(p) })
	case TCPIn:
		s.goRun(l.accept)
	case TCPOut, Serial:
		s.goRun(l.dialLoop)
	case TLog:
		for _, p := range l.peerList() {
			s.goRun(func() { l.replay(p) })
		}
	}
}

// close stops the link's sockets; the readers then return.
func (l *link) close() {
	if l.udp != nil {
		l.udp.Close()
	}
	if l.ln != nil {
		l.ln.Close()
	}
	for _, p := range l.peerList() {
		p.close()
	}
}

func (l *link) addPeer(key string, p *peer) *peer {
	p.link, p.key = l, key
	p.q = make(chan outItem, l.st.cfg.WriteQueue)
	p.closed = make(chan struct{})
	l.mu.Lock()
	l.peers[key] = p
	l.mu.Unlock()
	if l.ep.Kind != TLog {
		l.st.goRun(p.write)
	}
	return p
}

func (l *link) removePeer(p *peer) {
	l.mu.Lock()
	if l.peers[p.key] == p {
		delete(l.peers, p.key)
	}
	l.mu.Unlock()
	p.close()
}

func (l *link) peerList() []*peer {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]*peer, 0, len(l.peers))
	for _, p := range l.peers {
		out = append(out, p)
	}
	return out
}

func (p *peer) close() {
	p.once.Do(func() {
		close(p.closed)
		if p.conn != nil && p.link.ep.Kind != UDPOut {
			p.conn.Close()
		}
	})
}

// trySend queues it without blocking; a full queue is counted and reported
// (EventTxDropped), never silent.
func (p *peer) trySend(it outItem) bool {
	select {
	case p.q <- it:
		return true
	case <-p.closed:
		return false
	default:
	}
	l := p.link
	n := l.txDropped.Add(1)
	l.st.ctr.txDropped.Add(1)
	if l.dropFlag.CompareAndSwap(false, true) {
		l.st.events.push(&EventTxDropped{Link: l.name, Total: n}, &l.dropFlag)
	}
	return false
}

// send queues it, waiting for room until ctx ends or wait passes on the
// station clock; then it reports ErrQueueFull.
func (p *peer) send(ctx context.Context, it outItem, wait time.Duration) error {
	select {
	case p.q <- it:
		return nil
	default:
	}
	t := p.link.st.clk.NewTimer(wait)
	defer t.Stop()
	select {
	case p.q <- it:
		return nil
	case <-p.closed:
		return fmt.Errorf("%w: %s closed", ErrLinkLost, p.link.name)
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C():
		p.link.txDropped.Add(1)
		p.link.st.ctr.txDropped.Add(1)
		return fmt.Errorf("%w: %s", ErrQueueFull, p.link.name)
	}
}

// captureWriter keeps the bytes of the last frame written.
type captureWriter struct{ b []byte }

func (c *captureWriter) Write(p []byte) (int, error) {
	c.b = append(c.b[:0], p...)
	return len(p), nil
}

// write is the peer's writer goroutine: it encodes, signs, sends and logs.
func (p *peer) write() {
	l := p.link
	s := l.st
	var cw captureWriter
	var linkID [1]byte
	_, _ = rand.Read(linkID[:])
	sw := &streamwriter.Writer{
		FrameWriter:     &frame.Writer{ByteWriter: &cw, DialectRW: s.dialect},
		Version:         streamwriter.V2,
		SystemID:        s.cfg.SystemID,
		ComponentID:     s.cfg.ComponentID,
		SignatureLinkID: linkID[0],
		Key:             s.cfg.SigningKey,
	}
	if err := sw.FrameWriter.Initialize(); err != nil {
		return
	}
	if err := sw.Initialize(); err != nil {
		return
	}
	for {
		var it outItem
		select {
		case it = <-p.q:
		case <-p.closed:
			return
		case <-s.done:
			return
		}
		b := it.raw
		if it.msg != nil {
			if err := sw.Write(it.msg); err != nil {
				l.txErrors.Add(1)
				s.ctr.txErrors.Add(1)
				continue
			}
			b = cw.b
		}
		var err error
		switch {
		case l.ep.Kind == UDPIn:
			_, err = l.udp.WriteToUDPAddrPort(b, p.udpAddr)
		case p.conn != nil:
			_, err = p.conn.Write(b)
		}
		if err != nil {
			l.txErrors.Add(1)
			s.ctr.txErrors.Add(1)
			if l.ep.Kind == TCPIn || l.ep.Kind == TCPOut || l.ep.Kind == Serial {
				p.close()
				return
			}
			continue
		}
		l.txFrames.Add(1)
		s.ctr.txFrames.Add(1)
		if it.msg != nil && s.tlog != nil {
			s.tlog.write(s.clk.Now(), b)
		}
	}
}

// udpNetwork is "udp4" for an IPv4 address (0.0.0.0 included, which Go
// would otherwise open as a dual-stack IPv6 socket), else "udp".
func udpNetwork(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err == nil {
		if a, err := netip.ParseAddr(host); err == nil && a.Is4() {
			return "udp4"
		}
	}
	return "udp"
}

// batch sizes for recvmmsg: datagrams per call and bytes per datagram (a
// MAVLink sender packs frames up to a path MTU; longer datagrams are cut
// and their tail counted as a parse error).
const (
	batchLen  = 32
	batchSize = 9000
)

func (l *link) readUDPIn() {
	if la, ok := l.udp.LocalAddr().(*net.UDPAddr); ok && la.IP.To4() != nil {
		l.readUDPInBatch()
		return
	}
	s := l.st
	buf := make([]byte, maxDatagram)
	d := s.newDecoder(l)
	var last *peer
	for {
		n, addr, err := l.udp.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			select {
			case <-s.done:
				return
			default:
				continue // e.g. ICMP port unreachable from an earlier send
			}
		}
		p := last
		if p == nil || p.udpAddr != addr {
			p = l.udpPeer(addr)
			last = p
		}
		d.datagram(p, buf[:n])
	}
}

// readUDPInBatch reads many datagrams per system call (recvmmsg where the
// system has it): at a thousand vehicles the calls, not the decoding, are
// the cost.
func (l *link) readUDPInBatch() {
	s := l.st
	pc := ipv4.NewPacketConn(l.udp)
	msgs := make([]ipv4.Message, batchLen)
	for i := range msgs {
		msgs[i].Buffers = [][]byte{make([]byte, batchSize)}
	}
	d := s.newDecoder(l)
	var last *peer
	for {
		n, err := pc.ReadBatch(msgs, 0)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			select {
			case <-s.done:
				return
			default:
				continue
			}
		}
		for i := range msgs[:n] {
			m := &msgs[i]
			ua, ok := m.Addr.(*net.UDPAddr)
			if !ok {
				continue
			}
			addr := ua.AddrPort()
			addr = netip.AddrPortFrom(addr.Addr().Unmap(), addr.Port())
			p := last
			if p == nil || p.udpAddr != addr {
				p = l.udpPeer(addr)
				last = p
			}
			d.datagram(p, m.Buffers[0][:m.N])
		}
	}
}

func (l *link) udpPeer(addr netip.AddrPort) *peer {
	key := addr.String()
	l.mu.Lock()
	p := l.peers[key]
	l.mu.Unlock()
	if p == nil {
		p = l.addPeer(key, &peer{udpAddr: addr})
	}
	return p
}

func (l *link) readDatagrams(p *peer) {
	s := l.st
	buf := make([]byte, maxDatagram)
	d := s.newDecoder(l)
	for {
		n, err := l.udp.Read(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			select {
			case <-s.done:
				return
			case <-time.After(10 * time.Millisecond): // connection refused: no one listens yet
				continue
			}
		}
		d.datagram(p, buf[:n])
	}
}

func (l *link) accept() {
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return
		}
		p := l.addPeer(c.RemoteAddr().String(), &peer{conn: c})
		l.st.goRun(func() {
			l.st.newDecoder(l).stream(p, c)
			l.removePeer(p)
		})
	}
}

// dialLoop keeps a tcpout or serial link connected, retrying every second
// of station time while the station runs.
func (l *link) dialLoop() {
	s := l.st
	for {
		var c io.ReadWriteCloser
		var err error
		if l.ep.Kind == TCPOut {
			var nc net.Conn
			nc, err = (&net.Dialer{Timeout: 5 * time.Second}).Dial("tcp", l.ep.Address)
			c = nc
		} else {
			c, err = serial.Open(l.ep.Address, &serial.Mode{BaudRate: l.ep.Baud})
		}
		if err == nil {
			p := l.addPeer(l.ep.Address, &peer{conn: c})
			stop := make(chan struct{})
			go func() {
				select {
				case <-s.done:
					p.close()
				case <-stop:
				}
			}()
			s.newDecoder(l).stream(p, c)
			close(stop)
			l.removePeer(p)
		}
		select {
		case <-s.done:
			return
		case <-s.clk.After(time.Second):
		}
	}
}

// replay feeds a telemetry log through the link, paced by its timestamps on
// the station clock.
func (l *link) replay(p *peer) {
	s := l.st
	defer p.close()
	r := &tlog.Reader{ByteReader: p.conn}
	if err := r.Initialize(); err != nil {
		return
	}
	d := s.newDecoder(l)
	var prev time.Time
	for {
		e, err := r.Read()
		if err != nil {
			var re frame.ReadError
			if errors.As(err, &re) {
				s.ctr.rxParseErrors.Add(1)
				continue
			}
			return
		}
		if !prev.IsZero() && e.Time.After(prev) {
			select {
			case <-s.clk.After(e.Time.Sub(prev)):
			case <-s.done:
				return
			}
		}
		prev = e.Time
		d.frame(p, e.Frame, nil)
	}
}
