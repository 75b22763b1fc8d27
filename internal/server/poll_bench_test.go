package server_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"testing/fstest"

	"transportlab/internal/feed"
	"transportlab/internal/polling"
	"transportlab/internal/server"
)

// BenchmarkPoll measures what one short poll costs, through the whole
// server over loopback, as a page polling every second sees it: each poll
// finds one new event. Each client is a page of its own, with a key the
// server minted, on one keep-alive connection; an op is one event
// published and one poll of every client, all at once. The per-address
// limit on polls is in place, as transportlab runs, but set too high to
// refuse any of them.
//
// "floor" is the mark to compare with: the same hub and clients, but each
// poll answered by a bare net/http handler that reads the query, asks the
// hub and writes the same headers and body, on a plain listener: no
// middleware, no page, no counting of bytes and no simulated network.
// server/floor is the ratio to drive down. Both ends run in this process,
// so ns/poll and allocs/op count the client's side as well (the same
// minimal HTTP/1.1 client for both, which allocates nothing a poll): the
// difference between the two is all the server's. allocs/poll is
// allocs/op shared out among the clients: what one poll allocates, with
// the publishing of its event. cpu-ns/poll is the CPU time the process
// spent a poll, both ends and the garbage collector: on a busy machine it
// says more than ns/poll, which counts the time spent waiting for a core.
func BenchmarkPoll(b *testing.B) {
	for _, target := range []string{"floor", "server"} {
		for _, clients := range []int{1, 100} {
			b.Run(fmt.Sprintf("%s/clients=%d", target, clients), func(b *testing.B) {
				benchPoll(b, target, clients)
			})
		}
	}
}

func benchPoll(b *testing.B, target string, clients int) {
	hub := feed.NewHub(feed.Config{})
	defer hub.Close()
	url, keys := startPollTarget(b, hub, target, clients)
	e := feed.Event{Kind: feed.KindQuote, Symbol: "ACME", Price: 101.37}
	first, err := hub.Publish(e)
	if err != nil {
		b.Fatal(err)
	}
	checkSameAnswer(b, hub, url, keys[0])

	polls := make([]chan uint64, clients) // the seq each client is to ask after
	done := make(chan error, clients)
	var wg sync.WaitGroup
	defer func() {
		for _, p := range polls {
			close(p)
		}
		wg.Wait()
	}()
	for i := range clients {
		c := dialPoller(b, url, hub.Epoch(), keys[i])
		polls[i] = make(chan uint64)
		wg.Go(func() {
			defer c.close()
			for since := range polls[i] {
				done <- c.poll(since)
			}
		})
	}

	since := first.Seq
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu := server.CPUSeconds()
	for b.Loop() {
		if _, err := hub.Publish(e); err != nil {
			b.Fatal(err)
		}
		for _, p := range polls {
			p <- since
		}
		for range clients {
			if err := <-done; err != nil {
				b.Fatal(err)
			}
		}
		since++
	}
	cpu = server.CPUSeconds() - cpu
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*clients), "ns/poll")
	b.ReportMetric(cpu*1e9/float64(b.N*clients), "cpu-ns/poll")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N*clients), "allocs/poll")
}

// startPollTarget serves the hub as target ("server" or "floor") and
// returns its URL, and a key for each client: minted by the server, or
// made up for the floor, which takes any.
func startPollTarget(b *testing.B, hub *feed.Hub, target string, clients int) (url string, keys []string) {
	b.Helper()
	if target == "floor" {
		srv := httptest.NewServer(floorPoll(hub))
		b.Cleanup(srv.Close)
		for i := range clients {
			keys = append(keys, fmt.Sprintf("%032d", i)) // a key's length: the same request bytes
		}
		return srv.URL, keys
	}
	high := server.Rate{PerSecond: 1e9, Burst: 1 << 30} // in place, never in the way
	cfg := server.Config{Page: fstest.MapFS{}, PerAddress: server.PerAddress{Polls: high, Pages: high}}
	srv := httptest.NewUnstartedServer(server.New(hub, slog.New(slog.DiscardHandler), cfg))
	srv.Listener = server.Install(srv.Config, srv.Listener) // every byte counted, as transportlab runs
	srv.Start()
	b.Cleanup(srv.Close)
	for range clients {
		res, err := http.Post(srv.URL+"/api/pages", "", nil)
		if err != nil {
			b.Fatal(err)
		}
		var page struct{ Key string }
		err = json.NewDecoder(res.Body).Decode(&page)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusCreated {
			b.Fatalf("POST /api/pages: %d, %v", res.StatusCode, err)
		}
		keys = append(keys, page.Key)
	}
	return srv.URL, keys
}

