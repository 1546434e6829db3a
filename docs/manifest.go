package docs

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"maps"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/graph"
	"github.com/elt-dev/elt/internal/targetfs"
	"github.com/elt-dev/elt/project"
)

// Schema URLs written into dbt_schema_version.
const (
	ManifestSchemaURL   = "https://schemas.getdbt.com/dbt/manifest/v12.json"
	RunResultsSchemaURL = "https://schemas.getdbt.com/dbt/run-results/v6.json"
)

// DefaultDBTVersion is written as dbt_version when Metadata.DBTVersion is
// empty: the dbt release whose artifacts ours match, so readers that gate on
// the version accept them.
const DefaultDBTVersion = compiler.DBTVersion

// customEnvPrefix marks environment variables dbt copies into artifacts.
const customEnvPrefix = "DBT_ENV_CUSTOM_ENV_"

// Metadata is what one invocation knows about itself.
type Metadata struct {
	InvocationID string
	GeneratedAt  time.Time
	ProjectName  string // "" means the loaded project's name
	AdapterType  string // "" means the target's type, if any
	// Env is written as metadata.env: DBT_ENV_CUSTOM_ENV_ variables with the
	// prefix removed, as dbt does. Build it with CustomEnv.
	Env map[string]string
	// DBTVersion is written as dbt_version; "" means DefaultDBTVersion. The
	// schemas allow no other metadata keys, so elt's own version has no place
	// in these files.
	DBTVersion string
	// InvocationStartedAt is when the command started (metadata's
	// invocation_started_at); zero: null.
	InvocationStartedAt time.Time
	// Quoting is the manifest metadata's quoting: the target's default
	// quote policy with the project's quoting: over it (keys database,
	// schema, identifier, column; nil: null).
	Quoting map[string]any
	// Dialect renders a source's relation_name when the compiler did not
	// (compiler.Manifest.SourceRelations); nil means ANSI double quotes,
	// "db"."schema"."identifier".
	Dialect compiler.Dialect
}

// CustomEnv picks the DBT_ENV_CUSTOM_ENV_ variables out of an environment in
// os.Environ form and strips the prefix, as dbt does for metadata.env.
func CustomEnv(environ []string) map[string]string {
	env := map[string]string{}
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(k, customEnvPrefix) || len(k) == len(customEnvPrefix) {
			continue
		}
		env[strings.TrimPrefix(k, customEnvPrefix)] = v
	}
	return env
}

func (m Metadata) dbtVersion() string {
	if m.DBTVersion == "" {
		return DefaultDBTVersion
	}
	return m.DBTVersion
}

func (m Metadata) env() map[string]string {
	if m.Env == nil {
		return map[string]string{}
	}
	return m.Env
}

// Manifest is manifest.json. Field names and shapes are dbt's (schema v12).
type Manifest struct {
	Metadata       ManifestMetadata    `json:"metadata"`
	Nodes          map[string]Node     `json:"nodes"`
	Sources        map[string]*Source  `json:"sources"`
	Macros         map[string]*Macro   `json:"macros"`
	Docs           map[string]*Doc     `json:"docs"`
	Exposures      map[string]any      `json:"exposures"`
	Metrics        map[string]any      `json:"metrics"`
	Groups         map[string]any      `json:"groups"`
	Selectors      map[string]any      `json:"selectors"`
	Disabled       map[string][]any    `json:"disabled"` // *Node kinds and *Source
	ParentMap      map[string][]string `json:"parent_map"`
	ChildMap       map[string][]string `json:"child_map"`
	GroupMap       map[string][]string `json:"group_map"`
	SavedQueries   map[string]any      `json:"saved_queries"`
	SemanticModels map[string]any      `json:"semantic_models"`
	UnitTests      map[string]any      `json:"unit_tests"`

	// cache, when set, writes Nodes (then *cachedNode values) reusing the
	// JSON an earlier write left, and records this write's for the next.
	cache *nodeReuse
	// order, when set, gives the ids most keys of Nodes, ParentMap and
	// ChildMap are, already sorted (see sortedKeysBy).
	order *keyOrder
}

// ManifestMetadata is the manifest's metadata object.
type ManifestMetadata struct {
	DBTSchemaVersion        string            `json:"dbt_schema_version"`
	DBTVersion              string            `json:"dbt_version"`
	GeneratedAt             string            `json:"generated_at"`
	InvocationID            *string           `json:"invocation_id"`
	InvocationStartedAt     *string           `json:"invocation_started_at"`
	Env                     map[string]string `json:"env"`
	ProjectName             *string           `json:"project_name"`
	ProjectID               *string           `json:"project_id"`
	UserID                  *string           `json:"user_id"`
	SendAnonymousUsageStats bool              `json:"send_anonymous_usage_stats"`
	AdapterType             *string           `json:"adapter_type"`
	Quoting                 *ManifestQuoting  `json:"quoting,omitempty"`
}

// ManifestQuoting is the manifest metadata's quoting.
type ManifestQuoting struct {
	Database   *bool `json:"database"`
	Schema     *bool `json:"schema"`
	Identifier *bool `json:"identifier"`
	Column     *bool `json:"column"`
}

// Node is one entry of the manifest's nodes: a *SeedNode or a *CompiledNode.
// The schema gives seeds a different shape from models, snapshots and tests.
type Node interface {
	Common() *NodeBase
}

