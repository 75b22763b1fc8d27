package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"go.uber.org/goleak"

	"transportlab/internal/feed"
	"transportlab/internal/server"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// skew is how far the test server's clock is from ours: the bench must
// take it out of every latency, as the page does.
const skew = time.Hour

// startServer runs a real server, its clock an hour ahead, publishing 20
// events a second; wrap, when given, wraps its handler (a /metrics).
func startServer(t testing.TB, cfg server.Config, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	now := func() time.Time { return time.Now().Add(skew) }
	hub := feed.NewHub(feed.Config{Rate: 20, Now: now})
	cfg.Page, cfg.Now = fstest.MapFS{}, now
	var h http.Handler = server.New(hub, slog.New(slog.DiscardHandler), cfg)
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { feed.Quotes(ctx, hub, rand.New(rand.NewPCG(1, 2))) })
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		hub.Close()
		srv.CloseClientConnections()
		srv.Close()
	})
	return srv.URL
}

// bench runs `transportlab bench` with args and returns its output.
func bench(t testing.TB, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = Run(t.Context(), args, &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestEveryTransportWithoutGaps(t *testing.T) {
	url := startServer(t, server.Config{}, nil)
	const clients = 4
	out, stderr, err := bench(t, "-url", url, "-clients", fmt.Sprint(clients), "-duration", "2s",
		"-ramp", "300ms", "-interval", "200ms", "-json")
	if err != nil {
		t.Fatalf("bench: %v\nstderr:\n%s", err, stderr)
	}
	var rep report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("-json printed no JSON: %v\n%s", err, out)
	}
	if got := float64(rep.Clock.OffsetUS) / 1e6; got < skew.Seconds()-1 || got > skew.Seconds()+1 {
		t.Errorf("clock offset = %gs, want about %gs", got, skew.Seconds())
	}
	var names []string
	for _, r := range rep.Transports {
		names = append(names, r.Transport)
		if r.Connected != clients || r.Gaps != 0 || r.Duplicates != 0 || r.Errors != 0 {
			t.Errorf("%s: %d connected, %d gaps, %d duplicates, %d errors (%s); want %d, 0, 0, 0",
				r.Transport, r.Connected, r.Gaps, r.Duplicates, r.Errors, r.FirstError, clients)
		}
		// 20 events a second to each client at most: no client can be
		// delivered more than the feed published. How many fewer is the
		// machine's to say (a busy one runs the generator late); the gaps
		// above say none was lost.
		if most := clients * 20.0 * 1.5; r.EventsPerSecond <= 0 || r.EventsPerSecond > most {
			t.Errorf("%s: %.1f events/s, want some, and at most %g", r.Transport, r.EventsPerSecond, most)
		}
		// The clock is an hour off: uncorrected, every latency would be.
		if p := r.LatencyMS; p.P50 == nil || p.P99 == nil || *p.P50 > 1000 || *p.P99 < *p.P50 {
			t.Errorf("%s: latency %v, want p50 ≤ p99, both under a second", r.Transport, p)
		}
		if b := r.WireBytesPerEvent; b == nil || *b < 50 || *b > 2000 {
			t.Errorf("%s: wire bytes per event = %v, want a few hundred at most", r.Transport, b)
		}
		if r.RequestsPerSecond <= 0 && r.Transport == "poll" {
			t.Errorf("poll: %.1f requests/s, want some", r.RequestsPerSecond)
		}
		// The server serves /metrics: its process's CPU and memory.
		if u := r.Server; u == nil || u.CPUPercent < 0 || u.RSSBytes <= 0 {
			t.Errorf("%s: server use %+v, want its CPU and memory from /metrics", r.Transport, u)
		}
	}
	if got := strings.Join(names, ","); got != "poll,sse,ws" {
		t.Errorf("transports = %s, want poll,sse,ws", got)
	}
	if !strings.Contains(stderr, "connected") || !strings.Contains(stderr, "open files:") {
		t.Errorf("stderr has no progress line or file limit:\n%s", stderr)
	}
}

// fakeMetrics answers GET /metrics as a process collector does, its CPU
// counter a tenth of a second further at each read; the rest passes.
func fakeMetrics(next http.Handler) http.Handler {
	var reads atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			next.ServeHTTP(w, r)
			return
		}
		n := reads.Add(1)
		fmt.Fprintf(w, "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"+
			"# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total %g\n"+
			"process_resident_memory_bytes 2.5e+07\ngo_memstats_heap_inuse_bytes %d\n"+
			"transportlab_events_total{transport=\"sse\"} 12\n", 0.1*float64(n), 1000000*n)
	})
}

