package tests

import (
	"fmt"
	"strings"

	"github.com/elt-dev/elt/project"
)

// Wrap returns the query that reduces a test's failing-rows query to one row
// with three columns:
//
//	failures      the fail_calc (default count(*)) over the failing rows
//	should_warn   failures <warn_if>  (default != 0)
//	should_error  failures <error_if> (default != 0)
//
// When limit is set, only that many failing rows are considered, as in dbt.
// fail_calc, warn_if and error_if are SQL written by the project author and
// are pasted in as written; limit is checked to be a whole number.
// Every warehouse elt supports writes a row limit as "limit n" and selects
// boolean expressions, so the text does not depend on the dialect.
func Wrap(failingRowsSQL string, cfg project.Config) (string, error) {
	inner := trimStatement(failingRowsSQL)
	if inner == "" {
		return "", fmt.Errorf("tests: the test query is empty")
	}
	n, hasLimit, err := limit(cfg)
	if err != nil {
		return "", err
	}
	if hasLimit {
		inner = limitRows(inner, n)
	}
	failCalc := sqlSetting(cfg, "fail_calc", DefaultFailCalc)
	warnIf := sqlSetting(cfg, "warn_if", DefaultWarnIf)
	errorIf := sqlSetting(cfg, "error_if", DefaultErrorIf)

	var b strings.Builder
	b.WriteString("select\n")
	fmt.Fprintf(&b, "    %s as failures,\n", failCalc)
	// fail_calc is parenthesised so that a calculation like "a + b" compares as a whole.
	fmt.Fprintf(&b, "    (%s) %s as should_warn,\n", failCalc, warnIf)
	fmt.Fprintf(&b, "    (%s) %s as should_error\n", failCalc, errorIf)
	b.WriteString("from (\n")
	b.WriteString(inner)
	// The newline keeps a trailing "-- comment" in the test from swallowing the parenthesis.
	b.WriteString("\n) dbt_internal_test")
	return b.String(), nil
}

// limitRows keeps at most n rows of query. The query is nested rather than
// suffixed with "limit n" so that a test that already ends in its own limit,
// order by or comment stays valid.
func limitRows(query string, n int64) string {
	return fmt.Sprintf("select * from (\n%s\n) dbt_internal_test_rows\nlimit %d", query, n)
}

// trimStatement removes surrounding space and trailing semicolons, which are
// legal at the end of a test file but not inside a subquery.
func trimStatement(sql string) string {
	s := strings.TrimSpace(sql)
	for strings.HasSuffix(s, ";") {
		s = strings.TrimSpace(strings.TrimSuffix(s, ";"))
	}
	return s
}
