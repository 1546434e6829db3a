package snowflake

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/elt-dev/elt/adapters"
)

func TestDialect(t *testing.T) {
	rel := func(db, s, id string) adapters.Relation {
		return adapters.Relation{Database: db, Schema: s, Identifier: id}
	}
	all := Quoting{Database: true, Schema: true, Identifier: true}
	tests := []struct {
		q      Quoting
		rel    adapters.Relation
		want   string
		stored adapters.Relation
	}{
		{Quoting{}, rel("analytics", "dbt_ann", "orders"), "analytics.dbt_ann.orders", rel("ANALYTICS", "DBT_ANN", "ORDERS")},
		{Quoting{}, rel("", "dbt_ann", "Orders"), "dbt_ann.Orders", rel("", "DBT_ANN", "ORDERS")},
		{Quoting{}, rel("db", "my schema", "select"), `db."my schema"."select"`, rel("DB", "my schema", "select")},
		{Quoting{}, rel("db", "s", `we"ird`), `db.s."we""ird"`, rel("DB", "S", `we"ird`)},
		{Quoting{}, rel("db", "s", "$bad"), `db.s."$bad"`, rel("DB", "S", "$bad")},
		{all, rel("Analytics", "dbt_ann", "Orders"), `"Analytics"."dbt_ann"."Orders"`, rel("Analytics", "dbt_ann", "Orders")},
		{Quoting{Identifier: true}, rel("analytics", "dbt_ann", "Orders"), `analytics.dbt_ann."Orders"`, rel("ANALYTICS", "DBT_ANN", "Orders")},
		{Quoting{}, rel("db", "s", ""), "db.s", rel("DB", "S", "")},
	}
	for _, tt := range tests {
		d := Dialect{Quoting: tt.q}
		if got := d.RenderRelation(tt.rel); got != tt.want {
			t.Errorf("RenderRelation(%+v) with %+v: want %s, got %s", tt.rel, tt.q, tt.want, got)
		}
		if got := d.storedRelation(tt.rel); got != tt.stored {
			t.Errorf("storedRelation(%+v) with %+v: want %+v, got %+v", tt.rel, tt.q, tt.stored, got)
		}
	}
	d := Dialect{}
	if d.Type() != "snowflake" {
		t.Errorf("Type: %q", d.Type())
	}
	if got := d.Quote(`a"b`); got != `"a""b"` {
		t.Errorf("Quote: %s", got)
	}
	if got := d.Quote("orders"); got != `"orders"` {
		t.Errorf("Quote always quotes: %s", got)
	}
	if got := literal(`it's a \ path`); got != `'it''s a \\ path'` {
		t.Errorf("literal: %s", got)
	}
	if Driver().Type != "snowflake" || Driver().Dialect.RenderRelation(rel("a", "b", "c")) != "a.b.c" {
		t.Errorf("Driver: %+v", Driver())
	}
	if got := DriverWithQuoting(all).Dialect.RenderRelation(rel("a", "b", "c")); got != `"a"."b"."c"` {
		t.Errorf("DriverWithQuoting: %s", got)
	}
}

func TestDisplayName(t *testing.T) {
	for in, want := range map[string]string{"ORDER_ID": "order_id", "Full Name": "Full Name", "MixedCase": "MixedCase", "SELECT": "SELECT", "A$B": "a$b", "WITH SPACE": "WITH SPACE"} {
		if got := displayName(in); got != want {
			t.Errorf("displayName(%q): want %q, got %q", in, want, got)
		}
	}
}

