package bigquery

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"os"
	"strings"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/civil"
	"google.golang.org/api/impersonate"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"

	"github.com/elt-dev/elt/adapters"
)

// Adapter runs the planner's statements as BigQuery jobs. It is safe for
// concurrent use (the client is).
type Adapter struct {
	cfg    Config
	client *bigquery.Client
}

var (
	_ adapters.Adapter       = (*Adapter)(nil)
	_ adapters.Incrementaler = (*Adapter)(nil)
	_ adapters.Snapshotter   = (*Adapter)(nil)
)

// clientOptions turns the profile's method into client options.
func clientOptions(ctx context.Context, cfg Config) ([]option.ClientOption, error) {
	if cfg.Endpoint != "" {
		return []option.ClientOption{option.WithEndpoint(cfg.Endpoint), option.WithoutAuthentication()}, nil
	}
	var opts []option.ClientOption
	switch cfg.Method {
	case MethodServiceAccount:
		if _, err := os.Stat(cfg.Keyfile); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, &Error{Op: "open", Msg: "keyfile not found: " + cfg.Keyfile, Err: err}
			}
			return nil, &Error{Op: "open", Msg: "keyfile " + cfg.Keyfile + " cannot be read", Err: err}
		}
		opts = append(opts, option.WithAuthCredentialsFile(option.ServiceAccount, cfg.Keyfile))
	case MethodServiceAccountJSON:
		opts = append(opts, option.WithAuthCredentialsJSON(option.ServiceAccount, cfg.KeyfileJSON))
	}
	// oauth: application default credentials (gcloud auth application-default login, ...).
	if cfg.ImpersonateServiceAccount != "" {
		ts, err := impersonate.CredentialsTokenSource(ctx, impersonate.CredentialsConfig{
			TargetPrincipal: cfg.ImpersonateServiceAccount,
			Scopes:          []string{bigquery.Scope},
		}, opts...)
		if err != nil {
			return nil, cfg.mapError("impersonate "+cfg.ImpersonateServiceAccount, err)
		}
		opts = []option.ClientOption{option.WithTokenSource(ts)}
	}
	return opts, nil
}

// Open makes a client and checks it with a dry-run query, which costs
// nothing but proves the credentials, the project and the permission to
// run jobs.
func Open(ctx context.Context, cfg Config) (*Adapter, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	opts, err := clientOptions(ctx, cfg)
	if err != nil {
		return nil, err
	}
	client, err := bigquery.NewClient(ctx, cfg.jobProject(), opts...)
	if err != nil {
		return nil, cfg.mapError("open", err)
	}
	client.Location = cfg.Location
	a := &Adapter{cfg: cfg, client: client}
	if err := a.dryRun(ctx, "select 1"); err != nil {
		client.Close()
		return nil, cfg.mapError("open", err)
	}
	return a, nil
}

// Config is the configuration the adapter was opened with, defaults filled in.
func (a *Adapter) Config() Config { return a.cfg }

// Database is the project relations live in; the conformance suite uses it
// to build three-part names.
func (a *Adapter) Database() string { return a.cfg.Project }

// Dialect returns BigQuery's quoting and naming.
func (a *Adapter) Dialect() adapters.Dialect { return Dialect{} }

// Close releases the client.
func (a *Adapter) Close() error {
	if err := a.client.Close(); err != nil {
		return a.cfg.mapError("close", err)
	}
	return nil
}

// qualify fills in the profile's project and dataset where rel leaves them empty.
func (a *Adapter) qualify(rel adapters.Relation) adapters.Relation {
	if rel.Database == "" {
		rel.Database = a.cfg.Project
	}
	if rel.Schema == "" {
		rel.Schema = a.cfg.Dataset
	}
	return rel
}

// tempRel is a unique name next to rel for a staging table.
func tempRel(rel adapters.Relation) adapters.Relation {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	rel.Identifier += "__elt_tmp_" + hex.EncodeToString(b[:])
	return rel
}

