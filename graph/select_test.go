package graph

import (
	"errors"
	"strings"
	"testing"

	"github.com/elt-dev/elt/internal/diag"
)

// Short names for the fixture's ids.
const (
	rawOrders    = "source.shop.raw.orders"
	rawCustomers = "source.shop.raw.customers"
	countries    = "seed.shop.countries"
	stgOrders    = "model.shop.stg_orders"
	stgCustomers = "model.shop.stg_customers"
	orders       = "model.shop.orders"
	customers    = "model.shop.customers"
	revenue      = "model.shop.revenue"
	calendar     = "model.util.calendar"
	dashboard    = "exposure.shop.dashboard"

	notNullOrders     = "test.shop.not_null_orders_id"
	uniqueCustomers   = "test.shop.unique_customers_id"
	relOrdersCust     = "test.shop.relationships_orders_customer_id"   // orders -> customers: independent parents
	relOrdersStg      = "test.shop.relationships_orders_id_stg_orders" // orders -> stg_orders: stg_orders is upstream of orders
	assertRevenue     = "test.shop.assert_revenue_positive"            // singular
	notNullSourceRows = "test.shop.source_not_null_raw_orders_id"
)

// withPatch is n described by the properties file patch.
func withPatch(n Node, patch string) Node {
	n.PatchPath = patch
	return n
}

// shop is a small project:
//
//	raw.orders -> stg_orders -> orders -> revenue -> dashboard
//	raw.customers -> stg_customers -> orders
//	stg_customers, countries -> customers
//	calendar (package util)
func shop(t testing.TB) *Graph {
	t.Helper()
	model := func(id, path string, fqn []string, tags []string, config map[string]any, deps ...string) Node {
		parts := strings.Split(id, ".")
		return Node{ID: id, Name: parts[2], ResourceType: "model", Package: parts[1], Path: path, FQN: fqn, Tags: tags, Config: config, DependsOn: deps}
	}
	test := func(id, testName, path string, deps ...string) Node {
		name := strings.Split(id, ".")[2]
		return Node{ID: id, Name: name, ResourceType: "test", Package: "shop", Path: path,
			FQN: []string{"shop", "marts", name}, TestName: testName, DependsOn: deps, TestOf: deps[:1]}
	}
	source := func(id string) Node {
		parts := strings.Split(id, ".")
		return Node{ID: id, Name: parts[3], ResourceType: "source", Package: "shop", Path: "models/staging/sources.yml",
			FQN: []string{"shop", "staging", parts[2], parts[3]}, Tags: []string{"raw"}}
	}
	nodes := []Node{
		source(rawOrders),
		source(rawCustomers),
		{ID: countries, Name: "countries", ResourceType: "seed", Package: "shop", Path: "seeds/countries.csv", FQN: []string{"shop", "countries"}},
		model(stgOrders, "models/staging/stg_orders.sql", []string{"shop", "staging", "stg_orders"}, []string{"nightly"},
			map[string]any{"materialized": "view", "tags": []any{"nightly"}}, rawOrders),
		model(stgCustomers, "models/staging/stg_customers.sql", []string{"shop", "staging", "stg_customers"}, []string{"nightly", "pii"},
			map[string]any{"materialized": "view"}, rawCustomers),
		withPatch(model(orders, "models/marts/orders.sql", []string{"shop", "marts", "orders"}, nil,
			map[string]any{"materialized": "table"}, stgOrders, stgCustomers), "models/marts/props.yml"),
		model(customers, "models/marts/customers.sql", []string{"shop", "marts", "customers"}, []string{"pii"},
			map[string]any{"materialized": "table"}, stgCustomers, countries),
		model(revenue, "models/marts/finance/revenue.sql", []string{"shop", "marts", "finance", "revenue"}, nil,
			map[string]any{"materialized": "incremental", "meta": map[string]any{"owner": "finance"}}, orders),
		model(calendar, "models/calendar.sql", []string{"util", "calendar"}, nil,
			map[string]any{"materialized": "table", "full_refresh": false, "group": "platform", "access": "public"}),
		{ID: dashboard, Name: "dashboard", ResourceType: "exposure", Package: "shop", Path: "models/exposures.yml", DependsOn: []string{revenue}},
		test(notNullOrders, "not_null", "models/marts/schema.yml", orders),
		test(uniqueCustomers, "unique", "models/marts/schema.yml", customers),
		test(relOrdersCust, "relationships", "models/marts/schema.yml", orders, customers),
		test(relOrdersStg, "relationships", "models/marts/schema.yml", orders, stgOrders),
		{ID: assertRevenue, Name: "assert_revenue_positive", ResourceType: "test", Package: "shop",
			Path: "tests/assert_revenue_positive.sql", FQN: []string{"shop", "assert_revenue_positive"}, DependsOn: []string{revenue}},
		{ID: notNullSourceRows, Name: "source_not_null_raw_orders_id", ResourceType: "test", Package: "shop",
			Path: "models/staging/sources.yml", FQN: []string{"shop", "staging", "source_not_null_raw_orders_id"},
			TestName: "not_null", DependsOn: []string{rawOrders}, TestOf: []string{rawOrders}},
	}
	return mustNew(t, nodes)
}

