package compiler

import (
	"time"

	"github.com/elt-dev/elt/jinja"
)

// YAMLGlobals are the names of dbt's base context that YAML values may use
// while the project loads (project.Options.YAMLGlobals): dbt renders
// dbt_project.yml, profiles.yml and properties YAML with run_started_at,
// invocation_id, modules and its value functions, besides env_var(),
// var() and target. The map and its values are read only and safe for
// concurrent use.
func YAMLGlobals(runStartedAt time.Time, invocationID string) map[string]any {
	if runStartedAt.IsZero() {
		runStartedAt = time.Now()
	}
	return map[string]any{
		"run_started_at": &timeValue{t: runStartedAt.UTC()},
		"invocation_id":  invocationID,
		"modules":        modulesObject(&reCache{}),
		"dbt_version":    DBTVersion,
		"tojson":         jinja.Func(fnToJSON),
		"fromjson":       jinja.Func(fnFromJSON),
		"toyaml":         jinja.Func(fnToYAML),
		"fromyaml":       jinja.Func(fnFromYAML),
		"zip":            jinja.Func(fnZip(false)),
		"zip_strict":     jinja.Func(fnZip(true)),
		"set":            jinja.Func(fnSet(false)),
		"set_strict":     jinja.Func(fnSet(true)),
		"local_md5":      jinja.Func(fnMD5),
	}
}