// newQuery is a query job configured from the profile: priority, bytes
// billed limit and timeout. No default dataset is set: the compiler
// qualifies every relation, and a default dataset that does not exist yet
// (before the first run creates it) would fail every job.
func (a *Adapter) newQuery(sql string, params ...bigquery.QueryParameter) *bigquery.Query {
	q := a.client.Query(sql)
	q.Priority = bigquery.InteractivePriority
	if a.cfg.Priority == PriorityBatch {
		q.Priority = bigquery.BatchPriority
	}
	q.MaxBytesBilled = a.cfg.MaximumBytesBilled
	q.JobTimeout = a.cfg.JobExecutionTimeout
	q.Parameters = params
	return q
}

// run runs a query job to completion, retrying a job that failed for a
// transient reason up to job_retries times.
func (a *Adapter) run(ctx context.Context, sql string, params ...bigquery.QueryParameter) (*bigquery.Job, *bigquery.JobStatus, error) {
	adapters.LogStatement(ctx, sql)
	var err error
	for attempt := 0; ; attempt++ {
		var job *bigquery.Job
		var status *bigquery.JobStatus
		job, err = a.newQuery(adapters.CommentSQL(ctx, sql), params...).Run(ctx)
		if err == nil {
			status, err = job.Wait(ctx)
			if err == nil {
				err = status.Err()
			}
		}
		if err == nil {
			return job, status, nil
		}
		if attempt >= a.cfg.JobRetries || !retryable(err) || ctx.Err() != nil {
			return nil, nil, adapters.ContextError(ctx, err)
		}
		select {
		case <-ctx.Done():
			return nil, nil, adapters.ContextError(ctx, err)
		case <-time.After(time.Duration(attempt+1) * time.Second):
		}
	}
}

func (a *Adapter) dryRun(ctx context.Context, sql string) error {
	q := a.newQuery(sql)
	q.DryRun = true
	job, err := q.Run(ctx)
	if err != nil {
		return adapters.ContextError(ctx, err)
	}
	if s := job.LastStatus(); s != nil && s.Err() != nil {
		return s.Err()
	}
	return nil
}

// dmlRows is the number of rows a DML job changed, or -1.
func dmlRows(status *bigquery.JobStatus) int64 {
	if status == nil || status.Statistics == nil {
		return -1
	}
	if qs, ok := status.Statistics.Details.(*bigquery.QueryStatistics); ok {
		return qs.NumDMLAffectedRows
	}
	return -1
}

// Exec runs a statement or a script.
func (a *Adapter) Exec(ctx context.Context, sql string) error {
	if _, _, err := a.run(ctx, sql); err != nil {
		return a.cfg.mapError("exec", err)
	}
	return nil
}

// Query runs a query and holds its rows in memory as plain Go values:
// INT64 int64, FLOAT64 and NUMERIC float64, STRING string, BOOL bool,
// BYTES []byte, DATE, DATETIME and TIMESTAMP time.Time (UTC), TIME text,
// ARRAY and STRUCT []any, NULL nil.
func (a *Adapter) Query(ctx context.Context, sql string) (*adapters.Result, error) {
	res, err := a.query(ctx, sql)
	if err != nil {
		return nil, a.cfg.mapError("query", err)
	}
	return res, nil
}

func (a *Adapter) query(ctx context.Context, sql string, params ...bigquery.QueryParameter) (*adapters.Result, error) {
	job, _, err := a.run(ctx, sql, params...)
	if err != nil {
		return nil, err
	}
	it, err := job.Read(ctx)
	if err != nil {
		return nil, adapters.ContextError(ctx, err)
	}
	res := &adapters.Result{Rows: [][]any{}}
	for {
		var row []bigquery.Value
		err := it.Next(&row)
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			return nil, adapters.ContextError(ctx, err)
		}
		vals := make([]any, len(row))
		for i, v := range row {
			vals[i] = goValue(v)
		}
		res.Rows = append(res.Rows, vals)
	}
	for _, f := range it.Schema {
		res.Columns = append(res.Columns, f.Name)
	}
	return res, nil
}

