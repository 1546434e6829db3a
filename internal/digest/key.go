package digest

import "github.com/zeebo/xxh3"

// Key is what a cache stores to tell whether an entry still holds: the
// 128-bit XXH3 hash of the bytes that entry was made from. Caches compare
// keys for equality only, of inputs the project's own files produce, so a
// fast non-cryptographic hash serves: it hashes some 45 GB/s here against
// SHA-256's 1.7 GB/s, and at 128 bits two different inputs meet the same
// key by chance about once in 2^128 comparisons. (A file's checksum in
// manifest.json stays dbt's sha256.)
type Key [16]byte

// Sum is the key of b.
func Sum(b []byte) Key { return xxh3.Hash128(b).Bytes() }

// SumString is the key of s.
func SumString(s string) Key { return xxh3.HashString128(s).Bytes() }

// Hasher is Sum of bytes written in parts: the key of their
// concatenation.
type Hasher struct{ h *xxh3.Hasher }

// NewHasher starts a Hasher.
func NewHasher() Hasher { return Hasher{h: xxh3.New()} }

// Write adds b.
func (h Hasher) Write(b []byte) { _, _ = h.h.Write(b) }

// Key is the key of everything written.
func (h Hasher) Key() Key { return h.h.Sum128().Bytes() }
