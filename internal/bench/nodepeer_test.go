package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
)

// startNodePeer runs bench/node/server.mjs, the Node peer that bench/
// compares this server with, on a free loopback port, and returns its URL.
// It skips when Node or the peer's ws package is not installed.
func startNodePeer(t *testing.T, rate string) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "bench", "node"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "ws")); err != nil {
		t.Skip("no bench/node/node_modules: run npm ci in bench/node")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("no node on PATH")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, node, "server.mjs", "--port", "0", "--rate", rate)
	cmd.Dir = dir
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("node server.mjs: %v", err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		cmd.Wait()
	})
	// It says where it listens on its first line, then nothing more.
	lines := bufio.NewScanner(out)
	if !lines.Scan() {
		t.Fatalf("node server.mjs said nothing: %v", lines.Err())
	}
	url := regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(lines.Text())
	if url == "" {
		t.Fatalf("node server.mjs: %q names no http://127.0.0.1:PORT", lines.Text())
	}
	wg.Go(func() {
		for lines.Scan() {
		}
	})
	return url
}

// The Node peer speaks what the bench asks, as this server does: every
// client connects and misses nothing, and its cost is read from its
// /metrics the same way, but for the Go runtime's series it has not got.
func TestNodePeer(t *testing.T) {
	url := startNodePeer(t, "20")
	const clients = 3
	out, stderr, err := bench(t, "-url", url, "-clients", "3", "-duration", "1s", "-ramp", "200ms",
		"-interval", "200ms", "-transports", "poll,longpoll,sse,ws", "-json")
	if err != nil {
		t.Fatalf("bench against the Node peer: %v\nstderr:\n%s", err, stderr)
	}
	var rep report
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Transports) != 4 {
		t.Fatalf("-json: %v, want 4 transports\n%s", err, out)
	}
	for _, r := range rep.Transports {
		if r.Connected != clients || r.Gaps != 0 || r.Duplicates != 0 || r.Errors != 0 || r.EventsPerSecond <= 0 {
			t.Errorf("%s: %d connected, %.1f events/s, %d gaps, %d duplicates, %d errors (%s); want %d, some, 0, 0, 0",
				r.Transport, r.Connected, r.EventsPerSecond, r.Gaps, r.Duplicates, r.Errors, r.FirstError, clients)
		}
		u := r.Server
		if u == nil || u.CPUMicrosPerEvent == nil || u.RSSPerClientBytes == nil || u.HeapStackPerClientBytes != nil {
			t.Errorf("%s: server use %+v, want CPU per event and RSS per client, and no heap+stack", r.Transport, u)
		}
	}
}
