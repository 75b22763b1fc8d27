package server_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"transportlab/internal/server"
)

// scrape reads GET /metrics as a scraper does, and returns its text.
func scrape(tb testing.TB, srv *httptest.Server) []byte {
	tb.Helper()
	resp, err := srv.Client().Get(srv.URL + "/metrics")
	if err != nil {
		tb.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("GET /metrics: reading the answer: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET /metrics: status %d, want 200: %s", resp.StatusCode, body)
	}
	return body
}

// families parses the text of a scrape.
func families(tb testing.TB, text []byte) map[string]*dto.MetricFamily {
	tb.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(bytes.NewReader(text))
	if err != nil {
		tb.Fatalf("parsing /metrics: %v\n%s", err, text)
	}
	return mfs
}

// value returns the value of the series name whose labels are labels
// (every one of its labels, no more), and whether there is one.
func value(mfs map[string]*dto.MetricFamily, name string, labels map[string]string) (float64, bool) {
	mf, ok := mfs[name]
	if !ok {
		return 0, false
	}
next:
	for _, m := range mf.GetMetric() {
		if len(m.GetLabel()) != len(labels) {
			continue
		}
		for _, l := range m.GetLabel() {
			if labels[l.GetName()] != l.GetValue() {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		}
	}
	return 0, false
}

// transportSeries returns what /metrics says of each transport, as Counts,
// for the transports of /api/stats; a series missing is an error.
func transportSeries(tb testing.TB, mfs map[string]*dto.MetricFamily, transports map[string]server.Counts) map[string]server.Counts {
	tb.Helper()
	got := make(map[string]server.Counts, len(transports))
	for tr := range transports {
		var c server.Counts
		for name, field := range map[string]*int64{
			"transportlab_requests_total":            &c.Requests,
			"transportlab_open_requests":             &c.Open,
			"transportlab_delivered_events_total":    &c.Events,
			"transportlab_delivered_bytes_total":     &c.Bytes,
			"transportlab_wire_received_bytes_total": &c.WireIn,
			"transportlab_wire_sent_bytes_total":     &c.WireOut,
		} {
			v, ok := value(mfs, name, map[string]string{"transport": tr})
			if !ok {
				tb.Errorf("/metrics has no %s{transport=%q}", name, tr)
			}
			*field = int64(v)
		}
		got[tr] = c
	}
	return got
}

// What /metrics says of each transport is what /api/stats says, after
// polls, an SSE stream and a WebSocket, open and closed; a resume is
// counted by what it found.
func TestMetricsAgreeWithStats(t *testing.T) {
	srv, hub := newServer(t, server.Config{})
	key, _ := mint(t, srv)
	publish(t, hub, 2)

	var answer struct{ Next uint64 }
	getJSON(t, srv, "/poll?client="+key, &answer)                             // a first poll: no resume
	getJSON(t, srv, fmt.Sprintf("/poll?client=%s&since=%d", key, 1), &answer) // all after 1 is there: whole
	getJSON(t, srv, "/poll?client="+key+"&since=99", &answer)                 // beyond the head: reset
	s := openSSEWith(t, srv, "/sse?client="+key, http.Header{"Last-Event-ID": {"1"}}, nil)
	old := openSSE(t, srv, "/sse?client="+key)
	ws := dialWS(t, srv, "/ws?client="+key)
	publish(t, hub, 2)
	s.nextEvent(t) // 2, from history
	for range 2 {
		s.nextEvent(t)
		old.nextEvent(t)
		ws.next(t)
	}
	old.drop()
	if !eventually(func() bool { return getStats(t, srv, key).Client[server.SSE].Open == 1 }) {
		t.Fatal("the SSE stream closed by its client is still open")
	}

	// The streams that stay open write nothing more (the heartbeat and the
	// ping are 15 s away): the numbers are still, and must agree.
	var stats, metrics map[string]server.Counts
	var mfs map[string]*dto.MetricFamily
	agree := eventually(func() bool {
		stats = getStats(t, srv, "").Transports
		mfs = families(t, scrape(t, srv))
		metrics = transportSeries(t, mfs, stats)
		for tr, c := range stats {
			if metrics[tr] != c {
				return false
			}
		}
		return true
	})
	if !agree {
		t.Errorf("/metrics = %+v,\nwant /api/stats's %+v", metrics, stats)
	}
	if got := stats[server.SSE].Open; got != 1 {
		t.Errorf("open SSE streams = %d, want 1", got)
	}

	for _, c := range []struct {
		transport, outcome string
		want               float64
	}{
		{server.Poll, server.ResumeWhole, 1},
		{server.Poll, server.ResumeMissed, 0},
		{server.Poll, server.ResumeReset, 1},
		{server.SSE, server.ResumeWhole, 1},
		{server.SSE, server.ResumeReset, 0},
		{server.WS, server.ResumeWhole, 0},
	} {
		labels := map[string]string{"transport": c.transport, "outcome": c.outcome}
		if got, ok := value(mfs, "transportlab_resumes_total", labels); !ok || got != c.want {
			t.Errorf("transportlab_resumes_total%v = %v (present %v), want %v", labels, got, ok, c.want)
		}
	}
	// Every cause is there from the start, at zero.
	for tr := range stats {
		labels := map[string]string{"transport": tr, "cause": server.CutTooSlow}
		if got, ok := value(mfs, "transportlab_cutoffs_total", labels); !ok || got != 0 {
			t.Errorf("transportlab_cutoffs_total%v = %v (present %v), want 0", labels, got, ok)
		}
	}
}

// A resume whose seq fell out of the history is counted as missed.
func TestMetricsCountAResumeThatMissed(t *testing.T) {
	srv, hub := newServer(t, server.Config{})
	publish(t, hub, hub.History()+5)
	openSSEWith(t, srv, "/sse", http.Header{"Last-Event-ID": {"1"}}, nil)
	labels := map[string]string{"transport": server.SSE, "outcome": server.ResumeMissed}
	if got, _ := value(families(t, scrape(t, srv)), "transportlab_resumes_total", labels); got != 1 {
		t.Errorf("transportlab_resumes_total%v = %v, want 1", labels, got)
	}
}

// The series' names and help follow Prometheus's conventions, as its own
// linter reads them, and the Go and process collectors are there: what the
// process costs, beside what it delivers.
func TestMetricsLintClean(t *testing.T) {
	srv, _ := newServer(t, server.Config{})
	text := scrape(t, srv)
	problems, err := promlint.New(bytes.NewReader(text)).Lint()
	if err != nil {
		t.Fatalf("promlint: %v", err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
	mfs := families(t, text)
	want := []string{"go_goroutines", "go_memstats_heap_inuse_bytes", "go_gc_heap_live_bytes", "go_memstats_stack_inuse_bytes"}
	if runtime.GOOS == "linux" {
		want = append(want, "process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds")
	}
	for _, name := range want {
		if _, ok := mfs[name]; !ok {
			t.Errorf("/metrics has no %s", name)
		}
	}
}

// Two servers in one process keep their numbers apart: each has its own
// registry.
func TestMetricsAreTheServers(t *testing.T) {
	a, hub := newServer(t, server.Config{})
	b, _ := newServer(t, server.Config{})
	publish(t, hub, 1)
	var answer any
	getJSON(t, a, "/poll", &answer)
	labels := map[string]string{"transport": server.Poll}
	if got, _ := value(families(t, scrape(t, a)), "transportlab_requests_total", labels); got != 1 {
		t.Errorf("a's poll requests = %v, want 1", got)
	}
	if got, _ := value(families(t, scrape(t, b)), "transportlab_requests_total", labels); got != 0 {
		t.Errorf("b's poll requests = %v, want 0", got)
	}
}

// waitCutoffs waits until /metrics counts want cut-offs of transport for
// cause.
func waitCutoffs(tb testing.TB, srv *httptest.Server, transport, cause string, want float64) {
	tb.Helper()
	labels := map[string]string{"transport": transport, "cause": cause}
	var got float64
	if !eventually(func() bool {
		got, _ = value(families(tb, scrape(tb, srv)), "transportlab_cutoffs_total", labels)
		return got == want
	}) {
		tb.Errorf("transportlab_cutoffs_total%v = %v, want %v", labels, got, want)
	}
}

// A page's own drop, and the instructor's, are counted apart.
func TestMetricsCountDrops(t *testing.T) {
	srv, _ := newServer(t, classConfig(server.Config{}))
	key, _ := mint(t, srv)
	other, _ := mint(t, srv)
	openSSE(t, srv, "/sse?client="+key)
	if status, answer := send(t, srv, http.MethodPost, "/api/sim/drop?client="+key, `{"transport":"sse"}`); status != http.StatusOK || answer["dropped"] != 1.0 {
		t.Fatalf("POST /api/sim/drop: %d %v, want 200 and 1 dropped", status, answer)
	}
	waitCutoffs(t, srv, server.SSE, server.CutSimulatedDrop, 1)

	openSSE(t, srv, "/sse?client="+key)
	openSSE(t, srv, "/sse?client="+other)
	if resp, body := call(t, srv, http.MethodPost, "/api/class/drop", `{"transport":"sse"}`, bearer); resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/class/drop: %d %s, want 200", resp.StatusCode, body)
	}
	waitCutoffs(t, srv, server.SSE, server.CutInstructor, 2)
	waitCutoffs(t, srv, server.SSE, server.CutSimulatedDrop, 1)
}

// A WebSocket client that stops answering pings is cut off, and counted
// as such.
func TestMetricsCountAPingTimeout(t *testing.T) {
	srv, _ := newServer(t, server.Config{Ping: 30 * time.Millisecond})
	ws := dialWS(t, srv, "/ws") // never read again: no pong goes back
	waitCutoffs(t, srv, server.WS, server.CutPingTimeout, 1)
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	if _, _, err := ws.Read(ctx); websocket.CloseStatus(err) == websocket.StatusNormalClosure {
		t.Errorf("the WebSocket closed normally after its ping timed out, want it cut")
	}
	waitCutoffs(t, srv, server.WS, server.CutTooSlow, 0)
}

// /metrics is public, in classroom mode too, and takes no client=.
func TestMetricsNeedNoInstructor(t *testing.T) {
	srv, _ := newServer(t, classConfig(server.Config{}))
	scrape(t, srv)
	var answer any
	getJSON(t, srv, "/poll", &answer)
	// A scrape is no transport's request.
	stats := getStats(t, srv, "").Transports
	var requests int64
	for _, c := range stats {
		requests += c.Requests
	}
	if requests != 1 {
		t.Errorf("requests in all after a scrape and a poll = %d, want 1", requests)
	}
}
