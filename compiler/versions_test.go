package compiler

import (
	"context"
	"strings"
	"testing"

	"github.com/elt-dev/elt/project"
)

// versionedProject has model m in two versions (v2 the latest, v1
// deprecated on 2024-01-01) and models that ref it.
func versionedProject(uses string) *project.Project {
	p := newProject(map[string]string{
		"models/m_v1.sql":            "select 1 as id -- {{ model.version }}/{{ model.latest_version }}",
		"models/m_v2.sql":            "select 2 as id -- {{ model.version }}/{{ model.latest_version }}",
		"models/uses.sql":            uses,
		"tests/generic/not_null.sql": "{% test not_null(model, column_name) %}select * from {{ model }} where {{ column_name }} is null{% endtest %}",
		"macros/where.sql":           "{% macro get_where_subquery(relation) %}{{ return(relation) }}{% endmacro %}",
	})
	for _, v := range []int{1, 2} {
		old := p.Nodes["model.shop.m_v"+project.VersionText(v)]
		delete(p.Nodes, old.UniqueID)
		vs := project.VersionText(v)
		old.Name, old.UniqueID, old.FQN = "m", "model.shop.m.v"+vs, []string{"shop", "m", "v" + vs}
		old.Version, old.VersionString, old.LatestVersion = v, vs, 2
		if v == 1 {
			old.DeprecationDate = "2024-01-01"
		}
		p.Nodes[old.UniqueID] = old
	}
	p.GenericTests = []*project.TestDecl{{TestName: "not_null", AttachedKind: project.Model, AttachedName: "m",
		AttachedVersion: "1", ColumnName: "id", File: "models/m.yml", Package: "shop"}}
	return p
}

func TestVersionedRefs(t *testing.T) {
	p := versionedProject("select * from {{ ref('m') }} join {{ ref('m', v=1) }} using (id) join {{ ref('shop', 'm', version='2') }} using (id)")
	m, out := compileProject(t, p, testOptions())
	for _, want := range []string{
		`-- model.shop.m.v1 -> "warehouse"."main"."m_v1"` + "\nselect 1 as id -- 1/2",
		`-- model.shop.m.v2 -> "warehouse"."main"."m_v2"` + "\nselect 2 as id -- 2/2",
		`select * from "warehouse"."main"."m_v2" join "warehouse"."main"."m_v1" using (id) join "warehouse"."main"."m_v2" using (id)`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("compiled output lacks %q:\n%s", want, out)
		}
	}
	deps := m.Nodes["model.shop.uses"].DependsOn.Nodes
	if strings.Join(deps, ",") != "model.shop.m.v2,model.shop.m.v1" {
		t.Errorf("depends_on %v", deps)
	}
	// The run started on 2024-05-06, after v1's deprecation date.
	var warned []string
	for _, w := range m.Warnings {
		warned = append(warned, w.Error())
	}
	// As dbt: the deprecated model itself, and every model that refs it
	// (not its tests).
	want := []string{
		"models/m_v1.sql: warning: Model m.v1 has passed its deprecation date of 2024-01-01. This model should be disabled or removed.",
		"models/uses.sql:1: warning: While compiling 'uses': Found a reference to m.v1, which was deprecated on '2024-01-01'.",
	}
	if len(warned) != len(want) {
		t.Errorf("warnings %q, want %q", warned, want)
	}
	for i := range min(len(want), len(warned)) {
		if !strings.HasPrefix(warned[i], want[i]) {
			t.Errorf("warning %d = %q, want %q", i, warned[i], want[i])
		}
	}
	// The generic test of v1 refs that version.
	var test *Node
	for id, n := range m.Nodes {
		if strings.HasPrefix(id, "test.shop.not_null_m_v1_id.") {
			test = n
		}
	}
	if test == nil || test.AttachedNode != "model.shop.m.v1" ||
		test.CompiledCode != `select * from "warehouse"."main"."m_v1" where id is null` {
		t.Errorf("test of v1: %+v", test)
	}
}

func TestVersionedRefSlatedWarning(t *testing.T) {
	p := versionedProject("select * from {{ ref('m', v=1) }}")
	opts := testOptions()
	opts.RunStartedAt = opts.RunStartedAt.AddDate(-1, 0, 0)
	m, err := Parse(context.Background(), p, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Warnings) != 1 || !strings.Contains(m.Warnings[0].Error(), "While compiling 'uses': Found a reference to m.v1, which is slated for deprecation on '2024-01-01'.") {
		t.Errorf("warnings %v", m.Warnings)
	}
}

func TestVersionedRefNotFound(t *testing.T) {
	p := versionedProject("select * from {{ ref('m', v=3) }}")
	_, err := Parse(context.Background(), p, testOptions())
	want := "models/uses.sql:1: Model 'model.shop.uses' (models/uses.sql) depends on a node named 'm' with version '3' which was not found"
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "its versions are 1, 2") {
		t.Errorf("error %v, want %q", err, want)
	}
}