func TestTableWithServerUse(t *testing.T) {
	url := startServer(t, server.Config{}, fakeMetrics)
	out, stderr, err := bench(t, "-url", url, "-clients", "2", "-duration", "1s", "-ramp", "0", "-transports", "sse")
	if err != nil {
		t.Fatalf("bench: %v\nstderr:\n%s", err, stderr)
	}
	lines := strings.Split(out, "\n")
	var row string
	for _, l := range lines {
		if f := strings.Fields(l); len(f) > 0 && f[0] == "sse" {
			row = l
		}
	}
	// sse 2 2 events/s 0 0 0 0 p50 p95 p99 req/s bytes/event CPU% RSS MB heap KB
	f := strings.Fields(row)
	if len(f) != 18 {
		t.Fatalf("sse row = %q, want 18 fields\n%s", row, out)
	}
	if f[1] != "2" || f[2] != "2" || f[4] != "0" || f[5] != "0" {
		t.Errorf("sse row = %q: want 2 clients, 2 connected, 0 gaps, 0 duplicates", row)
	}
	// The metrics were read before the phase, and at the start and end of
	// its window: 1 MB of heap, then 3 MB, over 2 clients.
	if !strings.HasSuffix(f[13], "%") || f[14] != "25.0" || f[16] != "1000.0" {
		t.Errorf("sse row = %q: want a CPU %%, 25.0 MB, and 1000.0 KB a client", row)
	}
	if strings.Contains(out, "n/a") {
		t.Errorf("the table says n/a of a server with /metrics:\n%s", out)
	}
}

// A server without /metrics (an older one, or behind a proxy that hides
// it) still gets its table, saying n/a where it cannot know.
func TestServerWithoutMetrics(t *testing.T) {
	hide := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/metrics" {
				http.NotFound(w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	url := startServer(t, server.Config{}, hide)
	out, stderr, err := bench(t, "-url", url, "-clients", "2", "-duration", "1s", "-ramp", "0", "-transports", "sse")
	if err != nil {
		t.Fatalf("bench: %v\nstderr:\n%s", err, stderr)
	}
	if !strings.Contains(out, "n/a") {
		t.Errorf("the table of a server without /metrics says no n/a:\n%s", out)
	}
	out, _, err = bench(t, "-url", url, "-clients", "2", "-duration", "1s", "-ramp", "0", "-transports", "sse", "-json")
	var rep report
	if err != nil || json.Unmarshal([]byte(out), &rep) != nil || len(rep.Transports) != 1 || rep.Transports[0].Server != nil {
		t.Errorf("-json of a server without /metrics: %v %s, want server null", err, out)
	}
}

func TestLimitedServer(t *testing.T) {
	t.Run("pages", func(t *testing.T) {
		url := startServer(t, server.Config{PerAddress: server.PerAddress{Pages: server.Rate{PerSecond: 1, Burst: 2}}}, nil)
		_, _, err := bench(t, "-url", url, "-clients", "20", "-duration", "1s")
		if !errors.Is(err, errLimited) || !strings.Contains(err.Error(), "-limits=false") {
			t.Errorf("bench against a server limiting new pages: %v, want %v", err, errLimited)
		}
	})
	t.Run("polls", func(t *testing.T) {
		url := startServer(t, server.Config{PerAddress: server.PerAddress{Polls: server.Rate{PerSecond: 1, Burst: 1}}}, nil)
		out, _, err := bench(t, "-url", url, "-clients", "3", "-duration", "1s", "-ramp", "0",
			"-interval", "100ms", "-transports", "poll", "-json")
		if !errors.Is(err, errLimited) {
			t.Errorf("bench against a server limiting polls: %v, want %v", err, errLimited)
		}
		var rep report
		if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Transports) != 1 {
			t.Fatalf("-json: %v, %d transports\n%s", err, len(rep.Transports), out)
		}
		if r := rep.Transports[0]; r.Refused == 0 || r.Refused > r.Errors || !strings.Contains(r.FirstError, "429") {
			t.Errorf("poll: %d refused of %d errors, first %q; want some 429s", r.Refused, r.Errors, r.FirstError)
		}
	})
}

func TestCappedStreams(t *testing.T) {
	url := startServer(t, server.Config{MaxStreamsPerIP: 1}, nil)
	out, _, err := bench(t, "-url", url, "-clients", "3", "-duration", "1s", "-ramp", "0", "-transports", "sse,ws", "-json")
	if !errors.Is(err, errCapped) || !strings.Contains(err.Error(), "-max-streams-per-ip 0") {
		t.Errorf("bench against a server capping streams at 1 an address: %v, want %v", err, errCapped)
	}
	var rep report
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Transports) != 2 {
		t.Fatalf("-json: %v, %d transports\n%s", err, len(rep.Transports), out)
	}
	for _, r := range rep.Transports {
		if r.Connected != 1 || r.Capped == 0 || !strings.Contains(r.FirstError, "too_many_streams") {
			t.Errorf("%s: %d connected, %d capped, first error %q; want 1, some, too_many_streams", r.Transport, r.Connected, r.Capped, r.FirstError)
		}
	}
}

func TestBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "-url is required"},
		{[]string{"-url", "https://localhost:8005"}, "plain http://"},
		{[]string{"-url", "http://localhost:8005/page?x=1"}, "only http://host:port"},
		{[]string{"-url", "http://localhost:1", "-transports", "poll,longpoll"}, `unknown transport "longpoll": the bench knows poll, sse, ws`},
		{[]string{"-url", "http://localhost:1", "-transports", ","}, "name at least one"},
		{[]string{"-url", "http://localhost:1", "-clients", "0"}, "-clients must be from 1"},
		{[]string{"-url", "http://localhost:1", "-duration", "10ms"}, "-duration must be at least 1s"},
		{[]string{"-url", "http://localhost:1", "-interval", "1ms"}, "-interval must be at least"},
		{[]string{"-url", "http://localhost:1", "-ramp", "-1s"}, "-ramp must be 0 or more"},
		{[]string{"-url", "http://localhost:1", "extra"}, "unexpected arguments"},
		{[]string{"-clients", "many"}, "invalid value"},
	} {
		_, err := parseFlags(tc.args, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parseFlags(%q) = %v, want an error with %q", tc.args, err, tc.want)
		}
	}
	if _, err := parseFlags([]string{"-h"}, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("parseFlags(-h) = %v, want flag.ErrHelp", err)
	}
}

func TestUnreachableServer(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there now
	_, _, err := bench(t, "-url", url, "-clients", "1", "-duration", "1s")
	if err == nil || !strings.Contains(err.Error(), "/api/time") {
		t.Errorf("bench against nothing: %v, want an error naming /api/time", err)
	}
}

func TestReadSSE(t *testing.T) {
	stream := "retry: 2000\n\nevent: hello\ndata: {\"kind\":\"hello\"}\n\n: heartbeat\n\n" +
		"id: 7\r\ndata: {\"seq\":7,\r\ndata: \"ts\":1}\r\n\r\nid: 8\ndata:{\"seq\":8}\n\n"
	var got []string
	err := readSSE(strings.NewReader(stream), func(event string, data []byte) {
		got = append(got, event+"|"+string(data))
	})
	want := []string{`hello|{"kind":"hello"}`, "|{\"seq\":7,\n\"ts\":1}", `|{"seq":8}`}
	if err != io.EOF || strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("readSSE = %q, %v; want %q, EOF", got, err, want)
	}
}

func TestHistogram(t *testing.T) {
	var h histogram
	for i := 1; i <= 1000; i++ {
		h.record(float64(i)) // 1 ms to 1 s
	}
	h.record(-3) // inside the clock's error: the smallest
	for _, tc := range []struct{ q, want float64 }{{0.5, 500}, {0.95, 950}, {0.99, 990}} {
		if got := h.quantile(tc.q); got < tc.want*0.98 || got > tc.want*1.02 {
			t.Errorf("quantile(%g) = %g, want %g within 2%%", tc.q, got, tc.want)
		}
	}
	var empty histogram
	if got := empty.quantile(0.5); got == got {
		t.Errorf("quantile of nothing = %g, want NaN", got)
	}
}

func TestParseUsage(t *testing.T) {
	text := "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 12.5\n" +
		"process_resident_memory_bytes 3.4e+07 1764150000000\ngo_goroutines 9\n"
	u, ok := parseUsage(strings.NewReader(text))
	if !ok || u.cpu != 12.5 || u.rss != 3.4e7 || u.heapInuse == u.heapInuse {
		t.Errorf("parseUsage = %+v, %v; want cpu 12.5, rss 3.4e7, heap NaN, true", u, ok)
	}
	if _, ok := parseUsage(strings.NewReader("go_goroutines 9\n")); ok {
		t.Error("parseUsage without process series: ok, want not")
	}
}

func TestProgressLine(t *testing.T) {
	var term, log bytes.Buffer
	for _, pg := range []*progress{{w: &term, terminal: true}, newProgress(&log)} {
		pg.show("ws ramp connected 1/2")
		pg.show("ws ramp connected 2/2")
		pg.done()
	}
	if want := "\rws ramp connected 1/2\x1b[K\rws ramp connected 2/2\x1b[K\n"; term.String() != want {
		t.Errorf("on a terminal: %q, want %q (rewritten in place)", term.String(), want)
	}
	if want := "ws ramp connected 1/2\nws ramp connected 2/2\n"; log.String() != want {
		t.Errorf("elsewhere: %q, want %q (a line each)", log.String(), want)
	}
}
