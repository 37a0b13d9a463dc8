#!/usr/bin/env bash
# Baseline checks side by side on this host, one run: `palisade check run` (every built-in
# policy), Lynis (`lynis audit system`) and OpenSCAP (`oscap xccdf eval`, SSG standard profile
# for Debian). For each: checks performed, applicable checks, findings, wall time and peak
# memory (GNU time's maximum resident set size).
#
# Usage: benches/assess-vs-lynis.sh [palisade-binary]
# Installs lynis, openscap-scanner, ssg-debian, ssg-debderived and time with apt when missing.
# Writes its work files under /tmp/assess-bench and prints one CSV line per tool.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-}
WORK=/tmp/assess-bench; rm -rf "$WORK"; mkdir -p "$WORK"

need=()
command -v lynis >/dev/null || need+=(lynis)
command -v oscap >/dev/null || need+=(openscap-scanner)
[ -d /usr/share/xml/scap/ssg/content ] || need+=(ssg-debian ssg-debderived)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >&2
fi
if [ -z "$BIN" ]; then
  cargo build --release -p palisade --manifest-path "$ROOT/Cargo.toml" >&2
  BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/palisade
fi

# The newest SSG data stream for this distribution (bookworm ships content up to Debian 11).
. /etc/os-release
DS=$(ls /usr/share/xml/scap/ssg/content/ssg-${ID}*-ds.xml 2>/dev/null | sort -V | tail -1)
PROFILE=xccdf_org.ssgproject.content_profile_standard

measure() {  # name, command...: wall seconds and peak RSS (KiB) into $WORK/<name>.time
  local name=$1; shift
  /usr/bin/time -f '%e %M' -o "$WORK/$name.time" "$@" > "$WORK/$name.out" 2> "$WORK/$name.err" || true
}

measure palisade "$BIN" check run --format json
measure lynis lynis audit system --quick --no-colors --logfile "$WORK/lynis.log" --report-file "$WORK/lynis.dat"
measure oscap oscap xccdf eval --profile "$PROFILE" --results "$WORK/oscap.xml" "$DS"

echo "tool,checks,applicable,findings,wall_s,peak_rss_kib"
read -r t m < <(tail -1 "$WORK/palisade.time")
python3 - "$WORK/palisade.out" "$t" "$m" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
total = s["pass"] + s["fail"] + s["not_applicable"] + s["error"]
print(f"palisade,{total},{s['pass'] + s['fail'] + s['error']},{s['fail']},{sys.argv[2]},{sys.argv[3]}")
PY
read -r t m < <(tail -1 "$WORK/lynis.time")
# Lynis: tests run ("Tests performed" in the report), findings = warnings + suggestions.
tests=$(grep -m1 '^tests_executed=' "$WORK/lynis.dat" | tr '|' '\n' | grep -c . || true)
skipped=$(grep -m1 '^tests_skipped=' "$WORK/lynis.dat" | tr '|' '\n' | grep -c . || true)
warn=$(grep -c '^warning\[\]=' "$WORK/lynis.dat" || true)
sugg=$(grep -c '^suggestion\[\]=' "$WORK/lynis.dat" || true)
echo "lynis,$((tests + skipped)),$tests,$((warn + sugg)),$t,$m"
read -r t m < <(tail -1 "$WORK/oscap.time")
total=$(grep -c '^Result' "$WORK/oscap.out" || true)
na=$(grep -Ec '^Result\s+(notapplicable|notselected)' "$WORK/oscap.out" || true)
fail=$(grep -Ec '^Result\s+fail' "$WORK/oscap.out" || true)
echo "oscap($(basename "$DS" -ds.xml)),$total,$((total - na)),$fail,$t,$m"
