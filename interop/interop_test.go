// Package interop checks the public contract with clients that transportlab
// did not write: the npm ws and eventsource packages and Node's fetch, in
// clients.test.mjs, and the official socket.io-client, in
// socketio.test.mjs, against the real server started here.
package interop_test

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"transportlab/internal/feed"
	"transportlab/internal/server"
	"transportlab/web"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestNodeClients(t *testing.T) {
	if _, err := os.Stat("node_modules/socket.io-client"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI must run the interop test: run npm ci in interop/ (make test does)")
		}
		t.Skip("no interop/node_modules: run make test, which installs them")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is needed for the interop test: ", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	hub := feed.NewHub(feed.Config{Rate: 20})
	var wg sync.WaitGroup
	wg.Go(func() { feed.Quotes(ctx, hub, rand.New(rand.NewPCG(1, 2))) })
	srv := httptest.NewUnstartedServer(server.New(hub, slog.New(slog.DiscardHandler), server.Config{Page: web.Files}))
	srv.Listener = server.Install(srv.Config, srv.Listener) // streams handed off their handlers, as transportlab runs
	srv.Start()
	defer func() {
		cancel()
		hub.Close()
		srv.Close()
		wg.Wait()
	}()

	run, stop := context.WithTimeout(ctx, time.Minute)
	defer stop()
	cmd := exec.CommandContext(run, node, "--test", "--test-reporter=spec", "clients.test.mjs", "socketio.test.mjs")
	cmd.Env = append(os.Environ(), "TRANSPORTLAB_URL="+srv.URL)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node clients failed: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
