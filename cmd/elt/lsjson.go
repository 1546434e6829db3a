package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/elt-dev/elt/docs"
	"github.com/elt-dev/elt/jinja"
)

// lsKeys are the keys of a resource dbt ls --output json prints when
// --output-keys names none (dbt's ListTask.ALLOWED_KEYS).
var lsKeys = map[string]bool{
	"alias": true, "name": true, "package_name": true, "depends_on": true, "tags": true,
	"config": true, "resource_type": true, "source_name": true, "original_file_path": true,
	"unique_id": true,
}

// lsJSON writes ls --output json lines as dbt does: each resource's
// manifest entry (the shape manifest.json gives it) with only the keys
// asked for, in the entry's order, as Python's json.dumps writes them.
type lsJSON struct {
	m    *docs.Manifest
	keys map[string]bool
	// reasons: whether a line may carry elt's modified_reasons, which
	// dbt does not print: without --output-keys, or when they name it.
	// Otherwise the line holds the keys asked for alone, as dbt's.
	reasons bool
}

// newLSJSON builds the manifest's entries once for the listing. keys are
// --output-keys: each value may hold several names separated by spaces.
func (s *session) newLSJSON(keys []string) *lsJSON {
	l := &lsJSON{m: docs.BuildManifest(s.manifest, s.meta()), keys: lsKeys, reasons: true}
	if len(keys) > 0 {
		l.keys = map[string]bool{}
		for _, k := range keys {
			for _, f := range strings.FieldsFunc(k, func(r rune) bool { return r == ' ' || r == ',' }) {
				l.keys[f] = true
			}
		}
		l.reasons = l.keys["modified_reasons"]
	}
	return l
}

// entry is the manifest entry of id, nil when it has none.
func (l *lsJSON) entry(id string) any {
	if n, ok := l.m.Nodes[id]; ok {
		return n
	}
	if n, ok := l.m.Sources[id]; ok {
		return n
	}
	for _, section := range []map[string]any{l.m.Exposures, l.m.Metrics, l.m.SemanticModels, l.m.UnitTests, l.m.SavedQueries} {
		if e, ok := section[id]; ok {
			return e
		}
	}
	return nil
}

// line is id's listing; modified, when set, is elt's modified_reasons.
func (l *lsJSON) line(id string, modified []string, withModified bool) (string, error) {
	e := l.entry(id)
	if e == nil {
		return "", fmt.Errorf("ls: %s has no manifest entry to list", id)
	}
	raw, err := json.Marshal(e)
	if err != nil {
		return "", fmt.Errorf("ls: %s: %w", id, err)
	}
	v, err := jinja.DecodeJSON(raw)
	if err != nil {
		return "", fmt.Errorf("ls: %s: %w", id, err)
	}
	all, ok := v.(*jinja.Dict)
	if !ok {
		return "", fmt.Errorf("ls: %s: its entry is not an object", id)
	}
	out := jinja.NewDict()
	for _, k := range all.Keys() {
		if ks, _ := k.(string); l.keys[ks] {
			val, _ := all.Get(k)
			out.Set(k, val)
		}
	}
	// With --state, why the node counts as state:modified ([] when it
	// does not), so a CI log can say what changed.
	if withModified && l.reasons {
		reasons := make([]any, len(modified))
		for i, r := range modified {
			reasons[i] = r
		}
		out.Set("modified_reasons", reasons)
	}
	return jinja.DumpJSON(out, jinja.JSONOptions{})
}
