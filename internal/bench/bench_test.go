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
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
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
	runtime.GC() // the server shares this process: its live heap is known from now (see goMemory)
	const clients = 4
	out, stderr, err := bench(t, "-url", url, "-clients", fmt.Sprint(clients), "-duration", "2s",
		"-ramp", "300ms", "-interval", "200ms", "-transports", "poll,longpoll,sse,ws", "-json")
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
		// The server serves /metrics: its process's CPU and memory, and
		// the Go runtime's live heap and stacks, per event and per client.
		u := r.Server
		if u == nil || u.CPUPercent < 0 || u.RSSBytes <= 0 {
			t.Errorf("%s: server use %+v, want its CPU and memory from /metrics", r.Transport, u)
			continue
		}
		if u.CPUMicrosPerEvent == nil || *u.CPUMicrosPerEvent < 0 || u.RSSPerClientBytes == nil || u.HeapStackPerClientBytes == nil {
			t.Errorf("%s: CPU per event %v, RSS per client %v, heap and stacks per client %v; want all three",
				r.Transport, u.CPUMicrosPerEvent, u.RSSPerClientBytes, u.HeapStackPerClientBytes)
		}
	}
	if got := strings.Join(names, ","); got != "poll,longpoll,sse,ws" {
		t.Errorf("transports = %s, want poll,longpoll,sse,ws", got)
	}
	// A short poll asks once an interval, events or not; a long poll once
	// an answer, which an event (or a few at once) brings: at 20 events a
	// second against polls every 200 ms, long polling asks more often, and
	// its events wait for no interval.
	if len(rep.Transports) == 4 {
		short, long := rep.Transports[0], rep.Transports[1]
		if long.RequestsPerSecond <= short.RequestsPerSecond || long.RequestsPerSecond < long.EventsPerSecond/4 {
			t.Errorf("longpoll: %.1f requests/s for %.1f events/s, poll %.1f requests/s; want about one request an event, more than poll",
				long.RequestsPerSecond, long.EventsPerSecond, short.RequestsPerSecond)
		}
		if ps, pl := short.LatencyMS.P50, long.LatencyMS.P50; ps != nil && pl != nil && *pl >= *ps {
			t.Errorf("latency p50: longpoll %.1f ms, poll %.1f ms; want longpoll's lower (no interval to wait)", *pl, *ps)
		}
	}
	if !strings.Contains(stderr, "connected") || !strings.Contains(stderr, "open files:") {
		t.Errorf("stderr has no progress line or file limit:\n%s", stderr)
	}
}

// fakeMetrics answers GET /metrics as a process collector does, its CPU
// counter a tenth of a second further and its RSS a megabyte higher at
// each read; with goRuntime, as a Go server's does besides, its live heap
// and stacks growing by 1.1 MB a read. The rest passes.
func fakeMetrics(goRuntime bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		var reads atomic.Int64
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/metrics" {
				next.ServeHTTP(w, r)
				return
			}
			n := reads.Add(1)
			fmt.Fprintf(w, "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"+
				"# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total %g\n"+
				"process_resident_memory_bytes %d\n"+
				"transportlab_events_total{transport=\"sse\"} 12\n", 0.1*float64(n), 25000000+1000000*n)
			if goRuntime {
				fmt.Fprintf(w, "go_gc_heap_live_bytes %d\ngo_memstats_stack_inuse_bytes %d\n", 1000000*n, 100000*n)
			}
		})
	}
}

// sseRow runs the bench's table for 2 SSE clients and returns the fields
// of its sse row.
func sseRow(t *testing.T, url string) (fields []string, out string) {
	t.Helper()
	out, stderr, err := bench(t, "-url", url, "-clients", "2", "-duration", "1s", "-ramp", "0", "-transports", "sse")
	if err != nil {
		t.Fatalf("bench: %v\nstderr:\n%s", err, stderr)
	}
	for l := range strings.SplitSeq(out, "\n") {
		if f := strings.Fields(l); len(f) > 0 && f[0] == "sse" {
			fields = f
		}
	}
	// sse 2 2 events/s 0 0 0 0 p50 p95 p99 req/s bytes/event CPU% µs/event RSS RSS/client heap+stack/client
	if len(fields) != 18 {
		t.Fatalf("sse row = %q, want 18 fields\n%s", fields, out)
	}
	if fields[1] != "2" || fields[2] != "2" || fields[4] != "0" || fields[5] != "0" {
		t.Errorf("sse row = %q: want 2 clients, 2 connected, 0 gaps, 0 duplicates", fields)
	}
	return fields, out
}

func TestTableWithServerUse(t *testing.T) {
	url := startServer(t, server.Config{}, fakeMetrics(true))
	f, out := sseRow(t, url)
	// The metrics were read before the phase, and at the start and end of
	// its window: RSS 26 MB, then 28 MB, over 2 clients; the heap and
	// stacks 1.1 MB, then 3.3 MB. The window's 0.1 s of CPU is a number
	// of µs per event delivered.
	if !strings.HasSuffix(f[13], "%") || f[15] != "28.0MB" || f[16] != "1000.0KB" || f[17] != "1100.0KB" {
		t.Errorf("sse row = %q: want a CPU %%, 28.0MB, 1000.0KB and 1100.0KB a client", f)
	}
	if v, err := strconv.ParseFloat(f[14], 64); err != nil || v <= 0 {
		t.Errorf("sse row = %q: CPU µs/event %q, want a number above 0", f, f[14])
	}
	if strings.Contains(out, "n/a") {
		t.Errorf("the table says n/a of a server with /metrics:\n%s", out)
	}
}

