package deps

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/elt-dev/elt/internal/lazyre"
)

// commitRE is dbt's test for a revision that is a commit: 40 hex digits.
var commitRE = lazyre.New(`^[0-9a-f]{40}\b`)

func isCommit(rev string) bool { return commitRE().MatchString(rev) }

// gitCheckout is one revision of one repository, held in memory.
type gitCheckout struct {
	repo   *git.Repository
	commit *object.Commit
}

// gitOpen fetches revision of url: a commit, a tag (preferred, as dbt
// prefers tags to branches of the same name), a branch, or "HEAD". It
// fetches only that revision at depth 1 where the server allows.
func gitOpen(ctx context.Context, url, revision string) (*gitCheckout, error) {
	if revision == "" {
		revision = "HEAD"
	}
	if isCommit(revision) {
		return gitOpenCommit(ctx, url, revision)
	}
	var refs []plumbing.ReferenceName
	if revision == "HEAD" {
		refs = []plumbing.ReferenceName{""} // the remote's default branch
	} else {
		remote := git.NewRemote(memory.NewStorage(), &config.RemoteConfig{Name: "origin", URLs: []string{url}})
		list, err := remote.ListContext(ctx, &git.ListOptions{})
		if err != nil {
			return nil, err
		}
		have := map[plumbing.ReferenceName]bool{}
		for _, r := range list {
			have[r.Name()] = true
		}
		for _, name := range []plumbing.ReferenceName{plumbing.NewTagReferenceName(revision), plumbing.NewBranchReferenceName(revision)} {
			if have[name] {
				refs = append(refs, name)
			}
		}
		if len(refs) == 0 {
			return nil, fmt.Errorf("no tag or branch named %q (and it is not a 40-character commit hash)", revision)
		}
	}
	ref := refs[0]
	repo, err := git.CloneContext(ctx, memory.NewStorage(), nil, &git.CloneOptions{
		URL: url, ReferenceName: ref, SingleBranch: true, Depth: 1, Tags: git.NoTags,
	})
	if err != nil && strings.Contains(err.Error(), "shallow") {
		// Some servers cannot serve shallow clones: take the whole branch.
		repo, err = git.CloneContext(ctx, memory.NewStorage(), nil, &git.CloneOptions{
			URL: url, ReferenceName: ref, SingleBranch: true, Tags: git.NoTags,
		})
	}
	if err != nil {
		return nil, err
	}
	var hash *plumbing.Hash
	if ref == "" {
		head, err := repo.Head()
		if err != nil {
			return nil, err
		}
		h := head.Hash()
		hash = &h
	} else {
		r, err := repo.Reference(ref, true)
		if err != nil {
			return nil, err
		}
		h := r.Hash()
		// An annotated tag points at a tag object: follow it to the commit.
		if tag, err := repo.TagObject(h); err == nil {
			c, err := tag.Commit()
			if err != nil {
				return nil, err
			}
			h = c.Hash
		}
		hash = &h
	}
	c, err := repo.CommitObject(*hash)
	if err != nil {
		return nil, err
	}
	return &gitCheckout{repo: repo, commit: c}, nil
}

