package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"transportlab/internal/feed"
	"transportlab/internal/server"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// timeout bounds every wait of these tests.
const timeout = 5 * time.Second

// env returns a getenv that reads vars, as os.Getenv reads the environment.
func env(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

// start runs the program with args and returns the address it listens on,
// read from what it prints, and stop, which cancels its context and returns
// what run returned.
func start(tb testing.TB, args ...string) (addr string, stop func() error) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, printed := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, append([]string{"transportlab"}, args...), env(nil), printed, io.Discard)
		printed.CloseWithError(fmt.Errorf("run returned %v", err)) // when it fails before printing
		done <- err
	}()
	stop = sync.OnceValue(func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(timeout):
			return errors.New("run did not return after its context was canceled")
		}
	})
	tb.Cleanup(func() { stop() })

	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		tb.Fatalf("reading the address from stdout: %v", err)
	}
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "transportlab: open http://")
	if !ok {
		tb.Fatalf("stdout = %q, want transportlab: open http://ADDR", line)
	}
	return addr, stop
}

// getJSON fetches url and decodes its JSON answer into v.
func getJSON(tb testing.TB, url string, v any) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(tb.Context(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET %s: status %d, want 200", url, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		tb.Fatalf("GET %s: decoding the answer: %v", url, err)
	}
}

// mint asks the server at base for a new page's key, as the page does first.
func mint(tb testing.TB, base string) string {
	tb.Helper()
	resp, err := (&http.Client{Timeout: timeout}).Post(base+"/api/pages", "", nil)
	if err != nil {
		tb.Fatalf("POST /api/pages: %v", err)
	}
	defer resp.Body.Close()
	var answer struct{ Key string }
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil || resp.StatusCode != http.StatusCreated {
		tb.Fatalf("POST /api/pages: %d %v, want 201 and a key", resp.StatusCode, err)
	}
	return answer.Key
}

func TestRunServesUntilCanceled(t *testing.T) {
	addr, stop := start(t, "-addr", "localhost:0")

	var health struct{ Status, Epoch string }
	getJSON(t, "http://"+addr+"/healthz", &health)
	if health.Status != "ok" {
		t.Errorf("/healthz status = %q, want ok", health.Status)
	}
	var poll struct{ Epoch string }
	getJSON(t, "http://"+addr+"/poll", &poll)
	if poll.Epoch != health.Epoch {
		t.Errorf("/poll epoch = %q, want %q as /healthz says", poll.Epoch, health.Epoch)
	}

	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws://"+addr+"/ws", nil)
	if err != nil {
		t.Fatalf("websocket.Dial: %v", err)
	}
	defer c.CloseNow()
	// The client must be reading when the server says goodbye: a close
	// handshake waits for the client's answer, and the shutdown for it.
	closed := make(chan error, 1)
	go func() {
		for {
			if _, _, err := c.Read(ctx); err != nil {
				closed <- err
				return
			}
		}
	}()

	if err := stop(); err != nil {
		t.Errorf("run after cancel = %v, want nil", err)
	}
	if err := <-closed; websocket.CloseStatus(err) != websocket.StatusGoingAway {
		t.Errorf("WebSocket ended with %v, want close status %v", err, websocket.StatusGoingAway)
	}
}

