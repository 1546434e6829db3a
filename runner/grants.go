package runner

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/adapters/sqlgen"
	"github.com/elt-dev/elt/compiler"
	"github.com/elt-dev/elt/project"
)

// grantsConfig reads a node's grants config: privilege -> grantees. A key
// written "+select" (append to the inherited grantees, merged by
// project.MergeConfig) is the plain privilege here.
func grantsConfig(n *compiler.Node) (map[string][]string, error) {
	return grantsMap(n, n.Config["grants"])
}

// grantsMap reads a grants mapping (privilege -> grantee or grantees) of
// node n.
func grantsMap(n *compiler.Node, raw any) (map[string][]string, error) {
	if raw == nil {
		return nil, nil
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: grants must be a mapping of privilege to grantees, e.g. grants: {select: [reporter]}", n.OriginalFilePath)
	}
	out := make(map[string][]string, len(m))
	for k, v := range m {
		priv := strings.TrimSpace(strings.TrimPrefix(k, "+"))
		list := stringList(project.Config{"g": v}, "g")
		for _, g := range list {
			if g == "" {
				return nil, fmt.Errorf("%s: grants.%s lists an empty grantee", n.OriginalFilePath, k)
			}
		}
		out[priv] = unionStringList(out[priv], list)
	}
	return out, nil
}

