package compiler

import (
	"encoding/binary"
	"errors"
	"math"
	"sort"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/digest"
	"github.com/elt-dev/elt/internal/targetfs"
	"github.com/elt-dev/elt/internal/trailer"
)

// The stored render cache is one length-prefixed binary layout:
//
//	magic, key, files (count, then name, digest.Key, size, modification time),
//	macros (the macro table's key, then count, then each macro file's name
//	and digest.Key: see macroState),
//	entries (count, then each entry's length and bytes), and the trailer
//	(a CRC-32C of everything before it: internal/trailer)
//
// An entry holds its id and parse render, then whether it has compiled
// SQL, the key of that SQL, and the compiled SQL with its warnings and
// env_var() reads behind a length, so that a command that only parses
// (ls) never decodes it. Numbers are uvarints, strings are lengths and
// bytes. The file is read into one string and every decoded string is a
// part of it: reading allocates no string, and an entry is decoded only
// when its node asks for it.

// renderCacheMagic starts the stored cache; it changes whenever what a
// render depends on or the layout changes, and a cache of another version
// is ignored.
const renderCacheMagic = "elt-render-cache-11\n"

var errCacheDamaged = errors.New("damaged render cache")

// cacheDecoder reads the layout from a string.
type cacheDecoder struct {
	s   string
	off int
	err error
}

func (d *cacheDecoder) uint() uint64 {
	if d.err != nil {
		return 0
	}
	var v uint64
	for shift := uint(0); ; shift += 7 {
		if d.off >= len(d.s) || shift > 63 {
			d.err = errCacheDamaged
			return 0
		}
		b := d.s[d.off]
		d.off++
		v |= uint64(b&0x7f) << shift
		if b < 0x80 {
			return v
		}
	}
}

func (d *cacheDecoder) int() int64 {
	u := d.uint()
	return int64(u>>1) ^ -int64(u&1)
}

// count reads a number of items that each take at least one byte.
func (d *cacheDecoder) count() int {
	n := d.uint()
	if n > uint64(len(d.s)-d.off) {
		d.err = errCacheDamaged
		return 0
	}
	return int(n)
}

func (d *cacheDecoder) string() string {
	n := d.count()
	if d.err != nil {
		return ""
	}
	s := d.s[d.off : d.off+n]
	d.off += n
	return s
}

func (d *cacheDecoder) sum() (k digest.Key) {
	if d.err != nil || len(d.s)-d.off < len(k) {
		d.err = errCacheDamaged
		return k
	}
	copy(k[:], d.s[d.off:])
	d.off += len(k)
	return k
}

func (d *cacheDecoder) bool() bool { return d.uint() != 0 }

func (d *cacheDecoder) diags() diag.List {
	n := d.count()
	if n == 0 {
		return nil
	}
	out := make(diag.List, n)
	for i := range out {
		out[i] = diag.Diagnostic{
			Severity: diag.Severity(d.int()),
			File:     d.string(),
			Pos:      diag.Pos{Line: int(d.int()), Column: int(d.int())},
			Summary:  d.string(),
			Hint:     d.string(),
		}
	}
	return out
}

func (d *cacheDecoder) env() []envRead {
	n := d.count()
	if n == 0 {
		return nil
	}
	out := make([]envRead, n)
	for i := range out {
		out[i] = envRead{Name: d.string(), Value: d.string(), Set: d.bool()}
	}
	return out
}

func (d *cacheDecoder) strings() []string {
	n := d.count()
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = d.string()
	}
	return out
}

// The tags of the values a config() call can hold (plainValue).
const (
	tagNil byte = iota
	tagString
	tagTrue
	tagFalse
	tagInt
	tagInt64
	tagFloat
	tagStrings
	tagList
	tagMap
)

func (d *cacheDecoder) value(depth int) any {
	if d.err != nil || depth > 100 {
		d.err = errCacheDamaged
		return nil
	}
	switch byte(d.uint()) {
	case tagNil:
		return nil
	case tagString:
		return d.string()
	case tagTrue:
		return true
	case tagFalse:
		return false
	case tagInt:
		return int(d.int())
	case tagInt64:
		return d.int()
	case tagFloat:
		return math.Float64frombits(d.uint())
	case tagStrings:
		out := d.strings()
		if out == nil {
			out = []string{}
		}
		return out
	case tagList:
		out := make([]any, d.count())
		for i := range out {
			out[i] = d.value(depth + 1)
		}
		return out
	case tagMap:
		n := d.count()
		out := make(map[string]any, n)
		for range n {
			k := d.string()
			out[k] = d.value(depth + 1)
		}
		return out
	}
	d.err = errCacheDamaged
	return nil
}

