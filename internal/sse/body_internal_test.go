package sse

import (
	"bytes"
	"net/http"
	"net/http/httputil"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// A chunk is framed as net/http's own chunked writer frames one write:
// its size in hex, CRLF, the data, CRLF; in place, around the data.
func TestFrameIsHTTPChunk(t *testing.T) {
	for _, n := range []int{1, 9, 10, 15, 16, 255, 256, 4095, 4096, 70000} {
		data := strings.Repeat("x", n)
		var want bytes.Buffer
		cw := httputil.NewChunkedWriter(&want)
		cw.Write([]byte(data))

		buf := append(make([]byte, headroom, headroom+n+tailroom), data...)
		got := frame(buf)
		if !bytes.Equal(got, want.Bytes()) {
			t.Errorf("frame of %d bytes = %.20q…, want %.20q…", n, got, want.Bytes())
		}
		if &got[len(got)-1] != &buf[:cap(buf)][cap(buf)-1] {
			t.Errorf("frame of %d bytes: not framed in place", n)
		}
	}
}

// The response head is net/http's, whatever the handler's header holds;
// only the Date is the moment's.
func TestAppendHead(t *testing.T) {
	now := time.Date(2026, 12, 2, 4, 5, 6, 0, time.FixedZone("X", 3600))
	h := http.Header{"Content-Type": {"text/event-stream"}, "X-B": {"1", "2"}, "X-A": {"a\nb"}}
	want := "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nX-A: a b\r\nX-B: 1\r\nX-B: 2\r\n" +
		"Date: Wed, 02 Dec 2026 03:05:06 GMT\r\nTransfer-Encoding: chunked\r\n\r\n"
	if got := string(appendHead(nil, h, false, now)); got != want {
		t.Errorf("head =\n%q\nwant\n%q", got, want)
	}
	h.Set("Date", "then")
	want = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nDate: then\r\nX-A: a b\r\nX-B: 1\r\nX-B: 2\r\n" +
		"Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
	if got := string(appendHead(nil, h, true, now)); got != want {
		t.Errorf("head with a Date, closing =\n%q\nwant\n%q", got, want)
	}
}

// The clock ticks for every stream at once, each period, and only while
// streams are joined: an idle handler has no goroutine ticking.
func TestClockTicksForAllWhileJoined(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newClock(time.Second)
		start := time.Now()
		c.join()
		c.join()
		a, b := c.next(), c.next()
		if a != b {
			t.Fatal("two streams wait on two channels, want one")
		}
		<-a
		if got := time.Since(start); got != time.Second {
			t.Errorf("first tick after %v, want 1s", got)
		}
		if c.next() == a {
			t.Error("the next tick's channel is the one closed")
		}
		<-c.next()
		if got := time.Since(start); got != 2*time.Second {
			t.Errorf("second tick after %v, want 2s", got)
		}
		c.leave()
		c.leave()
		synctest.Wait() // the clock's goroutine has returned: synctest.Test fails otherwise
		next := c.next()
		time.Sleep(10 * time.Second)
		select {
		case <-next:
			t.Error("the clock ticked with no stream joined")
		default:
		}
	})
}
