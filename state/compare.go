package state

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
)

// Comparison compares the current manifest with a previous one, node by
// node, as dbt-core 1.9/1.10's state selector method does
// (StateSelectorMethod and the same_* methods of its node classes).
type Comparison struct {
	prev, cur *Manifest
	// modifiedMacros are the macros added, changed (macro_sql) or removed.
	modifiedMacros map[string]bool
	reasons        map[string][]string
}

// Compare prepares a comparison of cur against prev.
func Compare(prev, cur *Manifest) *Comparison {
	c := &Comparison{prev: prev, cur: cur, modifiedMacros: map[string]bool{}, reasons: map[string][]string{}}
	for id, m := range cur.Macros {
		old, ok := prev.Macros[id]
		if !ok || old.MacroSQL != m.MacroSQL {
			c.modifiedMacros[id] = true
		}
	}
	for id := range prev.Macros {
		if _, ok := cur.Macros[id]; !ok {
			c.modifiedMacros[id] = true
		}
	}
	for id := range cur.Nodes {
		c.reasons[id] = c.modifiedReasons(id)
	}
	return c
}

// Selectors are the values state: accepts.
var Selectors = []string{
	"new", "old", "modified", "unmodified", "modified.body", "modified.configs",
	"modified.persisted_descriptions", "modified.relation", "modified.macros", "modified.contract",
}

// ValidSelector says whether state:<selector> is a known check.
func ValidSelector(selector string) bool {
	for _, s := range Selectors {
		if s == selector {
			return true
		}
	}
	return false
}

// Reasons says why the current node id counts as state:modified, nil when
// it does not: "new", "body", "configs: materialized", "relation: schema",
// "persisted_descriptions", "fqn", "contract", "macros: macro.shop.cents",
// "ref_representation: access", and for sources "quoting", "freshness",
// "external".
func (c *Comparison) Reasons(id string) []string { return c.reasons[id] }

// Check reports whether the current node id matches state:<selector>.
// selector must be ValidSelector.
func (c *Comparison) Check(selector, id string) bool {
	n, ok := c.cur.Nodes[id]
	if !ok {
		return false
	}
	old := c.prev.Nodes[id]
	parsed := isParsedNode(n)
	switch selector {
	case "new":
		return old == nil
	case "old":
		return old != nil
	case "modified":
		return len(c.reasons[id]) > 0
	case "unmodified":
		return len(c.reasons[id]) == 0
	case "modified.body":
		return parsed && (old == nil || !sameBody(n, old))
	case "modified.configs":
		return n.ResourceType != "unit_test" && (old == nil || len(configReasons(n, old)) > 0)
	case "modified.persisted_descriptions":
		return parsed && (old == nil || !samePersistedDescription(n, old))
	case "modified.relation":
		if n.ResourceType == "source" {
			return old == nil || len(sourceRelationChanges(n, old, c.cur.CompareMoreUnrendered)) > 0
		}
		return parsed && (old == nil || len(relationChanges(n, old)) > 0)
	case "modified.macros":
		return c.macroChange(n) != ""
	case "modified.contract":
		return parsed && (old == nil || n.ResourceType == "model" && old.ResourceType == "model" && !sameContract(n, old))
	}
	return false
}

// isParsedNode is dbt's ParsedNode: what has a body and a relation
// (models, seeds, snapshots, tests, analyses), not sources or unit tests.
func isParsedNode(n *Node) bool {
	switch n.ResourceType {
	case "source", "unit_test", "exposure", "metric", "semantic_model", "saved_query":
		return false
	}
	return true
}