// cacheEncoder appends the layout to a byte slice.
type cacheEncoder struct{ b []byte }

func (e *cacheEncoder) uint(v uint64)    { e.b = binary.AppendUvarint(e.b, v) }
func (e *cacheEncoder) int(v int64)      { e.uint(uint64(v<<1) ^ uint64(v>>63)) }
func (e *cacheEncoder) string(s string)  { e.uint(uint64(len(s))); e.b = append(e.b, s...) }
func (e *cacheEncoder) sum(k digest.Key) { e.b = append(e.b, k[:]...) }

func (e *cacheEncoder) bool(v bool) {
	if v {
		e.uint(1)
	} else {
		e.uint(0)
	}
}

func (e *cacheEncoder) diags(l diag.List) {
	e.uint(uint64(len(l)))
	for _, x := range l {
		e.int(int64(x.Severity))
		e.string(x.File)
		e.int(int64(x.Pos.Line))
		e.int(int64(x.Pos.Column))
		e.string(x.Summary)
		e.string(x.Hint)
	}
}

func (e *cacheEncoder) env(reads []envRead) {
	e.uint(uint64(len(reads)))
	for _, r := range reads {
		e.string(r.Name)
		e.string(r.Value)
		e.bool(r.Set)
	}
}

func (e *cacheEncoder) strings(list []string) {
	e.uint(uint64(len(list)))
	for _, s := range list {
		e.string(s)
	}
}

// value writes a value that plainValue accepts; map keys are sorted so
// that the same renders write the same bytes.
func (e *cacheEncoder) value(v any) {
	switch x := v.(type) {
	case nil:
		e.uint(uint64(tagNil))
	case string:
		e.uint(uint64(tagString))
		e.string(x)
	case bool:
		if x {
			e.uint(uint64(tagTrue))
		} else {
			e.uint(uint64(tagFalse))
		}
	case int:
		e.uint(uint64(tagInt))
		e.int(int64(x))
	case int64:
		e.uint(uint64(tagInt64))
		e.int(x)
	case float64:
		e.uint(uint64(tagFloat))
		e.uint(math.Float64bits(x))
	case []string:
		e.uint(uint64(tagStrings))
		e.strings(x)
	case []any:
		e.uint(uint64(tagList))
		e.uint(uint64(len(x)))
		for _, item := range x {
			e.value(item)
		}
	case map[string]any:
		e.uint(uint64(tagMap))
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		e.uint(uint64(len(keys)))
		for _, k := range keys {
			e.string(k)
			e.value(x[k])
		}
	default:
		// storeParse keeps only plain values.
		panic("compiler: render cache: value of unexpected type")
	}
}

// entry writes one entry, its compiled SQL behind a length.
func (e *cacheEncoder) entry(x *cacheEntry) {
	e.string(x.ID)
	e.sum(x.ParseKey)
	e.uint(uint64(len(x.Refs)))
	for _, r := range x.Refs {
		e.string(r.Package)
		e.string(r.Name)
		e.string(r.Version)
		e.bool(r.VersionText)
	}
	e.uint(uint64(len(x.Sources)))
	for _, s := range x.Sources {
		e.string(s[0])
		e.string(s[1])
	}
	e.uint(uint64(len(x.Metrics)))
	for _, c := range x.Metrics {
		e.strings(c)
	}
	e.strings(x.Macros)
	e.strings(x.DependsOn)
	switch {
	case x.InFile != nil:
		var v cacheEncoder
		v.value(x.InFile)
		e.uint(uint64(len(v.b)))
		e.b = append(e.b, v.b...)
	case x.inFileRaw != "":
		e.string(x.inFileRaw)
	default:
		e.uint(0)
	}
	e.diags(x.Warnings)
	e.env(x.Env)
	e.bool(x.HasExec)
	if !x.HasExec {
		return
	}
	e.sum(x.ExecKey)
	if x.execRaw != "" {
		e.string(x.execRaw)
		return
	}
	var ex cacheEncoder
	ex.string(x.Compiled)
	ex.diags(x.ExecWarnings)
	ex.env(x.ExecEnv)
	ex.strings(x.ExecMacros)
	e.uint(uint64(len(ex.b)))
	e.b = append(e.b, ex.b...)
}

