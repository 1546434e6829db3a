package project

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/elt-dev/elt/internal/diag"
)

// dbtIgnoreFile is the file at a project's root whose gitignore-style
// patterns name files that are not part of the project: dbt leaves them
// out of every resource path it searches (parser/read_files.py). Each
// project, the root and every package, has its own, matched against paths
// relative to that project's folder.
const dbtIgnoreFile = ".dbtignore"

// ignoreSpec is a project's .dbtignore, as the gitwildmatch patterns of
// Python's pathspec (0.12) read it: the last pattern that matches a path
// decides, a "!" pattern keeping the path.
type ignoreSpec struct {
	patterns []ignorePattern
}

type ignorePattern struct {
	re     *regexp.Regexp
	ignore bool // false for a "!" pattern
}

// readIgnoreSpec reads the .dbtignore of the project in dir (relative to
// root, slash-separated): nil when there is none. A pattern that cannot be
// read is reported at its line, as dbt stops at it.
func (l *loader) readIgnoreSpec(dir string) *ignoreSpec {
	rel := path.Join(dir, dbtIgnoreFile)
	src, err := os.ReadFile(filepath.Join(l.root, filepath.FromSlash(rel)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		l.diags.Add(diag.Errorf(rel, diag.Pos{}, "check the file's permissions", "cannot read %s: %v", dbtIgnoreFile, err))
		return nil
	}
	spec := &ignoreSpec{}
	for i, line := range strings.Split(string(src), "\n") {
		p, err := parseIgnorePattern(line)
		if err != nil {
			l.diags.Add(diag.Errorf(rel, diag.Pos{Line: i + 1, Column: 1}, "escape the character, or remove the pattern",
				"invalid pattern %q: %v", strings.TrimSpace(line), err))
			continue
		}
		if p != nil {
			spec.patterns = append(spec.patterns, *p)
		}
	}
	return spec
}

// ignores reports whether rel, a file's path relative to the project's
// folder (slash-separated), is ignored.
func (s *ignoreSpec) ignores(rel string) bool {
	if s == nil {
		return false
	}
	rel = strings.TrimPrefix(rel, "./")
	ignored := false
	for _, p := range s.patterns {
		if p.re.MatchString(rel) {
			ignored = p.ignore
		}
	}
	return ignored
}

// parseIgnorePattern reads one line of a .dbtignore; nil for a blank line,
// a comment, or "/", which match nothing.
func parseIgnorePattern(line string) (*ignorePattern, error) {
	line = strings.TrimRight(line, "\r")
	if strings.HasSuffix(line, `\ `) {
		// An escaped trailing space is part of the pattern.
		line = strings.TrimLeft(line, " \t\n\r\v\f")
	} else {
		line = strings.TrimSpace(line)
	}
	if line == "" || line == "/" || strings.HasPrefix(line, "#") {
		return nil, nil
	}
	p := &ignorePattern{ignore: true}
	if strings.HasPrefix(line, "!") {
		p.ignore = false
		line = line[1:]
	}
	expr, err := ignoreRegexp(line)
	if err != nil {
		return nil, err
	}
	if p.re, err = regexp.Compile(expr); err != nil {
		return nil, fmt.Errorf("not a valid pattern: %w", err)
	}
	return p, nil
}

// ignoreRegexp translates a gitwildmatch pattern (without its "!") into a
// regular expression over a whole slash-separated path.
func ignoreRegexp(pattern string) (string, error) {
	segs := strings.Split(pattern, "/")
	// Runs of "**" segments are one.
	for i := len(segs) - 1; i > 0; i-- {
		if segs[i] == "**" && segs[i-1] == "**" {
			segs = append(segs[:i], segs[i+1:]...)
		}
	}
	if len(segs) == 2 && segs[0] == "**" && segs[1] == "" {
		// "**/" matches everything in a folder, not a file at the root.
		return `^.+/.*$`, nil
	}
	switch {
	case segs[0] == "":
		// A leading "/" anchors the pattern at the project's folder.
		segs = segs[1:]
	case len(segs) == 1 || len(segs) == 2 && segs[1] == "":
		// A single name (or "name/") matches at any depth.
		if segs[0] != "**" {
			segs = append([]string{"**"}, segs...)
		}
	}
	if len(segs) == 0 {
		return "", errors.New("it matches nothing")
	}
	if len(segs) > 1 && segs[len(segs)-1] == "" {
		// "dir/" matches what is inside dir.
		segs[len(segs)-1] = "**"
	}
	var b strings.Builder
	b.WriteString("^")
	needSlash := false
	last := len(segs) - 1
	for i, seg := range segs {
		switch {
		case seg == "**" && i == 0 && i == last:
			b.WriteString(`[^/]+(?:/.*)?`)
		case seg == "**" && i == 0:
			b.WriteString(`(?:.+/)?`)
			needSlash = false
		case seg == "**" && i == last:
			b.WriteString(`/.*`)
		case seg == "**":
			b.WriteString(`(?:/.+)?`)
			needSlash = true
		default:
			if needSlash {
				b.WriteString("/")
			}
			if seg == "*" {
				b.WriteString(`[^/]+`)
			} else {
				g, err := globSegment(seg)
				if err != nil {
					return "", err
				}
				b.WriteString(g)
			}
			if i == last {
				// A name matches a file, or a folder and all inside it.
				b.WriteString(`(?:/.*)?`)
			}
			needSlash = true
		}
	}
	b.WriteString("$")
	return b.String(), nil
}

// globSegment translates one path segment's glob: * and ? stop at a
// slash, [...] is a bracket expression ([!...] and [^...] negated), and a
// backslash escapes the next character.
func globSegment(seg string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		switch c {
		case '\\':
			if i+1 == len(seg) {
				return "", errors.New("a backslash at the end escapes nothing")
			}
			i++
			b.WriteString(regexp.QuoteMeta(seg[i : i+1]))
		case '*':
			b.WriteString(`[^/]*`)
		case '?':
			b.WriteString(`[^/]`)
		case '[':
			end := bracketEnd(seg, i+1)
			if end < 0 {
				b.WriteString(`\[`)
				continue
			}
			body := seg[i+1 : end]
			b.WriteString("[")
			if body != "" && (body[0] == '!' || body[0] == '^') {
				b.WriteString("^")
				body = body[1:]
			}
			b.WriteString(strings.ReplaceAll(body, `\`, `\\`))
			b.WriteString("]")
			i = end
		default:
			b.WriteString(regexp.QuoteMeta(seg[i : i+1]))
		}
	}
	return b.String(), nil
}

// bracketEnd is the index of the "]" closing the bracket expression whose
// body starts at start, or -1: a leading negation and a "]" right after
// it are part of the body.
func bracketEnd(seg string, start int) int {
	j := start
	if j < len(seg) && (seg[j] == '!' || seg[j] == '^') {
		j++
	}
	if j < len(seg) && seg[j] == ']' {
		j++
	}
	for j < len(seg) && seg[j] != ']' {
		j++
	}
	if j < len(seg) {
		return j
	}
	return -1
}
