package runner

import (
	"reflect"
	"strings"
	"testing"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/adapters/bigquery"
	"github.com/elt-dev/elt/adapters/postgres"
	"github.com/elt-dev/elt/adapters/snowflake"
)

// TestDiffGrants is dbt's diff_of_two_dicts: without case, per grantee.
func TestDiffGrants(t *testing.T) {
	want := map[string][]string{"select": {"reporter", "Auditor"}, "insert": {"loader"}}
	current := map[string][]string{"SELECT": {"reporter", "old"}, "UPDATE": {"loader"}}
	if got := diffGrants(want, current); !reflect.DeepEqual(got, map[string][]string{"select": {"Auditor"}, "insert": {"loader"}}) {
		t.Errorf("to grant: %v", got)
	}
	if got := diffGrants(current, want); !reflect.DeepEqual(got, map[string][]string{"SELECT": {"old"}, "UPDATE": {"loader"}}) {
		t.Errorf("to revoke: %v", got)
	}
}

// TestGrantStatements pins the grant and revoke SQL each warehouse gets.
func TestGrantStatements(t *testing.T) {
	rel := adapters.Relation{Database: "analytics", Schema: "marts", Identifier: "orders"}
	g := map[string][]string{"select": {"reporter", "bi"}, "insert": {"loader"}}
	for _, tc := range []struct {
		d    adapters.Dialect
		kind adapters.RelationKind
		want string
	}{
		{postgres.Dialect{}, adapters.KindTable, `revoke insert on "analytics"."marts"."orders" from loader
revoke select on "analytics"."marts"."orders" from reporter, bi
grant insert on "analytics"."marts"."orders" to loader
grant select on "analytics"."marts"."orders" to reporter, bi`},
		{snowflake.Dialect{}, adapters.KindTable, `revoke insert on analytics.marts.orders from loader
revoke select on analytics.marts.orders from reporter, bi
grant insert on analytics.marts.orders to loader
grant select on analytics.marts.orders to reporter, bi`},
		{bigquery.Dialect{}, adapters.KindView, "revoke `insert` on view `analytics`.`marts`.`orders` from \"loader\"\n" +
			"revoke `select` on view `analytics`.`marts`.`orders` from \"reporter\", \"bi\"\n" +
			"grant `insert` on view `analytics`.`marts`.`orders` to \"loader\"\n" +
			"grant `select` on view `analytics`.`marts`.`orders` to \"reporter\", \"bi\""},
	} {
		got := strings.Join(append(dclStatements(tc.d, rel, tc.kind, g, "revoke"), dclStatements(tc.d, rel, tc.kind, g, "grant")...), "\n")
		if got != tc.want {
			t.Errorf("%s:\n%s\nwant:\n%s", tc.d.Type(), got, tc.want)
		}
	}
	want := "select privilege_type, grantee from `analytics`.`region-eu`.INFORMATION_SCHEMA.OBJECT_PRIVILEGES\n" +
		"where object_schema = 'marts' and object_name = 'orders'\nand split(grantee, ':')[offset(1)] != session_user()"
	if got := bigqueryShowGrants(rel, "EU"); got != want {
		t.Errorf("bigquery show grants:\n%s\nwant:\n%s", got, want)
	}
}

// TestCommentStatements pins persist_docs' SQL per warehouse, quotes in
// descriptions escaped.
func TestCommentStatements(t *testing.T) {
	rel := adapters.Relation{Database: "analytics", Schema: "marts", Identifier: "orders"}
	cols := [][2]string{{"id", `the "id" it's $1`}}
	for _, tc := range []struct {
		d    adapters.Dialect
		kind adapters.RelationKind
		want string
	}{
		{postgres.Dialect{}, adapters.KindView, `comment on view "analytics"."marts"."orders" is 'Ada''s orders'
comment on column "analytics"."marts"."orders"."id" is 'the "id" it''s $1'`},
		{snowflake.Dialect{}, adapters.KindTable, `comment on table analytics.marts.orders is $$Ada's orders$$
comment on column analytics.marts.orders."ID" is $$the "id" it's [$]1$$`},
		{bigquery.Dialect{}, adapters.KindTable, "alter table `analytics`.`marts`.`orders` set options (description = \"\"\"Ada's orders\"\"\")\n" +
			"alter table `analytics`.`marts`.`orders` alter column `id` set options (description = \"\"\"the \\\"id\\\" it's $1\"\"\")"},
	} {
		cols := cols
		if tc.d.Type() == "snowflake" { // as Snowflake's catalog spells the column
			cols = [][2]string{{"ID", cols[0][1]}}
		}
		got := strings.Join(commentStatements(tc.d, rel, tc.kind, "Ada's orders", cols), "\n")
		if got != tc.want {
			t.Errorf("%s:\n%s\nwant:\n%s", tc.d.Type(), got, tc.want)
		}
	}
}
