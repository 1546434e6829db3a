package main

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

const resourcesYML = `version: 2
groups:
  - name: finance
    owner: {name: Fin Team, email: fin@example.com}
    description: money
models:
  - name: private_m
    config: {group: finance, access: private}
  - name: fin_user
    group: finance
exposures:
  - name: weekly
    label: Weekly report
    type: dashboard
    maturity: high
    url: https://bi.example.com/weekly
    description: the weekly numbers
    owner: {name: Ann, email: ann@example.com}
    depends_on:
      - ref('people_t')
    tags: [bi]
    meta: {tier: 1}
semantic_models:
  - name: people_sm
    model: ref('people_t')
    defaults: {agg_time_dimension: joined}
    entities:
      - {name: id, type: primary}
    measures:
      - {name: people, agg: count, expr: id}
    dimensions:
      - name: joined
        type: time
        type_params: {time_granularity: day}
metrics:
  - name: people_count
    label: People
    type: simple
    type_params: {measure: people}
saved_queries:
  - name: people_by_day
    query_params: {metrics: [people_count], group_by: ["TimeDimension('id__joined', 'day')"]}
`

func resourcesProject(t *testing.T) string {
	t.Helper()
	dir := showProject(t)
	writeFile(t, dir, "models/private_m.sql", "select 1 as id\n")
	writeFile(t, dir, "models/fin_user.sql", "select * from {{ ref('private_m') }}\n")
	writeFile(t, dir, "models/resources.yml", resourcesYML)
	writeFile(t, dir, "models/metricflow_time_spine.sql", "select current_date as date_day\n") // dbt needs a time spine with semantic models
	writeFile(t, dir, "analyses/report.sql", "-- who joined\nselect name from {{ ref('people_t') }} where id > {{ var('min_id', 2) }}\n")
	writeFile(t, dir, "analyses/analyses.yml", "version: 2\nanalyses:\n  - name: report\n    description: people after the first two\n")
	return dir
}

