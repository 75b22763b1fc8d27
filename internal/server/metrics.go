package server

import (
	"net/http"
	"regexp"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// GET /metrics serves, as Prometheus text, what /api/stats shows and what
// the process costs, for a scraper or `transportlab bench` to read from
// outside. Every number is read at scrape time from the counters the
// server keeps anyway (stats.go, deliveries.go): a delivery pays nothing
// more for being scraped.
//
// It is public, in classroom mode too: /api/stats already shows every
// transport's totals to anyone, the rest is the process's own cost, and
// nothing in it names a page or holds a key.

// The series of one transport, each with the label transport.
var (
	requestsDesc = prometheus.NewDesc("transportlab_requests_total",
		"HTTP requests a transport answered or is answering: polls, stream connections, upgrades, message posts.",
		[]string{"transport"}, nil)
	openDesc = prometheus.NewDesc("transportlab_open_requests",
		"Requests a transport is answering now: open SSE and WebSocket streams, polls in flight.",
		[]string{"transport"}, nil)
	eventsDesc = prometheus.NewDesc("transportlab_delivered_events_total",
		"Events written to clients (one event to one client is one).",
		[]string{"transport"}, nil)
	eventBytesDesc = prometheus.NewDesc("transportlab_delivered_bytes_total",
		"The delivered events' JSON, in bytes: the same body on every transport, without its framing.",
		[]string{"transport"}, nil)
	wireInDesc = prometheus.NewDesc("transportlab_wire_received_bytes_total",
		"Bytes read from clients on the socket: request lines, headers, bodies, frames, pongs.",
		[]string{"transport"}, nil)
	wireOutDesc = prometheus.NewDesc("transportlab_wire_sent_bytes_total",
		"Bytes written to clients on the socket: status lines, headers, bodies, chunk and frame headers, pings, closes.",
		[]string{"transport"}, nil)
	cutoffsDesc = prometheus.NewDesc("transportlab_cutoffs_total",
		"Clients the server cut off, by cause: too_slow, stuck_write, ping_timeout, dead_peer, simulated_drop, instructor.",
		[]string{"transport", "cause"}, nil)
	resumesDesc = prometheus.NewDesc("transportlab_resumes_total",
		"Deliveries that resumed after a seq the client sent, by outcome: whole, missed (history was gone), reset (another epoch). Every poll after a page's first is one.",
		[]string{"transport", "outcome"}, nil)
)

// liveHeap picks, of the runtime's metrics, the one that the memstats
// series lack: the heap the last GC found live (go_gc_heap_live_bytes).
// Heap in use also counts spans of dead objects not yet swept, so it moves
// with the GC's pace; the live heap, with goroutine stacks beside it, is
// what a connection holds, and `transportlab bench` reads it per client.
var liveHeap = collectors.GoRuntimeMetricsRule{Matcher: regexp.MustCompile(`^/gc/heap/live:bytes$`)}

// metricsHandler returns the handler of GET /metrics, on a registry of
// the server's own: the counters are this server's, so a process (a test)
// may run many servers, each with its own numbers.
func (s *server) metricsHandler() http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister( // the collectors are distinct and well-formed: it cannot fail
		collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(liveHeap)),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		transportCollector{s},
	)
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}

// transportCollector reads each transport's counters when scraped.
type transportCollector struct{ s *server }

// Describe sends every series' description.
func (transportCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{requestsDesc, openDesc, eventsDesc, eventBytesDesc, wireInDesc, wireOutDesc, cutoffsDesc, resumesDesc} {
		ch <- d
	}
}

// Collect sends every transport's counts now: a few atomic loads each.
// Every cause and outcome is sent, zero too, so that a rate over a series
// starts from its first scrape.
func (c transportCollector) Collect(ch chan<- prometheus.Metric) {
	for _, t := range transports {
		n := c.s.all[t].snapshot()
		ch <- prometheus.MustNewConstMetric(requestsDesc, prometheus.CounterValue, float64(n.Requests), t)
		ch <- prometheus.MustNewConstMetric(openDesc, prometheus.GaugeValue, float64(n.Open), t)
		ch <- prometheus.MustNewConstMetric(eventsDesc, prometheus.CounterValue, float64(n.Events), t)
		ch <- prometheus.MustNewConstMetric(eventBytesDesc, prometheus.CounterValue, float64(n.Bytes), t)
		ch <- prometheus.MustNewConstMetric(wireInDesc, prometheus.CounterValue, float64(n.WireIn), t)
		ch <- prometheus.MustNewConstMetric(wireOutDesc, prometheus.CounterValue, float64(n.WireOut), t)
		e := c.s.ends[t]
		for _, cause := range cutCauses {
			ch <- prometheus.MustNewConstMetric(cutoffsDesc, prometheus.CounterValue, float64(e.cut[cause].Load()), t, cause)
		}
		for _, outcome := range resumeOutcomes {
			ch <- prometheus.MustNewConstMetric(resumesDesc, prometheus.CounterValue, float64(e.resumed[outcome].Load()), t, outcome)
		}
	}
}
