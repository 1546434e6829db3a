package graph

import (
	"path"
	"regexp"
	"strings"
)

// glob matches Unix shell-style wildcards the way dbt's selectors do
// (Python's fnmatch): * matches any run of characters, dots and slashes
// included; ? one character; [abc], [a-z] and [!abc] one character of a set.
// Matching is case-sensitive.
type glob struct {
	literal string
	re      *regexp.Regexp // nil when the pattern has no wildcard
}

func hasWildcard(s string) bool { return strings.ContainsAny(s, "*?[") }

func compileGlob(pattern string) glob {
	if !hasWildcard(pattern) {
		return glob{literal: pattern}
	}
	var b strings.Builder
	b.WriteString(`\A(?s:`)
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch c {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '[':
			end := classEnd(pattern, i)
			if end < 0 {
				b.WriteString(`\[`) // an unclosed [ is literal, as in fnmatch
				continue
			}
			class := pattern[i+1 : end]
			b.WriteByte('[')
			if strings.HasPrefix(class, "!") {
				b.WriteByte('^')
				class = class[1:]
			}
			b.WriteString(strings.ReplaceAll(strings.ReplaceAll(class, `\`, `\\`), "[", `\[`))
			b.WriteByte(']')
			i = end
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString(`)\z`)
	re, err := regexp.Compile(b.String())
	if err != nil {
		// A set like [z-a] is not a valid range; treat the pattern literally.
		return glob{literal: pattern}
	}
	return glob{re: re}
}

// classEnd returns the index of the ] closing the set that opens at i, or -1.
func classEnd(pattern string, i int) int {
	j := i + 1
	if j < len(pattern) && pattern[j] == '!' {
		j++
	}
	if j < len(pattern) && pattern[j] == ']' { // a leading ] is part of the set
		j++
	}
	for ; j < len(pattern); j++ {
		if pattern[j] == ']' {
			return j
		}
	}
	return -1
}

func (g glob) match(s string) bool {
	if g.re == nil {
		return s == g.literal
	}
	return g.re.MatchString(s)
}

func (g glob) matchAny(ss []string) bool {
	for _, s := range ss {
		if g.match(s) {
			return true
		}
	}
	return false
}

// pathSelector matches node file paths for the path: method: a file, or a
// folder and everything under it. Wildcards follow path.Match (a * stays
// within one path segment), like the glob dbt runs over the project folder.
type pathSelector struct {
	clean    string
	wildcard bool
}

func newPathSelector(value string) pathSelector {
	v := strings.ReplaceAll(value, `\`, "/")
	v = path.Clean(v)
	return pathSelector{clean: v, wildcard: hasWildcard(v)}
}

// matchFile reports whether the pattern names file itself (not a folder
// above it), as dbt compares a node's patch path with the globbed files.
func (p pathSelector) matchFile(file string) bool {
	if file == "" {
		return false
	}
	file = path.Clean(file)
	if !p.wildcard {
		return file == p.clean
	}
	ok, _ := path.Match(p.clean, file)
	return ok
}

func (p pathSelector) match(file string) bool {
	if file == "" {
		return false
	}
	file = path.Clean(file)
	if p.clean == "." {
		return true
	}
	if !p.wildcard {
		return file == p.clean || strings.HasPrefix(file, p.clean+"/")
	}
	// The pattern may name the file or any folder above it.
	for f := file; f != "." && f != "/"; f = path.Dir(f) {
		if ok, _ := path.Match(p.clean, f); ok {
			return true
		}
	}
	return false
}
