#!/usr/bin/env bash
# Side-by-side TCP syslog ingest, one run, one machine: rsyslog and syslog-ng (measured by
# ../shared/peers/syslog/run.sh) and Palisade, all fed the same `loggen` stream (RFC 5424,
# octet counting, unthrottled). Palisade is measured end to end: a message counts only once it
# is parsed, normalised, durable in the fsync'ed write-ahead log, indexed and searchable
# (palisade_events_stored_total), and its CPU is the whole server process's.
#
# Usage: benches/ingest-vs-rsyslog.sh [interval_s=20] [msg_size=300]
# Prints a CSV (peer,conns,received,wall_s,received_per_s,cpu_s,per_cpu_s) and appends it to
# /tmp/peers/out/palisade.csv. Touches /tmp/peers and /tmp/palisade-bench, loopback ports only.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
INTERVAL=${1:-20}; SIZE=${2:-300}
PEERS=$ROOT/../shared/peers/syslog/run.sh
OUT=/tmp/peers/out; mkdir -p $OUT
TCK=$(getconf CLK_TCK)

cargo build --release -p palisade --manifest-path "$ROOT/Cargo.toml" >&2
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/palisade

if [ -x "$PEERS" ]; then
  echo "== peers (rsyslog, syslog-ng): $PEERS $INTERVAL 1 $SIZE" >&2
  rm -f $OUT/results.csv
  "$PEERS" "$INTERVAL" 1 "$SIZE" >&2
else
  echo "peer script $PEERS not found: measuring Palisade only" >&2
  command -v loggen >/dev/null || apt-get install -y -q --no-install-recommends syslog-ng-core >&2
fi

stored() {  # sum of palisade_events_stored_total
  curl -s --cacert $D/data/tls/cert.pem -H "Authorization: Bearer $(cat $D/data/admin.token)" \
    https://127.0.0.1:18443/metrics | awk '/^palisade_events_stored_total\{/{s+=$2} END{print s+0}'
}
cpu_ticks() { awk '{print $14+$15}' /proc/$1/stat; }

for conns in 1 4; do
  D=/tmp/palisade-bench; rm -rf $D; mkdir -p $D
  $BIN serve --data-dir $D/data --api 127.0.0.1:18443 --syslog 127.0.0.1:15516 \
       --syslog-tls 127.0.0.1:0 >$D/stdout 2>$D/stderr &
  PID=$!
  for _ in $(seq 200); do grep -q '^Ready.' $D/stdout 2>/dev/null && break; sleep 0.05; done
  c0=$(cpu_ticks $PID); t0=$(date +%s.%N)
  lg=$(loggen --inet --stream --syslog-proto -s $SIZE -I $INTERVAL -r 100000000 \
         --active-connections $conns 127.0.0.1 15516 2>&1)
  sent=$(grep -o 'count=[0-9]*' <<<"$lg" | tail -1 | cut -d= -f2)
  # Wait until every sent message is stored and searchable (or 60 s without progress).
  last=-1; tl=$(date +%s.%N); idle=0
  while :; do
    n=$(stored)
    if [ "$n" -ge "$sent" ]; then tl=$(date +%s.%N); break; fi
    if [ "$n" != "$last" ]; then last=$n; tl=$(date +%s.%N); idle=0; else idle=$((idle+1)); fi
    [ $idle -ge 600 ] && break
    sleep 0.1
  done
  c1=$(cpu_ticks $PID)
  kill -TERM $PID; wait $PID 2>/dev/null || true
  awk -v c=$conns -v s=$sent -v n=$n -v t0=$t0 -v tl=$tl -v cpu=$((c1 - c0)) -v tck=$TCK 'BEGIN{
      e=tl-t0; d=cpu/tck;
      printf "palisade,%d,%d,%d,%.2f,%.0f,%.2f,%.0f\n", c, s, n, e, n/e, d, (d>0?n/d:0) }' \
    | tee -a $OUT/palisade.csv
done
echo "peer results: $OUT/results.csv" >&2
[ -f $OUT/results.csv ] && cat $OUT/results.csv
