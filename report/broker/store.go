package broker

import (
	"encoding"
	"encoding/binary"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aerocell/aerocell/internal/boltfile"
	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/storage"
	"github.com/mochi-mqtt/server/v2/packets"
	"go.etcd.io/bbolt"
)

// storeHook keeps persistent sessions (clients, subscriptions, queued and
// in-flight QoS 1/2 messages) and retained messages in a bbolt file, so that
// a client with a persistent session gets what was queued for it after the
// broker restarts.
//
// mochi's own bolt hook (v2.7.9) does not save the packet id of an in-flight
// message, so every message restored after a restart lands on packet id 0 and
// all but one are lost; this hook saves it. Writes are queued and applied by
// one goroutine in batches, one fsync'd transaction per batch, so that a
// publish to many subscribers does not wait for one fsync per subscriber.
type storeHook struct {
	mqtt.HookBase
	db  *bbolt.DB
	log *slog.Logger

	mu      sync.RWMutex // guards closed against sends on ops
	closed  bool
	stopErr error // the file's close error, set by Stop
	ops     chan func(*bbolt.Tx) error
	done    chan struct{}
}

var (
	bucketClients  = []byte("clients")
	bucketSubs     = []byte("subscriptions")
	bucketRetained = []byte("retained")
	bucketInflight = []byte("inflight")
)

// storeFile is how openStore's errors speak of the file.
var storeFile = boltfile.Kind{
	What:   "store file",
	Advice: "it holds field teams' persistent sessions and the messages queued for them: keep it for inspection, and move it aside only to start with none, losing those messages",
}

// openStore opens or creates the store at path. A file that exists but is
// not a whole store (empty, truncated, not a bbolt file) is refused with an
// error naming it (ErrDamaged) and left as it is, rather than taken for a
// new store, which would drop what was queued for teams.
func openStore(path string, log *slog.Logger) (*storeHook, error) {
	db, err := boltfile.Open(path, &bbolt.Options{Timeout: time.Second, NoFreelistSync: true}, storeFile)
	if err != nil {
		return nil, fmt.Errorf("broker: %w", err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, b := range [][]byte{bucketClients, bucketSubs, bucketRetained, bucketInflight} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		_ = db.Close() // the init error is the one to report
		return nil, fmt.Errorf("broker: open store: %w", err)
	}
	h := &storeHook{db: db, log: log, ops: make(chan func(*bbolt.Tx) error, 4096), done: make(chan struct{})}
	go h.write()
	return h, nil
}

func (h *storeHook) ID() string { return "aerocell-store" }

func (h *storeHook) Provides(b byte) bool {
	switch b {
	case mqtt.OnSessionEstablished, mqtt.OnWillSent, mqtt.OnDisconnect,
		mqtt.OnSubscribed, mqtt.OnUnsubscribed,
		mqtt.OnRetainMessage, mqtt.OnRetainedExpired,
		mqtt.OnQosPublish, mqtt.OnQosComplete, mqtt.OnQosDropped,
		mqtt.OnClientExpired,
		mqtt.StoredClients, mqtt.StoredSubscriptions, mqtt.StoredInflightMessages, mqtt.StoredRetainedMessages:
		return true
	}
	return false
}

// write applies queued operations in batches until ops is closed.
func (h *storeHook) write() {
	defer close(h.done)
	for op := range h.ops {
		batch := []func(*bbolt.Tx) error{op}
	more:
		for len(batch) < 1024 {
			select {
			case op, ok := <-h.ops:
				if !ok {
					break more
				}
				batch = append(batch, op)
			default:
				break more
			}
		}
		err := h.db.Update(func(tx *bbolt.Tx) error {
			for _, op := range batch {
				if err := op(tx); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			h.log.Error("broker store: write failed", "error", err, "ops", len(batch))
		}
	}
}

func (h *storeHook) queue(op func(*bbolt.Tx) error) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if h.closed {
		return
	}
	h.ops <- op
}

// Stop writes what is queued and closes the file.
func (h *storeHook) Stop() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	close(h.ops)
	h.mu.Unlock()
	<-h.done
	h.stopErr = h.db.Close()
	return h.stopErr
}

func put(bucket, key []byte, v encoding.BinaryMarshaler) func(*bbolt.Tx) error {
	data, err := v.MarshalBinary()
	return func(tx *bbolt.Tx) error {
		if err != nil {
			return err
		}
		return tx.Bucket(bucket).Put(key, data)
	}
}

func del(bucket, key []byte) func(*bbolt.Tx) error {
	return func(tx *bbolt.Tx) error { return tx.Bucket(bucket).Delete(key) }
}

// delPrefix deletes every key of bucket that starts with prefix.
func delPrefix(bucket, prefix []byte) func(*bbolt.Tx) error {
	return func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucket).Cursor()
		for k, _ := c.Seek(prefix); k != nil && len(k) >= len(prefix) && string(k[:len(prefix)]) == string(prefix); k, _ = c.Seek(prefix) {
			if err := c.Delete(); err != nil {
				return err
			}
		}
		return nil
	}
}