// gitOpenCommit fetches one commit: by its hash at depth 1 where the
// server allows it, else the whole repository.
func gitOpenCommit(ctx context.Context, url, sha string) (*gitCheckout, error) {
	repo, err := git.Init(memory.NewStorage(), nil)
	if err != nil {
		return nil, err
	}
	if _, err := repo.CreateRemote(&config.RemoteConfig{Name: "origin", URLs: []string{url}}); err != nil {
		return nil, err
	}
	h := plumbing.NewHash(sha)
	err = repo.FetchContext(ctx, &git.FetchOptions{
		RemoteName: "origin", Depth: 1, Tags: git.NoTags,
		RefSpecs: []config.RefSpec{config.RefSpec(sha + ":refs/elt/pinned")},
	})
	if err == nil || errors.Is(err, git.NoErrAlreadyUpToDate) {
		if c, cerr := repo.CommitObject(h); cerr == nil {
			return &gitCheckout{repo: repo, commit: c}, nil
		}
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	repo, err = git.CloneContext(ctx, memory.NewStorage(), nil, &git.CloneOptions{URL: url, Tags: git.AllTags})
	if err != nil {
		return nil, err
	}
	c, err := repo.CommitObject(h)
	if err != nil {
		return nil, fmt.Errorf("commit %s is not in the repository", sha)
	}
	return &gitCheckout{repo: repo, commit: c}, nil
}

// tree returns the tree at subdirectory ("" for the whole repository).
func (g *gitCheckout) tree(subdirectory string) (*object.Tree, error) {
	t, err := g.commit.Tree()
	if err != nil {
		return nil, err
	}
	sub := strings.Trim(path.Clean("/"+strings.ReplaceAll(subdirectory, "\\", "/")), "/")
	if sub == "" {
		return t, nil
	}
	st, err := t.Tree(sub)
	if err != nil {
		return nil, fmt.Errorf("subdirectory %q not found at commit %s", subdirectory, g.commit.Hash.String()[:7])
	}
	return st, nil
}

// readFile returns one file of the tree, or nil when it is absent.
func readTreeFile(t *object.Tree, name string) ([]byte, error) {
	f, err := t.File(name)
	if err != nil {
		if errors.Is(err, object.ErrFileNotFound) {
			return nil, nil
		}
		return nil, err
	}
	r, err := f.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(io.LimitReader(r, 16<<20))
}

// export writes the tree's files into dest (an empty folder) through an
// os.Root, so nothing lands outside it. Submodules are skipped; symbolic
// links must point inside the tree.
func exportTree(repo *git.Repository, t *object.Tree, dest string, lim Limits) error {
	root, err := os.OpenRoot(dest)
	if err != nil {
		return err
	}
	defer root.Close()
	w := object.NewTreeWalker(t, true, nil)
	defer w.Close()
	var total int64
	files := 0
	for {
		name, entry, err := w.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		files++
		if files > lim.MaxFiles {
			return fmt.Errorf("%w: more than %d files", ErrUnsafeArchive, lim.MaxFiles)
		}
		rel, err := safeRelPath(name)
		if err != nil {
			return fmt.Errorf("%w: %q: %v", ErrUnsafeArchive, name, err)
		}
		switch entry.Mode {
		case filemode.Dir:
			if err := root.MkdirAll(rel, 0o755); err != nil {
				return err
			}
		case filemode.Submodule:
			continue
		case filemode.Regular, filemode.Executable, filemode.Deprecated, filemode.Symlink:
			blob, err := repo.BlobObject(entry.Hash)
			if err != nil {
				return err
			}
			total += blob.Size
			if total > lim.MaxUnpackedBytes {
				return fmt.Errorf("%w: more than %d bytes", ErrUnsafeArchive, lim.MaxUnpackedBytes)
			}
			if dir := path.Dir(rel); dir != "." {
				if err := root.MkdirAll(dir, 0o755); err != nil {
					return err
				}
			}
			r, err := blob.Reader()
			if err != nil {
				return err
			}
			if entry.Mode == filemode.Symlink {
				target, err := io.ReadAll(io.LimitReader(r, 4096))
				r.Close()
				if err != nil {
					return err
				}
				if err := linkStaysInside("pkg/"+rel, string(target)); err != nil {
					return fmt.Errorf("%w: symbolic link %q -> %q: %v", ErrUnsafeArchive, name, target, err)
				}
				if err := root.Symlink(string(target), rel); err != nil {
					return err
				}
				continue
			}
			mode := os.FileMode(0o644)
			if entry.Mode == filemode.Executable {
				mode = 0o755
			}
			out, err := root.OpenFile(rel, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
			if err != nil {
				r.Close()
				return err
			}
			_, err = io.Copy(out, io.LimitReader(r, blob.Size))
			r.Close()
			if cerr := out.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
		}
	}
}