func (c *Comparison) modifiedReasons(id string) []string {
	n := c.cur.Nodes[id]
	old := c.prev.Nodes[id]
	var out []string
	switch {
	case n.ResourceType == "source":
		// dbt: a source that did not exist before has the same contents.
		if old == nil {
			return nil
		}
		if ch := sourceRelationChanges(n, old, c.cur.CompareMoreUnrendered); len(ch) > 0 {
			out = append(out, "relation: "+strings.Join(ch, ", "))
		}
		if !equal(n.FQN, old.FQN) {
			out = append(out, "fqn")
		}
		if ch := configChanges(n, old); len(ch) > 0 {
			out = append(out, "configs: "+strings.Join(ch, ", "))
		}
		if !equal(n.Quoting, old.Quoting) {
			out = append(out, "quoting")
		}
		if !equal(n.Freshness, old.Freshness) || !equal(n.LoadedAtField, old.LoadedAtField) {
			out = append(out, "freshness")
		}
		if !equal(n.External, old.External) {
			out = append(out, "external")
		}
		return out
	case n.ResourceType == "exposure":
		// Exposure.same_contents: a new exposure is no change either.
		if old == nil {
			return nil
		}
		if !equal(n.FQN, old.FQN) {
			out = append(out, "fqn")
		}
		for _, f := range []struct {
			name     string
			now, was any
		}{{"type", n.Type, old.Type}, {"owner", n.Owner, old.Owner}, {"maturity", n.Maturity, old.Maturity},
			{"url", n.URL, old.URL}, {"description", n.Description, old.Description}, {"label", n.Label, old.Label}} {
			if !equal(f.now, f.was) {
				out = append(out, f.name)
			}
		}
		if !sameNodeSet(n.DependsOn, old.DependsOn) {
			out = append(out, "depends_on")
		}
		if ch := configChanges(n, old); len(ch) > 0 {
			out = append(out, "configs: "+strings.Join(ch, ", "))
		}
	case n.ResourceType == "metric", n.ResourceType == "semantic_model", n.ResourceType == "saved_query":
		// Their same_contents: one that did not exist before is no change.
		if old == nil {
			return nil
		}
		out = semanticChanges(n, old)
	case old == nil:
		return []string{"new"}
	case n.ResourceType == "unit_test":
		if !sameUnitTest(n, old) {
			out = append(out, "body")
		}
	case n.ResourceType == "test" && n.TestMetadata != nil:
		// GenericTestNode.same_contents: config and fqn only.
		if ch := configChanges(n, old); len(ch) > 0 {
			out = append(out, "configs: "+strings.Join(ch, ", "))
		}
		if !equal(n.FQN, old.FQN) {
			out = append(out, "fqn")
		}
	default:
		if !sameBody(n, old) {
			out = append(out, bodyReason(n, old))
		}
		if ch := configChanges(n, old); len(ch) > 0 {
			out = append(out, "configs: "+strings.Join(ch, ", "))
		}
		if !samePersistedDescription(n, old) {
			out = append(out, "persisted_descriptions")
		}
		if !equal(n.FQN, old.FQN) {
			out = append(out, "fqn")
		}
		if ch := relationChanges(n, old); len(ch) > 0 {
			out = append(out, "relation: "+strings.Join(ch, ", "))
		}
		if n.ResourceType == "model" && old.ResourceType == "model" {
			if !sameContract(n, old) {
				out = append(out, "contract")
			}
			if ch := refRepresentationChanges(n, old); len(ch) > 0 {
				out = append(out, "ref_representation: "+strings.Join(ch, ", "))
			}
		}
	}
	if m := c.macroChange(n); m != "" {
		out = append(out, "macros: "+m)
	}
	return out
}

// sameNodeSet compares depends_on.nodes as sets.
func sameNodeSet(a, b *DependsOn) bool {
	set := func(d *DependsOn) map[string]bool {
		out := map[string]bool{}
		if d != nil {
			for _, id := range d.Nodes {
				out[id] = true
			}
		}
		return out
	}
	return reflect.DeepEqual(set(a), set(b))
}

// macroChange names the first modified macro among the node's macros and,
// transitively, the macros they call (dbt's check_macros_modified); "" if none.
func (c *Comparison) macroChange(n *Node) string {
	if len(c.modifiedMacros) == 0 || n.DependsOn == nil || n.ResourceType == "source" {
		return ""
	}
	visited := map[string]bool{}
	var walk func(ids []string) string
	walk = func(ids []string) string {
		for _, id := range ids {
			if visited[id] {
				continue
			}
			visited[id] = true
			if c.modifiedMacros[id] {
				return id
			}
			if m, ok := c.cur.Macros[id]; ok && m.DependsOn != nil {
				if found := walk(m.DependsOn.Macros); found != "" {
					return found
				}
			}
		}
		return ""
	}
	return walk(n.DependsOn.Macros)
}

// bodyReason says how a node's body changed: "body", or for a seed over
// 1 MiB, whose checksum is its path, why its contents were not compared.
func bodyReason(n, old *Node) string {
	if n.ResourceType != "seed" || n.Checksum == nil || n.Checksum.Name != checksumPath {
		return "body"
	}
	if old.Checksum == nil || old.Checksum.Name != checksumPath {
		return "body: the seed grew over 1 MiB; its contents are no longer compared, only its path"
	}
	return "body: the path of a seed over 1 MiB changed (its contents are not compared)"
}

