package pagekey

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// keyPattern is the server's pattern for ?client=: every key must pass it.
var keyPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// namePattern is what a public name looks like.
var namePattern = regexp.MustCompile(`^[a-z]+ [a-z]+ ([0-9]|[1-9][0-9])$`)

func TestMintShapes(t *testing.T) {
	k := New()
	key, name := k.Mint()
	if len(key) != KeyLen || KeyLen != 32 {
		t.Errorf("key %q has %d characters, want %d = 32", key, len(key), KeyLen)
	}
	if !keyPattern.MatchString(key) {
		t.Errorf("key %q does not match the client pattern %v", key, keyPattern)
	}
	if !namePattern.MatchString(name) {
		t.Errorf("name %q, want an adjective, an animal and 0 to 99", name)
	}
	if keyPattern.MatchString(name) {
		t.Errorf("name %q matches the client pattern: it could be taken for a key", name)
	}
	if got := k.Name(key); got != name {
		t.Errorf("Name(key) = %q, want the minted name %q", got, name)
	}
	if !k.Valid(key) {
		t.Errorf("Valid(%q) = false for a minted key", key)
	}
}

func TestMintsDiffer(t *testing.T) {
	k := New()
	seen := make(map[string]bool)
	for range 1000 {
		key, _ := k.Mint()
		if seen[key] {
			t.Fatalf("key %q minted twice", key)
		}
		seen[key] = true
	}
}

// A key of another run, a made-up id, a key with one character changed:
// none is valid.
func TestValidRefusesWhatWasNotMinted(t *testing.T) {
	k := New()
	key, _ := k.Mint()
	other, _ := New().Mint()
	flipped := []byte(key)
	flipped[len(flipped)-1] ^= 1 // 'A'↔'B' and the like: still the alphabet, another tag
	tests := map[string]string{
		"empty":             "",
		"made-up id":        "k3x9a2bq",
		"another run's key": other,
		"a changed tag":     string(flipped),
		"a changed random":  "A" + key[1:],
		"one too short":     key[:len(key)-1],
		"one too long":      key + "A",
		"standard base64":   strings.NewReplacer("-", "+", "_", "/").Replace(key) + "+",
		"with padding":      key[:len(key)-2] + "==",
		"the name":          k.Name(key),
	}
	for name, s := range tests {
		if s == key {
			continue // a replacement that changed nothing
		}
		if k.Valid(s) {
			t.Errorf("%s: Valid(%q) = true, want false", name, s)
		}
	}
}

func TestNameIsStablePerRunAndSecret(t *testing.T) {
	a, b := WithSecret([]byte("one")), WithSecret([]byte("one"))
	if got, want := a.Name("k3x9a2bq"), b.Name("k3x9a2bq"); got != want {
		t.Errorf("same secret, same id: %q and %q", got, want)
	}
	if got := a.Name("k3x9a2bq"); !namePattern.MatchString(got) {
		t.Errorf("Name of a made-up id = %q, want a name", got)
	}
	if got := a.Name(""); got != "" {
		t.Errorf(`Name("") = %q, want ""`, got)
	}
	// Over many ids, the secret changes most names: they come from it.
	c := WithSecret([]byte("two"))
	same := 0
	for i := range 100 {
		id := "id" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		if a.Name(id) == c.Name(id) {
			same++
		}
	}
	if same > 2 {
		t.Errorf("%d of 100 ids have the same name under two secrets, want about none", same)
	}
}

// Every word is used: over enough ids, each adjective and animal turns up,
// and every number from 0 to 99.
func TestNamesUseEveryWord(t *testing.T) {
	k := WithSecret([]byte("words"))
	seen := make(map[string]bool)
	for range 20000 {
		_, name := k.Mint()
		for _, w := range strings.Fields(name) {
			seen[w] = true
		}
	}
	for _, list := range [][64]string{adjectives, animals} {
		for _, w := range list {
			if !seen[w] {
				t.Errorf("%q never appears in 20000 names", w)
			}
		}
	}
	for n := range 100 {
		if w := strconv.Itoa(n); !seen[w] {
			t.Errorf("number %s never appears in 20000 names", w)
		}
	}
}

func TestWordLists(t *testing.T) {
	seen := make(map[string]bool)
	for _, list := range [][64]string{adjectives, animals} {
		for _, w := range list {
			if !regexp.MustCompile(`^[a-z]{2,8}$`).MatchString(w) {
				t.Errorf("word %q: want 2 to 8 lowercase letters, for names of at most MaxNameLen", w)
			}
			if seen[w] {
				t.Errorf("word %q twice", w)
			}
			seen[w] = true
		}
	}
}

func TestNamesFitMaxNameLen(t *testing.T) {
	k := WithSecret([]byte("lengths"))
	for i := range 10000 {
		if n := k.Name(strconv.Itoa(i)); len(n) > MaxNameLen {
			t.Fatalf("name %q has %d characters, want at most MaxNameLen = %d", n, len(n), MaxNameLen)
		}
	}
}

// FuzzKey feeds Valid and Name anything: neither panics, only minted keys
// are valid, and every name has a space, so it is never a key.
func FuzzKey(f *testing.F) {
	// The fuzzer runs this in several processes: the minted keys must be
	// the same in each, so they come from fixed bytes, not Mint's random.
	k := WithSecret([]byte("fuzz"))
	minted := make(map[string]bool)
	for i := range 4 {
		key := k.key([]byte(strings.Repeat(string(rune('a'+i)), randomSize)))
		minted[key] = true
		f.Add(key)
	}
	f.Add("")
	f.Add("k3x9a2bq")
	f.Add("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("quiet otter 17")
	f.Add("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==")
	f.Fuzz(func(t *testing.T, s string) {
		if k.Valid(s) && !minted[s] {
			t.Errorf("Valid(%q) = true for a key that was not minted", s)
		}
		name := k.Name(s)
		if s != "" && !namePattern.MatchString(name) {
			t.Errorf("Name(%q) = %q, want a name", s, name)
		}
		if keyPattern.MatchString(name) || k.Valid(name) {
			t.Errorf("Name(%q) = %q could be taken for a key", s, name)
		}
	})
}
