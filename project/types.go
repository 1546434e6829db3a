package project

import (
	"fmt"
	"strings"

	"github.com/elt-dev/elt/internal/diag"
)

// ResourceType is dbt's resource_type string.
type ResourceType string

const (
	Model    ResourceType = "model"
	Seed     ResourceType = "seed"
	Snapshot ResourceType = "snapshot"
	Test     ResourceType = "test"
	Source   ResourceType = "source"
	Macro    ResourceType = "macro"
	Doc      ResourceType = "doc"
	// Analysis is a .sql file under analysis-paths: compiled, never run.
	Analysis ResourceType = "analysis"
	// Operation is dbt's node for one on-run-start or on-run-end
	// statement of a project's dbt_project.yml: in the manifest, never
	// selected, run before or after the selected nodes.
	Operation ResourceType = "operation"
)

// Plural is dbt's NodeType.pluralize: "analyses", "saved_queries",
// "data_tests", else the type with an s.
func (t ResourceType) Plural() string {
	switch t {
	case Analysis:
		return "analyses"
	case SavedQuery:
		return "saved_queries"
	case Test:
		return "data_tests"
	}
	return string(t) + "s"
}

// DuplicateName is the first line of dbt's DuplicateResourceNameError:
// dbt found two <types> (or "resources" when the two types differ) with
// the name <name>.
func DuplicateName(a, b ResourceType, name string) string {
	what := "resources"
	if a == b {
		what = a.Plural()
	}
	return fmt.Sprintf("dbt found two %s with the name %q", what, name)
}

// Options says where to find things. Nothing here is read from globals:
// cmd/elt fills it from flags and the process environment.
type Options struct {
	ProjectDir  string                      // --project-dir; "" means search upward from WorkDir
	WorkDir     string                      // the working directory
	ProfilesDir string                      // --profiles-dir; "" means DBT_PROFILES_DIR, then project dir, then working dir, then ~/.dbt
	HomeDir     string                      // for ~/.dbt
	Target      string                      // --target; "" means the profile's target
	Profile     string                      // --profile; "" means dbt_project.yml's profile
	Vars        map[string]any              // --vars, parsed
	Env         func(string) (string, bool) // os.LookupEnv in production; called from several goroutines at once
	SkipProfile bool                        // commands that need no connection (ls, parse) may load without profiles.yml
	// NoProfile loads no profile at all, as dbt's clean (unset_profile):
	// profiles.yml is not read, so its env_var()s need not be set.
	NoProfile bool
	// RequirePackages stops the load when packages.yml (or
	// dependencies.yml) lists more packages than are installed, as dbt's
	// commands that parse the project do; without it (debug, clean) that
	// is a warning.
	RequirePackages bool
	// Settings looks up the environment variables that choose elt's own
	// settings rather than what the project's YAML renders to:
	// DBT_PROFILES_DIR and the flags dbt reads from DBT_ variables
	// (DBT_LOG_LEVEL, DBT_PRINTER_WIDTH...). nil means Env. cmd/elt keys
	// its render cache on what Env read; these reads stay out of it, so
	// that a debug log level does not render the project again.
	Settings func(string) (string, bool)
	// YAMLGlobals are the names YAML values may use besides env_var(),
	// var() and target, as dbt's base context gives them
	// (run_started_at, invocation_id, modules...: compiler.YAMLGlobals);
	// read only, from several goroutines at once. Nil: none.
	YAMLGlobals map[string]any
	// TargetPath (--target-path, DBT_TARGET_PATH) replaces dbt_project.yml's
	// target-path, as in dbt: relative to the project root unless absolute;
	// "" keeps the project's.
	TargetPath string
	// Flags are dbt's flags given on the command line (--log-level,
	// --write-json...), keyed by their flags: name and already checked
	// with CheckFlag: they win over the DBT_ variables and the flags:
	// block, as in dbt.
	Flags map[string]any
	// FileCache, when set, keeps what was read from each project file in
	// the target directory and reuses it while the file's stat is
	// unchanged (NewFileCache); nil reads every file.
	FileCache *FileCache
}

