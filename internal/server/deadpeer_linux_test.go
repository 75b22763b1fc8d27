package server_test

import (
	"bufio"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"transportlab/internal/feed"
	"transportlab/internal/server"
)

// inNetns marks the run of this test inside its own network namespace.
const inNetns = "TRANSPORTLAB_TEST_IN_NETNS"

// A client that vanishes without a goodbye leaves a half-open connection:
// nothing comes back, not even the ACKs of what the server sends. The test
// makes one by taking the loopback interface down, which it may do only in
// a network namespace of its own: it runs itself again inside one. The
// stream is counted as cut off for a dead peer.
func TestVanishedSSEPeerIsGoneWithinTwoHeartbeats(t *testing.T) {
	if os.Getenv(inNetns) == "" {
		cmd := exec.Command("unshare", "--net", os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v")
		cmd.Env = append(os.Environ(), inNetns+"=1")
		out, err := cmd.CombinedOutput()
		if err != nil && strings.Contains(string(out), "unshare failed") {
			t.Skipf("no network namespace to take loopback down in (needs root): %s", out)
		}
		if err != nil {
			t.Fatalf("in a network namespace: %v\n%s", err, out)
		}
		t.Logf("in a network namespace:\n%s", out)
		return
	}
	ip(t, "link", "set", "lo", "up")

	const heartbeat = time.Second
	hub := feed.NewHub(feed.Config{})
	// The stream closes its connection itself (it hijacked it from
	// net/http), then logs that it closed: that line is what is timed.
	closed := make(chan time.Time, 1)
	log := slog.New(closeTimer{slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}), closed})
	srv := httptest.NewUnstartedServer(server.New(hub, log, server.Config{
		Page:      fstest.MapFS{},
		Heartbeat: heartbeat,
		DeadPeer:  heartbeat / 2, // as the command sets it
	}))
	srv.Listener = server.Install(srv.Config, srv.Listener)
	srv.Start()
	defer srv.Close()
	defer hub.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/sse", nil)
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	r := bufio.NewReader(res.Body)
	for range 2 { // the retry: block and the hello
		for line := "x"; line != "\n"; {
			if line, err = r.ReadString('\n'); err != nil {
				t.Fatal(err)
			}
		}
	}

	vanished := time.Now()
	ip(t, "link", "set", "lo", "down")
	select {
	case at := <-closed:
		took := at.Sub(vanished)
		t.Logf("the half-open stream was closed %v after its peer vanished (heartbeat %v)", took, heartbeat)
		if took > 2*heartbeat {
			t.Errorf("closed after %v, want within two heartbeat periods (%v)", took, 2*heartbeat)
		}
	case <-time.After(10 * heartbeat):
		t.Fatalf("the half-open stream was still open %v after its peer vanished", 10*heartbeat)
	}
	ip(t, "link", "set", "lo", "up") // for the scrape
	waitCutoffs(t, srv, server.SSE, server.CutDeadPeer, 1)
}

func ip(tb testing.TB, args ...string) {
	tb.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		tb.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// closeTimer is a log handler that sends the time of the first "stream
// closed" on closed.
type closeTimer struct {
	slog.Handler
	closed chan time.Time
}

func (h closeTimer) Enabled(context.Context, slog.Level) bool { return true }

func (h closeTimer) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "stream closed" {
		select {
		case h.closed <- time.Now():
		default: // only the first close is measured
		}
	}
	if !h.Handler.Enabled(ctx, r.Level) {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}
