#!/usr/bin/env bash
# Starts kinesis-local, kinesalite and dynalite on 127.0.0.1 for manual use, and stops them on Ctrl+C.
# Ports: KINESIS_LOCAL_PORT (4567), KINESALITE_PORT (4568), DYNALITE_PORT (4569).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
command -v node >/dev/null && command -v npm >/dev/null || {
  echo "Node.js 20 or later with npm is required for the local AWS emulators (https://nodejs.org)." >&2; exit 1; }
kl=${KINESIS_LOCAL_PORT:-4567}; ka=${KINESALITE_PORT:-4568}; dy=${DYNALITE_PORT:-4569}
in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for entry in "kinesis-local $kl KINESIS_LOCAL_PORT" "kinesis-local(TLS) $((kl + 1000)) KINESIS_LOCAL_PORT" \
             "kinesalite $ka KINESALITE_PORT" "dynalite $dy DYNALITE_PORT"; do
  set -- $entry
  if in_use "$2"; then
    echo "start.sh: port $2 for $1 is already in use (emulators already running?); stop what uses it or set $3." >&2; exit 1
  fi
done
[ -f "$here/node_modules/kinesis-local/main.js" ] && [ -f "$here/node_modules/kinesalite/cli.js" ] && [ -f "$here/node_modules/dynalite/cli.js" ] \
  || (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)

export LOCAL_AWS_PARENT_PID=$$
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM

(cd "$here/node_modules/kinesis-local" && KINESIS_MOCK_PLAIN_PORT=$kl KINESIS_MOCK_TLS_PORT=$((kl + 1000)) \
  KINESIS_MOCK_CERT_PATH="$PWD/server.json" SHARD_LIMIT=10000 CREATE_STREAM_DURATION=50ms LOG_LEVEL=WARN \
  exec node -r "$here/preload.cjs" main.js) & pids+=($!)
node -r "$here/preload.cjs" "$here/node_modules/kinesalite/cli.js" --port "$ka" --shardLimit 10000 --createStreamMs 50 & pids+=($!)
node -r "$here/preload.cjs" "$here/node_modules/dynalite/cli.js" --host 127.0.0.1 --port "$dy" --createTableMs 50 & pids+=($!)

echo "kinesis-local  http://127.0.0.1:$kl (HTTP/2 prior knowledge or HTTP/1.1)"
echo "kinesalite     http://127.0.0.1:$ka (HTTP/1.1)"
echo "dynalite       http://127.0.0.1:$dy"
echo "Any access key and secret work; use region us-east-1. Ctrl+C stops all three."
# If one emulator ends (it could not start, or it crashed), stop the others and say so, rather than run on without it.
status=0
wait -n "${pids[@]}" || status=$?
names=(kinesis-local kinesalite dynalite)
for i in "${!pids[@]}"; do
  kill -0 "${pids[$i]}" 2>/dev/null || echo "start.sh: ${names[$i]} stopped (exit status $status); stopping the others." >&2
done
exit 1
