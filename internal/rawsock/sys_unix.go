//go:build unix

package rawsock

import (
	"syscall"
	"unsafe"
)

// raw: a socket here is a descriptor the runtime keeps non-blocking.
const raw = true

// The funcs below are what a RawConn calls with the socket's descriptor:
// true when the call is over, false to have the runtime's poller wait
// until the socket is ready again, then call once more. None is a call
// that blocks: each ends on EAGAIN.

// readRaw reads once into x.p; EAGAIN waits.
func (x *call) readRaw(fd uintptr) bool {
	for {
		n, errno := sysRead(fd, x.p)
		switch errno {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		x.n, x.errno = n, errno
		return true
	}
}

// writeAllRaw writes x.p until all of it is written; EAGAIN waits.
func (x *call) writeAllRaw(fd uintptr) bool {
	for x.n < len(x.p) {
		n, errno := sysWrite(fd, x.p[x.n:])
		switch errno {
		case 0:
			if n == 0 {
				return true // nothing written and no error: Write says so
			}
			x.n += n
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false
		default:
			x.errno = errno
			return true
		}
	}
	return true
}

// writeOnceRaw writes what the socket takes of x.p, once; EAGAIN is the
// answer, not a wait.
func (x *call) writeOnceRaw(fd uintptr) bool {
	for {
		n, errno := sysWrite(fd, x.p)
		if errno == syscall.EINTR {
			continue
		}
		x.n, x.errno = n, errno
		return true
	}
}

func sysRead(fd uintptr, p []byte) (int, syscall.Errno) {
	n, _, errno := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
	return int(n), errno
}

func sysWrite(fd uintptr, p []byte) (int, syscall.Errno) {
	n, _, errno := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
	return int(n), errno
}
