// Package mapfile reads a whole file into one string, mapping a large
// file into memory instead of copying it. It is for elt's cache files in
// the target directory, which are read once per invocation and replaced
// by rename (never rewritten in place), so a mapping always holds the
// file as it was when opened.
package mapfile

import (
	"io"
	"os"
	"strings"
)

// mapAtLeast is the size from which a file is mapped: copying a file
// into fresh memory costs the page faults of that memory (on a virtual
// machine about 5 ms a megabyte), mapping it costs the page cache's. Below
// it the file is read, so that the many small caches of tests do not each
// keep a mapping.
const mapAtLeast = 1 << 20

// ReadString returns the contents of the named file as one string. A
// large file is mapped read-only and never unmapped: the string and every
// part of it stay valid for the life of the process.
func ReadString(name string) (string, error) {
	fh, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		return "", err
	}
	if fi.Mode().IsRegular() && fi.Size() >= mapAtLeast {
		if s, ok := mapString(fh, fi.Size()); ok {
			return s, nil
		}
	}
	var b strings.Builder
	b.Grow(int(fi.Size()) + 1)
	if _, err := io.Copy(&b, fh); err != nil {
		return "", err
	}
	return b.String(), nil
}
