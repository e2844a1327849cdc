package broker

import (
	"sync"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// orderHook keeps the messages queued for a client in the order they were
// published when mochi sends them again on reconnection.
//
// mochi v2.7.9 resends a session's in-flight messages sorted by the low 16
// bits of their creation time in seconds, so that the messages of one
// second go out in random order: a team could get "restored" before "lost".
// This hook stamps each QoS 1/2 message queued for a client, when it is
// queued and again when it is resent (which mochi does in its sorted order),
// with a creation time one second after the client's previous one, or now
// if later, starting again from now whenever nothing else is queued. Under a
// backlog the stamps run ahead of the clock by the backlog's length, which
// delays mochi's 24-hour expiry as much; the order can still break when the
// stamps of one backlog cross a multiple of 65536 s (about once in 18 hours
// of stamps).
type orderHook struct {
	mqtt.HookBase
	mu   sync.Mutex
	last map[string]int64 // client id -> last creation stamp
}

func newOrderHook() *orderHook { return &orderHook{last: map[string]int64{}} }

func (h *orderHook) ID() string { return "aerocell-order" }

func (h *orderHook) Provides(b byte) bool {
	return b == mqtt.OnQosPublish || b == mqtt.OnDisconnect || b == mqtt.OnClientExpired
}

// OnQosPublish runs before the message is written to the client, so no
// acknowledgement can have removed it from the session yet.
func (h *orderHook) OnQosPublish(cl *mqtt.Client, pk packets.Packet, _ int64, _ int) {
	if pk.FixedHeader.Type != packets.Publish {
		return
	}
	h.mu.Lock()
	if cl.State.Inflight.Len() <= 1 {
		// Nothing else is queued: start again from now, so that a client
		// that keeps up is not stamped ever further ahead.
		delete(h.last, cl.ID)
	}
	stamp := max(time.Now().Unix(), h.last[cl.ID]+1)
	h.last[cl.ID] = stamp
	h.mu.Unlock()
	pk.Created = stamp
	cl.State.Inflight.Set(pk)
}

func (h *orderHook) OnDisconnect(cl *mqtt.Client, _ error, expire bool) {
	if expire && cl.StopCause() != packets.ErrSessionTakenOver {
		h.forget(cl.ID)
	}
}

func (h *orderHook) OnClientExpired(cl *mqtt.Client) { h.forget(cl.ID) }

func (h *orderHook) forget(id string) {
	h.mu.Lock()
	delete(h.last, id)
	h.mu.Unlock()
}
