package sitl

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// banner collects what the demo prints and hands over each line.
type banner struct {
	mu    sync.Mutex
	buf   strings.Builder
	lines chan string
}

func (b *banner) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	for {
		s := b.buf.String()
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			break
		}
		b.lines <- s[:i]
		b.buf.Reset()
		b.buf.WriteString(s[i+1:])
	}
	return len(p), nil
}

// The demo's banner is followed as a newcomer would: log in to its broker
// with the printed team login and subscribe to the printed topics, with a
// real MQTT client (and with mosquitto_sub, as the README suggests). Every
// printed filter is granted, and the feed's messages arrive.
func TestDemoBannerFilters(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out := &banner{lines: make(chan string, 64)}
	done := make(chan error, 1)
	go func() {
		done <- Demo(ctx, DemoOptions{HTTP: "127.0.0.1:0", MQTT: "127.0.0.1:0", Speed: 10, Dir: t.TempDir(), Out: out})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("demo: %v", err)
		}
	}()
	var login *url.URL
	var filters []string
	deadline := time.After(3 * time.Minute)
	for login == nil || filters == nil {
		select {
		case l := <-out.lines:
			t.Log(l)
			key, val, _ := strings.Cut(strings.TrimSpace(l), ":")
			switch key {
			case "field team login":
				u, err := url.Parse(strings.TrimSpace(val))
				if err != nil {
					t.Fatalf("printed login %q: %v", val, err)
				}
				login = u
			case "its topics":
				filters = strings.Fields(val)
			}
		case err := <-done:
			t.Fatalf("demo ended before its banner: %v", err)
		case <-deadline:
			t.Fatal("no login and topics printed")
		}
	}
	if len(filters) == 0 {
		t.Fatal("no topics printed")
	}
	user := login.User.Username()
	pass, _ := login.User.Password()

	got := make(chan string, 1024)
	o := paho.NewClientOptions().AddBroker("tcp://" + login.Host).SetClientID("banner-reader").
		SetUsername(user).SetPassword(pass)
	c := paho.NewClient(o)
	if tok := c.Connect(); !tok.WaitTimeout(20*time.Second) || tok.Error() != nil {
		t.Fatalf("printed login refused: %v", tok.Error())
	}
	defer c.Disconnect(100)
	for _, f := range filters {
		tok := c.Subscribe(f, 1, func(_ paho.Client, m paho.Message) {
			select {
			case got <- m.Topic():
			default:
			}
		})
		if !tok.WaitTimeout(20*time.Second) || tok.Error() != nil {
			t.Fatalf("subscribe %s: %v", f, tok.Error())
		}
		if q := tok.(*paho.SubscribeToken).Result()[f]; q == 0x80 {
			t.Errorf("printed filter %s denied to the printed login %s", f, user)
		}
	}
	// The controller's status is retained, drone states and coverage are
	// published every second: each arrives on a printed filter.
	want := map[string]bool{"/status": false, "/coverage": false, "/state": false}
	for left := len(want); left > 0; {
		select {
		case tp := <-got:
			for suffix, seen := range want {
				if !seen && strings.HasSuffix(tp, suffix) {
					want[suffix] = true
					left--
				}
			}
		case <-deadline:
			t.Fatalf("messages seen on the printed filters: %v", want)
		}
	}

	t.Run("mosquitto_sub", func(t *testing.T) {
		bin, err := exec.LookPath("mosquitto_sub")
		if err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatal("mosquitto_sub is not installed (Debian's mosquitto-clients)")
			}
			t.Skip("mosquitto_sub not installed")
		}
		host, port := login.Hostname(), login.Port()
		args := []string{"-h", host, "-p", port, "-u", user, "-P", pass, "-q", "1", "-v", "-C", "3", "-W", "120"}
		for _, f := range filters {
			args = append(args, "-t", f)
		}
		cmd := exec.CommandContext(ctx, bin, args...)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines, _ := io.ReadAll(bufio.NewReader(stdout))
		if err := cmd.Wait(); err != nil {
			t.Fatalf("mosquitto_sub: %v: %s", err, stderr.String())
		}
		n := 0
		for _, l := range strings.Split(strings.TrimSpace(string(lines)), "\n") {
			if strings.HasPrefix(l, "aerocell/v1/demo/") {
				n++
			}
		}
		if n != 3 {
			t.Fatalf("mosquitto_sub got %d messages of the demo:\n%s%s", n, lines, stderr.String())
		}
	})
}
