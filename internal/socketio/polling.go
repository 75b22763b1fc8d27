package socketio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"transportlab/internal/polling"
)

// poll answers a GET of the polling transport: what waits in the session's
// queue, or, when nothing does, the next packets as soon as there are. The
// packets are joined by separators:
//
//	40{"sid":"…"}␞42["hello",{…}]␞42["event",{"seq":42,…}]
//
// A second poll while one is open breaks the protocol: the session closes,
// the open poll gets a close packet (1), and the second a 400. During an
// upgrade a poll never waits: it answers a noop (6) when there is nothing
// to send, so that the client can move to its WebSocket.
func (s *session) poll(w http.ResponseWriter, r *http.Request, sent func(events, eventBytes, written int)) {
	if !s.enter(w, &s.polling, "two polls at once") {
		return
	}

	batch, err := s.await(r.Context())
	// The poll is over before its answer is written: the client may send
	// the next one the moment it has read this one, before this handler
	// returns. An upgrade waits for the answer too.
	s.mu.Lock()
	s.polling = false
	s.answering++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.answering--
		s.notifyLocked() // an upgrade may be waiting for this answer
		s.mu.Unlock()
	}()
	if err != nil {
		s.close(err)
		return
	}
	body, events, eventBytes := appendPayload(nil, batch)
	err = s.write(func() error {
		// A client that stops reading must not hold this handler beyond
		// its session: the write fails after the timeout instead.
		rc := http.NewResponseController(w)
		if err := rc.SetWriteDeadline(time.Now().Add(s.h.opts.WriteTimeout)); err != nil {
			return err
		}
		if err := writePlain(w, http.StatusOK, body); err != nil {
			return err
		}
		return rc.Flush()
	})
	if err != nil {
		s.close(err) // what was taken is lost: the client resumes from its last seq
		return
	}
	sent(events, eventBytes, len(body))
}

// appendPayload appends a poll's answer: the packets of batch, joined by
// separators. It returns the events in it and their JSON bytes, for the meter.
func appendPayload(b []byte, batch []packet) (_ []byte, events, eventBytes int) {
	for i, p := range batch {
		if i > 0 {
			b = append(b, separator)
		}
		var e, eb int
		b, e, eb = appendPacket(b, p)
		events, eventBytes = events+e, eventBytes+eb
	}
	return b, events, eventBytes
}

// await takes the packets a poll answers with, waiting for some when there
// are none. A closed session answers with a close packet (a noop when the
// client closed it); one that is upgrading, or has upgraded, with a noop.
// It returns an error when the client goes away first.
func (s *session) await(ctx context.Context) ([]packet, error) {
	for {
		s.mu.Lock()
		if s.closed {
			err := s.err
			s.mu.Unlock()
			if errors.Is(err, errClientClosed) {
				return []packet{{text: string(eioNoop)}}, nil
			}
			return []packet{{text: string(eioClose)}}, nil
		}
		if batch := s.takeLocked(nil, polling.MaxPollEvents); len(batch) > 0 {
			s.mu.Unlock()
			return batch, nil
		}
		if s.upgrading || s.transport != transportPolling {
			s.mu.Unlock()
			return []packet{{text: string(eioNoop)}}, nil
		}
		changed, ready := s.waitLocked()
		s.mu.Unlock()
		if s.h.opts.pollWaits != nil {
			s.h.opts.pollWaits()
		}

		select {
		case <-changed:
		case <-ready: // the next round takes them
		case <-ctx.Done():
			return nil, errPollGone
		}
	}
}

// post reads a POST of the polling transport: the client's packets, joined
// by separators, acted on in order. A malformed packet, an oversized body
// or a second POST while one is read closes the session with a 400 (413).
func (s *session) post(w http.ResponseWriter, r *http.Request, sent func(events, eventBytes, written int)) {
	if !s.enter(w, &s.posting, "two POSTs at once") {
		return
	}
	err := s.readPost(w, r)
	// As with a poll: the client may send the next POST as soon as it has
	// read the answer to this one.
	s.mu.Lock()
	s.posting = false
	s.mu.Unlock()
	var tooLarge *http.MaxBytesError
	switch {
	case err == nil:
	case errors.As(err, &tooLarge):
		fail(w, errTooLarge)
		s.close(errTooLarge)
		return
	case errors.Is(err, errClientClosed):
		s.close(err)
	case errors.Is(err, errBodyGone):
		s.close(err)
		return
	default:
		fail(w, errBadRequest)
		s.close(err)
		return
	}
	ok := []byte("ok")
	writePlain(w, http.StatusOK, ok)
	sent(0, 0, len(ok))
}

// errBodyGone: the client went away while its POST was read.
var errBodyGone = errors.New("the client went away during a POST")

// readPost reads a POST's body and acts on its packets, in order.
func (s *session) readPost(w http.ResponseWriter, r *http.Request) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, int64(s.h.opts.MaxPayload)))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return err
	case err != nil:
		return fmt.Errorf("%w: %w", errBodyGone, err)
	}
	return s.receivePayload(body, r)
}

// receivePayload acts on the packets of a polling body, in order.
func (s *session) receivePayload(body []byte, r *http.Request) error {
	packets, err := splitPayload(body)
	if err != nil {
		return err
	}
	for _, p := range packets {
		typ, data, err := parsePacket(p)
		if err != nil {
			return err
		}
		if err := s.receive(typ, data, func() *http.Request { return r }); err != nil {
			return err
		}
	}
	return nil
}

// writePlain answers with body as text, never cached.
func writePlain(w http.ResponseWriter, status int, body []byte) error {
	w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, err := w.Write(body)
	return err
}

// enter marks a request of the polling transport under way in *busy (a
// poll, or a POST), or answers why it may not be: the session is gone,
// it has moved to its WebSocket, or one such request is already under
// way, which breaks the protocol and closes the session (why says so).
func (s *session) enter(w http.ResponseWriter, busy *bool, why string) bool {
	s.mu.Lock()
	switch {
	case s.closed:
		s.mu.Unlock()
		fail(w, errUnknownSession)
		return false
	case s.transport != transportPolling:
		s.mu.Unlock()
		fail(w, errBadRequest)
		return false
	case *busy:
		s.mu.Unlock()
		fail(w, errBadRequest)
		s.close(errors.New(why))
		return false
	}
	*busy = true
	s.mu.Unlock()
	return true
}
