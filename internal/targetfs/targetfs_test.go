package targetfs

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"
)

func TestWritesStayInside(t *testing.T) {
	base := t.TempDir()
	target := filepath.Join(base, "target")
	outside := filepath.Join(base, "victim")
	if err := os.MkdirAll(outside, 0o755); err != nil {
		t.Fatal(err)
	}
	d, err := Open(target)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()

	if err := d.WriteFile("compiled/demo/models/a.sql", []byte("select 1")); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(target, "compiled/demo/models/a.sql")); err != nil || string(b) != "select 1" {
		t.Fatalf("read back %q, %v", b, err)
	}

	// A symbolic link inside the target that points outside it.
	if err := os.Symlink(outside, filepath.Join(target, "link")); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{
		"../victim/notes.sql",
		"compiled/../../victim/notes.sql",
		"compiled/demo/" + "../../../../../../../../../../../../victim/notes.sql",
		"/victim/notes.sql",
		filepath.Join(outside, "notes.sql"),
		"link/notes.sql",
		"",
	} {
		err := d.WriteFile(name, []byte("owned"))
		if err == nil {
			t.Errorf("WriteFile(%q) succeeded; want a refusal", name)
		}
		if err != nil && name != "link/notes.sql" && !errors.Is(err, ErrOutside) {
			t.Errorf("WriteFile(%q) = %v; want ErrOutside", name, err)
		}
	}
	entries, _ := os.ReadDir(outside)
	if len(entries) != 0 {
		t.Errorf("files written outside the target: %v", entries)
	}
}

