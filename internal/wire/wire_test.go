package wire_test

import (
	"encoding/json"
	"io"
	stdlog "log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"transportlab/internal/transporttest"
	"transportlab/internal/wire"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// Of requests taking turns on one connection, a claimed one's tally and
// log entry hold exactly what crossed the client's connection for it; one
// nobody claimed costs nothing.
func TestClaimedRequestsAreCountedAlone(t *testing.T) {
	var tally wire.Tally
	log := wire.NewLog(time.Now)
	mux := http.NewServeMux()
	mux.HandleFunc("/claimed", func(w http.ResponseWriter, r *http.Request) {
		x := wire.Claim(r, wire.Account{Transport: "poll", Tallies: [2]*wire.Tally{&tally}, Log: log})
		w.Header().Set("Content-Length", "5")
		w.WriteHeader(http.StatusTeapot)
		io.WriteString(w, "hello")
		x.Sent(1, 5)
	})
	mux.HandleFunc("/other", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "nobody's")
	})
	srv := httptest.NewUnstartedServer(wire.Mark(mux))
	srv.Listener = wire.Install(srv.Config, srv.Listener)
	srv.Start()
	defer srv.Close()

	client := transporttest.NewMeteredClient(t)
	get := func(path string) (in, out int64) { return client.Fetch(t, srv.URL+path) }
	get("/other")
	in, out := get("/claimed")
	get("/other")

	if got, got2 := tally.In.Load(), tally.Out.Load(); got != in || got2 != out {
		t.Errorf("tally in %d, out %d; the claimed request moved %d and %d", got, got2, in, out)
	}
	entries, missed, last := log.Since(0)
	if len(entries) != 1 || missed != 0 || last != 1 {
		t.Fatalf("log: %d entries, missed %d, last %d; want the one request", len(entries), missed, last)
	}
	var e struct {
		Transport, Kind, Target string
		Status                  int
		In, Out, Body, Events   int64
	}
	json.Unmarshal(entries[0], &e)
	if e.Transport != "poll" || e.Kind != "request" || e.Target != "/claimed" || e.Status != http.StatusTeapot ||
		e.In != in || e.Out != out || e.Body != 5 || e.Events != 1 {
		t.Errorf("entry %s, want poll's request of /claimed, 418, in %d, out %d, 5 bytes of body and 1 event", entries[0], in, out)
	}
}

// The log keeps the newest LogSize entries and says how many after n it
// no longer has: never a silent gap.
func TestLogSince(t *testing.T) {
	log := wire.NewLog(time.Now)
	for range wire.LogSize + 6 {
		log.Frame("sse", "heartbeat", "out", time.Now(), 17, 0)
	}
	tests := []struct {
		after                   uint64
		entries, missed, oldest int
	}{
		{0, wire.LogSize, 6, 7},
		{2, wire.LogSize, 4, 7},
		{6, wire.LogSize, 0, 7},
		{10, wire.LogSize - 4, 0, 11},
		{wire.LogSize + 6, 0, 0, 0},
		{wire.LogSize + 100, 0, 0, 0},
	}
	for _, tt := range tests {
		entries, missed, last := log.Since(tt.after)
		if len(entries) != tt.entries || int(missed) != tt.missed || last != wire.LogSize+6 {
			t.Errorf("Since(%d) = %d entries, missed %d, last %d; want %d, %d, %d",
				tt.after, len(entries), missed, last, tt.entries, tt.missed, wire.LogSize+6)
			continue
		}
		if len(entries) > 0 {
			var first struct{ N int }
			json.Unmarshal(entries[0], &first)
			if first.N != tt.oldest {
				t.Errorf("Since(%d): first entry n = %d, want %d", tt.after, first.N, tt.oldest)
			}
		}
	}
}

