package bigquery

import (
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/civil"
	"google.golang.org/api/googleapi"

	"github.com/elt-dev/elt/adapters"
)

func equal(t *testing.T, what string, want, got any) {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		t.Errorf("%s:\nwant %#v\n got %#v", what, want, got)
	}
}

const fakeKey = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"

func TestConfigFromFields(t *testing.T) {
	keyJSON := map[string]any{"type": "service_account", "project_id": "p", "private_key_id": "abcdef0123456789", "private_key": fakeKey, "client_email": "sa@p.iam.gserviceaccount.com"}
	cases := []struct {
		name   string
		fields map[string]any
		check  func(t *testing.T, cfg Config)
		errHas []string // want an error containing these
	}{
		{name: "oauth", fields: map[string]any{"type": "bigquery", "method": "oauth", "project": "p", "dataset": "d"},
			check: func(t *testing.T, cfg Config) {
				equal(t, "config", Config{Method: "oauth", Project: "p", Dataset: "d", Priority: "interactive", JobRetries: 1, Threads: 1}, cfg)
			}},
		{name: "service-account with every option", fields: map[string]any{
			"method": "service-account", "project": "p", "dataset": "d", "keyfile": "/secrets/key.json",
			"location": "EU", "priority": "batch", "maximum_bytes_billed": 1000000000, "job_execution_timeout_seconds": 300,
			"job_retries": 3, "threads": 8, "execution_project": "billing", "impersonate_service_account": "runner@p.iam.gserviceaccount.com"},
			check: func(t *testing.T, cfg Config) {
				equal(t, "config", Config{Method: "service-account", Project: "p", Dataset: "d", Keyfile: "/secrets/key.json", Location: "EU",
					Priority: "batch", MaximumBytesBilled: 1000000000, JobExecutionTimeout: 300 * time.Second, JobRetries: 3, Threads: 8,
					ExecutionProject: "billing", ImpersonateServiceAccount: "runner@p.iam.gserviceaccount.com"}, cfg)
				equal(t, "job project", "billing", cfg.jobProject())
			}},
		{name: "service-account-json", fields: map[string]any{"method": "service-account-json", "project": "p", "dataset": "d", "keyfile_json": keyJSON},
			check: func(t *testing.T, cfg Config) {
				if !strings.Contains(string(cfg.KeyfileJSON), `"client_email":"sa@p.iam.gserviceaccount.com"`) {
					t.Errorf("keyfile_json not kept as JSON: %s", cfg.KeyfileJSON)
				}
			}},
		{name: "aliases database, schema, timeout_seconds, retries", fields: map[string]any{"method": "oauth", "database": "p", "schema": "d", "timeout_seconds": "60", "retries": 0},
			check: func(t *testing.T, cfg Config) {
				equal(t, "project", "p", cfg.Project)
				equal(t, "dataset", "d", cfg.Dataset)
				equal(t, "timeout", 60*time.Second, cfg.JobExecutionTimeout)
				equal(t, "retries", 0, cfg.JobRetries)
			}},
		{name: "endpoint needs no method", fields: map[string]any{"project": "test", "dataset": "d", "endpoint": "http://localhost:9050"},
			check: func(t *testing.T, cfg Config) { equal(t, "method", "oauth", cfg.Method) }},

		{name: "no method", fields: map[string]any{"project": "p", "dataset": "d"}, errHas: []string{"method", "oauth, service-account or service-account-json"}},
		{name: "unknown method", fields: map[string]any{"method": "password", "project": "p", "dataset": "d"}, errHas: []string{"method", `"password"`}},
		{name: "oauth-secrets", fields: map[string]any{"method": "oauth-secrets", "project": "p", "dataset": "d"}, errHas: []string{"oauth-secrets is not supported"}},
		{name: "no project", fields: map[string]any{"method": "oauth", "dataset": "d"}, errHas: []string{"project", "is required"}},
		{name: "no dataset", fields: map[string]any{"method": "oauth", "project": "p"}, errHas: []string{"dataset", "is required"}},
		{name: "service-account without keyfile", fields: map[string]any{"method": "service-account", "project": "p", "dataset": "d"}, errHas: []string{"keyfile", "service-account"}},
		{name: "service-account-json without keyfile_json", fields: map[string]any{"method": "service-account-json", "project": "p", "dataset": "d"}, errHas: []string{"keyfile_json", "is required"}},
		{name: "keyfile_json not a mapping", fields: map[string]any{"method": "service-account-json", "project": "p", "dataset": "d", "keyfile_json": []any{fakeKey}}, errHas: []string{"keyfile_json", "want a mapping"}},
		{name: "keyfile_json a string that is not JSON", fields: map[string]any{"method": "service-account-json", "project": "p", "dataset": "d", "keyfile_json": fakeKey}, errHas: []string{"keyfile_json", "not valid JSON"}},
		{name: "bad priority", fields: map[string]any{"method": "oauth", "project": "p", "dataset": "d", "priority": "urgent"}, errHas: []string{"priority", "interactive or batch"}},
		{name: "bad maximum_bytes_billed", fields: map[string]any{"method": "oauth", "project": "p", "dataset": "d", "maximum_bytes_billed": "lots"}, errHas: []string{"maximum_bytes_billed", "whole number"}},
		{name: "fractional timeout", fields: map[string]any{"method": "oauth", "project": "p", "dataset": "d", "job_execution_timeout_seconds": 1.5}, errHas: []string{"job_execution_timeout_seconds", "whole number"}},
		{name: "project not a string", fields: map[string]any{"method": "oauth", "project": []any{"p"}, "dataset": "d"}, errHas: []string{"project", "want a string"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := ConfigFromFields(c.fields)
			if c.errHas != nil {
				if err == nil {
					t.Fatalf("want an error, got %+v", cfg)
				}
				for _, part := range c.errHas {
					if !strings.Contains(err.Error(), part) {
						t.Errorf("error %q does not contain %q", err, part)
					}
				}
				if strings.Contains(err.Error(), "PRIVATE KEY") {
					t.Errorf("error shows key material: %v", err)
				}
				var ce *ConfigError
				if !errors.As(err, &ce) {
					t.Errorf("error is not a *ConfigError: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, cfg)
		})
	}
}

func TestParsePartitionBy(t *testing.T) {
	cases := []struct {
		in     any
		expr   string // Expr("`f`")
		errHas string
	}{
		{in: map[string]any{"field": "d"}, expr: "`d`"},
		{in: map[string]any{"field": "d", "data_type": "DATE", "granularity": "Month"}, expr: "date_trunc(`d`, month)"},
		{in: map[string]any{"field": "ts", "data_type": "timestamp"}, expr: "timestamp_trunc(`ts`, day)"},
		{in: map[string]any{"field": "ts", "data_type": "datetime", "granularity": "hour"}, expr: "datetime_trunc(`ts`, hour)"},
		{in: map[string]any{"field": "n", "data_type": "int64", "range": map[string]any{"start": 0, "end": 100.0, "interval": "5"}}, expr: "range_bucket(`n`, generate_array(0, 100, 5))"},
		{in: map[string]any{"field": "ts", "data_type": "timestamp", "copy_partitions": true}, expr: "timestamp_trunc(`ts`, day)"},

		{in: "d", errHas: "partition_by: want a mapping"},
		{in: map[string]any{"data_type": "date"}, errHas: "partition_by.field: is required"},
		{in: map[string]any{"field": "d", "data_type": "string"}, errHas: `partition_by.data_type: "string" is not supported; use date, timestamp, datetime or int64`},
		{in: map[string]any{"field": "d", "data_type": "date", "granularity": "hour"}, errHas: `partition_by.granularity: "hour" is not a granularity for data_type date; use day, month, year`},
		{in: map[string]any{"field": "d", "data_type": "timestamp", "granularity": "week"}, errHas: "use hour, day, month, year"},
		{in: map[string]any{"field": "n", "data_type": "int64"}, errHas: "partition_by.range: is required with data_type int64"},
		{in: map[string]any{"field": "n", "data_type": "int64", "range": map[string]any{"start": 0, "end": 100}}, errHas: "partition_by.range.interval: is required"},
		{in: map[string]any{"field": "n", "data_type": "int64", "range": map[string]any{"start": 10, "end": 0, "interval": 1}}, errHas: "end must be greater than start"},
		{in: map[string]any{"field": "d", "data_type": "date", "range": map[string]any{}}, errHas: "only applies to data_type int64"},
		{in: map[string]any{"field": "d", "granulrity": "day"}, errHas: "partition_by.granulrity: unknown key"},
		{in: map[string]any{"field": "d", "time_ingestion_partitioning": true}, errHas: "ingestion-time partitioning is not supported"},
	}
	for i, c := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			p, err := ParsePartitionBy(c.in)
			if c.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), c.errHas) {
					t.Fatalf("want an error containing %q, got %v", c.errHas, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			equal(t, "expr", c.expr, p.Expr(quote(p.Field)))
		})
	}
}