func everything(t testing.TB, g *Graph, except ...string) []string {
	t.Helper()
	skip := map[string]bool{}
	for _, id := range except {
		skip[id] = true
	}
	var out []string
	for _, id := range g.IDs() {
		if !skip[id] {
			out = append(out, id)
		}
	}
	return out
}

func TestSelectMethods(t *testing.T) {
	g := shop(t)
	tests := []struct {
		name string
		sel  string
		want []string
	}{
		{"bare name", "orders", []string{orders}},
		{"name with wildcard", "stg_*", []string{stgOrders, stgCustomers}},
		{"fqn glob", "shop.staging.*", []string{stgOrders, stgCustomers, notNullSourceRows}},
		{"fqn method", "fqn:shop.marts.finance.revenue", []string{revenue}},
		{"fqn folder without package", "marts.finance", []string{revenue}},
		{"fqn folder without package, tests included", "marts", []string{orders, customers, revenue, notNullOrders, uniqueCustomers, relOrdersCust, relOrdersStg}},
		{"fqn is a prefix, not any folder", "finance", nil},
		// As dbt's: an empty criterion matches nothing, so a trailing
		// comma empties the intersection; an empty value too.
		{"trailing comma", "orders,", nil},
		{"empty method value", "tag:", nil},
		{"empty criterion in a union", "orders  revenue", []string{orders, revenue}},
		{"fqn package prefix", "util", []string{calendar}},
		{"fqn glob anywhere", "*.finance.*", []string{revenue}},
		{"fqn star skips sources", "*", everything(t, g, rawOrders, rawCustomers)},
		{"path folder", "path:models/staging", []string{stgOrders, stgCustomers, rawOrders, rawCustomers, notNullSourceRows}},
		{"path default method", "models/staging/", []string{stgOrders, stgCustomers, rawOrders, rawCustomers, notNullSourceRows}},
		{"path file", "path:models/staging/stg_orders.sql", []string{stgOrders}},
		// As dbt's: the properties file that describes a node selects it.
		{"path of a properties file", "path:models/marts/props.yml", []string{orders}},
		{"bare path of a properties file", "models/marts/props.yml", []string{orders}},
		{"path glob of properties files", "path:models/marts/*.yml", []string{orders, notNullOrders, uniqueCustomers, relOrdersCust, relOrdersStg}},
		{"path ./ prefix", "./models/marts/finance", []string{revenue}},
		{"path folder is not a name prefix", "path:models/mart", nil},
		{"path wildcard stays in a segment", "path:models/marts/*.sql", []string{orders, customers}},
		{"path wildcard folder", "path:models/*/finance", []string{revenue}},
		{"file name", "file:orders.sql", []string{orders}},
		{"file default method", "revenue.sql", []string{revenue}},
		{"file stem", "file:countries", []string{countries}},
		{"file glob", "file:*.csv", []string{countries}},
		{"tag", "tag:nightly", []string{stgOrders, stgCustomers}},
		{"tag glob", "tag:pi*", []string{stgCustomers, customers}},
		{"tag on a source", "tag:raw", []string{rawOrders, rawCustomers}},
		{"package", "package:util", []string{calendar}},
		{"package glob", "package:ut*", []string{calendar}},
		{"resource_type", "resource_type:seed", []string{countries}},
		{"config", "config.materialized:table", []string{orders, customers, calendar}},
		{"config nested key", "config.meta.owner:finance", []string{revenue}},
		{"config boolean any case", "config.full_refresh:False", []string{calendar}},
		{"config list", "config.tags:nightly", []string{stgOrders}},
		{"config missing key", "config.nope:x", nil},
		{"group", "group:plat*", []string{calendar}},
		{"access", "access:public", []string{calendar}},
		{"source name", "source:raw", []string{rawOrders, rawCustomers}},
		{"source table", "source:raw.orders", []string{rawOrders}},
		{"source package and glob", "source:shop.raw.cust*", []string{rawCustomers}},
		{"test_type generic", "test_type:generic", []string{notNullOrders, uniqueCustomers, relOrdersCust, relOrdersStg, notNullSourceRows}},
		{"test_type singular", "test_type:singular", []string{assertRevenue}},
		{"test_type data", "test_type:data", []string{notNullOrders, uniqueCustomers, relOrdersCust, relOrdersStg, notNullSourceRows, assertRevenue}},
		{"test_name", "test_name:not_null", []string{notNullOrders, notNullSourceRows}},
		{"test_name glob", "test_name:relation*", []string{relOrdersCust, relOrdersStg}},
		{"exposure", "exposure:dashboard", []string{dashboard}},
		{"union", "orders customers", []string{orders, customers}},
		{"intersection", "tag:nightly,tag:pii", []string{stgCustomers}},
		{"intersection with fqn", "marts,config.materialized:table", []string{orders, customers}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Empty indirect selection: only what the method matches.
			got, err := g.Select(SelectOptions{Select: []string{tt.sel}, IndirectSelection: IndirectEmpty})
			if err != nil {
				t.Fatalf("Select(%q): %v", tt.sel, err)
			}
			if d := diffIDs(tt.want, got.IDs); d != "" {
				t.Errorf("Select(%q):\n%s", tt.sel, d)
			}
		})
	}
}