// NodeBase holds the keys every node kind has.
type NodeBase struct {
	Database         *string        `json:"database"`
	Schema           string         `json:"schema"`
	Name             string         `json:"name"`
	ResourceType     string         `json:"resource_type"`
	PackageName      string         `json:"package_name"`
	Path             string         `json:"path"`
	OriginalFilePath string         `json:"original_file_path"`
	UniqueID         string         `json:"unique_id"`
	FQN              []string       `json:"fqn"`
	Alias            string         `json:"alias"`
	Checksum         FileHash       `json:"checksum"`
	Config           map[string]any `json:"config"`
	Tags             []string       `json:"tags"`
	Description      string         `json:"description"`
	Columns          Columns        `json:"columns"`
	Meta             map[string]any `json:"meta"`
	Group            *string        `json:"group"`
	Docs             DocsConfig     `json:"docs"`
	PatchPath        *string        `json:"patch_path"`
	BuildPath        *string        `json:"build_path"`
	UnrenderedConfig map[string]any `json:"unrendered_config"`
	CreatedAt        float64        `json:"created_at"`
	RelationName     *string        `json:"relation_name"`
	RawCode          string         `json:"raw_code"`
	// DocBlocks are the docs blocks its description calls (dbt 1.10).
	// dbt's config_call_dict is not in its artifacts, nor here.
	DocBlocks []string `json:"doc_blocks"`
}

// SeedNode is a seed.
type SeedNode struct {
	NodeBase
	RootPath  *string        `json:"root_path"`
	DependsOn MacroDependsOn `json:"depends_on"`
}

func (n *SeedNode) Common() *NodeBase { return &n.NodeBase }

// CompiledNode is a model, snapshot, singular test or generic test. Model and
// GenericTest are set only for their kinds; their keys are absent otherwise.
type CompiledNode struct {
	NodeBase
	Language          string        `json:"language"`
	Refs              []RefArgs     `json:"refs"`
	Sources           [][]string    `json:"sources"`
	Metrics           [][]string    `json:"metrics"`
	DependsOn         DependsOn     `json:"depends_on"`
	CompiledPath      *string       `json:"compiled_path"`
	Compiled          bool          `json:"compiled"`
	CompiledCode      *string       `json:"compiled_code"`
	ExtraCTEsInjected bool          `json:"extra_ctes_injected"`
	ExtraCTEs         []InjectedCTE `json:"extra_ctes"`
	Contract          Contract      `json:"contract"`
	*ModelFields
	*GenericTestFields
	*HookFields
}

func (n *CompiledNode) Common() *NodeBase { return &n.NodeBase }

// ModelFields are the keys only models have.
type ModelFields struct {
	Access          string     `json:"access"`
	Constraints     []any      `json:"constraints"`
	Version         any        `json:"version"`
	LatestVersion   any        `json:"latest_version"`
	DeprecationDate *string    `json:"deprecation_date"`
	PrimaryKey      []string   `json:"primary_key"`
	TimeSpine       *TimeSpine `json:"time_spine"`
	// dbt 1.10.9's model node has no freshness of its own: a model's
	// (build_after) is its config's.
}

// TimeSpine is a model's time_spine.
type TimeSpine struct {
	StandardGranularityColumn string              `json:"standard_granularity_column"`
	CustomGranularities       []CustomGranularity `json:"custom_granularities"`
}

// CustomGranularity is one of a time spine's custom granularities.
type CustomGranularity struct {
	Name       string  `json:"name"`
	ColumnName *string `json:"column_name"`
}

// HookFields are the keys only operation nodes (project hooks) have.
type HookFields struct {
	// Index is the statement's position in its project's list, from 0;
	// after a run, its place among the run's hooks of its type, from 1.
	Index int `json:"index"`
}

// GenericTestFields are the keys only generic tests have.
type GenericTestFields struct {
	ColumnName   *string      `json:"column_name"`
	FileKeyName  *string      `json:"file_key_name"`
	AttachedNode *string      `json:"attached_node"`
	TestMetadata TestMetadata `json:"test_metadata"`
}

// TestMetadata is a generic test's name, arguments and package.
type TestMetadata struct {
	Name      string         `json:"name"`
	Kwargs    map[string]any `json:"kwargs"`
	Namespace *string        `json:"namespace"`
}

// FileHash is a node's checksum.
type FileHash struct {
	Name     string `json:"name"`
	Checksum string `json:"checksum"`
}

// ColumnInfo is one documented column.
type ColumnInfo struct {
	Name        string         `json:"name"`
	Description string         `json:"description"`
	Meta        map[string]any `json:"meta"`
	DataType    *string        `json:"data_type"`
	Constraints []any          `json:"constraints"`
	Quote       *bool          `json:"quote"`
	Config      ColumnConfig   `json:"config"`
	Tags        []string       `json:"tags"`
	Granularity *string        `json:"granularity"`
	DocBlocks   []string       `json:"doc_blocks"`
	// Pos is the column's place among its node's columns as the
	// properties declare them: manifest.json lists them in that order,
	// as dbt's columns dict keeps it. (Read back from a manifest, it is 0
	// for all, and they are listed by name.)
	Pos int `json:"-"`
}

// Columns are a node's columns by name. manifest.json lists them in the
// order the properties declare them (ColumnInfo.Pos), as dbt's columns
// dict keeps it.
type Columns map[string]*ColumnInfo

// MarshalJSON writes the columns in their declared order.
func (c Columns) MarshalJSON() ([]byte, error) {
	if c == nil {
		return []byte("null"), nil
	}
	return marshalInOrder(c, columnOrder(c))
}

// ColumnConfig is a column's config: (dbt 1.10): its meta and tags.
type ColumnConfig struct {
	Meta map[string]any `json:"meta"`
	Tags []string       `json:"tags"`
}

// DocsConfig is the docs object of nodes and macros.
type DocsConfig struct {
	Show      bool    `json:"show"`
	NodeColor *string `json:"node_color"`
}

// RefArgs is one ref() call.
type RefArgs struct {
	Name    string  `json:"name"`
	Package *string `json:"package"`
	Version any     `json:"version"`
}

// DependsOn lists the unique ids a node reads and the macros it calls.
type DependsOn struct {
	Macros []string `json:"macros"`
	Nodes  []string `json:"nodes"`
}

