package mavlink

import (
	"bufio"
	"bytes"
	"crypto/subtle"
	"io"

	"github.com/bluenviron/gomavlib/v3/pkg/frame"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
)

// signatureWindow is how far back (in the signature's 10 µs units) a
// signed frame's timestamp may be from the newest seen on its stream:
// UDP may reorder, as gomavlib also allows. 10 seconds.
const signatureWindow = 10 * 100000

// sigStream identifies a signing stream: (system, component, link id).
type sigStream struct{ sys, comp, linkID uint8 }

// decoder turns the bytes of one reader goroutine into frames. Each datagram
// is decoded frame after frame to its end; after a bad frame the decoder
// resynchronises on the next magic byte, so one bad frame costs no good one.
type decoder struct {
	st   *Station
	link *link
	src  bytes.Reader
	br   *bufio.Reader
	fr   frame.Reader
	sig  map[sigStream]uint64
}

func (s *Station) newDecoder(l *link) *decoder {
	d := &decoder{st: s, link: l, sig: map[sigStream]uint64{}}
	d.br = bufio.NewReaderSize(&d.src, 512)
	d.fr.BufByteReader = d.br
	return d
}

func isMagic(b byte) bool { return b == frame.V2MagicByte || b == frame.V1MagicByte }

// frameLen is the length of the frame whose magic byte starts b, from its
// header; 0 when b is too short to hold the header.
func frameLen(b []byte) int {
	switch {
	case b[0] == frame.V2MagicByte && len(b) >= 10:
		n := 10 + int(b[1]) + 2
		if b[2]&frame.V2FlagSigned != 0 {
			n += 13
		}
		return n
	case b[0] == frame.V1MagicByte && len(b) >= 6:
		return 6 + int(b[1]) + 2
	}
	return 0
}

// datagram decodes every frame in buf.
func (d *decoder) datagram(p *peer, buf []byte) { d.parse(p, buf, false) }

// parse decodes the frames in buf and returns how many bytes it used. A
// frame cut by the end of buf is a parse error in a datagram (final); in a
// stream it is left, unused, for the next read. After a bad frame the
// decoder resynchronises on the next magic byte, inside the bad frame, so
// one corrupted frame costs no good one.
func (d *decoder) parse(p *peer, buf []byte, stream bool) int {
	s := d.st
	pos := 0
	for pos < len(buf) {
		i := pos
		for i < len(buf) && !isMagic(buf[i]) {
			i++
		}
		if i > pos {
			s.ctr.rxGarbage.Add(uint64(i - pos))
		}
		if i == len(buf) {
			return i
		}
		rest := buf[i:]
		n := frameLen(rest)
		if n == 0 || n > len(rest) {
			if stream {
				return i // wait for the rest of the frame
			}
			s.ctr.rxParseErrors.Add(1)
			pos = i + 1
			continue
		}
		d.src.Reset(rest[:n])
		d.br.Reset(&d.src)
		fr, err := d.fr.Read()
		if err != nil {
			s.ctr.rxParseErrors.Add(1)
			pos = i + 1
			continue
		}
		if n < len(rest) && !isMagic(rest[n]) && s.dialect.GetMessage(fr.GetMessage().GetID()) == nil {
			// An unknown message id has no checksum to trust: it counts as a
			// frame only if another frame or the end of the data follows;
			// otherwise it is noise that would swallow the good frames
			// after it.
			s.ctr.rxParseErrors.Add(1)
			pos = i + 1
			continue
		}
		if d.frame(p, fr, rest[:n]) {
			pos = i + n
		} else {
			pos = i + 1
		}
	}
	return pos
}

// stream decodes frames from a byte stream (TCP, serial) until it fails,
// with the same resynchronisation as datagrams: a serial radio's noise can
// corrupt a length byte, and that must not swallow the frames behind it.
func (d *decoder) stream(p *peer, r io.Reader) {
	buf := make([]byte, 0, 16<<10)
	for {
		if len(buf) == cap(buf) { // a full buffer of unfinished frame: impossible, but never stall
			d.st.ctr.rxGarbage.Add(uint64(len(buf)))
			buf = buf[:0]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			d.parse(p, buf, false) // the end: what is cut is cut, the rest is read
			return
		}
		used := d.parse(p, buf, true)
		buf = buf[:copy(buf, buf[used:])]
	}
}

// frame checks one frame (signature, checksum), then routes, logs and
// handles it. raw is the frame's bytes when known. It reports false when the
// frame's checksum was wrong, so that the caller resynchronises inside it.
func (d *decoder) frame(p *peer, fr frame.Frame, raw []byte) bool {
	s := d.st
	rm, ok := fr.GetMessage().(*message.MessageRaw)
	if !ok {
		return true
	}
	if key := s.cfg.SigningKey; key != nil {
		f2, ok := fr.(*frame.V2Frame)
		switch {
		case !ok || !f2.IsSigned() || f2.Signature == nil:
			s.ctr.rxUnsigned.Add(1)
			return true
		default:
			sig := f2.GenerateSignature(key)
			if subtle.ConstantTimeCompare(sig[:], f2.Signature[:]) != 1 {
				// a bad checksum also breaks the signature: tell them apart
				if mp := s.dialect.GetMessage(rm.ID); mp != nil && fr.GenerateChecksum(mp.CRCExtra()) != fr.GetChecksum() {
					s.ctr.rxBadChecksum.Add(1)
					return false
				}
				s.ctr.rxBadSignature.Add(1)
				return true
			}
			k := sigStream{f2.SystemID, f2.ComponentID, f2.SignatureLinkID}
			last := d.sig[k]
			if last > signatureWindow && f2.SignatureTimestamp < last-signatureWindow {
				s.ctr.rxReplayed.Add(1)
				return true
			}
			if f2.SignatureTimestamp > last {
				d.sig[k] = f2.SignatureTimestamp
			}
		}
	}
	mp := s.dialect.GetMessage(rm.ID)
	if mp == nil {
		s.ctr.rxUnknown.Add(1)
	} else if fr.GenerateChecksum(mp.CRCExtra()) != fr.GetChecksum() {
		s.ctr.rxBadChecksum.Add(1)
		return false
	}
	s.ctr.rxFrames.Add(1)
	d.link.rxFrames.Add(1)
	now := s.clk.Now()
	p.heard.Store(now.UnixNano())
	if fr.GetSystemID() == s.cfg.SystemID && fr.GetComponentID() == s.cfg.ComponentID {
		return true // our own frames, echoed back by a router or a log
	}
	if !d.link.forward && s.secondSource(d.link, p, VehicleID{fr.GetSystemID(), fr.GetComponentID()}, fr.GetSequenceNumber(), now) {
		return true // a second source for a known vehicle: neither logged, routed nor merged
	}
	if s.tlog != nil || s.routing {
		if raw == nil {
			raw = marshalFrame(fr)
		}
		if s.tlog != nil {
			s.tlog.write(now, raw)
		}
		if s.routing {
			s.route(d.link, raw, fr, rm, mp)
		}
	}
	if mp != nil && !d.link.forward {
		s.handle(d.link, p, fr, rm, mp, now)
	}
	return true
}

// marshalFrame gives the bytes of a frame whose message is raw.
func marshalFrame(fr frame.Frame) []byte {
	var cw captureWriter
	w := frame.Writer{ByteWriter: &cw}
	if err := w.Initialize(); err != nil {
		return nil
	}
	if err := w.Write(fr); err != nil {
		return nil
	}
	return cw.b
}
