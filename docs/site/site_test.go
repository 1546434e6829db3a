package site

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/elt-dev/elt/docs"
	"github.com/elt-dev/elt/internal/targetfs"
)

func str(s string) *string { return &s }

func sampleManifest() *docs.Manifest {
	seed := &docs.SeedNode{NodeBase: docs.NodeBase{Name: "raw", ResourceType: "seed", PackageName: "p", OriginalFilePath: "seeds/raw.csv",
		UniqueID: "seed.p.raw", FQN: []string{"p", "raw"}, Config: map[string]any{"materialized": "seed"}, Docs: docs.DocsConfig{Show: true}}}
	model := &docs.CompiledNode{NodeBase: docs.NodeBase{Name: "m", ResourceType: "model", PackageName: "p", OriginalFilePath: "models/m.sql",
		UniqueID: "model.p.m", FQN: []string{"p", "m"}, Config: map[string]any{"materialized": "table"}, Docs: docs.DocsConfig{Show: true},
		Description: "</script><b>not markup</b>\u2028", RawCode: "select id from {{ ref('raw') }}", RelationName: str(`"db"."main"."m"`),
		Columns: map[string]*docs.ColumnInfo{"ID": {Name: "ID", Description: "the key", DataType: str("integer")}, "extra": {Name: "extra"}}},
		Language: "sql", CompiledCode: str(`select id from "db"."main"."raw"`), DependsOn: docs.DependsOn{Nodes: []string{"seed.p.raw"}},
		ModelFields: &docs.ModelFields{Version: 2}}
	test := &docs.CompiledNode{NodeBase: docs.NodeBase{Name: "not_null_m_id", ResourceType: "test", PackageName: "p", OriginalFilePath: "models/schema.yml",
		UniqueID: "test.p.not_null_m_id.abc", FQN: []string{"p", "not_null_m_id"}, Config: map[string]any{}, Docs: docs.DocsConfig{Show: true}},
		DependsOn:         docs.DependsOn{Nodes: []string{"model.p.m"}},
		GenericTestFields: &docs.GenericTestFields{ColumnName: str("id"), AttachedNode: str("model.p.m"), TestMetadata: docs.TestMetadata{Name: "not_null"}}}
	return &docs.Manifest{
		Metadata: docs.ManifestMetadata{ProjectName: str("p"), AdapterType: str("duckdb"), DBTVersion: "1.10.9", GeneratedAt: "2026-12-02T00:00:00Z"},
		Nodes:    map[string]docs.Node{"seed.p.raw": seed, "model.p.m": model, "test.p.not_null_m_id.abc": test},
		Sources:  map[string]*docs.Source{"source.p.src.events": {Name: "events", SourceName: "src", ResourceType: "source", PackageName: "p", UniqueID: "source.p.src.events", FQN: []string{"p", "src", "events"}, SourceDescription: "raw events"}},
	}
}

// readData reads data.js back as the browser would see window.__ELT_DOCS__.
func readData(t *testing.T, path string) Data {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	const pre, post = "performance.mark('elt-data');window.__ELT_DOCS__=JSON.parse(", ");performance.mark('elt-data-parsed');\n"
	if !strings.HasPrefix(s, pre) || !strings.HasSuffix(s, post) {
		t.Fatalf("data.js is not one JSON.parse call: %.100s", s)
	}
	lit := strings.TrimSuffix(strings.TrimPrefix(s, pre), post)
	// The literal must not let a browser's HTML or script parser out.
	for _, bad := range []string{"</script", "\u2028", "\u2029"} {
		if strings.Contains(lit, bad) {
			t.Errorf("data.js carries %q unescaped", bad)
		}
	}
	var text string
	if err := json.Unmarshal([]byte(lit), &text); err != nil {
		t.Fatalf("data.js literal: %v", err)
	}
	var d Data
	if err := json.Unmarshal([]byte(text), &d); err != nil {
		t.Fatalf("data.js JSON: %v", err)
	}
	return d
}

