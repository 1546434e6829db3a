#!/usr/bin/env bash
# The whole test suite, as the README gives it and CI runs it: starts a
# throwaway PostgreSQL server (installing PostgreSQL from Debian's packages
# when it is missing), runs every Go test against real DuckDB files and the
# real server, and stops the server afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

# Python's Jinja2 is the oracle for the Jinja engine's differential tests
# (Debian's python3-jinja2). The tests find it themselves and skip, saying
# so, where it is missing; here it is installed when we can.
if ! /usr/bin/python3 -c 'import jinja2' >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing python3-jinja2 (the Jinja oracle) from Debian's packages"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-jinja2; } >/dev/null 2>&1 ||
    echo "warning: could not install python3-jinja2; the Jinja oracle tests will skip" >&2
fi

# Headless Chromium (Debian's chromium) runs the docs site's browser tests.
# Once it is here, ELT_REQUIRE_BROWSER makes those tests fail rather than
# skip should it not start.
if ! command -v chromium >/dev/null 2>&1 && [ -z "${ELT_TEST_CHROMIUM:-}" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing chromium (for the docs site's browser tests) from Debian's packages"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null 2>&1 ||
    echo "warning: could not install chromium; the browser tests will skip" >&2
fi
if command -v chromium >/dev/null 2>&1 || [ -n "${ELT_TEST_CHROMIUM:-}" ]; then
  export ELT_REQUIRE_BROWSER=1
fi

eval "$(scripts/postgres.sh start)"
trap 'scripts/postgres.sh stop >/dev/null 2>&1 || true' EXIT
echo "Postgres for the tests: ${ELT_TEST_POSTGRES_URL%%@*}@... (password hidden)" | sed 's#//[^:]*:[^@]*@#//***@#'

# cmd/elt runs for some 5 minutes on two cores; the default 10-minute
# limit per package leaves too little room on a busy machine.
go test -timeout 25m "$@" ./...
