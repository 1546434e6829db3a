package project

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	"gopkg.in/yaml.v3"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/par"
)

// loader holds the state of one Load.
type loader struct {
	ctx   context.Context
	opts  Options
	root  string
	diags diag.List
	proj  *Project

	projectJinja *yamlJinja // dbt_project.yml: env_var, var (--vars), target
	profileJinja *yamlJinja // profiles.yml: env_var, var (--vars)
	propsJinja   *yamlJinja // properties YAML: env_var, var (project and --vars), target

	cur       *scope                        // the project whose files are being read
	overrides map[[2]string]*sourceOverride // (package, source) -> the root project's overrides: entry
	refable   map[string]*Node              // models, seeds and snapshots by package and name
	patched   map[string]patchSite          // unique id -> where properties YAML described it
	altSites  map[*Node]patchSite           // where each of Project.Alternates is defined
	propsConf map[string]Config             // unique id -> properties YAML config (merged after the tree)
	propsRaw  map[string]Config             // the same, as written (Jinja not rendered)
	rawNodes  map[*yaml.Node]*yaml.Node     // rendered copies of properties YAML nodes -> as written
	treeUsed  map[*ConfigTree]bool
	seedData  map[string][]byte // seed unique id -> file contents, for checkSeedHeaders
	// profilePos is where dbt_project.yml names the profile.
	profilePos diag.Pos
	// projectFiles are the dbt_project.yml files read (the root
	// project's, then each package's), for Project.Digest.
	projectFiles []fileSum
	// projectSums are the sha256 of each dbt_project.yml read, its text
	// stripped of surrounding whitespace (dbt's checksum of the file its
	// hook nodes come from), by path relative to the root.
	projectSums map[string]string
}

type fileSum struct{ path, sum string }

type patchSite struct {
	file string
	pos  diag.Pos
}

// Load finds the project (opts.ProjectDir, else the nearest folder at or
// above opts.WorkDir holding dbt_project.yml) and reads all of it. When
// anything is wrong it returns a *diag.Errors listing every problem found;
// warnings are in the returned Project's Warnings.
func Load(ctx context.Context, opts Options) (*Project, error) {
	root, err := FindRoot(opts)
	if err != nil {
		return nil, err
	}
	l := &loader{
		ctx:       ctx,
		opts:      opts,
		root:      root,
		refable:   map[string]*Node{},
		patched:   map[string]patchSite{},
		propsConf: map[string]Config{},
		propsRaw:  map[string]Config{},
		treeUsed:  map[*ConfigTree]bool{},
		proj: &Project{
			Root:    root,
			Nodes:   map[string]*Node{},
			Sources: map[string]*SourceTable{},
			Docs:    map[string]*DocBlock{},
		},
	}
	l.projectJinja = &yamlJinja{env: l.lookupEnv, vars: opts.Vars, varOK: true, globals: opts.YAMLGlobals}
	l.profileJinja = &yamlJinja{env: l.lookupEnv, vars: opts.Vars, varOK: true, secretsOK: true, globals: opts.YAMLGlobals}
	p, err := l.load()
	if p != nil {
		p.Warnings = l.diags.Warnings()
		if file, pos, n := specifiedPackages(root); n > len(p.Packages) {
			if opts.RequirePackages && err == nil {
				var l diag.List
				l.Add(diag.Errorf(file, pos, "run elt deps to install them",
					"found %d %s specified in %s, but only %d installed in %s/", n, plural(n, "package", "packages"), file, len(p.Packages), p.Config.PackagesInstallPath))
				return nil, l.Err()
			}
			p.Warnings.Add(diag.Warnf(file, pos, "run elt deps to install them",
				"%s lists %d dbt %s, but %d %s installed in %s/", file, n, plural(n, "package", "packages"), len(p.Packages), plural(len(p.Packages), "is", "are"), p.Config.PackagesInstallPath))
		}
	}
	return p, err
}

// specifiedPackages counts the entries of the root project's packages.yml
// (else dependencies.yml's packages:), as dbt counts them against the
// installed ones, and where their list starts.
func specifiedPackages(root string) (file string, pos diag.Pos, n int) {
	for _, f := range []string{"packages.yml", "dependencies.yml"} {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			continue
		}
		var doc yaml.Node
		if yaml.Unmarshal(b, &doc) != nil || len(doc.Content) == 0 {
			return f, diag.Pos{Line: 1}, 0
		}
		for _, p := range pairs(doc.Content[0]) {
			if p.Key == "packages" && p.Val.Kind == yaml.SequenceNode {
				return f, posOf(p.KeyNode), len(p.Val.Content)
			}
		}
		return f, diag.Pos{Line: 1}, 0
	}
	return "", diag.Pos{}, 0
}