// A claimed request learns how its connection broke, if it did: a client
// that goes away mid-answer is the end of the stream its reads see; one
// answered as it should has no error.
func TestExchangeErrIsWhyTheConnectionBroke(t *testing.T) {
	errs := make(chan error, 2)
	mux := http.NewServeMux()
	mux.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) {
		x := wire.Claim(r, wire.Account{Transport: "sse"})
		w.WriteHeader(http.StatusOK)
		http.NewResponseController(w).Flush()
		<-r.Context().Done() // net/http's read of the connection ended: the client left
		errs <- x.Err()
	})
	mux.HandleFunc("/poll", func(w http.ResponseWriter, r *http.Request) {
		x := wire.Claim(r, wire.Account{Transport: "poll"})
		io.WriteString(w, "{}")
		errs <- x.Err()
	})
	srv := httptest.NewUnstartedServer(wire.Mark(mux))
	srv.Listener = wire.Install(srv.Config, srv.Listener)
	srv.Start()
	defer srv.Close()

	resp, err := srv.Client().Get(srv.URL + "/poll")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err := <-errs; err != nil {
		t.Errorf("a poll answered as it should: Err() = %v, want nil", err)
	}

	resp, err = srv.Client().Get(srv.URL + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close() // mid-stream: the client's connection closes
	if err := <-errs; err != io.EOF {
		t.Errorf("a stream whose client left: Err() = %v, want io.EOF", err)
	}
}

// A stream handed off its handler is still its request's: what it writes
// after the handler returned is counted to it and logged with it, and
// what the middleware left for the end of the answer runs when the stream
// ends, innermost first, not when the handler returns.
func TestHandedOffStreamEndsWhenItsGoroutineSaysSo(t *testing.T) {
	var tally wire.Tally
	log := wire.NewLog(time.Now)
	var order []string // what ran at the end, in order; guarded by the channels below
	returned := make(chan struct{})
	write, finish, finished := make(chan struct{}), make(chan struct{}), make(chan struct{})
	leave := func(next http.Handler, name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer wire.AtEnd(r, func() { order = append(order, name) })
			next.ServeHTTP(w, r)
		})
	}
	stream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(returned)
		x := wire.Claim(r, wire.Account{Transport: "sse", Tallies: [2]*wire.Tally{&tally}, Log: log, UnderWay: http.StatusOK})
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		end, ok := wire.HandOff(r)
		if !ok {
			t.Error("HandOff on a counting connection: not ok")
			conn.Close()
			return
		}
		go func() {
			defer close(finished)
			defer end()
			defer conn.Close()
			<-write
			const answer = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
			rw.WriteString(answer)
			rw.Flush()
			x.Sent(1, 5)
			<-finish
		}()
	})
	srv := httptest.NewUnstartedServer(wire.Mark(leave(leave(stream, "inner"), "outer")))
	srv.Listener = wire.Install(srv.Config, srv.Listener)
	srv.Start()
	defer srv.Close()

	client := transporttest.NewMeteredClient(t)
	fetched := make(chan [2]int64)
	go func() {
		in, out := client.Fetch(t, srv.URL+"/stream")
		fetched <- [2]int64{in, out}
	}()
	<-returned
	close(write) // the handler has returned: the answer is the stream goroutine's
	got := <-fetched
	if in, out := tally.In.Load(), tally.Out.Load(); in != got[0] || out != got[1] {
		t.Errorf("tally in %d, out %d; the stream's request moved %d and %d", in, out, got[0], got[1])
	}
	if len(order) != 0 {
		t.Errorf("before the stream ended, %v ran", order)
	}
	close(finish)
	<-finished
	if want := []string{"inner", "outer"}; !slices.Equal(order, want) {
		t.Errorf("at the stream's end %v ran, want %v", order, want)
	}
	if entries, _, _ := log.Since(0); len(entries) != 1 {
		t.Errorf("log: %d entries, want the stream's one", len(entries))
	}
}

