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
type serverUse struct {
	CPUPercent float64 `json:"cpuPercent"` // of one core, over the window
	RSSBytes   int64   `json:"rssBytes"`   // at the end of the window
	// The heap the phase added, per connected client; null when unknown.
	HeapPerClientBytes *int64 `json:"heapPerClientBytes"`
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

// serverCost is the server's use over a window from u0 to u1, and the
// heap it added since before the phase, per client.
func serverCost(before, u0, u1 usage, connected int64) *serverUse {
	s := &serverUse{RSSBytes: int64(u1.rss)}
	if d := u1.at.Sub(u0.at).Seconds(); d > 0 {
		s.CPUPercent = 100 * (u1.cpu - u0.cpu) / d
	}
	if added := u1.heapInuse - before.heapInuse; connected > 0 && !math.IsNaN(added) {
		per := int64(added / float64(connected))
		s.HeapPerClientBytes = &per
	}
	return s
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
	fmt.Fprintln(tw, "transport\tclients\tconnected\tevents/s\tgaps\tdups\terrors\t429s\tp50 ms\tp95 ms\tp99 ms\treq/s\tbytes/event\tserver CPU\tserver RSS\theap/client\t")
	for _, r := range rep.Transports {
		cpu, rss, heap := "n/a", "n/a", "n/a"
		if s := r.Server; s != nil {
			cpu = fmt.Sprintf("%.1f%%", s.CPUPercent)
			rss = fmt.Sprintf("%.1f MB", float64(s.RSSBytes)/1e6)
			if s.HeapPerClientBytes != nil {
				heap = fmt.Sprintf("%.1f KB", float64(*s.HeapPerClientBytes)/1e3)
			}
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%.1f\t%s\t%s\t%s\t%s\t\n",
			fmt.Sprintf("%-9s", r.Transport), r.Clients, r.Connected, r.EventsPerSecond, r.Gaps, r.Duplicates, r.Errors, r.Refused,
			num(r.LatencyMS.P50), num(r.LatencyMS.P95), num(r.LatencyMS.P99), r.RequestsPerSecond,
			num(r.WireBytesPerEvent), cpu, rss, heap)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	unknown := false
	for _, r := range rep.Transports {
		if r.FirstError != "" {
			fmt.Fprintf(w, "%s: %d errors, the first: %s\n", r.Transport, r.Errors, r.FirstError)
		}
		unknown = unknown || r.Server == nil
	}
	if unknown {
		fmt.Fprintln(w, "server n/a: it answers no GET /metrics (or not process_cpu_seconds_total and process_resident_memory_bytes)")
	}
	_, err := fmt.Fprintln(w, "server CPU is of one core, over the window; heap/client is the heap the phase added, per connected client")
	return err
}

// num writes a measured number, or n/a.
func num(v *float64) string {
	if v == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.1f", *v)
}
