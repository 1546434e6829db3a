package project

import (
	"path"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/lazyre"
)

// snapshotRelationRe is what dbt accepts as a YAML snapshot's relation:
// one ref() or source() call, optionally written inside {{ }}.
var snapshotRelationRe = lazyre.New(`^\s*(?:\{\{\s*)?((?:ref|source)\s*\(.*\))\s*(?:\}\})?\s*$`)

// yamlSnapshotRelation returns the relation: node of a snapshots: entry,
// which makes it a snapshot defined in YAML (dbt 1.9) rather than
// properties of a {% snapshot %} block.
func yamlSnapshotRelation(e *yaml.Node) (*yaml.Node, bool) {
	if !isMapping(e) {
		return nil, false
	}
	for _, p := range pairs(e) {
		if p.Key == "relation" {
			return p.Val, true
		}
	}
	return nil, false
}

// defineYAMLSnapshots creates a snapshot node for every snapshots: entry
// of f that has a relation:
//
//	snapshots:
//	  - name: orders_snapshot
//	    relation: source('raw', 'orders')   # or ref('orders')
//	    config: {strategy: timestamp, unique_key: id, updated_at: updated_at, schema: snapshots}
//
// The node's SQL is `select * from {{ <relation> }}`, its file the YAML; its
// config is the dbt_project.yml snapshots: tree (by [package, folders...,
// name]) overridden by the entry's config:, as dbt does.
func (l *loader) defineYAMLSnapshots(f *diskFile, root *yaml.Node) {
	if root == nil {
		return
	}
	for _, p := range pairs(root) {
		if p.Key != "snapshots" || !isSequence(p.Val) {
			continue
		}
		for _, e := range deref(p.Val).Content {
			relNode, ok := yamlSnapshotRelation(e)
			if !ok {
				continue
			}
			name, ok := l.entryName(f.rel, "snapshots", e)
			if !ok || !l.checkResourceName(f.rel, posOf(e), "snapshot", name) {
				continue
			}
			rel, _ := stringOf(relNode)
			m := snapshotRelationRe().FindStringSubmatch(rel)
			if m == nil {
				l.diags.Add(diag.Errorf(f.rel, posOf(relNode), "write relation: ref('model_name') or relation: source('source_name', 'table_name')",
					"snapshot %q: relation must be a ref() or source() call, not %q", name, rel))
				continue
			}
			within := l.snapshotYAMLPath(f)
			fqn := []string{l.cur.name}
			if dir := path.Dir(within); dir != "." {
				fqn = append(fqn, strings.Split(dir, "/")...)
			}
			fqn = append(fqn, name)
			// dbt's path is <the YAML file>/<name>.sql, so each snapshot
			// of a file, and the file's data tests, compile to a file of
			// their own under a folder named after the YAML file.
			n := &Node{ResourceType: Snapshot, Name: name, Path: path.Join(within, name+".sql"), FQN: fqn,
				RawCode: "select * from {{ " + strings.TrimSpace(m[1]) + " }}"}
			l.addNode(n, f, posOf(e))
			if l.proj.Nodes[n.UniqueID] != n {
				continue // a duplicate, reported by addNode
			}
			l.patched[n.UniqueID] = patchSite{f.rel, posOf(e)}
			l.patchNode(f.rel, n, l.renderEntry(f.rel, "snapshots", e))
		}
	}
}

// snapshotYAMLPath is the YAML file's path within the resource path it was
// found under: snapshot paths first, then model paths.
func (l *loader) snapshotYAMLPath(f *diskFile) string {
	for _, k := range []fileKind{kindSnapshot, kindModel} {
		if f.has(k) {
			return f.within(k)
		}
	}
	for k := kindModel; k <= kindDocs; k <<= 1 {
		if f.has(k) {
			return f.within(k)
		}
	}
	return f.rel
}