// MacroDependsOn is depends_on of seeds and macros.
type MacroDependsOn struct {
	Macros []string `json:"macros"`
}

// InjectedCTE is one ephemeral model inlined into compiled_code.
type InjectedCTE struct {
	ID  string `json:"id"`
	SQL string `json:"sql"`
}

// Contract is a node's contract state.
type Contract struct {
	Enforced   bool    `json:"enforced"`
	AliasTypes bool    `json:"alias_types"`
	Checksum   *string `json:"checksum"`
}

// Source is one table of a declared source.
type Source struct {
	Database          *string             `json:"database"`
	Schema            string              `json:"schema"`
	Name              string              `json:"name"`
	ResourceType      string              `json:"resource_type"`
	PackageName       string              `json:"package_name"`
	Path              string              `json:"path"`
	OriginalFilePath  string              `json:"original_file_path"`
	UniqueID          string              `json:"unique_id"`
	FQN               []string            `json:"fqn"`
	SourceName        string              `json:"source_name"`
	SourceDescription string              `json:"source_description"`
	Loader            string              `json:"loader"`
	Identifier        string              `json:"identifier"`
	Quoting           Quoting             `json:"quoting"`
	LoadedAtField     *string             `json:"loaded_at_field"`
	LoadedAtQuery     *string             `json:"loaded_at_query"`
	Freshness         *FreshnessThreshold `json:"freshness"`
	External          map[string]any      `json:"external"`
	Description       string              `json:"description"`
	Columns           Columns             `json:"columns"`
	Meta              map[string]any      `json:"meta"`
	SourceMeta        map[string]any      `json:"source_meta"`
	Tags              []string            `json:"tags"`
	Config            map[string]any      `json:"config"`
	PatchPath         *string             `json:"patch_path"`
	UnrenderedConfig  map[string]any      `json:"unrendered_config"`
	RelationName      *string             `json:"relation_name"`
	CreatedAt         float64             `json:"created_at"`

	// UnrenderedDatabase and UnrenderedSchema are dbt 1.9's: the source's
	// database and schema as written, null when not written.
	UnrenderedDatabase *string  `json:"unrendered_database"`
	UnrenderedSchema   *string  `json:"unrendered_schema"`
	DocBlocks          []string `json:"doc_blocks"`
}

// Quoting says which parts of a source relation are quoted; null means the
// adapter's default.
type Quoting struct {
	Database   *bool `json:"database"`
	Schema     *bool `json:"schema"`
	Identifier *bool `json:"identifier"`
	Column     *bool `json:"column"`
}

// sourceQuoting is a source's quoting as dbt writes it: the source's
// quoting: merged with its table's (a part neither sets is null).
func sourceQuoting(q map[string]any) Quoting {
	flag := func(k string) *bool {
		if v, ok := q[k].(bool); ok {
			return &v
		}
		return nil
	}
	return Quoting{Database: flag("database"), Schema: flag("schema"), Identifier: flag("identifier"), Column: flag("column")}
}

// FreshnessThreshold is a source's freshness rule.
type FreshnessThreshold struct {
	WarnAfter  *FreshnessTime `json:"warn_after"`
	ErrorAfter *FreshnessTime `json:"error_after"`
	Filter     *string        `json:"filter"`
}

// FreshnessTime is a count of periods ("minute", "hour", "day").
type FreshnessTime struct {
	Count  *int    `json:"count"`
	Period *string `json:"period"`
}

// Macro is one macro.
type Macro struct {
	UniqueID           string         `json:"unique_id"`
	Name               string         `json:"name"`
	ResourceType       string         `json:"resource_type"`
	PackageName        string         `json:"package_name"`
	Path               string         `json:"path"`
	OriginalFilePath   string         `json:"original_file_path"`
	MacroSQL           string         `json:"macro_sql"`
	DependsOn          MacroDependsOn `json:"depends_on"`
	Description        string         `json:"description"`
	Meta               map[string]any `json:"meta"`
	Docs               DocsConfig     `json:"docs"`
	PatchPath          *string        `json:"patch_path"`
	Arguments          []any          `json:"arguments"`
	CreatedAt          float64        `json:"created_at"`
	SupportedLanguages []string       `json:"supported_languages"`
}

// Doc is one {% docs %} block.
type Doc struct {
	UniqueID         string `json:"unique_id"`
	Name             string `json:"name"`
	ResourceType     string `json:"resource_type"`
	PackageName      string `json:"package_name"`
	Path             string `json:"path"`
	OriginalFilePath string `json:"original_file_path"`
	BlockContents    string `json:"block_contents"`
}

// WriteManifest builds the manifest and writes it atomically to name in
// the target directory (normally manifest.json).
func WriteManifest(dir *targetfs.Dir, name string, m *compiler.Manifest, meta Metadata) error {
	return BuildManifest(m, meta).Write(dir, name)
}

// Write writes the manifest atomically to name in the target directory.
func (m *Manifest) Write(dir *targetfs.Dir, name string) error {
	if err := dir.WriteAtomic(name, m.writeTo); err != nil {
		return fmt.Errorf("docs: write manifest %s: %w", name, err)
	}
	return nil
}

// BuildManifest turns a parsed (and possibly compiled) project into dbt's
// manifest shape. It does not modify m.
func BuildManifest(m *compiler.Manifest, meta Metadata) *Manifest {
	return newBuilder(m, meta).build(nil)
}

func newBuilder(m *compiler.Manifest, meta Metadata) *builder {
	b := &builder{m: m, meta: meta, createdAt: epochSeconds(meta.GeneratedAt)}
	b.init()
	return b
}

