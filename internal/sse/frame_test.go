package sse

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
	"time"

	"transportlab/internal/feed"
)

func TestAppendEvent(t *testing.T) {
	tests := []struct {
		name, event, data, want string
	}{
		{"plain", "", `{"seq":1}`, "data: {\"seq\":1}\n\n"},
		{"named", "hello", `{}`, "event: hello\ndata: {}\n\n"},
		{"empty data", "", "", "data: \n\n"},
		{"newline", "", "a\nb", "data: a\ndata: b\n\n"},
		{"carriage return", "", "a\rb", "data: a\ndata: b\n\n"},
		{"crlf is one line end", "", "a\r\nb", "data: a\ndata: b\n\n"},
		{"trailing newline", "", "a\n", "data: a\ndata: \n\n"},
		{"blank line inside", "", "a\n\nb", "data: a\ndata: \ndata: b\n\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(appendEvent(nil, tt.event, []byte(tt.data))); got != tt.want {
				t.Errorf("appendEvent(%q, %q) = %q, want %q", tt.event, tt.data, got, tt.want)
			}
		})
	}
}

func TestAppendFrameRetryAndComment(t *testing.T) {
	f := &feed.Frame{Seq: 42, JSON: []byte(`{"seq":42}`)}
	if got, want := string(appendFrame(nil, f)), "id: 42\ndata: {\"seq\":42}\n\n"; got != want {
		t.Errorf("appendFrame = %q, want %q", got, want)
	}
	if got, want := string(appendRetry(nil, 2*time.Second)), "retry: 2000\n\n"; got != want {
		t.Errorf("appendRetry = %q, want %q", got, want)
	}
	if got, want := string(appendComment(nil, "heartbeat")), ": heartbeat\n\n"; got != want {
		t.Errorf("appendComment = %q, want %q", got, want)
	}
}

// parse reads one event the way the WHATWG "interpret an event stream"
// algorithm does: data lines joined with "\n", a line being ended by CRLF,
// LF or CR.
func parse(stream []byte) (event, data string, ok bool) {
	var lines []string
	for len(stream) > 0 {
		i := bytes.IndexAny(stream, "\r\n")
		if i < 0 {
			return "", "", false // an unterminated line is never dispatched
		}
		lines = append(lines, string(stream[:i]))
		if stream[i] == '\r' && i+1 < len(stream) && stream[i+1] == '\n' {
			i++
		}
		stream = stream[i+1:]
	}
	var buf []string
	for _, line := range lines {
		if line == "" {
			return event, strings.Join(buf, "\n"), len(buf) > 0
		}
		name, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch name {
		case "event":
			event = value
		case "data":
			buf = append(buf, value)
		}
	}
	return "", "", false
}

// FuzzAppendEvent checks that any data, newlines and all, reaches a client
// as one event carrying that data. SSE has no way to tell "\r\n" or "\r"
// from "\n" in data: a client receives every line end as "\n".
func FuzzAppendEvent(f *testing.F) {
	f.Add([]byte(`{"seq":1}`))
	f.Add([]byte("a\r\nb\rc\nd"))
	f.Add([]byte("\n\n"))
	f.Add([]byte("data: fake\n\nid: 99"))
	f.Fuzz(func(t *testing.T, data []byte) {
		stream := appendEvent(nil, "hello", data)
		event, got, ok := parse(stream)
		want := strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(string(data))
		if !ok || event != "hello" || got != want {
			t.Errorf("appendEvent(%q) = %q, parsed as event %q data %q (ok %v)", data, stream, event, got, ok)
		}
		// The event is whole: nothing after its blank line.
		if bytes.Count(stream, []byte("\n\n")) != 1 || !bytes.HasSuffix(stream, []byte("\n\n")) {
			t.Errorf("appendEvent(%q) = %q: not exactly one event", data, stream)
		}
		sc := bufio.NewScanner(bytes.NewReader(stream))
		for sc.Scan() {
			if line := sc.Text(); line != "" && !strings.HasPrefix(line, "data: ") && !strings.HasPrefix(line, "event: ") {
				t.Errorf("line %q is neither data nor event", line)
			}
		}
	})
}