// count runs a query returning one whole number.
func (a *Adapter) count(ctx context.Context, sql string) (int64, error) {
	n, err := a.counts(ctx, sql, 1)
	if err != nil {
		return 0, err
	}
	return n[0], nil
}

// counts runs a query returning one row of n numbers.
func (a *Adapter) counts(ctx context.Context, sql string, n int) ([]int64, error) {
	res, err := a.query(ctx, sql)
	if err != nil {
		return nil, err
	}
	if len(res.Rows) != 1 || len(res.Rows[0]) < n {
		return nil, fmt.Errorf("%s: want one row of %d numbers, got %d rows", sql, n, len(res.Rows))
	}
	out := make([]int64, n)
	for i := range out {
		v, ok := res.Rows[0][i].(int64)
		if !ok {
			return nil, fmt.Errorf("%s: want a number, got %T", sql, res.Rows[0][i])
		}
		out[i] = v
	}
	return out, nil
}

// goValue turns a value the client read into a plain Go value.
func goValue(v bigquery.Value) any {
	switch x := v.(type) {
	case nil, int64, float64, bool, string, []byte:
		return x
	case time.Time:
		return x.UTC()
	case civil.Date:
		return time.Date(x.Year, x.Month, x.Day, 0, 0, 0, 0, time.UTC)
	case civil.DateTime:
		return time.Date(x.Date.Year, x.Date.Month, x.Date.Day, x.Time.Hour, x.Time.Minute, x.Time.Second, x.Time.Nanosecond, time.UTC)
	case civil.Time:
		return x.String()
	case *big.Rat:
		f, _ := x.Float64()
		return f
	case []bigquery.Value:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = goValue(e)
		}
		return out
	case fmt.Stringer: // INTERVAL, RANGE, ...
		return x.String()
	default:
		return fmt.Sprint(x)
	}
}

// Columns lists a relation's columns in order from INFORMATION_SCHEMA,
// with BigQuery's type names (INT64, STRING, NUMERIC(10, 2), ARRAY<...>).
// A relation or dataset that does not exist has no columns.
func (a *Adapter) Columns(ctx context.Context, rel adapters.Relation) ([]adapters.Column, error) {
	rel = a.qualify(rel)
	cols, err := a.columns(ctx, rel)
	if err != nil {
		return nil, a.cfg.mapError("columns of "+render(rel), err)
	}
	return cols, nil
}

func (a *Adapter) columns(ctx context.Context, rel adapters.Relation) ([]adapters.Column, error) {
	res, err := a.query(ctx, ColumnsQuery(rel.Database, rel.Schema), bigquery.QueryParameter{Name: "table", Value: rel.Identifier})
	if isNotFound(err) {
		return []adapters.Column{}, nil
	}
	if err != nil {
		return nil, err
	}
	cols := make([]adapters.Column, 0, len(res.Rows))
	for _, r := range res.Rows {
		c := adapters.Column{}
		c.Name, _ = r[0].(string)
		c.DataType, _ = r[1].(string)
		if n, ok := r[2].(int64); ok {
			c.Index = int(n)
		}
		c.Comment, _ = r[3].(string)
		cols = append(cols, c)
	}
	return cols, nil
}

// RelationKind says whether rel is a table, a view or absent. It reads the
// table's metadata (an API call, not a query job: free and quick).
func (a *Adapter) RelationKind(ctx context.Context, rel adapters.Relation) (adapters.RelationKind, error) {
	rel = a.qualify(rel)
	f, err := a.tableFacts(ctx, rel)
	if err != nil {
		return adapters.KindNone, a.cfg.mapError("relation kind of "+render(rel), err)
	}
	return f.Kind, nil
}