// Project is everything read from a project folder, every value with the
// file and position it came from. It holds no SQL knowledge.
type Project struct {
	Root   string // absolute path of the folder holding dbt_project.yml
	Config *ProjectConfig
	Target *Target // nil when Options.SkipProfile and no profile was found

	// Nodes found on disk: models, seeds, snapshots, singular tests, keyed by unique id
	// ("model.shop.orders"). Config already merges dbt_project.yml < properties YAML `config:`;
	// in-file {{ config() }} is applied later by the compiler.
	Nodes map[string]*Node
	// Alternates are the other definitions of a model, seed or snapshot
	// whose unique id Nodes already holds (models/bigquery/x.sql beside
	// models/postgres/x.sql), in the order the files were read. As in dbt,
	// that is allowed when at most one of them is enabled: the compiler
	// keeps the enabled one and reports two enabled as duplicates. Each is
	// set up as Nodes' are (config, properties YAML).
	Alternates map[string][]*Node
	// Sources declared in properties YAML, keyed by "source.<pkg>.<source>.<table>".
	Sources map[string]*SourceTable
	// MacroFiles are the .sql files under macro-paths (plus snapshot/test paths' {% test %} blocks are in node files).
	MacroFiles []*File
	// Packages are the installed dbt packages (folders under
	// packages-install-path holding a dbt_project.yml), sorted by name.
	Packages []*Package
	// Docs are {% docs name %} blocks from .md files, keyed by name (the
	// root project's) or "<package>.<name>" (an installed package's).
	Docs map[string]*DocBlock
	// GenericTests are test declarations found in properties YAML (models, columns, sources, seeds, snapshots).
	GenericTests []*TestDecl
	// Exposures, Groups and Semantic (semantic models, metrics, saved
	// queries) are declared in properties YAML, keyed by unique id; nil
	// when the project declares none (resources.go).
	Exposures map[string]*Exposure
	Groups    map[string]*Group
	Semantic  map[string]*SemanticResource
	// DisabledExposures and DisabledSemantic are those their config
	// disables, for the manifest's disabled section only; nil when none.
	DisabledExposures []*Exposure
	DisabledSemantic  []*SemanticResource

	// MacroProperties are the macros: entries of properties YAML, keyed by
	// "<package>.<macro name>" (keys.go).
	MacroProperties map[string]*MacroProperties

	// UnitTests are the unit_tests: entries of properties YAML (unittests.go).
	UnitTests []*UnitTest
	// Selectors is the root project's selectors.yml, rendered; nil when
	// there is none (selectors.go).
	Selectors *Selectors
	// Warnings found while loading (unused config paths and similar).
	Warnings diag.List
	// Digest is a sha256 (hex) over every file read (dbt_project.yml
	// files, snapshots, packages' files) except those that are each one
	// node's whole source (models, analyses and singular tests, whose
	// contents are their RawCode), properties YAML, docs (.md), seed and
	// macro files. What properties YAML and docs blocks say reaches a
	// render only through the nodes they describe (their config,
	// description, columns, meta, versions, tests' arguments) and the
	// relations of sources and nodes; a seed's rows reach none; which
	// macros a render called, and their files, the render cache records
	// and checks itself. A cache keyed on the Digest must key each
	// node on those (compiler's render cache does): editing one model's
	// description then renders that model again, not the project. Two
	// loads with the same Digest and the same nodes' RawCode read the same
	// snapshot and dbt_project.yml files (what env_var() read while
	// loading is not in it).
	Digest string
}

// File is one file read from the project.
type File struct {
	Path     string // relative to Root, slash-separated, e.g. "models/staging/stg_orders.sql"
	Contents string
	Package  string // the installed package it belongs to ("dbt_utils"); "" for the root project
}

// Package is one installed dbt package, e.g. dbt_packages/dbt_utils. Its
// models, seeds, snapshots, tests, sources and docs are in the Project's
// maps with Package set to its name.
type Package struct {
	Name   string         // dbt_project.yml name, the macros' namespace
	Dir    string         // relative to Root, slash-separated: "dbt_packages/dbt_utils"
	Config *ProjectConfig // its dbt_project.yml (vars, macro-paths, ...)
	// MacroFiles are the .sql files under its macro-paths and the
	// generic tests under <test-path>/generic, Path relative to Root.
	MacroFiles []*File
}