// build makes the manifest. With reuse, each enabled node is looked up in
// the cache first: one found there is a *cachedNode holding its earlier
// JSON instead of a built Node, for writeTo to splice.
func (b *builder) build(reuse *nodeReuse) *Manifest {
	m := b.m
	out := &Manifest{
		Metadata:       b.metadata(),
		Nodes:          make(map[string]Node, len(m.Nodes)),
		Sources:        map[string]*Source{},
		Macros:         map[string]*Macro{},
		Docs:           map[string]*Doc{},
		Exposures:      map[string]any{},
		Metrics:        map[string]any{},
		Groups:         map[string]any{},
		Selectors:      manifestSelectors(m.Project),
		Disabled:       map[string][]any{},
		GroupMap:       map[string][]string{},
		SavedQueries:   map[string]any{},
		SemanticModels: map[string]any{},
		UnitTests:      map[string]any{},
	}
	// Each node is built on its own (b is only read): on every core, in
	// the order of their ids, which is the order of the earlier write's
	// index and, for a parsed manifest, the nodes' order in memory.
	nodes := m.SortedNodes()
	ids := make([]string, len(nodes))
	for i, n := range nodes {
		ids[i] = n.UniqueID
	}
	out.order = newKeyOrder(m, ids)
	built := make([]Node, len(ids))
	disabled := make([]bool, len(ids))
	// gaps[i] says which of the compiler's maps lack a list for node i
	// (graphMaps): looked up here, on every core, not one by one there.
	gaps := make([]uint8, len(ids))
	var slab []cachedNode
	if reuse != nil {
		slab = make([]cachedNode, len(ids))
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(len(ids)/streamChunk, 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var kw keyWriter
			var memo shareMemo
			for {
				c := int(next.Add(1)) - 1
				if c*streamChunk >= len(ids) {
					return
				}
				at := -1 // where the chunk's last node was found in the index
				for i := c * streamChunk; i < min(len(ids), (c+1)*streamChunk); i++ {
					n := nodes[i]
					disabled[i] = isDisabled(n)
					if !disabled[i] {
						gaps[i] = b.mapGaps(n.UniqueID)
					}
					if reuse != nil && !disabled[i] {
						built[i] = reuse.node(b, &kw, n, &at, &slab[i])
					} else {
						built[i] = b.nodeShared(n, &memo)
					}
				}
			}
		}()
	}
	wg.Wait()
	for i, id := range ids {
		if disabled[i] {
			out.Disabled[id] = []any{built[i]}
			continue
		}
		out.Nodes[id] = built[i]
	}
	var memo shareMemo
	for _, n := range m.DisabledNodes() {
		out.Disabled[n.UniqueID] = append(out.Disabled[n.UniqueID], b.nodeShared(n, &memo))
	}
	for id, s := range m.Sources {
		out.Sources[id] = b.source(s)
	}
	// As dbt: a source table its config disables is listed under disabled.
	for _, s := range m.DisabledSources() {
		out.Disabled[s.UniqueID] = append(out.Disabled[s.UniqueID], b.source(s))
	}
	for id, mac := range m.Macros {
		out.Macros[id] = b.macro(mac)
	}
	if m.Project != nil {
		for _, d := range m.Project.Docs {
			doc := b.doc(d)
			out.Docs[doc.UniqueID] = doc
		}
	}
	out.ParentMap, out.ChildMap = b.graphMaps(out, ids, gaps)
	b.resources(out)
	b.unitTests(out)
	return out
}

// isDisabled reports whether n is written under disabled, not nodes.
func isDisabled(n *compiler.Node) bool {
	enabled, ok := n.Config["enabled"].(bool)
	return ok && !enabled
}

type builder struct {
	m         *compiler.Manifest
	meta      Metadata
	createdAt float64
	pkg       string
	root      string
	target    *project.Target
	cfg       *project.ProjectConfig
}

// testGroup is a test's group as dbt sets it when the test is attached
// to a node: that node's (ok is false otherwise).
func (b *builder) testGroup(n *compiler.Node) (group *string, ok bool) {
	if n.ResourceType != project.Test || n.AttachedNode == "" {
		return nil, false
	}
	a := b.m.Nodes[n.AttachedNode]
	if a == nil {
		return nil, false
	}
	return stringOrNull(a.Config["group"]), true
}

// nodeGroup is the node's group as manifest.json writes it in the node's
// "group" ("" for none).
func (b *builder) nodeGroup(n *compiler.Node) string {
	if g, ok := b.testGroup(n); ok {
		if g == nil {
			return ""
		}
		return *g
	}
	g, _ := n.Config["group"].(string)
	return g
}

func (b *builder) init() {
	if p := b.m.Project; p != nil {
		b.root = p.Root
		b.target = p.Target
		b.cfg = p.Config
		if p.Config != nil {
			b.pkg = p.Config.Name
		}
	}
}

func epochSeconds(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixMicro()) / 1e6
}

func (b *builder) metadata() ManifestMetadata {
	name := b.meta.ProjectName
	if name == "" {
		name = b.pkg
	}
	adapter := b.meta.AdapterType
	if adapter == "" && b.target != nil {
		adapter = b.target.Type
	}
	md := ManifestMetadata{
		DBTSchemaVersion:    ManifestSchemaURL,
		DBTVersion:          b.meta.dbtVersion(),
		GeneratedAt:         formatTime(b.meta.GeneratedAt),
		InvocationID:        strOrNull(b.meta.InvocationID),
		InvocationStartedAt: b.meta.startedAt(),
		Env:                 b.meta.env(),
		ProjectName:         strOrNull(name),
		AdapterType:         strOrNull(adapter),
	}
	if q := b.meta.Quoting; q != nil {
		flag := func(k string) *bool {
			if v, ok := q[k].(bool); ok {
				return &v
			}
			return nil
		}
		md.Quoting = &ManifestQuoting{Database: flag("database"), Schema: flag("schema"), Identifier: flag("identifier"), Column: flag("column")}
	}
	if name != "" {
		// dbt identifies a project by the md5 of its name.
		sum := md5.Sum([]byte(name))
		md.ProjectID = strOrNull(hex.EncodeToString(sum[:]))
	}
	return md
}