// tableFacts reads what the planner needs to know about an existing relation.
func (a *Adapter) tableFacts(ctx context.Context, rel adapters.Relation) (TableFacts, error) {
	md, err := a.client.DatasetInProject(rel.Database, rel.Schema).Table(rel.Identifier).Metadata(ctx)
	if isNotFound(err) {
		return TableFacts{Kind: adapters.KindNone}, nil
	}
	if err != nil {
		return TableFacts{}, adapters.ContextError(ctx, err)
	}
	f := TableFacts{Kind: adapters.KindTable}
	if md.Type == bigquery.ViewTable || md.Type == bigquery.MaterializedView {
		f.Kind = adapters.KindView
	}
	if tp := md.TimePartitioning; tp != nil {
		f.PartitionField, f.PartitionKind = tp.Field, string(tp.Type)
		if f.PartitionKind == "" {
			f.PartitionKind = "DAY"
		}
	}
	if rp := md.RangePartitioning; rp != nil && rp.Range != nil {
		f.PartitionField, f.PartitionKind = rp.Field, "RANGE"
		f.PartitionRange = &IntRange{Start: rp.Range.Start, End: rp.Range.End, Interval: rp.Range.Interval}
	}
	return f, nil
}

func (a *Adapter) numRows(ctx context.Context, rel adapters.Relation) (int64, error) {
	md, err := a.client.DatasetInProject(rel.Database, rel.Schema).Table(rel.Identifier).Metadata(ctx)
	if err != nil {
		return 0, adapters.ContextError(ctx, err)
	}
	return int64(md.NumRows), nil
}

// CreateSchema creates the dataset unless it exists, in the profile's location.
func (a *Adapter) CreateSchema(ctx context.Context, database, schema string) error {
	if database == "" {
		database = a.cfg.Project
	}
	if _, _, err := a.run(ctx, CreateSchemaSQL(database, schema, a.cfg.Location)); err != nil {
		return a.cfg.mapError("create dataset "+database+"."+schema, err)
	}
	return nil
}

