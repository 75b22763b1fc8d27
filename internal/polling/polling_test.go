package polling_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"transportlab/internal/feed"
	"transportlab/internal/polling"
	"transportlab/internal/transporttest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// answer is a poll answer as a client decodes it.
type answer struct {
	Epoch  string            `json:"epoch"`
	Head   uint64            `json:"head"`
	Events []json.RawMessage `json:"events"`
	Next   uint64            `json:"next"`
	Missed uint64            `json:"missed"`
	Reset  bool              `json:"reset"`
	More   *uint64           `json:"more"`
}

// newServer serves /poll from a hub holding n events.
func newServer(tb testing.TB, history, n int) (*httptest.Server, *feed.Hub, *transporttest.Meter) {
	tb.Helper()
	hub := feed.NewHub(feed.Config{History: history})
	transporttest.Publish(tb, hub, n)
	m := new(transporttest.Meter)
	srv := httptest.NewServer(polling.Handler(hub, m, slog.New(slog.DiscardHandler)))
	tb.Cleanup(srv.Close)
	return srv, hub, m
}

// poll GETs srv's URL with query and returns the response and its body.
func poll(tb testing.TB, srv *httptest.Server, query string) (*http.Response, []byte) {
	tb.Helper()
	res, err := http.Get(srv.URL + "/poll" + query)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return res, body
}

func decode(tb testing.TB, body []byte) answer {
	tb.Helper()
	var a answer
	if err := json.Unmarshal(body, &a); err != nil {
		tb.Fatalf("answer %s: %v", body, err)
	}
	return a
}

// seqsOf returns the seq of each event of an answer.
func seqsOf(tb testing.TB, a answer) []uint64 {
	tb.Helper()
	var s []uint64
	for _, raw := range a.Events {
		var e feed.Event
		if err := json.Unmarshal(raw, &e); err != nil {
			tb.Fatal(err)
		}
		s = append(s, e.Seq)
	}
	return s
}

func TestFirstPollGetsTheLatestEvent(t *testing.T) {
	srv, hub, _ := newServer(t, 100, 7)
	res, body := poll(t, srv, "")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", res.StatusCode, body)
	}
	for h, want := range map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store"} {
		if got := res.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	a := decode(t, body)
	if got := seqsOf(t, a); len(got) != 1 || got[0] != 7 {
		t.Errorf("events %v, want [7]", got)
	}
	if a.Next != 7 || a.Head != 7 || a.Epoch != hub.Epoch() {
		t.Errorf("answer %+v, want next 7, head 7, epoch %s", a, hub.Epoch())
	}
}

func TestPollResumesAfterSince(t *testing.T) {
	srv, hub, _ := newServer(t, 100, 7)
	a := decode(t, pollBody(t, srv, "?since=4&epoch="+hub.Epoch()))
	if got := seqsOf(t, a); len(got) != 3 || got[0] != 5 || got[2] != 7 || a.Next != 7 || a.Missed != 0 {
		t.Errorf("since=4: events %v next %d missed %d, want 5..7, 7, 0", got, a.Next, a.Missed)
	}
	// Nothing new: no events, and next stays put.
	a = decode(t, pollBody(t, srv, "?since=7"))
	if len(a.Events) != 0 || a.Next != 7 {
		t.Errorf("since=head: %d events, next %d, want none and 7", len(a.Events), a.Next)
	}
	if got := string(pollBody(t, srv, "?since=7")); !strings.Contains(got, `"events":[]`) {
		t.Errorf("empty answer %s, want an empty list, not null", got)
	}
}

func TestPollBeyondHistorySaysWhatWasMissed(t *testing.T) {
	srv, _, _ := newServer(t, 5, 20) // history keeps 16..20
	a := decode(t, pollBody(t, srv, "?since=3"))
	if got := seqsOf(t, a); len(got) != 5 || got[0] != 16 || a.Missed != 12 {
		t.Errorf("since=3: events %v missed %d, want 16..20 and 12 (4..15)", got, a.Missed)
	}
}

