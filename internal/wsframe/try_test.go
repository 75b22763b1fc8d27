package wsframe_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"runtime"
	"testing"

	"transportlab/internal/rawsock"
	"transportlab/internal/transporttest"
	"transportlab/internal/wsframe"
)

// text returns a text frame whose message tells it from any other.
func text(i, size int) []byte {
	msg := fmt.Appendf(nil, "message %d:", i)
	for len(msg) < size {
		msg = append(msg, byte('a'+(len(msg)+i)%26))
	}
	return wsframe.AppendText(nil, msg)
}

// readN reads n bytes from c.
func readN(tb testing.TB, c net.Conn, n int) []byte {
	tb.Helper()
	b := make([]byte, n)
	if _, err := io.ReadFull(c, b); err != nil {
		tb.Fatalf("read %d bytes: %v", n, err)
	}
	return b
}

// A client that keeps up takes a frame whole, at once: nothing is left
// for the connection's writer.
func TestTryWriteFramesTakesAFrameWhole(t *testing.T) {
	server, client := transporttest.TCPPair(t)
	var out wsframe.Out
	out.On(server)
	frame := text(1, 100)
	if taken, rest := out.TryWriteFrames(frame); !taken || rest {
		t.Fatalf("TryWriteFrames to an idle connection = %v, %v, want true, false", taken, rest)
	}
	if got := readN(t, client, len(frame)); !bytes.Equal(got, frame) {
		t.Errorf("read % x, want % x", got, frame)
	}
}

// What the socket does not take is kept, and goes out first with the
// next write, a frame's rest before any other byte: the client reads
// whole frames, in order. Until then TryWriteFrames takes nothing, which
// would overtake the rest.
func TestTryWriteFramesKeepsTheRestForTheNextWrite(t *testing.T) {
	for _, next := range []string{"WriteFrames", "Write"} {
		t.Run(next, func(t *testing.T) {
			server, client := transporttest.TCPPair(t)
			var out wsframe.Out
			w := out.On(server)
			want := fillWithARest(t, &out)
			if taken, rest := out.TryWriteFrames(text(3, 10)); taken || rest {
				t.Fatalf("TryWriteFrames with a rest left = %v, %v, want false, false", taken, rest)
			}

			after := text(4, 100)
			if next == "Write" {
				after = wsframe.AppendPing(nil, []byte("4"))
			}
			want = append(want, after...)
			read := make(chan []byte, 1)
			go func() {
				b, _ := io.ReadAll(client)
				read <- b
			}()
			var err error
			if next == "Write" {
				_, err = w.Write(after)
			} else {
				err = out.WriteFrames(after)
			}
			if err != nil {
				t.Fatalf("%s: %v", next, err)
			}
			server.CloseWrite() // all that was written is on its way: the client reads it, then EOF
			got := <-read
			if i := transporttest.FirstDiff(got, want); i >= 0 {
				t.Fatalf("byte %d of %d read (of %d) differs: the rest and the next write are not sent whole and in order", i, len(got), len(want))
			}
		})
	}
}

// fillWithARest writes a small frame whole, then one larger than the
// buffers hold, whose rest Out keeps, and returns both.
func fillWithARest(tb testing.TB, out *wsframe.Out) []byte {
	tb.Helper()
	small, big := text(1, 100), text(2, 1<<20)
	if taken, rest := out.TryWriteFrames(small); !taken || rest {
		tb.Fatalf("TryWriteFrames(small) = %v, %v, want true, false", taken, rest)
	}
	if taken, rest := out.TryWriteFrames(big); !taken || !rest {
		tb.Fatalf("TryWriteFrames(big), client not reading = %v, %v, want true, true", taken, rest)
	}
	return append(small, big...)
}

// Once the rest is written, TryWriteFrames takes frames again, as soon as
// the socket has room (the client's acks come in on their own).
func TestTryWriteFramesTakesAgainOnceTheRestIsWritten(t *testing.T) {
	server, client := transporttest.TCPPair(t)
	var out wsframe.Out
	out.On(server)
	want := fillWithARest(t, &out)
	wrote := make(chan error, 1)
	go func() { wrote <- out.WriteFrames(nil) }() // the rest alone
	if got := readN(t, client, len(want)); !bytes.Equal(got, want) {
		t.Fatal("the client did not read the frames whole")
	}
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
	// The rest went once: the next write sends only its own frame.
	next := text(3, 100)
	go func() { wrote <- out.WriteFrames(next) }()
	if got := readN(t, client, len(next)); !bytes.Equal(got, next) {
		t.Fatalf("after the rest: read % x, want % x", got, next)
	}
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
	for i := 5; ; i++ {
		frame := text(i, 10)
		taken, rest := out.TryWriteFrames(frame)
		if !taken {
			runtime.Gosched()
			continue
		}
		if rest {
			go func() { wrote <- out.WriteFrames(nil) }()
		} else {
			wrote <- nil
		}
		if got := readN(t, client, len(frame)); !bytes.Equal(got, frame) {
			t.Fatalf("after the rest: read % x, want % x", got, frame)
		}
		if err := <-wrote; err != nil {
			t.Fatal(err)
		}
		return
	}
}

