package docs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"

	"github.com/elt-dev/elt/internal/targetfs"
)

// jsonStream writes one JSON document piece by piece. A manifest of 10,000
// nodes is tens of megabytes; encoding it entry by entry keeps memory flat
// instead of growing one buffer for the whole file. The output is the same
// compact JSON encoding/json would produce, keys sorted.
type jsonStream struct {
	w   io.Writer
	buf bytes.Buffer
	enc *json.Encoder
	err error
	// pos is how many bytes have been written: where the next byte goes.
	pos int64
	// free are the chunk buffers of parallelChunks, for the next chunks.
	free chunkBuffers
	// old is the file the chunks' splices copy from, kept the file of
	// those marked kept (see ManifestCache.Keep); copies counts them.
	old, kept *os.File
	copies    int
}

func newJSONStream(w io.Writer) *jsonStream {
	s := &jsonStream{w: w, free: make(chunkBuffers, 2*runtime.GOMAXPROCS(0)+1)}
	s.enc = json.NewEncoder(&s.buf)
	// SQL is full of <, > and &; dbt writes them as they are.
	s.enc.SetEscapeHTML(false)
	return s
}

func (s *jsonStream) raw(p string) {
	if s.err == nil {
		_, s.err = io.WriteString(s.w, p)
		s.pos += int64(len(p))
	}
}

func (s *jsonStream) value(v any) {
	if s.err != nil {
		return
	}
	s.buf.Reset()
	if s.err = s.enc.Encode(v); s.err != nil {
		return
	}
	b := bytes.TrimSuffix(s.buf.Bytes(), []byte("\n"))
	_, s.err = s.w.Write(b)
	s.pos += int64(len(b))
}

// key writes `"name":`, preceded by a comma unless first.
func (s *jsonStream) key(name string, first bool) {
	if !first {
		s.raw(",")
	}
	s.value(name)
	s.raw(":")
}

func streamMap[V any](s *jsonStream, m map[string]V) {
	keys := keysSorted(m)
	if len(keys) >= 2*streamChunk {
		streamEntries(s, keys, func(enc *json.Encoder, buf *bytes.Buffer, i int) error {
			return encodeTrimmed(enc, buf, m[keys[i]])
		})
		return
	}
	s.raw("{")
	for i, k := range keys {
		s.key(k, i == 0)
		s.value(m[k])
	}
	s.raw("}")
}

// streamEntries writes a JSON object of the given sorted keys, each
// value written by value into the chunk's buffer, in parallel chunks.
func streamEntries(s *jsonStream, keys []string, value func(enc *json.Encoder, buf *bytes.Buffer, i int) error) {
	s.raw("{")
	s.parallelEntries(len(keys), nil, func(enc *json.Encoder, buf *bytes.Buffer, i int) error {
		entryKey(buf, i, keys[i])
		return value(enc, buf, i)
	})
	s.raw("}")
}

// entryKey writes the key of an object's i-th entry: `"key":`, after a
// comma unless it is the first.
func entryKey(buf *bytes.Buffer, i int, key string) {
	if i > 0 {
		buf.WriteByte(',')
	}
	writeJSONString(buf, key)
	buf.WriteByte(':')
}

// streamChunk is how many entries of a large map one goroutine encodes
// at a time.
const streamChunk = 256

// chunkOut is one chunk of a parallel write: the bytes encoded, and the
// ranges of the stream's old file to copy in between them.
type chunkOut struct {
	buf     bytes.Buffer
	splices []splice
	spliced int64 // the bytes of the splices, so far
	// scratch holds what a chunk read of the old file, for the next.
	scratch []byte
}

// splice is n bytes of the old file (the kept one, when kept) at off,
// copied into the output before the chunk's byte at.
type splice struct {
	at     int
	off, n int64
	kept   bool
}

// pos is how many bytes of output the chunk holds so far.
func (c *chunkOut) pos() int64 { return int64(c.buf.Len()) + c.spliced }

// copyOld adds n bytes of the old file at off after what the chunk holds.
// Bytes that directly follow the last splice's in the old file, with
// nothing written since, extend it: unchanged neighbours are one copy.
func (c *chunkOut) copyOld(off, n int64) { c.copyFrom(false, off, n) }

