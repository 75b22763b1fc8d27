package class

import "crypto/rand"

// NewToken returns a fresh instructor token: crypto/rand's Text, 26
// characters of base32 (A–Z, 2–7) carrying 130 random bits, more than
// anyone can guess, and safe in a URL as it is.
func NewToken() string {
	return rand.Text()
}
