package project

import (
	"fmt"
	"github.com/elt-dev/elt/internal/lazyre"
	"github.com/elt-dev/elt/internal/textdist"
	"regexp"
	"strings"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/jinja"
)

// block is one {% tag name %}...{% endtag %} block of a file.
type block struct {
	name       string
	body       string
	bodyOffset int // byte offset of body in the file
	offset     int // byte offset of the opening tag
}

type blockError struct {
	offset int
	msg    string
	hint   string
}

var blockRes = map[string][2]*regexp.Regexp{}

func init() {
	for _, tag := range []string{"snapshot", "docs"} {
		blockRes[tag] = [2]*regexp.Regexp{
			regexp.MustCompile(`\{%-?\s*` + tag + `\s+([^\s%]*)\s*-?%\}`),
			regexp.MustCompile(`\{%-?\s*end` + tag + `\s*-?%\}`),
		}
	}
}

// findBlocks lists the tag blocks of src, with an error for each unclosed
// or badly named block. Blocks do not nest.
func findBlocks(src, tag string) ([]block, []blockError) {
	if !strings.Contains(src, tag) {
		return nil, nil
	}
	res := blockRes[tag]
	open, end := res[0], res[1]
	var blocks []block
	var errs []blockError
	pos := 0
	for pos < len(src) {
		m := open.FindStringSubmatchIndex(src[pos:])
		if m == nil {
			break
		}
		start, bodyStart := pos+m[0], pos+m[1]
		name := src[pos+m[2] : pos+m[3]]
		e := end.FindStringIndex(src[bodyStart:])
		if e == nil {
			errs = append(errs, blockError{start, fmt.Sprintf("{%% %s %s %%} is never closed", tag, name),
				fmt.Sprintf("add {%% end%s %%} after the block", tag)})
			break
		}
		if !identRe().MatchString(name) {
			errs = append(errs, blockError{start, fmt.Sprintf("invalid %s name %q", tag, name),
				"use only letters, digits and underscores, not starting with a digit"})
		} else {
			blocks = append(blocks, block{name: name, body: src[bodyStart : bodyStart+e[0]], bodyOffset: bodyStart, offset: start})
		}
		pos = bodyStart + e[1]
	}
	return blocks, errs
}

// ---- docs ----

func (l *loader) parseDocsFile(f *diskFile) {
	if f.err != nil {
		return
	}
	src := f.src()
	blocks, errs := findBlocks(src, "docs")
	for _, e := range errs {
		l.diags.Add(diag.Errorf(f.rel, diag.LineCol(src, e.offset), e.hint, "%s", e.msg))
	}
	for _, b := range blocks {
		pos := diag.LineCol(src, b.offset)
		key := l.docKey(l.cur.name, b.name)
		if prev, dup := l.proj.Docs[key]; dup {
			l.diags.Add(diag.Errorf(f.rel, pos, "rename one of them",
				"docs block %q is defined twice: %s:%d and %s:%d", b.name, prev.File, prev.Pos.Line, f.rel, pos.Line))
			continue
		}
		l.proj.Docs[key] = &DocBlock{Name: b.name, Package: l.cur.name, Contents: strings.TrimSpace(b.body), File: f.rel, Pos: pos}
	}
}

// builtinOverview is the overview docs block of dbt's own package, which
// dbt's manifest always holds (doc.dbt.__overview__, from its global
// project's docs/overview.md) and doc('__overview__') finds when no
// project defines one. The text is elt's own.
const builtinOverview = `### Welcome!

This site documents the project's models, seeds, snapshots, sources, tests and macros,
built from its manifest and catalog.

### Finding your way

- The project tree on the left follows the project's folders; the database tree follows
  the schemas the resources are built in.
- Each resource's page shows its description, columns, code and the resources it
  depends on and that depend on it.
- The lineage graph shows how resources connect; select a resource to focus on it.

### Your own overview

Define a docs block named __overview__ in a .md file of the project to replace this page.`

// addBuiltinOverview adds dbt's package's __overview__ docs block.
func (l *loader) addBuiltinOverview() {
	const pkg, name = "dbt", "__overview__"
	key := l.docKey(pkg, name)
	if _, ok := l.proj.Docs[key]; ok {
		return
	}
	l.proj.Docs[key] = &DocBlock{Name: name, Package: pkg, Contents: builtinOverview, File: "docs/overview.md", Pos: diag.Pos{Line: 1}}
}