func TestSelectOperatorsAndIndirect(t *testing.T) {
	g := shop(t)
	tests := []struct {
		name string
		opts SelectOptions
		want []string
	}{
		{
			name: "eager: any parent selected brings the test",
			opts: SelectOptions{Select: []string{"orders"}},
			want: []string{orders, notNullOrders, relOrdersCust, relOrdersStg},
		},
		{
			name: "cautious: only tests whose parents are all selected",
			opts: SelectOptions{Select: []string{"orders"}, IndirectSelection: IndirectCautious},
			want: []string{orders, notNullOrders},
		},
		{
			name: "cautious: a union completes a test's parents",
			opts: SelectOptions{Select: []string{"orders", "customers"}, IndirectSelection: IndirectCautious},
			want: []string{orders, customers, notNullOrders, uniqueCustomers, relOrdersCust},
		},
		{
			name: "buildable: parents selected or upstream of the selection",
			opts: SelectOptions{Select: []string{"orders"}, IndirectSelection: IndirectBuildable},
			want: []string{orders, notNullOrders, relOrdersStg},
		},
		{
			name: "empty: no tests come along",
			opts: SelectOptions{Select: []string{"orders"}, IndirectSelection: IndirectEmpty},
			want: []string{orders},
		},
		{
			name: "all ancestors",
			opts: SelectOptions{Select: []string{"+orders"}},
			want: []string{orders, stgOrders, stgCustomers, rawOrders, rawCustomers, notNullOrders, relOrdersCust, relOrdersStg, notNullSourceRows},
		},
		{
			name: "all descendants, tests included",
			opts: SelectOptions{Select: []string{"orders+"}},
			want: []string{orders, revenue, dashboard, notNullOrders, relOrdersCust, relOrdersStg, assertRevenue},
		},
		{
			name: "ancestors to depth 1",
			opts: SelectOptions{Select: []string{"1+orders"}, IndirectSelection: IndirectEmpty},
			want: []string{orders, stgOrders, stgCustomers},
		},
		{
			name: "descendants to depth 2",
			opts: SelectOptions{Select: []string{"stg_orders+2"}, IndirectSelection: IndirectEmpty},
			want: []string{stgOrders, orders, revenue, notNullOrders, relOrdersCust, relOrdersStg},
		},
		{
			name: "both sides with depths",
			opts: SelectOptions{Select: []string{"1+orders+1"}, IndirectSelection: IndirectEmpty},
			want: []string{stgOrders, stgCustomers, orders, revenue, notNullOrders, relOrdersCust, relOrdersStg},
		},
		{
			name: "at: descendants and all their ancestors",
			opts: SelectOptions{Select: []string{"@revenue"}, IndirectSelection: IndirectEmpty},
			want: []string{revenue, dashboard, assertRevenue, orders, stgOrders, stgCustomers, rawOrders, rawCustomers},
		},
		{
			name: "operator on a method",
			opts: SelectOptions{Select: []string{"source:raw.customers+1"}, IndirectSelection: IndirectEmpty},
			want: []string{rawCustomers, stgCustomers},
		},
		{
			name: "intersection keeps tests both sides selected",
			opts: SelectOptions{Select: []string{"tag:pii,resource_type:model"}},
			want: []string{stgCustomers, customers, uniqueCustomers, relOrdersCust},
		},
		{
			name: "terms as one string or as elements",
			opts: SelectOptions{Select: []string{"orders  customers", "calendar"}, IndirectSelection: IndirectEmpty},
			want: []string{orders, customers, calendar},
		},
		{
			name: "exclude a model",
			opts: SelectOptions{Select: []string{"+orders"}, Exclude: []string{"stg_customers"}},
			want: []string{orders, stgOrders, rawOrders, rawCustomers, notNullOrders, relOrdersCust, relOrdersStg, notNullSourceRows},
		},
		{
			name: "exclude drops tests touching the excluded model, eagerly",
			opts: SelectOptions{Select: []string{"orders"}, Exclude: []string{"customers"}},
			want: []string{orders, notNullOrders, relOrdersStg},
		},
		{
			name: "exclude is eager even when selection is cautious",
			opts: SelectOptions{Select: []string{"+orders"}, Exclude: []string{"stg_orders"}, IndirectSelection: IndirectCautious},
			want: []string{orders, stgCustomers, rawOrders, rawCustomers, notNullOrders, notNullSourceRows},
		},
		{
			name: "excluding a model keeps tests of other models",
			opts: SelectOptions{Select: []string{"resource_type:test"}, Exclude: []string{"orders"}},
			want: []string{uniqueCustomers, assertRevenue, notNullSourceRows},
		},
		{
			name: "no select means everything",
			opts: SelectOptions{},
			want: everything(t, g),
		},
		{
			name: "no select with exclude",
			opts: SelectOptions{Exclude: []string{"package:shop"}},
			want: []string{calendar},
		},
		{
			name: "resource types filter last",
			opts: SelectOptions{Select: []string{"+orders"}, ResourceTypes: []string{"model", "seed"}},
			want: []string{orders, stgOrders, stgCustomers},
		},
		{
			name: "resource types only",
			opts: SelectOptions{ResourceTypes: []string{"test"}},
			want: []string{notNullOrders, uniqueCustomers, relOrdersCust, relOrdersStg, assertRevenue, notNullSourceRows},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := g.Select(tt.opts)
			if err != nil {
				t.Fatalf("Select(%+v): %v", tt.opts, err)
			}
			if d := diffIDs(tt.want, got.IDs); d != "" {
				t.Errorf("Select(%+v):\n%s", tt.opts, d)
			}
			if len(got.Warnings) != 0 {
				t.Errorf("unexpected warnings: %v", got.Warnings)
			}
		})
	}
}