func TestParseTableConfigClusterAndLabels(t *testing.T) {
	tc, err := ParseTableConfig(map[string]any{"cluster_by": "a", "labels": map[string]any{"env": "prod", "n": 3}})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "cluster_by string", []string{"a"}, tc.ClusterBy)
	equal(t, "labels", map[string]string{"env": "prod", "n": "3"}, tc.Labels)
	tc, err = ParseTableConfig(map[string]any{"cluster_by": []any{"a", "b"}})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "cluster_by list", []string{"a", "b"}, tc.ClusterBy)
	for _, bad := range []map[string]any{
		{"cluster_by": 3},
		{"cluster_by": []any{"a", 2}},
		{"labels": "env=prod"},
		{"require_partition_filter": "yes", "partition_by": map[string]any{"field": "d"}},
		{"partition_expiration_days": -1, "partition_by": map[string]any{"field": "d"}},
	} {
		if _, err := ParseTableConfig(bad); err == nil {
			t.Errorf("ParseTableConfig(%v): want an error", bad)
		}
	}
}

func TestErrorMapping(t *testing.T) {
	cfg := Config{KeyfileJSON: []byte(`{"private_key":"` + strings.ReplaceAll(fakeKey, "\n", `\n`) + `","private_key_id":"abcdef0123456789"}`)}
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"dataset not found", &googleapi.Error{Code: http.StatusNotFound, Message: "Not found: Dataset my-proj:analytics was not found in location US"},
			"bigquery: op: dataset analytics not found in project my-proj"},
		{"table not found in a job", &bigquery.Error{Reason: "notFound", Message: "Not found: Table my-proj:analytics.orders was not found in location US"},
			"bigquery: op: table orders not found in dataset analytics of project my-proj"},
		{"permission denied", &googleapi.Error{Code: http.StatusForbidden, Message: "Access Denied: Project my-proj: User does not have bigquery.jobs.create permission in project my-proj.\nmore detail"},
			"bigquery: op: permission denied: Access Denied: Project my-proj: User does not have bigquery.jobs.create permission in project my-proj."},
		{"quota", &googleapi.Error{Code: http.StatusForbidden, Message: "Quota exceeded", Errors: []googleapi.ErrorItem{{Reason: "quotaExceeded"}}},
			"bigquery: op: quota exceeded: Quota exceeded"},
		{"expired credentials", &googleapi.Error{Code: http.StatusUnauthorized, Message: "Request had invalid authentication credentials."},
			"bigquery: op: invalid or expired credentials: Request had invalid authentication credentials.; check the profile's keyfile, or run gcloud auth application-default login"},
		{"access denied in a job", bigquery.Error{Reason: "accessDenied", Message: "Access Denied: Table p:d.t"},
			"bigquery: op: permission denied: Access Denied: Table p:d.t"},
		{"bytes billed", &bigquery.Error{Reason: "bytesBilledLimitExceeded", Message: "Query exceeded limit for bytes billed: 1000."},
			"bigquery: op: maximum_bytes_billed exceeded: Query exceeded limit for bytes billed: 1000."},
		{"syntax error", &bigquery.Error{Reason: "invalidQuery", Location: "query", Message: "Syntax error: Unexpected keyword FROM at [1:8]"},
			"bigquery: op: Syntax error: Unexpected keyword FROM at [1:8]"},
		{"no default credentials", errors.New("bigquery: constructing client: credentials: could not find default credentials. See https://cloud.google.com/docs/authentication/external/set-up-adc for more information"),
			"bigquery: op: no Google credentials found: run gcloud auth application-default login, or use method service-account with a keyfile"},
		{"key material is redacted", errors.New("parse failed near " + strings.ReplaceAll(fakeKey, "\n", `\n`) + " in keyfile_json"),
			`bigquery: op: parse failed near *** in keyfile_json`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := cfg.mapError("op", c.err)
			equal(t, "message", c.want, err.Error())
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("message spans lines: %q", err)
			}
			if !errors.Is(err, c.err) && !errors.As(err, new(*googleapi.Error)) && !errors.As(err, new(*bigquery.Error)) && !errors.As(err, new(bigquery.Error)) {
				t.Errorf("the cause is not kept for errors.Is/As")
			}
		})
	}
	// The adapters' own errors pass through, wrapped.
	keyErr := &adapters.UniqueKeyError{UniqueID: "model.x", Key: []string{"id"}, Problem: adapters.KeyNull, Count: 1}
	var got *adapters.UniqueKeyError
	if err := cfg.mapError("op", keyErr); !errors.As(err, &got) {
		t.Errorf("UniqueKeyError lost: %v", err)
	}
	if !isNotFound(&googleapi.Error{Code: 404}) || isNotFound(&googleapi.Error{Code: 403}) || !isNotFound(&bigquery.Error{Reason: "notFound"}) {
		t.Errorf("isNotFound misclassifies")
	}
	if !retryable(&googleapi.Error{Code: 503}) || !retryable(&bigquery.Error{Reason: "backendError"}) || retryable(&bigquery.Error{Reason: "invalidQuery"}) {
		t.Errorf("retryable misclassifies")
	}
}