// While another write is under way, TryWriteFrames takes nothing: its
// frame would wait behind that write, or cut into it.
func TestTryWriteFramesDeclinesWhileAWriteIsUnderWay(t *testing.T) {
	server, client := transporttest.TCPPair(t)
	c := &gateConn{Conn: server, try: rawsock.Wrap(server), entered: make(chan struct{}), release: make(chan struct{})}
	var out wsframe.Out
	out.On(c)
	first, second := text(1, 100), text(2, 100)
	wrote := make(chan error, 1)
	go func() { wrote <- out.WriteFrames(first) }()
	<-c.entered
	if taken, rest := out.TryWriteFrames(second); taken || rest {
		t.Errorf("TryWriteFrames during a write = %v, %v, want false, false", taken, rest)
	}
	close(c.release)
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
	if got := readN(t, client, len(first)); !bytes.Equal(got, first) {
		t.Fatalf("read % x, want the first frame % x", got, first)
	}
	if taken, rest := out.TryWriteFrames(second); !taken || rest {
		t.Fatalf("TryWriteFrames after the write = %v, %v, want true, false", taken, rest)
	}
	if got := readN(t, client, len(second)); !bytes.Equal(got, second) {
		t.Errorf("read % x, want the second frame % x", got, second)
	}
}

// gateConn is a TCP connection whose Write tells entered, then waits for
// release; TryWrite goes to the socket at once.
type gateConn struct {
	net.Conn
	try              *rawsock.Conn
	entered, release chan struct{}
}

func (c *gateConn) Write(p []byte) (int, error) {
	c.entered <- struct{}{}
	<-c.release
	return c.Conn.Write(p)
}

func (c *gateConn) TryWrite(p []byte) (int, error) { return c.try.TryWrite(p) }

// After a close frame no frame may follow (RFC 6455, 5.5.1): TryWriteFrames
// takes none, as WriteFrames writes none.
func TestTryWriteFramesDeclinesAfterAClose(t *testing.T) {
	server, client := transporttest.TCPPair(t)
	var out wsframe.Out
	w := out.On(server)
	closeFrame := []byte{0x88, 2, 0x03, 0xe8} // 1000, normal closure
	if _, err := w.Write(closeFrame); err != nil {
		t.Fatal(err)
	}
	if taken, rest := out.TryWriteFrames(text(1, 10)); taken || rest {
		t.Errorf("TryWriteFrames after a close frame = %v, %v, want false, false", taken, rest)
	}
	if err := out.WriteFrames(text(2, 10)); err == nil {
		t.Error("WriteFrames after a close frame: no error")
	}
	server.Close()
	got, err := io.ReadAll(client)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, closeFrame) {
		t.Errorf("the client read % x, want only the close frame % x", got, closeFrame)
	}
}

// A connection that failed takes nothing, and its writer's next write
// says it failed: the frame is not kept for a connection that is gone.
func TestTryWriteFramesOnAClosedConnection(t *testing.T) {
	server, _ := transporttest.TCPPair(t)
	var out wsframe.Out
	out.On(server)
	server.Close()
	if taken, _ := out.TryWriteFrames(text(1, 10)); taken {
		t.Error("TryWriteFrames on a closed connection took the frame")
	}
	if err := out.WriteFrames(text(2, 10)); err == nil {
		t.Error("WriteFrames after TryWriteFrames failed: no error")
	}
}

// A connection with no socket below (a test's pipe) is written the usual
// way only: TryWriteFrames takes nothing, and WriteFrames still writes.
func TestTryWriteFramesOnAPipeDeclines(t *testing.T) {
	server, client := net.Pipe()
	defer server.Close()
	defer client.Close()
	var out wsframe.Out
	out.On(server)
	frame := text(1, 10)
	if taken, rest := out.TryWriteFrames(frame); taken || rest {
		t.Errorf("TryWriteFrames on a pipe = %v, %v, want false, false", taken, rest)
	}
	wrote := make(chan error, 1)
	go func() { wrote <- out.WriteFrames(frame) }()
	if got := readN(t, client, len(frame)); !bytes.Equal(got, frame) {
		t.Errorf("read % x, want % x", got, frame)
	}
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
}
