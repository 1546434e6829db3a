package compiler

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/elt-dev/elt/internal/digest"
	"github.com/elt-dev/elt/project"
)

// keyBuf is the text a render cache key hashes. Every part is tagged with
// its type and prefixed with its length, so two different sequences of
// values never write the same text. It replaces fmt's %#v, whose
// reflection and map sorting were a third of a cold compile's render.
type keyBuf []byte

func (b *keyBuf) sum() digest.Key { return digest.Sum(*b) }

func (b *keyBuf) raw(tag byte, s string) {
	*b = append(*b, tag)
	*b = strconv.AppendInt(*b, int64(len(s)), 10)
	*b = append(*b, ':')
	*b = append(*b, s...)
}

// str writes one string.
func (b *keyBuf) str(parts ...string) {
	for _, s := range parts {
		b.raw('s', s)
	}
}

// value writes v: the values a config or a test's arguments hold once
// read from YAML or a config() call; any other type as fmt prints it.
func (b *keyBuf) value(v any) {
	switch x := v.(type) {
	case nil:
		*b = append(*b, 'n')
	case string:
		b.raw('s', x)
	case bool:
		if x {
			*b = append(*b, 'T')
		} else {
			*b = append(*b, 'F')
		}
	case int:
		*b = append(*b, 'i')
		*b = strconv.AppendInt(*b, int64(x), 10)
		*b = append(*b, ';')
	case int64:
		*b = append(*b, 'I')
		*b = strconv.AppendInt(*b, x, 10)
		*b = append(*b, ';')
	case float64:
		*b = append(*b, 'f')
		*b = strconv.AppendFloat(*b, x, 'g', -1, 64)
		*b = append(*b, ';')
	case []string:
		b.raw('L', strconv.Itoa(len(x)))
		for _, s := range x {
			b.raw('s', s)
		}
	case []any:
		b.raw('A', strconv.Itoa(len(x)))
		for _, e := range x {
			b.value(e)
		}
	case map[string]any:
		b.mapping('M', x)
	case project.Config:
		b.mapping('C', x)
	default:
		b.raw('x', fmt.Sprintf("%T %#v", v, v))
	}
}

func (b *keyBuf) mapping(tag byte, m map[string]any) {
	b.raw(tag, strconv.Itoa(len(m)))
	var arr [16]string // configs are small: no allocation to sort them
	keys := arr[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b.raw('s', k)
		b.value(m[k])
	}
}

func (b *keyBuf) relation(r Relation) {
	b.str(r.Database, r.Schema, r.Identifier)
}
