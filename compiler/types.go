package compiler

import (
	"context"
	"math/big"
	"strconv"
	"sync"
	"time"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/project"
)

// Relation is database.schema.identifier, named exactly as dbt names it.
type Relation struct {
	Database, Schema, Identifier string
}

// Dialect is what the compiler needs from a warehouse: pure string work, no I/O.
// adapters implement it; the compiler never opens a connection.
type Dialect interface {
	Type() string                     // "duckdb", "postgres": target.type in Jinja
	Quote(ident string) string        // adapter.quote
	RenderRelation(r Relation) string // how {{ ref() }} prints: "db"."schema"."ident" (empty parts omitted)
}

// Options are everything a compile needs besides the project. No globals.
type Options struct {
	Dialect      Dialect
	Vars         map[string]any              // --vars (override dbt_project.yml vars)
	Env          func(string) (string, bool) // env_var() lookups; os.LookupEnv in production
	InvocationID string
	RunStartedAt time.Time
	// ExtraMacros are built-in macro files (e.g. the generic test definitions from package tests).
	// Project macros of the same name override them.
	ExtraMacros []*project.File
	// IsIncremental answers is_incremental() for a node while executing;
	// nil means always false. It may ask the warehouse (ctx is the
	// render's), and fails the render with its error.
	IsIncremental func(ctx context.Context, n *Node) (bool, error)
	// Log receives {{ log(msg, info=True) }} output.
	Log func(msg string)
	// LogDebug receives log(msg) without info=True: dbt's JinjaLogDebug,
	// at debug level (dbt.log, the console under --debug). Nil: dropped.
	LogDebug func(msg string)
	// Notice receives an info-level event a render fires under dbt's
	// name (UnpinnedRefNewVersionAvailable). Nil: dropped.
	Notice func(event, msg string)
	// Print receives {{ print(msg) }} output (nil: print prints nothing,
	// as dbt's --no-print).
	Print func(msg string)
	// Warn receives {{ exceptions.warn(msg) }} (dbt's JinjaLogWarning); an
	// error it returns (--warn-error) fails the render. nil: warn prints
	// nothing.
	Warn func(msg string) error
	// WriteFile writes a file a template asks for (agate's
	// Table.to_json), path as the template gives it; nil: templates
	// cannot write files.
	WriteFile func(path string, data []byte) error
	// Concurrency bounds concurrent renders; 0 means GOMAXPROCS.
	Concurrency int
	// Query runs SQL for run_query() and {% call statement() %} when
	// rendering with execute=true (Compile, RenderNode, RenderBatch, Hooks,
	// CallMacro...). Nil: those calls fail with "run_query needs a
	// connection". Parse never calls it: run_query returns None there, as
	// in dbt. It may be called concurrently.
	Query func(ctx context.Context, sql string) (*QueryResult, error)
	// Catalog answers adapter.get_relation, load_relation and
	// adapter.get_columns_in_relation when rendering with execute=true.
	// Nil: those calls fail with "needs a connection". Parse never calls
	// it (they return None and [] there, as in dbt). It may be called
	// concurrently.
	Catalog Catalog
	// StoreFailures is --store-failures: flags.STORE_FAILURES, which
	// should_store_failures() falls back to when a test's config is unset.
	StoreFailures bool
	// FullRefresh is --full-refresh: flags.FULL_REFRESH, which
	// should_full_refresh() falls back to when a model's config is unset.
	FullRefresh bool
	// Empty is --empty: every ref() and source() renders as a subquery
	// that reads no rows, "(select * from rel where false limit 0)", so
	// models build with zero rows (dbt 1.8+'s limit=0 relations).
	Empty bool
	// Sample is dbt's --sample window (run and build): every ref() and
	// source() a model or snapshot reads whose config sets event_time
	// reads only [Start, End), as dbt's resolve_event_time_filter does in
	// sample mode; a microbatch batch reads the overlap of its window and
	// this one. nil outside sample mode.
	Sample *TimeWindow
	// Invocation is the command running, for flags, invocation_args_dict
	// and dbt_metadata_envs.
	Invocation Invocation
	// Cache, when set, keeps renders across invocations (RenderCache):
	// Parse and Compile take from it what is still valid and record
	// what they render.
	Cache *RenderCache
}

// TimeWindow is [Start, End), in UTC.
type TimeWindow struct{ Start, End time.Time }

// SubqueryAliaser is an optional part of a Dialect: whether a subquery in
// FROM needs an alias (Postgres), as dbt-adapters' require_alias says.
type SubqueryAliaser interface {
	RequireSubqueryAlias() bool
}