func TestSelectOrderIsTopological(t *testing.T) {
	g := shop(t)
	got, err := g.Select(SelectOptions{Select: []string{"+revenue+"}})
	if err != nil {
		t.Fatal(err)
	}
	if d := diffOrder(g.TopoSort(got.IDs), got.IDs); d != "" {
		t.Error(d)
	}
}

func TestSelectWarnings(t *testing.T) {
	g := shop(t)
	tests := []struct {
		name     string
		opts     SelectOptions
		wantIDs  []string
		warnings []string
	}{
		{
			name:     "nothing matches",
			opts:     SelectOptions{Select: []string{"ordres"}},
			warnings: []string{`warning: The selection criterion 'ordres' does not match any enabled nodes`},
		},
		{
			name:     "one term of a union matches nothing",
			opts:     SelectOptions{Select: []string{"calendar tag:nope"}},
			wantIDs:  []string{calendar},
			warnings: []string{`The selection criterion 'tag:nope' does not match any enabled nodes`},
		},
		{
			name:     "an empty intersection",
			opts:     SelectOptions{Select: []string{"tag:nightly,package:util"}},
			warnings: []string{`The selection criterion 'tag:nightly,package:util' does not match any enabled nodes`},
		},
		{
			name:     "exclude matches nothing",
			opts:     SelectOptions{Select: []string{"calendar"}, Exclude: []string{"gone"}},
			wantIDs:  []string{calendar},
			warnings: []string{`The selection criterion 'gone' does not match any enabled nodes`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := g.Select(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if d := diffIDs(tt.wantIDs, got.IDs); d != "" {
				t.Error(d)
			}
			if len(got.Warnings) != len(tt.warnings) {
				t.Fatalf("want %d warnings, got %v", len(tt.warnings), got.Warnings)
			}
			for i, w := range tt.warnings {
				if got.Warnings[i].Severity != diag.Warning || !strings.Contains(got.Warnings[i].Error(), w) {
					t.Errorf("warning %d:\nwant %q\n got %q", i, w, got.Warnings[i].Error())
				}
			}
		})
	}
}

func TestSelectErrors(t *testing.T) {
	g := shop(t)
	tests := []struct {
		name string
		opts SelectOptions
		want []string
	}{
		{"unknown method", SelectOptions{Select: []string{"bogus:x"}},
			[]string{`--select "bogus:x": unknown selector method "bogus"`, "hint: selector methods: fqn, path, file, tag"}},
		{"unknown dotted method", SelectOptions{Select: []string{"tag.x:y"}}, []string{`unknown selector method "tag.x"`}},
		{"unsupported dbt method", SelectOptions{Select: []string{"state:modified+"}},
			[]string{`Got a state selector method, but no comparison manifest: selector method "state" needs --state`, "--state DIR"}},
		{"@ with leading +", SelectOptions{Select: []string{"@+orders"}}, []string{"@ cannot be combined with a leading +"}},
		{"config without key", SelectOptions{Select: []string{"config:table"}}, []string{"config needs a key"}},
		{"bad test type", SelectOptions{Select: []string{"test_type:weird"}}, []string{`unknown test type "weird"`}},
		{"bad resource type", SelectOptions{Select: []string{"resource_type:models"}}, []string{`unknown resource type "models"`, "hint: resource types: analysis, "}},
		{"bad source", SelectOptions{Select: []string{"source:a.b.c.d"}}, []string{"too many parts"}},
		{"bad mode", SelectOptions{IndirectSelection: "sometimes"}, []string{`unknown indirect selection mode "sometimes"`}},
		{"huge depth", SelectOptions{Select: []string{"orders+99999999999999999999"}}, []string{"too large"}},
		{"all problems at once", SelectOptions{Select: []string{"bogus:x orders"}, Exclude: []string{"nope:y,tag:"}},
			[]string{`--select "bogus:x"`, `--exclude "nope:y,tag:": unknown selector method "nope"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := g.Select(tt.opts)
			if err == nil {
				t.Fatal("want an error, got nil")
			}
			var de *diag.Errors
			if !errors.As(err, &de) {
				t.Fatalf("want *diag.Errors, got %T", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestParseCriterion(t *testing.T) {
	g := shop(t)
	tests := []struct {
		raw                     string
		at, parents, children   bool
		parentDepth, childDepth int
	}{
		{"orders", false, false, false, Unlimited, Unlimited},
		{"+orders", false, true, false, Unlimited, Unlimited},
		{"orders+", false, false, true, Unlimited, Unlimited},
		{"3+orders+12", false, true, true, 3, 12},
		{"@orders", true, false, false, Unlimited, Unlimited},
		{"2020_orders", false, false, false, Unlimited, Unlimited},
		{"tag:a+b", false, false, false, Unlimited, Unlimited},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			c, err := (&selector{g: g}).parseCriterion(tt.raw)
			if err != nil {
				t.Fatal(err)
			}
			got := [5]any{c.childrensParents, c.parents, c.children, c.parentsDepth, c.childrenDepth}
			want := [5]any{tt.at, tt.parents, tt.children, tt.parentDepth, tt.childDepth}
			if got != want {
				t.Errorf("want (@, +left, right+, depths) %v, got %v", want, got)
			}
		})
	}
}

func TestGlob(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"stg_*", "stg_orders", true},
		{"stg_*", "orders", false},
		{"*.finance.*", "shop.marts.finance.revenue", true},
		{"ord?rs", "orders", true},
		{"[a-c]at", "bat", true},
		{"[!a-c]at", "bat", false},
		{"[!a-c]at", "rat", true},
		{"a.b", "axb", false}, // the dot is literal
		{"[unclosed", "[unclosed", true},
		{"Orders", "orders", false},
	}
	for _, tt := range tests {
		t.Run(tt.pattern+" "+tt.s, func(t *testing.T) {
			if got := compileGlob(tt.pattern).match(tt.s); got != tt.want {
				t.Errorf("want %v, got %v", tt.want, got)
			}
		})
	}
}

// TestSelectSemanticNodes: metrics, semantic models and saved queries are
// matched by their fqn like models; tag: reads their tags, and group:
// finds metrics but not semantic models or saved queries, as in dbt.
func TestSelectSemanticNodes(t *testing.T) {
	const (
		model  = "model.sl.orders"
		sm     = "semantic_model.sl.orders"
		amount = "metric.sl.amount"
		sq     = "saved_query.sl.sq"
		dash   = "exposure.sl.dash"
		src    = "source.sl.raw.orders"
	)
	fin := map[string]any{"group": "fin"}
	g := mustNew(t, []Node{
		{ID: src, Name: "orders", ResourceType: "source", Package: "sl", FQN: []string{"sl", "raw", "orders"}},
		{ID: model, Name: "orders", ResourceType: "model", Package: "sl", FQN: []string{"sl", "orders"}, DependsOn: []string{src}},
		{ID: sm, Name: "orders", ResourceType: "semantic_model", Package: "sl", FQN: []string{"sl", "marts", "orders"}, Config: fin, DependsOn: []string{model}},
		{ID: amount, Name: "amount", ResourceType: "metric", Package: "sl", FQN: []string{"sl", "marts", "amount"}, Config: fin, DependsOn: []string{sm}},
		{ID: sq, Name: "sq", ResourceType: "saved_query", Package: "sl", FQN: []string{"sl", "marts", "sq"}, Tags: []string{"finance"}, Config: fin, DependsOn: []string{amount}},
		{ID: dash, Name: "dash", ResourceType: "exposure", Package: "sl", FQN: []string{"sl", "dash"}, DependsOn: []string{model}},
	})
	for _, tt := range []struct {
		sel  string
		want []string
	}{
		{"orders", []string{model, sm}},
		{"amount", []string{amount}},
		{"sq", []string{sq}},
		{"dash", []string{dash}},
		{"sl", []string{model, sm, amount, sq, dash}},
		{"sl.marts", []string{sm, amount, sq}},
		{"marts.*", []string{sm, amount, sq}},
		{"tag:finance", []string{sq}},
		{"group:fin", []string{amount}},
	} {
		got, err := g.Select(SelectOptions{Select: []string{tt.sel}, IndirectSelection: IndirectEmpty})
		if err != nil {
			t.Fatalf("Select(%q): %v", tt.sel, err)
		}
		if d := diffIDs(tt.want, got.IDs); d != "" {
			t.Errorf("Select(%q):\n%s", tt.sel, d)
		}
	}
}

// TestSelectDottedName: a model whose name has a dot is selected by its
// whole name, not by its last part, as dbt's is_selected_node matches
// the fqn's leaf whole (dbt-core's test_graph_selection).
func TestSelectDottedName(t *testing.T) {
	g, err := New([]Node{
		{ID: "model.p.users", Name: "users", ResourceType: "model", Package: "p", Path: "models/users.sql", FQN: []string{"p", "users"}},
		{ID: "model.p.alternative.users", Name: "alternative.users", ResourceType: "model", Package: "p", Path: "models/alternative.users.sql", FQN: []string{"p", "alternative.users"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for sel, want := range map[string]string{"users": "model.p.users", "alternative.users": "model.p.alternative.users", "p.alternative.users": "model.p.alternative.users"} {
		got, err := g.Select(SelectOptions{Select: []string{sel}, IndirectSelection: IndirectEmpty})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(got.IDs, " ") != want {
			t.Errorf("%s: %v, want %s", sel, got.IDs, want)
		}
	}
}
