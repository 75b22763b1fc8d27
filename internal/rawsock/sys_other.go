//go:build !unix

package rawsock

// raw: elsewhere (Windows) a socket is read and written by net.Conn alone;
// Wrap makes no Conn, and every write waits.
const raw = false

// The funcs a Conn's RawConn would call are never made: Wrap makes no Conn.
func (x *call) readRaw(fd uintptr) bool      { panic("rawsock: no raw calls on this system") }
func (x *call) writeAllRaw(fd uintptr) bool  { panic("rawsock: no raw calls on this system") }
func (x *call) writeOnceRaw(fd uintptr) bool { panic("rawsock: no raw calls on this system") }