func (b *builder) targetPath() string {
	if b.cfg != nil && b.cfg.TargetPath != "" {
		return b.cfg.TargetPath
	}
	return "target"
}

func (b *builder) node(n *compiler.Node) Node { return b.nodeShared(n, nil) }

// nodeShared is node, sharing through memo (when not nil) what it makes
// of config maps that other nodes hold too.
func (b *builder) nodeShared(n *compiler.Node, memo *shareMemo) Node {
	cfg := memo.nodeConfig(n)
	unrendered := n.UnrenderedConfig
	if unrendered == nil {
		// A node made without a project load (a test's, say): nothing
		// recorded the config as written, so the final one stands in.
		unrendered = n.Config
	}
	base := NodeBase{
		Database:         strOrNull(n.Relation.Database),
		Schema:           n.Relation.Schema,
		Name:             n.Name,
		ResourceType:     string(n.ResourceType),
		PackageName:      n.Package,
		Path:             n.Path,
		OriginalFilePath: n.PackagePath(),
		UniqueID:         n.UniqueID,
		FQN:              orEmpty(n.FQN),
		Alias:            n.Relation.Identifier,
		Checksum:         fileHash(&n.Node),
		Config:           cfg,
		Tags:             orEmpty(stringList(cfg["tags"])),
		Description:      n.Description,
		Columns:          columns(n.Columns, foreignKeyTo(n)),
		Meta:             orEmptyMap(n.Meta),
		Group:            stringOrNull(cfg["group"]),
		Docs:             docsConfig(cfg["docs"]),
		UnrenderedConfig: memo.unrenderedConfig(unrendered),
		CreatedAt:        b.createdAt,
		RelationName:     strOrNull(n.RelationName),
		RawCode:          manifestRawCode(n),
		DocBlocks:        orEmpty(n.DocBlocks),
	}
	if g, ok := b.testGroup(n); ok {
		base.Group = g
	}
	if n.RunHook != nil {
		base.Tags = n.RunHook.Tags(base.Tags)
	}
	if n.Checksum == "" && n.ChecksumName == "" {
		// dbt's checksum of nodes without a file of their own (generic tests).
		base.Checksum = FileHash{Name: "none", Checksum: ""}
	}
	if len(n.Meta) == 0 {
		if m, ok := cfg["meta"].(map[string]any); ok {
			base.Meta = m
		}
	}
	// The compiler leaves the relation empty for ephemeral models and tests;
	// the schema still wants a schema and alias there, so fall back to the
	// target's and the configured alias or the node name.
	if base.Schema == "" && b.target != nil {
		base.Schema = b.target.Schema
	}
	if base.Database == nil && b.target != nil {
		base.Database = strOrNull(b.target.Database)
	}
	if base.Alias == "" {
		if a, ok := cfg["alias"].(string); ok && a != "" {
			base.Alias = a
		} else {
			base.Alias = n.Name
		}
	}
	if n.PatchPath != "" && n.TestMetadata == nil {
		// A generic test is declared in properties YAML, not patched by
		// it: dbt's patch_path is null.
		base.PatchPath = strOrNull(n.Package + "://" + b.pkgRel(n.Package, n.PatchPath))
	}

	if n.ResourceType == project.Seed {
		seed := &SeedNode{NodeBase: base, DependsOn: MacroDependsOn{Macros: orEmpty(n.DependsOn.Macros)}}
		seed.RootPath = strOrNull(b.root)
		if n.PackageDir != "" {
			seed.RootPath = strOrNull(filepath.Join(b.root, filepath.FromSlash(n.PackageDir)))
		}
		return seed
	}

	cn := &CompiledNode{
		NodeBase:          base,
		Language:          n.Language,
		Refs:              refs(n.Refs),
		Sources:           sourceRefs(n.SourceRefs),
		Metrics:           metricRefs(n.MetricRefs),
		DependsOn:         DependsOn{Macros: orEmpty(n.DependsOn.Macros), Nodes: orEmpty(n.DependsOn.Nodes)},
		Compiled:          n.Compiled,
		ExtraCTEsInjected: n.Compiled,
		ExtraCTEs:         []InjectedCTE{},
		Contract:          contract(cfg["contract"]),
	}
	if n.ResourceType == project.Model {
		mat, _ := cfg["materialized"].(string)
		cn.Contract.Checksum = contractChecksum(cn.Contract.Enforced, mat, n.Columns, n.Constraints)
	}
	if cn.Language == "" {
		cn.Language = "sql"
	}
	if n.Compiled {
		code := n.CompiledCode
		cn.CompiledCode = &code
		p := path.Join(b.targetPath(), "compiled", n.Package, n.PackagePath())
		if n.RunHook != nil {
			// As dbt's os.path.join: target/compiled/<package>/./dbt_project.yml/hooks/<name>.sql.
			p = path.Join(b.targetPath(), "compiled") + "/" + compiler.CompiledPath(n)
		}
		pathOf := &p
		if n.RunHook != nil && code == "" || n.ResourceType == project.Snapshot {
			// dbt's _write_node sets compiled_path only for code, and
			// never for a snapshot.
			pathOf = nil
		}
		if n.TestMetadata != nil {
			// Generic tests live in a YAML file; dbt writes each under a
			// folder named after that file.
			file := n.ShortName
			if file == "" {
				file = n.Name
			}
			p = path.Join(p, file+".sql")
		}
		cn.CompiledPath = pathOf
	}
	for _, cte := range n.ExtraCTEs {
		cn.ExtraCTEs = append(cn.ExtraCTEs, InjectedCTE{ID: cte.ID, SQL: cte.SQL})
	}
	switch {
	case n.ResourceType == project.Model:
		access := "protected"
		if a, ok := cfg["access"].(string); ok && a != "" {
			access = a
		}
		cn.ModelFields = &ModelFields{Access: access, Constraints: constraintsJSON(n.Constraints, true, foreignKeyTo(n)),
			Version: n.Version, LatestVersion: n.LatestVersion, PrimaryKey: orEmpty(n.PrimaryKey)}
		if n.DeprecationDate != "" {
			d := n.DeprecationDate
			cn.ModelFields.DeprecationDate = &d
		}
		if ts := n.TimeSpine; ts != nil {
			out := &TimeSpine{StandardGranularityColumn: ts.StandardGranularityColumn, CustomGranularities: []CustomGranularity{}}
			for _, cg := range ts.CustomGranularities {
				out.CustomGranularities = append(out.CustomGranularities, CustomGranularity{Name: cg.Name, ColumnName: strOrNull(cg.ColumnName)})
			}
			cn.ModelFields.TimeSpine = out
		}
	case n.ResourceType == project.Test && n.TestMetadata != nil:
		cn.GenericTestFields = b.genericTest(n)
	case n.RunHook != nil:
		cn.HookFields = &HookFields{Index: n.RunHook.Index}
		if n.RunIndex > 0 {
			cn.HookFields.Index = n.RunIndex
		}
	}
	return cn
}

