//go:build linux

package targetfs

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

func (d *Dir) writeSwap(name, spare string, write func(io.Writer) error) (os.FileInfo, error) {
	dir, err := d.root.Open(".")
	if err != nil {
		return nil, errNoSwap
	}
	defer dir.Close()
	dirfd := int(dir.Fd())
	// Not a symbolic link, nor anything but a plain file of one link: the
	// spare is overwritten where it lies.
	fd, err := unix.Openat(dirfd, spare, unix.O_RDWR|unix.O_CREAT|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return nil, errNoSwap
	}
	f := os.NewFile(uintptr(fd), spare)
	defer f.Close() // unlocks it
	// Another process writing the spare, or reading it (HoldForReading),
	// holds a lock: this one writes a new file instead.
	if err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); err != nil {
		return nil, errNoSwap
	}
	var st, atPath, target unix.Stat_t
	if unix.Fstat(fd, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG || st.Nlink != 1 {
		return nil, errNoSwap
	}
	// The file locked must still be the spare: one opened before another
	// process exchanged it is that process's new file now.
	if unix.Fstatat(dirfd, spare, &atPath, unix.AT_SYMLINK_NOFOLLOW) != nil || atPath.Dev != st.Dev || atPath.Ino != st.Ino {
		return nil, errNoSwap
	}
	exists := unix.Fstatat(dirfd, name, &target, unix.AT_SYMLINK_NOFOLLOW) == nil
	if exists && target.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil, errNoSwap
	}
	info, err := writeSpare(f, write)
	if err != nil {
		return nil, fmt.Errorf("targetfs: %s: %w", name, err)
	}
	if exists && unix.Renameat2(dirfd, spare, dirfd, name, unix.RENAME_EXCHANGE) == nil {
		return info, nil
	}
	// The first write, or a system or file system that cannot exchange
	// two files (EINVAL, ENOSYS, or anything else: the spare holds the
	// whole new file either way): the spare replaces name, and the next
	// write makes another.
	if err := unix.Renameat(dirfd, spare, dirfd, name); err != nil {
		return nil, fmt.Errorf("targetfs: %s: %w", name, err)
	}
	return info, nil
}

func holdForReading(f *os.File) bool {
	return unix.Flock(int(f.Fd()), unix.LOCK_SH|unix.LOCK_NB) == nil
}
