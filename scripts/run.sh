#!/usr/bin/env bash
# Command one: set up this machine if needed, then run OneClick on its embedded defaults
# (Temporal dev server, PGlite and the sandbox cloud under ./.data). Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec node_modules/.bin/tsx src/cli.ts start
