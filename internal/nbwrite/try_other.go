//go:build !unix

package nbwrite

// canTry: elsewhere (Windows) a socket is not written without waiting;
// Of returns nil, and every write is the connection's own.
const canTry = false

// try is never called: Of makes no Socket.
func (s *Socket) try(fd uintptr) bool { panic("nbwrite: no non-blocking write on this system") }