func TestWriteSite(t *testing.T) {
	target, dir := tempTarget(t)
	rawRows := int64(7)
	cat := &docs.Catalog{Nodes: map[string]docs.CatalogTable{"model.p.m": {
		Columns: map[string]docs.ColumnMetadata{"id": {Name: "id", Type: "INTEGER", Index: 2}, "name": {Name: "name", Type: "VARCHAR", Index: 1}},
		Stats:   map[string]docs.StatsItem{"row_count": {ID: "row_count", Value: 42, Include: true}},
	},
		// DuckDB's and PostgreSQL's row estimate is not in catalog.json
		// (dbt-duckdb and dbt-postgres have no stats), but the site shows it.
		"seed.p.raw": {Stats: map[string]docs.StatsItem{"has_stats": {ID: "has_stats"}}, RowCount: &rawRows},
	}}
	col := "id"
	lin := &docs.Lineage{Nodes: map[string]docs.LineageNode{"model.p.m": {ColumnsKnown: true, Columns: map[string]docs.LineageColumn{
		"id":   {Upstream: []docs.LineageEdge{{Node: "seed.p.raw", Column: &col, Type: "identity"}}},
		"name": {Upstream: []docs.LineageEdge{{Node: "seed.p.raw", Type: "table"}}},
	}}}, Warnings: []docs.LineageWarning{{Node: "model.p.m", Line: 3, Construct: "PIVOT", Message: "not resolved"}}}
	if err := Write(dir, Build(sampleManifest(), cat, lin, map[string][]string{"model.p.m": {"name", "id", "late"}})); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"index.html", "elt-docs/app.js", "elt-docs/app.css", "elt-docs/THIRD_PARTY_LICENSES.txt"} {
		b, err := os.ReadFile(filepath.Join(target, f))
		if err != nil || len(b) == 0 {
			t.Errorf("%s: %v (%d bytes)", f, err, len(b))
		}
	}
	d := readData(t, filepath.Join(target, "elt-docs", "data.js"))
	if d.Meta.Project != "p" || d.Meta.Adapter != "duckdb" {
		t.Errorf("meta: %+v", d.Meta)
	}
	ids := []string{}
	for _, n := range d.Nodes {
		ids = append(ids, n.ID)
	}
	if want := "model.p.m seed.p.raw source.p.src.events test.p.not_null_m_id.abc"; strings.Join(ids, " ") != want {
		t.Fatalf("nodes %v, want %s (sorted)", ids, want)
	}
	m, seed, src, test := d.Nodes[0], d.Nodes[1], d.Nodes[2], d.Nodes[3]
	// Columns: the catalog's order, then documented ones it lacks, then the
	// lineage's; descriptions matched case-insensitively; tests attached.
	var cols []string
	for _, c := range m.Columns {
		cols = append(cols, c.Name+":"+c.Type+":"+c.Description+":"+strings.Join(c.Tests, ","))
	}
	if got, want := strings.Join(cols, " | "), "name:VARCHAR:: | id:INTEGER:the key:not_null | extra::: | late:::"; got != want {
		t.Errorf("columns:\n got %s\nwant %s", got, want)
	}
	if m.Version != "2" {
		t.Errorf("version %q", m.Version)
	}
	if m.Materialized != "table" || m.Relation != `"db"."main"."m"` || m.Compiled != `select id from "db"."main"."raw"` || m.RowCount != float64(42) {
		t.Errorf("model: %+v", m)
	}
	if seed.RowCount != float64(7) {
		t.Errorf("seed row count from the warehouse's estimate: %v", seed.RowCount)
	}
	if len(m.Parents) != 1 || m.Parents[0] != 1 || len(test.Parents) != 1 || test.Parents[0] != 0 {
		t.Errorf("parents: model %v, test %v", m.Parents, test.Parents)
	}
	if test.TestOf == nil || *test.TestOf != 0 || test.TestColumn != "id" || test.TestName != "not_null" || test.Materialized != "" {
		t.Errorf("test: %+v", test)
	}
	if src.Type != "source" || src.SourceName != "src" || src.Description != "raw events" {
		t.Errorf("source: %+v", src)
	}
	if seed.Type != "seed" || len(seed.Parents) != 0 {
		t.Errorf("seed: %+v", seed)
	}
	l := d.Lineage["0"]
	if !l.Known || len(l.Columns["id"]) != 1 || l.Columns["id"][0][0] != float64(1) || l.Columns["id"][0][1] != "id" || l.Columns["id"][0][2] != "identity" {
		t.Errorf("lineage of id: %+v", l.Columns["id"])
	}
	if h := l.Columns["name"]; len(h) != 1 || h[0][1] != nil || h[0][2] != "table" {
		t.Errorf("table-level lineage of name: %+v", h)
	}
	if len(d.Warnings) != 1 || d.Warnings[0].Node != 0 || d.Warnings[0].Line != 3 {
		t.Errorf("warnings: %+v", d.Warnings)
	}
}

