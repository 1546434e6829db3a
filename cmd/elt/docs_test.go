package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/elt-dev/elt/docs/schematest"
)

// catalogFile is the part of catalog.json the tests read.
type catalogFile struct {
	Nodes, Sources map[string]struct {
		Metadata struct {
			Type, Schema, Name string
			Database, Owner    *string
		}
		Columns map[string]struct {
			Type  string
			Index int
			Name  string
		}
		Stats map[string]struct {
			ID      string
			Value   any
			Include bool
		}
		UniqueID string `json:"unique_id"`
	}
	Errors []string
}

type lineageFile struct {
	Metadata map[string]any
	Nodes    map[string]struct {
		ColumnsKnown bool `json:"columns_known"`
		Columns      map[string]struct {
			Upstream []struct {
				Node   string
				Column *string
				Type   string
			}
		}
	}
	Warnings []any
}

// readCatalog reads target/catalog.json, checked against dbt's catalog v1 schema.
func readCatalog(t *testing.T, dir string) catalogFile {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "target", "catalog.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := schematest.ValidateCatalog(raw); err != nil {
		t.Fatal(err)
	}
	var c catalogFile
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func readLineage(t *testing.T, dir string) lineageFile {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "target", "lineage.json"))
	if err != nil {
		t.Fatal(err)
	}
	var l lineageFile
	if err := json.Unmarshal(raw, &l); err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	return l
}

// upstreamOf flattens one column's upstream edges as "node.column type".
func upstreamOf(t *testing.T, l lineageFile, node, column string) string {
	t.Helper()
	n, ok := l.Nodes[node]
	if !ok {
		t.Fatalf("lineage.json has no node %s", node)
	}
	c, ok := n.Columns[column]
	if !ok {
		t.Fatalf("lineage.json: %s has no column %s", node, column)
	}
	var out []string
	for _, e := range c.Upstream {
		col := "<table>"
		if e.Column != nil {
			col = *e.Column
		}
		out = append(out, e.Node+"."+col+" "+e.Type)
	}
	return strings.Join(out, "\n")
}

