package mapfile

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestReadString(t *testing.T) {
	dir := t.TempDir()
	for _, size := range []int{0, 10, mapAtLeast - 1, mapAtLeast, 3*mapAtLeast + 17} {
		want := bytes.Repeat([]byte("elt-cache\n"), size/10+1)[:size]
		name := filepath.Join(dir, "f")
		if err := os.WriteFile(name, want, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := ReadString(name)
		if err != nil {
			t.Fatalf("%d bytes: %v", size, err)
		}
		// Replaced by rename, as the caches are: the string read keeps
		// the old contents.
		if err := os.WriteFile(name+".new", []byte("other"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(name+".new", name); err != nil {
			t.Fatal(err)
		}
		if got != string(want) {
			t.Errorf("%d bytes: read %d bytes, not the file's contents", size, len(got))
		}
	}
	if _, err := ReadString(filepath.Join(dir, "missing")); !os.IsNotExist(err) {
		t.Errorf("missing file: err = %v, want not-exist", err)
	}
}
