package docs

// constraintsJSON writes declared constraints as dbt's manifest does, each
// with every field (columns only at model level). A foreign key's to: is
// the relation fkTo maps it to (a compiled model's), else as written.
func constraintsJSON(list []any, modelLevel bool, fkTo map[string]string) []any {
	out := make([]any, 0, len(list))
	for _, raw := range list {
		m, ok := raw.(map[string]any)
		if !ok {
			continue
		}
		c := map[string]any{
			"type": m["type"], "name": m["name"], "expression": m["expression"],
			"warn_unenforced": true, "warn_unsupported": true, "to": m["to"], "to_columns": []any{},
		}
		if to, ok := m["to"].(string); ok && m["type"] == "foreign_key" {
			if rel, ok := fkTo[to]; ok {
				c["to"] = rel
			}
		}
		for _, k := range []string{"warn_unenforced", "warn_unsupported"} {
			if b, ok := m[k].(bool); ok {
				c[k] = b
			}
		}
		if tc, ok := m["to_columns"].([]any); ok {
			c["to_columns"] = tc
		}
		if modelLevel {
			c["columns"] = []any{}
			if cols, ok := m["columns"].([]any); ok {
				c["columns"] = cols
			}
		}
		out = append(out, c)
	}
	return out
}
