// Package mqtttest starts real brokers on loopback ports for the tests of
// the report packages and of the daemon: the embedded one, and Mosquitto
// from the system's packages (with TLS from a throwaway CA if asked). It fails a test under CI (CI set) when Mosquitto is missing and
// skips it elsewhere.
package mqtttest

import (
	"bufio"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"golang.org/x/crypto/bcrypt"

	"github.com/aerocell/aerocell/internal/closetest"
	"github.com/aerocell/aerocell/report/broker"
	"github.com/aerocell/aerocell/report/topic"
)

// Login is a user name and password of a test broker.
type Login struct {
	Username, Password string
	Role               broker.Role
	Team               string
}

// Logins are the users every test broker has.
var (
	Controller = Login{"controller", "controller-secret", broker.RoleController, ""}
	Red        = Login{"team-red", "red-secret", broker.RoleTeam, "red"}
	Blue       = Login{"team-blue", "blue-secret", broker.RoleTeam, "blue"}
	Observer   = Login{"dashboard", "dash-secret", broker.RoleObserver, ""}
)

// Logins lists them.
var Logins = []Login{Controller, Red, Blue, Observer}

// Users returns the users file of the test logins, hashed at bcrypt's
// minimum cost to keep tests fast.
func Users(t testing.TB, extra ...Login) *broker.Users {
	t.Helper()
	u := &broker.Users{Version: broker.UsersVersion}
	for _, l := range append(append([]Login{}, Logins...), extra...) {
		h, err := bcrypt.GenerateFromPassword([]byte(l.Password), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		u.Put(broker.User{Username: l.Username, PasswordHash: string(h), Role: l.Role, Team: l.Team})
	}
	if err := u.Validate(); err != nil {
		t.Fatal(err)
	}
	return u
}

// FreeAddr returns a loopback address with a port free at the time of the
// call.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// Mosquitto is a mosquitto process started for one test.
type Mosquitto struct {
	Addr string // host:port
	dir  string
	t    testing.TB
	cmd  *exec.Cmd
	log  *os.File
	tls  bool
}

// MosquittoBinary finds mosquitto; under CI its absence fails the test,
// elsewhere it skips it.
func MosquittoBinary(t testing.TB) string {
	t.Helper()
	for _, p := range []string{"mosquitto", "/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("mosquitto not found: .ci/run must install it (apt-get install mosquitto)")
	}
	t.Skip("mosquitto not installed (apt-get install mosquitto); this test fails instead under CI")
	return ""
}

// StartMosquitto writes a configuration (persistence on, anonymous off,
// the test logins with ACLs matching the embedded broker's roles) in a
// temporary folder and starts mosquitto on a free loopback port. The
// process is stopped at the end of the test.
func StartMosquitto(t testing.TB) *Mosquitto {
	t.Helper()
	return StartMosquittoConfig(t, MosquittoConfig{})
}

// MosquittoConfig is a Mosquitto other than the default one.
type MosquittoConfig struct {
	// Logins are the password file's users; (optional) Logins when nil.
	Logins []Login
	// ACL is the acl_file's text; (optional) when empty, a section per
	// login granting what the embedded broker grants its role.
	ACL string
	// CA, when set, makes the listener TLS only, with a certificate for
	// 127.0.0.1 and localhost signed by it; URL is then mqtts://.
	CA *CA
}

// StartMosquittoConfig is StartMosquitto with other logins, access rules
// or TLS.
func StartMosquittoConfig(t testing.TB, c MosquittoConfig) *Mosquitto {
	t.Helper()
	bin := MosquittoBinary(t)
	dir := t.TempDir()
	m := &Mosquitto{Addr: FreeAddr(t), dir: dir, t: t, tls: c.CA != nil}
	if c.Logins == nil {
		c.Logins = Logins
	}
	var pw strings.Builder
	for _, l := range c.Logins {
		pw.WriteString(l.Username + ":" + mosquittoHash(l.Password) + "\n")
	}
	if c.ACL == "" {
		c.ACL = roleACL(c.Logins)
	}
	host, port, _ := net.SplitHostPort(m.Addr)
	// "user root" keeps mosquitto from switching to its own user when the
	// tests run as root (as CI does), which could not read the temporary
	// folder; it has no effect for other users.
	conf := fmt.Sprintf(`user root
listener %s %s
allow_anonymous false
password_file %s
acl_file %s
persistence true
persistence_location %s/
autosave_interval 1
max_queued_messages 100000
log_dest stderr
log_type error
log_type warning
`, port, host, filepath.Join(dir, "passwd"), filepath.Join(dir, "acl"), dir)
	if c.CA != nil {
		cert, key := c.CA.Issue(t, dir)
		conf += fmt.Sprintf("certfile %s\nkeyfile %s\n", cert, key)
	}
	for name, data := range map[string]string{"passwd": pw.String(), "acl": c.ACL, "mosquitto.conf": conf} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	m.start(bin)
	t.Cleanup(m.Stop)
	return m
}

// roleACL grants each login what the embedded broker grants its role.
func roleACL(logins []Login) string {
	var acl strings.Builder
	for _, l := range logins {
		fmt.Fprintf(&acl, "user %s\n", l.Username)
		var read, write []string
		switch l.Role {
		case broker.RoleController:
			read, write = topic.ControllerFilters()
		case broker.RoleObserver:
			read = topic.ObserverFilters()
		case broker.RoleTeam:
			read, write = topic.TeamFilters(l.Team)
		}
		acl.WriteString(ACLTopics(read, write))
		acl.WriteString("\n")
	}
	return acl.String()
}

// ACLTopics are Mosquitto ACL lines granting read on read and write on
// write.
func ACLTopics(read, write []string) string {
	var b strings.Builder
	for _, f := range read {
		fmt.Fprintf(&b, "topic read %s\n", f)
	}
	for _, f := range write {
		fmt.Fprintf(&b, "topic write %s\n", f)
	}
	return b.String()
}

// mosquittoHash is a mosquitto 2 password hash: PBKDF2-SHA512, 101
// iterations, 12-byte salt, "$7$ITER$SALT$HASH" in base64.
func mosquittoHash(password string) string {
	salt := make([]byte, 12)
	_, _ = rand.Read(salt)
	key, err := pbkdf2.Key(sha512.New, password, salt, 101, 64)
	if err != nil {
		panic(err)
	}
	return "$7$101$" + base64.StdEncoding.EncodeToString(salt) + "$" + base64.StdEncoding.EncodeToString(key)
}

func (m *Mosquitto) start(bin string) {
	m.t.Helper()
	f, err := os.OpenFile(filepath.Join(m.dir, "mosquitto.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		m.t.Fatal(err)
	}
	m.log = f
	m.cmd = exec.Command(bin, "-c", filepath.Join(m.dir, "mosquitto.conf"))
	m.cmd.Stdout, m.cmd.Stderr = f, f
	if err := m.cmd.Start(); err != nil {
		m.t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", m.Addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			m.Stop()
			m.t.Fatalf("mosquitto did not listen on %s: %v\n%s", m.Addr, err, m.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop stops mosquitto with SIGTERM, which saves its persistence file, and
// waits for it to exit.
func (m *Mosquitto) Stop() {
	if m.cmd == nil {
		return
	}
	_ = m.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = m.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = m.cmd.Process.Kill()
		<-done
	}
	m.cmd = nil
	m.log.Close()
}

// Restart starts mosquitto again on the same port with the same
// persistence file.
func (m *Mosquitto) Restart() {
	m.t.Helper()
	m.start(MosquittoBinary(m.t))
}

// Log returns what mosquitto wrote.
func (m *Mosquitto) Log() string {
	b, _ := os.ReadFile(filepath.Join(m.dir, "mosquitto.log"))
	var out strings.Builder
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
	}
	return out.String()
}

// URL is mqtt://ADDR, or mqtts://ADDR with TLS.
func (m *Mosquitto) URL() string {
	if m.tls {
		return "mqtts://" + m.Addr
	}
	return "mqtt://" + m.Addr
}

// Field is a field client: a plain paho client as a team's phone or a
// dashboard would use, with a channel of what it receives.
type Field struct {
	paho.Client
	Msgs chan paho.Message
	Lost chan error
}

// Options are the usual options of a field client: MQTT 3.1.1, no
// automatic reconnection unless the caller sets it.
func Options(url string, l Login, clientID string, clean bool) *paho.ClientOptions {
	url = strings.Replace(strings.Replace(url, "mqtts://", "ssl://", 1), "mqtt://", "tcp://", 1)
	o := paho.NewClientOptions().AddBroker(url).
		SetClientID(clientID).SetUsername(l.Username).SetPassword(l.Password).
		SetCleanSession(clean).SetProtocolVersion(4).SetAutoReconnect(false).
		SetConnectTimeout(5 * time.Second).SetOrderMatters(true).
		SetStore(paho.NewOrderedMemoryStore())
	return o
}

// Connect connects a field client and returns the connection error, if
// any. The client is disconnected at the end of the test.
func Connect(t testing.TB, o *paho.ClientOptions) (*Field, error) {
	t.Helper()
	f := &Field{Msgs: make(chan paho.Message, 100000), Lost: make(chan error, 16)}
	o.SetDefaultPublishHandler(func(_ paho.Client, m paho.Message) { f.Msgs <- m })
	o.SetConnectionLostHandler(func(_ paho.Client, err error) { f.Lost <- err })
	f.Client = paho.NewClient(o)
	tok := f.Connect()
	if !tok.WaitTimeout(10 * time.Second) {
		return nil, fmt.Errorf("connect timed out")
	}
	if err := tok.Error(); err != nil {
		return nil, err
	}
	t.Cleanup(func() { f.Disconnect(100) })
	return f, nil
}

// MustConnect is Connect that fails the test on error.
func MustConnect(t testing.TB, o *paho.ClientOptions) *Field {
	t.Helper()
	f, err := Connect(t, o)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	return f
}

// Subscribe subscribes and returns the broker's return code.
func (f *Field) Subscribe(t testing.TB, filter string, qos byte) byte {
	t.Helper()
	tok := f.Client.Subscribe(filter, qos, nil)
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe %s: %v", filter, tok.Error())
	}
	return tok.(*paho.SubscribeToken).Result()[filter]
}

// Publish publishes and waits for the token.
func (f *Field) Publish(t testing.TB, name string, qos byte, retain bool, payload []byte) {
	t.Helper()
	tok := f.Client.Publish(name, qos, retain, payload)
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("publish %s: %v", name, tok.Error())
	}
}

// Next waits for the next message, failing the test after a minute.
func (f *Field) Next(t testing.TB) paho.Message {
	t.Helper()
	select {
	case m := <-f.Msgs:
		return m
	case <-time.After(time.Minute):
		t.Fatal("no message within a minute")
		return nil
	}
}

// StartEmbedded starts the embedded broker on a free loopback port with the
// test logins, and closes it at the end of the test. store may be empty.
func StartEmbedded(t testing.TB, store string, extra ...Login) *broker.Broker {
	t.Helper()
	b, err := broker.Start(broker.Config{TCPAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0", Users: Users(t, extra...), StorePath: store})
	if err != nil {
		t.Fatal(err)
	}
	closetest.AtEnd(t, b)
	return b
}