// Catalog is what Jinja's adapter introspection needs from a warehouse.
type Catalog interface {
	// RelationKind is "table", "view" (or another kind the warehouse
	// names), or "" with a nil error when the relation does not exist.
	RelationKind(ctx context.Context, r Relation) (string, error)
	// Columns lists the relation's columns in order.
	Columns(ctx context.Context, r Relation) ([]Column, error)
}

// Column is one column of a relation, as adapter.get_columns_in_relation
// returns it.
type Column struct {
	Name, DataType string
	// Quoted: Name is the warehouse's own (read from its catalog), so SQL
	// names it quoted, as dbt's column.quoted.
	Quoted bool
}

// QueryResult is what Options.Query gives for one statement: its rows,
// and the warehouse's status for it.
type QueryResult struct {
	Columns []string
	Types   []string // as the warehouse names them; "" where unknown
	Rows    [][]any
	// Status is the warehouse's status of the statement (PostgreSQL's
	// command tag, "INSERT 0 2"), and RowsAffected the rows it says the
	// statement wrote or read; "" where the driver gives none.
	Status       string
	RowsAffected int64
}

// DBTVersion is the dbt-core version whose behaviour elt follows: what
// dbt_version says in templates, what packages' require-dbt-version is
// checked against, and what artifacts declare.
const DBTVersion = "1.10.9"

// Node is a project node after parsing (config final, dependencies known) and,
// after Compile, with its compiled SQL.
type Node struct {
	project.Node // a copy; Config is final: project tree < properties YAML < in-file config()

	Relation     Relation // empty for ephemeral models and tests
	RelationName string   // Dialect.RenderRelation(Relation); "" for ephemeral/tests
	Refs         []Ref
	SourceRefs   [][2]string // (source_name, table_name)
	// MetricRefs are the node's metric() calls as dbt's node.metrics
	// holds them: [name] or [package, name], one per call.
	MetricRefs [][]string
	DependsOn  DependsOn

	// Generic tests only.
	TestMetadata *TestMetadata
	ColumnName   string
	AttachedNode string // unique id of the node the test is attached to

	// PrimaryKey is a model's primary key as dbt infers it for the
	// manifest (inferPrimaryKeys); nil for other nodes.
	PrimaryKey []string

	// ShortName is the file name stem for generic tests whose name is too long
	// (dbt's truncated "<identifier[:30]>_<md5>"); equal to Name otherwise.
	ShortName string

	CompiledCode string // after Compile: rendered SQL with ephemeral CTEs injected
	ExtraCTEs    []CTE  // ephemeral models inlined into CompiledCode, in order
	Compiled     bool
	// ForeignKeyTo maps, once compiled, each foreign_key constraint's to:
	// (ref('x'), source('s', 't')) to the relation it names, which
	// dbt's manifest shows in place of the to: of a compiled model.
	ForeignKeyTo map[string]string
	// RunIndex is, for a project hook that a run took up, its place among
	// the run's hooks of its type, from 1 (dbt's safe_run_hooks sets its
	// HookNode.index so); 0 before.
	RunIndex int
	// Introspected is set when the last render asked the warehouse (columns,
	// relations, run_query): the SQL may change once upstream nodes are built.
	Introspected bool

	// ownConfig is, for a package's node, its config before the root
	// project's dbt_project.yml is applied over it (nil otherwise).
	ownConfig project.Config
	// sharedConfig: Config (and UnrenderedConfig) may be shared with
	// other nodes or the project node, read only: a template that may
	// change it (model.config) gets a copy first.
	sharedConfig bool
	// configInterned: Config and UnrenderedConfig are shared already
	// with every node whose configs are built the same way (a generic
	// test's, testBuild.sharedConfigs); internConfigs leaves them alone.
	configInterned bool
	ord            int // index in the sorted ids, while buildMaps runs
}

// Ref is one ref() call.
type Ref struct {
	Package string // "" unless ref('pkg', 'name')
	Name    string
	Version string
	// VersionText: the version was written as a string, ref('m',
	// version='2'), which manifest.json keeps as a string (VersionJSON).
	VersionText bool
}

// VersionJSON is the version as dbt's RefArgs keeps it, of the type it was
// written with: nil, a string, or a number.
func (r Ref) VersionJSON() any { return versionJSON(r.Version, r.VersionText) }

// isNumber reports whether a template value is a number (a ref()'s
// version=2), not a string.
func isNumber(v any) bool {
	switch v.(type) {
	case int, int64, float64, *big.Int:
		return true
	}
	return false
}