func TestOpenKeyfileNotFound(t *testing.T) {
	_, err := openTarget(t.Context(), adapters.Target{Profile: "shop", Name: "prod", Fields: map[string]any{
		"method": "service-account", "project": "p", "dataset": "d", "keyfile": "/nonexistent/key.json"}})
	if err == nil {
		t.Fatal("want an error")
	}
	equal(t, "message", `profile "shop" target "prod": bigquery: open: keyfile not found: /nonexistent/key.json`, err.Error())
	_, err = openTarget(t.Context(), adapters.Target{Profile: "shop", Name: "prod", Fields: map[string]any{"method": "oauth", "project": "p"}})
	if err == nil || !strings.Contains(err.Error(), `profile "shop" target "prod": bigquery: profile field dataset: is required`) {
		t.Errorf("missing dataset: %v", err)
	}
}

func TestDialect(t *testing.T) {
	d := Driver()
	equal(t, "type", "bigquery", d.Type)
	equal(t, "quote", "`a``b`", "`a`"+"`b`")
	equal(t, "quote backtick", "`we\\`ird`", d.Dialect.Quote("we`ird"))
	equal(t, "relation", "`p`.`d`.`t`", d.Dialect.RenderRelation(adapters.Relation{Database: "p", Schema: "d", Identifier: "t"}))
	equal(t, "relation without project", "`d`.`t`", d.Dialect.RenderRelation(adapters.Relation{Schema: "d", Identifier: "t"}))
	equal(t, "literal", `'it\'s a \\ test\n'`, literal("it's a \\ test\n"))
}

