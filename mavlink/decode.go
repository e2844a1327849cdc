package mavlink

import (
	"bufio"
	"bytes"
	"crypto/subtle"
	"errors"
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

// datagram decodes every frame in buf.
func (d *decoder) datagram(p *peer, buf []byte) {
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
			return
		}
		rest := buf[i:]
		d.src.Reset(rest)
		d.br.Reset(&d.src)
		fr, err := d.fr.Read()
		if err != nil {
			s.ctr.rxParseErrors.Add(1)
			pos = i + 1
			continue
		}
		n := len(rest) - d.src.Len() - d.br.Buffered()
		if n < len(rest) && !isMagic(rest[n]) && s.dialect.GetMessage(fr.GetMessage().GetID()) == nil {
			// An unknown message id has no checksum to trust: inside a
			// datagram it counts as a frame only if another frame or the
			// datagram's end follows; otherwise it is noise that would
			// swallow the good frames after it.
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
}

// stream decodes frames from a byte stream (TCP, serial) until it fails.
func (d *decoder) stream(p *peer, r io.Reader) {
	br := bufio.NewReaderSize(r, 4096)
	fr := frame.Reader{BufByteReader: br}
	for {
		f, err := fr.Read()
		if err != nil {
			var re frame.ReadError
			if errors.As(err, &re) {
				d.st.ctr.rxParseErrors.Add(1)
				continue
			}
			return
		}
		d.frame(p, f, nil)
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
