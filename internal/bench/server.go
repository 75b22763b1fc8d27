package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// probe asks the server what the clients cannot see: its clock, new page
// keys and its metrics. Its few requests share one small client, which
// follows no redirect: the bench talks to -url and nowhere else.
type probe struct {
	base   string // -url, without a trailing slash
	client *http.Client
}

func newProbe(base string) *probe {
	return &probe{base: base, client: &http.Client{
		Transport: &http.Transport{MaxIdleConnsPerHost: mintWorkers, DisableCompression: true},
		Timeout:   30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// close lets the probe's connections go.
func (pr *probe) close() { pr.client.CloseIdleConnections() }

// clock is an estimate of the server's clock against ours, as the page
// makes it (web/js/clock.js): the server read its clock somewhere within
// a round trip, so the estimate is off by at most half of it.
type clock struct {
	OffsetUS int64 `json:"offsetUs"` // the server's clock minus ours, µs
	RTTUS    int64 `json:"rttUs"`    // the round trip of the sample kept; the error is half of it
}

// clockSamples is how many round trips the estimate takes: the page's five.
const clockSamples = 5

// clock asks GET /api/time a few times and keeps the sample with the
// smallest round trip: NTP's way, and the page's.
func (pr *probe) clock(ctx context.Context) (clock, error) {
	best := clock{RTTUS: -1}
	var lastErr error
	for range clockSamples {
		t0 := time.Now()
		var answer struct {
			TS int64 `json:"ts"`
		}
		t1, err := pr.getJSON(ctx, "/api/time", &answer)
		if err != nil {
			lastErr = err
			continue
		}
		rtt := t1.Sub(t0).Microseconds()
		if best.RTTUS < 0 || rtt < best.RTTUS {
			best = clock{OffsetUS: answer.TS - (t0.UnixMicro()+t1.UnixMicro())/2, RTTUS: rtt}
		}
	}
	if best.RTTUS < 0 {
		return best, fmt.Errorf("the server's clock (GET %s/api/time): %w", pr.base, lastErr)
	}
	return best, nil
}

// getJSON gets path and decodes its answer into v; it returns when the
// answer's head arrived, before its body was read, as the page's t1.
func (pr *probe) getJSON(ctx context.Context, path string, v any) (time.Time, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, pr.base+path, nil)
	if err != nil {
		return time.Time{}, err
	}
	res, err := pr.client.Do(req)
	if err != nil {
		return time.Time{}, err
	}
	at := time.Now()
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return at, answerError(res)
	}
	return at, json.NewDecoder(res.Body).Decode(v)
}

// mintWorkers is how many POST /api/pages are in flight at once.
const mintWorkers = 8

// errLimited says the server limits what one address may do; the bench
// loads it from one address.
var errLimited = errors.New("the server answered 429 Too Many Requests: it limits what one address may do, and every client of the bench comes from this one; run the server with -limits=false for a load from one machine")

// errCapped says the server caps its open streams below the load.
var errCapped = errors.New("the server answered 503 too_many_streams: it caps open streams (-max-streams, -max-streams-per-ip: 1,000 an address by default) below the load; run it with -max-streams-per-ip 0 and -max-streams 0, or above -clients")

// mint asks for n page keys, as n pages would on opening (POST
// /api/pages). A 429 stops it at once: the server's limits are on.
func (pr *probe) mint(ctx context.Context, n int) ([]string, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	keys := make([]string, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(mintWorkers, n) {
		wg.Go(func() {
			for i := range next {
				key, err := pr.mintOne(ctx)
				if err != nil {
					cancel(err)
					return
				}
				keys[i] = key
			}
		})
	}
	for i := range n {
		select {
		case next <- i:
			continue
		case <-ctx.Done():
		}
		break
	}
	close(next)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	return keys, nil
}

func (pr *probe) mintOne(ctx context.Context) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, pr.base+"/api/pages", nil)
	if err != nil {
		return "", err
	}
	res, err := pr.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("a page's key (POST /api/pages): %w", err)
	}
	defer res.Body.Close()
	var answer struct {
		Key string `json:"key"`
	}
	switch {
	case res.StatusCode == http.StatusTooManyRequests:
		return "", errLimited
	case res.StatusCode != http.StatusCreated:
		return "", fmt.Errorf("a page's key (POST /api/pages): %w", answerError(res))
	}
	if err := json.NewDecoder(res.Body).Decode(&answer); err != nil || answer.Key == "" {
		return "", fmt.Errorf("a page's key (POST /api/pages): no key in the answer (%v)", err)
	}
	return answer.Key, nil
}

// usage is what the server's GET /metrics says of its process at one time.
// A series the server does not have is NaN.
type usage struct {
	at        time.Time
	cpu       float64 // process_cpu_seconds_total
	rss       float64 // process_resident_memory_bytes
	heapLive  float64 // go_gc_heap_live_bytes: the heap the last GC found live
	stackUsed float64 // go_memstats_stack_inuse_bytes: goroutine stacks
}

// unknownUsage is a usage of which nothing is known.
func unknownUsage() usage {
	return usage{cpu: math.NaN(), rss: math.NaN(), heapLive: math.NaN(), stackUsed: math.NaN()}
}

// goMemory is what a Go server's goroutines hold: the live heap and the
// stacks, without what the runtime keeps in reserve. NaN for a server
// that does not say (not Go, or without the runtime's live heap), and for
// one that has not collected yet: the live heap is what the last GC found,
// and before the first one it reads 0, whatever the process holds. (A
// fresh server meets its first collection when its heap reaches 4 MB: a
// thousand pages, say, not the warm-up of a few clients.)
func (u usage) goMemory() float64 {
	if u.heapLive == 0 {
		return math.NaN()
	}
	return u.heapLive + u.stackUsed
}

// usage reads the server's process metrics; ok is false when it has none
// (404, or the series are missing): its cost is then not known.
func (pr *probe) usage(ctx context.Context) (u usage, ok bool) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, pr.base+"/metrics", nil)
	if err != nil {
		return u, false
	}
	res, err := pr.client.Do(req)
	if err != nil {
		return u, false
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		io.Copy(io.Discard, res.Body)
		return u, false
	}
	u, ok = parseUsage(res.Body)
	u.at = time.Now()
	return u, ok
}

// parseUsage reads the few series the bench needs from Prometheus text.
// The process's CPU and RSS are what any server may expose (Node's
// prom-client names them the same); the rest is a Go server's.
func parseUsage(r io.Reader) (u usage, ok bool) {
	u = unknownUsage()
	want := map[string]*float64{
		"process_cpu_seconds_total":     &u.cpu,
		"process_resident_memory_bytes": &u.rss,
		"go_gc_heap_live_bytes":         &u.heapLive,
		"go_memstats_stack_inuse_bytes": &u.stackUsed,
	}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		name, rest, _ := strings.Cut(sc.Text(), " ")
		dst, wanted := want[name]
		if !wanted {
			continue
		}
		value, _, _ := strings.Cut(strings.TrimSpace(rest), " ") // a timestamp may follow
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			continue
		}
		*dst = v
	}
	return u, !math.IsNaN(u.cpu) && !math.IsNaN(u.rss)
}
