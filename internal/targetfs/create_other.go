//go:build !linux

package targetfs

import (
	"errors"
	"os"
)

var errUnsupported = errors.New("targetfs: no descriptor-relative create here")

// createIn is Linux's fast path; elsewhere files are created through os.Root.
func createIn(dir *os.File, base string, data []byte) (Stamp, error) {
	return Stamp{}, errUnsupported
}
