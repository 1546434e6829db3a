package project

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/elt-dev/elt/internal/par"
)

// foundFile is a file found by walkFiles: its path relative to the root
// project, slash-separated, and its name.
type foundFile struct{ rel, name string }

// walkFanOut is how many folders walkFiles finds, reading the tree
// breadth first, before it reads their subtrees on every core.
const walkFanOut = 16

// walkFiles lists the files under dir (relative to root, slash-separated)
// that filepath.WalkDir would visit: it does not follow symbolic links,
// skips names starting with a dot below dir and the folders whose paths
// are in skip, and a dir that does not exist has no files. Subtrees are
// read on every core (a project of many folders is bound by system
// calls); the files come in no particular order. A folder that cannot be
// read fails the walk; of several, the first in path order is reported.
func walkFiles(root, dir string, skip map[string]bool) ([]foundFile, error) {
	base := filepath.Join(root, filepath.FromSlash(dir))
	fi, err := os.Lstat(base)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	if !fi.IsDir() {
		return []foundFile{{rel: dir, name: fi.Name()}}, nil
	}
	var files []foundFile
	var firstErr walkErr
	frontier := []string{dir}
	for len(frontier) > 0 && len(frontier) < walkFanOut {
		var next []string
		for _, d := range frontier {
			found, subdirs, err := readFolder(root, d, skip)
			firstErr.add(d, err)
			files = append(files, found...)
			next = append(next, subdirs...)
		}
		frontier = next
	}
	type subtree struct {
		files []foundFile
		err   walkErr
	}
	subtrees := make([]subtree, len(frontier))
	par.For(len(frontier), 1, func(i int) {
		t := &subtrees[i]
		var walk func(d string)
		walk = func(d string) {
			found, subdirs, err := readFolder(root, d, skip)
			t.err.add(d, err)
			t.files = append(t.files, found...)
			for _, s := range subdirs {
				walk(s)
			}
		}
		walk(frontier[i])
	})
	for _, t := range subtrees {
		firstErr.add(t.err.rel, t.err.err)
		files = append(files, t.files...)
	}
	if firstErr.err != nil {
		return nil, firstErr.err
	}
	return files, nil
}

// walkErr keeps the failure of the first folder in path order.
type walkErr struct {
	err error
	rel string
}

func (w *walkErr) add(rel string, err error) {
	if err != nil && (w.err == nil || rel < w.rel) {
		w.err, w.rel = err, rel
	}
}

// readFolder lists one folder's files and the subfolders to walk.
func readFolder(root, rel string, skip map[string]bool) (files []foundFile, subdirs []string, err error) {
	fh, err := os.Open(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		return nil, nil, err
	}
	entries, err := fh.ReadDir(-1)
	fh.Close()
	if err != nil {
		return nil, nil, err
	}
	files = make([]foundFile, 0, len(entries))
	for _, d := range entries {
		name := d.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		r := name
		if rel != "." {
			r = rel + "/" + name
		}
		switch {
		case !d.IsDir():
			files = append(files, foundFile{rel: r, name: name})
		case !skip[r]:
			subdirs = append(subdirs, r)
		}
	}
	return files, subdirs, nil
}