// execAll runs statements in order, each as its own job.
func (a *Adapter) execAll(ctx context.Context, stmts []string) error {
	for _, s := range stmts {
		if _, _, err := a.run(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// dropQuietly drops a staging table, even when ctx was cancelled; a
// failure is not reported (the table expires by itself).
func (a *Adapter) dropQuietly(ctx context.Context, rel adapters.Relation) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	_, _, _ = a.run(ctx, DropSQL(rel))
}

// Materialize builds a model as a table or a view (see PlanTable and
// PlanView for how each stays atomic).
func (a *Adapter) Materialize(ctx context.Context, m adapters.Model) (res adapters.RunResult, err error) {
	rel := a.qualify(m.Relation)
	defer func() {
		if err != nil {
			err = a.cfg.mapError("materialize "+render(rel), err)
		}
	}()
	body := trimStatement(m.SQL)
	if body == "" {
		return adapters.RunResult{}, errors.New("empty SQL")
	}
	tc, err := ParseTableConfig(m.Config)
	if err != nil {
		return adapters.RunResult{}, err
	}
	existing, err := a.tableFacts(ctx, rel)
	if err != nil {
		return adapters.RunResult{}, err
	}
	switch m.Materialized {
	case "table":
		tmp := tempRel(rel)
		stmts := PlanTable(rel, tmp, body, tc, existing)
		if len(stmts) > 1 {
			defer a.dropQuietly(ctx, tmp)
		}
		if err := a.execAll(ctx, stmts); err != nil {
			return adapters.RunResult{}, err
		}
		n, err := a.numRows(ctx, rel)
		if err != nil {
			return adapters.RunResult{}, err
		}
		return adapters.RunResult{Message: "OK", RowsAffected: n}, nil
	case "view":
		if existing.Kind == adapters.KindTable {
			// The table is dropped before the view is made: prove the
			// query first.
			if err := a.dryRun(ctx, body); err != nil {
				return adapters.RunResult{}, err
			}
		}
		if err := a.execAll(ctx, PlanView(rel, body, tc, existing)); err != nil {
			return adapters.RunResult{}, err
		}
		return adapters.RunResult{Message: "OK", RowsAffected: -1}, nil
	case "materialized_view":
		return a.materializedView(ctx, m, rel, body, tc, existing)
	default:
		return adapters.RunResult{}, fmt.Errorf("materialization %q is not supported (want table or view)", m.Materialized)
	}
}

// materializedView builds a materialized_view model (PlanMaterializedView),
// reading an existing materialized view's refresh settings.
func (a *Adapter) materializedView(ctx context.Context, m adapters.Model, rel adapters.Relation, body string, tc TableConfig, existing TableFacts) (adapters.RunResult, error) {
	mc, err := ParseMaterializedViewConfig(m.Config)
	if err != nil {
		return adapters.RunResult{}, err
	}
	var mv *MaterializedViewFacts
	if existing.Kind != adapters.KindNone {
		md, err := a.client.DatasetInProject(rel.Database, rel.Schema).Table(rel.Identifier).Metadata(ctx)
		if err != nil {
			return adapters.RunResult{}, adapters.ContextError(ctx, err)
		}
		if md.Type == bigquery.MaterializedView && md.MaterializedView != nil {
			mv = &MaterializedViewFacts{EnableRefresh: md.MaterializedView.EnableRefresh,
				RefreshIntervalMinutes: int64(md.MaterializedView.RefreshInterval / time.Minute)}
		}
	}
	stmts, warnings, err := PlanMaterializedView(rel, body, tc, mc, existing, mv, m.FullRefresh)
	if err != nil {
		return adapters.RunResult{}, err
	}
	if err := a.execAll(ctx, stmts); err != nil {
		return adapters.RunResult{}, err
	}
	res := adapters.RunResult{Message: "OK", RowsAffected: -1}
	for _, w := range warnings {
		res.Warnings = append(res.Warnings, configurationWarning(w))
	}
	return res, nil
}

// configurationWarning is a configuration change left unapplied
// (on_configuration_change: continue).
type configurationWarning string

func (w configurationWarning) Event() string  { return "ConfigurationChangeNotApplied" }
func (w configurationWarning) String() string { return string(w) }

// LoadSeed loads a CSV file with a load job (see PlanSeed).
func (a *Adapter) LoadSeed(ctx context.Context, s adapters.Seed) (res adapters.RunResult, err error) {
	rel := a.qualify(s.Relation)
	defer func() {
		if err != nil {
			err = a.cfg.mapError("load seed "+render(rel), err)
		}
	}()
	data, err := ReadSeed(s.Path, s.Delimiter)
	if err != nil {
		return adapters.RunResult{}, err
	}
	existing, err := a.tableFacts(ctx, rel)
	if err != nil {
		return adapters.RunResult{}, err
	}
	var existingCols []adapters.Column
	if existing.Kind == adapters.KindTable && !s.FullRefresh {
		if existingCols, err = a.columns(ctx, rel); err != nil {
			return adapters.RunResult{}, err
		}
	}
	tmp := tempRel(rel)
	plan, err := PlanSeed(s, rel, tmp, data, existing, existingCols)
	if err != nil {
		return adapters.RunResult{}, err
	}
	if plan.Load.Destination == tmp {
		defer a.dropQuietly(ctx, tmp)
	}
	if err := a.execAll(ctx, plan.Before); err != nil {
		return adapters.RunResult{}, err
	}
	if err := a.load(ctx, plan.Load, plan.Load.Destination == tmp); err != nil {
		return adapters.RunResult{}, &adapters.SeedError{Path: s.Path, Err: a.cfg.mapError("load job", err)}
	}
	if err := a.execAll(ctx, plan.After); err != nil {
		return adapters.RunResult{}, err
	}
	return adapters.RunResult{Message: fmt.Sprintf("INSERT %d", plan.Rows), RowsAffected: plan.Rows}, nil
}

// load runs a load job replacing the destination's rows. withSchema gives
// the job the plan's schema (a new table); otherwise the table keeps its own.
func (a *Adapter) load(ctx context.Context, job LoadJob, withSchema bool) error {
	src := bigquery.NewReaderSource(bytes.NewReader(job.CSV))
	src.SourceFormat = bigquery.CSV
	src.AllowQuotedNewlines = true
	if withSchema {
		for _, c := range job.Schema {
			src.Schema = append(src.Schema, &bigquery.FieldSchema{Name: c.Name, Type: fieldType(c.DataType)})
		}
	}
	d := job.Destination
	loader := a.client.DatasetInProject(d.Database, d.Schema).Table(d.Identifier).LoaderFrom(src)
	loader.WriteDisposition = bigquery.WriteTruncate
	loader.CreateDisposition = bigquery.CreateIfNeeded
	j, err := loader.Run(ctx)
	if err != nil {
		return adapters.ContextError(ctx, err)
	}
	status, err := j.Wait(ctx)
	if err != nil {
		return adapters.ContextError(ctx, err)
	}
	return status.Err()
}

// fieldType is the load API's name for a GoogleSQL type.
func fieldType(t string) bigquery.FieldType {
	switch baseType(t) {
	case "INT64":
		return bigquery.IntegerFieldType
	case "FLOAT64":
		return bigquery.FloatFieldType
	case "BOOL":
		return bigquery.BooleanFieldType
	case "NUMERIC":
		return bigquery.NumericFieldType
	case "BIGNUMERIC":
		return bigquery.BigNumericFieldType
	case "DATE":
		return bigquery.DateFieldType
	case "DATETIME":
		return bigquery.DateTimeFieldType
	case "TIMESTAMP":
		return bigquery.TimestampFieldType
	case "TIME":
		return bigquery.TimeFieldType
	case "BYTES":
		return bigquery.BytesFieldType
	case "JSON":
		return bigquery.JSONFieldType
	case "GEOGRAPHY":
		return bigquery.GeographyFieldType
	}
	return bigquery.StringFieldType
}

// Incremental applies an incremental model's new rows to its existing
// target table, the way dbt-bigquery does, with one difference shared by
// every adapter: a NULL or repeated unique_key in the new rows of a merge
// or delete+insert fails with an *adapters.UniqueKeyError instead of
// writing duplicates.
//
// The new rows are staged in a table of their own (expiring after 12 hours
// should the run die), their keys checked, on_schema_change applied, and
// the rows written by one job: a MERGE, an INSERT, or a script with one
// transaction. BigQuery runs no DDL in a transaction, so schema changes
// stay if that last job fails; everything before them leaves the target
// as it was.
func (a *Adapter) Incremental(ctx context.Context, inc adapters.Incremental) (res adapters.RunResult, err error) {
	if inc.Custom != nil {
		return adapters.RunResult{}, fmt.Errorf("elt does not run a project's incremental strategy (%s) on this warehouse yet", inc.Strategy)
	}
	if len(inc.Predicates) > 0 {
		return adapters.RunResult{}, errors.New("elt does not apply incremental_predicates on this warehouse yet; remove them, or filter the model's new rows instead")
	}
	rel := a.qualify(inc.Relation)
	defer func() {
		if err != nil {
			err = a.cfg.mapError("incremental "+render(rel), err)
		}
	}()
	tc, err := ParseTableConfig(inc.Config)
	if err != nil {
		return adapters.RunResult{}, fmt.Errorf("%w: %w", adapters.ErrIncrementalConfig, err)
	}
	if inc, err = ResolveIncremental(inc, tc); err != nil {
		return adapters.RunResult{}, err
	}
	body := trimStatement(inc.SQL)
	if body == "" {
		return adapters.RunResult{}, errors.New("empty SQL")
	}
	existing, err := a.tableFacts(ctx, rel)
	if err != nil {
		return adapters.RunResult{}, err
	}
	switch existing.Kind {
	case adapters.KindNone:
		return adapters.RunResult{}, errors.New("the target table does not exist; build it first (a plain table build, as on a model's first run or with --full-refresh)")
	case adapters.KindView:
		return adapters.RunResult{}, errors.New("the target is a view, not a table; run with --full-refresh to rebuild it as a table")
	}
	facts := IncrementalFacts{Target: rel, Stage: tempRel(rel)}
	defer a.dropQuietly(ctx, facts.Stage)
	if _, _, err := a.run(ctx, PlanStage(facts.Stage, rel, body, tc)); err != nil {
		return adapters.RunResult{}, err
	}
	if facts.TargetColumns, err = a.columns(ctx, rel); err != nil {
		return adapters.RunResult{}, err
	}
	if facts.StageColumns, err = a.columns(ctx, facts.Stage); err != nil {
		return adapters.RunResult{}, err
	}
	plan, err := PlanIncremental(inc, tc, facts)
	if err != nil {
		return adapters.RunResult{}, err
	}
	if len(plan.KeyChecks) > 0 {
		counts, err := a.counts(ctx, plan.KeyCounts, len(plan.KeyChecks))
		if err != nil {
			return adapters.RunResult{}, err
		}
		for i, kc := range plan.KeyChecks {
			if counts[i] == 0 {
				continue
			}
			samples, err := a.query(ctx, kc.Samples)
			if err != nil {
				return adapters.RunResult{}, err
			}
			return adapters.RunResult{}, &adapters.UniqueKeyError{UniqueID: inc.UniqueID, Key: inc.UniqueKey, Problem: kc.Problem, Count: counts[i], Samples: samples.Rows}
		}
	}
	for _, q := range plan.SchemaChanges {
		if _, _, err := a.run(ctx, q); err != nil {
			return adapters.RunResult{}, fmt.Errorf("on_schema_change %s: %w", inc.OnSchemaChange, err)
		}
	}
	var rows int64
	if !plan.RowsFromDML {
		if rows, err = a.count(ctx, CountSQL(facts.Stage)); err != nil {
			return adapters.RunResult{}, err
		}
	}
	_, status, err := a.run(ctx, plan.Apply)
	if err != nil {
		return adapters.RunResult{}, err
	}
	if plan.RowsFromDML {
		rows = dmlRows(status)
	}
	return adapters.RunResult{Message: fmt.Sprintf("%s %d", plan.Verb, rows), RowsAffected: rows}, nil
}

// Snapshot records the current state of s.SQL's rows in a type-2 slowly
// changing dimension table, as dbt (1.9 and later) does. The source is
// staged once, so every statement sees the same rows; the changes are
// staged next and written by one MERGE, which BigQuery applies entirely or
// not at all. Source columns the table lacks are added first.
func (a *Adapter) Snapshot(ctx context.Context, s adapters.Snapshot) (res adapters.RunResult, err error) {
	rel := a.qualify(s.Relation)
	var dup *adapters.DuplicateKeyWarning
	mergeFailed := false
	defer func() {
		if err != nil {
			err = a.cfg.mapError("snapshot "+s.UniqueID+" into "+render(rel), err)
			if mergeFailed {
				err = duplicateKeyHint(err, dup)
			}
		}
	}()
	if s, err = s.Normalize(); err != nil {
		return adapters.RunResult{}, err
	}
	if s.Custom != nil {
		// The plan builds dbt's timestamp and check strategies only.
		return adapters.RunResult{}, fmt.Errorf("%w: strategy %q is a macro (a custom strategy, or the project's replacement of dbt's); elt runs strategy macros on DuckDB and PostgreSQL only", adapters.ErrSnapshotConfig, s.Strategy)
	}
	body := trimStatement(s.SQL)
	facts := SnapshotFacts{Target: rel, Source: tempRel(rel), Changes: tempRel(rel)}
	existing, err := a.tableFacts(ctx, rel)
	if err != nil {
		return adapters.RunResult{}, err
	}
	facts.TargetKind = existing.Kind
	defer a.dropQuietly(ctx, facts.Source)
	if _, _, err := a.run(ctx, PlanStage(facts.Source, rel, body, TableConfig{})); err != nil {
		return adapters.RunResult{}, fmt.Errorf("source query: %w", err)
	}
	if facts.SourceColumns, err = a.columns(ctx, facts.Source); err != nil {
		return adapters.RunResult{}, err
	}
	if existing.Kind == adapters.KindTable {
		if facts.TargetColumns, err = a.columns(ctx, rel); err != nil {
			return adapters.RunResult{}, err
		}
	}
	plan, err := PlanSnapshot(s, facts)
	if err != nil {
		return adapters.RunResult{}, err
	}
	if dup, err = a.duplicateKeys(ctx, s, facts, plan.Key); err != nil {
		return adapters.RunResult{}, err
	}
	var warnings []adapters.Warning
	if dup != nil {
		warnings = append(warnings, dup)
	}
	if plan.Create != "" {
		if _, _, err := a.run(ctx, plan.Create); err != nil {
			return adapters.RunResult{}, err
		}
		n, err := a.count(ctx, CountSQL(facts.Source))
		if err != nil {
			return adapters.RunResult{}, err
		}
		return adapters.RunResult{Message: fmt.Sprintf("INSERT %d", n), RowsAffected: n, Warnings: warnings}, nil
	}
	if err := a.execAll(ctx, plan.SchemaChanges); err != nil {
		return adapters.RunResult{}, err
	}
	defer a.dropQuietly(ctx, facts.Changes)
	if _, _, err := a.run(ctx, plan.Stage); err != nil {
		return adapters.RunResult{}, fmt.Errorf("comparing the source with the snapshot: %w", err)
	}
	counts, err := a.query(ctx, plan.Counts)
	if err != nil {
		return adapters.RunResult{}, err
	}
	var n [3]int64
	if len(counts.Rows) == 1 && len(counts.Rows[0]) == 3 {
		for i := range n {
			n[i], _ = counts.Rows[0][i].(int64)
		}
	}
	if _, _, err := a.run(ctx, plan.Merge); err != nil {
		mergeFailed = true
		return adapters.RunResult{}, err
	}
	res = snapshotResult(n[0], n[1], n[2], s.HardDeletes)
	res.Warnings = warnings
	return res, nil
}

// duplicateKeys returns a warning when a key occurs more than once in the
// source, nil otherwise. dbt does not check this; the run goes on.
func (a *Adapter) duplicateKeys(ctx context.Context, s adapters.Snapshot, facts SnapshotFacts, key []string) (*adapters.DuplicateKeyWarning, error) {
	res, err := a.query(ctx, DuplicateKeyQuery(facts.Source, key, s.UniqueKeyList && s.NullKeysMatch))
	if err != nil {
		return nil, fmt.Errorf("checking unique_key: %w", err)
	}
	if len(res.Rows) == 0 {
		return nil, nil
	}
	return &adapters.DuplicateKeyWarning{Snapshot: s.UniqueID, Key: key, Samples: adapters.DuplicateKeySamples(key, res.Rows)}, nil
}

// duplicateKeyHint says why the MERGE may have failed when the source
// repeats the unique_key: two staged rows closing one version is what
// BigQuery refuses ("UPDATE/MERGE must match at most one source row for
// each target row"), exactly as it does under dbt-bigquery.
func duplicateKeyHint(err error, dup *adapters.DuplicateKeyWarning) error {
	if dup == nil {
		return err
	}
	return fmt.Errorf("%w (the source repeats unique_key (%s), e.g. %s; where two rows close one version, BigQuery's MERGE fails, as under dbt-bigquery: make the key unique)",
		err, strings.Join(dup.Key, ", "), strings.Join(dup.Samples, ", "))
}