// ProjectConfig is dbt_project.yml.
type ProjectConfig struct {
	Name                string
	Version             string
	ConfigVersion       int
	Profile             string
	ModelPaths          []string // default ["models"]
	SeedPaths           []string // default ["seeds"]
	TestPaths           []string // default ["tests"]
	MacroPaths          []string // default ["macros"]
	SnapshotPaths       []string // default ["snapshots"]
	AnalysisPaths       []string // default ["analyses"]
	DocsPaths           []string // default: all of model, seed, test, macro, snapshot, analysis paths
	TargetPath          string   // default "target"
	LogPath             string   // log-path: where elt writes dbt.log; "" when not declared (no log file)
	PackagesInstallPath string   // default "dbt_packages"
	AssetPaths          []string // default none
	CleanTargets        []string
	Vars                map[string]any // project-level vars (global and per-package scopes kept as written)
	OnRunStart          []string       // kept raw: hooks are rendered at run time
	OnRunEnd            []string
	RequireDbtVersion   []string       // version ranges, as written
	Quoting             map[string]any // project-level quoting (database, schema, identifier)
	Dispatch            []Dispatch
	Flags               map[string]any // flags: block
	QueryComment        any            // string or mapping, kept raw like dbt
	// Raw keeps every key as written, including ones elt does not act on yet.
	Raw map[string]any
	// KeyPos is where each top-level key is written, for messages about
	// its value (clean-targets, profile, ...).
	KeyPos map[string]diag.Pos
	// Config trees by resource type: "models", "seeds", "snapshots", "tests", "sources".
	Trees map[string]*ConfigTree
}

// Dispatch is one dispatch: entry of dbt_project.yml.
type Dispatch struct {
	MacroNamespace string
	SearchOrder    []string
}

// ConfigTree is one level of a dbt_project.yml config tree such as
// models: { shop: { +materialized: table, staging: { +schema: stg } } }.
type ConfigTree struct {
	Config   Config                 // "+key" (and non-dict plain keys dbt treats as config) at this level
	Children map[string]*ConfigTree // folder, package or node names
	Pos      diag.Pos

	// Unrendered holds the same keys with their values as written, Jinja
	// not rendered: dbt's unrendered_config, which state:modified compares.
	Unrendered Config
}

// Config is a node config with dbt's key names ("materialized", "schema",
// "alias", "database", "tags", "enabled", "pre_hook", "post_hook", "meta",
// "severity", ...). Hyphenated keys are normalised to underscores
// ("pre-hook" -> "pre_hook"). Values are plain YAML/JSON values.
type Config map[string]any

// Target is the resolved output of profiles.yml for this run.
type Target struct {
	ProfileName string
	Name        string              // target name, e.g. "dev"
	Type        string              // "duckdb", "postgres", ...
	Threads     int                 // default 1 when unset
	Database    string              // for duckdb: the file's base name without extension, "memory" for :memory:
	Schema      string              // for duckdb: default "main"
	Fields      map[string]any      // every key as written, env_var() rendered; secrets stay here and never get logged
	File        string              // profiles.yml path it came from
	Pos         diag.Pos            // where the target's mapping starts in File
	KeyPos      map[string]diag.Pos // where each field's key is written in File; nested values as "attach[0].path", "settings.x"
}

