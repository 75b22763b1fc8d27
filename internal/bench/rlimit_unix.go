//go:build unix

package bench

import "syscall"

// raiseFileLimit raises this process's soft limit on open files to its
// hard limit: every client holds a socket, and 10,000 of them need more
// than the usual soft limit of 1024. It returns the limit before and after.
func raiseFileLimit() (before, after uint64, err error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, 0, err
	}
	before = uint64(lim.Cur)
	if lim.Cur >= lim.Max {
		return before, before, nil
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return before, before, err
	}
	return before, uint64(lim.Cur), nil
}