func TestGoValue(t *testing.T) {
	cases := []struct {
		in   bigquery.Value
		want any
	}{
		{int64(3), int64(3)},
		{1.5, 1.5},
		{"s", "s"},
		{nil, nil},
		{true, true},
		{big.NewRat(3, 2), 1.5},
		{civil.Date{Year: 2024, Month: 3, Day: 4}, time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC)},
		{civil.DateTime{Date: civil.Date{Year: 2024, Month: 3, Day: 4}, Time: civil.Time{Hour: 5, Minute: 6, Second: 7}}, time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC)},
		{civil.Time{Hour: 5, Minute: 6, Second: 7}, "05:06:07"},
		{time.Date(2024, 3, 4, 5, 6, 7, 0, time.FixedZone("x", 3600)), time.Date(2024, 3, 4, 4, 6, 7, 0, time.UTC)},
		{[]bigquery.Value{int64(1), civil.Date{Year: 2024, Month: 1, Day: 1}}, []any{int64(1), time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}},
	}
	for _, c := range cases {
		equal(t, fmt.Sprintf("%T", c.in), c.want, goValue(c.in))
	}
}

func TestInferSeedTypes(t *testing.T) {
	cases := []struct {
		values []string
		want   string
	}{
		{[]string{"1", "-2", ""}, "INT64"},
		{[]string{"1", "2.5"}, "FLOAT64"},
		{[]string{"1e3", "2"}, "FLOAT64"},
		{[]string{"true", "FALSE"}, "BOOL"},
		{[]string{"2024-01-02"}, "DATE"},
		{[]string{"2024-01-02 10:00:00", "2024-01-02T10:00:00.5"}, "DATETIME"},
		{[]string{"2024-01-02 10:00:00+02:00", "2024-01-02T10:00:00Z"}, "TIMESTAMP"},
		{[]string{"Nan", "inf"}, "STRING"},
		{[]string{"1", "x"}, "STRING"},
		{[]string{"", ""}, "STRING"},
	}
	for _, c := range cases {
		got := inferType(func(yield func(string) bool) {
			for _, v := range c.values {
				if !yield(v) {
					return
				}
			}
		})
		equal(t, strings.Join(c.values, ","), c.want, got)
	}
}