func versionJSON(v string, text bool) any {
	switch {
	case v == "":
		return nil
	case text:
		return v
	}
	if i, err := strconv.Atoi(v); err == nil {
		return i
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		return f
	}
	return v
}

// DependsOn lists unique ids, as in dbt's manifest.
type DependsOn struct {
	Nodes  []string // models, seeds, snapshots, sources
	Macros []string // "macro.<pkg>.<name>"
}

// TestMetadata describes a generic test node (dbt's test_metadata).
type TestMetadata struct {
	Name      string         // "not_null"
	Namespace string         // "" or package
	Kwargs    map[string]any // column_name, model ("{{ get_where_subquery(ref('orders')) }}"), values, to, field...
}

// CTE is one inlined ephemeral model.
type CTE struct {
	ID  string // unique id of the ephemeral model
	SQL string // " __dbt__cte__name as (\n...\n)"
}

// Macro is one macro (or {% test %} definition, stored as "test_<name>").
type Macro struct {
	UniqueID         string // "macro.<pkg>.<name>"
	Name             string
	Package          string
	OriginalFilePath string
	Line             int
	MacroSQL         string
	Arguments        []string
}

// Manifest is the parsed and compiled project: the input to graph, tests,
// adapters and docs.
type Manifest struct {
	Project *project.Project
	Nodes   map[string]*Node                // models, seeds, snapshots, tests (singular and generic)
	Sources map[string]*project.SourceTable // by unique id
	Macros  map[string]*Macro               // by unique id
	// ParentMap and ChildMap as in dbt's manifest (unique id -> unique ids), sorted.
	ParentMap map[string][]string
	ChildMap  map[string][]string
	// SourceRelations are the rendered relation names of Sources, by unique id.
	SourceRelations map[string]string
	// UnitTests are the enabled unit tests (resource type unit_test), by
	// unique id; they are not in Nodes (unittest.go).
	UnitTests map[string]*Node
	unitDefs  map[string]*project.UnitTest
	// disabledUnits are the unit tests their config disables, in the
	// order declared.
	disabledUnits []DisabledUnitTest
	// Warnings found while parsing and compiling (exceptions.warn, ...).
	Warnings diag.List

	engine *engine // the Jinja environment, built once by Parse
	graph  flatGraph
	// metricEntries are the metrics' manifest entries, for what
	// metric() gives while compiling (metricref.go).
	metricEntries struct {
		once sync.Once
		byID map[string]map[string]any
	}
	// settled are the nodes whose compiled SQL a render just before
	// their run would give again (RunSQL).
	settled *settledRenders
	manifestIndex
}

// The entry points (implemented in compile.go):
//
//	func Parse(ctx context.Context, p *project.Project, opts Options) (*Manifest, error)
//	    Loads macros once, renders every node once in "parse mode" to capture
//	    config()/ref()/source() calls, builds generic test nodes from
//	    p.GenericTests, resolves relations (generate_schema_name /
//	    generate_alias_name / generate_database_name, overridable by project
//	    macros), and reports every unknown ref, undeclared source, duplicate
//	    name and template error at once as *diag.Errors.
//	func (m *Manifest) Compile(ctx context.Context, ids []string) error
//	    Renders the given nodes (nil: all) concurrently and injects ephemeral CTEs.
//	func (m *Manifest) CallMacro(ctx context.Context, name string, args map[string]any) (string, error)
//	    Renders a macro call, for run-operation, hooks and tests.
//	func (m *Manifest) WriteCompiled(ctx context.Context, dir *targetfs.Dir) error
//	    Writes target/compiled/<pkg>/<original_file_path> for every compiled node whose file changed.
//	func (m *Manifest) RenderNode(ctx context.Context, id string) (string, error)
//	func (m *Manifest) RunSQL(ctx context.Context, id string) (string, error)
//	    The SQL to run a node with: the compile's when its render read nothing
//	    that can change before the node runs, else a new render (settled.go).
//	func (m *Manifest) RenderBatch(ctx context.Context, id string, start, end time.Time) (string, error)
//	    Render one node (one microbatch batch) again without storing anything (batch.go).
//	func (m *Manifest) Hooks(ctx context.Context, id, which string) ([]string, error)
//	func (m *Manifest) RenderProjectHook(ctx context.Context, sql string, extra map[string]any) (string, error)
//	    Render pre_hook/post_hook and on-run-start/on-run-end (batch.go).
