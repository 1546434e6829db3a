package project

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/elt-dev/elt/internal/benchgen"
)

// walkDirReference is what discover listed with filepath.WalkDir before
// walkFiles read folders in parallel.
func walkDirReference(t *testing.T, root, dir string, skip map[string]bool) []string {
	t.Helper()
	base := filepath.Join(root, filepath.FromSlash(dir))
	var out []string
	err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if isNotExist(err) && p == base {
				return filepath.SkipDir
			}
			return err
		}
		name := d.Name()
		if p != base && strings.HasPrefix(name, ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		relOS, _ := filepath.Rel(root, p)
		rel := filepath.ToSlash(relOS)
		if d.IsDir() {
			if p != base && skip[rel] {
				return filepath.SkipDir
			}
			return nil
		}
		out = append(out, rel+" "+name)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func TestWalkFilesAsWalkDir(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{}
	for _, rel := range []string{
		"models/a.sql", "models/.hidden.sql", "models/.git/x.sql", "models/sub/b.sql",
		"models/sub/deeper/c.yml", "models/target/skipped.sql", "models/sub/target/kept.sql",
		"models/logs/skipped.sql", "top.sql", "seeds/s.csv", "one/file.sql",
	} {
		files[rel] = "x"
	}
	for i := range 40 {
		files[filepath.ToSlash(filepath.Join("models", "wide", strings.Repeat("d", 1+i%5), "f"+string(rune('a'+i%26))+".sql"))] = "x"
	}
	writeFiles(t, root, files)
	if err := os.Symlink(filepath.Join(root, "models", "sub"), filepath.Join(root, "models", "linked")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "models", "a.sql"), filepath.Join(root, "models", "a_link.sql")); err != nil {
		t.Fatal(err)
	}
	skip := map[string]bool{"models/target": true, "logs": true, "models/logs": true, "target": true}
	for _, dir := range []string{"models", ".", "seeds", "missing", "one/file.sql", "models/sub"} {
		t.Run(dir, func(t *testing.T) {
			want := walkDirReference(t, root, dir, skip)
			found, err := walkFiles(root, dir, skip)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range found {
				got = append(got, f.rel+" "+f.name)
			}
			slices.Sort(got)
			wantEqual(t, "files under "+dir, got, want)
		})
	}
	if got := walkDirReference(t, root, "models", skip); !slices.Contains(got, "models/sub/target/kept.sql kept.sql") || len(got) < 40 {
		t.Errorf("the reference walk lost files: %v", got)
	}
}

func TestWalkFilesUnreadableFolder(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"models/ok/a.sql": "x", "models/no/b.sql": "x"})
	if err := os.Chmod(filepath.Join(root, "models", "no"), 0); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(filepath.Join(root, "models", "no"), 0o755)
	if _, err := os.ReadDir(filepath.Join(root, "models", "no")); err == nil {
		t.Skip("this user reads folders without permission (root)")
	}
	if _, err := walkFiles(root, "models", nil); err == nil || !strings.Contains(err.Error(), "models/no") {
		t.Errorf("walkFiles = %v, want the unreadable folder's error", err)
	}
}

// BenchmarkWalkFiles lists benchgen's 10,000-model project with walkFiles
// and, for comparison, with filepath.WalkDir as discover did before.
func BenchmarkWalkFiles(b *testing.B) {
	dir := b.TempDir()
	if err := benchgen.Write(dir, benchgen.Options{Models: 10000}); err != nil {
		b.Fatal(err)
	}
	b.Run("walkFiles", func(b *testing.B) {
		for b.Loop() {
			found, err := walkFiles(dir, "models", nil)
			if err != nil || len(found) < 10000 {
				b.Fatalf("%d files, %v", len(found), err)
			}
		}
	})
	b.Run("WalkDir", func(b *testing.B) {
		for b.Loop() {
			n := 0
			err := filepath.WalkDir(filepath.Join(dir, "models"), func(p string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					n++
				}
				return err
			})
			if err != nil || n < 10000 {
				b.Fatalf("%d files, %v", n, err)
			}
		}
	})
}