func TestRunHelpExplainsEveryFlag(t *testing.T) {
	var stderr bytes.Buffer
	err := run(t.Context(), []string{"transportlab", "-h"}, env(nil), io.Discard, &stderr)
	if !errors.Is(err, flag.ErrHelp) {
		t.Errorf("run -h = %v, want flag.ErrHelp", err)
	}
	usage := stderr.String()
	flags := map[string]string{
		"addr": "ADDR", "rate": "RATE", "history": "HISTORY", "max-streams": "MAX_STREAMS",
		"max-streams-per-ip": "MAX_STREAMS_PER_IP", "heartbeat": "HEARTBEAT", "ping": "PING", "write-timeout": "WRITE_TIMEOUT", "message-rate": "MESSAGE_RATE",
		"origins": "ORIGINS", "log-level": "LOG_LEVEL", "class": "CLASS", "class-token": "CLASS_TOKEN",
		"messages-per-ip": "MESSAGES_PER_IP", "polls-per-ip": "POLLS_PER_IP", "pages-per-ip": "PAGES_PER_IP",
		"streams-per-ip-rate": "STREAMS_PER_IP_RATE", "limits": "LIMITS", "trusted-proxies": "TRUSTED_PROXIES",
		"max-pages-per-ip": "MAX_PAGES_PER_IP",
	}
	for name, variable := range flags {
		// "-max-streams " with its space, or it would match -max-streams-per-ip;
		// a bool flag's name ends its line.
		if !strings.Contains(usage, "  -"+name+" ") && !strings.Contains(usage, "  -"+name+"\n") {
			t.Errorf("usage does not explain -%s:\n%s", name, usage)
		}
		if !strings.Contains(usage, "["+variable+"]") && !strings.Contains(usage, "["+variable+",") {
			t.Errorf("usage does not name %s, the default of -%s", variable, name)
		}
	}
}

func TestParseFlags(t *testing.T) {
	defaults := config{
		addr:            "localhost:8005",
		rate:            5,
		history:         feed.DefaultHistory,
		maxStreams:      10000,
		maxStreamsPerIP: 1000,
		maxPagesPerIP:   server.DefaultMaxPagesPerIP,
		heartbeat:       15 * time.Second,
		ping:            15 * time.Second,
		messageRate:     2,
		writeTimeout:    feed.DefaultWriteTimeout,
		logLevel:        slog.LevelInfo,

		messagesPerIP:    rate{60, 200},
		pollsPerIP:       rate{400, 800},
		pagesPerIP:       rate{3, 100},
		streamsPerIPRate: rate{30, 200},
		limits:           true,
	}
	with := func(change func(*config)) config {
		c := defaults
		change(&c)
		return c
	}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want config
	}{
		{"defaults", nil, nil, defaults},
		{"RATE from the environment", nil, map[string]string{"RATE": "20"},
			with(func(c *config) { c.rate = 20 })},
		{"a flag wins over the environment", []string{"-rate", "50"}, map[string]string{"RATE": "20"},
			with(func(c *config) { c.rate = 50 })},
		{"PORT alone listens on every interface", nil, map[string]string{"PORT": "9000"},
			with(func(c *config) { c.addr = ":9000" })},
		{"ADDR wins over PORT", nil, map[string]string{"ADDR": "127.0.0.1:7000", "PORT": "9000"},
			with(func(c *config) { c.addr = "127.0.0.1:7000" })},
		{"-addr wins over PORT", []string{"-addr", "localhost:0"}, map[string]string{"PORT": "9000"},
			with(func(c *config) { c.addr = "localhost:0" })},
		{"-class listens on every interface", []string{"-class"}, nil,
			with(func(c *config) { c.class, c.addr = true, ":8005" })},
		{"CLASS and CLASS_TOKEN", nil, map[string]string{"CLASS": "true", "CLASS_TOKEN": "sixteen-chars-ok"},
			with(func(c *config) { c.class, c.classToken, c.addr = true, "sixteen-chars-ok", ":8005" })},
		{"-class keeps -addr", []string{"-class", "-addr", "127.0.0.1:9000"}, nil,
			with(func(c *config) { c.class, c.addr = true, "127.0.0.1:9000" })},
		{"-class keeps PORT", []string{"-class"}, map[string]string{"PORT": "9000"},
			with(func(c *config) { c.class, c.addr = true, ":9000" })},
		{"0 means no stream limit", []string{"-max-streams", "0", "-max-streams-per-ip", "0"}, nil,
			with(func(c *config) { c.maxStreams, c.maxStreamsPerIP = 0, 0 })},
		{"a rate alone keeps the burst", []string{"-polls-per-ip", "500"}, nil,
			with(func(c *config) { c.pollsPerIP = rate{500, 800} })},
		{"a flag's rate alone keeps the environment's burst", []string{"-polls-per-ip", "500"}, map[string]string{"POLLS_PER_IP": "100,50"},
			with(func(c *config) { c.pollsPerIP = rate{500, 50} })},
		{"0 means no limit per address", []string{"-messages-per-ip", "0", "-pages-per-ip", "0.5,1"}, nil,
			with(func(c *config) { c.messagesPerIP, c.pagesPerIP = rate{0, 200}, rate{0.5, 1} })},
		{"-limits=false", []string{"-limits=false"}, nil,
			with(func(c *config) { c.limits = false })},
		{"LIMITS=false and TRUSTED_PROXIES", nil, map[string]string{"LIMITS": "false", "TRUSTED_PROXIES": "127.0.0.1/32, ::1"},
			with(func(c *config) { c.limits, c.trustedProxies = false, "127.0.0.1/32, ::1" })},
		{"every variable", nil, map[string]string{
			"HISTORY": "100", "MAX_STREAMS": "7", "MAX_STREAMS_PER_IP": "3", "MAX_PAGES_PER_IP": "4", "HEARTBEAT": "1s",
			"WRITE_TIMEOUT": "3s", "ORIGINS": "a.example,b.example", "LOG_LEVEL": "debug",
			"PING": "2s", "MESSAGE_RATE": "0.5", "RATE": "7",
			"MESSAGES_PER_IP": "10,20", "POLLS_PER_IP": "11,21", "PAGES_PER_IP": "12,22", "STREAMS_PER_IP_RATE": "13,23",
		}, with(func(c *config) {
			c.messagesPerIP, c.pollsPerIP, c.pagesPerIP, c.streamsPerIPRate = rate{10, 20}, rate{11, 21}, rate{12, 22}, rate{13, 23}
			c.history, c.maxStreams, c.maxStreamsPerIP, c.maxPagesPerIP, c.heartbeat = 100, 7, 3, 4, time.Second
			c.writeTimeout, c.ping, c.messageRate, c.rate = 3*time.Second, 2*time.Second, 0.5, 7
			c.origins, c.logLevel = "a.example,b.example", slog.LevelDebug
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"transportlab"}, tt.args...)
			got, err := parseFlags(args, env(tt.env), io.Discard)
			if err != nil {
				t.Fatalf("parseFlags(%q, %v) error: %v", tt.args, tt.env, err)
			}
			if got != tt.want {
				t.Errorf("parseFlags(%q, %v) = %+v, want %+v", tt.args, tt.env, got, tt.want)
			}
		})
	}
}

