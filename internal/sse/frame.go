package sse

import (
	"bytes"
	"strconv"
	"time"

	"transportlab/internal/feed"
)

// The SSE wire format (WHATWG HTML, "Server-sent events"): an event is a
// block of "field: value" lines ended by a blank line. A line starting with
// a colon is a comment, ignored by clients: a heartbeat. Lines may end in
// "\r\n", "\n" or "\r", so none of these may appear inside a value.

// appendFrame appends a feed event with its seq as the SSE id, which the
// client sends back as Last-Event-ID when it reconnects.
func appendFrame(b []byte, f *feed.Frame) []byte {
	b = append(b, "id: "...)
	b = strconv.AppendUint(b, f.Seq, 10)
	b = append(b, '\n')
	return appendEvent(b, "", f.JSON)
}

// appendEvent appends one event of the given name ("" for the default,
// "message"); a named event reaches only listeners for that name. Each line
// of data becomes a data: line of its own, which the client joins back with
// "\n", so a newline in the data never ends the event early. The name is
// the server's own and must be one line.
func appendEvent(b []byte, name string, data []byte) []byte {
	if name != "" {
		b = appendField(b, "event", name)
	}
	for {
		i := bytes.IndexAny(data, "\r\n")
		if i < 0 {
			b = appendField(b, "data", data)
			break
		}
		b = appendField(b, "data", data[:i])
		if data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n' {
			i++
		}
		data = data[i+1:]
	}
	return append(b, '\n')
}

// appendRetry appends the reconnection delay a client should wait, on its own.
func appendRetry(b []byte, d time.Duration) []byte {
	b = append(b, "retry: "...)
	b = strconv.AppendInt(b, d.Milliseconds(), 10)
	return append(b, "\n\n"...)
}

// appendComment appends a comment line that clients ignore: it keeps an idle
// stream alive through proxies and shows on the wire that the stream is
// open. The text is the server's own and must be one line.
func appendComment(b []byte, text string) []byte {
	b = append(b, ": "...)
	b = append(b, text...)
	return append(b, "\n\n"...)
}

func appendField[T string | []byte](b []byte, name string, value T) []byte {
	b = append(b, name...)
	b = append(b, ": "...)
	b = append(b, value...)
	return append(b, '\n')
}
