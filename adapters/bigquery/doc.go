// Package bigquery is the Google BigQuery warehouse adapter.
//
// It has two halves. The planner (PlanTable, PlanView, PlanStage,
// PlanIncremental, PlanSnapshot, PlanSeed, ColumnsQuery, ...) is pure: given
// a request and what the catalog said, it returns the exact GoogleSQL
// statements to run, and is golden-tested under testdata/golden without a
// BigQuery project. The Adapter runs them as query jobs through
// cloud.google.com/go/bigquery with the profile's priority,
// maximum_bytes_billed, job_execution_timeout_seconds and job_retries.
//
// Relations are `project`.`dataset`.`identifier` (database is the project,
// schema the dataset). Tables are built with "create or replace table",
// which BigQuery runs atomically; incremental models stage their new rows
// in an expiring table and write them with one MERGE, INSERT or
// transaction script, including dbt-bigquery's insert_overwrite with
// static or dynamic partitions; snapshots write every change with one
// MERGE; seeds are loaded with a load job.
//
// It does not reach BigQuery in unit tests: live tests run the shared
// conformance suites only when ELT_TEST_BIGQUERY_PROJECT and
// ELT_TEST_BIGQUERY_KEYFILE (or ELT_TEST_BIGQUERY_ENDPOINT) are set. Errors
// are one line and never carry key material. No client type leaves this
// package.
package bigquery
