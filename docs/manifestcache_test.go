package docs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/internal/digest"
	"github.com/elt-dev/elt/internal/targetfs"
	"github.com/elt-dev/elt/project"
)

// cacheTestModel is model i of the cache tests: refs the shop's orders,
// has config, columns and a description of its own.
func cacheTestModel(i int) *compiler.Node {
	name := fmt.Sprintf("m%05d", i)
	return &compiler.Node{
		Node: project.Node{
			UniqueID: "model.shop." + name, ResourceType: project.Model, Name: name, Package: "shop",
			Path: "layer/" + name + ".sql", OriginalFilePath: "models/layer/" + name + ".sql",
			FQN:      []string{"shop", "layer", name},
			RawCode:  fmt.Sprintf("select id, {{ var('n') }} * %d as n from {{ ref('orders') }} where a < b & c > d", i),
			Language: "sql", Checksum: fmt.Sprintf("%064x", i),
			Config:           project.Config{"materialized": "view", "tags": []any{"layer"}, "meta": map[string]any{"owner": "x"}},
			UnrenderedConfig: project.Config{"materialized": "view"},
			Description:      "Model " + name + ".",
			Columns:          []*project.Column{{Name: "id", Description: "key"}, {Name: "n"}},
			PatchPath:        "models/layer/_layer.yml",
		},
		Relation:     compiler.Relation{Database: "dev", Schema: "main", Identifier: name},
		RelationName: `"dev"."main"."` + name + `"`,
		Refs:         []compiler.Ref{{Name: "orders"}},
		DependsOn:    compiler.DependsOn{Nodes: []string{"model.shop.orders"}},
		CompiledCode: fmt.Sprintf(`select id, 7 * %d as n from "dev"."main"."orders" where a < b & c > d`, i),
		Compiled:     true,
	}
}

// cacheTestManifest is the shop project and n models: enough, at 600,
// for the nodes to be encoded in several parallel chunks.
func cacheTestManifest(n int) *compiler.Manifest {
	m := testManifest()
	for i := range n {
		node := cacheTestModel(i)
		m.Nodes[node.UniqueID] = node
	}
	m.ParentMap, m.ChildMap = depMaps(m)
	return m
}

