package docs

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
	"unsafe"
)

// nodeEncoder writes manifest nodes as encoding/json writes them (HTML
// not escaped, map keys sorted), without reflection: the nodes are most
// of a manifest, and encoding/json spends its time on their config maps.
// A value of a type it does not know is handed to encoding/json, so the
// output is the same whatever a config holds. TestNodeJSONMatchesEncodingJSON
// keeps the two alike, field by field.
type nodeEncoder struct {
	buf *bytes.Buffer
	enc *json.Encoder // writes to buf
	err error
	// scratch is where numbers are formatted.
	scratch [64]byte
	// seg is where the compiled keys begin and end.
	seg [2]int
	// shared, when set, holds the JSON of config maps written before.
	shared *shareMemo
}

// encodeNode writes n as encoding/json would into buf (enc's buffer).
func encodeNode(enc *json.Encoder, buf *bytes.Buffer, n Node) error {
	_, err := encodeNodeSeg(enc, buf, n)
	return err
}

// uncompiledJSON are a node's compiled keys when it is not compiled.
const uncompiledJSON = `"compiled_path":null,"compiled":false,"compiled_code":null,"extra_ctes_injected":false,"extra_ctes":[]`

// encodeNodeSeg is encodeNode, also returning where in buf the keys from
// compiled_path to extra_ctes lie (the ones uncompiledJSON replaces), or
// -1s.
func encodeNodeSeg(enc *json.Encoder, buf *bytes.Buffer, n Node) (seg [2]int, err error) {
	return encodeNodeShared(enc, buf, n, nil)
}

// encodeNodeShared is encodeNodeSeg, copying from memo (when not nil) the
// JSON of config maps other nodes hold too.
func encodeNodeShared(enc *json.Encoder, buf *bytes.Buffer, n Node, memo *shareMemo) (seg [2]int, err error) {
	e := nodeEncoder{buf: buf, enc: enc, seg: [2]int{-1, -1}, shared: memo}
	switch t := n.(type) {
	case *CompiledNode:
		e.compiledNode(t)
	case *SeedNode:
		e.seedNode(t)
	default:
		return e.seg, encodeTrimmed(enc, buf, n)
	}
	return e.seg, e.err
}

func (e *nodeEncoder) raw(s string) { e.buf.WriteString(s) }

// key writes `,"name":` (or `{"name":` when first).
func (e *nodeEncoder) key(k string, first bool) {
	if first {
		e.buf.WriteByte('{')
	} else {
		e.buf.WriteByte(',')
	}
	e.buf.WriteByte('"')
	e.buf.WriteString(k)
	e.buf.WriteString(`":`)
}

func (e *nodeEncoder) bool(b bool) {
	if b {
		e.raw("true")
	} else {
		e.raw("false")
	}
}

func (e *nodeEncoder) str(s string) { writeJSONString(e.buf, s) }

