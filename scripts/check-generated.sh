#!/usr/bin/env bash
# Regenerates gen/ and test/gen-conformance/ into a temporary folder and
# compares them with the committed copies. Fails naming every stale file.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
buf generate -o "$tmp"
buf generate --template buf.gen.conformance.yaml -o "$tmp"
stale=0
for dir in gen test/gen-conformance; do
  # Files that differ or exist on one side only.
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    stale=1
    echo "stale generated code: $line" >&2
  done < <(diff -rq "$dir" "$tmp/$dir" 2>&1 | sed -E "s#$tmp/##g" || true)
done
if [ "$stale" -ne 0 ]; then
  echo "gen/ is out of date with proto/: run 'npm run generate' and commit the result." >&2
  exit 1
fi
echo "generated code is fresh"
