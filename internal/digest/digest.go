// Package digest builds the bytes a cache key hashes: every string and
// list is written after its length, so no two different sequences of
// values write the same bytes, and one Sum of the buffer costs less than
// many small writes to a hash.
package digest

import "encoding/binary"

// Buf collects what is hashed.
type Buf []byte

// Num writes an integer.
func (b *Buf) Num(v int) { *b = binary.AppendVarint(*b, int64(v)) }

// Flag writes a boolean.
func (b *Buf) Flag(f bool) {
	if f {
		*b = append(*b, 1)
	} else {
		*b = append(*b, 0)
	}
}

// Str writes each string, its length first.
func (b *Buf) Str(ss ...string) {
	for _, s := range ss {
		b.Num(len(s))
		*b = append(*b, s...)
	}
}

// List writes a list, telling nil (unknown) from empty.
func (b *Buf) List(l []string) {
	if l == nil {
		b.Num(-1)
		return
	}
	b.Num(len(l))
	b.Str(l...)
}
