package broker

import (
	"crypto/sha256"
	"crypto/subtle"
	"strings"
	"sync"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
	"golang.org/x/crypto/bcrypt"

	"github.com/aerocell/aerocell/report/topic"
)

// authHook checks passwords against bcrypt hashes and topics against each
// user's grants. Whatever no grant covers is denied: unlike mochi's ledger,
// a topic that matches no rule is refused. It also refuses a connection
// whose Last Will names a topic the user may not write, since mochi does not
// check wills against the access rules when it sends them.
type authHook struct {
	mqtt.HookBase
	users     map[string]User
	grants    map[string]grants
	anonymous bool
	anonRead  []string

	dummy []byte // bcrypt hash of a random password, compared against for unknown users

	mu       sync.Mutex
	verified map[string][32]byte // username -> SHA-256 of the last password that matched its bcrypt hash
	owners   map[string]string   // client id -> user name of the session that holds it
}

// ControllerClientPrefix starts the client ids only controller logins may
// use, so that no other login can take the controller's id before it
// connects.
const ControllerClientPrefix = "aerocell-"

// dummyHash is the bcrypt hash, at BcryptCost, of a random password that
// was thrown away.
const dummyHash = "$2a$10$5vRnCGPgqrIeSDCoUQQx/.QOnNR2Gxz/eG21uRE/qysIWeLvXzjmi"

func newAuthHook(u *Users) *authHook {
	h := &authHook{
		dummy:     []byte(dummyHash),
		users:     map[string]User{},
		grants:    map[string]grants{},
		anonymous: u.Anonymous.Enabled,
		anonRead:  u.Anonymous.Read,
		verified:  map[string][32]byte{},
		owners:    map[string]string{},
	}
	if len(h.anonRead) == 0 {
		h.anonRead = topic.PublicFilters()
	}
	for _, x := range u.Users {
		h.users[x.Username] = x
		h.grants[x.Username] = x.rules()
	}
	return h
}

func (h *authHook) ID() string { return "aerocell-auth" }

func (h *authHook) Provides(b byte) bool {
	switch b {
	case mqtt.OnConnectAuthenticate, mqtt.OnACLCheck, mqtt.OnDisconnect, mqtt.OnClientExpired:
		return true
	}
	return false
}

// claim binds a client id to a user: a session belongs to the user who
// opened it, and another user connecting with the same client id is
// refused, or a team could take over the controller's session (and what is
// queued for it) by using its client id. Anonymous clients get no
// persistent claim. It reports whether the id is free or already the
// user's.
func (h *authHook) claim(id, user string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if owner, ok := h.owners[id]; ok && owner != user {
		return false
	}
	h.owners[id] = user
	return true
}

// restoreOwners binds the client ids of sessions restored from the store.
func (h *authHook) restoreOwners(clients map[string]string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for id, user := range clients {
		h.owners[id] = user
	}
}

// OnDisconnect frees a client id when its session ends with the connection.
func (h *authHook) OnDisconnect(cl *mqtt.Client, _ error, expire bool) {
	if expire && cl.StopCause() != packets.ErrSessionTakenOver {
		h.release(cl.ID, string(cl.Properties.Username))
	}
}

// OnClientExpired frees the client id of an expired session.
func (h *authHook) OnClientExpired(cl *mqtt.Client) { h.release(cl.ID, string(cl.Properties.Username)) }

func (h *authHook) release(id, user string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.owners[id] == user {
		delete(h.owners, id)
	}
}

// OnConnectAuthenticate accepts a known, enabled user whose password matches
// its hash, or an anonymous client when anonymous access is on.
func (h *authHook) OnConnectAuthenticate(cl *mqtt.Client, pk packets.Packet) bool {
	name := string(pk.Connect.Username)
	ok := h.authenticate(name, pk.Connect.Password, pk.Connect.UsernameFlag)
	if ok && pk.Connect.WillFlag && !h.allowed(name, pk.Connect.WillTopic, true) {
		h.Log.Info("connection refused: will topic not writable", "username", name, "topic", pk.Connect.WillTopic, "remote", cl.Net.Remote)
		return false
	}
	if ok && strings.HasPrefix(cl.ID, ControllerClientPrefix) && h.users[name].Role != RoleController {
		h.Log.Info("connection refused: client id reserved for the controller", "username", name, "client", cl.ID, "remote", cl.Net.Remote)
		return false
	}
	if ok && !h.claim(cl.ID, name) {
		h.Log.Info("connection refused: client id belongs to another user", "username", name, "client", cl.ID, "remote", cl.Net.Remote)
		return false
	}
	if !ok {
		h.Log.Info("connection refused: bad username or password", "username", name, "remote", cl.Net.Remote)
	}
	return ok
}

func (h *authHook) authenticate(name string, password []byte, hasName bool) bool {
	if !hasName || name == "" {
		return h.anonymous
	}
	u, ok := h.users[name]
	if !ok || u.Disabled {
		// Spend the same time as for a known user so that names cannot be
		// told apart by timing.
		_ = bcrypt.CompareHashAndPassword(h.dummy, password)
		return false
	}
	sum := sha256.Sum256(password)
	h.mu.Lock()
	last, seen := h.verified[name]
	h.mu.Unlock()
	if seen && subtle.ConstantTimeCompare(last[:], sum[:]) == 1 {
		return true // bcrypt already verified this password; skip its cost on reconnects
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), password) != nil {
		return false
	}
	h.mu.Lock()
	h.verified[name] = sum
	h.mu.Unlock()
	return true
}

// OnACLCheck grants a publish (write) or a subscription or delivery (read)
// only when a rule of the user covers the topic or filter and no deny rule
// does.
func (h *authHook) OnACLCheck(cl *mqtt.Client, name string, write bool) bool {
	ok := h.allowed(string(cl.Properties.Username), name, write)
	if !ok {
		h.Log.Debug("access denied", "client", cl.ID, "username", string(cl.Properties.Username), "topic", name, "write", write)
	}
	return ok
}

func (h *authHook) allowed(user, name string, write bool) bool {
	if user == "" {
		return !write && h.anonymous && coveredBy(h.anonRead, name)
	}
	g, ok := h.grants[user]
	if !ok || coveredBy(g.deny, name) {
		return false
	}
	if write {
		return coveredBy(g.write, name)
	}
	return coveredBy(g.read, name)
}

func coveredBy(rules []string, name string) bool {
	for _, r := range rules {
		if topic.Covers(r, name) {
			return true
		}
	}
	return false // the explicit deny at the end of every rule list
}
