package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// config is what the flags set.
type config struct {
	url        *url.URL
	clients    int
	transports []string
	duration   time.Duration
	interval   time.Duration
	ramp       time.Duration
	json       bool
}

// maxClients bounds -clients: beyond it one process runs out of ports.
const maxClients = 25000

// parseFlags reads the command line of `transportlab bench`.
func parseFlags(args []string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("transportlab bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "usage: transportlab bench -url URL [flags]\n\n"+
			"Loads a running server from outside as N pages on each transport, one\n"+
			"transport after another, and prints what each cost. Run the server with\n"+
			"-limits=false: every client of the bench comes from this one address.\n\n")
		fs.PrintDefaults()
	}
	rawURL := fs.String("url", "", "the running server, `http://host:port`; the bench sends nothing anywhere else")
	fs.IntVar(&cfg.clients, "clients", 100, "clients on each transport, each its own page (POST /api/pages)")
	transports := fs.String("transports", "poll,sse,ws", "comma-separated transports to load, one after another: "+strings.Join(known(), ", "))
	fs.DurationVar(&cfg.duration, "duration", 30*time.Second, "how long each transport is measured, once its clients are connected")
	fs.DurationVar(&cfg.interval, "interval", time.Second, "how often a polling client polls, as the page's interval")
	fs.DurationVar(&cfg.ramp, "ramp", 5*time.Second, "how long the clients of a transport take to connect, evenly spread; not measured")
	fs.BoolVar(&cfg.json, "json", false, "print the results as JSON instead of a table")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	u, err := parseURL(*rawURL)
	if err != nil {
		return cfg, err
	}
	cfg.url = u
	for name := range strings.SplitSeq(*transports, ",") {
		name = strings.TrimSpace(name)
		switch {
		case name == "":
		case clients[name] == nil:
			return cfg, fmt.Errorf("-transports: unknown transport %q: the bench knows %s", name, strings.Join(known(), ", "))
		case !slices.Contains(cfg.transports, name):
			cfg.transports = append(cfg.transports, name)
		}
	}
	switch {
	case len(cfg.transports) == 0:
		return cfg, fmt.Errorf("-transports: name at least one of %s", strings.Join(known(), ", "))
	case cfg.clients < 1 || cfg.clients > maxClients:
		return cfg, fmt.Errorf("-clients must be from 1 to %d", maxClients)
	case cfg.duration < time.Second:
		return cfg, errors.New("-duration must be at least 1s")
	case cfg.interval < 100*time.Millisecond:
		return cfg, errors.New("-interval must be at least 100ms")
	case cfg.ramp < 0:
		return cfg, errors.New("-ramp must be 0 or more")
	}
	return cfg, nil
}

// parseURL checks -url: plain HTTP to a host, nothing more.
func parseURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("-url is required: the running server, e.g. -url http://localhost:8005")
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return nil, fmt.Errorf("-url: %w", err)
	case u.Scheme != "http":
		return nil, fmt.Errorf("-url %q: the bench speaks plain http:// (run it next to the server, not through TLS)", raw)
	case u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("-url %q: want only http://host:port", raw)
	}
	if u.Port() == "" {
		u.Host = net.JoinHostPort(u.Hostname(), "80")
	}
	u.Path = ""
	return u, nil
}

// known lists the transports the bench can load, in their usual order.
func known() []string {
	order := []string{"poll", "longpoll", "sse", "ws"}
	for name := range clients {
		if !slices.Contains(order, name) {
			order = append(order, name)
		}
	}
	return order
}

// Run is `transportlab bench`: args are the flags after "bench". The
// progress goes to stderr, the results to stdout. It fails when the server
// cannot be reached, or refused clients with 429 (its limits are on).
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	fileLimit(cfg, stderr)

	pr := newProbe(cfg.url.String())
	defer pr.close()
	clk, err := pr.clock(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "clock: the server's is %+.2f ms from ours, ±%.2f ms (best of %d round trips)\n",
		float64(clk.OffsetUS)/1000, float64(clk.RTTUS)/2000, clockSamples)
	keys, err := pr.mint(ctx, cfg.clients)
	if err != nil {
		return err
	}

	rep := report{
		URL: cfg.url.String(), Clients: cfg.clients, Clock: clk,
		DurationS: cfg.duration.Seconds(), RampS: cfg.ramp.Seconds(), IntervalMS: cfg.interval.Milliseconds(),
	}
	for _, name := range cfg.transports {
		res := runPhase(ctx, cfg, pr, clk, keys, name, newProgress(stderr))
		rep.Transports = append(rep.Transports, res)
		if ctx.Err() != nil {
			break
		}
	}
	if err := rep.write(stdout, cfg.json); err != nil {
		return err
	}
	var refused, capped int64
	for _, r := range rep.Transports {
		refused += r.Refused
		capped += r.Capped
	}
	var errs []error
	if refused > 0 {
		errs = append(errs, fmt.Errorf("%d requests refused: %w", refused, errLimited))
	}
	if capped > 0 {
		errs = append(errs, fmt.Errorf("%d streams refused: %w", capped, errCapped))
	}
	return errors.Join(append(errs, ctx.Err())...)
}

