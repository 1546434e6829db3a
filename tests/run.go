package tests

import (
	"context"
	"fmt"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/compiler"
)

// Options are what Run needs besides the test node. Nothing is read from globals.
type Options struct {
	// Database and Schema are the target's (profiles.yml): stored failures
	// go to <Database>.<Schema>_dbt_test__audit by default.
	Database string
	Schema   string
	// StoreFailures is the --store-failures flag: it applies to tests whose
	// store_failures and store_failures_as configs are both unset.
	StoreFailures bool
	// SchemaName turns a test's custom schema (its `schema` config, default
	// "dbt_test__audit") into the schema name, as generate_schema_name does.
	// nil means dbt's default: "<Schema>_<custom>".
	SchemaName func(custom string) string
	// TestSQL renders the project's own get_test_sql, which replaces
	// Wrap as it replaces dbt's in dbt's test materialization; ok false
	// (or a nil TestSQL) means the project has none.
	TestSQL func(ctx context.Context, n *compiler.Node, a compiler.TestSQLArgs) (sql string, ok bool, err error)
	// CreateSchema creates the schema stored failures go to; nil means
	// the adapter's CreateSchema. The runner passes its own, which runs
	// a project's create_schema as dbt's create_schemas does.
	CreateSchema func(ctx context.Context, database, schema string) error
}

// Run runs one data test, generic or singular: n.CompiledCode is the query
// returning the failing rows. When the test stores its failures, the rows
// (up to limit) first replace the audit relation's contents and the verdict
// is computed from that relation, so what is stored is what was judged.
//
// A test that could not be run or judged returns an Outcome with
// StatusError and the error.
func Run(ctx context.Context, a adapters.Adapter, n *compiler.Node, opts Options) (Outcome, error) {
	out, err := run(ctx, a, n, opts)
	if err != nil {
		out.Status = StatusError
		out.Message = err.Error()
		out.Failures = 0
	}
	return out, err
}

func run(ctx context.Context, a adapters.Adapter, n *compiler.Node, opts Options) (Outcome, error) {
	if n == nil {
		return Outcome{}, fmt.Errorf("tests: no test node")
	}
	cfg := n.Config
	// Settle the config before touching the warehouse, so a bad value stores nothing.
	if _, err := severity(cfg); err != nil {
		return Outcome{}, fmt.Errorf("%s: %w", n.UniqueID, err)
	}
	if _, _, err := limit(cfg); err != nil {
		return Outcome{}, fmt.Errorf("%s: %w", n.UniqueID, err)
	}
	kind, err := storeAs(cfg, opts.StoreFailures)
	if err != nil {
		return Outcome{}, fmt.Errorf("%s: %w", n.UniqueID, err)
	}
	failing := trimStatement(n.CompiledCode)
	if failing == "" {
		return Outcome{}, fmt.Errorf("%s: tests: the test has no compiled SQL (was it compiled?)", n.UniqueID)
	}

	var stored string
	if kind != "" {
		rel := AuditRelation(n, opts)
		rows := failing
		if m, ok, _ := limit(cfg); ok {
			rows = limitRows(rows, m)
		}
		create := a.CreateSchema
		if opts.CreateSchema != nil {
			create = opts.CreateSchema
		}
		if err := create(ctx, rel.Database, rel.Schema); err != nil {
			return Outcome{}, fmt.Errorf("%s: store failures: create schema %s: %w", n.UniqueID, rel.Schema, err)
		}
		if _, err := a.Materialize(ctx, adapters.Model{
			UniqueID:     n.UniqueID,
			Relation:     rel,
			Materialized: kind,
			SQL:          rows,
			Config:       cfg,
		}); err != nil {
			return Outcome{}, fmt.Errorf("%s: store failures: %w", n.UniqueID, err)
		}
		stored = a.Dialect().RenderRelation(rel)
		failing = "select * from " + stored
	}

	query, err := testQuery(ctx, n, failing, opts)
	if err != nil {
		return Outcome{StoredRelation: stored}, fmt.Errorf("%s: %w", n.UniqueID, err)
	}
	res, err := a.Query(ctx, query)
	if err != nil {
		return Outcome{StoredRelation: stored}, fmt.Errorf("%s: %w", n.UniqueID, err)
	}
	out, err := Evaluate(res, cfg)
	out.StoredRelation = stored
	out.Main = res
	if stored != "" {
		out.StoredAs = kind
	}
	out.Response = res.Response()
	if err != nil {
		return out, fmt.Errorf("%s: %w", n.UniqueID, err)
	}
	return out, nil
}

// AuditRelation is where a test's failing rows are stored: the relation the
// compiler gave the test when it has one; otherwise the `database` config or
// the target database, the `schema` config (default "dbt_test__audit") turned
// into a schema by opts.SchemaName (default "<target schema>_<custom>"), and
// the `alias` config or the test's name.
func AuditRelation(n *compiler.Node, opts Options) adapters.Relation {
	if n.Relation.Identifier != "" && n.Relation.Schema != "" {
		return adapters.Relation(n.Relation)
	}
	custom := stringSetting(n.Config, "schema")
	if custom == "" {
		custom = DefaultAuditSchema
	}
	var schema string
	if opts.SchemaName != nil {
		schema = opts.SchemaName(custom)
	} else {
		schema = opts.Schema + "_" + custom
	}
	database := stringSetting(n.Config, "database")
	if database == "" {
		database = opts.Database
	}
	ident := stringSetting(n.Config, "alias")
	if ident == "" {
		ident = n.Name
	}
	return adapters.Relation{Database: database, Schema: schema, Identifier: ident}
}

// testQuery is the one-row verdict query over the failing rows: the
// project's get_test_sql when it has one, else Wrap.
func testQuery(ctx context.Context, n *compiler.Node, failing string, opts Options) (string, error) {
	if opts.TestSQL == nil {
		return Wrap(failing, n.Config)
	}
	a := compiler.TestSQLArgs{
		Main:     failing,
		FailCalc: sqlSetting(n.Config, "fail_calc", DefaultFailCalc),
		WarnIf:   sqlSetting(n.Config, "warn_if", DefaultWarnIf),
		ErrorIf:  sqlSetting(n.Config, "error_if", DefaultErrorIf),
	}
	if m, ok, _ := limit(n.Config); ok {
		a.Limit = &m
	}
	sql, ok, err := opts.TestSQL(ctx, n, a)
	if err != nil {
		return "", fmt.Errorf("get_test_sql: %w", err)
	}
	if !ok {
		return Wrap(failing, n.Config)
	}
	return sql, nil
}