// floorPoll answers a poll as any HTTP server must, and no more: it reads
// since and epoch from the query, asks the hub, and writes the answer's
// headers and body as polling.Handler does.
func floorPoll(hub *feed.Hub) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		p, err := feed.ParsePosition(q.Get("since"), q.Get("epoch"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		frames, hello := hub.Since(p, polling.MaxPollEvents)
		body := appendFloorAnswer(nil, frames, hello)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	})
}

// appendFloorAnswer is polling's answer, for what a poll at the head
// holds: one or more events, no reset, nothing more waiting.
// checkSameAnswer holds it to the server's, byte for byte.
func appendFloorAnswer(b []byte, frames []*feed.Frame, hello feed.Hello) []byte {
	b = append(b, `{"epoch":`...)
	b = strconv.AppendQuote(b, hello.Epoch)
	b = append(b, `,"head":`...)
	b = strconv.AppendUint(b, hello.Head, 10)
	b = append(b, `,"events":[`...)
	for i, f := range frames {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, f.JSON...)
	}
	b = append(b, `],"next":`...)
	b = strconv.AppendUint(b, hello.Head, 10)
	b = append(b, `,"missed":`...)
	b = strconv.AppendUint(b, hello.Missed, 10)
	return append(b, "}\n"...)
}

// checkSameAnswer fails b unless the floor would answer a poll at the
// head as the server at url does: the same status, headers and body.
func checkSameAnswer(b *testing.B, hub *feed.Hub, url, key string) {
	b.Helper()
	since := strconv.FormatUint(hub.Head()-1, 10)
	query := "/poll?since=" + since + "&epoch=" + hub.Epoch() + "&client=" + key
	res, err := http.Get(url + query)
	if err != nil {
		b.Fatal(err)
	}
	got, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		b.Fatal(err)
	}
	rec := httptest.NewRecorder()
	floorPoll(hub).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, query, nil))
	res.Header.Del("Date")
	if want := rec.Body.Bytes(); res.StatusCode != rec.Code || !bytes.Equal(got, want) || fmt.Sprint(res.Header) != fmt.Sprint(rec.Header()) {
		b.Fatalf("GET %s = %d %v %s, the floor's %d %v %s", query, res.StatusCode, res.Header, got, rec.Code, rec.Header(), want)
	}
}

// poller is a keep-alive HTTP/1.1 client of /poll that allocates nothing
// a poll: a page's requests, without a browser's cost.
type poller struct {
	conn   net.Conn
	r      *bufio.Reader
	req    []byte // the request, rewritten for each since
	prefix int    // how much of req stays: up to since=
	suffix string // what follows the since: the epoch, the key, the headers
	body   []byte
	next   []byte // `"next":N`, the answer's, checked
}

func dialPoller(b *testing.B, url, epoch, key string) *poller {
	b.Helper()
	conn, err := net.Dial("tcp", url[len("http://"):])
	if err != nil {
		b.Fatal(err)
	}
	req := []byte("GET /poll?since=")
	return &poller{
		conn:   conn,
		r:      bufio.NewReader(conn),
		req:    req,
		prefix: len(req),
		suffix: "&epoch=" + epoch + "&client=" + key + " HTTP/1.1\r\nHost: localhost\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n",
	}
}

// poll asks for the events after since, and checks that the answer holds
// one: since+1.
func (c *poller) poll(since uint64) error {
	c.req = strconv.AppendUint(c.req[:c.prefix], since, 10)
	c.req = append(c.req, c.suffix...)
	if _, err := c.conn.Write(c.req); err != nil {
		return err
	}
	status, err := c.r.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(status, []byte("HTTP/1.1 200 ")) {
		return fmt.Errorf("poll since %d: %q", since, status)
	}
	length := -1
	for {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) <= 2 {
			break
		}
		if v, ok := bytes.CutPrefix(line, []byte("Content-Length: ")); ok {
			length = 0
			for _, d := range bytes.TrimSpace(v) {
				length = length*10 + int(d-'0')
			}
		}
	}
	if length < 0 {
		return errors.New("an answer without Content-Length")
	}
	if cap(c.body) < length {
		c.body = make([]byte, length)
	}
	c.body = c.body[:length]
	if _, err := io.ReadFull(c.r, c.body); err != nil {
		return err
	}
	c.next = strconv.AppendUint(append(c.next[:0], `"next":`...), since+1, 10)
	if !bytes.Contains(c.body, c.next) {
		return fmt.Errorf("poll since %d: %s, want next %d", since, c.body, since+1)
	}
	return nil
}

func (c *poller) close() { c.conn.Close() }
