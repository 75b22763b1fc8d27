package wire

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
)

// A request's entry reads as json.Marshal would write it, whatever its
// method and target hold.
func TestRequestEntryEncoding(t *testing.T) {
	targets := []string{
		"/poll?since=41&epoch=5f0c9a3e7d21b4c8&client=k3x9a2bqk3x9a2bqk3x9a2bqk3x9a2bq",
		"/socket.io/?EIO=4&transport=polling&sid=a<b>c",
		`/x?q="quoted"\back`,
		"/ctl\x00\x01\b\f\n\r\t\x1f\x7f",
		"/utf8/é漢字🙂",
		"/bad\xff\xfe utf8\xe2\x82",
		"/js\u2028\u2029",
		"",
	}
	for _, target := range targets {
		e := requestEntry{
			entryHead: entryHead{N: 7, TS: -1764150000123456, Transport: "poll", Kind: "request"},
			Method:    "GET", Target: target, Status: 200,
			In: 312, Out: math.MaxInt64, Written: 0, Events: -3,
		}
		checkEncoding(t, &e)
	}
}

func FuzzRequestEntryEncoding(f *testing.F) {
	f.Add("GET", "/poll?since=1&client=a&b", uint64(1), int64(2), 200)
	f.Add("P&ST", "/\u2028<\xff>", uint64(math.MaxUint64), int64(math.MinInt64), -1)
	f.Fuzz(func(t *testing.T, method, target string, n uint64, ts int64, status int) {
		e := requestEntry{
			entryHead: entryHead{N: n, TS: ts, Transport: method + "t", Kind: target + "k"},
			Method:    method, Target: target, Status: status, In: ts, Out: -ts, Written: int64(n), Events: int64(status),
		}
		checkEncoding(t, &e)
	})
}

// A frame's entry reads as json.Marshal would write it, its round trip
// in milliseconds too, whatever its size.
func TestFrameEntryEncoding(t *testing.T) {
	for _, rtt := range []float64{0, 0.001, 1.5, 12.345, 1e-7, -2.5e-9, 3e21, 123456789.123, math.MaxFloat64, math.SmallestNonzeroFloat64} {
		e := frameEntry{
			entryHead: entryHead{N: 9, TS: 1764150000123456, Transport: "ws", Kind: "pong"},
			Dir:       "in", Bytes: 12, RTTMs: rtt,
		}
		checkEncoding(t, &e)
	}
}

func FuzzFrameEntryEncoding(f *testing.F) {
	f.Add("ws", "ping", "out", uint64(1), int64(2), 8, 0.25)
	f.Add("s\u2028e", "<b>", "\xff", uint64(math.MaxUint64), int64(math.MinInt64), -1, -1e-300)
	f.Fuzz(func(t *testing.T, transport, kind, dir string, n uint64, ts int64, size int, rtt float64) {
		if math.IsNaN(rtt) || math.IsInf(rtt, 0) {
			t.Skip("json.Marshal refuses them; a round trip is never one")
		}
		e := frameEntry{entryHead: entryHead{N: n, TS: ts, Transport: transport, Kind: kind}, Dir: dir, Bytes: size, RTTMs: rtt}
		checkEncoding(t, &e)
	})
}

// checkEncoding fails t unless e encodes as json.Marshal encodes it.
func checkEncoding(t *testing.T, e interface{ append([]byte) []byte }) {
	t.Helper()
	want, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.append(nil); !bytes.Equal(got, want) {
		t.Errorf("entry encoded\n%s\nwant json.Marshal's\n%s", got, want)
	}
}
