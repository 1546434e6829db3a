// Package cmdtag reads a statement's status as a warehouse reports it
// (PostgreSQL's command tag, "INSERT 0 2") the way dbt-postgres's
// AdapterResponse does.
package cmdtag

import "strings"

// Code is the status's words without its counts: "INSERT 0 2" is INSERT,
// "CREATE VIEW" is itself.
func Code(status string) string {
	var words []string
	for _, w := range strings.Fields(status) {
		if strings.Trim(w, "0123456789") != "" {
			words = append(words, w)
		}
	}
	return strings.Join(words, " ")
}

// Response is dbt's adapter_response for a statement of that status and
// rows: _message the status, code, rows_affected. Nil without a status.
func Response(status string, rows int64) map[string]any {
	if status == "" {
		return nil
	}
	return map[string]any{"_message": status, "code": Code(status), "rows_affected": rows}
}