// docKey is the key of a docs block in Project.Docs: its name in the root
// project, "<package>.<name>" in an installed package.
func (l *loader) docKey(pkg, name string) string {
	if pkg == l.proj.Config.Name {
		return name
	}
	return pkg + "." + name
}

// findDoc resolves doc(name) or doc(pkg, name) as dbt does: with a package,
// only there; else the root project, then the current package, then any.
func (l *loader) findDoc(pkg, name string) (*DocBlock, bool) {
	if pkg != "" {
		d, ok := l.proj.Docs[l.docKey(pkg, name)]
		return d, ok
	}
	for _, p := range []string{l.proj.Config.Name, l.cur.name} {
		if d, ok := l.proj.Docs[l.docKey(p, name)]; ok {
			return d, true
		}
	}
	for _, k := range sortedKeys(l.proj.Docs) {
		if d := l.proj.Docs[k]; d.Name == name {
			return d, true
		}
	}
	return nil, false
}

var docCallRe = lazyre.New(`\{\{-?\s*doc\(\s*(?:['"]([^'"]*)['"]\s*,\s*)?['"]([^'"]*)['"]\s*\)\s*-?\}\}`)

// docBlocks are the unique ids of the docs blocks a description calls
// doc() for, in order, as dbt 1.10's doc_blocks (one found by name only
// resolves as resolveDocs does; one not found is left out).
func (l *loader) docBlocks(s string) []string {
	if !strings.Contains(s, "doc(") {
		return nil
	}
	var out []string
	for _, m := range docCallRe().FindAllStringSubmatch(s, -1) {
		if d, ok := l.findDoc(m[1], m[2]); ok {
			out = append(out, "doc."+d.Package+"."+d.Name)
		}
	}
	return out
}

// resolveDocs replaces {{ doc('name') }} in a description with the docs
// block's text. A description with other Jinja is rendered as dbt renders
// descriptions (var, env_var, target, doc() giving a block's text:
// "{{ doc('d').format(name='id') }}").
func (l *loader) resolveDocs(file string, pos diag.Pos, s string) string {
	if !hasJinja(s) {
		return s
	}
	if hasJinja(docCallRe().ReplaceAllString(s, "")) {
		return l.renderDescription(file, pos, s)
	}
	if !strings.Contains(s, "doc(") {
		return s
	}
	return docCallRe().ReplaceAllStringFunc(s, func(call string) string {
		m := docCallRe().FindStringSubmatch(call)
		pkg, name := m[1], m[2]
		d, ok := l.findDoc(pkg, name)
		if !ok && pkg != "" {
			l.diags.Add(diag.Errorf(file, pos, "check the package and block names",
				"doc('%s', '%s') not found", pkg, name))
			return call
		}
		if !ok {
			hint := "define it in a .md file under a docs path: {% docs " + name + " %}...{% enddocs %}"
			if s := nearestName(name, sortedKeys(l.proj.Docs)); s != "" {
				hint = fmt.Sprintf("did you mean doc('%s')?", s)
			}
			l.diags.Add(diag.Errorf(file, pos, hint, "doc('%s') not found", name))
			return call
		}
		return d.Contents
	})
}

// renderDescription renders description s with the properties' Jinja
// context and doc(); one that does not render stays as written, with a
// warning.
func (l *loader) renderDescription(file string, pos diag.Pos, s string) string {
	doc := jinja.Func(func(_ *jinja.State, args []any, _ jinja.Kwargs) (any, error) {
		var pkg, name string
		switch len(args) {
		case 1:
			name, _ = args[0].(string)
		case 2:
			pkg, _ = args[0].(string)
			name, _ = args[1].(string)
		default:
			return nil, fmt.Errorf("doc() takes a block name, or a package and a block name")
		}
		d, ok := l.findDoc(pkg, name)
		if !ok {
			return nil, fmt.Errorf("doc('%s') not found", name)
		}
		return d.Contents, nil
	})
	v, err := l.propsJinja.renderWith(s, map[string]any{"doc": doc})
	if err == nil {
		var out string
		if out, err = jinja.Str(v); err == nil {
			return out
		}
	}
	l.diags.Add(diag.Warnf(file, pos, "fix the description's Jinja, or quote it as text",
		"the description is kept as written: it does not render: %v", err))
	return s
}

func nearestName(name string, names []string) string {
	best, bestDist := "", 3
	for _, n := range names {
		if d := textdist.Levenshtein(n, name); d < bestDist {
			best, bestDist = n, d
		}
	}
	return best
}
