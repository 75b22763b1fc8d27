//go:build !race

package pagekey

import "testing"

// Every request that carries a key has it checked: the check allocates
// nothing. (The race detector drops what a sync.Pool keeps, at random:
// the test holds without it.)
func TestValidAllocatesNothing(t *testing.T) {
	k := New()
	key, _ := k.Mint()
	if n := testing.AllocsPerRun(100, func() { k.Valid(key) }); n != 0 {
		t.Errorf("Valid allocates %v times, want 0", n)
	}
}
