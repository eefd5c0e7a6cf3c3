#!/usr/bin/env bash
# buf breaking against the contract of the previous commit that touched
# proto/. When proto/ has uncommitted changes, "previous" is the last commit
# that touched it; otherwise it is the one before that. Skips (with a message)
# when there is no such commit or git history is not available.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! git rev-parse --git-dir >/dev/null 2>&1; then
  echo "buf breaking: skipped (not a git checkout)"
  exit 0
fi
mapfile -t commits < <(git log --format=%H -- proto 2>/dev/null || true)
if [ -n "$(git status --porcelain -- proto 2>/dev/null)" ]; then
  base=${commits[0]:-}
else
  base=${commits[1]:-}
fi
if [ -z "$base" ]; then
  echo "buf breaking: skipped (no earlier commit touched proto/)"
  exit 0
fi
if ! git cat-file -e "$base^{commit}" 2>/dev/null; then
  echo "buf breaking: skipped (commit $base is not in this clone's history)"
  exit 0
fi
echo "buf breaking: against $base"
buf breaking --against ".git#ref=$base"