// A bad setting is an error from run before it listens, never a guess.
func TestRunRejectsBadSettings(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string // in the error
	}{
		{"RATE not a number", nil, map[string]string{"RATE": "abc"}, "RATE"},
		{"HISTORY not a number", nil, map[string]string{"HISTORY": "many"}, "HISTORY"},
		{"rate 0", []string{"-rate", "0"}, nil, "-rate"},
		{"rate too high", []string{"-rate", "20000"}, nil, "-rate"},
		{"rate not a number", []string{"-rate", "NaN"}, nil, "-rate"},
		{"history too long", []string{"-history", "2000000"}, nil, "-history"},
		{"history 0", []string{"-history", "0"}, nil, "-history"},
		{"negative max-streams", []string{"-max-streams", "-1"}, nil, "-max-streams"},
		{"negative max-streams-per-ip", []string{"-max-streams-per-ip", "-1"}, nil, "-max-streams-per-ip"},
		{"heartbeat 0", []string{"-heartbeat", "0s"}, nil, "-heartbeat"},
		{"write timeout 0", []string{"-write-timeout", "0s"}, nil, "-write-timeout"},
		{"ping 0", []string{"-ping", "0s"}, nil, "-ping"},
		{"heartbeat too short to tick", []string{"-heartbeat", "1ns"}, nil, "-heartbeat"},
		{"message rate negative", []string{"-message-rate", "-1"}, nil, "-message-rate"},
		{"message rate infinite", []string{"-message-rate", "+Inf"}, nil, "-message-rate"},
		{"class token with a space", []string{"-class-token", "two words, long enough"}, nil, "-class-token"},
		{"class token with a semicolon", nil, map[string]string{"CLASS_TOKEN": "long-enough;but-not"}, "-class-token"},
		{"class token too short", []string{"-class-token", strings.Repeat("x", 15)}, nil, "-class-token must be from 16"},
		{"class token too long", []string{"-class-token", strings.Repeat("x", 257)}, nil, "-class-token"},
		{"a rate per address negative", []string{"-polls-per-ip", "-1"}, nil, "-polls-per-ip"},
		{"a rate per address infinite", []string{"-messages-per-ip", "Inf"}, nil, "-messages-per-ip"},
		{"a burst of 0", []string{"-pages-per-ip", "3,0"}, nil, "-pages-per-ip"},
		{"a burst not whole", nil, map[string]string{"STREAMS_PER_IP_RATE": "3,1.5"}, "STREAMS_PER_IP_RATE"},
		{"LIMITS not a bool", nil, map[string]string{"LIMITS": "off"}, "LIMITS"},
		{"a trusted proxy that is no network", []string{"-trusted-proxies", "proxy.example"}, nil, "-trusted-proxies"},
		{"unknown flag", []string{"-port", "80"}, nil, "-port"},
		{"extra arguments", []string{"serve"}, nil, "serve"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Canceled already: were the setting accepted, run would stop at once.
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			var stdout bytes.Buffer
			args := append([]string{"transportlab", "-addr", "localhost:0"}, tt.args...)
			err := run(ctx, args, env(tt.env), &stdout, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run(%q, %v) = %v, want an error naming %s", tt.args, tt.env, err, tt.want)
			}
			if stdout.Len() > 0 {
				t.Errorf("run(%q, %v) printed %q, want it not to listen", tt.args, tt.env, stdout.String())
			}
		})
	}
}

