//go:build linux

package project

import (
	"os"
	"syscall"
)

// statFile is the stat that vouches for a file's contents in FileCache:
// its size, modification and change times and inode.
func statFile(path string) (fileStat, error) {
	var st syscall.Stat_t
	for {
		err := syscall.Stat(path, &st)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return fileStat{}, &os.PathError{Op: "stat", Path: path, Err: err}
		}
		break
	}
	return fileStat{
		size:  st.Size,
		mtime: st.Mtim.Nano(),
		ctime: st.Ctim.Nano(),
		ino:   st.Ino,
		dev:   uint64(st.Dev), //nolint:unconvert // Dev is not uint64 on every architecture
	}, nil
}
