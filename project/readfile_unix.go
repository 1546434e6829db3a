//go:build unix

package project

import (
	"os"
	"syscall"
)

// readWhole reads a file with plain system calls: open, read until EOF,
// close. os.ReadFile also stats the file and registers it with the runtime
// poller, which doubles the cost for the many small files of a large
// project. scratch is the caller's reusable buffer; the result is a copy.
func readWhole(path string, scratch *[]byte) ([]byte, error) {
	var fd int
	var err error
	for {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	buf := *scratch
	if len(buf) == 0 {
		buf = make([]byte, 64<<10)
	}
	total := 0
	for {
		if total == len(buf) {
			buf = append(buf, make([]byte, len(buf))...)
		}
		n, err := syscall.Read(fd, buf[total:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			*scratch = buf
			return nil, &os.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			break
		}
		total += n
	}
	*scratch = buf
	out := make([]byte, total)
	copy(out, buf[:total])
	return out, nil
}