// manifestRawCode is n's raw_code as dbt writes it: for a node a whole
// file defines (a model, an analysis, a singular test) the file's
// contents stripped of the whitespace around them, as dbt reads files,
// so that state:modified against a manifest dbt wrote compares equal
// code as equal.
func manifestRawCode(n *compiler.Node) string {
	switch {
	case n.ResourceType == project.Model, n.ResourceType == project.Analysis,
		n.ResourceType == project.Test && n.TestMetadata == nil:
		return strings.TrimSpace(n.RawCode)
	}
	return n.RawCode
}

func (b *builder) genericTest(n *compiler.Node) *GenericTestFields {
	tm := n.TestMetadata
	g := &GenericTestFields{
		ColumnName:   strOrNull(n.ColumnName),
		AttachedNode: strOrNull(n.AttachedNode),
		TestMetadata: TestMetadata{
			Name:      tm.Name,
			Kwargs:    jsonMap(tm.Kwargs),
			Namespace: strOrNull(tm.Namespace),
		},
	}
	// file_key_name is the properties-YAML key the test was declared under:
	// "models.orders", "seeds.countries", "sources.raw".
	if k := b.m.FileKeyName(n); k != "" {
		g.FileKeyName = strOrNull(k)
	}
	return g
}

func (b *builder) source(s *project.SourceTable) *Source {
	rel := compiler.Relation{Database: s.Database, Schema: s.Schema, Identifier: s.Identifier}
	if rel.Identifier == "" {
		rel.Identifier = s.Name
	}
	cfg := compiler.SourceConfig(s)
	for k, v := range cfg {
		cfg[k] = jsonValue(v)
	}
	fqn := s.FQN
	if len(fqn) == 0 {
		fqn = []string{s.Package, s.SourceName, s.Name}
	}
	return &Source{
		Database:          strOrNull(s.Database),
		Schema:            s.Schema,
		Name:              s.Name,
		ResourceType:      string(project.Source),
		PackageName:       s.Package,
		Path:              b.pkgRel(s.Package, s.OriginalFilePath),
		OriginalFilePath:  b.pkgRel(s.Package, s.OriginalFilePath),
		UniqueID:          s.UniqueID,
		FQN:               fqn,
		SourceName:        s.SourceName,
		SourceDescription: s.SourceDescription,
		Loader:            s.Loader,
		Identifier:        rel.Identifier,
		LoadedAtField:     strOrNull(s.LoadedAtField),
		LoadedAtQuery:     strOrNull(s.LoadedAtQuery),
		Freshness:         freshness(compiler.SourceFreshnessOf(s)),
		External:          externalJSON(s.External),
		Description:       s.Description,
		Columns:           columns(s.Columns, nil),
		Meta:              orEmptyMap(s.Meta),
		SourceMeta:        orEmptyMap(s.SourceMeta),
		Tags:              orEmpty(s.Tags),
		Config:            cfg,
		UnrenderedConfig:  unrenderedConfig(s.UnrenderedConfig()),
		RelationName:      strOrNull(b.sourceRelation(s.UniqueID, rel)),
		Quoting:           sourceQuoting(s.Quoting),
		CreatedAt:         b.createdAt,

		UnrenderedDatabase: s.UnrenderedDatabase,
		UnrenderedSchema:   s.UnrenderedSchema,
		DocBlocks:          orEmpty(s.DocBlocks),
	}
}

// sourceRelation prefers the name the compiler rendered for the source.
func (b *builder) sourceRelation(id string, r compiler.Relation) string {
	if name, ok := b.m.SourceRelations[id]; ok && name != "" {
		return name
	}
	if b.meta.Dialect != nil {
		return b.meta.Dialect.RenderRelation(r)
	}
	var parts []string
	for _, p := range []string{r.Database, r.Schema, r.Identifier} {
		if p != "" {
			parts = append(parts, `"`+strings.ReplaceAll(p, `"`, `""`)+`"`)
		}
	}
	return strings.Join(parts, ".")
}