// freshManifest is the manifest WriteManifest writes, without any cache.
func freshManifest(t testing.TB, m *compiler.Manifest, meta Metadata) []byte {
	t.Helper()
	dir := openTarget(t, t.TempDir())
	if err := WriteManifest(dir, "manifest.json", m, meta); err != nil {
		t.Fatal(err)
	}
	b, err := dir.ReadFile("manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sameBytes reports where got first differs from want.
func sameBytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if bytes.Equal(got, want) {
		return
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-150)
	t.Errorf("%s: the cached manifest differs from a fresh encode at byte %d (lengths %d, %d)\n got …%s\nwant …%s",
		what, i, len(got), len(want), got[from:min(len(got), i+150)], want[from:min(len(want), i+150)])
}

// createdAtValue is a created_at key and its number.
var createdAtValue = regexp.MustCompile(`"created_at":[0-9.e+-]+`)

// blankCreatedAt is a manifest with every created_at's number blanked.
func blankCreatedAt(b []byte) []byte {
	return createdAtValue.ReplaceAll(b, []byte(`"created_at":0`))
}

// nodeTimes are the created_at of each node of a manifest.
func nodeTimes(t testing.TB, manifest []byte) map[string]float64 {
	t.Helper()
	var doc struct {
		Nodes map[string]struct {
			CreatedAt float64 `json:"created_at"`
		} `json:"nodes"`
	}
	if err := json.Unmarshal(manifest, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for id, n := range doc.Nodes {
		out[id] = n.CreatedAt
	}
	return out
}

type cacheWriter struct {
	t    *testing.T
	dir  *targetfs.Dir
	m    *compiler.Manifest
	c    ManifestCache
	step int
	last []byte // the manifest written before
}

// write writes the manifest with the cache, each time with a new
// generated_at, and checks it against a fresh encode and the counts
// (reused -1: not checked). A node copied keeps its created_at, as dbt's
// partial parsing keeps a node it does not parse again: the manifest is
// a fresh encode's but for those, and exactly the nodes encoded have
// this write's time.
func (w *cacheWriter) write(what string, reused, encoded int, dropped string) ManifestCacheStats {
	t := w.t
	t.Helper()
	w.step++
	meta := testMeta()
	meta.GeneratedAt = genTime.Add(time.Duration(w.step) * 1234567 * time.Microsecond)
	st, err := WriteManifestCached(w.dir, "manifest.json", w.m, meta, w.c)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	got, err := w.dir.ReadFile("manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	sameBytes(t, what, blankCreatedAt(got), blankCreatedAt(freshManifest(t, w.m, meta)))
	if reused >= 0 && (st.Reused != reused || st.Encoded != encoded) {
		t.Errorf("%s: reused %d, encoded %d; want %d, %d", what, st.Reused, st.Encoded, reused, encoded)
	}
	if st.Dropped != dropped {
		t.Errorf("%s: dropped %q, want %q", what, st.Dropped, dropped)
	}
	var before map[string]float64
	if w.last != nil {
		before = nodeTimes(t, w.last)
	}
	now, fresh := epochSeconds(meta.GeneratedAt), 0
	for id, at := range nodeTimes(t, got) {
		switch {
		case at == now:
			fresh++
		case at != before[id]:
			t.Errorf("%s: %s has created_at %v: neither this write's (%v) nor the last one's (%v)", what, id, at, now, before[id])
		}
	}
	if fresh != st.Encoded {
		t.Errorf("%s: %d nodes have this write's created_at, %d were encoded", what, fresh, st.Encoded)
	}
	// Reused nodes are copied a run at a time: a chunk's run ends only at
	// a node encoded, or removed (the edits here touch two at most).
	enabled := 0
	for _, n := range w.m.Nodes {
		if !isDisabled(n) {
			enabled++
		}
	}
	// Nodes copied from the kept spare among others from the earlier
	// manifest start a run at each switch.
	switches := 0
	if st.Kept > 0 {
		switches = 2 * (st.Reused - st.Kept)
	}
	if chunks := (enabled + streamChunk - 1) / streamChunk; st.Copies > chunks+st.Encoded+2+switches {
		t.Errorf("%s: %d copies for %d chunks and %d nodes encoded", what, st.Copies, chunks, st.Encoded)
	}
	w.last = got
	return st
}

// TestManifestCacheMatchesFreshEncode: after each kind of edit the
// manifest written with the cache is byte for byte a fresh encode, and
// only the nodes the edit touched are encoded again.
func TestManifestCacheMatchesFreshEncode(t *testing.T) {
	m := cacheTestManifest(600)
	w := &cacheWriter{t: t, dir: openTarget(t, t.TempDir()), m: m, c: ManifestCache{Build: "build 1", Index: "elt_manifest_cache.bin"}}
	total := func() int {
		n := 0
		for _, node := range m.Nodes {
			if !isDisabled(node) {
				n++
			}
		}
		return n
	}
	w.write("no index yet", 0, total(), "no index")
	if st, chunks := w.write("nothing changed", total(), 0, ""), (total()+streamChunk-1)/streamChunk; st.Copies != chunks {
		t.Errorf("nothing changed: %d copies, want one per chunk (%d)", st.Copies, chunks)
	}

	node := func(i int) *compiler.Node { return m.Nodes[fmt.Sprintf("model.shop.m%05d", i)] }
	type compiledState struct {
		n    *compiler.Node
		code string
		ctes []compiler.CTE
	}
	var uncompiled []compiledState
	uncompile := func() {
		for _, c := range uncompiled {
			c.n.Compiled, c.n.CompiledCode, c.n.ExtraCTEs = false, "", nil
		}
	}
	recompile := func() {
		for _, c := range uncompiled {
			c.n.Compiled, c.n.CompiledCode, c.n.ExtraCTEs = true, c.code, c.ctes
		}
	}
	edits := []struct {
		name    string
		edit    func()
		encoded int
		kept    int // nodes copied from the kept spare (-2: those compile -s left)
	}{
		{"model SQL", func() {
			n := node(10)
			n.RawCode += "\n-- edited"
			n.Checksum = strings.Repeat("e", 64)
			n.CompiledCode += "\n-- edited"
		}, 1, 0},
		{"config in the file", func() { node(11).Config["materialized"] = "table" }, 1, 0},
		{"config as written", func() { node(12).UnrenderedConfig["materialized"] = "table" }, 1, 0},
		{"properties YAML description", func() { node(13).Description = "A new description." }, 1, 0},
		{"column description", func() { node(14).Columns[0].Description = "the key" }, 1, 0},
		{"a macro (its callers' SQL unchanged)", func() {
			m.Macros["macro.shop.cents_to_dollars"].MacroSQL = "{% macro cents_to_dollars(col) %}{{ col }} / 100.0{% endmacro %}"
		}, 0, 0},
		{"a var changes two compiled models", func() {
			for _, i := range []int{20, 21} {
				node(i).CompiledCode = strings.Replace(node(i).CompiledCode, "7 *", "8 *", 1)
			}
		}, 2, 0},
		{"a node removed", func() {
			delete(m.Nodes, "model.shop.m00030")
			m.ParentMap, m.ChildMap = depMaps(m)
		}, 0, 0},
		{"a node added", func() {
			n := cacheTestModel(9999)
			m.Nodes[n.UniqueID] = n
			m.ParentMap, m.ChildMap = depMaps(m)
		}, 1, 0},
		{"a node disabled", func() { node(40).Config["enabled"] = false }, 0, 0},
		{"a node enabled again", func() { delete(node(40).Config, "enabled") }, 1, 0},
		{"the node a generic test is attached to renamed (file_key_name)", func() {
			m.Nodes["model.shop.orders"].Name = "orders_v2"
		}, 2, 0},
		{"a value the key cannot write (map[any]any) is encoded every time", func() {
			node(50).Meta = map[string]any{"odd": map[any]any{1: "one"}}
		}, 1, 0},
		{"... and again", func() {}, 1, 0},
		{"... and once it can", func() { node(50).Meta = nil }, 1, 0},
		{"... then reused", func() {}, 0, 0},
		{"a created_at of its own in a node's meta", func() {
			node(51).Meta = map[string]any{"created_at": 1.5}
		}, 1, 0},
		{"... reused", func() {}, 0, 0},
		{"compile -s: every node but one uncompiled", func() {
			uncompiled = nil
			for id, n := range m.Nodes {
				if n.Compiled && id != "model.shop.m00001" {
					uncompiled = append(uncompiled, compiledState{n, n.CompiledCode, n.ExtraCTEs})
					n.Compiled, n.CompiledCode, n.ExtraCTEs = false, "", nil
				}
			}
			if len(uncompiled) < 500 {
				t.Fatalf("only %d compiled nodes", len(uncompiled))
			}
		}, 0, 0},
		{"compile -s again", func() {}, 0, 0},
		// The compiled JSON is in the spare, kept: copied, not encoded.
		{"compiled again", recompile, 0, -2},
		{"compile -s once more", uncompile, 0, 0},
		{"compile -s a fourth time", func() {}, 0, 0},
		{"compile -s a fifth time", func() {}, 0, 0},
		{"compiled after three compile -s", recompile, 0, -2},
		{"nothing changed after that", func() {}, 0, 0},
		{"compile -s, the spare then changed", uncompile, 0, 0},
		{"compiled with the spare changed: encoded", func() {
			f, err := w.dir.OpenAppend(w.c.spare())
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString(" ")
			f.Close()
			recompile()
		}, -2, 0},
		{"compile -s, the spare then gone", uncompile, 0, 0},
		{"compiled with the spare gone: encoded", func() {
			if err := os.Remove(filepath.Join(w.dir.Path(), w.c.spare())); err != nil {
				t.Fatal(err)
			}
			recompile()
		}, -2, 0},
	}
	for _, e := range edits {
		e.edit()
		if e.encoded == -2 { // the nodes compile -s left uncompiled
			e.encoded = len(uncompiled)
		}
		if e.kept == -2 {
			e.kept = len(uncompiled)
		}
		st := w.write(e.name, total()-e.encoded, e.encoded, "")
		if st.Kept != e.kept {
			t.Errorf("%s: %d nodes copied from the kept spare, want %d", e.name, st.Kept, e.kept)
		}
		if strings.HasPrefix(e.name, "compile -s") && e.name != "compile -s again" && !strings.HasSuffix(e.name, "time") && st.Copies != 0 {
			// Every chunk holds nodes written uncompiled: read whole.
			t.Errorf("%s: %d copies, want the chunks read", e.name, st.Copies)
		}
	}

	// What every node depends on drops the whole cache.
	m.Project.Target.Schema = "other"
	w.write("target schema", 0, total(), "elt's build, the target or the packages changed")
	w.write("target schema, again", total(), 0, "")
	w.c.Build = "build 2"
	w.write("another build of elt", 0, total(), "elt's build, the target or the packages changed")
	m.Project.Packages = append(m.Project.Packages, &project.Package{Name: "dbt_utils", Dir: "dbt_packages/dbt_utils"})
	w.write("a package installed", 0, total(), "elt's build, the target or the packages changed")
	w.write("unchanged again", total(), 0, "")
}

// TestManifestCacheDamage: a damaged index, or a manifest changed behind
// the index's back, costs encoding, never a wrong manifest.
func TestManifestCacheDamage(t *testing.T) {
	m := cacheTestManifest(600)
	w := &cacheWriter{t: t, dir: openTarget(t, t.TempDir()), m: m, c: ManifestCache{Build: "b", Index: "idx.bin"}}
	total := len(m.Nodes)
	w.write("first", 0, total, "no index")

	idx, err := w.dir.ReadFile("idx.bin")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []struct {
		name  string
		index []byte
		want  string
	}{
		{"a byte flipped", func() []byte { b := bytes.Clone(idx); b[len(b)/2] ^= 1; return b }(), "damaged index"},
		{"truncated", idx[:len(idx)/2], "damaged index"},
		{"empty", nil, "not an index of this version"},
		{"another layout", append([]byte("elt manifest index 0\n"), idx[len(indexMagic):]...), "not an index of this version"},
	} {
		if err := w.dir.WriteFile("idx.bin", d.index); err != nil {
			t.Fatal(err)
		}
		w.write(d.name, 0, total, d.want)
	}

	// The manifest edited in place, same size, a second later: the index
	// describes another file. (A write within the clock's tick of elt's,
	// keeping the size, would go unseen, as it would by make or git.)
	w.write("rewritten", total, 0, "")
	path := filepath.Join(w.dir.Path(), "manifest.json")
	man, err := w.dir.ReadFile("manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.Index(man, []byte("7 * 123 as n"))
	if at < 0 {
		t.Fatal("model 123's SQL not found in the manifest")
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("9"), int64(at)); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, fi.ModTime().Add(time.Second), fi.ModTime().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	w.write("manifest edited in place", 0, total, "the manifest changed since the index was written")

	// Another size: the index describes another file.
	if err := w.dir.WriteFile("manifest.json", append(man, ' ')); err != nil {
		t.Fatal(err)
	}
	w.write("manifest of another size", 0, total, "the manifest changed since the index was written")
	if err := w.dir.WriteFile("manifest.json", nil); err != nil {
		t.Fatal(err)
	}
	w.write("manifest emptied", 0, total, "the manifest changed since the index was written")
}

// TestNodeKeyCoversEveryField: setting any field of compiler.Node (and
// of the structs it holds) changes the node's key, so no field can change
// a node's JSON without its cached JSON being dropped. A field added to
// compiler.Node or project.Node fails here until nodeKey writes it.
func TestNodeKeyCoversEveryField(t *testing.T) {
	b := newBuilder(&compiler.Manifest{}, testMeta())
	key := func(n *compiler.Node) (digest.Key, bool) {
		var w keyWriter
		b.nodeKey(&w, n)
		return w.sum(), w.ok
	}
	var paths [][]int
	var names []string
	var walk func(t reflect.Type, path []int, name string)
	walk = func(typ reflect.Type, path []int, name string) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			if !f.IsExported() {
				continue
			}
			p := append(append([]int(nil), path...), i)
			ft := f.Type
			elem := ft
			for elem.Kind() == reflect.Pointer || (elem.Kind() == reflect.Slice && (elem.Elem().Kind() == reflect.Pointer || elem.Elem().Kind() == reflect.Struct)) {
				elem = elem.Elem()
			}
			if elem.Kind() == reflect.Struct && elem.NumField() > 0 {
				if ft.Kind() != reflect.Struct {
					paths = append(paths, p) // present, or nil
					names = append(names, name+f.Name)
				}
				walk(elem, p, name+f.Name+".")
				continue
			}
			paths = append(paths, p)
			names = append(names, name+f.Name)
		}
	}
	walk(reflect.TypeOf(compiler.Node{}), nil, "")
	if len(paths) < 60 {
		t.Fatalf("only %d fields found", len(paths))
	}
	for i, p := range paths {
		base, leaf := &compiler.Node{}, &compiler.Node{}
		setPath(reflect.ValueOf(base).Elem(), p[:len(p)-1], p[len(p)-1], false)
		setPath(reflect.ValueOf(leaf).Elem(), p[:len(p)-1], p[len(p)-1], true)
		kb, okb := key(base)
		kl, okl := key(leaf)
		if !okb || !okl {
			t.Errorf("%s: the key cannot write it", names[i])
			continue
		}
		if kb == kl {
			t.Errorf("%s: setting it does not change the node's key; write it in nodeKey", names[i])
		}
	}
}

// setPath walks v along path, making pointers, and one-element slices
// on the way, then sets field last to a value that is not zero (set) or
// leaves it zero.
func setPath(v reflect.Value, path []int, last int, set bool) {
	for _, i := range path {
		v = deref(v.Field(i))
	}
	f := v.Field(last)
	if !set {
		return
	}
	switch t := f.Type(); {
	case t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct:
		f.Set(reflect.New(t.Elem()))
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Pointer && t.Elem().Elem().Kind() == reflect.Struct:
		f.Set(reflect.MakeSlice(t, 1, 1))
		f.Index(0).Set(reflect.New(t.Elem().Elem()))
	default:
		f.Set(nonZero(t))
	}
}

// deref makes v usable as a struct: allocates a nil pointer, and a slice
// of one element.
func deref(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		return deref(v.Elem())
	case reflect.Slice:
		if v.Len() == 0 {
			v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		}
		return deref(v.Index(0))
	}
	return v
}

// nonZero is a value of t that is not its zero value.
func nonZero(t reflect.Type) reflect.Value {
	v := reflect.New(t).Elem()
	switch t.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(1)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Float64:
		v.SetFloat(1.5)
	case reflect.Interface:
		v.Set(reflect.ValueOf("x"))
	case reflect.Pointer:
		v.Set(reflect.New(t.Elem()))
		v.Elem().Set(nonZero(t.Elem()))
	case reflect.Slice:
		v.Set(reflect.MakeSlice(t, 1, 1))
		v.Index(0).Set(nonZero(t.Elem()))
	case reflect.Array:
		for i := range v.Len() {
			v.Index(i).Set(nonZero(t.Elem()))
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(t))
		v.SetMapIndex(nonZero(t.Key()), nonZero(t.Elem()))
	case reflect.Struct:
		for i := range v.NumField() {
			if t.Field(i).IsExported() {
				v.Field(i).Set(nonZero(t.Field(i).Type))
			}
		}
	default:
		panic("nonZero: " + t.String())
	}
	return v
}

