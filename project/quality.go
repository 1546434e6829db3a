package project

import (
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/elt-dev/elt/internal/diag"
)

// The quality: block (elt's declarative data-quality metrics) may sit under
// a node's or a column's config: or meta:. Its shape is checked here, at
// load, so that a typo is a positioned error and not a check that never
// runs; the quality package reads the values.
var (
	qualityNodeKeys    = keySet("severity volume freshness null_rate distinct_rate custom")
	qualityColumnKeys  = keySet("severity null_rate distinct_rate drift")
	qualityDriftKeys   = keySet("psi_max ks_max min_history severity")
	qualityCheckKeys   = keySet("min max anomaly severity")
	qualityAnomalyKeys = keySet("sensitivity min_history seasonality direction")
	qualityCustomKeys  = keySet("name expression min max anomaly severity")
)

// qualityScope is where a quality: block sits.
type qualityScope int

const (
	qualityOnNode   qualityScope = iota // a model's, seed's or snapshot's
	qualityOnSource                     // a source table's
	qualityOnColumn                     // a column's
)

// checkQualityIn checks the quality: key of a config: or meta: mapping, if
// it has one.
func (l *loader) checkQualityIn(file string, mapping *yaml.Node, what string, scope qualityScope) {
	if !isMapping(mapping) {
		return
	}
	for _, p := range pairs(mapping) {
		if p.Key == "quality" {
			l.checkQuality(file, p.Val, what+" quality", scope)
		}
	}
}

func (l *loader) checkQuality(file string, n *yaml.Node, what string, scope qualityScope) {
	column := scope == qualityOnColumn
	if isNull(n) {
		return
	}
	if !isMapping(n) {
		l.diags.Add(diag.Errorf(file, posOf(n), "write quality: as a mapping, e.g. quality: {volume: {anomaly: {}}}", "%s must be a mapping, not %s", what, kindName(n)))
		return
	}
	allowed := qualityNodeKeys
	if column {
		allowed = qualityColumnKeys
	}
	l.checkPropertyKeys(file, n, what, allowed)
	for _, p := range pairs(n) {
		w := what + " " + p.Key
		switch p.Key {
		case "severity":
			l.checkSeverity(file, p.Val, w)
		case "volume":
			l.checkQualityCheck(file, p.Val, w, nil)
		case "drift":
			if isNull(p.Val) {
				continue
			}
			if !isMapping(p.Val) {
				l.diags.Add(diag.Errorf(file, posOf(p.Val), "write drift: {psi_max: 0.25, ks_max: 0.2}", "%s must be a mapping, not %s", w, kindName(p.Val)))
				continue
			}
			l.checkPropertyKeys(file, p.Val, w, qualityDriftKeys)
			for _, c := range pairs(p.Val) {
				switch c.Key {
				case "severity":
					l.checkSeverity(file, c.Val, w+" severity")
				case "min_history":
					if i, ok := toValue(c.Val, nil, nil).(int); !ok || i < 1 {
						l.diags.Add(diag.Errorf(file, posOf(c.Val), "write a whole number of past runs, e.g. 7", "%s min_history must be a whole number of at least 1", w))
					}
				default:
					f, ok := toValue(c.Val, nil, nil).(float64)
					if i, isInt := toValue(c.Val, nil, nil).(int); isInt {
						f, ok = float64(i), true
					}
					if !ok || f <= 0 {
						l.diags.Add(diag.Errorf(file, posOf(c.Val), "write a positive number, e.g. psi_max: 0.25 or ks_max: 0.2", "%s %s must be a positive number", w, c.Key))
					}
				}
			}
		case "freshness":
			l.checkQualityCheck(file, p.Val, w, keySet("column"))
			// A source table's freshness may read its loaded_at_field
			// instead (checked once the table is read); a node's needs
			// the column.
			if scope == qualityOnNode && (!isMapping(p.Val) || !hasKey(p.Val, "column")) && (isNull(p.Val) || isMapping(p.Val)) {
				l.diags.Add(diag.Errorf(file, posOf(p.Val), "name the timestamp column of the latest row, e.g. freshness: {column: updated_at, max: 7200}",
					"%s needs column:", w))
			}
		case "null_rate", "distinct_rate":
			if column {
				l.checkQualityCheck(file, p.Val, w, nil)
				continue
			}
			// On a node: one check per column, by column name.
			if !isMapping(p.Val) {
				l.diags.Add(diag.Errorf(file, posOf(p.Val), "write "+p.Key+": {column_name: {max: 0.05}}, or put it under the column's config: quality:", "%s must map column names to checks, not %s", w, kindName(p.Val)))
				continue
			}
			for _, c := range pairs(p.Val) {
				if qualityCheckKeys[c.Key] {
					l.diags.Add(diag.Errorf(file, posOf(c.KeyNode), "write "+p.Key+": {column_name: {"+c.Key+": ...}}, or put it under the column's config: quality:",
						"%s on a %s maps column names to checks: %q is a check setting, not a column", w, "node", c.Key))
					continue
				}
				l.checkQualityCheck(file, c.Val, w+" of column "+strconv.Quote(c.Key), nil)
			}
		case "custom":
			if !isSequence(p.Val) {
				l.diags.Add(diag.Errorf(file, posOf(p.Val), "write custom: as a list of {name: ..., expression: ...}", "%s must be a list, not %s", w, kindName(p.Val)))
				continue
			}
			for _, e := range deref(p.Val).Content {
				if !isMapping(e) {
					l.diags.Add(diag.Errorf(file, posOf(e), "write each custom metric as {name: ..., expression: ...}", "%s: an entry must be a mapping, not %s", w, kindName(e)))
					continue
				}
				l.checkPropertyKeys(file, e, w+" entry", qualityCustomKeys)
				var name, expr bool
				for _, c := range pairs(e) {
					switch c.Key {
					case "name":
						s, _ := stringOf(c.Val)
						name = s != ""
					case "expression":
						s, _ := stringOf(c.Val)
						expr = s != ""
					}
				}
				if !name || !expr {
					l.diags.Add(diag.Errorf(file, posOf(e), "give it a name and an aggregate SQL expression, e.g. {name: revenue, expression: sum(amount)}", "%s: an entry needs name: and expression:", w))
					continue
				}
				l.checkQualityCheckFields(file, e, w)
			}
		}
	}
}

