//go:build !unix

package bench

import "errors"

// raiseFileLimit cannot raise the limit on open files here.
func raiseFileLimit() (before, after uint64, err error) {
	return 0, 0, errors.New("no file limit to raise on this system")
}
