package graph

import (
	"reflect"
	"sort"
	"strings"
	"testing"
)

func sorted(ids []string) []string {
	out := append([]string(nil), ids...)
	sort.Strings(out)
	return out
}

// TestSelectorsYAML evaluates selectors.yml definitions and compares each
// with the --select/--exclude expression that means the same, or with the
// ids it must select.
func TestSelectorsYAML(t *testing.T) {
	g := shop(t)
	sels, err := ParseSelectors("selectors.yml", []byte(`selectors:
  - name: staging_views
    description: a string in --select syntax
    definition: "tag:nightly"
  - name: marts_but_finance
    definition:
      union:
        - method: path
          value: models/marts
        - exclude:
            - method: path
              value: models/marts/finance
  - name: nightly_tables
    definition:
      intersection:
        - tag: nightly
        - method: config.materialized
          value: view
  - name: stg_orders_children
    default: true
    definition:
      method: fqn
      value: stg_orders
      children: true
      children_depth: 1
      indirect_selection: empty
  - name: orders_parents
    definition:
      method: fqn
      value: orders
      parents: true
      parents_depth: 1
      exclude:
        - stg_customers
  - name: reuse
    definition:
      union:
        - method: selector
          value: orders_parents
        - method: fqn
          value: revenue
          indirect_selection: cautious
`))
	if err != nil {
		t.Fatal(err)
	}
	if sels.Default != "stg_orders_children" {
		t.Errorf("default: %q", sels.Default)
	}
	cli := func(sel, exclude []string, mode string) []string {
		return sorted(mustSelect(t, g, SelectOptions{Select: sel, Exclude: exclude, IndirectSelection: mode}))
	}
	tests := []struct {
		name string
		want []string
	}{
		{"staging_views", cli([]string{"tag:nightly"}, nil, "")},
		{"marts_but_finance", cli([]string{"path:models/marts"}, []string{"path:models/marts/finance"}, "")},
		{"nightly_tables", cli([]string{"tag:nightly,config.materialized:view"}, nil, "")},
		// The relationships test depends on stg_orders: a child one edge
		// away. indirect_selection: empty adds no other test of orders.
		{"stg_orders_children", []string{orders, stgOrders, relOrdersStg}},
		{"orders_parents", cli([]string{"1+orders"}, []string{"stg_customers"}, "")},
		// revenue's singular test has one parent, so cautious keeps it.
		{"reuse", sorted(append(cli([]string{"1+orders"}, []string{"stg_customers"}, ""), revenue, assertRevenue))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := sorted(mustSelect(t, g, SelectOptions{Spec: sels.Specs[tt.name]}))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("want %v\n got %v", tt.want, got)
			}
		})
	}
}