// fileLimit raises the limit on open files as far as it goes, says so,
// and warns when it is still short of what a phase holds open.
func fileLimit(cfg config, stderr io.Writer) {
	before, after, err := raiseFileLimit()
	switch {
	case err != nil && after == 0:
		fmt.Fprintf(stderr, "open files: the limit is unknown (%v)\n", err)
		return
	case err != nil:
		fmt.Fprintf(stderr, "open files: the limit stays %d: %v\n", after, err)
	case after > before:
		fmt.Fprintf(stderr, "open files: limit raised from %d to %d\n", before, after)
	default:
		fmt.Fprintf(stderr, "open files: limit %d\n", after)
	}
	// A phase holds one socket a client, and a few besides; one transport
	// runs at a time.
	if need := uint64(cfg.clients) + 64; after < need {
		fmt.Fprintf(stderr, "open files: warning: %d clients need about %d, more than the limit of %d: some will fail to connect (raise the hard limit: ulimit -Hn)\n",
			cfg.clients, need, after)
	}
}

// runPhase runs one transport: its clients connect over the ramp, are
// measured for the duration, and leave.
func runPhase(ctx context.Context, cfg config, pr *probe, clk clock, keys []string, name string, pg *progress) result {
	p := &phase{
		transport: name, host: cfg.url.Host, interval: cfg.interval, offsetUS: clk.OffsetUS,
	}
	p.ws = &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
			return dial(ctx, addr, &p.wireIn)
		},
		MaxConnsPerHost:     0,  // no bound: every client connects at once
		MaxIdleConnsPerHost: -1, // a WebSocket never goes back to the pool
		DisableCompression:  true,
		ReadBufferSize:      connBuffer,
		WriteBufferSize:     requestBuffer,
	}}
	before, haveBefore := pr.usage(ctx)
	if !haveBefore {
		before = unknownUsage()
	}

	run, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		start := time.Now()
		for i, key := range keys {
			// Spread over the ramp by the clock, not by sleeps that add up.
			at := start.Add(cfg.ramp * time.Duration(i) / time.Duration(len(keys)))
			if d := time.Until(at); d > 0 && !sleepUntil(run, d) {
				return
			}
			wg.Go(func() { clients[name](run, p, key) })
		}
	})

	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	measure := time.After(cfg.ramp)
	var end <-chan time.Time
	var from, to snapshot
	var u0, u1 usage
	var have0, have1 bool
	stage := "ramp"
	last := p.snapshot()
loop:
	for {
		select {
		case <-ctx.Done():
			to = p.snapshot()
			break loop
		case <-measure:
			from = p.snapshot()
			p.measuring.Store(true)
			u0, have0 = pr.usage(ctx)
			end = time.After(cfg.duration)
			stage = "measure"
		case <-end:
			to = p.snapshot()
			p.measuring.Store(false)
			u1, have1 = pr.usage(ctx)
			break loop
		case <-tick.C:
			now := p.snapshot()
			pg.show(fmt.Sprintf("%-5s %-7s connected %d/%d  events/s %.0f  errors %d",
				name, stage, p.connected.Load(), len(keys), now.rate(last), p.errs.Load()))
			last = now
		}
	}
	res := p.result(len(keys), from, to)
	if have0 && have1 {
		res.Server = serverCost(before, u0, u1, res.Connected, res.Events)
	}
	pg.done()
	stop()
	wg.Wait()
	p.ws.CloseIdleConnections()
	return res
}

// sleepUntil waits d, or until ctx ends: false then.
func sleepUntil(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// snapshot is a phase's running counts at one time.
type snapshot struct {
	at                       time.Time
	events, requests, wireIn int64
}

func (p *phase) snapshot() snapshot {
	return snapshot{at: time.Now(), events: p.events.Load(), requests: p.requests.Load(), wireIn: p.wireIn.Load()}
}

// rate is the events a second from s0 to s.
func (s snapshot) rate(s0 snapshot) float64 {
	if d := s.at.Sub(s0.at).Seconds(); d > 0 {
		return float64(s.events-s0.events) / d
	}
	return 0
}

// progress is the line on stderr that says how a phase goes, once a
// second: rewritten in place on a terminal, a line each otherwise (a log
// file, a pipe).
type progress struct {
	w        io.Writer
	terminal bool
	shown    bool
}

func newProgress(w io.Writer) *progress {
	f, ok := w.(*os.File)
	if !ok {
		return &progress{w: w}
	}
	fi, err := f.Stat()
	return &progress{w: w, terminal: err == nil && fi.Mode()&os.ModeCharDevice != 0}
}

func (pg *progress) show(line string) {
	if pg.terminal {
		fmt.Fprintf(pg.w, "\r%s\x1b[K", line)
		pg.shown = true
		return
	}
	fmt.Fprintln(pg.w, line)
}

// done ends the phase's line on a terminal, keeping its last state.
func (pg *progress) done() {
	if pg.terminal && pg.shown {
		fmt.Fprintln(pg.w)
	}
}
