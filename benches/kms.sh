#!/usr/bin/env bash
# Key service throughput: a fresh `palisade serve` in a temp dir, a key user's token, then
# `palisade bench kms` (encrypt+decrypt of 1 KiB over HTTPS keep-alive connections) once per
# connection count, RUNS times each, fresh server every run. Prints the bench's own lines,
# which include the server's and the load generator's CPU per operation.
#
# Usage: benches/kms.sh [runs=1] [seconds=10]   (CONNS="8 64" by default; BIN= a built palisade;
# WORK_PARENT= a directory for the data, e.g. /dev/shm to take the disk out of the picture)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${1:-1}
SECONDS_PER_RUN=${2:-10}
CONNS=${CONNS:-"8 64"}
if [ -z "${BIN:-}" ]; then
  cargo build --release -p palisade --manifest-path "$ROOT/Cargo.toml" >&2
  BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/palisade
fi
WORK=$(mktemp -d ${WORK_PARENT:+-p $WORK_PARENT})
SERVER_PID=
stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
  fi
}
trap 'stop_server; rm -rf "$WORK"' EXIT
API=127.0.0.1:28443

for conns in $CONNS; do
  for run in $(seq "$RUNS"); do
    rm -rf "$WORK/data"
    "$BIN" serve --data-dir "$WORK/data" --api "$API" --syslog 127.0.0.1:28514 \
      --syslog-tls 127.0.0.1:28515 >"$WORK/serve.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 100); do
      [ -s "$WORK/data/admin.token" ] && curl -skf "https://$API/readyz" >/dev/null && break
      sleep 0.1
    done
    export PALISADE_SERVER=https://$API PALISADE_CA_CERT=$WORK/data/tls/cert.pem
    PALISADE_TOKEN_FILE=$WORK/data/admin.token "$BIN" user add bench-keys --roles user >/dev/null
    PALISADE_TOKEN_FILE=$WORK/data/admin.token "$BIN" token create --user bench-keys \
      >"$WORK/bench.token"
    echo "== $conns connections, run $run (load average $(cut -d' ' -f1 /proc/loadavg))"
    "$BIN" bench kms --token-file "$WORK/bench.token" \
      --admin-token-file "$WORK/data/admin.token" --pid "$SERVER_PID" \
      --connections "$conns" --seconds "$SECONDS_PER_RUN" --datakeys 200 ${BENCH_ARGS:-}
    stop_server
  done
done