// copyFrom is copyOld from the old file, or from the kept one.
func (c *chunkOut) copyFrom(kept bool, off, n int64) {
	c.spliced += n
	if k := len(c.splices) - 1; k >= 0 && c.splices[k].kept == kept && c.splices[k].at == c.buf.Len() && c.splices[k].off+c.splices[k].n == off {
		c.splices[k].n += n
		return
	}
	c.splices = append(c.splices, splice{at: c.buf.Len(), off: off, n: n, kept: kept})
}

// follows reports whether n bytes at off of the old (or kept) file
// directly follow the chunk's last splice, with only the k bytes just
// written to the chunk (a map key) in between, there as here.
func (c *chunkOut) follows(kept bool, keyAt, k int, off int64) bool {
	l := len(c.splices) - 1
	return l >= 0 && c.splices[l].kept == kept && c.splices[l].at == keyAt && c.splices[l].off+c.splices[l].n == off-int64(k)
}

// chunkBuffers are the buffers of encoded chunks, reused: a chunk of
// nodes is hundreds of kilobytes. A free list of the stream's own, not a
// sync.Pool, which a garbage collection empties: fresh memory costs more
// to touch than to reuse.
type chunkBuffers chan *chunkOut

func (f chunkBuffers) get() *chunkOut {
	select {
	case c := <-f:
		c.buf.Reset()
		c.splices, c.spliced = c.splices[:0], 0
		return c
	default:
		return new(chunkOut)
	}
}

func (f chunkBuffers) put(c *chunkOut) {
	select {
	case f <- c:
	default:
	}
}

// emit writes a chunk: its bytes, and its splices copied from the old
// file in their places.
func (s *jsonStream) emit(c *chunkOut) {
	b := c.buf.Bytes()
	from := 0
	for _, sp := range c.splices {
		if s.err != nil {
			return
		}
		_, s.err = s.w.Write(b[from:sp.at])
		if s.err == nil {
			s.err = s.copyOld(sp.kept, sp.off, sp.n)
			s.copies++
		}
		from = sp.at
	}
	if s.err == nil {
		_, s.err = s.w.Write(b[from:])
	}
}

// copyOld copies n bytes of the old file (or the kept one) at off into
// the output: by the kernel when the writer can (targetfs.RangeCopier),
// else read and written.
func (s *jsonStream) copyOld(kept bool, off, n int64) error {
	f := s.old
	if kept {
		f = s.kept
	}
	if f == nil {
		return fmt.Errorf("docs: a splice without a file to copy it from")
	}
	if rc, ok := s.w.(targetfs.RangeCopier); ok {
		return rc.CopyRange(f, off, n)
	}
	_, err := io.Copy(s.w, io.NewSectionReader(f, off, n))
	return err
}

// encodeTrimmed encodes v into buf (enc's buffer) without the newline
// json.Encoder ends each value with.
func encodeTrimmed(enc *json.Encoder, buf *bytes.Buffer, v any) error {
	if err := enc.Encode(v); err != nil {
		return err
	}
	buf.Truncate(buf.Len() - 1)
	return nil
}

// parallelEntries encodes entries 0..n-1 with entry, chunks of them on
// every core, and writes the chunks in order as they are done. A few
// chunks are in flight at once, so memory stays flat. written, when not
// nil, is told where each chunk began in the output once it is written.
func (s *jsonStream) parallelEntries(n int, written func(c int, at int64), entry func(enc *json.Encoder, buf *bytes.Buffer, i int) error) {
	s.parallelChunks(n, written, func(enc *json.Encoder, out *chunkOut, from, to int) error {
		for i := from; i < to; i++ {
			if err := entry(enc, &out.buf, i); err != nil {
				return err
			}
		}
		return nil
	})
}

