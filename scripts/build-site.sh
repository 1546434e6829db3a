#!/usr/bin/env bash
# Builds the docs site's front-end (web/) into docs/site/assets, where the
# binary embeds it from: npm ci from web/package-lock.json, then esbuild.
#
#   scripts/build-site.sh          rebuild docs/site/assets
#   scripts/build-site.sh --check  rebuild into a temporary folder and fail
#                                  when it differs from what is committed
#
# Node.js and npm come from Debian's packages when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

if ! command -v npm >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing nodejs and npm from Debian's packages"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; } >/dev/null
  else
    echo "build-site: npm is needed (install Node.js)" >&2; exit 1
  fi
fi

out="$root/docs/site/assets"
if [ "${1:-}" = "--check" ]; then
  out="$(mktemp -d)"
  trap 'rm -rf "$out"' EXIT
fi
mkdir -p "$out"

cd web
npm ci --no-audit --no-fund --loglevel=error >/dev/null
./node_modules/.bin/esbuild src/main.js --bundle --minify --format=iife --target=es2020 \
  --legal-comments=none --charset=utf8 --log-level=warning --outfile="$out/app.js"
cp src/index.html "$out/index.html"

# The bundle carries the libraries' code, so it carries their licences.
{
  echo "The elt docs site bundles these npm packages (versions from web/package-lock.json)."
  for dir in $(node -e 'const l=require("./package-lock.json"); for (const [p,v] of Object.entries(l.packages)) if (p && !v.dev) console.log(p)' | sort); do
    name="${dir#node_modules/}"
    version="$(node -p "require('./$dir/package.json').version")"
    echo
    echo "== $name $version"
    lic="$(ls "$dir" | grep -iE '^(licen[cs]e|copying)' | head -1 || true)"
    if [ -n "$lic" ]; then cat "$dir/$lic"; else node -p "'License: ' + require('./$dir/package.json').license"; fi
  done
} > "$out/THIRD_PARTY_LICENSES.txt"

if [ "${1:-}" = "--check" ]; then
  if ! diff -r -q "$root/docs/site/assets" "$out"; then
    echo "build-site: docs/site/assets differs from a fresh build of web/: run scripts/build-site.sh and commit the result" >&2
    exit 1
  fi
  echo "build-site: docs/site/assets matches a fresh build of web/"
fi