func TestColumnType(t *testing.T) {
	n := func(v int64) *int64 { return &v }
	for _, tt := range []struct {
		dataType           string
		char, p, s, dtPrec *int64
		want               string
	}{
		{"NUMBER", nil, n(38), n(0), nil, "NUMBER(38,0)"},
		{"TEXT", n(16777216), nil, nil, nil, "VARCHAR(16777216)"},
		{"TIMESTAMP_NTZ", nil, nil, nil, n(9), "TIMESTAMP_NTZ(9)"},
		{"FLOAT", nil, n(53), nil, nil, "FLOAT"},
		{"BOOLEAN", nil, nil, nil, nil, "BOOLEAN"},
		{"BINARY", n(8388608), nil, nil, nil, "BINARY(8388608)"},
		{"VARIANT", nil, nil, nil, nil, "VARIANT"},
	} {
		if got := columnType(tt.dataType, tt.char, tt.p, tt.s, tt.dtPrec); got != tt.want {
			t.Errorf("columnType(%s): want %s, got %s", tt.dataType, tt.want, got)
		}
	}
	for _, tt := range []struct {
		from, to string
		want     bool
	}{
		{"VARCHAR(3)", "VARCHAR(16777216)", true},
		{"VARCHAR(16777216)", "VARCHAR(3)", false},
		{"NUMBER(1,0)", "NUMBER(38,0)", true},
		{"NUMBER(10,2)", "NUMBER(38,0)", false},
		{"FLOAT", "NUMBER(38,0)", false},
		{"TIMESTAMP_NTZ(9)", "timestamp_ntz(9)", true},
	} {
		if got := fits(tt.from, tt.to); got != tt.want {
			t.Errorf("fits(%s, %s): want %v, got %v", tt.from, tt.to, tt.want, got)
		}
	}
	if w, ok := widen("VARCHAR(3)", "VARCHAR(10)"); !ok || w != "VARCHAR(10)" {
		t.Errorf("widen varchar: %s %v", w, ok)
	}
	if _, ok := widen("NUMBER(10,2)", "NUMBER(12,3)"); ok {
		t.Errorf("widen across scales")
	}
	for in, want := range map[string]adapters.RelationKind{"BASE TABLE": adapters.KindTable, "VIEW": adapters.KindView, "MATERIALIZED VIEW": adapters.KindView, "": adapters.KindNone, "EXTERNAL TABLE": adapters.KindTable} {
		if got := relationKind(in); got != want {
			t.Errorf("relationKind(%q): want %q, got %q", in, want, got)
		}
	}
}

func TestGoValue(t *testing.T) {
	ts := time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC)
	for _, tt := range []struct {
		v     any
		typ   string
		scale int64
		want  any
	}{
		{"42", "FIXED", 0, int64(42)},
		{"99999999999999999999999", "FIXED", 0, "99999999999999999999999"},
		{"1.50", "FIXED", 2, 1.5},
		{int64(7), "FIXED", 0, int64(7)},
		{"2.25", "REAL", 0, 2.25},
		{"1", "BOOLEAN", 0, true},
		{true, "BOOLEAN", 0, true},
		{"text", "TEXT", 0, "text"},
		{ts, "DATE", 0, ts},
		{nil, "TEXT", 0, nil},
		{`{"a":1}`, "OBJECT", 0, `{"a":1}`},
	} {
		if got := goValue(tt.v, tt.typ, tt.scale); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("goValue(%#v, %s): want %#v, got %#v", tt.v, tt.typ, tt.want, got)
		}
	}
}

