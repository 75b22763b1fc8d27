package feed

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxEpochLen bounds the epoch a client may send back; the hub's own are 16.
const maxEpochLen = 64

// ParsePosition reads a client's resume point from its text form, as every
// transport receives it: since is a seq ("" for a new client), epoch the run
// it belongs to ("" for this one). Malformed values are an error that names
// the field, never a guess.
func ParsePosition(since, epoch string) (Position, error) {
	var p Position
	if len(epoch) > maxEpochLen || strings.IndexFunc(epoch, notHex) >= 0 {
		return p, fmt.Errorf("epoch must be at most %d hex digits", maxEpochLen)
	}
	p.Epoch = epoch
	if since == "" {
		return p, nil
	}
	n, err := strconv.ParseUint(since, 10, 64)
	if err != nil {
		return p, fmt.Errorf("since must be a seq, a whole number >= 0: %q", since)
	}
	p.Resume, p.Since = true, n
	return p, nil
}

func notHex(r rune) bool {
	return !('0' <= r && r <= '9' || 'a' <= r && r <= 'f')
}

// MaxTextLen bounds a client message, in characters.
const MaxTextLen = 280

// Message builds the event for text a client sent upstream over transport
// via. It rejects text that is empty, too long or not UTF-8, so a bad
// message changes nothing.
func Message(from, text, via string) (Event, error) {
	switch {
	case !utf8.ValidString(text):
		return Event{}, errors.New("text must be UTF-8")
	case strings.TrimSpace(text) == "":
		return Event{}, errors.New("text must not be empty")
	case utf8.RuneCountInString(text) > MaxTextLen:
		return Event{}, fmt.Errorf("text must be at most %d characters", MaxTextLen)
	}
	return Event{Kind: KindMessage, From: from, Text: text, Via: via}, nil
}
