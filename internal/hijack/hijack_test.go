package hijack_test

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"testing"

	"go.uber.org/goleak"

	"transportlab/internal/hijack"
	"transportlab/internal/transporttest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// Hijack returns the buffers asked for, and the bytes that net/http read
// ahead of the request's end come first: here the client sends a line
// right behind its request, in the same write, which net/http reads whole
// (a pipe hands a write to one read). What the handler writes through the
// bufio.Writer goes through Out.
func TestHijackKeepsWhatWasReadAhead(t *testing.T) {
	pipes := transporttest.NewPipes()
	var out bytes.Buffer // what went through Out, besides the connection
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hw := &hijack.ResponseWriter{ResponseWriter: w, ReadSize: 32, WriteSize: 64,
			Out: func(c net.Conn) io.Writer { return io.MultiWriter(&out, c) }}
		c, brw, err := hw.Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer c.Close()
		if brw.Reader.Size() != 32 || brw.Writer.Size() != 64 {
			t.Errorf("buffers of %d and %d bytes, want 32 and 64", brw.Reader.Size(), brw.Writer.Size())
		}
		line, err := brw.Reader.ReadString('\n')
		if err != nil {
			t.Errorf("read: %v", err)
			return
		}
		brw.WriteString("echo: " + line)
		brw.Flush()
	})}
	go srv.Serve(pipes)
	defer srv.Close()

	c, err := pipes.Dial(t.Context(), "pipe", "pipe")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	go io.WriteString(c, "GET / HTTP/1.1\r\nHost: pipe\r\n\r\nsent right behind the request\n")
	got, err := bufio.NewReader(c).ReadString('\n')
	if want := "echo: sent right behind the request\n"; got != want || err != nil {
		t.Fatalf("answer %q (%v), want %q: what net/http read ahead was lost", got, err, want)
	}
	if out.String() != got {
		t.Errorf("through Out: %q, want the answer", out.String())
	}
}
