#!/usr/bin/env bash
# The project's test command (`npm test`): contract checks, then typecheck,
# then the vitest suites. Run through npm so node_modules/.bin is on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== buf lint"; buf lint
echo "== buf format"; buf format --diff --exit-code
echo "== generated code freshness"; bash scripts/check-generated.sh
echo "== buf breaking"; bash scripts/check-breaking.sh
echo "== typecheck"; tsc --noEmit -p tsconfig.json
echo "== vitest"; vitest run "$@"