// TestDocsGenerateShop builds the example project, then checks what
// elt docs generate says of it: the columns and types DuckDB reports, in
// order, the row counts of tables, views without them, and lineage.
func TestDocsGenerateShop(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, "../../examples/shop", dir)
	if r := elt(t, dir, "build"); r.code != 0 {
		t.Fatalf("build: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r := elt(t, dir, "docs", "generate")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("docs generate: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "Catalog written to target/catalog.json (18 nodes, 0 sources)") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	c := readCatalog(t, dir)
	if c.Errors != nil {
		t.Errorf("errors: %v", c.Errors)
	}
	// Every model, seed and snapshot the build made; the ephemeral model
	// has no relation, so no entry.
	for _, id := range []string{"model.shop.fct_orders", "model.shop.stg_orders", "model.shop.daily_revenue",
		"seed.shop.raw_orders", "snapshot.shop.customers_snapshot"} {
		if e, ok := c.Nodes[id]; !ok || e.UniqueID != id {
			t.Errorf("catalog has no node %s (or a wrong unique_id %q)", id, e.UniqueID)
		}
	}
	if _, ok := c.Nodes["model.shop.int_order_totals"]; ok {
		t.Error("the ephemeral int_order_totals is in the catalog")
	}

	fct := c.Nodes["model.shop.fct_orders"]
	if fct.Metadata.Type != "BASE TABLE" || fct.Metadata.Schema != "main" || fct.Metadata.Name != "fct_orders" ||
		fct.Metadata.Database == nil || *fct.Metadata.Database != "shop" || fct.Metadata.Owner != nil {
		t.Errorf("fct_orders metadata: %+v", fct.Metadata)
	}
	for _, want := range []struct {
		name, typ string
		index     int
	}{{"order_id", "INTEGER", 1}, {"ordered_at", "TIMESTAMP", 3}, {"order_date", "DATE", 4}, {"status", "VARCHAR", 5},
		{"order_total", "DECIMAL(18,2)", 8}, {"is_revenue", "BOOLEAN", 13}} {
		got, ok := fct.Columns[want.name]
		if !ok || got.Type != want.typ || got.Index != want.index || got.Name != want.name {
			t.Errorf("fct_orders.%s: want %s at %d, got %+v (present %v)", want.name, want.typ, want.index, got, ok)
		}
	}
	if len(fct.Columns) != 13 {
		t.Errorf("fct_orders has %d columns, want 13", len(fct.Columns))
	}

	// Stats as dbt-duckdb's: its catalog query has no stats columns, so
	// only has_stats, false. The docs site still shows DuckDB's row
	// count, exact for a freshly built table.
	db := openDB(t, filepath.Join(dir, "shop.duckdb"))
	var siteData struct {
		Nodes []struct {
			ID       string `json:"id"`
			RowCount any    `json:"row_count"`
		} `json:"nodes"`
	}
	readSiteData(t, dir, &siteData)
	rowCounts := map[string]any{}
	for _, n := range siteData.Nodes {
		rowCounts[n.ID] = n.RowCount
	}
	for _, id := range []string{"model.shop.fct_orders", "seed.shop.raw_orders", "snapshot.shop.customers_snapshot"} {
		e := c.Nodes[id]
		if hs := e.Stats["has_stats"]; len(e.Stats) != 1 || hs.Value != false || hs.Include {
			t.Errorf("%s stats: want has_stats false only, got %+v", id, e.Stats)
		}
		var want float64
		if err := db.QueryRow("select count(*) from main." + e.Metadata.Name).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if got := rowCounts[id]; got != want {
			t.Errorf("docs site: %s row_count %v, want %v", id, got, want)
		}
	}
	db.Close() // elt opens the file for writing below
	stg := c.Nodes["model.shop.stg_orders"]
	if stg.Metadata.Type != "VIEW" || stg.Stats["has_stats"].Value != false || len(stg.Stats) != 1 {
		t.Errorf("the view stg_orders: %+v", stg)
	}
	if got := stg.Columns["status"]; got.Index != 5 || got.Type != "VARCHAR" {
		t.Errorf("stg_orders.status: %+v", got)
	}

	// manifest.json is written too, compiled, as dbt docs generate does.
	var man struct {
		Nodes map[string]struct {
			CompiledCode string `json:"compiled_code"`
		}
	}
	raw, err := os.ReadFile(filepath.Join(dir, "target", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &man); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(man.Nodes["model.shop.stg_orders"].CompiledCode, `"shop"."main"."raw_orders"`) {
		t.Errorf("manifest compiled_code of stg_orders: %q", man.Nodes["model.shop.stg_orders"].CompiledCode)
	}

	l := readLineage(t, dir)
	if l.Metadata["schema_version"] != "elt/lineage/v1" {
		t.Errorf("lineage metadata: %v", l.Metadata)
	}
	wantUp := strings.Join([]string{
		"model.shop.int_order_totals.items_total_cents transformation",
		"model.shop.int_order_totals.order_id indirect",
		"model.shop.stg_orders.order_id indirect",
		"model.shop.stg_payments.order_id indirect",
	}, "\n")
	if got := upstreamOf(t, l, "model.shop.fct_orders", "order_total"); got != wantUp {
		t.Errorf("fct_orders.order_total upstream:\n--- want\n%s\n--- got\n%s", wantUp, got)
	}
	if got, want := upstreamOf(t, l, "model.shop.stg_orders", "status"), "seed.shop.raw_orders.status transformation"; got != want {
		t.Errorf("stg_orders.status upstream: want %q, got %q", want, got)
	}
	// The ephemeral model and the snapshot have lineage though not a relation.
	upstreamOf(t, l, "model.shop.int_order_totals", "items_total_cents")
	if got := upstreamOf(t, l, "snapshot.shop.customers_snapshot", "dbt_valid_to"); got != "" {
		t.Errorf("a snapshot's own column reads nothing upstream, got %q", got)
	}
	if !l.Nodes["model.shop.fct_orders"].ColumnsKnown || len(l.Warnings) != 0 {
		t.Errorf("columns_known %v, warnings %v", l.Nodes["model.shop.fct_orders"].ColumnsKnown, l.Warnings)
	}

	t.Run("select narrows the catalog", func(t *testing.T) {
		r := elt(t, dir, "docs", "generate", "--select", "fct_orders", "raw_orders", "stg_orders+", "--exclude", "daily_revenue")
		if r.code != 0 {
			t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		var ids []string
		for id := range readCatalog(t, dir).Nodes {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		want := "model.shop.dim_customers model.shop.fct_orders model.shop.stg_orders seed.shop.raw_orders"
		if got := strings.Join(ids, " "); got != want {
			t.Errorf("want %s, got %s", want, got)
		}
		// Lineage still covers the whole project.
		upstreamOf(t, readLineage(t, dir), "model.shop.daily_revenue", "revenue")
	})
	t.Run("a selector that matches nothing", func(t *testing.T) {
		// As in dbt: a warning, and an empty catalog.
		r := elt(t, dir, "docs", "generate", "--select", "nope+")
		if r.code != 0 || !strings.Contains(r.stdout, `The selection criterion 'nope+' does not match any enabled nodes`) {
			t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		if c := readCatalog(t, dir); len(c.Nodes) != 0 {
			t.Errorf("nodes: %v", c.Nodes)
		}
	})
}

// TestDocsGenerateBeforeBuild: with nothing built, the catalog lists
// nothing and the warehouse file is not created; after loading only the
// seeds, it lists the seeds and no model.
func TestDocsGenerateBeforeBuild(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, "../../examples/shop", dir)
	r := elt(t, dir, "docs", "generate")
	if r.code != 0 {
		t.Fatalf("docs generate: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "the warehouse does not exist yet") {
		t.Errorf("no warning about the missing warehouse:\n%s", r.stdout)
	}
	if c := readCatalog(t, dir); len(c.Nodes) != 0 || len(c.Sources) != 0 {
		t.Errorf("catalog of an unbuilt project: %+v", c)
	}
	if _, err := os.Stat(filepath.Join(dir, "shop.duckdb")); err == nil {
		t.Error("elt docs generate created the warehouse file")
	}
	// Lineage needs no warehouse.
	upstreamOf(t, readLineage(t, dir), "model.shop.stg_orders", "status")

	if r := elt(t, dir, "seed"); r.code != 0 {
		t.Fatalf("seed: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := elt(t, dir, "docs", "generate"); r.code != 0 {
		t.Fatalf("docs generate after seed: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	c := readCatalog(t, dir)
	var ids []string
	for id := range c.Nodes {
		ids = append(ids, id)
	}
	if len(ids) != 5 {
		t.Errorf("after seeding, want the 5 seeds, got %v", ids)
	}
	for _, id := range ids {
		if !strings.HasPrefix(id, "seed.") {
			t.Errorf("%s is in the catalog but was never built", id)
		}
	}
	if got := c.Nodes["seed.shop.raw_orders"].Columns["status"]; got.Name != "status" || got.Index == 0 {
		t.Errorf("raw_orders.status: %+v", got)
	}
}

// TestDocsGenerateCatalogSources: a source table that exists is in
// sources with the columns and comments the warehouse reports, keyed by
// the column name as the warehouse spells it; one that does not is left
// out; a model that reads the missing source is not in nodes until built.
func TestDocsGenerateCatalogSources(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "dbt_project.yml", "name: src\nprofile: src\n")
	writeFile(t, dir, "profiles.yml", "src:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: src.duckdb\n")
	writeFile(t, dir, "models/sources.yml", "version: 2\nsources:\n  - name: raw\n    schema: main\n    tables:\n"+
		"      - name: events\n      - name: missing\n")
	writeFile(t, dir, "models/a.sql", "select \"Code\" as code, amount * 2 as doubled from {{ source('raw', 'events') }}\n")
	writeFile(t, dir, "models/b.sql", "select * from {{ source('raw', 'missing') }}\n")

	execDuckDB(t, filepath.Join(dir, "src.duckdb"),
		`create table main.events ("Code" varchar, amount decimal(10,2))`,
		`insert into main.events values ('a', 1), ('b', 2)`,
		`comment on table main.events is 'Raw events'`,
		`comment on column main.events.amount is 'In euros'`)
	if r := elt(t, dir, "run", "--select", "a"); r.code != 0 {
		t.Fatalf("run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r := elt(t, dir, "docs", "generate")
	if r.code != 0 {
		t.Fatalf("docs generate: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "target", "catalog.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := schematest.ValidateCatalog(raw); err != nil {
		t.Fatal(err)
	}
	var c struct {
		Nodes, Sources map[string]struct {
			Metadata struct {
				Type, Name string
				Comment    *string
			}
			Columns map[string]struct {
				Type    string
				Index   int
				Comment *string
			}
		}
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	if len(c.Sources) != 1 {
		t.Fatalf("sources: want only source.src.raw.events, got %v", c.Sources)
	}
	ev, ok := c.Sources["source.src.raw.events"]
	if !ok || ev.Metadata.Comment == nil || *ev.Metadata.Comment != "Raw events" || ev.Metadata.Type != "BASE TABLE" {
		t.Fatalf("source.src.raw.events: %+v", ev)
	}
	if code := ev.Columns["Code"]; code.Type != "VARCHAR" || code.Index != 1 || code.Comment != nil {
		t.Errorf("Code: %+v", code)
	}
	if amt := ev.Columns["amount"]; amt.Type != "DECIMAL(10,2)" || amt.Index != 2 || amt.Comment == nil || *amt.Comment != "In euros" {
		t.Errorf("amount: %+v", amt)
	}
	if _, ok := c.Nodes["model.src.a"]; !ok || len(c.Nodes) != 1 {
		t.Errorf("nodes: want only model.src.a (b was never built), got %v", c.Nodes)
	}
	// Lineage reads the source's columns from the warehouse.
	if got, want := upstreamOf(t, readLineage(t, dir), "model.src.a", "doubled"), "source.src.raw.events.amount transformation"; got != want {
		t.Errorf("a.doubled upstream: want %q, got %q", want, got)
	}
}

// TestDocsGenerateFlags: dbt docs generate's --no-compile (neither
// manifest.json nor target/compiled is written), --empty-catalog (no
// relation looked up, though the warehouse has them), --selector (names
// the catalog's nodes as --select does) and --static (static_index.html
// holds the site whole).
func TestDocsGenerateFlags(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, "../../examples/shop", dir)
	writeFiles(t, dir, map[string]string{"selectors.yml": "selectors:\n  - name: one_seed\n    definition:\n      method: fqn\n      value: raw_orders\n"})
	if r := elt(t, dir, "seed"); r.code != 0 {
		t.Fatalf("seed: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	run := func(args ...string) {
		t.Helper()
		if r := elt(t, dir, append([]string{"docs", "generate"}, args...)...); r.code != 0 {
			t.Fatalf("docs generate %v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
	}
	target := filepath.Join(dir, "target")
	if err := os.RemoveAll(target); err != nil {
		t.Fatal(err)
	}
	run("--no-compile")
	for _, name := range []string{"manifest.json", "compiled"} {
		if _, err := os.Stat(filepath.Join(target, name)); !os.IsNotExist(err) {
			t.Errorf("--no-compile: target/%s exists (%v)", name, err)
		}
	}
	if c := readCatalog(t, dir); len(c.Nodes) != 5 {
		t.Errorf("--no-compile: %d catalog nodes, want the 5 seeds", len(c.Nodes))
	}
	run("--empty-catalog", "--static")
	if c := readCatalog(t, dir); len(c.Nodes) != 0 || len(c.Sources) != 0 {
		t.Errorf("--empty-catalog: %d nodes, %d sources", len(c.Nodes), len(c.Sources))
	}
	if _, err := os.Stat(filepath.Join(target, "manifest.json")); err != nil {
		t.Errorf("docs generate wrote no manifest: %v", err)
	}
	static, err := os.ReadFile(filepath.Join(target, "static_index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if s := string(static); strings.Contains(s, `src="elt-docs/`) || strings.Contains(s, `href="elt-docs/`) || !strings.Contains(s, "__ELT_DOCS__") || !strings.Contains(s, "stg_orders") {
		t.Errorf("static_index.html loads files or lacks the data (%d bytes)", len(s))
	}
	run("--selector", "one_seed")
	if c := readCatalog(t, dir); len(c.Nodes) != 1 || c.Nodes["seed.shop.raw_orders"].Columns == nil {
		t.Errorf("--selector one_seed: catalog nodes %v, want raw_orders alone", sortedKeys(c.Nodes))
	}
	// A default selector narrows it too, unless --select is given.
	writeFiles(t, dir, map[string]string{"selectors.yml": "selectors:\n  - name: one_seed\n    default: true\n    definition:\n      method: fqn\n      value: raw_orders\n"})
	run()
	if c := readCatalog(t, dir); len(c.Nodes) != 1 {
		t.Errorf("default selector one_seed: catalog nodes %v, want raw_orders alone", sortedKeys(c.Nodes))
	}
	run("--select", "raw_customers", "raw_products")
	if c := readCatalog(t, dir); len(c.Nodes) != 2 {
		t.Errorf("--select over a default selector: catalog nodes %v, want raw_customers and raw_products", sortedKeys(c.Nodes))
	}
}

// TestBuiltinOverviewDocAsDBT: dbt's manifest always holds its own
// package's overview docs block, doc.dbt.__overview__ (dbt's global
// project, docs/overview.md), beside the project's own __overview__, and
// doc('__overview__') finds it when the project has none. Its text is
// elt's own.
func TestBuiltinOverviewDocAsDBT(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/m.sql", "select 1 as id\n")
	writeFile(t, dir, "models/m.yml", "models:\n  - name: m\n    description: \"{{ doc('__overview__') }}\"\n")
	mustElt(t, dir, "parse")
	m := readManifest(t, dir)
	d, _ := m["docs"].(map[string]any)["doc.dbt.__overview__"].(map[string]any)
	if d == nil {
		t.Fatalf("no doc.dbt.__overview__ in manifest.json docs: %v", m["docs"])
	}
	for k, want := range map[string]string{"unique_id": "doc.dbt.__overview__", "name": "__overview__", "resource_type": "doc",
		"package_name": "dbt", "path": "overview.md", "original_file_path": "docs/overview.md"} {
		if d[k] != want {
			t.Errorf("%s = %v, want %q", k, d[k], want)
		}
	}
	text, _ := d["block_contents"].(string)
	if text == "" || strings.TrimSpace(text) != text {
		t.Errorf("block_contents = %q, want the overview's text, stripped", text)
	}
	node := m["nodes"].(map[string]any)["model.p.m"].(map[string]any)
	if node["description"] != text {
		t.Errorf("doc('__overview__') = %q, want dbt's overview", node["description"])
	}
	// The project's own overview is listed beside it, and wins doc().
	writeFile(t, dir, "models/overview.md", "{% docs __overview__ %}\nOurs.\n{% enddocs %}\n")
	mustElt(t, dir, "parse")
	m = readManifest(t, dir)
	docs := m["docs"].(map[string]any)
	if docs["doc.p.__overview__"] == nil || docs["doc.dbt.__overview__"] == nil {
		t.Errorf("want both overviews, got %v", docs)
	}
	if got := m["nodes"].(map[string]any)["model.p.m"].(map[string]any)["description"]; got != "Ours." {
		t.Errorf("doc('__overview__') = %q, want the project's", got)
	}
}

// TestDocsGenerateCompilesTheSelection: with --select, docs generate
// compiles the selected nodes only, as dbt's GenerateTask (a CompileTask
// over the selection): a model that fails to compile and is not
// selected does not fail it; without a selection it does.
func TestDocsGenerateCompilesTheSelection(t *testing.T) {
	dir := miniProject(t, "")
	writeFile(t, dir, "models/good.sql", "select 1 as id\n")
	writeFile(t, dir, "models/bad.sql", "{% if execute %}{{ exceptions.raise_compiler_error('boom') }}{% endif %}select 1 as x\n")
	if res := elt(t, dir, "docs", "generate", "-s", "good"); res.code != exitOK {
		t.Fatalf("docs generate -s good: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "target", "compiled", "p", "models", "good.sql")); err != nil {
		t.Errorf("the selected model was not compiled: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "target", "compiled", "p", "models", "bad.sql")); err == nil {
		t.Errorf("docs generate -s good compiled bad too")
	}
	if res := elt(t, dir, "docs", "generate"); res.code == exitOK || !strings.Contains(res.stdout+res.stderr, "boom") {
		t.Errorf("docs generate of every node: exit %d, want the compile error\n%s%s", res.code, res.stdout, res.stderr)
	}
}
