// Package trailer seals the files elt keeps for itself under target/ (its
// caches) with a CRC-32C of their contents, written after them, so that a
// file damaged after it was written is recognized and ignored instead of
// believed.
//
// elt writes those files to a temporary name and renames them, without
// syncing them first (they are derived again when missing). After a crash,
// a file system that writes data lazily may leave a renamed file holding
// zeros or blocks of some other file's old contents, at its full length:
// lengths and magic numbers alone do not tell. A cache read from such a
// file could serve a render, a file's contents or a check result that no
// input produced. The checksum costs about a millisecond per 10 MB.
package trailer

import (
	"encoding/binary"
	"hash/crc32"
	"io"
	"unsafe"
)

// Size is the length of the trailer.
const Size = 4

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Writer passes what is written to it on to an underlying writer and
// keeps its checksum; Seal writes the trailer.
type Writer struct {
	w   io.Writer
	crc uint32
}

// NewWriter returns a Writer writing to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

func (w *Writer) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	w.crc = crc32.Update(w.crc, castagnoli, p[:n])
	return n, err
}

// WriteString writes s without copying it into a byte slice.
func (w *Writer) WriteString(s string) (int, error) {
	n, err := io.WriteString(w.w, s)
	w.crc = crc32.Update(w.crc, castagnoli, bytesOf(s[:n]))
	return n, err
}

// Seal writes the trailer of everything written so far.
func (w *Writer) Seal() error {
	_, err := w.w.Write(binary.LittleEndian.AppendUint32(nil, w.crc))
	return err
}

// Reader passes on what it reads from an underlying reader and keeps its
// checksum, for a stream read in parts: Check then reads the trailer.
// It is an io.ByteReader, so that a decoder given it reads no further
// than it needs (encoding/gob wraps other readers in a buffer).
type Reader struct {
	r   io.ByteReader
	rr  io.Reader
	crc uint32
	one [1]byte
}

// NewReader returns a Reader reading from r.
func NewReader(r interface {
	io.Reader
	io.ByteReader
}) *Reader {
	return &Reader{r: r, rr: r}
}

func (r *Reader) Read(p []byte) (int, error) {
	n, err := r.rr.Read(p)
	r.crc = crc32.Update(r.crc, castagnoli, p[:n])
	return n, err
}

// ReadByte reads one byte.
func (r *Reader) ReadByte() (byte, error) {
	b, err := r.r.ReadByte()
	if err == nil {
		r.one[0] = b
		r.crc = crc32.Update(r.crc, castagnoli, r.one[:])
	}
	return b, err
}

// Check reads the trailer that follows what was read and reports whether
// it is the checksum of what was read.
func (r *Reader) Check() bool {
	var t [Size]byte
	if _, err := io.ReadFull(r.rr, t[:]); err != nil {
		return false
	}
	return binary.LittleEndian.Uint32(t[:]) == r.crc
}

// Open returns the contents of a sealed file read into s, without its
// trailer, and whether the trailer is their checksum.
func Open(s string) (string, bool) {
	if len(s) < Size {
		return "", false
	}
	body := s[:len(s)-Size]
	want := binary.LittleEndian.Uint32(bytesOf(s[len(s)-Size:]))
	return body, crc32.Checksum(bytesOf(body), castagnoli) == want
}

// OpenBytes is Open over bytes.
func OpenBytes(b []byte) ([]byte, bool) {
	if len(b) < Size {
		return nil, false
	}
	body := b[:len(b)-Size]
	return body, crc32.Checksum(body, castagnoli) == binary.LittleEndian.Uint32(b[len(b)-Size:])
}

// Seal returns b with its trailer appended.
func Seal(b []byte) []byte {
	t := Of(b)
	return append(b, t[:]...)
}

// Of returns the trailer of b.
func Of(b []byte) [Size]byte {
	var t [Size]byte
	binary.LittleEndian.PutUint32(t[:], crc32.Checksum(b, castagnoli))
	return t
}

// bytesOf is s's bytes, not a copy: the checksum only reads them, and a
// cache file read into a string (a mapped one, often) is tens of
// megabytes.
func bytesOf(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}