// writeJSONString writes s quoted and escaped as encoding/json does with
// HTML escaping off: quote, backslash and control characters escaped (\b,
// \f, \n, \r, \t by name), invalid UTF-8 as \ufffd, U+2028 and U+2029
// escaped, everything else as it is.
func writeJSONString(b *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b.WriteString(s[start:i])
			switch c {
			case '"', '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case '\b':
				b.WriteString(`\b`)
			case '\f':
				b.WriteString(`\f`)
			case '\n':
				b.WriteString(`\n`)
			case '\r':
				b.WriteString(`\r`)
			case '\t':
				b.WriteString(`\t`)
			default:
				b.WriteString(`\u00`)
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString(s[start:i])
			b.WriteString(`\ufffd`)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b.WriteString(s[start:i])
			b.WriteString(`\u202`)
			b.WriteByte(hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
}

func (e *nodeEncoder) strPtr(p *string) {
	if p == nil {
		e.raw("null")
		return
	}
	e.str(*p)
}

func (e *nodeEncoder) strs(l []string) {
	if l == nil {
		e.raw("null")
		return
	}
	e.buf.WriteByte('[')
	for i, s := range l {
		if i > 0 {
			e.buf.WriteByte(',')
		}
		e.str(s)
	}
	e.buf.WriteByte(']')
}

// float writes f as encoding/json writes a float64: the shortest form
// that reads back the same, exponent form below 1e-6 and from 1e21 on,
// without a leading zero in a negative exponent.
func (e *nodeEncoder) float(f float64) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		e.fallback(f)
		return
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b := strconv.AppendFloat(e.scratch[:0], f, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	e.buf.Write(b)
}

// fallback writes v with encoding/json itself.
func (e *nodeEncoder) fallback(v any) {
	if e.err == nil {
		e.err = encodeTrimmed(e.enc, e.buf, v)
	}
}

// value writes a config or YAML value; types other than the plain ones
// go to encoding/json.
func (e *nodeEncoder) value(v any) {
	switch t := v.(type) {
	case nil:
		e.raw("null")
	case string:
		e.str(t)
	case bool:
		e.bool(t)
	case int:
		e.buf.Write(strconv.AppendInt(e.scratch[:0], int64(t), 10))
	case int64:
		e.buf.Write(strconv.AppendInt(e.scratch[:0], t, 10))
	case float64:
		e.float(t)
	case []any:
		if t == nil {
			e.raw("null")
			return
		}
		e.buf.WriteByte('[')
		for i, x := range t {
			if i > 0 {
				e.buf.WriteByte(',')
			}
			e.value(x)
		}
		e.buf.WriteByte(']')
	case []string:
		e.strs(t)
	case map[string]any:
		e.object(t)
	case []Hook:
		if t == nil {
			e.raw("null")
			return
		}
		e.buf.WriteByte('[')
		for i, h := range t {
			if i > 0 {
				e.buf.WriteByte(',')
			}
			e.hook(h)
		}
		e.buf.WriteByte(']')
	case *string:
		e.strPtr(t)
	default:
		e.fallback(v)
	}
}

func (e *nodeEncoder) hook(h Hook) {
	e.key("sql", true)
	e.str(h.SQL)
	e.key("transaction", false)
	e.bool(h.Transaction)
	e.key("index", false)
	if h.Index == nil {
		e.raw("null")
	} else {
		e.buf.Write(strconv.AppendInt(e.scratch[:0], int64(*h.Index), 10))
	}
	e.buf.WriteByte('}')
}

// sharedObject writes m as object does, from the JSON written for the
// same map before when e has a memo.
func (e *nodeEncoder) sharedObject(m map[string]any) {
	if e.shared == nil || len(m) < 4 {
		e.object(m)
		return
	}
	id := mapID(m)
	if b, ok := e.shared.encoded[id]; ok {
		e.buf.Write(b)
		return
	}
	start := e.buf.Len()
	e.object(m)
	if e.err == nil {
		if e.shared.encoded == nil {
			e.shared.encoded = map[unsafe.Pointer][]byte{}
		}
		e.shared.encoded[id] = bytes.Clone(e.buf.Bytes()[start:])
	}
}

// object writes a map with its keys sorted; nil is null.
func (e *nodeEncoder) object(m map[string]any) {
	if m == nil {
		e.raw("null")
		return
	}
	if len(m) == 0 {
		e.raw("{}")
		return
	}
	// A config has a few dozen keys: sorted on the stack.
	var arr [40]string
	keys := arr[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	e.buf.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			e.buf.WriteByte(',')
		}
		e.str(k)
		e.buf.WriteByte(':')
		e.value(m[k])
	}
	e.buf.WriteByte('}')
}

func (e *nodeEncoder) docs(d DocsConfig) {
	e.key("show", true)
	e.bool(d.Show)
	e.key("node_color", false)
	e.strPtr(d.NodeColor)
	e.buf.WriteByte('}')
}

func (e *nodeEncoder) columns(cols Columns) {
	if cols == nil {
		e.raw("null")
		return
	}
	if len(cols) == 0 {
		e.raw("{}")
		return
	}
	e.buf.WriteByte('{')
	for i, k := range columnOrder(cols) {
		if i > 0 {
			e.buf.WriteByte(',')
		}
		e.str(k)
		e.buf.WriteByte(':')
		c := cols[k]
		if c == nil {
			e.raw("null")
			continue
		}
		e.key("name", true)
		e.str(c.Name)
		e.key("description", false)
		e.str(c.Description)
		e.key("meta", false)
		e.object(c.Meta)
		e.key("data_type", false)
		e.strPtr(c.DataType)
		e.key("constraints", false)
		e.value(c.Constraints)
		e.key("quote", false)
		if c.Quote == nil {
			e.raw("null")
		} else {
			e.bool(*c.Quote)
		}
		e.key("config", false)
		e.key("meta", true)
		e.object(c.Config.Meta)
		e.key("tags", false)
		e.strs(c.Config.Tags)
		e.buf.WriteByte('}')
		e.key("tags", false)
		e.strs(c.Tags)
		e.key("granularity", false)
		e.strPtr(c.Granularity)
		e.key("doc_blocks", false)
		e.strs(c.DocBlocks)
		e.buf.WriteByte('}')
	}
	e.buf.WriteByte('}')
}

// base writes NodeBase's keys, the object left open.
func (e *nodeEncoder) base(n *NodeBase) {
	e.key("database", true)
	e.strPtr(n.Database)
	e.key("schema", false)
	e.str(n.Schema)
	e.key("name", false)
	e.str(n.Name)
	e.key("resource_type", false)
	e.str(n.ResourceType)
	e.key("package_name", false)
	e.str(n.PackageName)
	e.key("path", false)
	e.str(n.Path)
	e.key("original_file_path", false)
	e.str(n.OriginalFilePath)
	e.key("unique_id", false)
	e.str(n.UniqueID)
	e.key("fqn", false)
	e.strs(n.FQN)
	e.key("alias", false)
	e.str(n.Alias)
	e.key("checksum", false)
	e.key("name", true)
	e.str(n.Checksum.Name)
	e.key("checksum", false)
	e.str(n.Checksum.Checksum)
	e.buf.WriteByte('}')
	e.key("config", false)
	e.sharedObject(n.Config)
	e.key("tags", false)
	e.strs(n.Tags)
	e.key("description", false)
	e.str(n.Description)
	e.key("columns", false)
	e.columns(n.Columns)
	e.key("meta", false)
	e.object(n.Meta)
	e.key("group", false)
	e.strPtr(n.Group)
	e.key("docs", false)
	e.docs(n.Docs)
	e.key("patch_path", false)
	e.strPtr(n.PatchPath)
	e.key("build_path", false)
	e.strPtr(n.BuildPath)
	e.key("unrendered_config", false)
	e.sharedObject(n.UnrenderedConfig)
	e.key("created_at", false)
	e.float(n.CreatedAt)
	e.key("relation_name", false)
	e.strPtr(n.RelationName)
	e.key("raw_code", false)
	e.str(n.RawCode)
	e.key("doc_blocks", false)
	e.strs(n.DocBlocks)
}

func (e *nodeEncoder) seedNode(n *SeedNode) {
	e.base(&n.NodeBase)
	e.key("root_path", false)
	e.strPtr(n.RootPath)
	e.key("depends_on", false)
	e.key("macros", true)
	e.strs(n.DependsOn.Macros)
	e.buf.WriteString("}}")
}

func (e *nodeEncoder) compiledNode(n *CompiledNode) {
	e.base(&n.NodeBase)
	e.key("language", false)
	e.str(n.Language)
	e.key("refs", false)
	if n.Refs == nil {
		e.raw("null")
	} else {
		e.buf.WriteByte('[')
		for i, r := range n.Refs {
			if i > 0 {
				e.buf.WriteByte(',')
			}
			e.key("name", true)
			e.str(r.Name)
			e.key("package", false)
			e.strPtr(r.Package)
			e.key("version", false)
			e.value(r.Version)
			e.buf.WriteByte('}')
		}
		e.buf.WriteByte(']')
	}
	for _, l := range []struct {
		k string
		v [][]string
	}{{"sources", n.Sources}, {"metrics", n.Metrics}} {
		e.key(l.k, false)
		if l.v == nil {
			e.raw("null")
			continue
		}
		e.buf.WriteByte('[')
		for i, s := range l.v {
			if i > 0 {
				e.buf.WriteByte(',')
			}
			e.strs(s)
		}
		e.buf.WriteByte(']')
	}
	e.key("depends_on", false)
	e.key("macros", true)
	e.strs(n.DependsOn.Macros)
	e.key("nodes", false)
	e.strs(n.DependsOn.Nodes)
	e.buf.WriteByte('}')
	e.seg[0] = e.buf.Len() + 1 // after the comma
	e.key("compiled_path", false)
	e.strPtr(n.CompiledPath)
	e.key("compiled", false)
	e.bool(n.Compiled)
	e.key("compiled_code", false)
	e.strPtr(n.CompiledCode)
	e.key("extra_ctes_injected", false)
	e.bool(n.ExtraCTEsInjected)
	e.key("extra_ctes", false)
	if n.ExtraCTEs == nil {
		e.raw("null")
	} else {
		e.buf.WriteByte('[')
		for i, c := range n.ExtraCTEs {
			if i > 0 {
				e.buf.WriteByte(',')
			}
			e.key("id", true)
			e.str(c.ID)
			e.key("sql", false)
			e.str(c.SQL)
			e.buf.WriteByte('}')
		}
		e.buf.WriteByte(']')
	}
	e.seg[1] = e.buf.Len()
	e.key("contract", false)
	e.key("enforced", true)
	e.bool(n.Contract.Enforced)
	e.key("alias_types", false)
	e.bool(n.Contract.AliasTypes)
	e.key("checksum", false)
	e.strPtr(n.Contract.Checksum)
	e.buf.WriteByte('}')
	if m := n.ModelFields; m != nil {
		e.key("access", false)
		e.str(m.Access)
		e.key("constraints", false)
		e.value(m.Constraints)
		e.key("version", false)
		e.value(m.Version)
		e.key("latest_version", false)
		e.value(m.LatestVersion)
		e.key("deprecation_date", false)
		e.strPtr(m.DeprecationDate)
		e.key("primary_key", false)
		e.strs(m.PrimaryKey)
		e.key("time_spine", false)
		if ts := m.TimeSpine; ts == nil {
			e.raw("null")
		} else {
			e.key("standard_granularity_column", true)
			e.str(ts.StandardGranularityColumn)
			e.key("custom_granularities", false)
			e.buf.WriteByte('[')
			for i, cg := range ts.CustomGranularities {
				if i > 0 {
					e.buf.WriteByte(',')
				}
				e.key("name", true)
				e.str(cg.Name)
				e.key("column_name", false)
				e.strPtr(cg.ColumnName)
				e.buf.WriteByte('}')
			}
			e.buf.WriteString("]}")
		}
	}
	if g := n.GenericTestFields; g != nil {
		e.key("column_name", false)
		e.strPtr(g.ColumnName)
		e.key("file_key_name", false)
		e.strPtr(g.FileKeyName)
		e.key("attached_node", false)
		e.strPtr(g.AttachedNode)
		e.key("test_metadata", false)
		e.key("name", true)
		e.str(g.TestMetadata.Name)
		e.key("kwargs", false)
		e.object(g.TestMetadata.Kwargs)
		e.key("namespace", false)
		e.strPtr(g.TestMetadata.Namespace)
		e.buf.WriteByte('}')
	}
	if h := n.HookFields; h != nil {
		e.key("index", false)
		e.value(h.Index)
	}
	e.buf.WriteByte('}')
}

// columnOrder is the order manifest.json lists a node's columns in: as
// declared (ColumnInfo.Pos), as dbt's columns dict keeps them, then by
// name.
func columnOrder(cols Columns) []string {
	keys := keysSorted(cols)
	pos := func(k string) int {
		if c := cols[k]; c != nil {
			return c.Pos
		}
		return 0
	}
	slices.SortStableFunc(keys, func(a, b string) int { return pos(a) - pos(b) })
	return keys
}
