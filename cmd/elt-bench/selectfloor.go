package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/elt-dev/elt/internal/mapfile"
)

// The floor of `compile -s one_model` after one file changed: what any
// such compile must do with dbt's artifacts, and nothing else. It cannot
// know which file changed without looking at every file of the project (a
// stat each), it reads the changed file, and it writes manifest.json whole
// (dbt rewrites the manifest on every compile), to a new file renamed
// over the old one as elt writes it. No parsing, no rendering, no caches.
//
// The child (elt-bench floor-select) takes the manifest's bytes from the
// one the last compile left, mapped rather than read, and writes them to
// target/manifest-floor.json, so that elt's own manifest and its cache
// index are left as they are.

// floorSelectOut is the file the floor writes under target/.
const floorSelectOut = "manifest-floor.json"

// floorSelect stats every file of project outside its target/ folder on
// 2*GOMAXPROCS goroutines, reads model, and writes target/manifest.json's
// bytes to target/manifest-floor.json through a temporary file and a
// rename. It returns how many files it looked at.
func floorSelect(ctx context.Context, project, model string) (int, error) {
	target := filepath.Join(project, "target")
	var paths []string
	err := filepath.WalkDir(project, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path == target {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			paths = append(paths, path)
		}
		return ctx.Err()
	})
	if err != nil {
		return 0, fmt.Errorf("select floor: %w", err)
	}
	err = striped(ctx, len(paths), func(i int) error {
		_, err := os.Stat(paths[i])
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("select floor: %w", err)
	}
	if _, err := os.ReadFile(filepath.Join(project, filepath.FromSlash(model))); err != nil {
		return 0, fmt.Errorf("select floor: %w", err)
	}
	manifest, err := mapfile.ReadString(filepath.Join(target, "manifest.json"))
	if err != nil {
		return 0, fmt.Errorf("select floor: %w", err)
	}
	tmp := filepath.Join(target, "."+floorSelectOut+".tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return 0, fmt.Errorf("select floor: %w", err)
	}
	_, err = f.WriteString(manifest) // from the mapping, not a copy of it
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("select floor: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(target, floorSelectOut)); err != nil {
		return 0, fmt.Errorf("select floor: %w", err)
	}
	return len(paths), nil
}
