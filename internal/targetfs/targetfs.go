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
	"sync"
)

// Dir is an open target directory. Names passed to its methods are
// slash-separated and relative to it.
type Dir struct {
	path string
	root *os.Root
	// subdirs are the directories WriteIfChanged has opened, by name,
	// each an os.Root of its own: a file in one is then opened with one
	// system call instead of one per path component.
	mu      sync.Mutex
	subdirs map[string]*os.Root
	// dirFDs hold each subdirectory open as a file, for creating files
	// in it by descriptor where the platform allows (create_linux.go).
	dirFDs map[string]*os.File
	// created are the subdirectories this Dir created: a file in one of
	// them is new, and is created without first looking for it.
	created map[string]bool
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

// Close releases the directory handles.
func (d *Dir) Close() error {
	d.mu.Lock()
	for _, r := range d.subdirs {
		_ = r.Close()
	}
	for _, f := range d.dirFDs {
		_ = f.Close()
	}
	d.subdirs, d.dirFDs = nil, nil
	d.mu.Unlock()
	return d.root.Close()
}

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

// ReadFile reads name, a file an earlier invocation wrote (a cache's
// index, the manifest it indexes), confined as writes are.
func (d *Dir) ReadFile(name string) ([]byte, error) {
	c, err := clean(name)
	if err != nil {
		return nil, err
	}
	b, err := d.root.ReadFile(c)
	if err != nil {
		return nil, fmt.Errorf("targetfs: read %s: %w", c, err)
	}
	return b, nil
}

// Open opens name for reading, confined as writes are.
func (d *Dir) Open(name string) (*os.File, error) {
	c, err := clean(name)
	if err != nil {
		return nil, err
	}
	f, err := d.root.Open(c)
	if err != nil {
		return nil, fmt.Errorf("targetfs: open %s: %w", c, err)
	}
	return f, nil
}

// WriteFile writes data to name, creating its parent directories.
func (d *Dir) WriteFile(name string, data []byte) error {
	return d.WriteAtomic(name, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteAtomic writes through write into a temporary file beside name and
// renames it over name, so readers see the old file or the new one. The
// writer is also a RangeCopier.
func (d *Dir) WriteAtomic(name string, write func(io.Writer) error) error {
	_, err := d.WriteAtomicInfo(name, write)
	return err
}

// RangeCopier is what the writer of WriteAtomic also does: copy n bytes
// of src from offset off into the file being written, after what was
// written so far. Where the system can (copy_file_range on Linux), the
// bytes are copied by the kernel and never pass through elt.
type RangeCopier interface {
	CopyRange(src *os.File, off, n int64) error
}

// fileWriter is WriteAtomic's writer: buffered writes, and ranges of
// other files copied into the file.
type fileWriter struct {
	*bufio.Writer
	f *os.File
}

// writeThrough writes into f, from its offset, through write and a
// buffered fileWriter, flushed.
func writeThrough(f *os.File, write func(io.Writer) error) error {
	w := fileWriter{bufio.NewWriterSize(f, 1<<16), f}
	if err := write(w); err != nil {
		return err
	}
	return w.Flush()
}

func (w fileWriter) CopyRange(src *os.File, off, n int64) error {
	if err := w.Flush(); err != nil {
		return err
	}
	// The copy reads src from its offset: set here, and only the one
	// writer copies from src at a time.
	if _, err := src.Seek(off, io.SeekStart); err != nil {
		return err
	}
	// os.File.ReadFrom copies a LimitedReader of a file in the kernel
	// where it can, and by reading and writing elsewhere.
	got, err := w.f.ReadFrom(io.LimitReader(src, n))
	if err == nil && got != n {
		err = fmt.Errorf("copy %d bytes at %d of %s: %w", n, off, src.Name(), io.ErrUnexpectedEOF)
	}
	return err
}

// WriteAtomicInfo is WriteAtomic, returning what the file written is as
// it was renamed into place (its size and modification time).
func (d *Dir) WriteAtomicInfo(name string, write func(io.Writer) error) (info os.FileInfo, err error) {
	name, err = clean(name)
	if err != nil {
		return nil, err
	}
	if dir := path.Dir(name); dir != "." {
		if err := d.root.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("targetfs: %s: %w", name, err)
		}
	}
	var suffix [6]byte
	_, _ = rand.Read(suffix[:])
	tmpName := path.Join(path.Dir(name), "."+path.Base(name)+"."+hex.EncodeToString(suffix[:])+".tmp")
	f, err := d.root.OpenFile(tmpName, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("targetfs: %s: %w", name, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			_ = d.root.Remove(tmpName)
		}
	}()
	if err := writeThrough(f, write); err != nil {
		return nil, err
	}
	// Its last write is done: the modification time is final.
	if info, err = f.Stat(); err != nil {
		return nil, err
	}
	// Not synced before the rename: everything written here (artifacts,
	// caches) is derived again by the next invocation, and a reader sees
	// the old file or the new one either way; only a power loss may leave
	// a short file, which the caches detect and the next command rewrites.
	// dbt does not sync its artifacts either. A sync cost a disk flush per
	// artifact on every compile.
	if err := f.Close(); err != nil {
		return nil, err
	}
	if err := d.root.Rename(tmpName, name); err != nil {
		return nil, fmt.Errorf("targetfs: %s: %w", name, err)
	}
	return info, nil
}

// subdir returns the directory name (created when missing) opened as a
// root of its own, confined as d is.
func (d *Dir) subdir(name string) (*os.Root, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if r, ok := d.subdirs[name]; ok {
		return r, nil
	}
	_, statErr := d.root.Lstat(name)
	if err := d.root.MkdirAll(name, 0o755); err != nil {
		return nil, err
	}
	r, err := d.root.OpenRoot(name)
	if err != nil {
		return nil, err
	}
	if d.subdirs == nil {
		d.subdirs = map[string]*os.Root{}
		d.dirFDs = map[string]*os.File{}
		d.created = map[string]bool{}
	}
	d.subdirs[name] = r
	if f, err := r.Open("."); err == nil {
		d.dirFDs[name] = f
	}
	d.created[name] = errors.Is(statErr, os.ErrNotExist)
	return r, nil
}

// dirFD returns subdirectory name opened as a file, or nil.
func (d *Dir) dirFD(name string) *os.File {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.dirFDs[name]
}

// isCreated reports whether subdir name was created by d.
func (d *Dir) isCreated(name string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.created[name]
}

// Stamp is what a file's metadata says about its contents: its size and
// modification time (nanoseconds). The zero Stamp matches no file.
type Stamp struct{ Size, ModTime int64 }

func stampOf(fi os.FileInfo) Stamp {
	return Stamp{Size: fi.Size(), ModTime: fi.ModTime().UnixNano()}
}

// WriteIfChanged writes data to name unless name already holds exactly
// data, and reports whether it wrote. It is for files that are derived
// again on every invocation (target/compiled, target/run): a file whose
// size differs is rewritten without being read, one of the same size is
// read and compared first. The write is in place (over the old bytes, the
// rest cut after) and not synced, as dbt's are: an interrupted write
// leaves a file the next invocation rewrites. It is safe for concurrent
// use.
func (d *Dir) WriteIfChanged(name string, data []byte) (bool, error) {
	_, wrote, err := d.WriteIfStale(name, data, Stamp{})
	return wrote, err
}

// WriteIfStale is WriteIfChanged for a caller that remembers the Stamp
// the file had when it last held data: a file whose Stamp is still prev
// is taken to hold data without being read. It returns the file's Stamp
// once it holds data.
func (d *Dir) WriteIfStale(name string, data []byte, prev Stamp) (Stamp, bool, error) {
	name, err := clean(name)
	if err != nil {
		return Stamp{}, false, err
	}
	dir, base := path.Split(name)
	root := d.root
	if dir = strings.TrimSuffix(dir, "/"); dir != "" {
		if root, err = d.subdir(dir); err != nil {
			return Stamp{}, false, fmt.Errorf("targetfs: %s: %w", name, err)
		}
	}
	if prev != (Stamp{}) && prev.Size == int64(len(data)) {
		if fi, err := root.Lstat(base); err == nil && fi.Mode().IsRegular() && stampOf(fi) == prev {
			return prev, false, nil
		}
	}
	// In a directory this Dir created (a cold compile) the file is new:
	// create it exclusively instead of looking for it first; should it
	// exist after all, it is compared as anywhere else.
	var f *os.File
	if dir != "" && d.isCreated(dir) {
		if df := d.dirFD(dir); df != nil {
			st, err := createIn(df, base, data)
			if err == nil {
				return st, true, nil
			}
			if !errors.Is(err, os.ErrExist) && !errors.Is(err, errUnsupported) {
				return Stamp{}, false, fmt.Errorf("targetfs: %s: %w", name, err)
			}
		}
		f, err = root.OpenFile(base, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil && !errors.Is(err, os.ErrExist) {
			return Stamp{}, false, fmt.Errorf("targetfs: %s: %w", name, err)
		}
	}
	if f == nil {
		if st, same, err := holds(root, base, data); err != nil {
			return Stamp{}, false, fmt.Errorf("targetfs: %s: %w", name, err)
		} else if same {
			return st, false, nil
		}
		// Not O_TRUNC: ext4 (auto_da_alloc) writes out a file that was
		// truncated to nothing and written again when it is closed, so
		// each rewrite waited for the disk. Rewriting 20,000 files of
		// 400 bytes took 0.35 s in place against 0.94-2.47 s truncated
		// first; the tail of a longer file is cut once the bytes are in.
		if f, err = root.OpenFile(base, os.O_WRONLY|os.O_CREATE, 0o644); err != nil {
			return Stamp{}, false, fmt.Errorf("targetfs: %s: %w", name, err)
		}
	}
	_, err = f.WriteAt(data, 0)
	var st Stamp
	if err == nil {
		var fi os.FileInfo
		if fi, err = f.Stat(); err == nil && fi.Size() > int64(len(data)) {
			if err = f.Truncate(int64(len(data))); err == nil {
				fi, err = f.Stat()
			}
		}
		if err == nil {
			st = stampOf(fi)
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Stamp{}, false, fmt.Errorf("targetfs: %s: %w", name, err)
	}
	return st, true, nil
}

// holds reports whether the regular file name in root holds exactly data,
// and its Stamp when it does; a missing file does not.
func holds(root *os.Root, name string, data []byte) (Stamp, bool, error) {
	f, err := root.Open(name)
	if errors.Is(err, os.ErrNotExist) {
		return Stamp{}, false, nil
	}
	if err != nil {
		return Stamp{}, false, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Stamp{}, false, err
	}
	if !fi.Mode().IsRegular() || fi.Size() != int64(len(data)) {
		return Stamp{}, false, nil
	}
	buf := make([]byte, len(data)+1) // one byte more: a file that grew since Stat differs
	n, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return Stamp{}, false, err
	}
	if n != len(data) || string(buf[:n]) != string(data) {
		return Stamp{}, false, nil
	}
	return stampOf(fi), true, nil
}

// OpenAppend opens name for appending (a log file), creating it and its
// parent directories when missing; the caller closes it.
func (d *Dir) OpenAppend(name string) (*os.File, error) {
	c, err := clean(name)
	if err != nil {
		return nil, err
	}
	if dir := path.Dir(c); dir != "." {
		if err := d.root.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("targetfs: create %s: %w", dir, err)
		}
	}
	f, err := d.root.OpenFile(c, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("targetfs: open %s: %w", c, err)
	}
	return f, nil
}
