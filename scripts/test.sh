#!/usr/bin/env bash
# Command two: set up this machine if needed, then type-check, lint and run the whole test suite
# on a real Temporal dev server, PostgreSQL and PGlite, OpenSSH and the sandbox cloud.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
started=$(date +%s)
npm run --silent typecheck
npm run --silent lint
report=$(mktemp)
status=0
node_modules/.bin/vitest run --reporter=default --reporter=json --outputFile.json="$report" || status=$?
# One plain closing line that any CI can read.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$report" || true
rm -f "$report"
echo "test.sh: $(( $(date +%s) - started )) s"
exit $status
