package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"text/tabwriter"
)

// report is what a run found, as -json prints it.
type report struct {
	URL        string   `json:"url"`
	Clients    int      `json:"clients"` // on each transport
	DurationS  float64  `json:"durationSeconds"`
	RampS      float64  `json:"rampSeconds"`
	IntervalMS int64    `json:"intervalMs"` // the polling interval
	Clock      clock    `json:"clock"`
	Transports []result `json:"transports"`
}

// result is one transport's phase. Rates and latencies are of the
// measured window, after the ramp; gaps, duplicates and errors of the
// whole phase. A number that could not be measured is null.
type result struct {
	Transport         string     `json:"transport"`
	Clients           int        `json:"clients"`
	Connected         int64      `json:"connected"` // at the end of the window
	Events            int64      `json:"events"`    // delivered in the window, all clients
	EventsPerSecond   float64    `json:"eventsPerSecond"`
	Gaps              int64      `json:"gaps"`       // events missed
	Duplicates        int64      `json:"duplicates"` // events seen twice
	Errors            int64      `json:"errors"`     // failed requests and broken streams
	Refused           int64      `json:"refused"`    // of them, answered 429: the server's limits per address
	Capped            int64      `json:"capped"`     // of them, answered 503 too_many_streams: its stream caps
	FirstError        string     `json:"firstError,omitempty"`
	LatencyMS         latencies  `json:"latencyMs"`
	RequestsPerSecond float64    `json:"requestsPerSecond"`
	WireBytesPerEvent *float64   `json:"wireBytesPerEvent"` // bytes read from the server, headers and framing included
	Server            *serverUse `json:"server"`            // null: the server has no /metrics
}

// latencies are from an event's publication (its ts) to its arrival here,
// on the server's clock: within ± the clock's rtt/2.
type latencies struct {
	P50 *float64 `json:"p50"`
	P95 *float64 `json:"p95"`
	P99 *float64 `json:"p99"`
}

// serverUse is what the server's process spent, from its GET /metrics.
// Memory per client is what the phase added, from a read before its
// clients connected to one at the end of its window, over the clients
// connected then: the same sum for any server, so that two servers
// compare. A number the server's metrics cannot give is null.
type serverUse struct {
	CPUPercent float64 `json:"cpuPercent"` // of one core, over the window
	// The server's CPU time over the window per event delivered in it,
	// µs: what one delivery costs, whatever the clients and the rate.
	CPUMicrosPerEvent *float64 `json:"cpuMicrosPerEvent"`
	RSSBytes          int64    `json:"rssBytes"` // at the end of the window
	// The resident memory the phase added, per connected client: the
	// pages the process touched, whatever holds them.
	RSSPerClientBytes *int64 `json:"rssPerClientBytes"`
	// A Go server's live heap and goroutine stacks that the phase added,
	// per connected client: what the connections hold, without what the
	// runtime keeps in reserve (go_gc_heap_live_bytes, as of the last GC,
	// plus go_memstats_stack_inuse_bytes).
	HeapStackPerClientBytes *int64 `json:"heapStackPerClientBytes"`
}

// result sums up a phase, its window from s0 to s1.
func (p *phase) result(clients int, s0, s1 snapshot) result {
	r := result{
		Transport:  p.transport,
		Clients:    clients,
		Connected:  p.connected.Load(),
		Events:     s1.events - s0.events,
		Gaps:       p.gaps.Load(),
		Duplicates: p.duplicates.Load(),
		Errors:     p.errs.Load(),
		Refused:    p.refused.Load(),
		Capped:     p.capped.Load(),
		LatencyMS: latencies{
			P50: number(p.latency.quantile(0.50)),
			P95: number(p.latency.quantile(0.95)),
			P99: number(p.latency.quantile(0.99)),
		},
	}
	if e := p.firstErr.Load(); e != nil {
		r.FirstError = *e
	}
	if d := s1.at.Sub(s0.at).Seconds(); !s0.at.IsZero() && d > 0 {
		r.EventsPerSecond = float64(r.Events) / d
		r.RequestsPerSecond = float64(s1.requests-s0.requests) / d
	}
	if r.Events > 0 {
		r.WireBytesPerEvent = number(float64(s1.wireIn-s0.wireIn) / float64(r.Events))
	}
	return r
}

