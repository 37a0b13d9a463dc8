#!/usr/bin/env bash
# Console page-load benchmark: signs in to the web console as an analyst (role `user`, tenant
# `default`) and times each page LOADS times over HTTPS against a server holding EVENTS events.
# The time of a load is the server's part: from the TLS connection being up to the last byte of
# the answer (curl's time_total - time_appconnect), so the handshake is not counted.
# Prints p50/p95 per page, the first (cold) load of the overview, and the machine's load. The
# last row, a `stats` over the whole window, is what each of the overview's eight panels cost
# when the overview aggregated stored events on every load.
#
# Usage: benches/console-pages.sh [events=10000000] [loads=20]
# Environment:
#   PALISADE_BIN       the binary to measure (default: a release build of this checkout)
#   CONSOLE_BENCH_DIR  the work directory; its data/ is reused when it already holds events,
#                      so a second binary is measured against the same store (default:
#                      /tmp/palisade-console-bench)
# The events come from `palisade bench ingest` (sshd lines from 97 hosts, 8 users, ~4 000
# addresses, stamped within one hour of 2026-11-23): the 24-hour panels cover them all only
# until 2026-11-24T10:00Z. The script prints the overview's "Events, 24 h" so a run that
# measured an empty window shows it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
EVENTS=${1:-10000000}
LOADS=${2:-20}
D=${CONSOLE_BENCH_DIR:-/tmp/palisade-console-bench}
API=127.0.0.1:18461
SYSLOG=127.0.0.1:15531
if [ -z "${PALISADE_BIN:-}" ]; then
  cargo build --release -p palisade --manifest-path "$ROOT/Cargo.toml" >&2
  PALISADE_BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/palisade
fi
BIN=$PALISADE_BIN
mkdir -p "$D"
fresh=no
[ -d "$D/data/events/tenants" ] || fresh=yes
"$BIN" serve --data-dir "$D/data" --api $API --syslog $SYSLOG --syslog-tls 127.0.0.1:0 >"$D/stdout" 2>"$D/stderr" &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 600); do grep -q '^Ready.' "$D/stdout" 2>/dev/null && break; sleep 0.1; done
grep -q '^Ready.' "$D/stdout" || { echo "the server did not start: $(tail -3 "$D/stderr")" >&2; exit 1; }
export PALISADE_SERVER=https://$API PALISADE_TOKEN_FILE=$D/data/admin.token PALISADE_CA_CERT=$D/data/tls/cert.pem
if [ $fresh = yes ]; then
  "$BIN" bench ingest --target $SYSLOG --events "$EVENTS" --connections 2 --wait --pid $PID >&2
  sleep 35  # let the last memtable flush to segments (storage.flush_interval is 30 s)
fi

# Sign in as an analyst: a password account (no second factor for role `user`), then the API's
# login, whose session cookie the console pages take.
PASSWORD=bench-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
umask 077
printf '%s\n' "$PASSWORD" >"$D/password"
NAME=analyst-$(date +%s)
"$BIN" user add "$NAME" --tenant default --roles user --password-file "$D/password" >/dev/null
curl -sf --cacert "$PALISADE_CA_CERT" -c "$D/cookies" -H 'Content-Type: application/json' \
  -d "{\"tenant\":\"default\",\"user\":\"$NAME\",\"password\":\"$PASSWORD\"}" \
  "https://$API/api/v1/login" >/dev/null

# One load of $1: "<ms> <bytes> <status>".
load() {
  curl -s --cacert "$PALISADE_CA_CERT" -b "$D/cookies" -o "$D/page.html" \
    -w '%{time_appconnect} %{time_total} %{size_download} %{http_code}\n' "https://$API$1" |
    awk '{printf "%.1f %d %s\n", ($2 - $1) * 1000, $3, $4}'
}

cold=$(load /console/)
total=$(tr -d '\n' <"$D/page.html" | grep -o 'Events, 24 h</div><div class="value">[0-9,]*' | grep -o '[0-9,]*$' || true)
echo "events in the store: $EVENTS; overview \"Events, 24 h\": ${total:-none}"
echo "first (cold) overview load: ${cold%% *} ms"
echo
echo "| page | p50 ms | p95 ms | bytes |"
echo "|---|---:|---:|---:|"
for page in /console/ /console/live /console/search /console/sources /console/alerts \
  /console/incidents /console/rules "/console/search?q=sshd+root" \
  "/console/search?q=*+%7C+stats+count()+by+device.hostname"; do
  : >"$D/times"
  for _ in $(seq "$LOADS"); do
    read -r ms bytes status < <(load "$page")
    [ "$status" = 200 ] || { echo "GET $page answered $status" >&2; exit 1; }
    echo "$ms" >>"$D/times"
  done
  sort -n "$D/times" | awk -v page="$page" -v bytes="$bytes" '
    { t[NR] = $1 }
    END {
      p50 = t[int((NR + 1) / 2)]; i95 = int(NR * 0.95 + 0.5); if (i95 < 1) i95 = 1
      printf "| `%s` | %.0f | %.0f | %d |\n", page, p50, t[i95], bytes
    }'
done
echo
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
ps -o rss= -p $PID | awk '{printf "server RSS: %.0f MiB\n", $1/1024}'