// A server that is not Go (Node's, in bench/) has a process's CPU and RSS
// but no Go runtime: its heap and stacks are n/a, the rest is measured.
func TestTableOfAServerWithoutGoRuntime(t *testing.T) {
	url := startServer(t, server.Config{}, fakeMetrics(false))
	f, out := sseRow(t, url)
	if f[15] != "28.0MB" || f[16] != "1000.0KB" || f[17] != "n/a" {
		t.Errorf("sse row = %q: want 28.0MB, 1000.0KB a client, heap+stack n/a", f)
	}
	if !strings.Contains(out, "heap+stack n/a:") {
		t.Errorf("the table does not say why heap+stack is n/a:\n%s", out)
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
		{[]string{"-url", "http://localhost:1", "-transports", "poll,socketio"}, `unknown transport "socketio": the bench knows poll, longpoll, sse, ws`},
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
	if !ok || u.cpu != 12.5 || u.rss != 3.4e7 || !math.IsNaN(u.goMemory()) {
		t.Errorf("parseUsage = %+v, %v; want cpu 12.5, rss 3.4e7, Go memory NaN, true", u, ok)
	}
	u, _ = parseUsage(strings.NewReader(text + "go_gc_heap_live_bytes 2e+06\ngo_memstats_stack_inuse_bytes 524288\n"))
	if got := u.goMemory(); got != 2e6+524288 {
		t.Errorf("parseUsage of a Go server: Go memory %g, want %g", got, 2e6+524288.0)
	}
	if _, ok := parseUsage(strings.NewReader("go_goroutines 9\n")); ok {
		t.Error("parseUsage without process series: ok, want not")
	}
}

func TestServerCost(t *testing.T) {
	at := time.Unix(1764150000, 0)
	goServer := func(sec, cpu, rss, heap, stack float64) usage {
		return usage{at: at.Add(time.Duration(sec * float64(time.Second))), cpu: cpu, rss: rss, heapLive: heap, stackUsed: stack}
	}
	nodeServer := func(sec, cpu, rss float64) usage {
		u := goServer(sec, cpu, rss, 0, 0)
		u.heapLive, u.stackUsed = math.NaN(), math.NaN()
		return u
	}
	for _, tc := range []struct {
		name              string
		before, u0, u1    usage
		connected, events int64
		// want: CPU %, µs/event (-1: null), RSS/client, heap+stack/client (-1: null)
		cpu, perEvent float64
		rssPer, goPer int64
	}{
		{"go", goServer(0, 1, 10e6, 1e6, 5e5), goServer(5, 2, 30e6, 9e6, 2.5e6), goServer(15, 3, 50e6, 11e6, 2.5e6), 1000, 50000, 10, 20, 40000, 12000},
		{"node", nodeServer(0, 1, 10e6), nodeServer(5, 2, 30e6), nodeServer(15, 2.5, 20e6), 1000, 50000, 5, 10, 10000, -1},
		{"nothing delivered", goServer(0, 1, 10e6, 1e6, 5e5), goServer(5, 2, 30e6, 9e6, 2.5e6), goServer(15, 2, 30e6, 9e6, 2.5e6), 0, 0, 0, -1, -1, -1},
		{"no read before", unknownUsage(), goServer(5, 2, 30e6, 9e6, 2.5e6), goServer(15, 3, 50e6, 11e6, 2.5e6), 1000, 50000, 10, 20, -1, -1},
		// A live heap of 0 is a server that had not collected yet: what it held is not known.
		{"no GC before", goServer(0, 1, 10e6, 0, 5e5), goServer(5, 2, 30e6, 9e6, 2.5e6), goServer(15, 3, 50e6, 11e6, 2.5e6), 1000, 50000, 10, 20, 40000, -1},
	} {
		s := serverCost(tc.before, tc.u0, tc.u1, tc.connected, tc.events)
		if s.CPUPercent != tc.cpu || s.RSSBytes != int64(tc.u1.rss) {
			t.Errorf("%s: CPU %g%%, RSS %d; want %g%%, %d", tc.name, s.CPUPercent, s.RSSBytes, tc.cpu, int64(tc.u1.rss))
		}
		if got, want := orMinus(s.CPUMicrosPerEvent), tc.perEvent; got != want {
			t.Errorf("%s: CPU µs/event %g, want %g", tc.name, got, want)
		}
		for _, c := range []struct {
			what      string
			got, want int64
		}{{"RSS/client", intOrMinus(s.RSSPerClientBytes), tc.rssPer}, {"heap+stack/client", intOrMinus(s.HeapStackPerClientBytes), tc.goPer}} {
			if c.got != c.want {
				t.Errorf("%s: %s %d, want %d", tc.name, c.what, c.got, c.want)
			}
		}
	}
}

// orMinus is *v, or -1 for null; intOrMinus the same for sizes.
func orMinus(v *float64) float64 {
	if v == nil {
		return -1
	}
	return *v
}

func intOrMinus(v *int64) int64 {
	if v == nil {
		return -1
	}
	return *v
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
