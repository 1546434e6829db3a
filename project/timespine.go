package project

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/elt-dev/elt/internal/diag"
)

// timeGranularities are the values of a column's granularity: (dbt's
// TimeGranularity, from dbt-semantic-interfaces).
var timeGranularities = []string{"nanosecond", "microsecond", "millisecond", "second", "minute",
	"hour", "day", "week", "month", "quarter", "year"}

var (
	timeSpineKeys         = keySet("standard_granularity_column custom_granularities")
	customGranularityKeys = keySet("name column_name")
)

// granularity reads a column's granularity: one of dbt's time grains, in
// lower case as dbt's enum takes it.
func (l *loader) granularity(file string, v *yaml.Node) string {
	s, ok := stringOf(v)
	if !ok || isNull(v) {
		l.diags.Add(diag.Errorf(file, posOf(v), "write one of: "+strings.Join(timeGranularities, ", "),
			"granularity must be a time grain, not %s", kindName(v)))
		return ""
	}
	for _, g := range timeGranularities {
		if s == g {
			return s
		}
	}
	l.diags.Add(diag.Errorf(file, posOf(v), "write one of: "+strings.Join(timeGranularities, ", "),
		"granularity %q is not a time grain", s))
	return ""
}

// timeSpine reads a model's time_spine: property and checks it against the
// model's columns as dbt does: the standard granularity column must be
// one of them and have a granularity, and each custom granularity's column
// (its column_name, else its name) must be one of them. A versioned model
// is checked against its latest version's columns.
func (l *loader) timeSpine(file string, n *Node, p pair) {
	what := fmt.Sprintf("%s %q", n.ResourceType, n.Name)
	if n.ResourceType != Model {
		l.diags.Add(diag.Errorf(file, posOf(p.KeyNode), "move time_spine to the model that is the time spine",
			"%s: time_spine is a property of models only", what))
		return
	}
	if !isMapping(p.Val) {
		l.diags.Add(diag.Errorf(file, posOf(p.Val), "write time_spine: as a mapping with standard_granularity_column",
			"%s: time_spine must be a mapping, not %s", what, kindName(p.Val)))
		return
	}
	l.checkPropertyKeys(file, p.Val, what+" time_spine", timeSpineKeys)
	ts := &TimeSpine{Pos: posOf(p.KeyNode)}
	var std *yaml.Node
	var buf pairBuf
	for _, q := range pairsIn(buf[:], p.Val) {
		switch q.Key {
		case "standard_granularity_column":
			std = q.Val
			ts.StandardGranularityColumn, _ = stringOf(q.Val)
		case "custom_granularities":
			if isNull(q.Val) {
				continue
			}
			if !isSequence(q.Val) {
				l.diags.Add(diag.Errorf(file, posOf(q.Val), "write custom_granularities: as a list of `- name:` entries",
					"%s: custom_granularities must be a list, not %s", what, kindName(q.Val)))
				continue
			}
			for _, e := range deref(q.Val).Content {
				name, ok := l.entryName(file, "custom_granularities", e)
				if !ok {
					continue
				}
				l.checkPropertyKeys(file, e, fmt.Sprintf("%s custom granularity %q", what, name), customGranularityKeys)
				cg := CustomGranularity{Name: name}
				for _, r := range pairs(e) {
					if r.Key == "column_name" && !isNull(r.Val) {
						cg.ColumnName, _ = stringOf(r.Val)
					}
				}
				ts.CustomGranularities = append(ts.CustomGranularities, cg)
			}
		}
	}
	if std == nil || ts.StandardGranularityColumn == "" {
		l.diags.Add(diag.Errorf(file, posOf(p.KeyNode), "name the column at the spine's standard granularity",
			"%s: time_spine needs standard_granularity_column", what))
		return
	}
	n.TimeSpine = ts
	if n.VersionString != "" && fmt.Sprint(n.LatestVersion) != n.VersionString {
		return // as dbt: the latest version's columns are the ones checked
	}
	byName := make(map[string]*Column, len(n.Columns))
	names := make([]string, 0, len(n.Columns))
	for _, c := range n.Columns {
		byName[c.Name] = c
		names = append(names, "'"+c.Name+"'")
	}
	valid := "[" + strings.Join(names, ", ") + "]"
	forLatest := ""
	if n.VersionString != "" {
		forLatest = " for latest version"
	}
	c, ok := byName[ts.StandardGranularityColumn]
	switch {
	case !ok:
		l.diags.Add(diag.Errorf(file, posOf(std), "declare the column under the model's columns:, or name one of them",
			"Time spine standard granularity column must be defined on the model. Got invalid column name '%s' for model '%s'. Valid names%s: %s.",
			ts.StandardGranularityColumn, n.Name, forLatest, valid))
	case c.Granularity == "":
		l.diags.Add(diag.Errorf(file, posOf(std), "add granularity: to that column",
			"Time spine standard granularity column must have a granularity defined. Please add one for column '%s' in model '%s'.",
			ts.StandardGranularityColumn, n.Name))
	}
	var missing []string
	for _, cg := range ts.CustomGranularities {
		col := cg.ColumnName
		if col == "" {
			col = cg.Name
		}
		if byName[col] == nil {
			missing = append(missing, "'"+col+"'")
		}
	}
	if len(missing) > 0 {
		l.diags.Add(diag.Errorf(file, posOf(p.KeyNode), "declare those columns under the model's columns:",
			"Time spine custom granularity columns do not exist in the model. Columns not found: [%s]; Available columns: %s",
			strings.Join(missing, ", "), valid))
	}
}
