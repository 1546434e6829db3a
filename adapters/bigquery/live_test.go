package bigquery

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/adapters/adaptertest"
)

// liveConfig is the BigQuery project the live tests use, from
// ELT_TEST_BIGQUERY_PROJECT with ELT_TEST_BIGQUERY_KEYFILE (a service
// account key) or ELT_TEST_BIGQUERY_ENDPOINT (an emulator);
// ELT_TEST_BIGQUERY_LOCATION optionally sets the location.
func liveConfig(t *testing.T) Config {
	t.Helper()
	project := os.Getenv("ELT_TEST_BIGQUERY_PROJECT")
	keyfile := os.Getenv("ELT_TEST_BIGQUERY_KEYFILE")
	endpoint := os.Getenv("ELT_TEST_BIGQUERY_ENDPOINT")
	if project == "" || (keyfile == "" && endpoint == "") {
		t.Skip("live BigQuery tests need ELT_TEST_BIGQUERY_PROJECT and ELT_TEST_BIGQUERY_KEYFILE (or ELT_TEST_BIGQUERY_ENDPOINT for an emulator)")
	}
	cfg := Config{Method: MethodServiceAccount, Project: project, Dataset: "elt_test", Keyfile: keyfile, Endpoint: endpoint,
		Location: os.Getenv("ELT_TEST_BIGQUERY_LOCATION"), MaximumBytesBilled: 10 << 30, JobExecutionTimeout: 5 * time.Minute}
	if keyfile == "" {
		cfg.Method = MethodOAuth
	}
	return cfg
}

func openLive(t *testing.T) adapters.Adapter {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, err := Open(ctx, liveConfig(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return a
}

// The shared suites are written in portable SQL; where BigQuery's dialect
// differs (VALUES lists, double-quoted identifiers, an unqualified
// information_schema), their cases fail here and say so.
func TestLiveConformance(t *testing.T) {
	liveConfig(t)
	adaptertest.Run(t, openLive)
}

func TestLiveIncremental(t *testing.T) {
	liveConfig(t)
	adaptertest.RunIncremental(t, openLive)
}

func TestLiveSnapshot(t *testing.T) {
	liveConfig(t)
	adaptertest.RunSnapshot(t, openLive)
}
