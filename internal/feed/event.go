package feed

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Event is one item of the feed, as every client sees it.
//
// Seq and TS are stamped by the Hub when the event is published; a publisher
// leaves them zero. Fields a kind does not use are left out of the JSON.
type Event struct {
	Seq  uint64 `json:"seq"`
	TS   int64  `json:"ts"` // publish time, Unix microseconds
	Kind string `json:"kind"`

	// Kind "quote": a generated stock quote.
	Symbol string  `json:"symbol,omitempty"`
	Price  float64 `json:"price,omitempty"`

	// Kind "message": text a client sent upstream, and the transport it used.
	From string `json:"from,omitempty"`
	Text string `json:"text,omitempty"`
	Via  string `json:"via,omitempty"`
}

// The kinds of event the feed publishes. Clients ignore kinds they do not know.
const (
	KindQuote   = "quote"
	KindMessage = "message"
)

// Frame is a published event as it goes on the wire: its seq, and its JSON
// encoded once by the Hub. Every transport and every subscriber shares the
// same bytes, so JSON must never be modified.
type Frame struct {
	Seq  uint64
	JSON []byte
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