func TestResolveIncrementalInsertOverwrite(t *testing.T) {
	tc, err := ParseTableConfig(map[string]any{"partition_by": map[string]any{"field": "d"}})
	if err != nil {
		t.Fatal(err)
	}
	inc, err := ResolveIncremental(adapters.Incremental{Strategy: "Insert_Overwrite", OnSchemaChange: "bogus"}, tc)
	if err == nil || !errors.Is(err, adapters.ErrIncrementalConfig) || !strings.Contains(err.Error(), "bogus") {
		t.Errorf("shared checks still apply: %v", err)
	}
	inc, err = ResolveIncremental(adapters.Incremental{Strategy: "insert_overwrite"}, tc)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "strategy", StrategyInsertOverwrite, inc.Strategy)
	equal(t, "on_schema_change", "ignore", inc.OnSchemaChange)
}

// TestDuplicateKeyHint: a failed snapshot MERGE over a source that repeats
// the unique_key says so; over a unique source the error is unchanged.
func TestDuplicateKeyHint(t *testing.T) {
	merge := errors.New("bigquery: snapshot snapshot.p.s into `p`.`d`.`s`: UPDATE/MERGE must match at most one source row for each target row")
	dup := &adapters.DuplicateKeyWarning{Snapshot: "snapshot.p.s", Key: []string{"id"}, Samples: []string{"id=2 (2 rows)"}}
	err := duplicateKeyHint(merge, dup)
	if !errors.Is(err, merge) || !strings.Contains(err.Error(), "repeats unique_key (id), e.g. id=2 (2 rows)") {
		t.Errorf("hint: %v", err)
	}
	if got := duplicateKeyHint(merge, nil); got != merge {
		t.Errorf("unique source: got %v, want the error unchanged", got)
	}
}