func (b *builder) macro(m *compiler.Macro) *Macro {
	out := b.macroBase(m)
	// A macros: entry of properties YAML documents the macro.
	if p := b.m.Project; p != nil {
		if mp := p.MacroProperties[m.Package+"."+m.Name]; mp != nil {
			out.Description = mp.Description
			if mp.Meta != nil {
				out.Meta = mp.Meta
			}
			if mp.Docs != nil {
				out.Docs = docsConfig(mp.Docs)
			}
			for _, a := range mp.Arguments {
				// dbt's MacroArgument: name, type (null when not given), description ("").
				arg := map[string]any{"name": a["name"], "type": a["type"], "description": ""}
				if d, ok := a["description"]; ok && d != nil {
					arg["description"] = d
				}
				out.Arguments = append(out.Arguments, arg)
			}
			out.PatchPath = strOrNull(mp.Package + "://" + b.pkgRel(mp.Package, mp.File))
		}
		// With flags.validate_macro_args, dbt reads a macro's arguments
		// from its signature where its properties give none.
		if on, _ := p.Config.FlagBool("validate_macro_args"); on && p.Config != nil && len(out.Arguments) == 0 {
			for _, a := range m.Arguments {
				out.Arguments = append(out.Arguments, map[string]any{"name": a, "type": nil, "description": ""})
			}
		}
	}
	return out
}

func (b *builder) macroBase(m *compiler.Macro) *Macro {
	return &Macro{
		UniqueID:         m.UniqueID,
		Name:             m.Name,
		ResourceType:     string(project.Macro),
		PackageName:      m.Package,
		Path:             b.pkgRel(m.Package, m.OriginalFilePath),
		OriginalFilePath: b.pkgRel(m.Package, m.OriginalFilePath),
		MacroSQL:         m.MacroSQL,
		DependsOn:        MacroDependsOn{Macros: orEmpty(b.m.MacroDependsOn(m.UniqueID))},
		Meta:             map[string]any{},
		Docs:             DocsConfig{Show: true},
		Arguments:        []any{},
		CreatedAt:        b.createdAt,
	}
}

func (b *builder) doc(d *project.DocBlock) *Doc {
	docPkg := b.pkg
	if d.Package != "" {
		docPkg = d.Package
	}
	return &Doc{
		UniqueID:         "doc." + docPkg + "." + d.Name,
		Name:             d.Name,
		ResourceType:     string(project.Doc),
		PackageName:      docPkg,
		Path:             b.docPath(d.File),
		OriginalFilePath: b.pkgRel(docPkg, d.File),
		BlockContents:    strings.TrimSpace(d.Contents),
	}
}

// docPath is a doc file's path relative to the resource folder holding it,
// as dbt writes it ("overview.md" for "models/overview.md").
func (b *builder) docPath(file string) string {
	if b.cfg != nil {
		var roots []string
		for _, l := range [][]string{b.cfg.DocsPaths, b.cfg.ModelPaths, b.cfg.SeedPaths, b.cfg.TestPaths,
			b.cfg.MacroPaths, b.cfg.SnapshotPaths, b.cfg.AnalysisPaths} {
			roots = append(roots, l...)
		}
		for _, r := range roots {
			r = strings.TrimSuffix(r, "/")
			if r != "" && strings.HasPrefix(file, r+"/") {
				return strings.TrimPrefix(file, r+"/")
			}
		}
	}
	return path.Base(file)
}

// Bits of mapGaps.
const (
	noParents  = 1 << iota // the compiler's parent map has no list for the node
	noChildren             // nor its child map
)

// mapGaps says which of the compiler's maps have no list for id; both
// when the compiler supplied neither map (graphMaps derives them).
func (b *builder) mapGaps(id string) uint8 {
	var g uint8
	if b.m.ParentMap[id] == nil {
		g |= noParents
	}
	if b.m.ChildMap[id] == nil {
		g |= noChildren
	}
	return g
}

// graphMaps returns the compiler's parent and child maps with a key for
// every node and source (dbt lists leaves with []), lists sorted. Only when
// the compiler supplied neither map are they derived from depends_on.
// ids are the nodes' ids and gaps their mapGaps (disabled nodes: 0).
func (b *builder) graphMaps(out *Manifest, ids []string, gaps []uint8) (parents, children map[string][]string) {
	if b.m.ParentMap == nil && b.m.ChildMap == nil {
		parents, children = map[string][]string{}, map[string][]string{}
		for id, n := range b.m.Nodes {
			for _, dep := range n.DependsOn.Nodes {
				parents[id] = append(parents[id], dep)
				children[dep] = append(children[dep], id)
			}
		}
		for _, mp := range []map[string][]string{parents, children} {
			for id, l := range mp {
				mp[id] = sortedSet(l)
			}
		}
	} else {
		// The compiler's lists are sorted and without duplicates: its maps
		// are cloned whole (their tables copied, not rebuilt key by key)
		// and the lists shared. Whatever adds to a list here (resources,
		// unit tests) appends to a clipped copy, never into the
		// compiler's arrays.
		parents, children = maps.Clone(b.m.ParentMap), maps.Clone(b.m.ChildMap)
		for _, mp := range []map[string][]string{parents, children} {
			for id, l := range mp {
				if !strictlySorted(l) {
					mp[id] = dedupSorted(l)
				}
			}
		}
		if parents == nil {
			parents = map[string][]string{}
		}
		if children == nil {
			children = map[string][]string{}
		}
	}
	// Every node and source has both lists, if only empty ones. A list
	// the compiler's map has is in the clone; the derived maps (gaps are
	// then all set) are looked up.
	ensure := func(id string, gap uint8) {
		if gap&noParents != 0 && parents[id] == nil {
			parents[id] = []string{}
		}
		if gap&noChildren != 0 && children[id] == nil {
			children[id] = []string{}
		}
	}
	for i, id := range ids {
		if g := gaps[i]; g != 0 {
			ensure(id, g)
		}
	}
	for id := range out.Sources {
		ensure(id, noParents|noChildren)
	}
	return parents, children
}

// strictlySorted reports whether l is sorted without duplicates.
func strictlySorted(l []string) bool {
	for i := 1; i < len(l); i++ {
		if l[i-1] >= l[i] {
			return false
		}
	}
	return true
}