func (l *loader) lookupEnv(name string) (string, bool) {
	if l.opts.Env == nil {
		return "", false
	}
	return l.opts.Env(name)
}

// lookupSetting reads an environment variable of elt's own settings
// (Options.Settings).
func (l *loader) lookupSetting(name string) (string, bool) {
	if l.opts.Settings != nil {
		return l.opts.Settings(name)
	}
	return l.lookupEnv(name)
}

func (l *loader) load() (*Project, error) {
	rootNode := l.readProjectFile()
	if rootNode == nil {
		return nil, l.diags.Err()
	}
	if !l.opts.NoProfile {
		l.proj.Target = l.loadTarget(l.profileName(rootNode))
	}
	l.projectJinja.target = targetContext(l.proj.Target)
	cfg := l.parseProjectConfig(rootNode)
	if l.opts.TargetPath != "" {
		cfg.TargetPath = l.opts.TargetPath
	}
	l.envFlags(cfg)
	l.commandLineFlags(cfg)
	l.proj.Config = cfg
	if l.diags.HasErrors() && cfg.Name == "" {
		return nil, l.diags.Err()
	}
	l.loadSelectors()
	l.checkCatalogs()
	// The stored file cache is read while the resource paths are walked:
	// nothing but readAll uses it.
	cacheOpened := make(chan struct{})
	if c := l.opts.FileCache; c != nil {
		go func() {
			defer close(cacheOpened)
			c.open(l.targetDir())
		}()
	} else {
		close(cacheOpened)
	}
	// A return before readAll still waits for it: the cache is not
	// touched after Load returns.
	defer func() { <-cacheOpened }()
	rootScope := &scope{name: cfg.Name, cfg: cfg}
	l.cur = rootScope
	rootScope.props = &yamlJinja{env: l.lookupEnv, vars: l.propertyVars(rootScope), varOK: true, target: l.projectJinja.target, globals: l.opts.YAMLGlobals, projectName: cfg.Name}
	l.propsJinja = rootScope.props

	files, err := l.discover(rootScope)
	if err != nil {
		return nil, err
	}
	if err := l.loadPackages(); err != nil {
		return nil, err
	}
	// Every project's files: the root project's, then each package's.
	scopes := []*scope{rootScope}
	perScope := map[*scope][]*diskFile{rootScope: files}
	all := append([]*diskFile(nil), files...)
	for _, pkg := range l.proj.Packages {
		sc := &scope{name: pkg.Name, dir: pkg.Dir, cfg: pkg.Config, pkg: pkg}
		sc.props = &yamlJinja{env: l.lookupEnv, vars: l.propertyVars(sc), varOK: true, target: l.projectJinja.target, globals: l.opts.YAMLGlobals, projectName: cfg.Name}
		pf, err := l.discover(sc)
		if err != nil {
			return nil, err
		}
		scopes = append(scopes, sc)
		perScope[sc] = pf
		all = append(all, pf...)
	}
	<-cacheOpened
	if err := l.readAll(all); err != nil {
		return nil, err
	}
	for _, f := range all {
		if f.err != nil {
			l.diags.Add(diag.Errorf(f.rel, diag.Pos{}, "check the file's permissions", "cannot read file: %v", f.err))
		}
	}
	for _, sc := range scopes {
		l.enter(sc)
		for _, f := range perScope[sc] {
			if f.has(kindDocs) && f.ext == ".md" {
				l.parseDocsFile(f)
			}
		}
	}
	l.addBuiltinOverview()
	// Most files are one node each: room for them spares growing the
	// maps ten thousand entries at a time.
	presize(&l.proj.Nodes, len(all))
	presize(&l.refable, len(all))
	presize(&l.patched, len(all))
	for _, sc := range scopes {
		l.enter(sc)
		for _, f := range perScope[sc] {
			l.addNodes(f)
		}
		// As dbt: a project's hooks are parsed after its files.
		l.addHookNodes(sc)
		if sc.pkg != nil {
			sortFiles(sc.pkg.MacroFiles)
		}
	}
	// Properties YAML in two passes: snapshots defined in YAML first, so
	// that any file may describe them.
	props := map[*diskFile]*yaml.Node{}
	for _, sc := range scopes {
		l.enter(sc)
		for _, f := range perScope[sc] {
			if isYAMLExt(f.ext) && f.mask&^kindDocs != 0 {
				props[f] = l.readProperties(f)
				l.defineYAMLSnapshots(f, props[f])
			}
		}
	}
	for _, sc := range scopes {
		l.enter(sc)
		for _, f := range perScope[sc] {
			if isYAMLExt(f.ext) && f.mask&^kindDocs != 0 {
				l.parseProperties(f, props[f])
			}
		}
	}
	l.enter(rootScope)
	// The digest needs only the files' sums and which node owns which
	// file, which nothing below changes: it is taken beside the configs.
	var digest string
	digested := make(chan struct{})
	go func() {
		defer close(digested)
		digest = l.digest(all)
	}()
	defer func() { <-digested }()
	l.resolveSeedFixtures()
	l.unitTestChecksums()
	l.warnUnusedOverrides()
	l.finishNodes()
	l.checkSeedHeaders()
	l.warnUnusedConfig()
	if err := l.diags.Err(); err != nil {
		return nil, err
	}
	<-digested
	l.proj.Digest = digest
	if c := l.opts.FileCache; c != nil {
		if err := c.save(l.targetDir()); err != nil {
			// The cache only saves work: a target directory that cannot
			// be written fails the commands that write artifacts there.
			l.diags.Add(diag.Warnf("", diag.Pos{}, "check that the target directory can be written",
				"cannot save the file cache: %v", err))
		}
	}
	return l.proj, nil
}

