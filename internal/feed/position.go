package feed

import (
	"fmt"
	"strconv"
	"strings"
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
