//go:build unix

package mapfile

import (
	"os"
	"syscall"
	"unsafe"
)

// mapString maps size bytes of fh read-only; ok is false when the system
// refuses (the caller reads the file instead).
func mapString(fh *os.File, size int64) (string, bool) {
	if int64(int(size)) != size {
		return "", false
	}
	data, err := syscall.Mmap(int(fh.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil || len(data) == 0 {
		return "", false
	}
	return unsafe.String(&data[0], len(data)), true
}
