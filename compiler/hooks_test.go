package compiler

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/elt-dev/elt/project"
)

// loadProject writes files into a temporary folder and loads it as
// cmd/elt does, so dbt_project.yml and properties YAML config apply.
func loadProject(t *testing.T, files map[string]string) *project.Project {
	t.Helper()
	dir := t.TempDir()
	for rel, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p, err := project.Load(context.Background(), project.Options{ProjectDir: dir, WorkDir: dir, ProfilesDir: dir,
		Env: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

const hooksProfiles = `shop:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: warehouse.duckdb
`

func TestHooks(t *testing.T) {
	p := loadProject(t, map[string]string{
		"profiles.yml": hooksProfiles,
		"dbt_project.yml": `name: shop
profile: shop
models:
  +pre-hook: "set threads = {{ target.threads }}"
  shop:
    marts:
      +post-hook:
        - "analyze {{ this }}"
        - sql: "grant select on {{ this }} to reporter"
          transaction: false
on-run-end:
  - "{% for r in results %}{{ r.status }} {{ r.node.name }} ({{ r.node.resource_type }}, {{ r.execution_time }}s, {{ r.failures }}); {% endfor %}in {{ schemas | join(',') }}"
`,
		"macros/audit.sql": "{% macro audit(rel) %}insert into audit values ('{{ rel.identifier }}'){% endmacro %}",
		"models/marts/orders.sql": `{{ config(
    materialized='table',
    pre_hook="delete from log where model = '{{ this.name }}'",
    post_hook=["{{ audit(this) }}", {'sql': "vacuum {{ this }}", 'transaction': False}]
) }}
select 1 as id`,
		"models/marts/schema.yml": `version: 2
models:
  - name: orders
    config:
      post_hook: "comment on table {{ this }} is 'from yaml'"
`,
		"models/plain.sql":      "select 1 as id",
		"models/empty_hook.sql": "{{ config(post_hook='{% if false %}x{% endif %}') }}select 1",
	})
	ctx := context.Background()
	m, err := Parse(ctx, p, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	rel := `"warehouse"."main"."orders"`
	for _, tc := range []struct {
		id, which string
		want      []string
	}{
		{"model.shop.orders", "pre_hook", []string{"set threads = 1", "delete from log where model = 'orders'"}},
		{"model.shop.orders", "post-hook", []string{
			"analyze " + rel,
			"grant select on " + rel + " to reporter",
			"comment on table " + rel + " is 'from yaml'",
			"insert into audit values ('orders')",
			"vacuum " + rel,
		}},
		{"model.shop.plain", "pre_hook", []string{"set threads = 1"}},
		{"model.shop.plain", "post_hook", nil},
		{"model.shop.empty_hook", "post_hook", nil},
	} {
		t.Run(tc.id+"/"+tc.which, func(t *testing.T) {
			got, err := m.Hooks(ctx, tc.id, tc.which)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("want %q\ngot  %q", tc.want, got)
			}
		})
	}
	if _, err := m.Hooks(ctx, "model.shop.orders", "mid_hook"); err == nil {
		t.Errorf("unknown hook kind: want an error")
	}
	if _, err := m.Hooks(ctx, "model.shop.nope", "pre_hook"); err == nil {
		t.Errorf("unknown node: want an error")
	}

	// on-run-end with results as plain maps and as tagged structs.
	type node struct {
		Name         string `jinja:"name"`
		UniqueID     string `jinja:"unique_id"`
		ResourceType string `jinja:"resource_type"`
	}
	type result struct {
		Status        string  `jinja:"status"`
		Node          node    `jinja:"node"`
		ExecutionTime float64 `jinja:"execution_time"`
		Failures      any     `jinja:"failures"`
	}
	if len(p.Config.OnRunEnd) != 1 {
		t.Fatalf("on-run-end: %q", p.Config.OnRunEnd)
	}
	extra := map[string]any{
		"results": []any{
			map[string]any{"status": "success", "execution_time": 0.5, "failures": nil, "message": "OK",
				"node": map[string]any{"name": "orders", "unique_id": "model.shop.orders", "resource_type": "model"}},
			result{Status: "fail", ExecutionTime: 1.25, Failures: 3, Node: node{Name: "not_null_orders_id", UniqueID: "test.shop.not_null_orders_id", ResourceType: "test"}},
		},
		"schemas":          []any{"main"},
		"database_schemas": []any{[]any{"warehouse", "main"}},
	}
	got, err := m.RenderProjectHook(ctx, p.Config.OnRunEnd[0], extra)
	if err != nil {
		t.Fatal(err)
	}
	want := "success orders (model, 0.5s, None); fail not_null_orders_id (test, 1.25s, 3); in main"
	if got != want {
		t.Errorf("RenderProjectHook:\nwant %q\ngot  %q", want, got)
	}
	if _, err := m.RenderProjectHook(ctx, "{{ exceptions.raise_compiler_error('stop') }}", nil); err == nil || !strings.Contains(err.Error(), "stop") {
		t.Errorf("raise in a project hook: got %v", err)
	}
}