// serverCost is the server's use over a window from u0 to u1, in which
// events were delivered, and the memory it added since before the phase,
// per client connected at the end.
func serverCost(before, u0, u1 usage, connected, events int64) *serverUse {
	s := &serverUse{RSSBytes: int64(u1.rss)}
	cpu := u1.cpu - u0.cpu
	if d := u1.at.Sub(u0.at).Seconds(); d > 0 {
		s.CPUPercent = 100 * cpu / d
	}
	if events > 0 {
		s.CPUMicrosPerEvent = number(cpu * 1e6 / float64(events))
	}
	s.RSSPerClientBytes = perClient(u1.rss-before.rss, connected)
	s.HeapStackPerClientBytes = perClient(u1.goMemory()-before.goMemory(), connected)
	return s
}

// perClient is added bytes over connected clients; nil when unknown.
func perClient(added float64, connected int64) *int64 {
	if connected <= 0 || math.IsNaN(added) {
		return nil
	}
	per := int64(added / float64(connected))
	return &per
}

// number is v, or nil when it is not a number (JSON has none for NaN).
func number(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// write prints the report: a table, or JSON.
func (rep report) write(w io.Writer, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Fprintf(w, "%d clients a transport for %gs each, after a ramp of %gs; polling every %d ms; latency within ±%.2f ms\n",
		rep.Clients, rep.DurationS, rep.RampS, rep.IntervalMS, float64(rep.Clock.RTTUS)/2000)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	// Every column is a number, right-aligned but the first: names
	// padded to the header's width read from the left.
	fmt.Fprintln(tw, "transport\tclients\tconnected\tevents/s\tgaps\tdups\terrors\t429s\tp50 ms\tp95 ms\tp99 ms\treq/s\tbytes/event\tserver CPU\tCPU µs/event\tserver RSS\tRSS/client\theap+stack/client\t")
	for _, r := range rep.Transports {
		cpu, perEvent, rss, rssPer, goPer := "n/a", "n/a", "n/a", "n/a", "n/a"
		if s := r.Server; s != nil {
			cpu = fmt.Sprintf("%.1f%%", s.CPUPercent)
			perEvent = num(s.CPUMicrosPerEvent)
			rss = fmt.Sprintf("%.1fMB", float64(s.RSSBytes)/1e6)
			rssPer, goPer = kilobytes(s.RSSPerClientBytes), kilobytes(s.HeapStackPerClientBytes)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%.1f\t%s\t%s\t%s\t%s\t%s\t%s\t\n",
			fmt.Sprintf("%-9s", r.Transport), r.Clients, r.Connected, r.EventsPerSecond, r.Gaps, r.Duplicates, r.Errors, r.Refused,
			num(r.LatencyMS.P50), num(r.LatencyMS.P95), num(r.LatencyMS.P99), r.RequestsPerSecond,
			num(r.WireBytesPerEvent), cpu, perEvent, rss, rssPer, goPer)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	unknown, notGo := false, false
	for _, r := range rep.Transports {
		if r.FirstError != "" {
			fmt.Fprintf(w, "%s: %d errors, the first: %s\n", r.Transport, r.Errors, r.FirstError)
		}
		unknown = unknown || r.Server == nil
		notGo = notGo || (r.Server != nil && r.Server.HeapStackPerClientBytes == nil)
	}
	if unknown {
		fmt.Fprintln(w, "server n/a: it answers no GET /metrics (or not process_cpu_seconds_total and process_resident_memory_bytes)")
	}
	if notGo {
		fmt.Fprintln(w, "heap+stack n/a: the server's metrics have no go_gc_heap_live_bytes and go_memstats_stack_inuse_bytes (not a Go server, or an older one), "+
			"or it had not collected its garbage yet when the phase began, and its live heap was not known")
	}
	_, err := fmt.Fprintln(w, "server CPU is of one core, over the window, and per event delivered in it; "+
		"RSS/client and heap+stack/client are what the phase added, from before it to the window's end, per connected client")
	return err
}

// kilobytes writes a measured size in KB (1000 bytes), or n/a.
func kilobytes(v *int64) string {
	if v == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.1fKB", float64(*v)/1e3)
}

// num writes a measured number, or n/a.
func num(v *float64) string {
	if v == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.1f", *v)
}
