#!/usr/bin/env bash
# The whole test suite, as the README gives it and CI runs it: starts a
# throwaway PostgreSQL server (installing PostgreSQL from Debian's packages
# when it is missing), runs every Go test against real DuckDB files and the
# real server, and stops the server afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

eval "$(scripts/postgres.sh start)"
trap 'scripts/postgres.sh stop >/dev/null 2>&1 || true' EXIT
echo "Postgres for the tests: ${ELT_TEST_POSTGRES_URL%%@*}@... (password hidden)" | sed 's#//[^:]*:[^@]*@#//***@#'

go test "$@" ./...