// checksumPath is the checksum name dbt gives a seed over 1 MiB: its
// checksum is its path, not a hash of its contents.
const checksumPath = "path"

// SeedWarning is one of dbt's warnings about a seed over 1 MiB, whose
// checksum is its path (SeedNode.same_seeds): Event is dbt's event name.
type SeedWarning struct{ Event, Message string }

// SeedWarnings are dbt's warnings about the seeds over 1 MiB found in
// both manifests, whose contents state:modified cannot compare: one that
// grew over 1 MiB (SeedIncreased, modified), one at the same path
// (SeedExceedsLimitSamePath, assumed unchanged), one whose path changed
// (SeedExceedsLimitAndPathChanged, modified). In the order of the seeds'
// ids.
func (c *Comparison) SeedWarnings() []SeedWarning {
	var out []SeedWarning
	for _, id := range slices.Sorted(maps.Keys(c.cur.Nodes)) {
		n, old := c.cur.Nodes[id], c.prev.Nodes[id]
		if n.ResourceType != "seed" || old == nil || n.Checksum == nil || n.Checksum.Name != checksumPath {
			continue
		}
		seed := n.PackageName + "." + n.Name
		switch {
		case old.Checksum == nil || old.Checksum.Name != checksumPath:
			out = append(out, SeedWarning{"SeedIncreased", fmt.Sprintf("Found a seed (%s) >1MB in size. The previous file was <=1MB, so it has changed", seed)})
		case n.Checksum.Checksum == old.Checksum.Checksum:
			out = append(out, SeedWarning{"SeedExceedsLimitSamePath", fmt.Sprintf("Found a seed (%s) >1MB in size at the same path, elt cannot tell if it has changed: assuming they are the same", seed)})
		default:
			out = append(out, SeedWarning{"SeedExceedsLimitAndPathChanged", fmt.Sprintf("Found a seed (%s) >1MB in size. The previous file was in a different location, assuming it has changed", seed)})
		}
	}
	return out
}

// sameBody is same_body: raw code for nodes, the file checksum for seeds
// (dbt's same_seeds).
func sameBody(n, old *Node) bool {
	if n.ResourceType == "seed" {
		return equal(n.Checksum, old.Checksum)
	}
	// dbt stores a file's contents stripped; a manifest an earlier elt
	// wrote may not have.
	return strings.TrimSpace(n.RawCode) == strings.TrimSpace(old.RawCode)
}

func sameUnitTest(n, old *Node) bool {
	if n.Checksum != nil && old.Checksum != nil && n.Checksum.Checksum != "" && old.Checksum.Checksum != "" {
		return n.Checksum.Checksum == old.Checksum.Checksum
	}
	return n.Model == old.Model && equal(n.Given, old.Given) && equal(n.Expect, old.Expect) && equal(n.Overrides, old.Overrides)
}

// semanticChanges is same_contents of metrics (type, description, label,
// config: dbt leaves filter, metadata and type_params out), semantic
// models and saved queries, as reasons.
func semanticChanges(n, old *Node) []string {
	type field struct {
		name     string
		now, was any
	}
	var fields []field
	switch n.ResourceType {
	case "metric":
		fields = []field{{"type", n.Type, old.Type}, {"description", n.Description, old.Description}, {"label", n.Label, old.Label}}
	case "semantic_model":
		fields = []field{{"model", n.Model, old.Model}, {"description", n.Description, old.Description},
			{"defaults", n.Defaults, old.Defaults}, {"entities", n.Entities, old.Entities},
			{"dimensions", n.Dimensions, old.Dimensions}, {"measures", n.Measures, old.Measures}}
	case "saved_query":
		var q, oq QueryParams
		if n.QueryParams != nil {
			q = *n.QueryParams
		}
		if old.QueryParams != nil {
			oq = *old.QueryParams
		}
		fields = []field{{"metrics", q.Metrics, oq.Metrics}, {"group_by", q.GroupBy, oq.GroupBy},
			{"description", n.Description, old.Description}, {"where", q.Where, oq.Where}, {"label", n.Label, old.Label}}
	}
	var out []string
	for _, f := range fields {
		if !equal(f.now, f.was) {
			out = append(out, f.name)
		}
	}
	if ch := configReasons(n, old); len(ch) > 0 {
		out = append(out, "configs: "+strings.Join(ch, ", "))
	}
	switch n.ResourceType {
	case "semantic_model":
		if !equal(n.PrimaryEntity, old.PrimaryEntity) {
			out = append(out, "primary_entity")
		}
		if !equal(n.Group, old.Group) {
			out = append(out, "group")
		}
	case "saved_query":
		if !equal(n.Group, old.Group) {
			out = append(out, "group")
		}
		if !sameExports(n.Exports, old.Exports) {
			out = append(out, "exports")
		}
		if !equal(n.Tags, old.Tags) {
			out = append(out, "tags")
		}
	}
	return out
}

