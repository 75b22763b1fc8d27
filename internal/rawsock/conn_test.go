package rawsock_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"transportlab/internal/rawsock"
	"transportlab/internal/transporttest"
)

// outcome is what a read or a write answered, in the terms a caller
// tells errors apart by: how much it moved, and what its error is.
func outcome(n, want int, err error) string {
	moved := "all"
	switch {
	case n == 0 && want > 0:
		moved = "none"
	case n < want:
		moved = "part"
	}
	if err == nil {
		return moved + ", no error"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s, %T", moved, err)
	var oe *net.OpError
	if errors.As(err, &oe) {
		fmt.Fprintf(&b, " op=%s net=%s source=%t addr=%t err=%T", oe.Op, oe.Net, oe.Source != nil, oe.Addr != nil, oe.Err)
	}
	var ne net.Error
	if errors.As(err, &ne) {
		fmt.Fprintf(&b, " timeout=%t", ne.Timeout())
	}
	for _, target := range []error{io.EOF, net.ErrClosed, os.ErrDeadlineExceeded, syscall.ECONNRESET, syscall.EPIPE} {
		if errors.Is(err, target) {
			fmt.Fprintf(&b, " is(%v)", target)
		}
	}
	return b.String()
}

// Read and Write answer exactly as net.TCPConn's do, in every case a
// server meets: each case runs on a bare TCP connection, then on a Conn
// around one, and both must say the same.
func TestConnAnswersAsTCPConn(t *testing.T) {
	cases := []struct {
		name string
		run  func(t *testing.T, server net.Conn, client *net.TCPConn) string
	}{
		{"read what the peer wrote", func(t *testing.T, server net.Conn, client *net.TCPConn) string {
			client.Write([]byte("hello"))
			p := make([]byte, 64)
			n, err := server.Read(p)
			if string(p[:n]) != "hello" {
				t.Errorf("read %q, want %q", p[:n], "hello")
			}
			return outcome(n, 5, err)
		}},
		{"read nothing", func(t *testing.T, server net.Conn, client *net.TCPConn) string {
			n, err := server.Read(nil)
			return outcome(n, 0, err)
		}},
		{"read after the peer closed", func(t *testing.T, server net.Conn, client *net.TCPConn) string {
			client.Close()
			n, err := server.Read(make([]byte, 64))
			return outcome(n, 64, err)
		}},
		{"read after the peer reset", func(t *testing.T, server net.Conn, client *net.TCPConn) string {
			client.SetLinger(0)
			client.Close()
			n, err := server.Read(make([]byte, 64))
			return outcome(n, 64, err)
		}},
		{"read past its deadline", func(t *testing.T, server net.Conn, client *net.TCPConn) string {
			server.SetReadDeadline(time.Unix(1, 0))
			n, err := server.Read(make([]byte, 64))
			return outcome(n, 64, err)
		}},
		{"read until its deadline", func(t *testing.T, server net.Conn, client *net.TCPConn) string {
			server.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
			n, err := server.Read(make([]byte, 64))
			return outcome(n, 64, err)
		}},
		{"read after close", func(t *testing.T, server net.Conn, client *net.TCPConn) string {
			server.Close()
			n, err := server.Read(make([]byte, 64))
			return outcome(n, 64, err)
		}},
		{"read closed while it waits", func(t *testing.T, server net.Conn, client *net.TCPConn) string {
			go func() {
				time.Sleep(10 * time.Millisecond)
				server.Close()
			}()
			n, err := server.Read(make([]byte, 64))
			return outcome(n, 64, err)
		}},
		{"write what the peer reads", func(t *testing.T, server net.Conn, client *net.TCPConn) string {
			all := stream(4 << 20) // far more than the buffers hold: Write waits for room, many times
			got := make(chan []byte)
			go func() {
				b := make([]byte, len(all))
				io.ReadFull(client, b)
				got <- b
			}()
			n, err := server.Write(all)
			if i := transporttest.FirstDiff(<-got, all); i >= 0 {
				t.Errorf("byte %d of %d read differs from what was written", i, len(all))
			}
			return outcome(n, len(all), err)
		}},
		{"write after close", func(t *testing.T, server net.Conn, client *net.TCPConn) string {
			server.Close()
			n, err := server.Write([]byte("after close"))
			return outcome(n, 11, err)
		}},
		{"write past its deadline", func(t *testing.T, server net.Conn, client *net.TCPConn) string {
			server.SetWriteDeadline(time.Unix(1, 0))
			n, err := server.Write([]byte("late"))
			return outcome(n, 4, err)
		}},
		{"write to a peer that does not read, until its deadline", func(t *testing.T, server net.Conn, client *net.TCPConn) string {
			server.SetWriteDeadline(time.Now().Add(20 * time.Millisecond))
			all := stream(8 << 20)
			n, err := server.Write(all)
			return outcome(n, len(all), err)
		}},
		{"write to a peer that reset", func(t *testing.T, server net.Conn, client *net.TCPConn) string {
			client.SetLinger(0)
			client.Close()
			p := []byte("to a peer gone")
			for {
				n, err := server.Write(p)
				if err != nil {
					// EPIPE or ECONNRESET, as the reset and the
					// write meet: either is the same outcome here.
					return strings.Replace(outcome(n, len(p), err), " is(broken pipe)", " is(connection reset by peer)", 1)
				}
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			server, client := transporttest.TCPPair(t)
			want := c.run(t, server, client)
			server, client = transporttest.TCPPair(t)
			sc := rawsock.Wrap(server)
			if sc == nil {
				t.Fatal("Wrap(a TCP connection) = nil")
			}
			if got := c.run(t, sc, client); got != want {
				t.Errorf("Conn:       %s\nnet.TCPConn: %s", got, want)
			}
		})
	}
}

// TryWrite never waits, not even for a Write that waits for room: it
// takes nothing then.
func TestTryWriteDoesNotWaitForAWrite(t *testing.T) {
	server, client := transporttest.TCPPair(t)
	sc := rawsock.Wrap(server)
	all := stream(4 << 20)
	off := 0
	for { // fill the buffers: the peer does not read yet
		n, err := sc.TryWrite(all[off : off+4096])
		off += n
		if errors.Is(err, rawsock.ErrWouldBlock) && n == 0 {
			break
		}
		if err != nil && !errors.Is(err, rawsock.ErrWouldBlock) {
			t.Fatal(err)
		}
	}
	all = all[:off+4096]
	wrote := make(chan error)
	go func() {
		_, err := sc.Write(all[off:]) // waits for room, from the start
		wrote <- err
	}()
	time.Sleep(50 * time.Millisecond) // the Write waits by now; if not yet, TryWrite meets a full socket all the same
	tried := make(chan error)
	go func() {
		n, err := sc.TryWrite([]byte("now"))
		if n > 0 || !errors.Is(err, rawsock.ErrWouldBlock) {
			err = fmt.Errorf("TryWrite during a Write = %d, %v, want 0, ErrWouldBlock", n, err)
		} else {
			err = nil
		}
		tried <- err
	}()
	select {
	case err := <-tried:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("TryWrite waited for the Write under way")
	}
	got := make([]byte, len(all))
	if _, err := io.ReadFull(client, got); err != nil {
		t.Fatal(err)
	}
	if err := <-wrote; err != nil {
		t.Fatalf("Write = %v", err)
	}
	if i := transporttest.FirstDiff(got, all); i >= 0 {
		t.Fatalf("byte %d read differs from what was written", i)
	}
}

// A read and a write allocate nothing: the funcs the socket is called
// with are made once, with the Conn.
func TestReadAndWriteAllocateNothing(t *testing.T) {
	server, client := transporttest.TCPPair(t)
	sc := rawsock.Wrap(server)
	p, q := []byte("ping of sixteen!"), make([]byte, 16)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := sc.Write(p); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(client, q); err != nil {
			t.Fatal(err)
		}
		if _, err := client.Write(p); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(sc, q); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("a write and a read allocate %v objects, want 0", allocs)
	}
}

// An HTTP server on Listen serves on Conns: requests on one kept-alive
// connection, and bodies both ways.
func TestHTTPServerOnListen(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conns := make(chan net.Conn, 10)
	hs := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			w.Write(b)
		}),
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			conns <- c
			return ctx
		},
	}
	served := make(chan error)
	go func() { served <- hs.Serve(rawsock.Listen(ln)) }()
	defer func() {
		hs.Close()
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve = %v", err)
		}
	}()

	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	body := string(stream(1 << 20))
	for i := range 20 {
		sent := fmt.Sprintf("request %d", i)
		if i == 10 {
			sent = body
		}
		resp, err := client.Post("http://"+ln.Addr().String(), "text/plain", strings.NewReader(sent))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || string(got) != sent {
			t.Fatalf("request %d: answer of %d bytes, %v; want its body back", i, len(got), err)
		}
	}
	if len(conns) != 1 {
		t.Errorf("%d connections, want 1 kept alive", len(conns))
	}
	c := <-conns
	if _, ok := c.(*rawsock.Conn); !ok {
		t.Errorf("the server's connection is a %T, want a *rawsock.Conn", c)
	}
}