// BenchmarkWriteManifestCached writes the 10,000-model manifest of
// BenchmarkWriteManifest with the cache: nothing changed, and one model
// changed.
func BenchmarkWriteManifestCached(b *testing.B) {
	m := cacheTestManifest(10000)
	dir := openTarget(b, b.TempDir())
	c := ManifestCache{Build: "bench", Index: "elt_manifest_cache.bin"}
	if _, err := WriteManifestCached(dir, "manifest.json", m, testMeta(), c); err != nil {
		b.Fatal(err)
	}
	b.Run("unchanged", func(b *testing.B) {
		for b.Loop() {
			if _, err := WriteManifestCached(dir, "manifest.json", m, testMeta(), c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("one model changed", func(b *testing.B) {
		n := m.Nodes["model.shop.m05000"]
		i := 0
		for b.Loop() {
			i++
			n.CompiledCode = fmt.Sprintf("select %d", i)
			if _, err := WriteManifestCached(dir, "manifest.json", m, testMeta(), c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("compile -s", func(b *testing.B) {
		for _, n := range m.Nodes {
			n.Compiled = n.UniqueID == "model.shop.m05000"
		}
		for b.Loop() {
			if _, err := WriteManifestCached(dir, "manifest.json", m, testMeta(), c); err != nil {
				b.Fatal(err)
			}
		}
		for _, n := range m.Nodes {
			n.Compiled = true
		}
	})
	b.Run("no index", func(b *testing.B) {
		for b.Loop() {
			if err := dir.WriteFile(c.Index, nil); err != nil {
				b.Fatal(err)
			}
			if _, err := WriteManifestCached(dir, "manifest.json", m, testMeta(), c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("fresh", func(b *testing.B) {
		for b.Loop() {
			if err := WriteManifest(dir, "manifest.json", m, testMeta()); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestManifestCacheIndexNotWritable: an index that cannot be written is
// reported, and the manifest is written all the same.
func TestManifestCacheIndexNotWritable(t *testing.T) {
	dir := openTarget(t, t.TempDir())
	// A directory, not empty, where the index goes: the rename fails.
	if err := dir.WriteFile("idx.bin/keep", []byte("x")); err != nil {
		t.Fatal(err)
	}
	m := cacheTestManifest(3)
	st, err := WriteManifestCached(dir, "manifest.json", m, testMeta(), ManifestCache{Build: "b", Index: "idx.bin"})
	if err != nil {
		t.Fatal(err)
	}
	if st.IndexError == nil {
		t.Error("no IndexError for an index that could not be written")
	}
	got, err := dir.ReadFile("manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	sameBytes(t, "index not written", got, freshManifest(t, m, testMeta()))
}

// TestSharedMapWritesWhatStringMapWrites: a config map shared by nodes is
// written from the bytes remembered at its first node, which are those
// stringMap writes; a map holding a value the writer cannot serialize
// leaves the key unusable every time, and is not remembered.
func TestSharedMapWritesWhatStringMapWrites(t *testing.T) {
	cfg := map[string]any{"materialized": "view", "tags": []any{"a", "b"}, "enabled": true,
		"meta": map[string]any{"owner": "x"}, "docs": map[string]any{"show": true}, "n": 3}
	var plain keyWriter
	plain.reset()
	plain.stringMap(cfg)
	var w keyWriter
	for i := range 3 {
		w.reset()
		w.sharedMap(cfg)
		if !w.ok || !bytes.Equal(w.buf, plain.buf) {
			t.Fatalf("write %d: %q (ok %v), stringMap wrote %q", i, w.buf, w.ok, plain.buf)
		}
	}
	if len(w.shared) != 1 {
		t.Fatalf("%d maps remembered, want 1", len(w.shared))
	}
	// Another map with the same content is written alike, remembered apart.
	w.reset()
	w.sharedMap(maps.Clone(cfg))
	if !bytes.Equal(w.buf, plain.buf) || len(w.shared) != 2 {
		t.Fatalf("a copy of the map wrote %q, %d remembered", w.buf, len(w.shared))
	}
	odd := maps.Clone(cfg)
	odd["ch"] = make(chan int)
	for i := range 2 {
		w.reset()
		w.sharedMap(odd)
		if w.ok {
			t.Fatalf("write %d of a map holding a channel left the key usable", i)
		}
	}
	if len(w.shared) != 2 {
		t.Fatalf("a map the writer cannot serialize was remembered")
	}
}

// TestSharedConfigsWrittenAsAlone: nodes that share config maps (as the
// compiler gives them) are written, fresh, cached and from the index, as
// each node built and encoded alone with encoding/json: a seed or a test
// holding a model's map gets its own kind's defaults, and a map changed
// between two writes is written as it is now.
func TestSharedConfigsWrittenAsAlone(t *testing.T) {
	m := cacheTestManifest(300)
	shared := []project.Config{
		{"materialized": "table", "tags": []any{"a"}, "schema": "s", "meta": map[string]any{"o": 1}, "post-hook": "select 1"},
		{"materialized": "view", "enabled": true, "alias": nil, "docs": map[string]any{"show": false}, "grants": map[string]any{}},
	}
	unrendered := project.Config{"materialized": "{{ 'table' }}", "tags": []any{"a"}, "schema": "s", "x": 1}
	ids := slices.Sorted(maps.Keys(m.Nodes))
	for i, id := range ids {
		n := m.Nodes[id]
		n.Config = shared[i%2]
		n.UnrenderedConfig = unrendered
	}
	// A seed and a test holding a model's config map.
	seed := cacheTestModel(900)
	seed.UniqueID, seed.ResourceType, seed.SeedColumnTypes = "seed.shop.s900", project.Seed, map[string]string{"id": "bigint"}
	test := cacheTestModel(901)
	test.UniqueID, test.ResourceType = "test.shop.t901", project.Test
	for _, n := range []*compiler.Node{seed, test} {
		n.Config, n.UnrenderedConfig = shared[0], unrendered
		m.Nodes[n.UniqueID] = n
	}
	m.ParentMap, m.ChildMap = depMaps(m)

	check := func(what string, manifest []byte) {
		t.Helper()
		var doc struct {
			Nodes map[string]json.RawMessage `json:"nodes"`
		}
		if err := json.Unmarshal(manifest, &doc); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		b := newBuilder(m, testMeta())
		for id, n := range m.Nodes {
			if isDisabled(n) {
				continue
			}
			if want := encodingJSON(t, b.node(n)); !bytes.Equal(doc.Nodes[id], want) {
				t.Fatalf("%s: %s is\n%s\nalone it is\n%s", what, id, doc.Nodes[id], want)
			}
		}
	}
	check("fresh", freshManifest(t, m, testMeta()))
	dir := openTarget(t, t.TempDir())
	c := ManifestCache{Build: "b", Index: "elt_manifest_cache.bin"}
	read := func() []byte {
		b, err := dir.ReadFile("manifest.json")
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, what := range []string{"cached, no index", "cached, from the index"} {
		if _, err := WriteManifestCached(dir, "manifest.json", m, testMeta(), c); err != nil {
			t.Fatal(err)
		}
		check(what, read())
	}
	shared[1]["materialized"] = "incremental"
	if _, err := WriteManifestCached(dir, "manifest.json", m, testMeta(), c); err != nil {
		t.Fatal(err)
	}
	check("cached, a shared map changed", read())
	check("fresh, a shared map changed", freshManifest(t, m, testMeta()))
}