// describes reports whether f is a properties YAML, docs, seed or macro
// file, which are not in Project.Digest: what the first two say reaches a
// render only through the nodes they describe, a seed's rows reach none,
// and the compiler's render cache checks the macros a render called
// itself. A file under a macro path that is also under another resource
// path stays in it.
func describes(f *diskFile) bool {
	return isPropertiesFile(f) || f.ext == ".md" && f.has(kindDocs) || f.ext == ".csv" && f.has(kindSeed) ||
		f.ext == ".sql" && f.mask&^kindDocs == kindMacro
}

// presize replaces the empty map *m with one that has room for n entries.
func presize[V any](m *map[string]V, n int) {
	if len(*m) == 0 {
		*m = make(map[string]V, n)
	}
}

// targetDir is the root project's target directory.
func (l *loader) targetDir() string {
	tp := l.proj.Config.TargetPath
	if tp == "" {
		tp = "target"
	}
	if filepath.IsAbs(tp) {
		return tp
	}
	return filepath.Join(l.root, filepath.FromSlash(tp))
}

// digest is Project.Digest: a sha256 over the path and checksum of every
// file read except the files that are each one node's whole source
// (models, analyses, singular tests), whose contents are their nodes'
// RawCode, snapshot files (each block's body is its node's RawCode), and
// properties YAML, docs, seed and macro files (describes).
func (l *loader) digest(files []*diskFile) string {
	// The alternates' files stay in the digest: which definition is
	// enabled is decided by every compile anew.
	own := make(map[string]bool, len(l.proj.Nodes))
	for _, n := range l.proj.Nodes {
		switch n.ResourceType {
		case Model, Analysis, Test, Snapshot:
			// A snapshot file's nodes are its snapshot blocks, each one's
			// RawCode its body; what lies outside them is read by nothing.
			if n.Checksum != "" && strings.HasSuffix(n.OriginalFilePath, ".sql") {
				own[n.OriginalFilePath] = true
			}
		}
	}
	sums := append([]fileSum(nil), l.projectFiles...)
	for _, f := range files {
		if !own[f.rel] && !describes(f) {
			sums = append(sums, fileSum{f.rel, f.sum})
		}
	}
	sort.Slice(sums, func(i, j int) bool { return sums[i].path < sums[j].path })
	h := sha256.New()
	for _, fs := range sums {
		h.Write([]byte(fs.path))
		h.Write([]byte{0})
		h.Write([]byte(fs.sum))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// propertyVars is what var() sees while loading sc's properties YAML, with
// dbt's precedence: --vars, then the root project's vars (global, then
// scoped to sc), then, for a package, the package's own vars (global, then
// scoped to itself).
func (l *loader) propertyVars(sc *scope) map[string]any {
	out := map[string]any{}
	layer := func(vars map[string]any) {
		for k, v := range vars {
			out[k] = v
		}
		if scoped, ok := vars[sc.name].(map[string]any); ok {
			for k, v := range scoped {
				out[k] = v
			}
		}
	}
	if sc.pkg != nil {
		layer(sc.cfg.Vars)
	}
	layer(l.proj.Config.Vars)
	for k, v := range l.opts.Vars {
		out[k] = v
	}
	return out
}

// FindRoot returns the absolute path of the project folder: opts.ProjectDir
// when set, else the nearest folder at or above opts.WorkDir that holds
// dbt_project.yml.
func FindRoot(opts Options) (string, error) {
	if opts.ProjectDir != "" {
		dir := opts.ProjectDir
		if !filepath.IsAbs(dir) && opts.WorkDir != "" {
			dir = filepath.Join(opts.WorkDir, dir)
		}
		abs, err := filepath.Abs(dir)
		if err != nil {
			return "", err
		}
		if _, err := os.Stat(filepath.Join(abs, projectFile)); err != nil {
			return "", &diag.Errors{List: diag.List{diag.Errorf("", diag.Pos{},
				"check --project-dir: it must be the folder holding dbt_project.yml",
				"no dbt_project.yml in %s", abs)}}
		}
		return abs, nil
	}
	start := opts.WorkDir
	if start == "" {
		start = "."
	}
	abs, err := filepath.Abs(start)
	if err != nil {
		return "", err
	}
	for dir := abs; ; {
		if st, err := os.Stat(filepath.Join(dir, projectFile)); err == nil && !st.IsDir() {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return "", &diag.Errors{List: diag.List{diag.Errorf("", diag.Pos{},
		"run elt inside a dbt project folder, or pass --project-dir",
		"no dbt_project.yml found in %s or any folder above it", abs)}}
}

// ---- discovery ----

type fileKind uint8

const (
	kindModel fileKind = 1 << iota
	kindSeed
	kindSnapshot
	kindTest
	kindMacro
	kindAnalysis
	kindDocs

	kindCount = 7 // the kinds above
)

// kindIndex is the position of a single kind's bit.
func kindIndex(k fileKind) int { return bits.TrailingZeros8(uint8(k)) }

// diskFile is one file found under a resource path.
type diskFile struct {
	rel   string            // relative to the project root, slash-separated
	ext   string            // lower-case extension with the dot
	mask  fileKind          // which resource paths it is under
	roots [kindCount]string // resource path it was found under, per kind (kindIndex)
	data  []byte
	// text is the contents when they came from Options.FileCache
	// (fromCache), read with src and bytes.
	text      string
	fromCache bool
	sum       string // sha256 hex of the contents; a large seed's stat (readSeed)
	// seedSum is a seed's checksum as dbt computes it: the sha256 of the
	// contents without leading and trailing whitespace; "" for a seed over
	// maxSeedSize, whose checksum is its path. For another file it is
	// dbt's checksum where that is not sum (the file has whitespace
	// around its contents), else "".
	seedSum string
	err     error
	// parsed is a properties YAML file's tree, parsed by readAll.
	parsed *parsedYAML
	// scope is the project whose resource paths the file was found in.
	scope *scope
	// model is the node of a model .sql file, built by readAll
	// (modelNode) for addNodes to register.
	model *Node
}

func (f *diskFile) has(k fileKind) bool { return f.mask&k != 0 }

// src is the file's contents as a string.
func (f *diskFile) src() string {
	if f.fromCache {
		return f.text
	}
	return string(f.data)
}

// bytes is the file's contents as bytes.
func (f *diskFile) bytes() []byte {
	if f.fromCache && f.data == nil {
		return []byte(f.text)
	}
	return f.data
}

// within returns the file's path relative to its resource path for kind k.
func (f *diskFile) within(k fileKind) string {
	r := f.roots[kindIndex(k)]
	if r == "." || r == "" {
		return f.rel
	}
	return strings.TrimPrefix(f.rel, r+"/")
}

func isYAMLExt(ext string) bool { return ext == ".yml" || ext == ".yaml" }

func (f *diskFile) wanted() bool {
	switch f.ext {
	case ".sql":
		return f.mask&(kindModel|kindSnapshot|kindTest|kindMacro|kindAnalysis) != 0
	case ".py":
		return f.has(kindModel)
	case ".csv":
		return f.has(kindSeed)
	case ".yml", ".yaml":
		return f.mask&^kindDocs != 0
	case ".md":
		return f.has(kindDocs)
	}
	return false
}

// discover walks every resource path of sc once and lists the files elt
// reads, sorted by path, leaving out those its .dbtignore names. Paths are
// relative to the root project.
func (l *loader) discover(sc *scope) ([]*diskFile, error) {
	cfg := sc.cfg
	byDir := map[string]fileKind{}
	var dirs []string
	add := func(k fileKind, list []string) {
		for _, d := range list {
			d = path.Clean(filepath.ToSlash(d))
			if strings.HasPrefix(d, "../") || d == ".." || path.IsAbs(d) {
				l.diags.Add(diag.Errorf(path.Join(sc.dir, projectFile), diag.Pos{}, "resource paths are folders inside the project",
					"path %q is outside the project folder", d))
				continue
			}
			d = path.Join(sc.dir, d)
			if _, ok := byDir[d]; !ok {
				dirs = append(dirs, d)
			}
			byDir[d] |= k
		}
	}
	add(kindModel, cfg.ModelPaths)
	add(kindSeed, cfg.SeedPaths)
	add(kindSnapshot, cfg.SnapshotPaths)
	add(kindTest, cfg.TestPaths)
	add(kindMacro, cfg.MacroPaths)
	add(kindAnalysis, cfg.AnalysisPaths)
	add(kindDocs, cfg.DocsPaths)

	skip := map[string]bool{}
	for _, d := range []string{cfg.TargetPath, cfg.PackagesInstallPath, "dbt_packages", "target", "logs"} {
		skip[path.Join(sc.dir, path.Clean(filepath.ToSlash(d)))] = true
	}
	root := l.proj.Config
	for _, d := range []string{root.TargetPath, root.PackagesInstallPath} {
		skip[path.Clean(filepath.ToSlash(d))] = true
	}
	ignore := l.readIgnoreSpec(sc.dir)
	files := map[string]*diskFile{}
	for _, dir := range dirs {
		kinds := byDir[dir]
		found, err := walkFiles(l.root, dir, skip)
		if err != nil {
			return nil, fmt.Errorf("project: walk %s: %w", dir, err)
		}
		for _, ff := range found {
			if ignore.ignores(sc.relPath(ff.rel)) {
				continue
			}
			f := files[ff.rel]
			if f == nil {
				f = &diskFile{rel: ff.rel, ext: strings.ToLower(path.Ext(ff.name)), scope: sc}
				files[ff.rel] = f
			}
			for k := kindModel; k <= kindDocs; k <<= 1 {
				if kinds&k != 0 && !f.has(k) {
					f.mask |= k
					f.roots[kindIndex(k)] = dir
				}
			}
		}
	}
	out := make([]*diskFile, 0, len(files))
	for _, f := range files {
		if f.wanted() {
			out = append(out, f)
		}
	}
	slices.SortFunc(out, func(a, b *diskFile) int { return strings.Compare(a.rel, b.rel) })
	return out, nil
}

// readAll reads every file once, in parallel: a project of many small files
// is bound by syscalls, not bytes. Each properties YAML file is parsed
// (parseAhead) by the worker that read it.
func (l *loader) readAll(files []*diskFile) error {
	par.ForOn(runtime.GOMAXPROCS(0)*4, len(files), 1, func() *[]byte { return new([]byte) }, func(scratch *[]byte, i int) {
		if l.ctx.Err() != nil {
			return
		}
		f := files[i]
		l.readOne(f, scratch)
		switch {
		case f.err != nil:
		case isPropertiesFile(f):
			f.parsed = l.parseAhead(f)
		case f.ext == ".sql" && f.has(kindModel) && f.scope != nil:
			f.model = modelNode(f)
		}
	})
	return l.ctx.Err()
}

// readOne reads f's contents and checksums, from the FileCache when its
// stat vouches for them.
func (l *loader) readOne(f *diskFile, scratch *[]byte) {
	full := filepath.Join(l.root, filepath.FromSlash(f.rel))
	c := l.opts.FileCache
	var st fileStat
	var statErr error
	if c != nil {
		// The stat is taken before the file is read: a change
		// in between leaves a stat that the next Load finds
		// different.
		if st, statErr = statFile(full); statErr == nil {
			if e := c.lookup(f.rel, st); e != nil {
				f.text, f.fromCache, f.sum, f.seedSum = e.text, true, e.sum, e.seedSum
				if f.ext == ".csv" {
					f.data = []byte(e.text)
				}
				c.keep(f.rel, e, true)
				return
			}
		}
	}
	if f.ext == ".csv" && !f.has(kindModel|kindTest|kindMacro|kindSnapshot) {
		if c == nil {
			st, statErr = statFile(full)
		}
		f.sum, f.seedSum, f.data, f.err = readSeed(full, st, statErr == nil && st.mtime < time.Now().UnixNano()-int64(racyMargin))
	} else {
		f.data, f.err = readWhole(full, scratch)
		if f.err == nil {
			h := sha256.Sum256(f.data)
			f.sum = hex.EncodeToString(h[:])
			if t := bytes.TrimSpace(f.data); len(t) != len(f.data) {
				// dbt's checksum is of the stripped contents
				// (read_files.py load_file_contents(strip=True)).
				h = sha256.Sum256(t)
				f.seedSum = hex.EncodeToString(h[:])
			}
		}
	}
	if c != nil && statErr == nil && f.err == nil {
		c.keep(f.rel, &fileEntry{stat: st, sum: f.sum, seedSum: f.seedSum, data: f.data}, false)
	}
}

// seedHead is how much of a seed file the loader keeps: enough for its
// header row, which is checked when the project loads.
const seedHead = 64 << 10

// maxSeedSize is dbt's MAXIMUM_SEED_SIZE: a larger seed's checksum is its
// path, so state:modified cannot see a change to its contents.
const maxSeedSize = 1 << 20

// readSeed reads a seed file's checksums and its first seedHead bytes.
// sum is the sha256 of the contents, except for a seed over maxSeedSize
// whose stat st (taken before the file is opened) is stable, i.e. old
// enough to vouch for the contents (racyMargin): its sum is then made of
// that stat (size, modification and change time, inode, device), and
// only its head is read. dbt does not hash such a seed either (its
// checksum is its path), and whatever elt keys on sum still changes with
// the contents, since writing the file changes its stat: hashing 1 GB
// took about 0.9 s of CPU on every load that found no cached entry. An
// unchanged file whose stat changed (touch, a fresh checkout) only misses
// the caches once. dbtSum is dbt's checksum of the seed: the sha256 of
// its contents stripped of leading and trailing whitespace (as Python's
// str.strip), or "" when the file is over maxSeedSize.
func readSeed(p string, st fileStat, stable bool) (sum, dbtSum string, head []byte, err error) {
	fh, err := os.Open(p)
	if err != nil {
		return "", "", nil, err
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		return "", "", nil, err
	}
	if fi.Size() <= maxSeedSize {
		data, err := io.ReadAll(io.LimitReader(fh, maxSeedSize+1))
		if err != nil {
			return "", "", nil, err
		}
		raw, stripped := sha256.Sum256(data), sha256.Sum256(bytes.TrimSpace(data))
		head = data
		if len(head) > seedHead {
			head = head[:seedHead:seedHead]
		}
		return hex.EncodeToString(raw[:]), hex.EncodeToString(stripped[:]), head, nil
	}
	head = make([]byte, seedHead)
	n, err := io.ReadFull(fh, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", "", nil, err
	}
	head = head[:n]
	// The open file must be the one stat'ed: same size and modification
	// time. A file replaced in between with both the same still has
	// another inode, so the next load's stat differs and replaces this
	// sum.
	if stable && fi.Size() == st.size && fi.ModTime().UnixNano() == st.mtime {
		return stampSum(st), "", head, nil
	}
	h := sha256.New()
	h.Write(head)
	if _, err := io.Copy(h, fh); err != nil {
		return "", "", nil, err
	}
	return hex.EncodeToString(h.Sum(nil)), "", head, nil
}

// stampSum is the sum of a large seed taken from its stat (readSeed); it
// cannot be mistaken for a sha256, which is hex.
func stampSum(st fileStat) string {
	return fmt.Sprintf("stat:%d.%d.%d.%d.%d", st.size, st.mtime, st.ctime, st.ino, st.dev)
}

func readFile(root, rel string) ([]byte, error) {
	return os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
}

// ---- nodes ----

func (l *loader) addNodes(f *diskFile) {
	if f.err != nil {
		return
	}
	pkg := l.cur.name
	switch f.ext {
	case ".py":
		// A Python model is a node like any other (its dependencies are
		// read by the compiler); elt does not run it.
		if f.has(kindModel) {
			within := f.within(kindModel)
			name := strings.TrimSuffix(path.Base(within), path.Ext(within))
			l.addNode(&Node{ResourceType: Model, Name: name, Path: within, FQN: fqnFor(pkg, within, name),
				RawCode: f.src(), Language: "python"}, f, diag.Pos{})
		}
	case ".csv":
		if f.has(kindSeed) {
			within := f.within(kindSeed)
			name := strings.TrimSuffix(path.Base(within), path.Ext(within))
			n := &Node{ResourceType: Seed, Name: name, Path: within, FQN: fqnFor(pkg, within, name)}
			l.addNode(n, f, diag.Pos{})
			if l.seedData == nil {
				l.seedData = map[string][]byte{}
			}
			l.seedData[n.UniqueID] = f.data
		}
	case ".sql":
		if f.has(kindModel) {
			if n := f.model; n != nil && f.scope == l.cur {
				l.registerNode(n, f, diag.Pos{})
			} else {
				within := f.within(kindModel)
				name := strings.TrimSuffix(path.Base(within), path.Ext(within))
				code, off, line, col := strippedSrc(f.src())
				l.addNode(&Node{ResourceType: Model, Name: name, Path: within, FQN: fqnFor(pkg, within, name),
					RawCode: code, RawCodeOffset: off, RawCodeLine: line, RawCodeColumn: col}, f, diag.Pos{})
			}
		}
		if f.has(kindSnapshot) {
			l.addSnapshots(f)
		}
		if f.has(kindTest) {
			within := f.within(kindTest)
			switch {
			case strings.HasPrefix(within, "generic/"):
				l.addMacroFile(f)
			case strings.HasPrefix(within, "fixtures/"):
				// Unit test fixtures (dbt 1.8), not singular tests.
			default:
				name := strings.TrimSuffix(path.Base(within), path.Ext(within))
				code, off, line, col := strippedSrc(f.src())
				l.addNode(&Node{ResourceType: Test, Name: name, Path: within, FQN: fqnFor(pkg, within, name),
					RawCode: code, RawCodeOffset: off, RawCodeLine: line, RawCodeColumn: col}, f, diag.Pos{})
			}
		}
		if f.has(kindAnalysis) {
			// dbt's analysis path (and so its fqn) starts with "analysis"
			// (parser/analysis.py get_compiled_path).
			within := path.Join("analysis", f.within(kindAnalysis))
			name := strings.TrimSuffix(path.Base(within), path.Ext(within))
			code, off, line, col := strippedSrc(f.src())
			l.addNode(&Node{ResourceType: Analysis, Name: name, Path: within, FQN: fqnFor(pkg, within, name),
				RawCode: code, RawCodeOffset: off, RawCodeLine: line, RawCodeColumn: col}, f, diag.Pos{})
		}
		if f.has(kindMacro) && !(f.has(kindTest) && strings.HasPrefix(f.within(kindTest), "generic/")) {
			l.addMacroFile(f)
		}
	}
}

// fqnFor is [package, folders..., name].
func fqnFor(pkg, within, name string) []string {
	dir := path.Dir(within)
	size := 2
	if dir != "." {
		size += strings.Count(dir, "/") + 1
	}
	fqn := make([]string, 0, size)
	fqn = append(fqn, pkg)
	if dir != "." {
		for part := range strings.SplitSeq(dir, "/") {
			fqn = append(fqn, part)
		}
	}
	return append(fqn, name)
}

// modelNode is the node of a model .sql file, ready for registerNode:
// it needs nothing but the file, so readAll builds it on every core.
func modelNode(f *diskFile) *Node {
	within := f.within(kindModel)
	name := strings.TrimSuffix(path.Base(within), path.Ext(within))
	code, off, line, col := strippedSrc(f.src())
	n := &Node{ResourceType: Model, Name: name, Path: within, FQN: fqnFor(f.scope.name, within, name),
		RawCode: code, RawCodeOffset: off, RawCodeLine: line, RawCodeColumn: col}
	prepareNode(n, f, f.scope)
	return n
}

// addNode registers n, read from f; pos is where in f it is defined (the
// zero Pos for a node that is the whole file), for duplicate reports.
func (l *loader) addNode(n *Node, f *diskFile, pos diag.Pos) {
	prepareNode(n, f, l.cur)
	l.registerNode(n, f, pos)
}

// prepareNode fills in what n, read from f in project sc, takes from them.
func prepareNode(n *Node, f *diskFile, sc *scope) {
	n.Package = sc.name
	n.PackageDir = sc.dir
	n.UniqueID = string(n.ResourceType) + "." + n.Package + "." + n.Name
	n.OriginalFilePath = f.rel
	n.Checksum = f.sum
	switch {
	case n.ResourceType == Seed:
		n.Checksum = f.seedSum
		if f.seedSum == "" {
			n.ChecksumName = ChecksumPath
		}
	case f.seedSum != "":
		n.Checksum = f.seedSum // the stripped contents' (readOne)
	}
	if n.Language == "" {
		n.Language = "sql"
	}
}

// registerNode adds n, prepared (prepareNode), to the project, reporting
// a duplicate; pos is where in f it is defined (the zero Pos for a node
// that is the whole file).
func (l *loader) registerNode(n *Node, f *diskFile, pos diag.Pos) {
	if n.ResourceType != Test && n.ResourceType != Analysis {
		key := n.UniqueID[len(n.ResourceType)+1:] // package.name
		if prev, dup := l.refable[key]; dup {
			if prev.UniqueID == n.UniqueID && prev.Version == nil && n.Version == nil {
				// Allowed while at most one is enabled, which only the
				// compiler knows (a config() call may disable one).
				if l.proj.Alternates == nil {
					l.proj.Alternates, l.altSites = map[string][]*Node{}, map[*Node]patchSite{}
				}
				l.altSites[n] = patchSite{f.rel, pos}
				l.proj.Alternates[n.UniqueID] = append(l.proj.Alternates[n.UniqueID], n)
				return
			}
			l.diags.Add(diag.Errorf(f.rel, pos, "rename one of them, or disable one with enabled: false",
				"%s: %s %s and %s %s", DuplicateName(prev.ResourceType, n.ResourceType, n.Name),
				prev.ResourceType, prev.OriginalFilePath, n.ResourceType, n.OriginalFilePath))
			return
		}
		l.refable[key] = n
	}
	if prev, dup := l.proj.Nodes[n.UniqueID]; dup {
		l.diags.Add(diag.Errorf(f.rel, pos, "rename one of them",
			"%s: %s and %s", DuplicateName(n.ResourceType, n.ResourceType, n.Name), prev.OriginalFilePath, n.OriginalFilePath))
		return
	}
	l.proj.Nodes[n.UniqueID] = n
}

// addSnapshots turns each {% snapshot name %}...{% endsnapshot %} block into a node.
func (l *loader) addSnapshots(f *diskFile) {
	src := f.src()
	within := f.within(kindSnapshot)
	noExt := strings.TrimSuffix(within, path.Ext(within))
	blocks, errs := findBlocks(src, "snapshot")
	for _, e := range errs {
		l.diags.Add(diag.Errorf(f.rel, diag.LineCol(src, e.offset), e.hint, "%s", e.msg))
	}
	for _, b := range blocks {
		fqn := append([]string{l.cur.name}, strings.Split(noExt, "/")...)
		fqn = append(fqn, b.name)
		l.addNode(&Node{ResourceType: Snapshot, Name: b.name, Path: within, FQN: fqn,
			RawCode: b.body, RawCodeOffset: b.bodyOffset, RawCodeLine: strings.Count(src[:b.bodyOffset], "\n")}, f,
			diag.LineCol(src, b.offset))
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// strippedSrc is a SQL file's contents as dbt reads them, stripped of the
// whitespace around them (read_files.py load_file_contents(strip=True)),
// which is what it renders; off, line and col are where that starts in
// the file (its byte offset, the lines and the columns before it), so
// that positions are still reported in the file.
func strippedSrc(src string) (code string, off, line, col int) {
	code = strings.TrimRightFunc(src, unicode.IsSpace)
	trimmed := strings.TrimLeftFunc(code, unicode.IsSpace)
	off = len(code) - len(trimmed)
	lead := code[:off]
	return trimmed, off, strings.Count(lead, "\n"), len(lead) - (strings.LastIndex(lead, "\n") + 1)
}
