package duckdb

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/elt-dev/elt/adapters"
)

// TestAttachSQL: the ATTACH statement for each entry, as dbt-duckdb's
// Attachment.to_sql writes it (relative paths resolved against the working
// directory, aliases quoted, options sorted by name).
func TestAttachSQL(t *testing.T) {
	cases := []struct {
		entry map[string]any
		want  string
	}{
		{map[string]any{"path": "/data/other.duckdb"}, "attach if not exists '/data/other.duckdb'"},
		{map[string]any{"path": "rel/x.duckdb", "alias": "x", "read_only": true}, `attach if not exists '/work/rel/x.duckdb' as "x" (READ_ONLY)`},
		{map[string]any{"path": "/d/it's.duckdb", "type": "duckdb"}, "attach if not exists '/d/it''s.duckdb' (TYPE duckdb)"},
		{map[string]any{"path": "/d/x.duckdb", "options": map[string]any{"type": "duckdb", "read_only": true, "block_size": 16384, "compress": true, "skip": false, "cache": "1GB", "quoted": "'as is'"}},
			"attach if not exists '/d/x.duckdb' (TYPE duckdb, READ_ONLY, BLOCK_SIZE 16384, CACHE '1GB', COMPRESS, QUOTED 'as is')"},
	}
	for _, c := range cases {
		list, err := attachmentsFromField([]any{c.entry})
		if err != nil {
			t.Fatalf("%v: %v", c.entry, err)
		}
		if got := list[0].attachSQL("/work"); got != c.want {
			t.Errorf("%v:\n got %s\nwant %s", c.entry, got, c.want)
		}
	}
}

func TestAttachBadEntries(t *testing.T) {
	cases := []struct {
		attach any
		field  string
		want   string
	}{
		{"x.duckdb", "attach", "want a list"},
		{[]any{"x.duckdb"}, "attach[0]", "want a mapping"},
		{[]any{map[string]any{"alias": "x"}}, "attach[0]", "needs a path"},
		{[]any{map[string]any{"path": "x", "read_only": "yes"}}, "attach[0].read_only", "want true or false"},
		{[]any{map[string]any{"path": "x", "type": "sqlite", "options": map[string]any{"type": "sqlite"}}}, "attach[0].options.type", "both directly and under options"},
		{[]any{map[string]any{"path": "x"}, map[string]any{"path": "y", "secret": "s"}}, "attach[1].secret", "does not support DuckDB secrets"},
		{[]any{map[string]any{"path": "x", "is_ducklake": true, "extra": 1}}, "attach[0].extra", `no key "extra"`},
	}
	for _, c := range cases {
		_, err := attachmentsFromField(c.attach)
		var fe *adapters.FieldError
		if !errors.As(err, &fe) || fe.Field != c.field || !strings.Contains(fe.Msg, c.want) {
			t.Errorf("%v: error %v; want %s: %s", c.attach, err, c.field, c.want)
		}
	}
}

// TestOpenAttachAndExtensions: attached databases and loaded extensions on
// every connection of the pool; an extension that would need a download
// and an attachment needing an extension are refused, naming the entry.
func TestOpenAttachAndExtensions(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	other := openFile(t, filepath.Join(dir, "other.duckdb"))
	if err := other.Exec(ctx, "create table main.t as select 7 as x"); err != nil {
		t.Fatal(err)
	}
	other.Close()
	cfg, err := ConfigFromFields(map[string]any{
		"path": "wh.duckdb", "threads": 3, "database": "ro",
		"extensions": []any{"json", "icu"},
		"attach":     []any{map[string]any{"path": "other.duckdb", "alias": "ro", "read_only": true}},
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Path = filepath.Join(dir, cfg.Path)
	cfg.WorkDir = dir
	a, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if a.Database() != "ro" {
		t.Errorf("database %q, want the alias ro", a.Database())
	}
	for i := 0; i < 4; i++ { // more queries than one connection serves
		res, err := a.Query(ctx, "select x from ro.main.t")
		if err != nil || len(res.Rows) != 1 {
			t.Fatalf("read the attached table: %v %v", res, err)
		}
	}
	if err := a.Exec(ctx, "insert into ro.main.t values (8)"); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("write to a read-only attachment: %v", err)
	}

	for _, c := range []struct {
		fields map[string]any
		field  string
	}{
		{map[string]any{"extensions": []any{"json", "spatial"}}, "extensions[1]"},
		{map[string]any{"attach": []any{map[string]any{"path": "x.db", "type": "sqlite"}}}, "attach[0].type"},
		{map[string]any{"attach": []any{map[string]any{"path": "s3://b/x.duckdb"}}}, "attach[0].path"},
		{map[string]any{"attach": []any{map[string]any{"path": filepath.Join(dir, "missing.duckdb"), "read_only": true}}}, "attach[0]"},
	} {
		t.Setenv("HOME", t.TempDir()) // no extension installed
		cfg, err := ConfigFromFields(c.fields)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Open(ctx, cfg)
		var fe *adapters.FieldError
		if !errors.As(err, &fe) || fe.Field != c.field {
			t.Errorf("%v: error %v; want one about %s", c.fields, err, c.field)
		}
	}
}
