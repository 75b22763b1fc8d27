package class

// SetMaxAddrs bounds a's table of guessing addresses at n, so that a test
// can fill it.
func SetMaxAddrs(a *Auth, n int) { a.maxAddrs = n }