// Node is a model, seed, snapshot, singular test or analysis found on disk.
type Node struct {
	UniqueID         string // "model.shop.orders"
	ResourceType     ResourceType
	Name             string   // file base name without extension (snapshots: block name)
	Package          string   // project name
	PackageDir       string   // the installed package's folder relative to Root ("dbt_packages/dbt_utils"); "" for the root project
	Path             string   // relative to its resource path, e.g. "staging/stg_orders.sql"
	OriginalFilePath string   // relative to Root, e.g. "models/staging/stg_orders.sql" (see PackagePath)
	FQN              []string // [package, folders..., name]
	RawCode          string   // file contents (snapshots: the body of the snapshot block; seeds: "")
	RawCodeOffset    int      // byte offset of RawCode within the file (non-zero for snapshot blocks)
	RawCodeLine      int      // lines of the file before RawCode, to report positions in the file
	RawCodeColumn    int      // columns before RawCode on its first line (the whitespace dbt strips)
	Language         string   // "sql" or "python" (a DAG node that elt does not run)
	Config           Config   // dbt_project.yml tree merged with properties YAML config:
	// UnrenderedConfig is Config as written, Jinja not rendered (dbt's
	// unrendered_config): what state:modified compares, so that a value
	// rendered per environment (a target name, an env var) is no change.
	// The compiler adds the node's config() call values, as dbt does.
	UnrenderedConfig Config
	// RootConfig is, for a node of an installed package, the root
	// project's dbt_project.yml config for it: dbt applies it last, over
	// the node's own config() call. Nil for the root project's nodes.
	RootConfig Config
	// RootUnrendered is RootConfig as written in the root project's
	// dbt_project.yml: dbt updates a package node's unrendered_config
	// with it last, as it does the config.
	RootUnrendered Config
	Description    string // doc() already resolved
	// DocBlocks are the docs blocks its description calls doc() for
	// (doc.<package>.<name>), as dbt 1.10's doc_blocks.
	DocBlocks []string
	Columns   []*Column
	Meta      map[string]any
	Docs      map[string]any
	// PropsEnable says its properties YAML config: sets enabled to a true
	// value (dbt's patch.config.get("enabled")).
	PropsEnable bool
	PatchPath   string   // properties YAML that described this node ("" if none)
	PatchPos    diag.Pos // where in PatchPath
	Checksum    string   // sha256 of the file contents (a seed's: stripped, as dbt)
	// ChecksumName is "" for a sha256 Checksum, or ChecksumPath for a seed
	// over 1 MiB, whose checksum dbt takes to be its path (FileChecksum).
	ChecksumName    string
	SeedColumnTypes map[string]string // seeds: config column_types, kept in order-independent map
	Constraints     []any             // model-level constraints from properties YAML, as written
	// Version is a versioned model's v as written (int, float or string);
	// nil for a model without versions:. LatestVersion is its model's
	// latest_version (default the greatest v). VersionString is v's text
	// ("2", "1.5"), which names the node ("model.shop.m.v2").
	Version         any
	LatestVersion   any
	VersionString   string
	DeprecationDate string // deprecation_date as written; "" when unset
	// TimeSpine is a model's time_spine: property (MetricFlow's time
	// spine), nil when unset.
	TimeSpine *TimeSpine
	// RunHook is, for an operation node, the statement of dbt_project.yml
	// it stands for; nil for every other node.
	RunHook *RunHook
}

// RunHook says which statement of a project's dbt_project.yml an
// operation node is.
type RunHook struct {
	Type  string // "on-run-start" or "on-run-end"
	Index int    // its position in that project's list, from 0
}

// Column is a documented column.
type Column struct {
	Name        string
	Description string
	DataType    string
	Meta        map[string]any
	Tags        []string
	Quote       *bool
	Constraints []any // as written: [{type: not_null}, ...]
	// Granularity is the column's granularity: (a time grain: day, ...),
	// "" when unset.
	Granularity string
	// Quality is the column's config: quality: block (elt's data-quality
	// metrics; a quality: under meta: stays in Meta), checked at load.
	Quality map[string]any
	// ConfigMeta and ConfigTags are its config: block's meta and tags,
	// which dbt 1.10 keeps apart from the meta and tags written beside
	// it (column.config.meta).
	ConfigMeta map[string]any
	ConfigTags []string
	DocBlocks  []string // as Node's
}

// TimeSpine is dbt's time_spine model property: the column at the
// standard granularity, and custom granularities (a column each).
type TimeSpine struct {
	StandardGranularityColumn string
	CustomGranularities       []CustomGranularity
	// Pos is where time_spine: is written in the model's properties
	// file (its PatchPath).
	Pos diag.Pos
}

// CustomGranularity is one custom_granularities entry; ColumnName is ""
// when the entry names no column (its name is the column's).
type CustomGranularity struct {
	Name, ColumnName string
}