func TestAnalysesExposuresGroupsSemantic(t *testing.T) {
	dir := resourcesProject(t)
	res := mustElt(t, dir, "build")
	if !strings.Contains(res.stdout, "1 analysis, ") || !strings.Contains(res.stdout, "1 exposure, 1 metric, ") || !strings.Contains(res.stdout, "1 group, 1 semantic model, 1 saved query") {
		t.Errorf("found stats:\n%s", res.stdout)
	}
	// As dbt 1.10's build: an analysis is not run; an exposure and a
	// saved query are reported as no-op nodes.
	if strings.Contains(res.stdout, "report") || !strings.Contains(res.stdout, "NO-OP exposure weekly") || !strings.Contains(res.stdout, "NO-OP saved query people_by_day") {
		t.Errorf("build ran an analysis, or did not report the exposure and the saved query as no-op nodes:\n%s", res.stdout)
	}
	rr := readRunResults(t, filepath.Join(dir, "target", "run_results.json")) // by name
	if _, ok := rr["report"]; ok {
		t.Error("run_results has the analysis")
	}
	for _, name := range []string{"weekly", "people_by_day"} {
		if r, ok := rr[name]; !ok || r.Status != "no-op" {
			t.Errorf("run_results: %s is %+v, want a no-op result", name, r)
		}
	}

	mustElt(t, dir, "compile", "-s", "report")
	b, err := os.ReadFile(filepath.Join(dir, "target", "compiled", "p", "analyses", "report.sql"))
	if err != nil {
		t.Fatal(err)
	}
	if want := `select name from "p"."main"."people_t" where id > 2`; !strings.Contains(string(b), want) {
		t.Errorf("compiled analysis:\n%s\nwant %s", b, want)
	}

	m := readManifest(t, dir)
	an := m["nodes"].(map[string]any)["analysis.p.report"].(map[string]any)
	if an["resource_type"] != "analysis" || an["description"] != "people after the first two" ||
		strings.Join(toStrings(an["depends_on"].(map[string]any)["nodes"]), ",") != "model.p.people_t" {
		t.Errorf("analysis in manifest: %v", an)
	}
	x := m["exposures"].(map[string]any)["exposure.p.weekly"].(map[string]any)
	if x["type"] != "dashboard" || x["maturity"] != "high" || x["label"] != "Weekly report" || x["url"] != "https://bi.example.com/weekly" ||
		x["owner"].(map[string]any)["email"] != "ann@example.com" ||
		strings.Join(toStrings(x["depends_on"].(map[string]any)["nodes"]), ",") != "model.p.people_t" ||
		strings.Join(toStrings(x["tags"]), ",") != "bi" {
		t.Errorf("exposure in manifest: %v", x)
	}
	if got := strings.Join(toStrings(m["child_map"].(map[string]any)["model.p.people_t"]), ","); !strings.Contains(got, "exposure.p.weekly") || !strings.Contains(got, "analysis.p.report") {
		t.Errorf("child_map of people_t: %s", got)
	}
	if g := m["groups"].(map[string]any)["group.p.finance"].(map[string]any); g["owner"].(map[string]any)["name"] != "Fin Team" {
		t.Errorf("group: %v", g)
	}
	if gm := strings.Join(toStrings(m["group_map"].(map[string]any)["finance"]), ","); gm != "model.p.fin_user,model.p.private_m" {
		t.Errorf("group_map: %s", gm)
	}
	if n := m["nodes"].(map[string]any)["model.p.private_m"].(map[string]any); n["access"] != "private" || n["group"] != "finance" {
		t.Errorf("private_m access %v group %v", n["access"], n["group"])
	}
	sm := m["semantic_models"].(map[string]any)["semantic_model.p.people_sm"].(map[string]any)
	if nr, _ := sm["node_relation"].(map[string]any); nr["relation_name"] != `"p"."main"."people_t"` || nr["alias"] != "people_t" {
		t.Errorf("semantic model node_relation: %v", sm["node_relation"])
	}
	if strings.Join(toStrings(sm["depends_on"].(map[string]any)["nodes"]), ",") != "model.p.people_t" || len(sm["measures"].([]any)) != 1 {
		t.Errorf("semantic model: %v", sm)
	}
	if mt, ok := m["metrics"].(map[string]any)["metric.p.people_count"].(map[string]any); !ok ||
		strings.Join(toStrings(mt["depends_on"].(map[string]any)["nodes"]), ",") != "semantic_model.p.people_sm" {
		t.Errorf("metrics: %v", m["metrics"])
	}
	if sq, ok := m["saved_queries"].(map[string]any)["saved_query.p.people_by_day"].(map[string]any); !ok ||
		strings.Join(toStrings(sq["depends_on"].(map[string]any)["nodes"]), ",") != "metric.p.people_count" {
		t.Errorf("saved_queries: %v", m["saved_queries"])
	}
	if got := strings.Join(toStrings(m["parent_map"].(map[string]any)["metric.p.people_count"]), ","); got != "semantic_model.p.people_sm" {
		t.Errorf("parent_map of the metric: %s", got)
	}

	res = mustElt(t, dir, "ls", "-s", "+exposure:weekly")
	lines := strings.Fields(res.stdout)
	sort.Strings(lines)
	if strings.Join(lines, " ") != "exposure:p.weekly p.eph p.people p.people_t" {
		t.Errorf("ls +exposure:weekly: %q", lines)
	}
	res = mustElt(t, dir, "ls", "--resource-type", "analysis")
	if strings.TrimSpace(res.stdout) != "p.analysis.report" { // dbt's analysis fqn starts with analysis
		t.Errorf("ls analyses: %q", res.stdout)
	}
	// As dbt ls: analyses only when asked for (analysis, or all).
	if res = mustElt(t, dir, "ls"); strings.Contains(res.stdout, "p.analysis.report") {
		t.Errorf("ls lists the analysis by default:\n%s", res.stdout)
	}
	if res = mustElt(t, dir, "ls", "--resource-type", "all"); !strings.Contains(res.stdout, "p.analysis.report") || !strings.Contains(res.stdout, "p.people_t") {
		t.Errorf("ls --resource-type all:\n%s", res.stdout)
	}
	// build selects the exposure's upstream models and runs them, not it.
	res = mustElt(t, dir, "run", "-s", "+exposure:weekly")
	if !strings.Contains(res.stdout, "people_t") || strings.Contains(res.stdout, "weekly") {
		t.Errorf("run +exposure:weekly:\n%s", res.stdout)
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func TestResourcesBadInput(t *testing.T) {
	for _, c := range []struct {
		name, file, content string
		wants               []string
	}{
		{"private ref from outside the group", "models/outsider.sql", "select *\nfrom {{ ref('private_m') }}\n",
			[]string{"models/outsider.sql:2: Node model.p.outsider attempted to reference node model.p.private_m, which is not allowed because the referenced node is private to the 'finance' group"}},
		{"public ephemeral model", "models/eph_pub.sql", "{{ config(materialized='ephemeral', access='public') }}\nselect 1 as id\n",
			[]string{"Node model.p.eph_pub with 'ephemeral' materialization has an invalid value (public) for the access field"}},
		{"exposure keys", "models/bad_exposure.yml", "version: 2\nexposures:\n  - name: bad\n    type: spreadsheet\n    owner: {email: a@b.c}\n    depends_on: [\"ref('nope')\", \"people_t\"]\n    colour: red\n",
			[]string{
				"models/bad_exposure.yml:4:11: exposure \"bad\": type \"spreadsheet\" is not valid",
				"models/bad_exposure.yml:6:33: exposure \"bad\": depends_on: \"people_t\" is not a ref(), source() or metric() call",
				"models/bad_exposure.yml:7:5: exposure \"bad\": unknown key \"colour\"",
			}},
		{"exposure unknown ref", "models/exp3.yml", "version: 2\nexposures:\n  - name: lost\n    type: notebook\n    owner: {name: x}\n    depends_on: [\"ref('nope')\"]\n",
			[]string{"models/exp3.yml:6:18: Exposure 'exposure.p.lost' (models/exp3.yml) depends on a node named 'nope' which was not found"}},
		{"exposure private ref", "models/exp2.yml", "version: 2\nexposures:\n  - name: peek\n    type: ml\n    owner: {name: x}\n    depends_on: [\"ref('private_m')\"]\n",
			[]string{"models/exp2.yml:6:18: Node exposure.p.peek attempted to reference node model.p.private_m"}},
		{"semantic keys", "models/sm.yml", "version: 2\nsemantic_models:\n  - name: s2\n    model: ref('people_t')\n    measures:\n      - {name: m, agg: avg, exprr: id}\n",
			[]string{"models/sm.yml:6:24: semantic model \"s2\": measures \"m\": agg \"avg\" is not valid", "models/sm.yml:6:29: semantic model \"s2\": measures \"m\": unknown key \"exprr\""}},
		{"unknown measure", "models/mt.yml", "version: 2\nmetrics:\n  - name: revenue\n    type: simple\n    type_params: {measure: money}\n",
			[]string{"models/mt.yml:3:5: metric.p.revenue: A semantic model having a measure `money` does not exist but was referenced."}},
		{"unknown input metric", "models/mt.yml", "version: 2\nmetrics:\n  - name: growth\n    type: derived\n    label: Growth\n    type_params: {expr: a, metrics: [a]}\n",
			[]string{"models/mt.yml:3:5: metric.p.growth: The metric `a` does not exist but was referenced."}},
		{"saved query unknown metric", "models/sq.yml", "version: 2\nsaved_queries:\n  - name: q\n    query_params: {metrics: [nope]}\n",
			[]string{"models/sq.yml:3:5: Saved_Query 'saved_query.p.q' (models/sq.yml) depends on a metric named 'nope' which was not found"}},
		{"unknown group", "models/g.yml", "version: 2\nmodels:\n  - name: people_t\n    config: {group: sales}\n",
			[]string{"models/g.yml:3:5: model.p.people_t: Invalid group 'sales', expected one of ['finance']"}},
		{"bad access", "models/a.yml", "version: 2\nmodels:\n  - name: people_t\n    access: secret\n",
			[]string{"models/a.yml:3:5: model.p.people_t: access \"secret\" is not valid"}},
		{"analysis bad ref", "analyses/bad.sql", "select 1\nfrom {{ ref('peple_t') }}\n",
			[]string{"analyses/bad.sql:2: Analysis 'analysis.p.bad' (analyses/bad.sql) depends on a node named 'peple_t' which was not found"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := resourcesProject(t)
			writeFile(t, dir, c.file, c.content)
			res := elt(t, dir, "parse")
			if res.code != 2 {
				t.Fatalf("exit %d, want 2\n%s%s", res.code, res.stdout, res.stderr)
			}
			for _, w := range c.wants {
				if !strings.Contains(res.stderr, w) {
					t.Errorf("stderr lacks %q\n%s", w, res.stderr)
				}
			}
		})
	}
}

// TestProtectedAcrossPackages: a protected model (the default access) of a
// package whose dbt_project.yml sets restrict-access: true cannot be
// referenced from the root project, as in dbt; a public one can, and
// without restrict-access protected models are open to other projects.
func TestProtectedAcrossPackages(t *testing.T) {
	for _, c := range []struct {
		name, restrict, access string
		wantErr                bool
	}{
		{"restricted protected", "restrict-access: true\n", "", true},
		{"restricted public", "restrict-access: true\n", "    config: {access: public}\n", false},
		{"open protected", "", "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := miniProject(t, "")
			writeFile(t, dir, "dbt_packages/lib/dbt_project.yml", "name: lib\nversion: '1.0'\nconfig-version: 2\n"+c.restrict)
			writeFile(t, dir, "dbt_packages/lib/models/lib_m.sql", "select 1 as id\n")
			writeFile(t, dir, "dbt_packages/lib/models/props.yml", "version: 2\nmodels:\n  - name: lib_m\n"+c.access)
			writeFile(t, dir, "models/user.sql", "-- reads the package\nselect * from {{ ref('lib', 'lib_m') }}\n")
			res := elt(t, dir, "parse")
			msg := "models/user.sql:2: Node model.p.user attempted to reference node model.lib.lib_m, which is not allowed because the referenced node is protected to the 'lib' package"
			if c.wantErr {
				if res.code != 2 || !strings.Contains(res.stderr, msg) {
					t.Fatalf("exit %d, want 2 with %q\n%s%s", res.code, msg, res.stdout, res.stderr)
				}
				return
			}
			if res.code != 0 {
				t.Fatalf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
			}
		})
	}
}

// TestExposureConfigAsDBT: an exposure's tags are the sorted set of the
// exposures: block's own tags, its tags and its config's, and its meta
// the block's own meta updated with its meta and its config's, as dbt's
// ExposureParser makes them; a non-boolean enabled stops the parse
// (dbt's tests/functional/exposures/test_exposure_configs.py).
func TestExposureConfigAsDBT(t *testing.T) {
	dir := miniProject(t, "exposures:\n  enabled: false\n  tags: [global_tag, common_tag]\n"+
		"  meta:\n    some_key: should_be_overridden\n    another_key: should_stay\n    type_change: [foo, bar]\n")
	writeFile(t, dir, "models/model.sql", "select 1 as id\n")
	exposure := "exposures:\n  - name: simple_exposure\n    type: dashboard\n    config:\n      enabled: %s\n" +
		"      tags: [local_tag, common_tag]\n      meta:\n        some_key: some_value\n        type_change: 123\n" +
		"    depends_on: [\"ref('model')\"]\n    owner: {email: something@example.com}\n"
	writeFile(t, dir, "models/schema.yml", strings.Replace(exposure, "%s", "true", 1))
	mustElt(t, dir, "parse")
	var m struct {
		Exposures map[string]struct {
			Tags   []string       `json:"tags"`
			Meta   map[string]any `json:"meta"`
			Config struct {
				Tags []string       `json:"tags"`
				Meta map[string]any `json:"meta"`
			} `json:"config"`
		} `json:"exposures"`
	}
	readJSON(t, filepath.Join(dir, "target", "manifest.json"), &m)
	x := m.Exposures["exposure.p.simple_exposure"]
	wantTags := []string{"common_tag", "global_tag", "local_tag"}
	wantMeta := map[string]any{"some_key": "some_value", "another_key": "should_stay", "type_change": float64(123)}
	if !reflect.DeepEqual(x.Tags, wantTags) || !reflect.DeepEqual(x.Config.Tags, wantTags) {
		t.Errorf("tags %v, config.tags %v, want %v", x.Tags, x.Config.Tags, wantTags)
	}
	if !reflect.DeepEqual(x.Meta, wantMeta) || !reflect.DeepEqual(x.Config.Meta, wantMeta) {
		t.Errorf("meta %v, config.meta %v, want %v", x.Meta, x.Config.Meta, wantMeta)
	}
	writeFile(t, dir, "models/schema.yml", strings.Replace(exposure, "%s", "True and False", 1))
	res := elt(t, dir, "parse")
	if want := "exposure \"simple_exposure\": at path ['enabled']: 'True and False' is not of type 'boolean'"; res.code != exitUsage || !strings.Contains(res.stderr, want) {
		t.Errorf("parse: exit %d, want %d with %q\n%s%s", res.code, exitUsage, want, res.stdout, res.stderr)
	}
}