func TestReadSeed(t *testing.T) {
	data, err := ReadSeed(writeFile(t, "c.csv", customersCSV), "")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"id", "Full Name", "score", "joined", "active", "code", "seen_at"}; !reflect.DeepEqual(data.Header, want) {
		t.Errorf("header: %v", data.Header)
	}
	if got, want := InferSeedTypes(data), []string{"INTEGER", "VARCHAR", "FLOAT", "DATE", "BOOLEAN", "INTEGER", "TIMESTAMP_NTZ"}; !reflect.DeepEqual(got, want) {
		t.Errorf("types: want %v, got %v", want, got)
	}
	if !reflect.DeepEqual(data.Lines, []int{2, 3, 4, 5}) || data.Rows[1][1] != nil {
		t.Errorf("lines %v, empty field %v", data.Lines, data.Rows[1][1])
	}
	// NULL as dbt loads it: blank, or null in any case.
	nulls, err := ReadSeed(writeFile(t, "n.csv", "a,b\n null ,x\n , NULL\n"), ",")
	if err != nil {
		t.Fatal(err)
	}
	if nulls.Rows[0][0] != nil || nulls.Rows[1][0] != nil || nulls.Rows[1][1] != nil || *nulls.Rows[0][1] != "x" {
		t.Errorf("null spellings: %v %v", nulls.Rows[0], nulls.Rows[1])
	}
	multi, err := ReadSeed(writeFile(t, "m.csv", "a;b\n\"x\ny\";1\n2;3\n"), ";")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(multi.Lines, []int{2, 4}) {
		t.Errorf("lines after a multi-line field: %v", multi.Lines)
	}

	for _, tt := range []struct {
		name, content string
		line          int
		want          string
	}{
		{"ragged row", "id,name\n1,a\n2,b,extra\n", 3, "row has 3 fields, the header has 2"},
		{"unterminated quote", "id,name\n1,\"a\n2,b\n", 2, "unterminated quoted field"},
		{"empty file", "", 0, "the file is empty"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadSeed(writeFile(t, "bad.csv", tt.content), ",")
			var se *adapters.SeedError
			if !errors.As(err, &se) || se.Line != tt.line || !strings.Contains(se.Error(), tt.want) {
				t.Fatalf("want a SeedError at line %d saying %q, got %v", tt.line, tt.want, err)
			}
		})
	}
}

// A header's empty and repeated names load as dbt's agate names them.
func TestReadSeedNamesAsAgate(t *testing.T) {
	data, err := ReadSeed(writeFile(t, "dup.csv", "id,,id\n1,2,3\n"), ",")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"id", "b", "id_2"}; !reflect.DeepEqual(data.Header, want) {
		t.Errorf("header %q, want %q", data.Header, want)
	}
}

func TestSeedBatches(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,name\n")
	for range 2500 {
		b.WriteString("1,a\n")
	}
	path := writeFile(t, "big.csv", b.String())
	data, err := ReadSeed(path, "")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := profile.Seed(adapters.Seed{Relation: goldenRel, Path: path}, data, adapters.KindNone, nil, goldenSuffix)
	if err != nil {
		t.Fatal(err)
	}
	var inserts []string
	for i, s := range plan.Statements {
		if s.Counts {
			inserts = append(inserts, s.Purpose)
			if _, ok := plan.Batches[i]; !ok {
				t.Errorf("statement %d has no batch lines", i)
			}
		}
	}
	if want := []string{"insert CSV lines 2-1001", "insert CSV lines 1002-2001", "insert CSV lines 2002-2501"}; !reflect.DeepEqual(inserts, want) {
		t.Errorf("batches: want %v, got %v", want, inserts)
	}
	if plan.Rows != 2500 {
		t.Errorf("rows: %d", plan.Rows)
	}
}

func TestModelOptionsErrors(t *testing.T) {
	for _, cfg := range []map[string]any{
		{"transient": "perhaps"},
		{"cluster_by": 3},
		{"query_tag": []any{"a"}},
	} {
		if _, err := ModelOptionsFromConfig(cfg); err == nil {
			t.Errorf("ModelOptionsFromConfig(%v): want an error", cfg)
		}
	}
	if _, err := profile.Table(adapters.Model{Relation: goldenRel, SQL: " ; "}, adapters.KindNone, goldenSuffix); err == nil {
		t.Errorf("empty SQL: want an error")
	}
}

func TestSnapshotResult(t *testing.T) {
	got := snapshotResult(adapters.HardDeletesNewRecord, 1, 2, 3)
	if want := (adapters.RunResult{Message: "SNAPSHOT 1 new, 2 changed, 3 deleted", RowsAffected: 11}); !reflect.DeepEqual(got, want) {
		t.Errorf("want %+v, got %+v", want, got)
	}
}
