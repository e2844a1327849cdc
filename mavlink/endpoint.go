package mavlink

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// EndpointKind is the transport of an endpoint.
type EndpointKind string

// Endpoint kinds, spelled as MAVProxy and mavlink-router users write them.
const (
	UDPIn  EndpointKind = "udpin"  // listen for datagrams, reply to every sender heard
	UDPOut EndpointKind = "udpout" // send datagrams to a fixed address
	TCPIn  EndpointKind = "tcpin"  // accept TCP connections
	TCPOut EndpointKind = "tcpout" // connect to a TCP server, reconnecting when it drops
	Serial EndpointKind = "serial" // a serial port (radio modem)
	TLog   EndpointKind = "tlog"   // replay a telemetry log as a link (read only)
)

// ErrBadEndpoint is wrapped by every endpoint parsing error.
var ErrBadEndpoint = errors.New("mavlink: bad endpoint")

// Endpoint is one parsed endpoint string.
type Endpoint struct {
	Kind EndpointKind
	// Address is HOST:PORT for the network kinds, the device path for
	// serial and the file path for tlog.
	Address string
	// Baud is the serial speed; zero for the other kinds.
	Baud int
}

// String gives the endpoint back in the form ParseEndpoint reads.
func (e Endpoint) String() string {
	if e.Kind == Serial {
		return fmt.Sprintf("%s:%s:%d", e.Kind, e.Address, e.Baud)
	}
	return string(e.Kind) + ":" + e.Address
}

// ParseEndpoint reads an endpoint string: udpin:0.0.0.0:14550,
// udpout:HOST:PORT, tcpin:ADDR:PORT, tcpout:HOST:PORT,
// serial:/dev/ttyUSB0:57600 or tlog:FILE. The error names what is wrong and
// wraps ErrBadEndpoint.
func ParseEndpoint(s string) (Endpoint, error) {
	bad := func(format string, args ...any) (Endpoint, error) {
		return Endpoint{}, fmt.Errorf("%w %q: %s", ErrBadEndpoint, s, fmt.Sprintf(format, args...))
	}
	kind, rest, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return bad("want KIND:ADDRESS with KIND one of udpin, udpout, tcpin, tcpout, serial, tlog")
	}
	e := Endpoint{Kind: EndpointKind(strings.ToLower(kind))}
	switch e.Kind {
	case UDPIn, UDPOut, TCPIn, TCPOut:
		host, port, err := net.SplitHostPort(rest)
		if err != nil {
			return bad("want HOST:PORT after %s: (%v)", e.Kind, err)
		}
		p, err := strconv.Atoi(port)
		if err != nil || p < 0 || p > 65535 {
			return bad("port %q is not a number from 0 to 65535", port)
		}
		if p == 0 && (e.Kind == UDPOut || e.Kind == TCPOut) {
			return bad("%s needs a port to send to", e.Kind)
		}
		if host == "" && (e.Kind == UDPOut || e.Kind == TCPOut) {
			return bad("%s needs a host to send to", e.Kind)
		}
		if strings.ContainsAny(host, " \t/") {
			return bad("host %q is not a host name or address", host)
		}
		e.Address = net.JoinHostPort(host, strconv.Itoa(p))
	case Serial:
		i := strings.LastIndex(rest, ":")
		if i <= 0 {
			return bad("want serial:DEVICE:BAUD, e.g. serial:/dev/ttyUSB0:57600")
		}
		baud, err := strconv.Atoi(rest[i+1:])
		if err != nil || baud <= 0 || baud > 10_000_000 {
			return bad("baud %q is not a positive number", rest[i+1:])
		}
		e.Address, e.Baud = rest[:i], baud
	case TLog:
		if rest == "" {
			return bad("want tlog:FILE")
		}
		e.Address = rest
	default:
		return bad("unknown kind %q: want udpin, udpout, tcpin, tcpout, serial or tlog", kind)
	}
	return e, nil
}

// ParseEndpoints parses a comma-separated list of endpoint strings.
func ParseEndpoints(s string) ([]Endpoint, error) {
	var out []Endpoint
	for _, part := range strings.Split(s, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		e, err := ParseEndpoint(part)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no endpoint given", ErrBadEndpoint)
	}
	return out, nil
}
