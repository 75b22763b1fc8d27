package wsframe_test

import (
	"bytes"
	"net"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"transportlab/internal/wsframe"
)

// A text frame's length takes the shortest of the three forms that holds
// it (RFC 6455, 5.2), and the header of a message encoded in place is the
// same as AppendText's.
func TestAppendText(t *testing.T) {
	for _, tc := range []struct {
		n    int
		head []byte
	}{
		{0, []byte{0x81, 0}},
		{125, []byte{0x81, 125}},
		{126, []byte{0x81, 126, 0, 126}},
		{0xffff, []byte{0x81, 126, 0xff, 0xff}},
		{0x10000, []byte{0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0}},
	} {
		msg := []byte(strings.Repeat("x", tc.n))
		got := wsframe.AppendText([]byte("before"), msg)
		want := append(append([]byte("before"), tc.head...), msg...)
		if !bytes.Equal(got, want) {
			t.Errorf("AppendText(%d bytes): header % x, want % x", tc.n, got[6:6+len(tc.head)], tc.head)
		}
		if got := wsframe.AppendTextHeader(nil, tc.n); !bytes.Equal(got, tc.head) {
			t.Errorf("AppendTextHeader(%d) = % x, want % x", tc.n, got, tc.head)
		}
	}
	if got, want := wsframe.AppendPing(nil, []byte("7")), []byte{0x89, 1, '7'}; !bytes.Equal(got, want) {
		t.Errorf("AppendPing(7) = % x, want % x", got, want)
	}
}

// A write that fails part-way leaves half a frame on the wire: whatever
// comes after it, a message or one of coder/websocket's pongs or close
// frames, would be read as the rest of that frame. Out writes nothing
// more after it.
func TestNothingIsWrittenAfterAFailedWrite(t *testing.T) {
	for _, first := range []string{"WriteFrames", "Write"} {
		t.Run(first, func(t *testing.T) {
			c := &halfConn{}
			var out wsframe.Out
			w := out.On(c)
			frame := wsframe.AppendText(nil, []byte("a message cut in two"))
			var err error
			if first == "WriteFrames" {
				err = out.WriteFrames(frame)
			} else {
				_, err = w.Write(frame)
			}
			if err == nil {
				t.Fatal("the failing write returned no error")
			}
			wrote := c.wire.Len()
			if err := out.WriteFrames(wsframe.AppendText(nil, []byte("next"))); err == nil {
				t.Error("WriteFrames after a failed write: no error")
			}
			if _, err := w.Write([]byte{0x8a, 0}); err == nil { // a pong
				t.Error("Write of a pong after a failed write: no error")
			}
			if _, err := w.Write([]byte{0x88, 0}); err == nil { // a close frame
				t.Error("Write of a close frame after a failed write: no error")
			}
			if got := c.wire.Len(); got != wrote {
				t.Errorf("%d bytes on the wire after the failed write, want none: % x", got-wrote, c.wire.Bytes()[wrote:])
			}
		})
	}
}

// halfConn is a connection whose first write times out half-way; those
// after it would go through.
type halfConn struct {
	net.Conn
	wire   bytes.Buffer
	writes int
}

func (c *halfConn) Write(p []byte) (int, error) {
	c.writes++
	if c.writes == 1 {
		n, _ := c.wire.Write(p[:len(p)/2])
		return n, os.ErrDeadlineExceeded
	}
	return c.wire.Write(p)
}

func (c *halfConn) SetWriteDeadline(time.Time) error { return nil }

func TestCloseReason(t *testing.T) {
	for _, s := range []string{"short", strings.Repeat("x", 200), strings.Repeat("가", 60)} {
		got := wsframe.CloseReason(s)
		if len(got) > 123 || !utf8.ValidString(got) || !strings.HasPrefix(s, got) {
			t.Errorf("CloseReason(%q) = %q: not a valid prefix of at most 123 bytes", s, got)
		}
	}
}
