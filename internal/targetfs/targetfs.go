// Package targetfs writes files beneath one directory (the project's target
// path) and nowhere else. It is built on os.Root, so neither ".." in a node
// or test name nor a symbolic link planted inside the directory can carry a
// write outside it: the operating system refuses the escape, not a string
// check that a new caller could forget.
package targetfs

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Dir is an open target directory. Names passed to its methods are
// slash-separated and relative to it.
type Dir struct {
	path string
	root *os.Root
}

// Open creates dir when it is missing and opens it for confined writes.
func Open(dir string) (*Dir, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("targetfs: create %s: %w", dir, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("targetfs: open %s: %w", dir, err)
	}
	return &Dir{path: dir, root: root}, nil
}

// Path is the directory as it was opened.
func (d *Dir) Path() string { return d.path }

// Close releases the directory handle.
func (d *Dir) Close() error { return d.root.Close() }

// ErrOutside is returned for a name that would leave the directory.
var ErrOutside = errors.New("path leaves the target directory")

// clean checks name before the operating system does, so the error names
// the offending path plainly; os.Root is the guarantee, this the message.
func clean(name string) (string, error) {
	c := path.Clean(name)
	if name == "" || path.IsAbs(name) || filepath.IsAbs(name) || c == ".." || strings.HasPrefix(c, "../") || strings.ContainsRune(name, 0) {
		return "", fmt.Errorf("targetfs: %q: %w", name, ErrOutside)
	}
	return c, nil
}

// WriteFile writes data to name, creating its parent directories.
func (d *Dir) WriteFile(name string, data []byte) error {
	return d.WriteAtomic(name, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteAtomic writes through write into a temporary file beside name and
// renames it over name, so readers see the old file or the new one.
func (d *Dir) WriteAtomic(name string, write func(io.Writer) error) (err error) {
	name, err = clean(name)
	if err != nil {
		return err
	}
	if dir := path.Dir(name); dir != "." {
		if err := d.root.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("targetfs: %s: %w", name, err)
		}
	}
	var suffix [6]byte
	_, _ = rand.Read(suffix[:])
	tmpName := path.Join(path.Dir(name), "."+path.Base(name)+"."+hex.EncodeToString(suffix[:])+".tmp")
	f, err := d.root.OpenFile(tmpName, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("targetfs: %s: %w", name, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			_ = d.root.Remove(tmpName)
		}
	}()
	w := bufio.NewWriterSize(f, 1<<16)
	if err := write(w); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := d.root.Rename(tmpName, name); err != nil {
		return fmt.Errorf("targetfs: %s: %w", name, err)
	}
	return nil
}
