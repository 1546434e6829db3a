package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func countTables(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("select count(*) from duckdb_tables() where not temporary").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestFloorRunOrder runs a manifest whose models are listed before the
// models they ref: the floor must create parents first.
func TestFloorRunOrder(t *testing.T) {
	dir := t.TempDir()
	type node = map[string]any
	nodes := map[string]node{
		"model.p.a": {"resource_type": "model", "relation_name": `"floor"."main"."a"`, "compiled_code": `select 1 as id`,
			"depends_on": node{"nodes": []string{}}},
		"model.p.0b": {"resource_type": "model", "relation_name": `"floor"."main"."b"`, "compiled_code": `select id + 1 as id from "floor"."main"."a"`,
			"depends_on": node{"nodes": []string{"model.p.a"}}},
		"model.p.00c": {"resource_type": "model", "relation_name": `"floor"."main"."c"`, "compiled_code": `select id * 10 as id from "floor"."main"."b"`,
			"depends_on": node{"nodes": []string{"model.p.0b", "seed.p.s"}}},
		"test.p.t": {"resource_type": "test", "compiled_code": "select 1"},
	}
	data, err := json.Marshal(map[string]any{"nodes": nodes})
	if err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(dir, "manifest.json")
	if err := os.WriteFile(manifest, data, 0o644); err != nil {
		t.Fatal(err)
	}
	stmts, err := compiledStatements(manifest)
	if err != nil {
		t.Fatal(err)
	}
	if len(stmts) != 3 || !strings.Contains(stmts[0], `"a"`) || !strings.Contains(stmts[2], `"c"`) {
		t.Fatalf("order: %q", stmts)
	}
	db := filepath.Join(dir, "floor.duckdb")
	if err := floorRun(context.Background(), db, manifest); err != nil {
		t.Fatal(err)
	}
	conn, err := sql.Open("duckdb", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var id int
	if err := conn.QueryRow(`select id from "floor"."main"."c"`).Scan(&id); err != nil || id != 20 {
		t.Fatalf("c: want 20, got %d (%v)", id, err)
	}
}

func TestFloorRunUncompiled(t *testing.T) {
	dir := t.TempDir()
	manifest := filepath.Join(dir, "manifest.json")
	if err := os.WriteFile(manifest, []byte(`{"nodes":{"model.p.a":{"resource_type":"model","relation_name":"a"}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := compiledStatements(manifest)
	if err == nil || !strings.Contains(err.Error(), "compile first") {
		t.Fatalf("want a compile-first error, got %v", err)
	}
}
