package project

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// foundFile is a file found by walkFiles: its path relative to the root
// project, slash-separated, and its name.
type foundFile struct{ rel, name string }

// walkFiles lists the files under dir (relative to root, slash-separated)
// that filepath.WalkDir would visit: it does not follow symbolic links,
// skips names starting with a dot below dir and the folders whose paths
// are in skip, and a dir that does not exist has no files. Folders are
// read on several goroutines (a project of many folders is bound by
// system calls); the files come in no particular order.
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
	w := &walker{root: root, skip: skip, sem: make(chan struct{}, 2*runtime.GOMAXPROCS(0)-1)}
	w.dir(dir)
	w.wg.Wait()
	if w.err != nil {
		return nil, w.err
	}
	return w.files, nil
}

// walker is one walkFiles.
type walker struct {
	root string
	skip map[string]bool
	sem  chan struct{} // a slot for each folder read on its own goroutine
	wg   sync.WaitGroup

	mu    sync.Mutex
	files []foundFile
	// err is the failure of the first folder in path order, as
	// filepath.WalkDir would report it; errRel is that folder.
	err    error
	errRel string
}

func (w *walker) dir(rel string) {
	fh, err := os.Open(filepath.Join(w.root, filepath.FromSlash(rel)))
	var entries []os.DirEntry
	if err == nil {
		entries, err = fh.ReadDir(-1)
		fh.Close()
	}
	if err != nil {
		w.mu.Lock()
		if w.err == nil || rel < w.errRel {
			w.err, w.errRel = err, rel
		}
		w.mu.Unlock()
		return
	}
	var local []foundFile
	for _, d := range entries {
		name := d.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		r := name
		if rel != "." {
			r = rel + "/" + name
		}
		if !d.IsDir() {
			local = append(local, foundFile{rel: r, name: name})
			continue
		}
		if w.skip[r] {
			continue
		}
		select {
		case w.sem <- struct{}{}:
			w.wg.Add(1)
			go func() {
				defer func() { <-w.sem; w.wg.Done() }()
				w.dir(r)
			}()
		default:
			w.dir(r)
		}
	}
	w.mu.Lock()
	w.files = append(w.files, local...)
	w.mu.Unlock()
}