// sameExports is a saved query's same_exports: the same exports in the
// same order, by name and their unrendered export_as, schema and alias.
func sameExports(a, b []Export) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name {
			return false
		}
		for _, k := range []string{"export_as", "schema", "alias"} {
			if !equal(a[i].UnrenderedConfig[k], b[i].UnrenderedConfig[k]) {
				return false
			}
		}
	}
	return true
}

// configReasons are the config keys that make same_config false: semantic
// models and saved queries compare their config as rendered (dbt's
// config ==), everything else its unrendered config (configChanges).
func configReasons(n, old *Node) []string {
	switch n.ResourceType {
	case "semantic_model", "saved_query":
		return mapChanges(n.Config, old.Config)
	case "metric":
		if n.UnrenderedConfig == nil && old.UnrenderedConfig == nil {
			// A manifest without unrendered_config for metrics: the
			// config, less what MetricConfig does not compare.
			ch := mapChanges(n.Config, old.Config)
			out := ch[:0]
			for _, k := range ch {
				if k != "group" {
					out = append(out, k)
				}
			}
			return out
		}
	}
	return configChanges(n, old)
}

// mapChanges lists the keys whose values differ between a and b, sorted.
func mapChanges(a, b map[string]any) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range []map[string]any{a, b} {
		for k := range m {
			if seen[k] {
				continue
			}
			seen[k] = true
			va, inA := a[k]
			vb, inB := b[k]
			if inA != inB || !equal(va, vb) {
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}

// nodeConfigNotCompared are the config keys dbt's NodeConfig leaves out of
// the comparison: they are part of the relation, or metadata.
var nodeConfigNotCompared = map[string]bool{"alias": true, "schema": true, "database": true, "tags": true, "group": true}

// testConfigCompared are the only keys TestConfig.same_contents compares.
var testConfigCompared = []string{"severity", "where", "limit", "fail_calc", "warn_if", "error_if", "store_failures", "store_failures_as"}

// configChanges lists the keys of unrendered_config that differ, as
// same_config compares them: the config as written in the project, not the
// values rendered for this environment, so that a schema or a target-
// dependent value does not make every node look modified.
func configChanges(n, old *Node) []string {
	a, b := n.UnrenderedConfig, old.UnrenderedConfig
	var keys []string
	if n.ResourceType == "test" {
		keys = testConfigCompared
	} else {
		seen := map[string]bool{}
		for _, m := range []map[string]any{a, b} {
			for k := range m {
				if !seen[k] && !(n.ResourceType != "source" && nodeConfigNotCompared[k]) {
					seen[k] = true
					keys = append(keys, k)
				}
			}
		}
		sort.Strings(keys)
	}
	var out []string
	for _, k := range keys {
		va, inA := a[k]
		vb, inB := b[k]
		if inA != inB || !equal(va, vb) {
			out = append(out, k)
		}
	}
	return out
}

// relationChanges is same_database_representation of nodes: the database,
// schema and alias as configured (unrendered), not as generated.
func relationChanges(n, old *Node) []string {
	var out []string
	for _, k := range []string{"database", "schema", "alias"} {
		if !equal(n.UnrenderedConfig[k], old.UnrenderedConfig[k]) {
			out = append(out, k)
		}
	}
	return out
}

// sourceRelationChanges is same_database_representation of sources: the
// database and schema as written (dbt 1.9 with
// state_modified_compare_more_unrendered_values, moreUnrendered) when
// both manifests record them, else as rendered; and the identifier.
func sourceRelationChanges(n, old *Node, moreUnrendered bool) []string {
	var out []string
	if moreUnrendered && n.UnrenderedDatabase != nil && old.UnrenderedDatabase != nil {
		if !sameJSON(n.UnrenderedDatabase, old.UnrenderedDatabase) {
			out = append(out, "database")
		}
	} else if !equal(n.Database, old.Database) {
		out = append(out, "database")
	}
	if moreUnrendered && n.UnrenderedSchema != nil && old.UnrenderedSchema != nil {
		if !sameJSON(n.UnrenderedSchema, old.UnrenderedSchema) {
			out = append(out, "schema")
		}
	} else if n.Schema != old.Schema {
		out = append(out, "schema")
	}
	if n.Identifier != old.Identifier {
		out = append(out, "identifier")
	}
	return out
}

func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	_ = json.Unmarshal(a, &x)
	_ = json.Unmarshal(b, &y)
	return equal(x, y)
}

// refRepresentationChanges is a model's same_ref_representation.
func refRepresentationChanges(n, old *Node) []string {
	var out []string
	if !equal(n.LatestVersion, old.LatestVersion) {
		out = append(out, "latest_version")
	}
	if !equal(n.Access, old.Access) {
		out = append(out, "access")
	}
	if !equal(n.DeprecationDate, old.DeprecationDate) {
		out = append(out, "deprecation_date")
	}
	return out
}

// samePersistedDescription compares descriptions only where the current
// node persists them (persist_docs relation / columns).
func samePersistedDescription(n, old *Node) bool {
	pd, _ := n.Config["persist_docs"].(map[string]any)
	if truthy(pd["relation"]) && n.Description != old.Description {
		return false
	}
	if truthy(pd["columns"]) {
		descs := func(cols map[string]*Column) map[string]string {
			out := map[string]string{}
			for k, c := range cols {
				out[k] = c.Description
			}
			return out
		}
		if !reflect.DeepEqual(descs(n.Columns), descs(old.Columns)) {
			return false
		}
	}
	return true
}

// sameContract is a model's same_contract: unchanged when neither version
// enforces a contract, changed when enforcement starts or stops, else the
// contract checksums (or, where a manifest carries none, the columns, their
// data types and constraints they are computed from) decide.
func sameContract(n, old *Node) bool {
	enforced := func(x *Node) bool { return x.Contract != nil && x.Contract.Enforced }
	if !enforced(n) && !enforced(old) {
		return true
	}
	if !enforced(n) || !enforced(old) {
		return false
	}
	if n.Contract.Checksum != nil && old.Contract.Checksum != nil {
		return *n.Contract.Checksum == *old.Contract.Checksum
	}
	return contractState(n) == contractState(old)
}

// contractState is what dbt's build_contract_checksum hashes: each column
// (sorted by name) with its data type and constraints, and, for
// materializations that enforce constraints, the materialization and the
// model-level constraints.
func contractState(n *Node) string {
	names := make([]string, 0, len(n.Columns))
	for k := range n.Columns {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool { return n.Columns[names[i]].Name < n.Columns[names[j]].Name })
	var b strings.Builder
	for _, k := range names {
		col := n.Columns[k]
		typ := "None"
		if col.DataType != nil {
			typ = *col.DataType
		}
		fmt.Fprintf(&b, "|%s%s%s", col.Name, typ, jsonText(col.Constraints))
	}
	if mat, _ := n.Config["materialized"].(string); mat == "table" || mat == "incremental" {
		b.WriteString(mat)
		b.WriteString(jsonText(n.Constraints))
	}
	return b.String()
}

func jsonText(v any) string {
	if v == nil {
		return "[]"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func truthy(v any) bool {
	switch t := v.(type) {
	case nil:
		return false
	case bool:
		return t
	case string:
		return t != ""
	case float64:
		return t != 0
	case []any:
		return len(t) > 0
	case map[string]any:
		return len(t) > 0
	}
	return true
}

// equal compares JSON-decoded values as Python's == does.
func equal(a, b any) bool { return reflect.DeepEqual(normalize(a), normalize(b)) }

// normalize turns typed nils and pointers into plain values, so that a
// missing key, a null and a nil pointer compare equal, as dict.get does.
func normalize(v any) any {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() {
		return nil
	}
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return nil
		}
		return normalize(rv.Elem().Interface())
	case reflect.Slice, reflect.Map:
		if rv.IsNil() {
			return nil
		}
	}
	return v
}