func unionStringList(a, b []string) []string {
	for _, x := range b {
		if !containsFold(a, x) {
			a = append(a, x)
		}
	}
	return a
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// diffGrants is dbt's diff_of_two_dicts: for each privilege of a, the
// grantees b does not have; privileges and grantees compare without case.
func diffGrants(a, b map[string][]string) map[string][]string {
	out := map[string][]string{}
	for k, va := range a {
		var vb []string
		for kb, v := range b {
			if strings.EqualFold(k, kb) {
				vb = v
			}
		}
		var diff []string
		for _, g := range va {
			if !containsFold(vb, g) {
				diff = append(diff, g)
			}
		}
		if len(diff) > 0 {
			out[k] = diff
		}
	}
	return out
}

// grantsWarning is said once per run on DuckDB, which has no grants.
type grantsWarning struct{ warehouse string }

func (grantsWarning) Event() string { return "GrantsNotSupported" }
func (w grantsWarning) String() string {
	return w.warehouse + " has no grants: the grants config is not applied (the build itself is unaffected)"
}

// applyGrants follows dbt's default apply_grants (or runs the project's,
// when it replaces dbt's): a relation that did not
// exist before the build gets every configured grant; otherwise the
// current grants are read and what the config no longer lists is revoked
// and what is new is granted. An empty grants config changes nothing.
func (r *Runner) applyGrants(ctx context.Context, n *compiler.Node, res *Result, existed bool) error {
	if r.m.GrantsReplaced() {
		// The project's apply_grants decides, as dbt's materializations
		// call it; elt's own is what it reaches of dbt's.
		kind := "table"
		if n.ResourceType == project.Model && materialized(n) == "view" {
			kind = "view"
		}
		return r.m.RunApplyGrants(ctx, n.UniqueID, n.Relation, kind, &materializationHost{r: r, n: n, res: res}, existed)
	}
	want, err := grantsConfig(n)
	if err != nil || len(want) == 0 {
		return err
	}
	return r.applyGrantsTo(ctx, n, toAdapterRel(n.Relation), want, res, existed)
}

// applyGrantsTo applies want to rel, a relation node n built; existed:
// read the current grants and revoke what want no longer lists.
func (r *Runner) applyGrantsTo(ctx context.Context, n *compiler.Node, rel adapters.Relation, want map[string][]string, res *Result, existed bool) error {
	typ := r.a.Dialect().Type()
	if typ == "duckdb" {
		r.grantsWarnOnce.Do(func() { res.Warnings = append(res.Warnings, grantsWarning{warehouse: "DuckDB"}) })
		return nil
	}
	revoke := map[string][]string{}
	grant := want
	if existed {
		current, err := r.currentGrants(ctx, typ, rel)
		if err != nil {
			return fmt.Errorf("%s: reading the grants of %s: %w", n.OriginalFilePath, r.a.Dialect().RenderRelation(rel), err)
		}
		grant = diffGrants(want, current)
		revoke = diffGrants(current, want)
	}
	kind := adapters.KindTable
	if typ == "bigquery" { // BigQuery's DCL names the relation's type
		k, err := r.a.RelationKind(ctx, rel)
		if err != nil {
			return fmt.Errorf("%s: grants: %w", n.OriginalFilePath, err)
		}
		if k != adapters.KindNone {
			kind = k
		}
	}
	stmts := append(dclStatements(r.a.Dialect(), rel, kind, revoke, "revoke"), dclStatements(r.a.Dialect(), rel, kind, grant, "grant")...)
	for _, s := range stmts {
		if err := r.a.Exec(ctx, s); err != nil {
			return fmt.Errorf("%s: grants: %w", n.OriginalFilePath, err)
		}
	}
	return nil
}

// dclStatements renders one statement per privilege (dbt's
// get_dcl_statement_list with several grantees per statement), in
// privilege order so the SQL is the same on every run. verb is "grant" or
// "revoke". BigQuery's form (bigquery__get_grant_sql) quotes the role and
// the grantees and names the relation's type; the others use dbt's
// default__get_grant_sql.
func dclStatements(d adapters.Dialect, rel adapters.Relation, kind adapters.RelationKind, grants map[string][]string, verb string) []string {
	prep := "to"
	if verb == "revoke" {
		prep = "from"
	}
	privs := make([]string, 0, len(grants))
	for p := range grants {
		privs = append(privs, p)
	}
	sort.Strings(privs)
	var out []string
	for _, p := range privs {
		g := grants[p]
		if len(g) == 0 {
			continue
		}
		if d.Type() == "bigquery" {
			out = append(out, fmt.Sprintf("%s `%s` on %s %s %s \"%s\"", verb, p, kind, d.RenderRelation(rel), prep, strings.Join(g, `", "`)))
			continue
		}
		out = append(out, fmt.Sprintf("%s %s on %s %s %s", verb, p, d.RenderRelation(rel), prep, strings.Join(g, ", ")))
	}
	return out
}

// currentGrants is dbt's get_show_grant_sql and standardize_grants_dict.
func (r *Runner) currentGrants(ctx context.Context, typ string, rel adapters.Relation) (map[string][]string, error) {
	var q string
	switch typ {
	case "postgres":
		q = "select grantee, privilege_type from information_schema.role_table_grants\n" +
			"where grantor = current_role and grantee != current_role\n" +
			"and table_schema = " + sqlgen.Literal(rel.Schema) + " and table_name = " + sqlgen.Literal(rel.Identifier)
	case "snowflake":
		q = "show grants on " + r.a.Dialect().RenderRelation(rel)
	case "bigquery":
		q = bigqueryShowGrants(rel, fmt.Sprint(r.targetField("location")))
	default:
		return nil, fmt.Errorf("elt cannot read the grants of a %s relation", typ)
	}
	out, err := r.a.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	col := func(names ...string) int {
		for i, c := range out.Columns {
			for _, n := range names {
				if strings.EqualFold(c, n) {
					return i
				}
			}
		}
		return -1
	}
	gi, pi, ti := col("grantee", "grantee_name"), col("privilege_type", "privilege"), col("granted_to")
	if gi < 0 || pi < 0 {
		return nil, fmt.Errorf("the grants query returned columns %v", out.Columns)
	}
	got := map[string][]string{}
	for _, row := range out.Rows {
		g, p := fmt.Sprint(row[gi]), fmt.Sprint(row[pi])
		if typ == "snowflake" && (ti < 0 || fmt.Sprint(row[ti]) != "ROLE" || strings.EqualFold(p, "ownership")) {
			continue
		}
		got[p] = unionStringList(got[p], []string{g})
	}
	return got, nil
}

// persistDocs writes the model's and its columns' descriptions as
// comments, as dbt's persist_docs config asks: COMMENT ON TABLE/VIEW and
// COMMENT ON COLUMN for each documented column the relation has.
func (r *Runner) persistDocs(ctx context.Context, n *compiler.Node) error {
	pd, _ := n.Config["persist_docs"].(map[string]any)
	if len(pd) == 0 {
		return nil
	}
	relOn, _ := optBool(project.Config(pd), "relation")
	colsOn, _ := optBool(project.Config(pd), "columns")
	return r.persistDocsTo(ctx, n, toAdapterRel(n.Relation), relOn, colsOn)
}

// persistDocsTo writes n's relation (relOn) and column (colsOn)
// descriptions as comments on rel.
func (r *Runner) persistDocsTo(ctx context.Context, n *compiler.Node, rel adapters.Relation, relOn, colsOn bool) error {
	if !relOn && !colsOn {
		return nil
	}
	d := r.a.Dialect()
	kind, err := r.a.RelationKind(ctx, rel)
	if err != nil {
		return fmt.Errorf("%s: persist_docs: %w", n.OriginalFilePath, err)
	}
	if materialized(n) == "materialized_view" && d.Type() == "postgres" {
		// dbt-postgres comments on a materialized view as one.
		kind = materializedViewKind
	}
	relDesc := ""
	if relOn {
		relDesc = n.Description
	}
	var cols [][2]string // name as the relation has it, description
	if colsOn && len(n.Columns) > 0 {
		existing, err := r.a.Columns(ctx, rel)
		if err != nil {
			return fmt.Errorf("%s: persist_docs: %w", n.OriginalFilePath, err)
		}
		for _, c := range n.Columns {
			if c.Description == "" {
				continue
			}
			for _, e := range existing {
				if e.Name == c.Name || (!(c.Quote != nil && *c.Quote) && strings.EqualFold(e.Name, c.Name)) {
					cols = append(cols, [2]string{e.Name, c.Description})
					break
				}
			}
			// as dbt: a documented column the relation lacks is skipped
		}
	}
	for _, s := range commentStatements(d, rel, kind, relDesc, cols) {
		if err := r.a.Exec(ctx, s); err != nil {
			return fmt.Errorf("%s: persist_docs: %w", n.OriginalFilePath, err)
		}
	}
	return nil
}

// materializedViewKind is a PostgreSQL materialized view, for the
// keyword of its COMMENT ON.
const materializedViewKind adapters.RelationKind = "materialized_view"

// commentStatements writes a relation's and its columns' descriptions:
// COMMENT ON on DuckDB, Postgres and Snowflake (Snowflake's comment in
// $$ quotes, "$" written "[$]" as dbt-snowflake does), description options
// on BigQuery.
func commentStatements(d adapters.Dialect, rel adapters.Relation, kind adapters.RelationKind, relDesc string, cols [][2]string) []string {
	keyword := "table"
	switch kind {
	case adapters.KindView:
		keyword = "view"
	case materializedViewKind:
		keyword = "materialized view"
	}
	name := d.RenderRelation(rel)
	lit := sqlgen.Literal
	switch d.Type() {
	case "snowflake":
		lit = func(s string) string { return "$$" + strings.ReplaceAll(s, "$", "[$]") + "$$" }
	case "bigquery":
		lit = func(s string) string {
			return `"""` + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`) + `"""`
		}
	}
	var out []string
	if relDesc != "" {
		if d.Type() == "bigquery" {
			out = append(out, fmt.Sprintf("alter %s %s set options (description = %s)", keyword, name, lit(relDesc)))
		} else {
			out = append(out, fmt.Sprintf("comment on %s %s is %s", keyword, name, lit(relDesc)))
		}
	}
	for _, c := range cols {
		if d.Type() == "bigquery" {
			out = append(out, fmt.Sprintf("alter %s %s alter column %s set options (description = %s)", keyword, name, d.Quote(c[0]), lit(c[1])))
		} else {
			out = append(out, fmt.Sprintf("comment on column %s.%s is %s", name, d.Quote(c[0]), lit(c[1])))
		}
	}
	return out
}

// bigqueryShowGrants is bigquery__get_show_grant_sql: the relation's
// object privileges, without the session user's own.
func bigqueryShowGrants(rel adapters.Relation, location string) string {
	if location == "" || location == "<nil>" {
		location = "US"
	}
	return "select privilege_type, grantee from `" + rel.Database + "`.`region-" + strings.ToLower(location) + "`.INFORMATION_SCHEMA.OBJECT_PRIVILEGES\n" +
		"where object_schema = " + sqlgen.Literal(rel.Schema) + " and object_name = " + sqlgen.Literal(rel.Identifier) + "\n" +
		"and split(grantee, ':')[offset(1)] != session_user()"
}

func (r *Runner) targetField(key string) any {
	if r.target == nil {
		return nil
	}
	return r.target.Fields[key]
}

// grantsCarriedOver is dbt's should_revoke for a relation that exists:
// true, except on Snowflake when the build replaces the relation (a table
// or view, or a full refresh) without copy_grants, which starts it with
// no grants (snowflake__copy_grants).
func (r *Runner) grantsCarriedOver(n *compiler.Node) bool {
	if r.a.Dialect().Type() != "snowflake" || boolConfig(n.Config, "copy_grants", false) {
		return true
	}
	switch n.ResourceType {
	case project.Snapshot:
		return true
	case project.Seed:
		return !FullRefresh(n.Config, r.opts.FullRefresh)
	}
	if mat := materialized(n); mat == "incremental" {
		return !FullRefresh(n.Config, r.opts.FullRefresh)
	}
	return false
}
