#!/usr/bin/env bash
# Storage benchmark: bytes on disk per event against the raw syslog, a needle search (one rare
# IP) and `| stats count() by host` over N events (default 10 million) ingested end to end.
# Usage: benches/storage.sh [events=10000000]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
EVENTS=${1:-10000000}
cargo build --release -p palisade --manifest-path "$ROOT/Cargo.toml" >&2
BIN=$ROOT/target/release/palisade
D=/tmp/palisade-storage-bench; rm -rf $D; mkdir -p $D
$BIN serve --data-dir $D/data --api 127.0.0.1:18444 --syslog 127.0.0.1:15517 --syslog-tls 127.0.0.1:0 >$D/stdout 2>$D/stderr &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 200); do grep -q '^Ready.' $D/stdout 2>/dev/null && break; sleep 0.05; done
export PALISADE_SERVER=https://127.0.0.1:18444 PALISADE_TOKEN_FILE=$D/data/admin.token PALISADE_CA_CERT=$D/data/tls/cert.pem
$BIN bench ingest --target 127.0.0.1:15517 --events $EVENTS --connections 2 --needle 203.0.113.77 --wait --pid $PID | tee $D/ingest.txt
sleep 35  # let the last memtable flush to segments (storage.flush_interval is 30 s)
raw=$(grep -o '([0-9]* bytes' $D/ingest.txt | grep -o '[0-9]*')
events_bytes=$(du -sb $D/data/events | cut -f1)
wal_bytes=$(du -sb $D/data/wal | cut -f1)
q() { curl -s --cacert $PALISADE_CA_CERT -H "Authorization: Bearer $(cat $PALISADE_TOKEN_FILE)" -G \
        --data-urlencode "q=$1" --data-urlencode "limit=10" https://127.0.0.1:18444/api/v1/events; }
echo "events: $EVENTS, raw syslog bytes: $raw, segment bytes: $events_bytes, WAL bytes left: $wal_bytes"
awk -v r=$raw -v s=$events_bytes -v n=$EVENTS 'BEGIN{printf "bytes/event: raw %.1f, stored %.1f, ratio %.1fx smaller\n", r/n, s/n, r/s}'
for i in 1 2 3; do
  q '203.0.113.77' | python3 -c 'import json,sys; b=json.load(sys.stdin); print("needle: %d hit(s), %d ms, blocks %d, skipped %d" % (len(b["events"]), b["took_ms"], b["scanned"]["blocks"], b["scanned"]["blocks_skipped"]))'
done
for i in 1 2 3; do
  q '| stats count() by host' | python3 -c 'import json,sys; b=json.load(sys.stdin); print("stats count() by host: %d groups, %d ms" % (len(b["table"]["rows"]), b["took_ms"]))'
done
ps -o rss= -p $PID | awk '{printf "server RSS after the run: %.0f MiB\n", $1/1024}'