// parallelChunks is parallelEntries with one call per chunk, entries
// from..to-1, written into out: encoded into its buffer, or spliced from
// the stream's old file.
func (s *jsonStream) parallelChunks(n int, written func(c int, at int64), chunk func(enc *json.Encoder, out *chunkOut, from, to int) error) {
	if s.err != nil {
		return
	}
	chunks := (n + streamChunk - 1) / streamChunk
	done := make([]chan *chunkOut, chunks)
	errs := make([]error, chunks)
	for c := range done {
		done[c] = make(chan *chunkOut, 1)
	}
	inFlight := make(chan struct{}, 2*runtime.GOMAXPROCS(0))
	go func() {
		for c := 0; c < chunks; c++ {
			inFlight <- struct{}{}
			go func(c int) {
				out := s.free.get()
				enc := json.NewEncoder(&out.buf)
				enc.SetEscapeHTML(false)
				errs[c] = chunk(enc, out, c*streamChunk, min(n, (c+1)*streamChunk))
				done[c] <- out
			}(c)
		}
	}()
	for c := 0; c < chunks; c++ {
		out := <-done[c]
		if errs[c] != nil && s.err == nil {
			s.err = errs[c]
		}
		if s.err == nil {
			at := s.pos
			s.emit(out)
			s.pos += out.pos()
			if s.err == nil && written != nil {
				written(c, at)
			}
		}
		s.free.put(out)
		<-inFlight
	}
}

// writeTo streams the manifest with the same keys as its json tags.
func (m *Manifest) writeTo(w io.Writer) error {
	s := newJSONStream(w)
	s.raw("{")
	s.key("metadata", true)
	s.value(m.Metadata)
	s.key("nodes", false)
	if m.cache != nil {
		s.cachedNodes(m.Nodes, m.cache, m.order)
	} else {
		streamNodes(s, m.Nodes, m.order)
	}
	s.key("sources", false)
	streamMap(s, m.Sources)
	s.key("macros", false)
	streamMap(s, m.Macros)
	s.key("docs", false)
	streamMap(s, m.Docs)
	for _, kv := range []struct {
		name string
		v    map[string]any
	}{
		{"exposures", m.Exposures}, {"metrics", m.Metrics}, {"groups", m.Groups}, {"selectors", m.Selectors},
	} {
		s.key(kv.name, false)
		streamMap(s, kv.v)
	}
	s.key("disabled", false)
	streamMap(s, m.Disabled)
	s.key("parent_map", false)
	streamStringLists(s, m.ParentMap, m.order)
	s.key("child_map", false)
	streamStringLists(s, m.ChildMap, m.order)
	s.key("group_map", false)
	streamStringLists(s, m.GroupMap, nil)
	for _, kv := range []struct {
		name string
		v    map[string]any
	}{
		{"saved_queries", m.SavedQueries}, {"semantic_models", m.SemanticModels}, {"unit_tests", m.UnitTests},
	} {
		s.key(kv.name, false)
		streamMap(s, kv.v)
	}
	s.raw("}\n")
	if m.cache != nil {
		m.cache.copies = s.copies
	}
	return s.err
}

// streamStringLists is streamMap for lists of unique ids (parent_map,
// child_map), written without reflection.
func streamStringLists(s *jsonStream, m map[string][]string, order *keyOrder) {
	keys := sortedKeysBy(order, m)
	streamEntries(s, keys, func(_ *json.Encoder, buf *bytes.Buffer, i int) error {
		l := m[keys[i]]
		if l == nil {
			buf.WriteString("null")
			return nil
		}
		buf.WriteByte('[')
		for j, v := range l {
			if j > 0 {
				buf.WriteByte(',')
			}
			writeJSONString(buf, v)
		}
		buf.WriteByte(']')
		return nil
	})
}

// streamNodes is streamMap for the nodes, each written by encodeNode, the
// JSON of the config maps they share written once per chunk.
func streamNodes(s *jsonStream, m map[string]Node, order *keyOrder) {
	keys := sortedKeysBy(order, m)
	s.raw("{")
	s.parallelChunks(len(keys), nil, func(enc *json.Encoder, out *chunkOut, from, to int) error {
		var memo shareMemo
		buf := &out.buf
		for i := from; i < to; i++ {
			entryKey(buf, i, keys[i])
			if _, err := encodeNodeShared(enc, buf, m[keys[i]], &memo); err != nil {
				return err
			}
		}
		return nil
	})
	s.raw("}")
}
