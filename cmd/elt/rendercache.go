package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/internal/mapfile"
	"github.com/elt-dev/elt/project"
)

// renderCacheFile is where compile keeps its renders for the next
// invocation (compiler.RenderCache), beside dbt's partial_parse.msgpack.
const renderCacheFile = "elt_render_cache.bin"

// envRecorder wraps an env lookup and records every name read and what it
// found, for the render cache's key.
type envRecorder struct {
	lookup func(string) (string, bool)
	mu     sync.Mutex
	reads  map[string]string // "\x00" marks a variable that is not set
}

func (r *envRecorder) lookupEnv(name string) (string, bool) {
	v, ok := r.lookup(name)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.reads == nil {
		r.reads = map[string]string{}
	}
	if ok {
		r.reads[name] = v
	} else {
		r.reads[name] = "\x00"
	}
	return v, ok
}

// renderCacheKey is what every render of the project may depend on
// besides each node's own source: elt's version and build, every project
// file but the nodes' own (project.Project.Digest), the profile and the
// adapter's type, and what env_var() found while the project loaded.
//
// --vars reaches a render through var(), which records the value it found
// (compiler's noteVar), or through the configs and relations that YAML
// rendered with it, which its keys hold: another --vars renders again
// only the renders that read a var it changed.
//
// The rest of the target (its name, schema, database, threads and fields)
// reaches a render through the relations and configs its keys hold, or
// through `target`, which a render records reading (compiler's noteTarget):
// switching targets renders again only the renders that read it, and
// compiles again the nodes whose relations moved. --empty changes what
// ref() and source() print when a node compiles, not what its parse render
// captures: it is in each compiled render's key (compiler's execKey), so
// `build --empty` and `build` share the parse renders, as dbt's partial
// parsing ignores --empty. --store-failures and --full-refresh reach a
// render only through `flags`, and a render that reads it is not kept.
func renderCacheKey(p *project.Project, env *envRecorder) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00", version, compiler.DBTVersion, executableStamp(), p.Digest)
	if t := p.Target; t != nil {
		fmt.Fprintf(h, "%s\x00%s\x00", t.ProfileName, t.Type)
	}
	env.mu.Lock()
	names := make([]string, 0, len(env.reads))
	for n := range env.reads {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(h, "%s=%s\x00", n, env.reads[n])
	}
	env.mu.Unlock()
	return hex.EncodeToString(h.Sum(nil))
}

// executableStamp names this build of elt beyond its version string: a
// development build keeps "0.1.0-dev" while its renderer or parsers
// change, and a cache written by another build must not be used. It is
// the executable's size and modification time ("" when unknown).
func executableStamp() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	fi, err := os.Stat(exe)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%d.%d", fi.Size(), fi.ModTime().UnixNano())
}

// loadFileCache is the cache of what project.Load read from each file
// (target/elt_load_cache.bin), kept under the same flags as the render
// cache; its key is elt's build, whose YAML parser produced what it keeps.
func loadFileCache(f *flags) *project.FileCache {
	if !f.renderCache || f.noPartialParse {
		return nil
	}
	return project.NewFileCache(version + "\x00" + executableStamp())
}

// cacheRead is the render cache file of the default target directory,
// read and decoded while the project loads: on two cores its work
// overlaps the project's.
type cacheRead struct {
	path   string
	done   chan struct{}
	stored *compiler.StoredRenderCache
}

// readRenderCacheAhead starts reading the render cache where it is when
// the project keeps the default target-path; nil when there is no project.
func readRenderCacheAhead(opts project.Options) *cacheRead {
	root, err := project.FindRoot(opts)
	if err != nil {
		return nil
	}
	r := &cacheRead{path: filepath.Join(root, "target", renderCacheFile), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.stored = compiler.DecodeRenderCache(readCacheFile(r.path))
	}()
	return r
}

// readCacheFile reads a cache file into one string ("" when missing or
// unreadable); a large one is mapped, not copied.
func readCacheFile(path string) string {
	s, err := mapfile.ReadString(path)
	if err != nil {
		return ""
	}
	return s
}

// openRenderCache reads the cache an earlier compile left in the target
// directory, or takes what ahead read when it read the same file; a
// missing or unreadable file is an empty cache.
func openRenderCache(p *project.Project, key string, ahead *cacheRead) *compiler.RenderCache {
	path := filepath.Join(targetDir(p), renderCacheFile)
	if ahead != nil {
		<-ahead.done
		if ahead.path == path {
			return compiler.NewRenderCacheStored(key, ahead.stored)
		}
	}
	return compiler.NewRenderCacheFrom(key, readCacheFile(path))
}

// saveRenderCache writes the session's render cache for the next invocation.
func (s *session) saveRenderCache() error {
	if s.cache == nil {
		return nil
	}
	s.logRenderCacheStats()
	if !s.cache.Changed() {
		return nil
	}
	dir, err := s.targetFS()
	if err != nil {
		return err
	}
	return dir.WriteAtomic(renderCacheFile, func(w io.Writer) error { return s.cache.Save(w) })
}

// logRenderCacheStats reports, in JSON logs, how many renders the cache saved.
func (s *session) logRenderCacheStats() {
	if s.cache == nil {
		return
	}
	st := s.cache.Stats()
	s.log.debug("RenderCacheStats", fmt.Sprintf("renders reused: %d of %d parse, %d of %d compile",
		st.ParseHits, st.ParseHits+st.ParseMisses, st.CompileHits, st.CompileHits+st.CompileMisses),
		map[string]any{"parse_hits": st.ParseHits, "parse_misses": st.ParseMisses, "compile_hits": st.CompileHits, "compile_misses": st.CompileMisses})
}