// A stream handed off that ends before its handler returns (its client
// left at once) ends its answer when the handler returns, without asking
// net/http to flush the connection it no longer has.
func TestHandedOffStreamThatEndsFirst(t *testing.T) {
	var errors strings.Builder
	log := wire.NewLog(time.Now)
	marked := make(chan struct{})
	stream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wire.Claim(r, wire.Account{Transport: "sse", Log: log})
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		end, ok := wire.HandOff(r)
		if !ok {
			t.Error("HandOff on a counting connection: not ok")
		}
		conn.Close()
		end()
	})
	mark := wire.Mark(stream)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(marked)
		mark.ServeHTTP(w, r)
	}))
	srv.Config.ErrorLog = stdlog.New(&errors, "", 0) // read only once marked: no race
	srv.Listener = wire.Install(srv.Config, srv.Listener)
	srv.Start()
	defer srv.Close()
	if res, err := http.Get(srv.URL + "/stream"); err == nil {
		res.Body.Close()
	}
	<-marked
	if errors.Len() != 0 {
		t.Errorf("server log: %s", errors.String())
	}
	if entries, _, _ := log.Since(0); len(entries) != 1 {
		t.Errorf("log: %d entries, want the stream's one", len(entries))
	}
}

// Without a counting connection there is nothing to hand off to: the
// handler serves within ServeHTTP, and AtEnd runs at once.
func TestHandOffWithoutInstall(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/sse", nil)
	if _, ok := wire.HandOff(r); ok {
		t.Error("HandOff without Install: ok")
	}
	ran := false
	wire.AtEnd(r, func() { ran = true })
	if !ran {
		t.Error("AtEnd without Install did not run f at once")
	}
}

// An upgrade refused after its hijack (the feed shut down between the
// two) returns without handing its connection off: Mark must not ask
// net/http to flush it, which panics on a hijacked connection.
func TestHijackedAndReturnedIsNotFlushed(t *testing.T) {
	log := wire.NewLog(time.Now)
	var serverLog transporttest.Buffer
	returned := make(chan struct{}) // Mark has returned, its end done
	upgrade := wire.Mark(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wire.Claim(r, wire.Account{Transport: "ws", Log: log, UnderWay: http.StatusSwitchingProtocols})
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		conn.Close()
	}))
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(returned)
		upgrade.ServeHTTP(w, r)
	}))
	srv.Config.ErrorLog = stdlog.New(&serverLog, "", 0)
	srv.Listener = wire.Install(srv.Config, srv.Listener)
	srv.Start()
	defer srv.Close()

	if res, err := http.Get(srv.URL + "/ws"); err == nil {
		res.Body.Close()
	}
	<-returned
	if strings.Contains(serverLog.String(), "panic") {
		t.Errorf("the server's log: %s", serverLog.String())
	}
	if entries, _, _ := log.Since(0); len(entries) != 1 {
		t.Errorf("log: %d entries, want the refused upgrade's one", len(entries))
	}
}

// A stream that writes its own head (SSE, handed off) and whose client
// left before anything went out is logged with the status it would have
// answered, not 0; the server's own close of its connection is no error
// of the socket's.
func TestHandedOffStreamThatSentNothing(t *testing.T) {
	log := wire.NewLog(time.Now)
	errs := make(chan error, 1)
	returned := make(chan struct{}) // Mark has returned: what it left is the stream's to run
	stream := wire.Mark(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x := wire.Claim(r, wire.Account{Transport: "sse", Log: log, UnderWay: http.StatusOK})
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		end, _ := wire.HandOff(r)
		go func() {
			<-returned
			conn.Close()
			conn.Read(make([]byte, 1)) // as a stream's reader finds its connection closed
			err := x.Err()
			end()
			errs <- err
		}()
	}))
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stream.ServeHTTP(w, r)
		close(returned)
	}))
	srv.Listener = wire.Install(srv.Config, srv.Listener)
	srv.Start()
	defer srv.Close()

	if res, err := http.Get(srv.URL + "/sse"); err == nil {
		res.Body.Close()
	}
	if err := <-errs; err != nil {
		t.Errorf("after the server's own close, Err() = %v, want nil", err)
	}
	entries, _, _ := log.Since(0)
	var e struct{ Status int }
	if len(entries) != 1 || json.Unmarshal(entries[0], &e) != nil || e.Status != http.StatusOK {
		t.Errorf("log %s, want one entry with status 200", entries)
	}
}
