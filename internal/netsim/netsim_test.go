package netsim_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"transportlab/internal/netsim"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// pipe returns a Conn over one end of an in-process pipe, accepted as the
// server accepts one, and the other end, the client's. Make it in a bubble.
func pipe(tb testing.TB) (*netsim.Conn, net.Conn) {
	tb.Helper()
	server, client := net.Pipe()
	ln := netsim.Listen(&oneConn{c: server})
	c, err := ln.Accept()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close(); client.Close() })
	return c.(*netsim.Conn), client
}

// oneConn is a listener that accepts c once.
type oneConn struct {
	net.Listener
	c net.Conn
}

func (l *oneConn) Accept() (net.Conn, error) { return l.c, nil }

// arrivals reads from client and sends what arrives, with when, until it fails.
func arrivals(client net.Conn) <-chan []byte {
	out := make(chan []byte, 100)
	go func() {
		defer close(out)
		for {
			b := make([]byte, 64)
			n, err := client.Read(b)
			if err != nil {
				return
			}
			out <- b[:n]
		}
	}()
	return out
}

// A delay holds every write back by it; a jitter varies it, but never
// reorders the bytes.
func TestDelayKeepsOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var n netsim.Network
		n.Set(100*time.Millisecond, 100*time.Millisecond)
		c, client := pipe(t)
		c.Cross(&n, "sse")
		got := arrivals(client)
		start := time.Now()
		var want []byte
		for i := range 20 {
			b := []byte{byte('a' + i)}
			want = append(want, b...)
			if _, err := c.Write(b); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Millisecond)
		}
		var seen []byte
		for len(seen) < len(want) {
			seen = append(seen, <-got...)
		}
		if !bytes.Equal(seen, want) {
			t.Errorf("arrived %q, want %q in order", seen, want)
		}
		if took := time.Since(start); took > 20*time.Millisecond+200*time.Millisecond {
			t.Errorf("the last write arrived after %v, want within its delay and jitter", took)
		}
	})
}

func TestDelayHoldsBackByTheDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var n netsim.Network
		n.Set(200*time.Millisecond, 0)
		c, client := pipe(t)
		c.Cross(&n, "ws")
		got := arrivals(client)
		start := time.Now()
		c.Write([]byte("hi"))
		<-got
		if took := time.Since(start); took != 200*time.Millisecond {
			t.Errorf("arrived after %v, want the 200ms delay", took)
		}
		c.Cross(nil, "") // a good network again: nothing held back any more
		start = time.Now()
		c.Write([]byte("hi"))
		<-got
		if took := time.Since(start); took != 0 {
			t.Errorf("on a good network, arrived after %v, want at once", took)
		}
	})
}

// A stall stops every write until it ends, or until the write deadline,
// whichever comes first.
func TestStall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var n netsim.Network
		n.Stall(time.Second)
		c, client := pipe(t)
		c.Cross(&n, "poll")
		got := arrivals(client)
		start := time.Now()
		c.Write([]byte("late"))
		<-got
		if took := time.Since(start); took != time.Second {
			t.Errorf("arrived after %v, want after the 1s stall", took)
		}
		if _, _, stalled := n.Conditions(); stalled != 0 {
			t.Errorf("stall left %v after it ended, want 0", stalled)
		}

		n.Stall(time.Second)
		c.SetWriteDeadline(time.Now().Add(300 * time.Millisecond))
		start = time.Now()
		if _, err := c.Write([]byte("never")); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("write during a stall past its deadline: %v, want a deadline error", err)
		}
		if took := time.Since(start); took != 300*time.Millisecond {
			t.Errorf("write failed after %v, want at its 300ms deadline", took)
		}
	})
}

// What a delay still holds back when the connection closes never arrives,
// and the writer is told how much it lost.
func TestCloseLosesWhatIsHeldBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var n netsim.Network
		n.Set(500*time.Millisecond, 0)
		c, client := pipe(t)
		c.Cross(&n, "sse")
		var lost atomic.Int64
		if _, err := c.WriteOrLose([]byte("in flight"), func(k int) { lost.Add(int64(k)) }); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
		c.Close()
		if got, err := io.ReadAll(client); len(got) != 0 {
			t.Errorf("read %q (%v) from a connection closed while its bytes were held back, want nothing", got, err)
		}
		if got := lost.Load(); got != int64(len("in flight")) {
			t.Errorf("lost %d bytes, want the %d held back", got, len("in flight"))
		}
	})
}

// A drop closes the connections that cross the network under its label,
// now, and no others; one that left is no longer dropped.
func TestDropClosesOnlyItsLabel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var n netsim.Network
		sse, sseClient := pipe(t)
		ws, wsClient := pipe(t)
		left, _ := pipe(t)
		sse.Cross(&n, "sse")
		ws.Cross(&n, "ws")
		left.Cross(&n, "sse")
		left.Leave()
		if got := n.Drop("sse"); got != 1 {
			t.Errorf("Drop(sse) = %d, want 1: the other sse connection left", got)
		}
		if _, err := sseClient.Read(make([]byte, 1)); err == nil {
			t.Error("the dropped connection is still open")
		}
		go ws.Write([]byte("x"))
		if _, err := wsClient.Read(make([]byte, 1)); err != nil {
			t.Errorf("the ws connection: %v, want it open", err)
		}
		if got := n.Drop("sse"); got != 0 {
			t.Errorf("Drop(sse) again = %d, want 0: a closed connection is dropped once", got)
		}
	})
}

// A stall holds back only what crosses the stalled network: once the
// connection crosses a good network again, a write goes out at once, even
// on a connection that a delay once held writes back on.
func TestStallSparesAGoodNetwork(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var n netsim.Network
		n.Set(50*time.Millisecond, 0)
		c, client := pipe(t)
		c.Cross(&n, "poll")
		got := arrivals(client)
		c.Write([]byte("poll"))
		<-got
		c.Cross(nil, "")
		n.Stall(3 * time.Second)
		start := time.Now()
		c.Write([]byte("time"))
		<-got
		if took := time.Since(start); took != 0 {
			t.Errorf("on a good network during another's stall, arrived after %v, want at once", took)
		}
	})
}

// A stall changed while a write waits holds that write until the stall
// that holds now ends: extended, later; shortened, sooner. So does it for
// a write a delay already held back when the stall began.
func TestStallChangedWhileAWriteWaits(t *testing.T) {
	for _, tc := range []struct {
		name    string
		delay   time.Duration // 0: the write waits in Write; else in the delay line
		changed time.Duration // the stall, as changed at 500ms
		want    time.Duration
	}{
		{"extended, in Write", 0, 4500 * time.Millisecond, 5 * time.Second},
		{"shortened, in Write", 0, 0, 500 * time.Millisecond},
		{"extended, in the delay line", 100 * time.Millisecond, 4500 * time.Millisecond, 5 * time.Second},
		{"shortened, in the delay line", 100 * time.Millisecond, 0, 500 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var n netsim.Network
				n.Set(tc.delay, 0)
				c, client := pipe(t)
				c.Cross(&n, "sse")
				got := arrivals(client)
				start := time.Now()
				if tc.delay == 0 {
					n.Stall(time.Second)
					go c.Write([]byte("x"))
				} else {
					c.Write([]byte("x")) // held back by the delay, then by the stall
					n.Stall(time.Second)
				}
				time.Sleep(500 * time.Millisecond)
				n.Stall(tc.changed)
				<-got
				if took := time.Since(start); took != tc.want {
					t.Errorf("arrived after %v, want %v", took, tc.want)
				}
			})
		})
	}
}
