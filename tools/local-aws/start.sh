#!/usr/bin/env bash
# Starts kinesis-local, kinesalite and dynalite on 127.0.0.1 for manual use, and stops them on Ctrl+C.
# Ports: KINESIS_LOCAL_PORT (4567), KINESALITE_PORT (4568), DYNALITE_PORT (4569).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
command -v node >/dev/null && command -v npm >/dev/null || {
  echo "Node.js 20 or later with npm is required for the local AWS emulators (https://nodejs.org)." >&2; exit 1; }
[ -f "$here/node_modules/kinesis-local/main.js" ] && [ -f "$here/node_modules/kinesalite/cli.js" ] && [ -f "$here/node_modules/dynalite/cli.js" ] \
  || (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)

kl=${KINESIS_LOCAL_PORT:-4567}; ka=${KINESALITE_PORT:-4568}; dy=${DYNALITE_PORT:-4569}
export LOCAL_AWS_PARENT_PID=$$
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

(cd "$here/node_modules/kinesis-local" && KINESIS_MOCK_PLAIN_PORT=$kl KINESIS_MOCK_TLS_PORT=$((kl + 1000)) \
  KINESIS_MOCK_CERT_PATH="$PWD/server.json" SHARD_LIMIT=10000 CREATE_STREAM_DURATION=50ms LOG_LEVEL=WARN \
  exec node -r "$here/preload.cjs" main.js) & pids+=($!)
node -r "$here/preload.cjs" "$here/node_modules/kinesalite/cli.js" --port "$ka" --shardLimit 10000 --createStreamMs 50 & pids+=($!)
node -r "$here/preload.cjs" "$here/node_modules/dynalite/cli.js" --host 127.0.0.1 --port "$dy" --createTableMs 50 & pids+=($!)

echo "kinesis-local  http://127.0.0.1:$kl (HTTP/2 prior knowledge or HTTP/1.1)"
echo "kinesalite     http://127.0.0.1:$ka (HTTP/1.1)"
echo "dynalite       http://127.0.0.1:$dy"
echo "Any access key and secret work; use region us-east-1. Ctrl+C stops all three."
wait