// sortedSet is l sorted without duplicates: l itself, its capacity
// clipped, when it is so already, else a sorted copy.
func sortedSet(l []string) []string {
	if !strictlySorted(l) {
		return dedupSorted(l)
	}
	return orEmpty(l[:len(l):len(l)])
}

func dedupSorted(l []string) []string {
	l = sortedCopy(l)
	out := l[:0]
	for i, s := range l {
		if i == 0 || s != l[i-1] {
			out = append(out, s)
		}
	}
	return orEmpty(out)
}

func sortedCopy(l []string) []string {
	c := append([]string(nil), l...)
	sort.Strings(c)
	return c
}

func refs(rs []compiler.Ref) []RefArgs {
	out := make([]RefArgs, 0, len(rs))
	for _, r := range rs {
		out = append(out, RefArgs{Name: r.Name, Package: strOrNull(r.Package), Version: r.VersionJSON()})
	}
	return out
}

func sourceRefs(ss [][2]string) [][]string {
	out := make([][]string, 0, len(ss))
	for _, s := range ss {
		out = append(out, []string{s[0], s[1]})
	}
	return out
}

// foreignKeyTo is what a node's foreign keys' to: read as in the manifest:
// the relations once compiled (dbt's compile_node rewrites them), as
// written before.
func foreignKeyTo(n *compiler.Node) map[string]string {
	if !n.Compiled {
		return nil
	}
	return n.ForeignKeyTo
}

func columns(cols []*project.Column, fkTo map[string]string) Columns {
	out := make(Columns, len(cols))
	for i, c := range cols {
		out[c.Name] = &ColumnInfo{
			Pos:         i,
			Name:        c.Name,
			Description: c.Description,
			Meta:        orEmptyMap(c.Meta),
			DataType:    strOrNull(c.DataType),
			Constraints: constraintsJSON(c.Constraints, false, fkTo),
			Quote:       c.Quote,
			Config:      ColumnConfig{Meta: orEmptyMap(c.ConfigMeta), Tags: orEmpty(c.ConfigTags)},
			Tags:        orEmpty(c.Tags),
			Granularity: strOrNull(c.Granularity),
			DocBlocks:   orEmpty(c.DocBlocks),
		}
	}
	return out
}

func freshness(f any) *FreshnessThreshold {
	g, _ := f.(map[string]any)
	if g == nil {
		return nil
	}
	t := &FreshnessThreshold{}
	// warn_after: null (or error_after: null) cleared the threshold: dbt writes null.
	if g["warn_after"] != nil {
		t.WarnAfter = freshnessTime(g["warn_after"])
	}
	if g["error_after"] != nil {
		t.ErrorAfter = freshnessTime(g["error_after"])
	}
	if s, ok := g["filter"].(string); ok {
		t.Filter = strOrNull(s)
	}
	return t
}

func freshnessTime(v any) *FreshnessTime {
	m, ok := v.(map[string]any)
	ft := &FreshnessTime{}
	if !ok {
		return ft
	}
	if c, ok := toInt(m["count"]); ok {
		ft.Count = &c
	}
	if p, ok := m["period"].(string); ok && p != "" {
		ft.Period = &p
	}
	return ft
}

func toInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(n), true
	case uint64:
		return int(n), true
	case float64:
		return int(n), n == float64(int(n))
	}
	return 0, false
}

func orEmptyMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return jsonMap(m)
}

func stringOrNull(v any) *string {
	s, _ := v.(string)
	return strOrNull(s)
}

// stringList reads a config value that may be one string or a list.
func stringList(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []string:
		return append([]string(nil), t...)
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func docsConfig(v any) DocsConfig {
	d := DocsConfig{Show: true}
	if m, ok := v.(map[string]any); ok {
		if s, ok := m["show"].(bool); ok {
			d.Show = s
		}
		if c, ok := m["node_color"].(string); ok {
			d.NodeColor = strOrNull(c)
		}
	}
	return d
}

func contract(v any) Contract {
	c := Contract{AliasTypes: true}
	if m, ok := v.(map[string]any); ok {
		if e, ok := m["enforced"].(bool); ok {
			c.Enforced = e
		}
		if a, ok := m["alias_types"].(bool); ok {
			c.AliasTypes = a
		}
	}
	return c
}

// pkgRel is file (relative to the root project) relative to its own
// project's folder, as dbt writes paths of an installed package's
// resources ("macros/sql/star.sql" for dbt_packages/dbt_utils/macros/...).
func (b *builder) pkgRel(pkg, file string) string {
	if b.m.Project == nil {
		return file
	}
	for _, p := range b.m.Project.Packages {
		if p.Name == pkg {
			return strings.TrimPrefix(file, p.Dir+"/")
		}
	}
	return file
}

// manifestSelectors is manifest.json's selectors: the root project's
// selectors.yml, rendered, keyed by selector name.
func manifestSelectors(p *project.Project) map[string]any {
	if p == nil || p.Selectors == nil {
		return map[string]any{}
	}
	return graph.ManifestSelectors(p.Selectors.Root)
}

// fileHash is a node's checksum: sha256 of its file, or a big seed's path.
func fileHash(n *project.Node) FileHash {
	name, sum := n.FileChecksum()
	return FileHash{Name: name, Checksum: sum}
}

// externalJSON is a source table's external property for the manifest:
// null when unset.
func externalJSON(x map[string]any) map[string]any {
	if x == nil {
		return nil
	}
	return jsonMap(compiler.ExternalTable(x))
}

// metricRefs is a node's metrics: each metric() call, [name] or
// [package, name].
func metricRefs(calls [][]string) [][]string {
	out := make([][]string, 0, len(calls))
	return append(out, calls...)
}
