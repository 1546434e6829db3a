package project

import (
	"fmt"
	"strings"
)

// RelationCall is a ref() or source() written as text, as a foreign key
// constraint's to: holds it: ref('[package', ]'name'[, version=V]) or
// source('source', 'table').
type RelationCall struct {
	Source  bool   // source(): Package is the source name, Name the table
	Package string // ref's package, "" unless given
	Name    string
	Version string // ref's version= (or v=), "" unless given
}

// ParseRelationCall reads expr the way dbt's statically_parse_ref_or_source
// does: one ref() or source() call of literal arguments and nothing else.
func ParseRelationCall(expr string) (RelationCall, error) {
	p := callParser{s: expr}
	var c RelationCall
	name := p.ident()
	if name != "ref" && name != "source" {
		return c, fmt.Errorf("not a ref() or source() call")
	}
	c.Source = name == "source"
	if !p.take('(') {
		return c, fmt.Errorf("%s is not called", name)
	}
	var pos []string
	for !p.take(')') {
		if len(pos) > 0 || c.Version != "" {
			if !p.take(',') {
				return c, fmt.Errorf("expected , or ) at %d", p.i)
			}
		}
		save := p.i
		if kw := p.ident(); kw != "" {
			if c.Source || (kw != "version" && kw != "v") || !p.take('=') {
				return c, fmt.Errorf("unexpected %s", kw)
			}
			v, ok := p.literal(true)
			if !ok || c.Version != "" {
				return c, fmt.Errorf("bad version")
			}
			c.Version = v
			continue
		}
		p.i = save
		v, ok := p.literal(false)
		if !ok || c.Version != "" {
			return c, fmt.Errorf("expected a string at %d", p.i)
		}
		pos = append(pos, v)
	}
	p.space()
	if p.i != len(p.s) {
		return c, fmt.Errorf("text after the call")
	}
	switch {
	case c.Source && len(pos) == 2:
		c.Package, c.Name = pos[0], pos[1]
	case !c.Source && len(pos) == 1:
		c.Name = pos[0]
	case !c.Source && len(pos) == 2:
		c.Package, c.Name = pos[0], pos[1]
	default:
		return c, fmt.Errorf("%s() with %d arguments", name, len(pos))
	}
	return c, nil
}

// callParser scans one call expression.
type callParser struct {
	s string
	i int
}

func (p *callParser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *callParser) take(c byte) bool {
	p.space()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// ident reads a name, "" when there is none.
func (p *callParser) ident() string {
	p.space()
	start := p.i
	for p.i < len(p.s) && (p.s[p.i] == '_' || isAlnum(p.s[p.i])) {
		p.i++
	}
	if start < p.i && p.s[start] >= '0' && p.s[start] <= '9' {
		p.i = start
		return ""
	}
	return p.s[start:p.i]
}

// literal reads a quoted string, or (number set) an unquoted number.
func (p *callParser) literal(number bool) (string, bool) {
	p.space()
	if p.i >= len(p.s) {
		return "", false
	}
	if q := p.s[p.i]; q == '\'' || q == '"' {
		j := strings.IndexByte(p.s[p.i+1:], q)
		if j < 0 {
			return "", false
		}
		v := p.s[p.i+1 : p.i+1+j]
		p.i += j + 2
		return v, true
	}
	if !number {
		return "", false
	}
	start := p.i
	for p.i < len(p.s) && (p.s[p.i] == '.' || (p.s[p.i] >= '0' && p.s[p.i] <= '9')) {
		p.i++
	}
	return p.s[start:p.i], start < p.i
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