// SourceTable is one table of a declared source.
type SourceTable struct {
	UniqueID          string // "source.shop.raw.orders"
	SourceName        string
	Name              string
	Package           string
	Database          string // defaults to the target database
	Schema            string // defaults to the source name
	Identifier        string // defaults to the table name
	Description       string
	DocBlocks         []string // the table description's, as Node's
	SourceDescription string
	Loader            string
	// External is the table's external: property (dbt's ExternalTable:
	// location, file_format, partitions... as rendered), which dbt stores
	// for packages such as dbt_external_tables to read; nil when unset.
	External  map[string]any
	Columns   []*Column
	Meta      map[string]any
	Tags      []string
	Config    Config
	Freshness map[string]any
	// FreshnessNull: a level's freshness: null cleared every threshold
	// (dbt's freshness is then None, where none declared is an empty
	// threshold).
	FreshnessNull bool
	// SourceMeta is the source's meta property with its config's meta
	// over it, before the table's (dbt's source_meta).
	SourceMeta       map[string]any
	Quoting          map[string]any // source quoting merged with the table's
	LoadedAtField    string
	LoadedAtQuery    string // dbt 1.10: SQL returning the latest load time, rendered when freshness runs
	OriginalFilePath string
	Pos              diag.Pos
	FQN              []string // [package, source_name, table_name]

	// UnrenderedDatabase and UnrenderedSchema are database: and schema: as
	// written (Jinja not rendered), nil when not written: dbt 1.9's
	// unrendered_database and unrendered_schema, which state:modified
	// compares so that a schema rendered per environment is no change.
	UnrenderedDatabase, UnrenderedSchema *string
	// Unrendered is the table's unrendered_config, as dbt builds a
	// source's (sourceUnrendered): what state:modified compares.
	Unrendered Config
}

// UnrenderedConfig is the table's unrendered_config: as the loader built
// it (dbt's), or its config for a table made some other way.
func (s *SourceTable) UnrenderedConfig() Config {
	if s.Unrendered != nil {
		return s.Unrendered
	}
	return s.Config
}

// TestDecl is one generic test declared in properties YAML, e.g.
// columns: [{name: id, tests: [unique, {accepted_values: {values: [...]}}]}].
type TestDecl struct {
	TestName    string         // "not_null", "accepted_values", "dbt_utils.expression_is_true" (namespace kept)
	Namespace   string         // "" or the package prefix
	Args        map[string]any // arguments other than config (values, to, field, ...); "arguments:" key merged in
	Config      Config         // config: block plus top-level config keys dbt accepts on tests (severity, where, ...)
	Name        string         // explicit "name:" when given
	Description string
	// What it is attached to.
	AttachedKind ResourceType // Model, Seed, Snapshot or Source
	AttachedName string       // model/seed/snapshot name, or table name for sources
	SourceName   string       // for sources
	ColumnName   string       // "" for model-level tests
	ColumnQuote  bool         // the column says quote: true; tests get the name quoted
	File         string       // properties YAML
	Pos          diag.Pos
	Package      string // the project whose properties YAML declares it
	// AttachedPackage is the project of the node it is attached to, when
	// that is another (a package's model described in the root's YAML).
	AttachedPackage string

	// AttachedVersion is the version's text ("2") for a test of one
	// version of a versioned model; "" otherwise.
	AttachedVersion string
}

// DocBlock is a {% docs name %} block.
type DocBlock struct {
	Name     string
	Package  string // the project it is defined in
	Contents string
	File     string
	Pos      diag.Pos
}

// ChecksumPath is the checksum name of a seed too large to hash.
const ChecksumPath = "path"

// FileChecksum is the node's checksum as manifest.json writes it: name
// "sha256" and the hash, or for a seed over 1 MiB name "path" and its path
// within its package (dbt's FileHash.path).
func (n *Node) FileChecksum() (name, checksum string) {
	if n.ChecksumName == ChecksumPath {
		return ChecksumPath, n.PackagePath()
	}
	return "sha256", n.Checksum
}

// PackagePath is OriginalFilePath relative to the node's own project
// folder, as dbt writes original_file_path ("models/x.sql" for a model of
// dbt_packages/pkg). An operation node's is "./dbt_project.yml", as dbt's
// hook parser names the file it searched (parser/hooks.py get_path).
func (n *Node) PackagePath() string {
	if n.ResourceType == Operation {
		return "./" + projectFile
	}
	if n.PackageDir == "" {
		return n.OriginalFilePath
	}
	return strings.TrimPrefix(n.OriginalFilePath, n.PackageDir+"/")
}
