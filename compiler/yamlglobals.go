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
	g := valueFunctions()
	g["run_started_at"] = &timeValue{t: runStartedAt.UTC()}
	g["invocation_id"] = invocationID
	g["modules"] = modulesObject(&reCache{})
	g["dbt_version"] = DBTVersion
	return g
}

// valueFunctions are dbt's functions of plain values, which need no
// render: the same in a template's context and a YAML value's.
func valueFunctions() map[string]any {
	return map[string]any{
		"tojson":     jinja.Func(fnToJSON),
		"fromjson":   jinja.Func(fnFromJSON),
		"toyaml":     jinja.Func(fnToYAML),
		"fromyaml":   jinja.Func(fnFromYAML),
		"zip":        jinja.Func(fnZip(false)),
		"zip_strict": jinja.Func(fnZip(true)),
		"set":        jinja.Func(fnSet(false)),
		"set_strict": jinja.Func(fnSet(true)),
		"local_md5":  jinja.Func(fnMD5),
	}
}
