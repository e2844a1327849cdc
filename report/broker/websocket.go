package broker

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/mochi-mqtt/server/v2/listeners"
)

// wsListener serves MQTT over WebSocket (subprotocol "mqtt", binary
// frames) for browser clients. Unlike mochi's listener it binds its address
// in Init, so that a bad address fails Start and port 0 can be used.
type wsListener struct {
	id   string
	addr string
	ln   net.Listener
	srv  *http.Server
	log  *slog.Logger
	tls  *tls.Config
	up   websocket.Upgrader

	mu        sync.Mutex
	establish listeners.EstablishFn // set by Serve
	once      sync.Once
}

func newWSListener(id, addr string, tlsConfig *tls.Config) *wsListener {
	return &wsListener{id: id, addr: addr, tls: tlsConfig}
}

func (l *wsListener) ID() string { return l.id }
func (l *wsListener) Protocol() string {
	if l.tls != nil {
		return "wss"
	}
	return "ws"
}

func (l *wsListener) Address() string {
	if l.ln != nil {
		return l.ln.Addr().String()
	}
	return l.addr
}

func (l *wsListener) Init(log *slog.Logger) error {
	l.log = log
	ln, err := net.Listen("tcp", l.addr)
	if err != nil {
		return err
	}
	if l.tls != nil {
		ln = tls.NewListener(ln, l.tls)
	}
	l.ln = ln
	l.up = websocket.Upgrader{
		Subprotocols:    []string{"mqtt", "mqttv3.1"},
		CheckOrigin:     func(*http.Request) bool { return true }, // access is by MQTT login, not by origin
		ReadBufferSize:  4096,
		WriteBufferSize: 4096,
	}
	l.srv = &http.Server{Handler: http.HandlerFunc(l.handle), ReadHeaderTimeout: 10 * time.Second}
	return nil
}

func (l *wsListener) Serve(establish listeners.EstablishFn) {
	l.mu.Lock()
	l.establish = establish
	l.mu.Unlock()
	if err := l.srv.Serve(l.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		l.log.Error("websocket listener stopped", "error", err, "listener", l.id)
	}
}

func (l *wsListener) handle(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	establish := l.establish
	l.mu.Unlock()
	if establish == nil {
		http.Error(w, "not serving yet", http.StatusServiceUnavailable)
		return
	}
	c, err := l.up.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered the client
	}
	defer c.Close()
	if err := establish(l.id, &wsConn{Conn: c.NetConn(), ws: c}); err != nil {
		l.log.Debug("websocket client ended", "error", err, "remote", r.RemoteAddr)
	}
}

func (l *wsListener) Close(closeClients listeners.CloseFn) {
	l.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if l.srv != nil {
			_ = l.srv.Shutdown(ctx)
			_ = l.ln.Close() // if Serve never ran
		}
	})
	closeClients(l.id)
}

// wsConn is a byte stream over WebSocket binary messages: one MQTT packet
// may span messages and one message may hold several packets.
type wsConn struct {
	net.Conn // addresses, deadlines and Close of the underlying connection
	ws       *websocket.Conn
	cur      io.Reader // the message being read, nil between messages
}

func (c *wsConn) Read(p []byte) (int, error) {
	for {
		if c.cur == nil {
			kind, r, err := c.ws.NextReader()
			if err != nil {
				return 0, err
			}
			if kind != websocket.BinaryMessage {
				return 0, errors.New("broker: websocket text frame: MQTT needs binary frames")
			}
			c.cur = r
		}
		n, err := c.cur.Read(p)
		if errors.Is(err, io.EOF) {
			c.cur = nil
			if n == 0 {
				continue
			}
			return n, nil
		}
		return n, err
	}
}

func (c *wsConn) Write(p []byte) (int, error) {
	if err := c.ws.WriteMessage(websocket.BinaryMessage, p); err != nil {
		return 0, err
	}
	return len(p), nil
}
