// Package pagekey mints the keys that pages use as ?client= and derives the
// public names that other pages see instead.
//
// A page's key says who may steer it: whoever holds it sets the page's
// network, stalls it, drops its connections. So a key is secret to its page
// and never shown to another: the feed and the dashboard name a page by
// its public name, derived from the key by a keyed hash that no page can
// invert. A name is words with spaces ("quiet otter 17"), which no key
// has, so a name passed where a key is expected is refused, never taken
// for one.
//
// A key is 16 random bytes followed by an 8-byte tag, an HMAC of them with
// a secret of this run: the server can tell a key it minted from one made
// up (Valid) without remembering either. base64url without padding makes
// it 32 characters of the id alphabet [A-Za-z0-9_-].
//
// Read Keys first; words.go holds the word lists.
package pagekey

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"hash"
	"strconv"
	"sync"
)

// Sizes of a key, in bytes before encoding and in characters after.
const (
	randomSize = 16 // 128 bits: not guessed, not repeated
	tagSize    = 8  // 64 bits: a made-up key passes once in 2^64 tries
	// KeyLen is the length of every key Mint returns.
	KeyLen = (randomSize + tagSize) * 4 / 3
	// MaxNameLen is the length of the longest name: two words of at most
	// eight letters and a number below 100. The page's header keeps its
	// one line with the longest.
	MaxNameLen = 8 + 1 + 8 + 1 + 2
)

// Labels keep the two uses of the secret apart: a tag is never a name's
// hash, nor the other way round.
var (
	tagLabel  = []byte("transportlab page key tag\x00")
	nameLabel = []byte("transportlab page name\x00")
)

// Keys mints and checks the keys of one run of the server, and names them.
// Its secret lives only in memory: a restart makes new keys and new names,
// as it makes a new feed. A Keys is safe for concurrent use.
type Keys struct {
	secret []byte
	macs   sync.Pool // of *macer keyed with secret: one a call, kept for the next
}

// New returns Keys with a fresh secret from crypto/rand: the keys of an
// earlier run are not Valid in this one.
func New() *Keys {
	secret := make([]byte, 32)
	rand.Read(secret) // never fails: it crashes the program rather than return weak bytes
	return &Keys{secret: secret}
}

// WithSecret returns Keys for a given secret, so that a test knows the
// names its keys get. A server uses New.
func WithSecret(secret []byte) *Keys {
	return &Keys{secret: append([]byte(nil), secret...)}
}

// Mint returns a new page's key and its public name.
func (k *Keys) Mint() (key, name string) {
	random := make([]byte, randomSize)
	rand.Read(random)
	key = k.key(random)
	return key, k.Name(key)
}

// key is the key of random: the bytes, their tag, in base64url.
func (k *Keys) key(random []byte) string {
	b := append(random[:randomSize:randomSize], k.tag(random)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Valid reports whether key is one that these Keys minted. The tag is
// compared in constant time, so that timing tells nothing of the right one.
func (k *Keys) Valid(key string) bool {
	if len(key) != KeyLen {
		return false
	}
	m := k.macer()
	defer k.macs.Put(m)
	b, err := base64.RawURLEncoding.AppendDecode(m.scratch[:0], []byte(key))
	if err != nil || len(b) != randomSize+tagSize {
		return false
	}
	tag := m.sum(b[len(b):], tagLabel, b[:randomSize]) // after b, in scratch
	return hmac.Equal(b[randomSize:], tag[:tagSize])
}

// Name is the public name of the page whose ?client= is id: an adjective,
// an animal and a number from 0 to 99, such as "quiet otter 17". The same
// id always has the same name in a run; a name tells nothing of its id.
// Any id has one, minted or not: a name never depends on whether the
// server takes the id (Valid), and never shows it. No id, no name: "" for
// "".
//
// There are 64 × 64 × 100 names: two pages of a class of 30 share one
// about once in 900 classes.
func (k *Keys) Name(id string) string {
	if id == "" {
		return ""
	}
	h := k.mac(nameLabel, []byte(id))
	adjective := adjectives[h[0]%uint8(len(adjectives))]
	animal := animals[h[1]%uint8(len(animals))]
	number := binary.BigEndian.Uint32(h[2:6]) % 100
	return adjective + " " + animal + " " + strconv.Itoa(int(number))
}

// tag is the HMAC that makes random bytes a key of this run.
func (k *Keys) tag(random []byte) []byte {
	return k.mac(tagLabel, random)[:tagSize]
}

// mac is HMAC-SHA256 under the run's secret of label followed by data.
func (k *Keys) mac(label, data []byte) []byte {
	m := k.macer()
	defer k.macs.Put(m)
	return m.sum(nil, label, data)
}

// macer is an HMAC-SHA256 keyed with a run's secret, and room for what
// Valid decodes and sums. Every request that carries a key has it
// checked: Keys keeps its macers for the next call (macs), where a new
// HMAC would cost allocations and two hashes of the secret, and Valid
// works in scratch, which escapes to the heap once, with its macer,
// rather than at each call through the hash's interface.
type macer struct {
	h       hash.Hash
	scratch [randomSize + tagSize + sha256.Size]byte
}

// macer returns a macer of k's secret: one kept, or a new one.
func (k *Keys) macer() *macer {
	if m, ok := k.macs.Get().(*macer); ok {
		return m
	}
	return &macer{h: hmac.New(sha256.New, k.secret)}
}

// sum appends to b the HMAC of label followed by data.
func (m *macer) sum(b, label, data []byte) []byte {
	m.h.Reset()
	m.h.Write(label)
	m.h.Write(data)
	return m.h.Sum(b)
}
