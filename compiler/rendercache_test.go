package compiler

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/elt-dev/elt/project"
)

// TestRenderCacheRoundTrip: a second Parse and Compile over the same
// project with the first one's saved cache renders nothing and compiles
// the same SQL (run with -race: the cache is used from every worker).
func TestRenderCacheRoundTrip(t *testing.T) {
	p := benchProject(300)
	ctx := context.Background()
	compile := func(saved []byte) (*Manifest, *RenderCache) {
		t.Helper()
		var r *bytes.Reader
		cache := NewRenderCache("k", nil)
		if saved != nil {
			r = bytes.NewReader(saved)
			cache = NewRenderCache("k", r)
		}
		opts := testOptions()
		opts.Cache = cache
		m, err := Parse(ctx, p, opts)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Compile(ctx, nil); err != nil {
			t.Fatal(err)
		}
		return m, cache
	}
	first, cache := compile(nil)
	var saved bytes.Buffer
	if err := cache.Save(&saved); err != nil {
		t.Fatal(err)
	}
	second, cache2 := compile(saved.Bytes())
	if st := cache2.Stats(); st.ParseMisses != 0 || st.CompileMisses != 0 || st.ParseHits != 300 || st.CompileHits != 300 {
		t.Errorf("stats %+v; want every render from the cache", st)
	}
	for id, n := range first.Nodes {
		if got := second.Nodes[id].CompiledCode; got != n.CompiledCode {
			t.Errorf("%s: %q from the cache, %q rendered", id, got, n.CompiledCode)
		}
		if a, b := first.Nodes[id].DependsOn.Macros, second.Nodes[id].DependsOn.Macros; len(a) != len(b) {
			t.Errorf("%s: macros %v, want %v", id, b, a)
		}
	}
	// Another key: nothing is reused.
	other := NewRenderCache("other", bytes.NewReader(saved.Bytes()))
	opts := testOptions()
	opts.Cache = other
	if _, err := Parse(ctx, p, opts); err != nil {
		t.Fatal(err)
	}
	if st := other.Stats(); st.ParseHits != 0 {
		t.Errorf("cache of another key used: %+v", st)
	}
	// A damaged file is an empty cache, not an error.
	broken := NewRenderCache("k", bytes.NewReader(saved.Bytes()[:saved.Len()/2]))
	opts.Cache = broken
	if _, err := Parse(ctx, p, opts); err != nil {
		t.Fatal(err)
	}
}

