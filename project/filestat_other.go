//go:build !linux

package project

import "os"

// statFile is the stat that vouches for a file's contents in FileCache:
// where the change time and inode are not at hand, its size and
// modification time (what dbt's partial parsing compares).
func statFile(path string) (fileStat, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStat{}, err
	}
	return fileStat{size: fi.Size(), mtime: fi.ModTime().UnixNano()}, nil
}
