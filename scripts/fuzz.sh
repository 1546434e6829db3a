#!/usr/bin/env bash
# Runs every fuzz target for a bounded time, one after the other (Go fuzzes
# one target per invocation), on one worker: scripts/fuzz.sh [seconds]
# (default 30 per target). Stops at the first target that fails, naming it
# and the crasher file Go wrote under <package>/testdata/fuzz/<target>/;
# commit that file with the fix, and `go test` replays it from then on.
#
# Go minimizes every new interesting input, not only crashers; on the
# loader targets (a few hundred execs/s) that can take most of a short run.
# FUZZ_MINIMIZE bounds each minimization (default 100x: a hundred calls;
# any -fuzzminimizetime value, e.g. 30s to minimize a crasher better).
set -euo pipefail
cd "$(dirname "$0")/.."

secs="${1:-30}"
minimize="${FUZZ_MINIMIZE:-100x}"
if ! [[ "$secs" =~ ^[0-9]+$ ]] || [ "$secs" -eq 0 ]; then
	echo "usage: scripts/fuzz.sh [seconds per target]" >&2
	exit 2
fi

# package target. The cache targets (FuzzLoadCache, FuzzRenderCache,
# FuzzCheckCache, FuzzManifestIndex) store the fuzzer's bytes as a cache
# under target/ and check that a damaged cache never changes a result.
# The Jinja engine's differential fuzzer (FuzzDifferential)
# generates templates from the fuzzer's bytes and compares elt's output
# with Python's Jinja2 (scripts/jinja-oracle.py; python3-jinja2, which
# scripts/test.sh installs): a mismatch fails CI with the template and a
# corpus case to add. Run it longer by hand to hunt for new cases:
#   go test ./jinja -run '^$' -fuzz FuzzDifferential -fuzztime 5m -parallel 1
targets=(
	"./project FuzzProperties"
	"./project FuzzDbtProject"
	"./project FuzzProfiles"
	"./graph FuzzSelect"
	"./adapters FuzzReadCSV"
	"./adapters/bigquery FuzzPlanSeed"
	"./jinja FuzzDifferential"
	"./deps FuzzPackagesFile"
	"./project FuzzLoadCache"
	"./compiler FuzzRenderCache"
	"./check FuzzCheckCache"
	"./docs FuzzManifestIndex"
)

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
for t in "${targets[@]}"; do
	read -r pkg name <<<"$t"
	echo "== $name ($pkg, ${secs}s)"
	if ! go test -run='^$' -fuzz="^${name}\$" -fuzztime="${secs}s" -fuzzminimizetime="$minimize" -parallel=1 "$pkg" 2>&1 | tee "$log"; then
		# Go's fuzzing coordinator can stop with "context deadline exceeded"
		# when -fuzztime ends while a worker is still busy, a race in Go
		# itself (go.dev/issue/75804, fixed in Go 1.27). It found nothing
		# then: no input failed, none was written. Anything else fails.
		if grep -q "context deadline exceeded" "$log" && ! grep -q "Failing input written to" "$log"; then
			echo "ok: $name: the time ran out while a worker was busy; no failing input (Go's fuzzer reports this as 'context deadline exceeded')"
			continue
		fi
		echo >&2
		echo "FAIL: fuzz target $name in $pkg" >&2
		crasher="$(sed -n 's/.*Failing input written to \(testdata\/fuzz\/[^ ]*\).*/\1/p' "$log" | tail -1)"
		if [ -n "$crasher" ]; then
			echo "crasher: ${pkg#./}/$crasher" >&2
			echo "replay:  go test -run='^${name}/$(basename "$crasher")\$' $pkg" >&2
		else
			echo "no crasher file was written (build failure or setup error: see above)" >&2
		fi
		exit 1
	fi
	execs="$(sed -n 's/.*execs: \([0-9]*\).*/\1/p' "$log" | tail -1)"
	echo "ok: $name: ${execs:-0} execs in ${secs}s, $(( ${execs:-0} / secs ))/s"
done
echo "all ${#targets[@]} fuzz targets passed"