// decodeEntry reads the entry stored in s, leaving its compiled SQL in
// execRaw.
func decodeEntry(s string) (*cacheEntry, error) {
	d := &cacheDecoder{s: s}
	x := &cacheEntry{raw: s}
	x.ID = d.string()
	x.ParseKey = d.sum()
	if n := d.count(); n > 0 {
		x.Refs = make([]Ref, n)
		for i := range x.Refs {
			x.Refs[i] = Ref{Package: d.string(), Name: d.string(), Version: d.string(), VersionText: d.bool()}
		}
	}
	if n := d.count(); n > 0 {
		x.Sources = make([][2]string, n)
		for i := range x.Sources {
			x.Sources[i] = [2]string{d.string(), d.string()}
		}
	}
	if n := d.count(); n > 0 {
		x.Metrics = make([][]string, n)
		for i := range x.Metrics {
			x.Metrics[i] = d.strings()
		}
	}
	x.Macros = d.strings()
	x.DependsOn = d.strings()
	// The in-file config is decoded by inFile, once per use: each use
	// gets a value of its own.
	x.inFileRaw = d.string()
	x.Warnings = d.diags()
	x.Env = d.env()
	x.HasExec = d.bool()
	if x.HasExec {
		x.ExecKey = d.sum()
		x.execRaw = d.string()
		if x.execRaw == "" && d.err == nil {
			d.err = errCacheDamaged
		}
	}
	if d.err == nil && d.off != len(s) {
		d.err = errCacheDamaged
	}
	if d.err != nil {
		return nil, d.err
	}
	return x, nil
}

// inFile returns the entry's in-file config: InFile, or a fresh copy
// decoded from the stored entry.
func (x *cacheEntry) inFile() (map[string]any, error) {
	if x.InFile != nil || x.inFileRaw == "" {
		return x.InFile, nil
	}
	d := &cacheDecoder{s: x.inFileRaw}
	m, ok := d.value(0).(map[string]any)
	if d.err == nil && (!ok || d.off != len(d.s)) {
		d.err = errCacheDamaged
	}
	if d.err != nil {
		return nil, d.err
	}
	return m, nil
}

// decodeExec fills in the compiled SQL of an entry read from the cache.
func (x *cacheEntry) decodeExec() error {
	if x.execRaw == "" {
		return nil
	}
	d := &cacheDecoder{s: x.execRaw}
	compiled, warnings, env, macros := d.string(), d.diags(), d.env(), d.strings()
	if d.err == nil && d.off != len(d.s) {
		d.err = errCacheDamaged
	}
	if d.err != nil {
		return d.err
	}
	x.Compiled, x.ExecWarnings, x.ExecEnv, x.ExecMacros, x.execRaw = compiled, warnings, env, macros, ""
	return nil
}

// decodeCache reads the stored cache's key, header and files, and indexes
// its entries by id without decoding them. files is nil when the header
// or files are damaged, entries when the entries are. The files' names
// and the entries' ids are also kept in the order stored (Save writes
// them sorted).
func decodeCache(s string) *StoredRenderCache {
	s, sealed := trailer.Open(s)
	if !sealed || len(s) < len(renderCacheMagic) || s[:len(renderCacheMagic)] != renderCacheMagic {
		return &StoredRenderCache{err: errCacheDamaged}
	}
	d := &cacheDecoder{s: s, off: len(renderCacheMagic)}
	st := &StoredRenderCache{key: d.string()}
	n := d.count()
	files := make(map[string]writtenFile, n)
	fileOrder := make([]string, 0, n)
	for range n {
		name := d.string()
		f := writtenFile{Sum: d.sum()}
		f.Stamp = targetfs.Stamp{Size: d.int(), ModTime: d.int()}
		files[name] = f
		fileOrder = append(fileOrder, name)
	}
	if d.err != nil {
		return &StoredRenderCache{err: d.err}
	}
	st.files, st.fileOrder = files, fileOrder
	st.macros.table = d.sum()
	n = d.count()
	st.macros.files = make(map[string]digest.Key, n)
	for range n {
		name := d.string()
		st.macros.files[name] = d.sum()
	}
	n = d.count()
	st.macros.names = make(map[string]string, n)
	for range n {
		k := d.string()
		st.macros.names[k] = d.string()
	}
	if d.err != nil {
		return &StoredRenderCache{err: d.err}
	}
	n = d.count()
	entries := make(map[string]*cacheSlot, n)
	order := make([]string, 0, n)
	slots := make([]cacheSlot, n) // one allocation for every entry
	for i := range n {
		raw := d.string()
		id := (&cacheDecoder{s: raw}).string()
		slots[i].raw = raw
		entries[id] = &slots[i]
		order = append(order, id)
	}
	if d.err == nil && d.off != len(s) {
		d.err = errCacheDamaged
	}
	if d.err != nil {
		st.err = d.err
		return st
	}
	st.entries, st.order = entries, order
	return st
}