func TestExposuresAndUnitTests(t *testing.T) {
	man := sampleManifest()
	url := "https://bi.example.com/d/1"
	man.Exposures = map[string]any{"exposure.p.dash": map[string]any{
		"name": "dash", "resource_type": "exposure", "package_name": "p", "original_file_path": "models/exposures.yml",
		"fqn": []string{"p", "dash"}, "type": "dashboard", "owner": map[string]any{"name": "Ana", "email": nil},
		"maturity": (*string)(nil), "url": &url, "label": (*string)(nil), "description": "weekly", "tags": []string{},
		"depends_on": map[string]any{"nodes": []string{"model.p.m"}},
	}}
	man.UnitTests = map[string]any{"unit_test.p.m.t1": map[string]any{
		"name": "t1", "resource_type": "unit_test", "package_name": "p", "original_file_path": "models/m.sql",
		"fqn": []string{"p", "m", "t1"}, "model": "m", "description": "",
		"depends_on": map[string]any{"nodes": []string{"model.p.m"}},
	}}
	d := Build(man, nil, nil, nil)
	byID := map[string]Node{}
	for _, n := range d.Nodes {
		byID[n.ID] = n
	}
	mi := -1
	for i, n := range d.Nodes {
		if n.ID == "model.p.m" {
			mi = i
		}
	}
	e := byID["exposure.p.dash"]
	if e.Type != "exposure" || len(e.Parents) != 1 || e.Parents[0] != mi || e.Description != "weekly" {
		t.Errorf("exposure: %+v", e)
	}
	if got := fmt.Sprint(e.Facts); got != "[[Exposure type dashboard] [Owner Ana] [Url "+url+"]]" {
		t.Errorf("exposure facts: %s", got)
	}
	u := byID["unit_test.p.m.t1"]
	if u.Type != "unit_test" || len(u.Parents) != 1 || u.Parents[0] != mi || fmt.Sprint(u.Facts) != "[[Model m]]" {
		t.Errorf("unit test: %+v", u)
	}
}

func TestCopyAssets(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "assets", "img"), 0o755)
	os.WriteFile(filepath.Join(root, "assets", "img", "erd.png"), []byte("png"), 0o644)
	target, dir := tempTarget(t)
	if err := CopyAssets(root, []string{"assets", "missing"}, dir); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(target, "assets", "img", "erd.png")); err != nil || string(b) != "png" {
		t.Errorf("asset not copied: %v %q", err, b)
	}
	for _, bad := range []string{"../outside", "/abs"} {
		if err := CopyAssets(root, []string{bad}, dir); err == nil || !strings.Contains(err.Error(), "inside the project") {
			t.Errorf("asset path %q: err %v", bad, err)
		}
	}
}

func TestServe(t *testing.T) {
	target := t.TempDir()
	if err := Serve(context.Background(), "127.0.0.1:0", target, nil); err == nil || !strings.Contains(err.Error(), "elt docs generate") {
		t.Fatalf("serving an empty folder: %v", err)
	}
	dir, _ := targetfs.Open(target)
	defer dir.Close()
	if err := Write(dir, Build(sampleManifest(), nil, nil, nil)); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(filepath.Dir(target), "secret.txt"), []byte("secret"), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	urls := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, "127.0.0.1:0", target, func(u string) { urls <- u }) }()
	base := <-urls
	get := func(path string) (int, string) {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(""); code != 200 || !strings.Contains(body, "elt-docs/app.js") {
		t.Errorf("index: %d %.80s", code, body)
	}
	if code, body := get("elt-docs/data.js"); code != 200 || !strings.Contains(body, "__ELT_DOCS__") {
		t.Errorf("data.js: %d %.80s", code, body)
	}
	if code, body := get("../secret.txt"); code == 200 || strings.Contains(body, "secret") {
		t.Errorf("served a file outside the target folder: %d %q", code, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

// TestAddProfiles: stored profiles go on their nodes in data.js; ids the
// site does not show and profiles that are not JSON are left out.
func TestAddProfiles(t *testing.T) {
	target, dir := tempTarget(t)
	d := Build(sampleManifest(), nil, nil, nil)
	d.AddProfiles(map[string]json.RawMessage{
		"model.p.m":           json.RawMessage(`{"row_count":3,"columns":[{"name":"id","null_rate":0.5}]}`),
		"source.p.src.events": json.RawMessage(`{"row_count":`),
		"model.p.gone":        json.RawMessage(`{"row_count":1}`),
	})
	if err := Write(dir, d); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, n := range readData(t, filepath.Join(target, AssetDir, "data.js")).Nodes {
		if n.Profile != nil {
			got[n.ID] = string(n.Profile)
		}
	}
	want := map[string]string{"model.p.m": `{"row_count":3,"columns":[{"name":"id","null_rate":0.5}]}`}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("profiles in data.js: got %v, want %v", got, want)
	}
}

// TestInert: a closing tag inside an inline script or style, in any case,
// no longer closes it; other text is left alone.
func TestInert(t *testing.T) {
	for _, c := range []struct{ tag, in, want string }{
		{"script", `a="</script>";b='</SCRIPT ';c=1</2`, `a="<\/script>";b='<\/SCRIPT ';c=1</2`},
		{"style", `a{content:"</Style>"}`, `a{content:"<\/Style>"}`},
		{"script", `</style>`, `</style>`},
	} {
		if got := string(inert([]byte(c.in), c.tag)); got != c.want {
			t.Errorf("inert(%q, %s) = %q, want %q", c.in, c.tag, got, c.want)
		}
	}
}

// tempTarget opens a new temporary folder as a target directory, closed
// when the test ends.
func tempTarget(t *testing.T) (string, *targetfs.Dir) {
	t.Helper()
	target := t.TempDir()
	dir, err := targetfs.Open(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dir.Close() })
	return target, dir
}
