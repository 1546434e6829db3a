package bigquery

import (
	"context"
	"fmt"

	"github.com/elt-dev/elt/adapters"
)

// Driver registers BigQuery with cmd/elt.
func Driver() adapters.Driver {
	return adapters.Driver{Type: "bigquery", Dialect: Dialect{}, Open: openTarget, Fields: profileFields,
		Unsupported: unsupportedFields}
}

// unsupportedFields are dbt-bigquery's profile keys elt does not act on:
// those of its Python models (BigQueryCredentials' Dataproc and GCS
// fields), which elt does not run.
var unsupportedFields = map[string]string{
	"gcs_bucket":            pythonModelsKey,
	"compute_region":        pythonModelsKey,
	"dataproc_region":       pythonModelsKey,
	"dataproc_cluster_name": pythonModelsKey,
	"dataproc_batch":        pythonModelsKey,
	"submission_method":     pythonModelsKey,
}

const pythonModelsKey = "it configures dbt-bigquery's Python models (Dataproc), which elt does not run"

func openTarget(ctx context.Context, t adapters.Target) (adapters.Adapter, error) {
	fields := t.Fields
	// The resolved target's database and schema fill in project and dataset.
	if fields["project"] == nil && fields["database"] == nil && t.Database != "" {
		fields = withField(fields, "project", t.Database)
	}
	if fields["dataset"] == nil && fields["schema"] == nil && t.Schema != "" {
		fields = withField(fields, "dataset", t.Schema)
	}
	cfg, err := ConfigFromFields(fields)
	if err != nil {
		return nil, fmt.Errorf("profile %q target %q: %w", t.Profile, t.Name, err)
	}
	if cfg.Threads <= 1 && t.Threads > 0 {
		cfg.Threads = t.Threads
	}
	a, err := Open(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("profile %q target %q: %w", t.Profile, t.Name, err)
	}
	return a, nil
}

func withField(fields map[string]any, k string, v any) map[string]any {
	out := make(map[string]any, len(fields)+1)
	for key, val := range fields {
		out[key] = val
	}
	out[k] = v
	return out
}

// profileFields are the target keys ConfigFromFields reads.
var profileFields = []string{
	"method", "project", "database", "dataset", "schema", "threads", "location", "keyfile", "keyfile_json", "priority",
	"endpoint", "execution_project", "impersonate_service_account", "job_execution_timeout_seconds", "timeout_seconds",
	"job_retries", "retries", "maximum_bytes_billed",
}
