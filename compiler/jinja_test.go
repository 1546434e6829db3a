package compiler

import (
	"context"
	"strings"
	"testing"

	"github.com/elt-dev/elt/project"
)

func TestJinjaContext(t *testing.T) {
	p := newProject(readCase(t, "jinja"))
	addSource(p, "raw", "payments")
	p.Config.Vars = map[string]any{"region": "eu", "cli_only": "from-project", "shop": map[string]any{"scoped": "package-scope"}, "scoped": "global"}
	p.Nodes["model.shop.orders"].Config = project.Config{"materialized": "view", "schema": "sales"}
	opts := testOptions()
	opts.Vars = map[string]any{"cli_only": "from-cli"}
	var logs, warns []string
	opts.Log = func(s string) { logs = append(logs, s) }
	opts.Warn = func(s string) error { warns = append(warns, s); return nil }
	opts.Concurrency = 1 // logs are collected without a lock
	m, got := compileProject(t, p, opts)
	golden(t, "jinja/compiled.sql", got)

	orders := m.Nodes["model.shop.orders"]
	if orders.Config["materialized"] != "table" {
		t.Errorf("in-file config should win over project config: got %v", orders.Config["materialized"])
	}
	if got, want := strings.Join(logs, "|"), "hello from orders"; got != want {
		t.Errorf("logs: want %q, got %q", want, got)
	}
	if len(warns) != 1 || !strings.Contains(warns[0], "careful") {
		t.Errorf("want the exceptions.warn warning, got %v", warns)
	}
	// Sources first, then refs, as dbt's process_sources runs before process_refs.
	wantDeps := []string{"source.shop.raw.payments", "model.shop.stg_orders"}
	if strings.Join(orders.DependsOn.Nodes, ",") != strings.Join(wantDeps, ",") {
		t.Errorf("depends_on.nodes: want %v, got %v", wantDeps, orders.DependsOn.Nodes)
	}
	// depends_on.macros are the macros the model itself calls (dbt
	// records depth 0 only); what they call is in the macros' own lists.
	macros := "," + strings.Join(orders.DependsOn.Macros, ",") + ","
	for _, want := range []string{"macro.shop.cents_to_dollars", "macro.shop.outer_macro"} {
		if !strings.Contains(macros, ","+want+",") {
			t.Errorf("depends_on.macros %s lacks %s", macros, want)
		}
	}
	if strings.Contains(macros, ",macro.shop.inner_macro,") {
		t.Errorf("depends_on.macros %s holds inner_macro, which only outer_macro calls", macros)
	}
	if got := m.MacroDependsOn("macro.shop.outer_macro"); strings.Join(got, ",") != "macro.shop.inner_macro" {
		t.Errorf("outer_macro's depends_on.macros: want [macro.shop.inner_macro], got %v", got)
	}
	mac := m.Macros["macro.shop.cents_to_dollars"]
	if mac == nil || mac.Line != 1 || strings.Join(mac.Arguments, ",") != "col,scale" || mac.OriginalFilePath != "macros/helpers.sql" {
		t.Errorf("macro entry: %+v", mac)
	}
	v, err := m.CallMacroValue(context.Background(), "column_list", nil)
	if err != nil {
		t.Fatal(err)
	}
	if l, ok := v.([]any); !ok || len(l) != 2 || l[0] != "id" {
		t.Errorf("CallMacroValue(column_list): got %#v", v)
	}
	s, err := m.CallMacro(context.Background(), "cents_to_dollars", map[string]any{"col": "x"})
	if err != nil || s != "(x / 100)::numeric(16, 2)" {
		t.Errorf("CallMacro: got %q, %v", s, err)
	}
	hook, err := m.RenderString(context.Background(), "grant select on {{ this }} to {{ var('region') }}", orders)
	if err != nil || hook != `grant select on "warehouse"."main_sales"."orders" to eu` {
		t.Errorf("RenderString: got %q, %v", hook, err)
	}
}