// TestUnrenderedConfigRenderedByDefault: without
// state_modified_compare_more_unrendered_values (dbt's default),
// unrendered_config holds a config() call's values as rendered, as dbt's
// legacy _config_call_dict, so state:modified sees a var-driven change.
func TestUnrenderedConfigRenderedByDefault(t *testing.T) {
	p := newProject(map[string]string{
		"models/i.sql": "{{ config(materialized=var('mat', 'table'), alias=var('a', 'i2')) }}\nselect 8 as id\n",
	})
	m, err := Parse(context.Background(), p, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if u := m.Nodes["model.shop.i"].UnrenderedConfig; u["materialized"] != "table" || u["alias"] != "i2" {
		t.Errorf("unrendered_config %v, want the call's rendered values", u)
	}
}

// TestConfigsFromCacheShared: models of one folder config that make the
// same config() call get one pair of config maps when their parse comes
// from the cache, equal to what a render gives each; a different call, a
// call holding a map and a call written with an expression do not share
// with them, and writing through model.config changes a copy.
func TestConfigsFromCacheShared(t *testing.T) {
	call := "{{ config(materialized='table', tags=['nightly']) }}\n"
	p := newProject(map[string]string{
		"models/a.sql": call + "select 1 as id\n",
		"models/b.sql": call + "select 2 as id\n",
		"models/c.sql": "{{ config(materialized='table', tags=['hourly']) }}\nselect 3 as id\n",
		"models/d.sql": "{{ config(materialized='table', meta={'owner': 'ann'}) }}\nselect 4 as id\n",
		"models/e.sql": "{{ config(materialized='table', tags=['nightly'], alias=var('e_alias', 'e2')) }}\nselect 5 as id\n",
		"models/f.sql": "{{ config(materialized='table', meta={'owner': 'ann'}) }}\nselect 6 as id\n",
		"models/g.sql": "select 7 as id\n",
		// Renders to a's call, written otherwise.
		"models/i.sql": "{{ config(materialized=var('mat', 'table'), tags=['nightly']) }}\nselect 8 as id\n",
	})
	// config() calls as written, as dbt records them with the flag.
	p.Config.Flags = map[string]any{"state_modified_compare_more_unrendered_values": true}
	// As the loader leaves them: one folder config, shared.
	folder, folderRaw := project.Config{"schema": "s", "tags": []string{"all"}}, project.Config{"schema": "s", "tags": []string{"all"}}
	for _, n := range p.Nodes {
		n.Config, n.UnrenderedConfig = folder, folderRaw
	}
	ctx := context.Background()
	parse := func(cache *RenderCache) *Manifest {
		t.Helper()
		opts := testOptions()
		opts.Cache = cache
		m, err := Parse(ctx, p, opts)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	cold := NewRenderCache("k", nil)
	rendered := parse(cold)
	var saved bytes.Buffer
	if err := cold.Save(&saved); err != nil {
		t.Fatal(err)
	}
	warmCache := NewRenderCache("k", bytes.NewReader(saved.Bytes()))
	warm := parse(warmCache)
	if st := warmCache.Stats(); st.ParseMisses != 0 {
		t.Fatalf("the second parse rendered: %+v", st)
	}
	node := func(m *Manifest, name string) *Node { return m.Nodes["model.shop."+name] }
	for _, name := range []string{"a", "b", "c", "d", "e", "f", "g", "i"} {
		r, w := node(rendered, name), node(warm, name)
		if !reflect.DeepEqual(r.Config, w.Config) || !reflect.DeepEqual(r.UnrenderedConfig, w.UnrenderedConfig) {
			t.Errorf("%s from the cache:\n %v %v\nrendered:\n %v %v", name, w.Config, w.UnrenderedConfig, r.Config, r.UnrenderedConfig)
		}
	}
	ptr := func(c project.Config) uintptr { return reflect.ValueOf(c).Pointer() }
	a, b := node(warm, "a"), node(warm, "b")
	if ptr(a.Config) != ptr(b.Config) || ptr(a.UnrenderedConfig) != ptr(b.UnrenderedConfig) || !a.sharedConfig {
		t.Error("a and b make the same call and do not share their configs")
	}
	if !a.configInterned || !b.configInterned {
		t.Error("a's and b's configs were not built once for both (configMemo)")
	}
	if i := node(warm, "i"); ptr(i.UnrenderedConfig) == ptr(a.UnrenderedConfig) || i.UnrenderedConfig["materialized"] != "var('mat', 'table')" {
		t.Errorf("i's call as written: %v", i.UnrenderedConfig)
	}
	if fmt.Sprint(a.Config["tags"]) != "[all nightly]" || a.Config["materialized"] != "table" || a.Config["schema"] != "s" {
		t.Errorf("a's config: %v", a.Config)
	}
	for _, name := range []string{"c", "e", "g"} {
		if ptr(node(warm, name).Config) == ptr(a.Config) {
			t.Errorf("%s shares a's config", name)
		}
	}
	if e := node(warm, "e"); e.UnrenderedConfig["alias"] != "var('e_alias', 'e2')" || e.Config["alias"] != "e2" {
		t.Errorf("e: alias %v, as written %v", e.Config["alias"], e.UnrenderedConfig["alias"])
	}
	if d, f := node(warm, "d"), node(warm, "f"); ptr(d.Config) == ptr(f.Config) || d.sharedConfig {
		t.Error("configs holding a map are shared")
	}
	st := warm.engine.newState(warm, a, true)
	modelConfig(a.ResourceType, st.currentConfig())["materialized"] = "view"
	if b.Config["materialized"] != "table" || a.Config["materialized"] != "table" {
		t.Errorf("writing a's config through model.config: a %v, b %v", a.Config, b.Config)
	}
}