func TestWriteAtomicKeepsOldFileOnError(t *testing.T) {
	d, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.WriteFile("run_results.json", []byte("old")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err = d.WriteAtomic("run_results.json", func(w io.Writer) error {
		_, _ = w.Write([]byte("half"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	b, _ := os.ReadFile(filepath.Join(d.Path(), "run_results.json"))
	if string(b) != "old" {
		t.Errorf("file = %q after a failed write; want the old contents", b)
	}
	entries, _ := os.ReadDir(d.Path())
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestWriteIfChanged(t *testing.T) {
	d, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	file := filepath.Join(d.Path(), "compiled/demo/models/a.sql")
	steps := []struct {
		data  string
		wrote bool
	}{
		{"select 1", true},  // new file
		{"select 1", false}, // same bytes: left alone
		{"select 2", true},  // same size, other bytes
		{"select 10", true}, // other size
		{"select", true},    // shorter: the tail is cut
		{"select", false},
		{"", true}, // empty
		{"select 1", true},
	}
	for i, s := range steps {
		wrote, err := d.WriteIfChanged("compiled/demo/models/a.sql", []byte(s.data))
		if err != nil {
			t.Fatal(err)
		}
		if wrote != s.wrote {
			t.Errorf("step %d (%q): wrote = %v, want %v", i, s.data, wrote, s.wrote)
		}
		if b, _ := os.ReadFile(file); string(b) != s.data {
			t.Errorf("step %d: file holds %q, want %q", i, b, s.data)
		}
	}
	// An unchanged file keeps its modification time: it was not touched.
	before, _ := os.Stat(file)
	if _, err := d.WriteIfChanged("compiled/demo/models/a.sql", []byte("select 1")); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(file)
	if !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("unchanged file rewritten: %v -> %v", before.ModTime(), after.ModTime())
	}
	// Confinement holds as for WriteFile.
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(d.Path(), "compiled/link")); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"../x.sql", "compiled/link/x.sql", "/x.sql"} {
		if _, err := d.WriteIfChanged(name, []byte("owned")); err == nil {
			t.Errorf("WriteIfChanged(%q) succeeded; want a refusal", name)
		}
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("files written outside the target: %v", entries)
	}
}

func TestWriteIfStale(t *testing.T) {
	d, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	file := filepath.Join(d.Path(), "compiled/a.sql")
	st, wrote, err := d.WriteIfStale("compiled/a.sql", []byte("select 1"), Stamp{})
	if err != nil || !wrote || st.Size != 8 || st.ModTime == 0 {
		t.Fatalf("first write: %+v %v %v", st, wrote, err)
	}
	// The same stamp: trusted, not read.
	if st2, wrote, err := d.WriteIfStale("compiled/a.sql", []byte("select 1"), st); err != nil || wrote || st2 != st {
		t.Fatalf("unchanged: %+v %v %v", st2, wrote, err)
	}
	// Edited by hand (same size): the stamp no longer matches, so the
	// file is read, found different and rewritten.
	if err := os.WriteFile(file, []byte("select 9"), 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Unix(0, st.ModTime).Add(time.Second)
	if err := os.Chtimes(file, later, later); err != nil {
		t.Fatal(err)
	}
	if _, wrote, err := d.WriteIfStale("compiled/a.sql", []byte("select 1"), st); err != nil || !wrote {
		t.Fatalf("edited file not rewritten: %v %v", wrote, err)
	}
	if b, _ := os.ReadFile(file); string(b) != "select 1" {
		t.Errorf("file holds %q", b)
	}
	// Shorter than the file: its tail is cut, and the stamp returned is
	// the file's.
	if _, wrote, err := d.WriteIfStale("compiled/a.sql", []byte("select 1000"), Stamp{}); err != nil || !wrote {
		t.Fatalf("longer: %v %v", wrote, err)
	}
	st3, wrote, err := d.WriteIfStale("compiled/a.sql", []byte("select 2"), Stamp{})
	if err != nil || !wrote {
		t.Fatalf("shorter: %v %v", wrote, err)
	}
	if fi, err := os.Stat(file); err != nil || stampOf(fi) != st3 || st3.Size != 8 {
		t.Errorf("stamp after a shorter write %+v; the file's %+v (%v)", st3, fi, err)
	}
	if b, _ := os.ReadFile(file); string(b) != "select 2" {
		t.Errorf("file holds %q after a shorter write", b)
	}
	// Deleted: written again.
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	if _, wrote, err := d.WriteIfStale("compiled/a.sql", []byte("select 1"), st); err != nil || !wrote {
		t.Fatalf("deleted file not written: %v %v", wrote, err)
	}
}

// TestWriteIfChangedExistingDir: in a directory that was there before the
// Dir was opened, an existing file is compared, not overwritten blindly.
func TestWriteIfChangedExistingDir(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "compiled/m"), 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(root, "compiled/m/a.sql")
	if err := os.WriteFile(file, []byte("select 1"), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for i, s := range []struct {
		data  string
		wrote bool
	}{{"select 1", false}, {"select 2", true}, {"select 2", false}} {
		wrote, err := d.WriteIfChanged("compiled/m/a.sql", []byte(s.data))
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(file); wrote != s.wrote || string(b) != s.data {
			t.Errorf("step %d: wrote %v holding %q; want %v holding %q", i, wrote, b, s.wrote, s.data)
		}
	}
}

// TestCreatedDirFastPath: in a directory the Dir created, a new file is
// created by descriptor (Linux) with the right contents and a Stamp equal
// to the file's; a symbolic link planted under a new file's name is not
// followed, and a file planted there is compared as anywhere else.
func TestCreatedDirFastPath(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	d, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	st, wrote, err := d.WriteIfStale("compiled/new/a.sql", []byte("select 1"), Stamp{})
	if err != nil || !wrote {
		t.Fatalf("create: %v %v", wrote, err)
	}
	fi, err := os.Stat(filepath.Join(root, "compiled/new/a.sql"))
	if err != nil {
		t.Fatal(err)
	}
	if st != stampOf(fi) {
		t.Errorf("stamp %+v, file %+v", st, stampOf(fi))
	}
	if b, _ := os.ReadFile(filepath.Join(root, "compiled/new/a.sql")); string(b) != "select 1" {
		t.Errorf("file holds %q", b)
	}
	victim := filepath.Join(outside, "victim.sql")
	if err := os.WriteFile(victim, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(root, "compiled/new/b.sql")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.WriteIfStale("compiled/new/b.sql", []byte("select 2"), Stamp{}); err == nil {
		t.Error("a write through a planted symbolic link succeeded")
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Errorf("the file outside was changed: %q", b)
	}
	if err := os.WriteFile(filepath.Join(root, "compiled/new/c.sql"), []byte("select 3"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, wrote, err := d.WriteIfStale("compiled/new/c.sql", []byte("select 3"), Stamp{}); err != nil || wrote {
		t.Errorf("an existing file with the same contents: wrote %v, %v", wrote, err)
	}
}

// TestReadsStayInside: ReadFile and Open read what the directory holds,
// and refuse names and links that lead out of it.
func TestReadsStayInside(t *testing.T) {
	base := t.TempDir()
	target := filepath.Join(base, "target")
	if err := os.WriteFile(filepath.Join(base, "secret"), []byte("outside"), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := Open(target)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.WriteFile("manifest.json", []byte(`{"nodes":{}}`)); err != nil {
		t.Fatal(err)
	}
	if b, err := d.ReadFile("manifest.json"); err != nil || string(b) != `{"nodes":{}}` {
		t.Fatalf("ReadFile: %q, %v", b, err)
	}
	f, err := d.Open("manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 7)
	if _, err := f.ReadAt(buf, 2); err != nil || string(buf) != `nodes":` {
		t.Errorf("ReadAt: %q, %v", buf, err)
	}
	f.Close()
	if _, err := d.ReadFile("missing.bin"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v, want os.ErrNotExist", err)
	}
	if err := os.Symlink(filepath.Join(base, "secret"), filepath.Join(target, "link")); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"../secret", "link", "/etc/passwd"} {
		if b, err := d.ReadFile(name); err == nil {
			t.Errorf("ReadFile(%q) read %q outside the directory", name, b)
		}
		if f, err := d.Open(name); err == nil {
			f.Close()
			t.Errorf("Open(%q) opened a file outside the directory", name)
		}
	}
}

// openTemp opens a new temporary directory, closed when the test ends.
func openTemp(t *testing.T) (string, *Dir) {
	t.Helper()
	root := t.TempDir()
	d, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return root, d
}

// TestCopyRange: WriteAtomic's writer copies ranges of another file in
// place between its writes, WriteAtomicInfo reports the file written,
// and a range past the end of its file fails the write, leaving the old
// file.
func TestCopyRange(t *testing.T) {
	root, d := openTemp(t)
	src := filepath.Join(t.TempDir(), "src")
	if err := os.WriteFile(src, []byte("0123456789abcdef"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info, err := d.WriteAtomicInfo("out.json", func(w io.Writer) error {
		rc, ok := w.(RangeCopier)
		if !ok {
			t.Fatal("WriteAtomic's writer is no RangeCopier")
		}
		for _, step := range []func() error{
			func() error { _, err := io.WriteString(w, "<"); return err },
			func() error { return rc.CopyRange(f, 10, 6) },
			func() error { _, err := io.WriteString(w, "|"); return err },
			func() error { return rc.CopyRange(f, 0, 3) },
			func() error { return rc.CopyRange(f, 3, 2) },
			func() error { _, err := io.WriteString(w, ">"); return err },
		} {
			if err := step(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(root, "out.json"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "<abcdef|01234>" {
		t.Errorf("wrote %q", got)
	}
	fi, err := os.Stat(filepath.Join(root, "out.json"))
	if err != nil {
		t.Fatal(err)
	}
	if info.Size() != fi.Size() || !info.ModTime().Equal(fi.ModTime()) {
		t.Errorf("WriteAtomicInfo said %d bytes at %v; the file has %d at %v", info.Size(), info.ModTime(), fi.Size(), fi.ModTime())
	}
	err = d.WriteAtomic("out.json", func(w io.Writer) error {
		return w.(RangeCopier).CopyRange(f, 12, 10)
	})
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("a range past the end: %v", err)
	}
	if got, _ := os.ReadFile(filepath.Join(root, "out.json")); string(got) != "<abcdef|01234>" {
		t.Errorf("a failed write left %q", got)
	}
}

// TestWriteSwap: the file is written through the spare beside it, the two
// exchanged, so the next write overwrites the previous contents in place;
// each write leaves the right contents, however long; a reader of the old
// file keeps it; and a spare that is a link, a hard link or locked by
// another writer is left alone, the file written as WriteAtomic does.
func TestWriteSwap(t *testing.T) {
	root, d := openTemp(t)
	at := func(name string) string { return filepath.Join(root, name) }
	write := func(body string) func(io.Writer) error {
		return func(w io.Writer) error { _, err := io.WriteString(w, body); return err }
	}
	read := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(at(name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	ino := func(name string) uint64 {
		t.Helper()
		fi, err := os.Lstat(at(name))
		if err != nil {
			t.Fatal(err)
		}
		return fi.Sys().(*syscall.Stat_t).Ino
	}
	swapped := runtime.GOOS == "linux"

	info, err := d.WriteSwap("m.json", "spare", write("first, long contents"))
	if err != nil {
		t.Fatal(err)
	}
	if got := read("m.json"); got != "first, long contents" || info.Size() != int64(len(got)) {
		t.Fatalf("first write: %q (info says %d bytes)", got, info.Size())
	}
	first := ino("m.json")
	old, err := os.Open(at("m.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	if _, err := d.WriteSwap("m.json", "spare", write("second")); err != nil {
		t.Fatal(err)
	}
	if got := read("m.json"); got != "second" {
		t.Fatalf("second write: %q", got)
	}
	if b, _ := io.ReadAll(old); string(b) != "first, long contents" {
		t.Errorf("a reader of the first file read %q", b)
	}
	if swapped {
		if got := read("spare"); got != "first, long contents" {
			t.Errorf("the spare holds %q, want the first contents", got)
		}
	}
	if _, err := d.WriteSwap("m.json", "spare", write("third!")); err != nil {
		t.Fatal(err)
	}
	if got := read("m.json"); got != "third!" {
		t.Fatalf("third write: %q", got)
	}
	if swapped && ino("m.json") != first {
		t.Errorf("the third write is not in the first file's place: the spare was not reused")
	}
	// A failed write leaves the file as it was.
	if _, err := d.WriteSwap("m.json", "spare", func(w io.Writer) error {
		io.WriteString(w, "partial")
		return errors.New("boom")
	}); err == nil || read("m.json") != "third!" {
		t.Fatalf("a failed write: %v, the file holds %q", err, read("m.json"))
	}

	// Spares not to be written in place.
	outside := filepath.Join(t.TempDir(), "outside")
	for _, c := range []struct {
		name  string
		setup func() (check func())
	}{
		{"a symbolic link", func() func() {
			if err := os.WriteFile(outside, []byte("keep"), 0o644); err != nil {
				t.Fatal(err)
			}
			os.Remove(at("spare"))
			if err := os.Symlink(outside, at("spare")); err != nil {
				t.Fatal(err)
			}
			return func() {
				if b, _ := os.ReadFile(outside); string(b) != "keep" {
					t.Errorf("the link's target holds %q", b)
				}
			}
		}},
		{"a hard link", func() func() {
			os.Remove(at("spare"))
			if err := os.WriteFile(at("other"), []byte("keep"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Link(at("other"), at("spare")); err != nil {
				t.Fatal(err)
			}
			return func() {
				if got := read("other"); got != "keep" {
					t.Errorf("the other link holds %q", got)
				}
			}
		}},
		{"held by a reader", func() func() {
			os.Remove(at("spare"))
			if err := os.WriteFile(at("spare"), []byte("read"), 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(at("spare"))
			if err != nil {
				t.Fatal(err)
			}
			if !HoldForReading(f) {
				t.Fatal("an idle file cannot be held for reading")
			}
			return func() {
				f.Close()
				if got := read("spare"); got != "read" {
					t.Errorf("the spare a reader holds now holds %q", got)
				}
			}
		}},
		{"locked by another writer", func() func() {
			os.Remove(at("spare"))
			if err := os.WriteFile(at("spare"), []byte("theirs"), 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := os.OpenFile(at("spare"), os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
				t.Fatal(err)
			}
			r, err := os.Open(at("spare"))
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if runtime.GOOS == "linux" && HoldForReading(r) {
				t.Error("a spare being written was held for reading")
			}
			return func() {
				f.Close()
				if got := read("spare"); got != "theirs" {
					t.Errorf("the locked spare holds %q", got)
				}
			}
		}},
	} {
		check := c.setup()
		body := "written beside " + c.name
		if _, err := d.WriteSwap("m.json", "spare", write(body)); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := read("m.json"); got != body {
			t.Errorf("%s: the file holds %q", c.name, got)
		}
		check()
	}
}
