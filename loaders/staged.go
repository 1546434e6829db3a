package loaders

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/elt-dev/elt/adapters"
)

// StagedPlan is how a files loader lands on a warehouse whose bulk path
// is a stage (Snowflake: PUT + COPY INTO) or a load job (BigQuery): the
// files go to a raw table whose columns are the CSV header's, as text,
// and one transaction moves them into the landed table with the load
// columns and records the load. Types are left to the models, as the
// warehouse's own CSV loaders leave them.
type StagedPlan struct {
	// Statements run in order; on BigQuery, after LoadJob.
	Statements []string
	// LoadJob is BigQuery's jobs.insert configuration for the raw table;
	// the files are sent with it as media uploads (Uploads).
	LoadJob map[string]any
	Uploads []string
}

// PlanStaged plans a CSV/TSV files loader for Snowflake or BigQuery.
// files are the resolved local files; d is the warehouse's dialect.
func PlanStaged(d adapters.Dialect, l *Loader, rel adapters.Relation, loadID string, now time.Time, paths []string) (StagedPlan, error) {
	f, ok := l.Conn.(*files)
	if !ok {
		return StagedPlan{}, fmt.Errorf("loader %s: %s has no staged load; only the files connector does", l.Name, d.Type())
	}
	if f.format != "csv" && f.format != "tsv" {
		return StagedPlan{}, fmt.Errorf("loader %s: staged loads take CSV or TSV files, not %s", l.Name, f.format)
	}
	if len(paths) == 0 {
		return StagedPlan{}, fmt.Errorf("loader %s: no files", l.Name)
	}
	header, err := readHeader(paths[0], f)
	if err != nil {
		return StagedPlan{}, fmt.Errorf("loader %s: %w", l.Name, err)
	}
	p := stagedPlanner{d: d, l: l, f: f, rel: rel, loadID: loadID, now: now, files: paths, cols: header}
	switch d.Type() {
	case "snowflake":
		return p.snowflake(), nil
	case "bigquery":
		return p.bigquery(), nil
	}
	return StagedPlan{}, fmt.Errorf("loader %s: no staged load plan for %s", l.Name, d.Type())
}

func readHeader(path string, f *files) ([]string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	r := csv.NewReader(f.reader(fh))
	r.Comma = []rune(f.delimiter)[0]
	rec, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: header: %w", path, err)
	}
	out := make([]string, len(rec))
	for i, h := range rec {
		if !f.header {
			h = fmt.Sprintf("column%d", i)
		}
		out[i] = normalizeName(h)
	}
	return out, nil
}

type stagedPlanner struct {
	d      adapters.Dialect
	l      *Loader
	f      *files
	rel    adapters.Relation
	loadID string
	now    time.Time
	files  []string
	cols   []string
}

func (p stagedPlanner) named(suffix string) adapters.Relation {
	return adapters.Relation{Database: p.rel.Database, Schema: p.rel.Schema, Identifier: p.rel.Identifier + suffix}
}

// quoted writes column names: bare on Snowflake (stored upper case, so
// that models' unquoted references find them, as with any Snowflake
// table), quoted elsewhere.
func (p stagedPlanner) quoted(cols []string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = p.col(c)
	}
	return out
}

func (p stagedPlanner) col(c string) string {
	if p.d.Type() == "snowflake" {
		return c
	}
	return p.d.Quote(c)
}

func (p stagedPlanner) schemaName() string {
	return p.d.RenderRelation(adapters.Relation{Database: p.rel.Database, Schema: p.rel.Schema})
}

// landing is what both warehouses run once the raw table is full: the
// disposition, inside a transaction where the warehouse allows DDL in
// one (Snowflake), else DDL first (BigQuery).
func (p stagedPlanner) landing(raw string, textType, tsType, nowFn string, begin, commit string) []string {
	t := p.d.RenderRelation(p.rel)
	cols := p.quoted(p.cols)
	list := strings.Join(cols, ", ")
	all := list + ", " + p.col(colLoadedAt) + ", " + p.col(colLoadID)
	sel := fmt.Sprintf("select %s, %s as %s, %s as %s from %s", list, nowFn, p.col(colLoadedAt), lit(p.loadID), p.col(colLoadID), raw)
	var defs []string
	for _, c := range cols {
		defs = append(defs, c+" "+textType)
	}
	defs = append(defs, p.col(colLoadedAt)+" "+tsType, p.col(colLoadID)+" "+textType)
	loads := p.d.RenderRelation(adapters.Relation{Database: p.rel.Database, Schema: p.rel.Schema, Identifier: loadsTable})
	var ddl, dml []string
	ddl = append(ddl, fmt.Sprintf("create table if not exists %s (load_id %s, loader %s, started_at %s, finished_at %s, status %s, row_count bigint, pages bigint, rejected bigint, cursor_value %s, checkpoint %s, error_message %s)",
		loads, textType, textType, tsType, tsType, textType, textType, textType, textType))
	if p.d.Type() == "bigquery" {
		ddl[0] = strings.ReplaceAll(ddl[0], "bigint", "int64")
	}
	switch p.l.Disposition {
	case Replace:
		// create or replace swaps the table in atomically.
		ddl = append(ddl, fmt.Sprintf("create or replace table %s as %s", t, sel))
	default:
		ddl = append(ddl, fmt.Sprintf("create table if not exists %s (%s)", t, strings.Join(defs, ", ")))
		if p.l.Contract == Evolve {
			for _, c := range cols {
				ddl = append(ddl, fmt.Sprintf("alter table %s add column if not exists %s %s", t, c, textType))
			}
		}
		if p.l.Disposition == Append {
			dml = append(dml, fmt.Sprintf("insert into %s (%s) %s", t, all, sel))
		} else {
			var on, set, vals []string
			for _, k := range p.l.PrimaryKey {
				q := p.col(normalizeName(k))
				on = append(on, "t."+q+" = s."+q)
			}
			for _, c := range append(cols, p.col(colLoadedAt), p.col(colLoadID)) {
				set = append(set, c+" = s."+c)
				vals = append(vals, "s."+c)
			}
			dml = append(dml, fmt.Sprintf("merge into %s as t using (%s) as s on %s when matched then update set %s when not matched then insert (%s) values (%s)",
				t, sel, strings.Join(on, " and "), strings.Join(set, ", "), all, strings.Join(vals, ", ")))
		}
	}
	dml = append(dml, fmt.Sprintf("insert into %s (load_id, loader, started_at, finished_at, status, row_count, pages, rejected) select %s, %s, %s, %s, 'success', count(*), 1, 0 from %s",
		loads, lit(p.loadID), lit(p.l.Name), tsLit(p.d.Type(), p.now), nowFn, raw))
	out := append([]string{}, ddl...)
	out = append(out, begin)
	out = append(out, dml...)
	out = append(out, commit, "drop table if exists "+raw)
	return out
}

