package soak_test

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/coder/websocket"

	"transportlab/internal/feed"
	"transportlab/internal/server"
	"transportlab/internal/transporttest"
)

var (
	soak     = flag.Bool("soak", false, "run the soak test")
	clients  = flag.Int("clients", 200, "clients per transport")
	duration = flag.Duration("duration", 60*time.Second, "how long the clients run")
	rate     = flag.Float64("rate", 10, "events per second of the feed")
	cutEvery = flag.Duration("server-drops", 10*time.Second, "how often the server cuts every connection")
)

// tally is what one client saw, as the page's ledger counts it.
type tally struct {
	received, missed, duplicates, resets, reconnects int64

	last  uint64 // the last seq received; 0 before any
	epoch string
}

// hello applies a hello or a poll answer's metadata.
func (t *tally) hello(h feed.Hello) {
	if h.Reset || (t.epoch != "" && h.Epoch != t.epoch) {
		t.resets++
		t.last = 0
	}
	t.epoch = h.Epoch
	if h.Missed > 0 && t.last > 0 {
		t.missed += int64(h.Missed)
		t.last += h.Missed // the gap they leave is counted once, here
	}
}

// event applies one event's seq.
func (t *tally) event(seq uint64) {
	switch {
	case t.last != 0 && seq <= t.last:
		t.duplicates++
		return
	case t.last != 0 && seq > t.last+1:
		t.missed += int64(seq - t.last - 1)
	}
	t.last = seq
	t.received++
}

// query is the resume point to send: since and epoch, once there is one.
func (t *tally) query() string {
	if t.last == 0 {
		return ""
	}
	return fmt.Sprintf("since=%d&epoch=%s", t.last, t.epoch)
}

func TestSoak(t *testing.T) {
	if !*soak {
		t.Skip("the soak test runs with -soak (make soak)")
	}
	hub := feed.NewHub(feed.Config{Rate: *rate})
	srv := httptest.NewUnstartedServer(server.New(hub, slog.New(slog.DiscardHandler),
		server.Config{Page: fstest.MapFS{}}))
	cut := &transporttest.Listener{Listener: srv.Listener}
	srv.Listener = cut
	srv.Start()
	defer srv.Close()
	defer hub.Close()

	ctx, cancel := context.WithTimeout(context.Background(), *duration)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() { feed.Quotes(ctx, hub, rand.New(rand.NewPCG(1, 2))) })
	wg.Go(func() {
		tick := time.NewTicker(*cutEvery)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				cut.Cut()
			}
		}
	})

	clientsOf := map[string]func(context.Context, string, *tally){"poll": pollClient, "sse": sseClient, "ws": wsClient}
	tallies := map[string][]*tally{}
	for name, run := range clientsOf {
		for range *clients {
			tl := new(tally)
			tallies[name] = append(tallies[name], tl)
			wg.Go(func() { run(ctx, srv.URL, tl) })
		}
	}
	wg.Wait()

	t.Logf("%d clients per transport for %v at %g events/s; the server cut every connection every %v; head %d",
		*clients, *duration, *rate, *cutEvery, hub.Head())
	t.Logf("%-5s %10s %8s %10s %7s %10s", "", "received", "missed", "duplicates", "resets", "reconnects")
	for _, name := range []string{"poll", "sse", "ws"} {
		var sum tally
		for _, tl := range tallies[name] {
			sum.received += tl.received
			sum.missed += tl.missed
			sum.duplicates += tl.duplicates
			sum.resets += tl.resets
			sum.reconnects += tl.reconnects
		}
		t.Logf("%-5s %10d %8d %10d %7d %10d", name, sum.received, sum.missed, sum.duplicates, sum.resets, sum.reconnects)
		if sum.missed != 0 || sum.duplicates != 0 || sum.resets != 0 {
			t.Errorf("%s: %d missed, %d duplicates, %d resets; inside the history window all must be 0",
				name, sum.missed, sum.duplicates, sum.resets)
		}
	}
}

// randomDrop is how long a client keeps a connection before it drops it.
func randomDrop() time.Duration {
	return time.Second + rand.N(4*time.Second)
}

// pollClient polls every 500 ms, resuming from its last seq.
func pollClient(ctx context.Context, base string, tl *tally) {
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	failed := false
	for ctx.Err() == nil {
		var answer struct {
			feed.Hello
			Events []json.RawMessage `json:"events"`
		}
		if err := getJSON(ctx, client, base+"/poll?"+tl.query(), &answer); err != nil {
			failed = true
		} else {
			if failed {
				tl.reconnects++
				failed = false
			}
			tl.hello(answer.Hello)
			for _, raw := range answer.Events {
				var e feed.Event
				if json.Unmarshal(raw, &e) == nil {
					tl.event(e.Seq)
				}
			}
		}
		if rand.N(10) == 0 {
			client.CloseIdleConnections() // a dropped keep-alive connection
		}
		sleep(ctx, 500*time.Millisecond)
	}
}

func getJSON(ctx context.Context, client *http.Client, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", res.StatusCode)
	}
	return json.NewDecoder(res.Body).Decode(v)
}

// sseClient reads the stream, drops it at random and reconnects as an
// EventSource does: Last-Event-ID, and the epoch in the URL.
func sseClient(ctx context.Context, base string, tl *tally) {
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	for first := true; ctx.Err() == nil; first = false {
		if !first {
			tl.reconnects++
		}
		conn, cancel := context.WithTimeout(ctx, randomDrop())
		readSSE(conn, client, base, tl)
		cancel()
		sleep(ctx, 100*time.Millisecond)
	}
}

func readSSE(ctx context.Context, client *http.Client, base string, tl *tally) {
	url := base + "/sse"
	if tl.epoch != "" {
		url += "?epoch=" + tl.epoch
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return
	}
	if tl.last != 0 {
		req.Header.Set("Last-Event-ID", strconv.FormatUint(tl.last, 10))
	}
	res, err := client.Do(req)
	if err != nil {
		return
	}
	defer res.Body.Close()
	r := bufio.NewReader(res.Body)
	var name, data string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "" && name == "hello":
			var h feed.Hello
			if json.Unmarshal([]byte(data), &h) == nil {
				tl.hello(h)
			}
			name, data = "", ""
		case line == "":
			var e feed.Event
			if data != "" && json.Unmarshal([]byte(data), &e) == nil {
				tl.event(e.Seq)
			}
			name, data = "", ""
		case strings.HasPrefix(line, "event: "):
			name = line[len("event: "):]
		case strings.HasPrefix(line, "data: "):
			data = line[len("data: "):]
		}
	}
}

// wsClient reads the socket, drops it at random and reconnects with since
// and epoch.
func wsClient(ctx context.Context, base string, tl *tally) {
	for first := true; ctx.Err() == nil; first = false {
		if !first {
			tl.reconnects++
		}
		conn, cancel := context.WithTimeout(ctx, randomDrop())
		readWS(conn, base, tl)
		cancel()
		sleep(ctx, 100*time.Millisecond)
	}
}

func readWS(ctx context.Context, base string, tl *tally) {
	c, _, err := websocket.Dial(ctx, strings.Replace(base, "http", "ws", 1)+"/ws?"+tl.query(), nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			return
		}
		var m struct {
			feed.Hello
			Seq uint64 `json:"seq"`
		}
		if json.Unmarshal(b, &m) != nil {
			continue
		}
		if m.Kind == "hello" {
			tl.hello(m.Hello)
		} else {
			tl.event(m.Seq)
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
