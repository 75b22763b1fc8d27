package wire

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// A request is logged for every request a transport answers, a poll
// included: its entry is encoded here, without encoding/json's
// reflection, which cost a poll more than anything else the log does.
// So is a frame's, which a WebSocket's reader logs for each pong: the
// reflection's deep calls would double that goroutine's stack, on every
// connection, until the next collection shrank it. The bytes are
// json.Marshal's (TestRequestEntryEncoding, FuzzRequestEntryEncoding,
// FuzzFrameEntryEncoding); a network's entry, rare, uses json.Marshal.

// append appends the head of an entry: its opening brace and its first
// fields, as json.Marshal encodes them; the entry's own fields follow.
func (h *entryHead) append(b []byte) []byte {
	b = append(b, `{"n":`...)
	b = strconv.AppendUint(b, h.N, 10)
	b = append(b, `,"ts":`...)
	b = strconv.AppendInt(b, h.TS, 10)
	b = append(b, `,"transport":`...)
	b = appendString(b, h.Transport)
	b = append(b, `,"kind":`...)
	return appendString(b, h.Kind)
}

// append appends e as json.Marshal encodes it.
func (e *requestEntry) append(b []byte) []byte {
	b = e.entryHead.append(b)
	b = append(b, `,"method":`...)
	b = appendString(b, e.Method)
	b = append(b, `,"target":`...)
	b = appendString(b, e.Target)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(e.Status), 10)
	b = append(b, `,"in":`...)
	b = strconv.AppendInt(b, e.In, 10)
	b = append(b, `,"out":`...)
	b = strconv.AppendInt(b, e.Out, 10)
	b = append(b, `,"body":`...)
	b = strconv.AppendInt(b, e.Written, 10)
	b = append(b, `,"events":`...)
	b = strconv.AppendInt(b, e.Events, 10)
	return append(b, '}')
}

// append appends e as json.Marshal encodes it.
func (e *frameEntry) append(b []byte) []byte {
	b = e.entryHead.append(b)
	b = append(b, `,"dir":`...)
	b = appendString(b, e.Dir)
	b = append(b, `,"bytes":`...)
	b = strconv.AppendInt(b, int64(e.Bytes), 10)
	if e.RTTMs != 0 { // omitempty
		b = append(b, `,"rttMs":`...)
		b = appendFloat(b, e.RTTMs)
	}
	return append(b, '}')
}

// appendFloat appends f, a finite number, as json.Marshal writes a
// float64: the shortest decimal that reads back as f, in exponent form
// only when it is very small or very large, with no leading zero in the
// exponent.
func appendFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if n := len(b); format == 'e' && n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
		b[n-2] = b[n-1] // e-07 is written e-7
		b = b[:n-1]
	}
	return b
}

// appendString appends s as a JSON string, escaped as json.Marshal
// escapes it: quotes, backslashes and control characters; <, > and & for
// HTML; U+2028 and U+2029 for JavaScript; invalid UTF-8 as U+FFFD.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0 // s[start:i] is still to copy as it is
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= ' ' && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