// -limits=false lifts the limits per address and per page, whatever they
// are set to: a load test from one machine is one address.
func TestLimitsFalseLiftsEveryLimit(t *testing.T) {
	tight := []string{"-addr", "localhost:0", "-polls-per-ip", "1,1", "-messages-per-ip", "1,1", "-message-rate", "1"}
	for _, tt := range []struct {
		args []string
		want []int // the statuses of two polls and two messages
	}{
		{tight, []int{200, 429, 202, 429}},
		{append(tight, "-limits=false"), []int{200, 200, 202, 202}},
	} {
		addr, _ := start(t, tt.args...)
		var got []int
		for _, req := range []struct{ method, path string }{
			{http.MethodGet, "/poll"}, {http.MethodGet, "/poll"},
			{http.MethodPost, "/api/messages"}, {http.MethodPost, "/api/messages"},
		} {
			r, err := http.NewRequestWithContext(t.Context(), req.method, "http://"+addr+req.path, strings.NewReader(`{"text":"hi"}`))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Fatalf("%s %s: %v", req.method, req.path, err)
			}
			resp.Body.Close()
			got = append(got, resp.StatusCode)
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%q: statuses %v, want %v", tt.args, got, tt.want)
		}
	}
}

// `transportlab bench` is the load client, not a server: its flags are its
// own, and it listens on nothing.
func TestRunBenchIsTheLoadClient(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), []string{"transportlab", "bench", "-clients", "3"}, env(nil), &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "-url is required") {
		t.Errorf("run(bench -clients 3) = %v, want the bench's error for a missing -url", err)
	}
	if stdout.Len() > 0 {
		t.Errorf("run(bench …) printed %q, want nothing: it serves nothing", stdout.String())
	}
	stderr.Reset()
	if err := run(t.Context(), []string{"transportlab", "bench", "-h"}, env(nil), &stdout, &stderr); !errors.Is(err, flag.ErrHelp) ||
		!strings.Contains(stderr.String(), "-transports") {
		t.Errorf("run(bench -h) = %v, usage %q; want flag.ErrHelp and the bench's flags", err, stderr.String())
	}
}