func tsLit(warehouse string, t time.Time) string {
	s := t.UTC().Format("2006-01-02 15:04:05.000000")
	if warehouse == "bigquery" {
		return "timestamp '" + s + "+00'"
	}
	return "'" + s + " +0000'::timestamp_tz"
}

func (p stagedPlanner) snowflake() StagedPlan {
	format := p.d.RenderRelation(p.named("__elt_format"))
	stage := p.d.RenderRelation(p.named("__elt_stage"))
	raw := p.d.RenderRelation(p.named("__elt_raw"))
	skip := 0
	if p.f.header {
		skip = 1
	}
	enc := map[string]string{"utf-8": "UTF8", "latin-1": "ISO-8859-1", "utf-16": "UTF16"}[p.f.encoding]
	quote := "none"
	if p.f.quote != "" {
		quote = lit(p.f.quote)
	}
	var defs []string
	for _, c := range p.quoted(p.cols) {
		defs = append(defs, c+" varchar")
	}
	st := []string{
		fmt.Sprintf("create schema if not exists %s", p.schemaName()),
		fmt.Sprintf("create temporary file format %s type = csv field_delimiter = %s skip_header = %d field_optionally_enclosed_by = %s encoding = '%s' empty_field_as_null = true", format, lit(p.f.delimiter), skip, quote, enc),
		fmt.Sprintf("create temporary stage %s file_format = %s", stage, format),
	}
	for _, f := range p.files {
		abs, _ := filepath.Abs(f)
		st = append(st, fmt.Sprintf("put 'file://%s' @%s auto_compress = true overwrite = true", filepath.ToSlash(abs), stage))
	}
	st = append(st,
		fmt.Sprintf("create or replace temporary table %s (%s)", raw, strings.Join(defs, ", ")),
		fmt.Sprintf("copy into %s from @%s on_error = abort_statement purge = true", raw, stage))
	st = append(st, p.landing(raw, "varchar", "timestamp_tz", "current_timestamp()", "begin", "commit")...)
	return StagedPlan{Statements: st}
}

func (p stagedPlanner) bigquery() StagedPlan {
	rawRel := p.named("__elt_raw_" + p.loadID)
	raw := p.d.RenderRelation(rawRel)
	fields := make([]any, len(p.cols))
	for i, c := range p.cols {
		fields[i] = map[string]any{"name": c, "type": "STRING", "mode": "NULLABLE"}
	}
	skip := 0
	if p.f.header {
		skip = 1
	}
	enc := map[string]string{"utf-8": "UTF-8", "latin-1": "ISO-8859-1", "utf-16": "UTF-16LE"}[p.f.encoding]
	job := map[string]any{"configuration": map[string]any{"load": map[string]any{
		"destinationTable":  map[string]any{"projectId": rawRel.Database, "datasetId": rawRel.Schema, "tableId": rawRel.Identifier},
		"sourceFormat":      "CSV",
		"fieldDelimiter":    p.f.delimiter,
		"skipLeadingRows":   skip,
		"quote":             p.f.quote,
		"encoding":          enc,
		"schema":            map[string]any{"fields": fields},
		"createDisposition": "CREATE_IF_NEEDED",
		"writeDisposition":  "WRITE_TRUNCATE",
	}}}
	var uploads []string
	for _, f := range p.files {
		abs, _ := filepath.Abs(f)
		uploads = append(uploads, filepath.ToSlash(abs))
	}
	st := []string{fmt.Sprintf("create schema if not exists %s", p.schemaName())}
	st = append(st, p.landing(raw, "string", "timestamp", "current_timestamp()", "begin transaction", "commit transaction")...)
	return StagedPlan{Statements: st, LoadJob: job, Uploads: uploads}
}

// String renders a plan for golden files.
func (p StagedPlan) String() string {
	var b strings.Builder
	if p.LoadJob != nil {
		j, _ := json.MarshalIndent(p.LoadJob, "", "  ")
		fmt.Fprintf(&b, "-- load job (files uploaded: %s)\n-- %s\n", strings.Join(p.Uploads, ", "), strings.ReplaceAll(string(j), "\n", "\n-- "))
	}
	for _, s := range p.Statements {
		b.WriteString(s)
		b.WriteString(";\n")
	}
	return b.String()
}
