package mavlink

import (
	"bufio"
	"bytes"
	"math"
	"testing"

	"github.com/aerocell/aerocell/internal/closetest"
	"github.com/bluenviron/gomavlib/v3/pkg/frame"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// fuzzStation is a station whose decoder is fed directly.
func fuzzStation(f *testing.F, key *frame.V2Key) (*Station, *decoder, *peer) {
	s, err := Open(Config{Endpoints: []string{"udpin:127.0.0.1:0"}, StreamRate: -1, EventQueue: 1 << 10, SigningKey: key})
	if err != nil {
		f.Fatal(err)
	}
	closetest.AtEnd(f, s)
	l := s.links[0]
	p := &peer{link: l, key: "fuzz", q: make(chan outItem, 1<<10), closed: make(chan struct{})}
	return s, s.newDecoder(l), p
}

func frameSeeds(f *testing.F) [][]byte {
	e := newEncoder(f, VehicleID{1, 1}, nil)
	hb := e.frames(f, copterHeartbeat())
	pos := e.frames(f, &common.MessageGlobalPositionInt{Lat: 1, Lon: 2})
	text := e.frames(f, &common.MessageStatustext{Text: "hello"})
	key, _ := ParseSigningKey("fuzz")
	signed := newEncoder(f, VehicleID{2, 1}, key).frames(f, copterHeartbeat())
	return [][]byte{
		hb, pos, text, signed,
		bytes.Join([][]byte{hb, pos, text}, nil), // packed
		hb[:len(hb)-3],                           // truncated
		append([]byte{0x00, 0xfe, 0x01}, hb...),  // noise first
		{0xfd}, {0xfe, 0xff}, {},
	}
}

// FuzzDatagram: no input panics the frame path, and the good frames of a
// datagram are never more than its frames.
func FuzzDatagram(f *testing.F) {
	for _, s := range frameSeeds(f) {
		f.Add(s)
	}
	s, d, p := fuzzStation(f, nil)
	f.Fuzz(func(t *testing.T, b []byte) {
		before := s.ctr.rxFrames.Load()
		d.datagram(p, b)
		if got := s.ctr.rxFrames.Load() - before; got > uint64(len(b)/8) {
			t.Fatalf("%d frames from %d bytes", got, len(b))
		}
	})
}

// FuzzSignedDatagram: the frame path with signing on. The fuzzer cannot
// forge a signature, so unless the input holds a frame that verifies with
// the key (found here independently, at every offset), nothing gets in.
func FuzzSignedDatagram(f *testing.F) {
	for _, s := range frameSeeds(f) {
		f.Add(s)
	}
	key, _ := ParseSigningKey("fuzz")
	s, d, p := fuzzStation(f, key)
	f.Fuzz(func(t *testing.T, b []byte) {
		before := s.ctr.rxFrames.Load()
		d.datagram(p, b)
		if got := s.ctr.rxFrames.Load() - before; got > 0 && !holdsSignedFrame(b, key) {
			t.Fatalf("%d frames accepted from %x with signing on", got, b)
		}
	})
}

// holdsSignedFrame reports whether a V2 frame signed with key starts at
// any offset of b.
func holdsSignedFrame(b []byte, key *frame.V2Key) bool {
	for i := range b {
		if b[i] != frame.V2MagicByte {
			continue
		}
		r := &frame.Reader{BufByteReader: bufio.NewReader(bytes.NewReader(b[i:]))}
		fr, err := r.Read()
		if err != nil {
			continue
		}
		if f2, ok := fr.(*frame.V2Frame); ok && f2.Signature != nil && *f2.GenerateSignature(key) == *f2.Signature {
			return true
		}
	}
	return false
}

// FuzzStream: the same bytes through the stream (TCP, serial) path.
func FuzzStream(f *testing.F) {
	for _, s := range frameSeeds(f) {
		f.Add(s)
	}
	_, d, p := fuzzStation(f, nil)
	f.Fuzz(func(t *testing.T, b []byte) {
		d.stream(p, bytes.NewReader(b))
	})
}

// FuzzParseEndpoint: every string gives an endpoint or an error, and a
// parsed endpoint prints back to itself.
func FuzzParseEndpoint(f *testing.F) {
	for _, s := range []string{"udpin:0.0.0.0:14550", "udpout:10.0.0.2:14551", "tcpin::5760", "tcpout:localhost:5760",
		"serial:/dev/ttyUSB0:57600", "serial:COM3:115200", "tlog:/tmp/a.tlog", "udp:1", "udpin:[::1]:14550", ":", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseEndpoint(s)
		if err != nil {
			return
		}
		again, err := ParseEndpoint(e.String())
		if err != nil || again != e {
			t.Fatalf("%q -> %+v -> %q -> %+v, %v", s, e, e.String(), again, err)
		}
	})
}

// FuzzTerrainRequest: no TERRAIN_REQUEST or TERRAIN_CHECK panics the
// terrain server; a refused one leaves nothing owed, an accepted one owes
// only the blocks its mask asks for, and every block answered lies on the
// grid asked.
func FuzzTerrainRequest(f *testing.F) {
	f.Add(int32(442000000), int32(-714000000), uint16(100), uint64(1<<56-1), int32(442000000), int32(-714000000))
	f.Add(int32(442000000), int32(-714000000), uint16(0), uint64(1), int32(0), int32(0))
	f.Add(int32(900000000), int32(1800000000), uint16(65535), uint64(1<<55), int32(-900000001), int32(0))
	f.Add(int32(-2147483648), int32(2147483647), uint16(1), uint64(1<<63), int32(0), int32(-2147483648))
	s, _, _ := fuzzStation(f, nil)
	ts := newTerrainServer(s, openDEM(f), 20)
	id := VehicleID{1, 1}
	f.Fuzz(func(t *testing.T, lat, lon int32, spacing uint16, mask uint64, clat, clon int32) {
		req := &common.MessageTerrainRequest{Lat: lat, Lon: lon, GridSpacing: spacing, Mask: mask}
		err := ts.request(id, req)
		if (err != nil) != (checkTerrainRequest(req) != nil) {
			t.Fatalf("request %+v: %v", req, err)
		}
		chkErr := ts.check(id, &common.MessageTerrainCheck{Lat: clat, Lon: clon})
		var blocks uint64
		for {
			_, r, bit, chk, ok := ts.next()
			if !ok {
				break
			}
			if chk != nil {
				if chkErr != nil {
					t.Fatalf("refused check %d,%d answered", clat, clon)
				}
				if rep := ts.report(id, chk); rep.Spacing != 0 && math.IsNaN(float64(rep.TerrainHeight)) {
					t.Fatalf("report %+v", rep)
				}
				continue
			}
			if err != nil {
				t.Fatalf("refused request %+v served", req)
			}
			if mask&(1<<bit) == 0 || bit >= 56 || blocks&(1<<bit) != 0 {
				t.Fatalf("block %d for mask %#x (sent %#x)", bit, mask, blocks)
			}
			blocks |= 1 << bit
			if d, ok := ts.block(&r, bit); ok && (d.Lat != lat || d.Lon != lon || d.GridSpacing != spacing || int(d.Gridbit) != bit) {
				t.Fatalf("block %+v for request %+v", d, req)
			}
		}
		if err == nil && blocks != mask&terrainAllBlocks {
			t.Fatalf("blocks %#x for mask %#x", blocks, mask)
		}
	})
}