// clientPrefix is the key prefix of a client's subscriptions and in-flight
// messages: the id and a NUL, which no MQTT client id contains.
func clientPrefix(id string) []byte { return append([]byte(id), 0) }

func subKey(id, filter string) []byte { return append(clientPrefix(id), filter...) }

func inflightKey(id string, packetID uint16) []byte {
	return binary.BigEndian.AppendUint16(clientPrefix(id), packetID)
}

func (h *storeHook) OnSessionEstablished(cl *mqtt.Client, _ packets.Packet) { h.saveClient(cl) }

func (h *storeHook) OnWillSent(cl *mqtt.Client, _ packets.Packet) { h.saveClient(cl) }

func (h *storeHook) saveClient(cl *mqtt.Client) {
	p := cl.Properties.Props
	c := storage.Client{
		ID:              cl.ID,
		T:               storage.ClientKey,
		Remote:          cl.Net.Remote,
		Listener:        cl.Net.Listener,
		Username:        cl.Properties.Username,
		Clean:           cl.Properties.Clean,
		ProtocolVersion: cl.Properties.ProtocolVersion,
		Properties: storage.ClientProperties{
			SessionExpiryInterval:     p.SessionExpiryInterval,
			SessionExpiryIntervalFlag: p.SessionExpiryIntervalFlag,
			AuthenticationMethod:      p.AuthenticationMethod,
			AuthenticationData:        p.AuthenticationData,
			RequestProblemInfo:        p.RequestProblemInfo,
			RequestProblemInfoFlag:    p.RequestProblemInfoFlag,
			RequestResponseInfo:       p.RequestResponseInfo,
			ReceiveMaximum:            p.ReceiveMaximum,
			TopicAliasMaximum:         p.TopicAliasMaximum,
			User:                      p.User,
			MaximumPacketSize:         p.MaximumPacketSize,
		},
		Will: storage.ClientWill(cl.Properties.Will),
	}
	h.queue(put(bucketClients, []byte(cl.ID), c))
}

// OnDisconnect forgets a client whose session ends with its connection.
func (h *storeHook) OnDisconnect(cl *mqtt.Client, _ error, expire bool) {
	if !expire || cl.StopCause() == packets.ErrSessionTakenOver {
		return
	}
	h.forget(cl.ID)
}

func (h *storeHook) OnClientExpired(cl *mqtt.Client) { h.forget(cl.ID) }

func (h *storeHook) forget(id string) {
	h.queue(del(bucketClients, []byte(id)))
	h.queue(delPrefix(bucketSubs, clientPrefix(id)))
	h.queue(delPrefix(bucketInflight, clientPrefix(id)))
}

