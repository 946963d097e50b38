#!/usr/bin/env bash
# Fuzzes every route of the OpenAPI document with schemathesis, once with a key of each role
# (operator, seller, buyer), against a OneClick on its embedded defaults in a data directory of
# its own; prints the 5xx count per role (it must be zero). MAX=n sets examples per operation.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v st >/dev/null || python3 -m pip install --quiet schemathesis
D=$(mktemp -d)
free() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
export ONECLICK_DATA_DIR=$D ONECLICK_HTTP_PORT=$(free) TEMPORAL_DEV_PORT=$(free) TEMPORAL_DEV_UI_PORT=$(free) LOG_LEVEL=error
export TEMPORAL_ADDRESS= DATABASE_URL=
node --import tsx src/cli.ts start >"$D/out.log" 2>&1 &
PID=$!
cleanup() { kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; node --import tsx src/cli.ts sandbox stop >/dev/null 2>&1 || true; rm -rf "$D"; }
trap cleanup EXIT
for _ in $(seq 1 180); do grep -q "Stop with Ctrl-C" "$D/out.log" && break; sleep 1; done
A=http://127.0.0.1:$ONECLICK_HTTP_PORT
OPERATOR=$(grep -o 'ock_[A-Za-z0-9_-]*' "$D/out.log" | head -1)
mk() {
  curl -sf -X POST "$A/v1/principals" -H "authorization: Bearer $OPERATOR" \
    -H 'content-type: application/json' -d "$1" |
    python3 -c 'import sys,json; print(json.load(sys.stdin)["apiKey"]["key"])'
}
SELLER=$(mk '{"role":"seller","name":"fuzz seller"}')
BUYER=$(mk '{"role":"buyer","name":"fuzz buyer","customerId":"fuzz-customer"}')
total=0
for role in OPERATOR SELLER BUYER; do
  st run "$A/openapi.json" -H "Authorization: Bearer ${!role}" --checks not_a_server_error \
    --max-examples "${MAX:-25}" --workers 2 >"$D/st-$role.log" 2>&1 || true
  # schemathesis prints a server error as `[502] Bad Gateway:` under `ST101 Server error`.
  n=$(grep -cE '^\[5[0-9]{2}\] ' "$D/st-$role.log" || true)
  grep -B3 -A2 -E '^\[5[0-9]{2}\] ' "$D/st-$role.log" | head -40 || true
  echo "$role: $n 5xx; $(grep -E 'generated' "$D/st-$role.log" | tail -1 | xargs)"
  total=$((total + n))
done
exit $((total > 0))
