package wsframe_test

import (
	"bytes"
	"strings"
	"testing"

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