func (h *storeHook) OnSubscribed(cl *mqtt.Client, pk packets.Packet, codes []byte) {
	for i, f := range pk.Filters {
		if i >= len(codes) || codes[i] >= 0x80 {
			continue // refused
		}
		s := storage.Subscription{
			ID:                string(subKey(cl.ID, f.Filter)),
			T:                 storage.SubscriptionKey,
			Client:            cl.ID,
			Filter:            f.Filter,
			Qos:               codes[i],
			Identifier:        f.Identifier,
			NoLocal:           f.NoLocal,
			RetainHandling:    f.RetainHandling,
			RetainAsPublished: f.RetainAsPublished,
		}
		h.queue(put(bucketSubs, subKey(cl.ID, f.Filter), s))
	}
}

func (h *storeHook) OnUnsubscribed(cl *mqtt.Client, pk packets.Packet) {
	for _, f := range pk.Filters {
		h.queue(del(bucketSubs, subKey(cl.ID, f.Filter)))
	}
}

func message(t, client string, pk packets.Packet) storage.Message {
	p := pk.Properties
	return storage.Message{
		T:           t,
		Client:      client,
		Origin:      pk.Origin,
		FixedHeader: pk.FixedHeader,
		TopicName:   pk.TopicName,
		Payload:     pk.Payload,
		Created:     pk.Created,
		PacketID:    pk.PacketID,
		Properties: storage.MessageProperties{
			PayloadFormat:          p.PayloadFormat,
			PayloadFormatFlag:      p.PayloadFormatFlag,
			MessageExpiryInterval:  p.MessageExpiryInterval,
			ContentType:            p.ContentType,
			ResponseTopic:          p.ResponseTopic,
			CorrelationData:        p.CorrelationData,
			SubscriptionIdentifier: p.SubscriptionIdentifier,
			TopicAlias:             p.TopicAlias,
			User:                   p.User,
		},
	}
}

func (h *storeHook) OnRetainMessage(cl *mqtt.Client, pk packets.Packet, r int64) {
	if r == -1 {
		h.queue(del(bucketRetained, []byte(pk.TopicName)))
		return
	}
	h.queue(put(bucketRetained, []byte(pk.TopicName), message(storage.RetainedKey, cl.ID, pk)))
}

func (h *storeHook) OnRetainedExpired(name string) {
	h.queue(del(bucketRetained, []byte(name)))
}

func (h *storeHook) OnQosPublish(cl *mqtt.Client, pk packets.Packet, _ int64, _ int) {
	if cur, ok := cl.State.Inflight.Get(pk.PacketID); ok && cur.FixedHeader.Type == pk.FixedHeader.Type {
		pk.Created = cur.Created // as stamped by orderHook
	}
	h.queue(put(bucketInflight, inflightKey(cl.ID, pk.PacketID), message(storage.InflightKey, cl.ID, pk)))
}

func (h *storeHook) OnQosComplete(cl *mqtt.Client, pk packets.Packet) {
	h.queue(del(bucketInflight, inflightKey(cl.ID, pk.PacketID)))
}

func (h *storeHook) OnQosDropped(cl *mqtt.Client, pk packets.Packet) { h.OnQosComplete(cl, pk) }

func load[T any, P interface {
	*T
	storage.Serializable
}](db *bbolt.DB, bucket []byte) ([]T, error) {
	var out []T
	err := db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucket).ForEach(func(k, v []byte) error {
			var x T
			if err := P(&x).UnmarshalBinary(v); err != nil {
				return fmt.Errorf("key %q: %w", k, err)
			}
			out = append(out, x)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("broker store: %s: %w", bucket, err)
	}
	return out, nil
}

func (h *storeHook) StoredClients() ([]storage.Client, error) {
	return load[storage.Client](h.db, bucketClients)
}

func (h *storeHook) StoredSubscriptions() ([]storage.Subscription, error) {
	return load[storage.Subscription](h.db, bucketSubs)
}

// StoredInflightMessages returns the queued and in-flight messages, each
// with its packet id.
func (h *storeHook) StoredInflightMessages() ([]storage.Message, error) {
	return load[storage.Message](h.db, bucketInflight)
}

func (h *storeHook) StoredRetainedMessages() ([]storage.Message, error) {
	return load[storage.Message](h.db, bucketRetained)
}
