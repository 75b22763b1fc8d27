package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestSocketIOLane runs the official client on the page beside the
// WebSocket lane: it connects on long polling, upgrades to a WebSocket and
// says so, receives every event once across the upgrade, shows the
// upgrade's packets raw, and counts the same requests as the server; five
// panels fit side by side on a 1366-px projector.
func TestSocketIOLane(t *testing.T) {
	lab, ctx, _ := openPage(t, "?transports=ws,socketio")
	lab.mu.Lock()
	if err := lab.runs[0].hub.SetRate(20); err != nil {
		t.Fatal(err)
	}
	lab.mu.Unlock()
	id := pageKey(t, ctx)

	t.Run("connects on polling, upgrades, and says so", func(t *testing.T) {
		waitFor(t, ctx, "the Socket.IO lane is on a WebSocket", `
			document.querySelector('#panel-socketio .state').dataset.state === 'open' &&
			document.querySelector('#panel-socketio [data-metric="sio-via"]').dataset.via === 'websocket'`)
		if got := evaluate[string](t, ctx, `document.querySelector('#panel-socketio [data-metric="sio-via"]').textContent`); got != "WebSocket" {
			t.Errorf("carried by %q, want WebSocket", got)
		}
		waitFor(t, ctx, "40 events on the Socket.IO lane", `window.transportlab.ledgers().socketio.received >= 40`)
		checkNothingLostIn(t, pageLedgers(t, ctx), "ws", "socketio")
	})

	t.Run("the inspector shows the handshake, the probe and the upgrade raw", func(t *testing.T) {
		evaluate[bool](t, ctx, `document.querySelector('#panel-socketio .inspector').open = true`)
		texts := evaluate[[]string](t, ctx, `[...document.querySelectorAll('#panel-socketio .wire-row[data-kind="packet"] .wire-line')].map((e) => e.textContent)`)
		joined := strings.Join(texts, "\n")
		if !strings.Contains(joined, `42["event",{"seq":`) {
			t.Errorf("packets %q: want 42[\"event\",…]", texts)
		}
		// The handshake and the probe are older than the inspector's 30 rows
		// at 20 events a second; the lane's own record of the packets has them.
		all := evaluate[[]string](t, ctx, `window.transportlab.sioPackets()`)
		for _, want := range []string{`0{"sid":`, "40", "2probe", "3probe", "5"} {
			found := false
			for _, p := range all {
				if p == want || (strings.HasSuffix(want, ":") && strings.HasPrefix(p, want)) {
					found = true
				}
			}
			if !found {
				t.Errorf("packets seen %q: want %q", head(all, 12), want)
			}
		}
	})

	t.Run("transports: ['websocket'] skips polling, and the URL keeps it", func(t *testing.T) {
		evaluate[bool](t, ctx, `(() => {
			const s = document.querySelector('#panel-socketio .sio-mode');
			s.value = 'websocket';
			s.dispatchEvent(new Event('change'));
			return true;
		})()`)
		waitFor(t, ctx, "a session opened on a WebSocket, with no probe", `
			document.querySelector('#panel-socketio .state').dataset.state === 'open' &&
			/^handshake 0 ms \(WebSocket\)/.test(document.querySelector('#panel-socketio [data-metric="sio-life"]').textContent) &&
			!window.transportlab.sioPackets().includes('2probe')`)
		if search := evaluate[string](t, ctx, `location.search`); !strings.Contains(search, "sio=websocket") {
			t.Errorf("URL %q, want sio=websocket", search)
		}
		evaluate[bool](t, ctx, `(() => {
			const s = document.querySelector('#panel-socketio .sio-mode');
			s.value = 'default';
			s.dispatchEvent(new Event('change'));
			return true;
		})()`)
		waitFor(t, ctx, "upgraded again by default", `
			document.querySelector('#panel-socketio [data-metric="sio-via"]').dataset.via === 'websocket' &&
			window.transportlab.sioPackets().includes('5')`)
		checkNothingLostIn(t, pageLedgers(t, ctx), "socketio")
	})

	t.Run("five panels side by side at 1366 px", func(t *testing.T) {
		evaluate[bool](t, ctx, `(history.replaceState(null, '', '?transports=poll,longpoll,sse,ws,socketio'), true)`)
		for _, tr := range []string{"poll", "longpoll", "sse"} {
			toggle(t, ctx, tr)
		}
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 768)); err != nil {
			t.Fatal(err)
		}
		type box struct {
			Shown, Tops, Overflow int
			Right                 float64
		}
		b := evaluate[box](t, ctx, `(() => {
			const shown = [...document.querySelectorAll('#panels .panel')].filter((p) => !p.hidden);
			const rects = shown.map((p) => p.getBoundingClientRect());
			return {
				shown: shown.length,
				tops: new Set(rects.map((r) => Math.round(r.top))).size,
				right: Math.max(...rects.map((r) => r.right)),
				overflow: shown.filter((p) => p.scrollWidth > p.clientWidth + 1).length,
			};
		})()`)
		if b.Shown != 5 || b.Tops != 1 || b.Right > 1366 || b.Overflow != 0 {
			t.Errorf("panels: %d shown on %d rows, right edge %.0f px, %d overflowing; want 5 on one row within 1366 px, none overflowing",
				b.Shown, b.Tops, b.Right, b.Overflow)
		}
		if b.Overflow != 0 {
			t.Logf("overflowing: %s", evaluate[string](t, ctx, `[...document.querySelectorAll('#panels .panel')].filter((p) => !p.hidden && p.scrollWidth > p.clientWidth + 1).map((p) => p.id + ': ' + [...p.querySelectorAll('*')].filter((e) => e.getBoundingClientRect().right > p.getBoundingClientRect().right + 1).map((e) => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().width)).slice(0, 6).join(', ')).join(' | ')`))
		}
		for _, tr := range []string{"poll", "longpoll", "sse"} {
			toggle(t, ctx, tr)
		}
	})

	t.Run("WebSockets blocked: Socket.IO stays on polling, the WebSocket lane says why", func(t *testing.T) {
		evaluate[bool](t, ctx, `(document.querySelector('#net-block-ws').click(), true)`)
		waitFor(t, ctx, "the network blocks WebSockets", `document.querySelector('#net-block-ws').getAttribute('aria-pressed') === 'true'`)
		toggle(t, ctx, "socketio")
		toggle(t, ctx, "ws")
		waitFor(t, ctx, "both lanes are off", `['ws', 'socketio'].every((t) => document.querySelector('#panel-' + t + ' .state').dataset.state === 'off')`)
		before := pageLedgers(t, ctx)["socketio"].Received
		toggle(t, ctx, "socketio")
		toggle(t, ctx, "ws")
		waitFor(t, ctx, "the upgrade refused, the Socket.IO lane stays on polling", `
			document.querySelector('#panel-socketio [data-metric="sio-via"]').dataset.via === 'polling' &&
			window.transportlab.sioPackets().includes('2probe') === false &&
			/upgrade failed/.test(document.querySelector('#panel-socketio .state-detail').textContent)`)
		waitFor(t, ctx, "40 more events on polling", fmt.Sprintf(`window.transportlab.ledgers().socketio.received >= %d`, before+40))
		if via := evaluate[string](t, ctx, `document.querySelector('#panel-socketio [data-metric="sio-via"]').dataset.via`); via != "polling" {
			t.Errorf("Socket.IO carried by %q with WebSockets blocked, want polling", via)
		}
		waitFor(t, ctx, "the WebSocket lane says why it cannot connect", `
			document.querySelector('#panel-ws .state').dataset.state === 'reconnecting' &&
			/blocks WebSockets/.test(document.querySelector('#panel-ws .state-detail').textContent)`)
		checkNothingLostIn(t, pageLedgers(t, ctx), "socketio")
		evaluate[bool](t, ctx, `(document.querySelector('#net-block-ws').click(), true)`)
		waitFor(t, ctx, "WebSockets allowed again, the WebSocket lane open", `
			document.querySelector('#net-block-ws').getAttribute('aria-pressed') === 'false' &&
			document.querySelector('#panel-ws .state').dataset.state === 'open'`)
	})

	t.Run("the page and the server count the same requests", func(t *testing.T) {
		toggle(t, ctx, "socketio")
		waitFor(t, ctx, "the Socket.IO lane is off", `document.querySelector('#panel-socketio .state').dataset.state === 'off'`)
		deadline := time.Now().Add(timeout)
		for {
			page, server := pageLedgers(t, ctx)["socketio"], serverCounts(t, lab.srv, id)["socketio"]
			// Events the server wrote as the lane was turned off, which the
			// page closed before reading, are the server's alone: a few at most.
			late, lateBytes := server.Events-(page.Received+page.Duplicates), server.Bytes-page.Bytes
			eventsAgree := late >= 0 && late <= 3 && lateBytes >= 0 && (late == 0) == (lateBytes == 0) && lateBytes <= 200*late
			if page.Requests == server.Requests && page.Requests > 1 && server.Open == 0 && eventsAgree {
				t.Logf("Socket.IO: %d requests (polling, the upgrades, refused or not) for %d events, %d body bytes", server.Requests, server.Events, server.Bytes)
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("Socket.IO: page %d requests, %d events, %d bytes; server %d requests, %d events, %d bytes (%d open); want the same, none open",
					page.Requests, page.Received+page.Duplicates, page.Bytes, server.Requests, server.Events, server.Bytes, server.Open)
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

// head returns at most n of s, for a message.
func head(s []string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return fmt.Sprint(s)
}
