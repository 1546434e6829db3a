package project

import (
	"fmt"
	"time"
)

// FileStamp is a string that changes whenever the file at path does, from
// the stat FileCache trusts (size, modification and change time, inode
// and device where the system gives them): what another cache may key a
// file's derived data on without reading it. ok is false when the file
// changed within racyMargin of now, too recently for its stat to vouch
// for its contents, or cannot be stat'ed.
func FileStamp(path string) (stamp string, ok bool) {
	st, err := statFile(path)
	if err != nil || st.mtime >= time.Now().UnixNano()-int64(racyMargin) {
		return "", false
	}
	return fmt.Sprintf("%s\x00%d.%d.%d.%d.%d", path, st.size, st.mtime, st.ctime, st.ino, st.dev), true
}
