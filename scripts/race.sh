#!/usr/bin/env bash
# Runs the tests under Go's race detector: every package but cmd/elt whole,
# and of cmd/elt the tests that run the most goroutines against each other
# (random edits through every cache, builds on several threads, the
# packages' integration projects). cmd/elt whole takes some 5 minutes
# under -race here; run it by hand with `go test -race ./cmd/elt`.
#
# Postgres-backed tests run when ELT_TEST_POSTGRES_URL is set (scripts/test.sh
# starts a server and sets it); they skip otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs="$(go list ./... | grep -v '/cmd/elt$')"
# shellcheck disable=SC2086 # one argument per package
go test -race -count=1 -timeout 30m $pkgs
go test -race -count=1 -timeout 30m ./cmd/elt \
	-run 'TestCachesRandomEdits|TestTestsOfDisabledTargetsDisabled|TestPackageIntegrationProjects|TestRenderCacheByteIdentical|TestLoadersRunOnThreads|TestConcurrentJobsOwnNodes|TestGraphStateUnderThreads'