func TestSelectorsYAMLErrors(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
	}{
		{"unknown selector key", "selectors:\n  - name: a\n    definiton: tag:x\n",
			[]string{"selectors.yml:3:5", `unknown key "definiton"`}},
		{"unknown definition key", "selectors:\n  - name: a\n    definition:\n      method: tag\n      value: x\n      child: true\n",
			[]string{"selectors.yml:6:7", `unknown key "child"`}},
		{"two defaults", "selectors:\n  - name: a\n    definition: x\n    default: true\n  - name: b\n    definition: y\n    default: true\n",
			[]string{"selectors.yml:7:14", "both default: true"}},
		{"union beside another key at the root", "selectors:\n  - name: a\n    definition:\n      union: [x]\n      method: tag\n",
			[]string{"selectors.yml:4:7", "only a single union or intersection"}},
		{"selector defined later", "selectors:\n  - name: a\n    definition:\n      method: selector\n      value: b\n  - name: b\n    definition: x\n",
			[]string{"selectors.yml:5:14", `"b" not found`}},
		{"two excludes", "selectors:\n  - name: a\n    definition:\n      union:\n        - x\n        - exclude: [y]\n        - exclude: [z]\n",
			[]string{"selectors.yml:7:11", "multiple exclude"}},
		{"bad depth", "selectors:\n  - name: a\n    definition:\n      method: tag\n      value: x\n      parents_depth: two\n",
			[]string{"selectors.yml:6:22", "whole number"}},
		{"no name", "selectors:\n  - definition: x\n", []string{"selectors.yml:2:5", "no name"}},
		{"two keys without method", "selectors:\n  - name: a\n    definition: {tag: x, path: y}\n",
			[]string{"selectors.yml:3:17", "expected either 1 key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSelectors("selectors.yml", []byte(tt.src))
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("want %q in:\n%v", w, err)
				}
			}
		})
	}

	// Unknown methods are found when the selector is used, at their line.
	g := shop(t)
	sels, err := ParseSelectors("selectors.yml", []byte("selectors:\n  - name: a\n    definition:\n      union:\n        - colour: red\n        - method: tag\n          value: x\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = g.Select(SelectOptions{Spec: sels.Specs["a"]})
	if err == nil || !strings.Contains(err.Error(), "selectors.yml:5:11") || !strings.Contains(err.Error(), `unknown selector method "colour"`) {
		t.Errorf("unknown method: %v", err)
	}
}

// stateSet is a StateMethods over fixed sets: graph only asks it which
// ids match; package state computes the sets.
type stateSet map[string][]string

func (s stateSet) Matcher(method, value string) (func(string) bool, error) {
	ids, ok := s[method+":"+value]
	if !ok {
		return nil, &unknownValue{method + ":" + value}
	}
	return func(id string) bool {
		for _, x := range ids {
			if x == id {
				return true
			}
		}
		return false
	}, nil
}

type unknownValue struct{ v string }

func (u *unknownValue) Error() string { return "no such check " + u.v }

func TestStateMethodsWithGraphOperators(t *testing.T) {
	g := shop(t)
	state := stateSet{"state:modified": {stgCustomers}, "result:error": {orders}}
	sel := func(expr ...string) []string {
		return sorted(mustSelect(t, g, SelectOptions{Select: expr, State: state, IndirectSelection: IndirectEmpty}))
	}
	if got, want := sel("state:modified"), []string{stgCustomers}; !reflect.DeepEqual(got, want) {
		t.Errorf("state:modified: %v", got)
	}
	// + follows the graph from what the method matched.
	if got, want := sel("state:modified+"), sel("stg_customers+"); !reflect.DeepEqual(got, want) {
		t.Errorf("state:modified+: want %v, got %v", want, got)
	}
	if got, want := sel("result:error+", "state:modified"), sorted(append(sel("orders+"), stgCustomers)); !reflect.DeepEqual(got, want) {
		t.Errorf("union: want %v, got %v", want, got)
	}
	_, err := g.Select(SelectOptions{Select: []string{"state:modified.colour"}, State: state})
	if err == nil || !strings.Contains(err.Error(), "no such check state:modified.colour") {
		t.Errorf("a value the state rejects: %v", err)
	}
	_, err = g.Select(SelectOptions{Select: []string{"source_status:fresher+"}})
	if err == nil || !strings.Contains(err.Error(), "needs --state") {
		t.Errorf("without state: %v", err)
	}
}

// TestSelectorsAnchors: YAML anchors, aliases and merge keys share parts of
// definitions, as dbt's docs suggest.
func TestSelectorsAnchors(t *testing.T) {
	src := `selectors:
  - name: base
    definition: &nightly
      method: tag
      value: nightly
      children: true
  - name: reused
    definition: *nightly
  - name: merged
    definition:
      <<: *nightly
      value: hourly
`
	sels, err := ParseSelectors("selectors.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := sels.Specs["reused"]; got == nil || got.Method != "tag" || got.Value != "nightly" || !got.Children {
		t.Errorf("alias: %+v", got)
	}
	if got := sels.Specs["merged"]; got == nil || got.Method != "tag" || got.Value != "hourly" || !got.Children {
		t.Errorf("merge key: %+v", got)
	}
}