// checkQualityCheck checks one metric's check: {min, max, anomaly,
// severity}; null or an empty mapping means anomaly detection with the
// defaults.
func (l *loader) checkQualityCheck(file string, n *yaml.Node, what string, extra map[string]bool) {
	if isNull(n) {
		return
	}
	if !isMapping(n) {
		l.diags.Add(diag.Errorf(file, posOf(n), "write it as {min: ..., max: ..., anomaly: {...}, severity: warn}", "%s must be a mapping, not %s", what, kindName(n)))
		return
	}
	allowed := qualityCheckKeys
	if extra != nil {
		allowed = keySet("min max anomaly severity")
		for k := range extra {
			allowed[k] = true
		}
	}
	l.checkPropertyKeys(file, n, what, allowed)
	l.checkQualityCheckFields(file, n, what)
}

func (l *loader) checkQualityCheckFields(file string, n *yaml.Node, what string) {
	for _, p := range pairs(n) {
		w := what + " " + p.Key
		switch p.Key {
		case "min", "max":
			if _, ok := toValue(p.Val, nil, nil).(float64); !ok {
				if _, ok := toValue(p.Val, nil, nil).(int); !ok {
					l.diags.Add(diag.Errorf(file, posOf(p.Val), "write a number", "%s must be a number, not %s", w, kindName(p.Val)))
				}
			}
		case "severity":
			l.checkSeverity(file, p.Val, w)
		case "column":
			if s, _ := stringOf(p.Val); s == "" {
				l.diags.Add(diag.Errorf(file, posOf(p.Val), "name the timestamp column whose latest value says how fresh the data is", "%s must be a column name", w))
			}
		case "anomaly":
			if isNull(p.Val) {
				continue
			}
			if !isMapping(p.Val) {
				l.diags.Add(diag.Errorf(file, posOf(p.Val), "write anomaly: {} for the defaults, or {sensitivity: 3, min_history: 7, seasonality: weekly}", "%s must be a mapping, not %s", w, kindName(p.Val)))
				continue
			}
			l.checkPropertyKeys(file, p.Val, w, qualityAnomalyKeys)
			for _, a := range pairs(p.Val) {
				v := toValue(a.Val, nil, nil)
				switch a.Key {
				case "sensitivity":
					f, ok := v.(float64)
					if i, isInt := v.(int); isInt {
						f, ok = float64(i), true
					}
					if !ok || f <= 0 {
						l.diags.Add(diag.Errorf(file, posOf(a.Val), "write a positive number of MADs, e.g. 3", "%s sensitivity must be a positive number", w))
					}
				case "min_history":
					if i, ok := v.(int); !ok || i < 1 {
						l.diags.Add(diag.Errorf(file, posOf(a.Val), "write a whole number of past runs, e.g. 7", "%s min_history must be a whole number of at least 1", w))
					}
				case "seasonality":
					if s, _ := v.(string); s != "none" && s != "weekly" {
						l.diags.Add(diag.Errorf(file, posOf(a.Val), "use none or weekly", "%s seasonality must be none or weekly", w))
					}
				case "direction":
					if s, _ := v.(string); s != "both" && s != "above" && s != "below" {
						l.diags.Add(diag.Errorf(file, posOf(a.Val), "use both, above or below", "%s direction must be both, above or below", w))
					}
				}
			}
		}
	}
}

func (l *loader) checkSeverity(file string, n *yaml.Node, what string) {
	if s, _ := stringOf(n); s != "warn" && s != "error" && s != "WARN" && s != "ERROR" {
		l.diags.Add(diag.Errorf(file, posOf(n), "use warn or error", "%s must be warn or error", what))
	}
}

func hasKey(n *yaml.Node, key string) bool {
	for _, p := range pairs(n) {
		if p.Key == key {
			return true
		}
	}
	return false
}

// checkSourceQualityFreshness: a source table's quality freshness without
// a column reads the table's loaded_at_field, so it needs one.
func (l *loader) checkSourceQualityFreshness(file string, st *SourceTable) {
	if st.LoadedAtField != "" {
		return
	}
	blocks := []any{st.Config["quality"]}
	if st.Meta != nil {
		blocks = append(blocks, st.Meta["quality"])
	}
	for _, b := range blocks {
		q, _ := b.(map[string]any)
		f, ok := q["freshness"]
		if !ok {
			continue
		}
		if m, _ := f.(map[string]any); m != nil && m["column"] != nil {
			continue
		}
		l.diags.Add(diag.Errorf(file, st.Pos, "set loaded_at_field on the source or table, or name the column: freshness: {column: _loaded_at, max: 7200}",
			"source table %s.%s: quality freshness has no column and the table no loaded_at_field", st.SourceName, st.Name))
		return
	}
}