// A client far behind gets at most MaxPollEvents an answer, is told how
// many more wait, and following next gets every event once, in order.
func TestPollAnswersAtMostMaxPollEvents(t *testing.T) {
	srv, hub, m := newServer(t, feed.DefaultHistory, feed.DefaultHistory) // 4096 in history
	a := decode(t, pollBody(t, srv, "?since=0"))
	if len(a.Events) != polling.MaxPollEvents || a.Next != polling.MaxPollEvents || a.More == nil || *a.More != 3596 || a.Head != 4096 {
		t.Fatalf("since=0: %d events, next %d, more %v, head %d; want %d, %d, 3596, 4096",
			len(a.Events), a.Next, a.More, a.Head, polling.MaxPollEvents, polling.MaxPollEvents)
	}
	got := seqsOf(t, a)
	polls := 1
	for a.More != nil {
		a = decode(t, pollBody(t, srv, fmt.Sprintf("?since=%d&epoch=%s", a.Next, hub.Epoch())))
		got = append(got, seqsOf(t, a)...)
		if polls++; polls > 20 {
			t.Fatal("more never ends")
		}
	}
	if polls != 9 || a.Next != 4096 { // ceil(4096 / 500)
		t.Errorf("%d polls ending at next %d, want 9 ending at 4096", polls, a.Next)
	}
	for i, seq := range got {
		if seq != uint64(i+1) {
			t.Fatalf("event %d has seq %d: a gap or a duplicate (%d events in all)", i, seq, len(got))
		}
	}
	if len(got) != 4096 || m.Events.Load() != 4096 || m.Requests.Load() != int64(polls) {
		t.Errorf("%d events, meter %d events in %d requests; want 4096 in %d", len(got), m.Events.Load(), m.Requests.Load(), polls)
	}
}

// An answer that leaves nothing behind says no more: the field is absent.
func TestPollThatKeepsUpHasNoMore(t *testing.T) {
	srv, _, _ := newServer(t, 100, 7)
	for _, q := range []string{"", "?since=2", "?since=7", "?since=99"} {
		if body := pollBody(t, srv, q); strings.Contains(string(body), `"more"`) {
			t.Errorf("%s: %s, want no more", q, body)
		}
	}
}

func TestPollFromAnotherEpochIsAReset(t *testing.T) {
	srv, _, _ := newServer(t, 100, 7)
	for _, q := range []string{"?since=3&epoch=0123456789abcdef", "?since=99"} {
		a := decode(t, pollBody(t, srv, q))
		if !a.Reset || a.Next != 7 || len(a.Events) != 1 {
			t.Errorf("%s: %+v, want reset with the latest event and next 7", q, a)
		}
	}
}

func TestPollCountsRequestsEventsAndBytes(t *testing.T) {
	srv, _, m := newServer(t, 100, 7)
	var bytes, written int
	for _, q := range []string{"", "?since=2", "?since=7"} {
		body := pollBody(t, srv, q)
		written += len(body)
		var a struct{ Events []json.RawMessage }
		if err := json.Unmarshal(body, &a); err != nil {
			t.Fatal(err)
		}
		for _, e := range a.Events { // the body: the events' JSON, not the answer around them
			bytes += len(e)
		}
	}
	if m.Requests.Load() != 3 || m.Events.Load() != 1+5+0 || m.Bytes.Load() != int64(bytes) || m.Written.Load() != int64(written) {
		t.Errorf("meter: %d requests, %d events, %d body bytes, %d written; want 3, 6, %d, %d",
			m.Requests.Load(), m.Events.Load(), m.Bytes.Load(), m.Written.Load(), bytes, written)
	}
}

func TestPollRejectsMalformedQuery(t *testing.T) {
	srv, _, _ := newServer(t, 100, 7)
	for _, q := range []string{"?since=abc", "?since=-1", "?since=1.5", "?since=1&epoch=NOT-HEX", "?since=99999999999999999999"} {
		res, body := poll(t, srv, q)
		var e struct{ Error string }
		if res.StatusCode != http.StatusBadRequest || json.Unmarshal(body, &e) != nil || e.Error == "" {
			t.Errorf("%s: %d %s, want 400 with a JSON error", q, res.StatusCode, body)
		}
	}
}

func pollBody(tb testing.TB, srv *httptest.Server, query string) []byte {
	tb.Helper()
	res, body := poll(tb, srv, query)
	if res.StatusCode != http.StatusOK {
		tb.Fatalf("%s: status %d: %s", query, res.StatusCode, body)
	}
	return body
}
