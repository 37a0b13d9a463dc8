#!/usr/bin/env bash
# Template mining side by side with drain3, one run, one machine: grouping accuracy per Loghub
# dataset (the labelled 2,000 lines) and lines/s (the same lines repeated REPEAT times), both
# measured by ../shared/peers/loghub_ga.py. Palisade runs `palisade templates mine
# --log-format FMT FILE` as a user would (process start, reading, mining, JSON output);
# drain3 runs in-process in Python, header regex and mining only, so the ratio favours drain3.
#
# Usage: benches/templates-vs-drain3.sh [repeat=20]
# Needs python3; drain3 is installed into a venv at $VENV (default /tmp/drain3-venv).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
REPEAT=${1:-20}
PEER=$ROOT/../shared/peers/loghub_ga.py
VENV=${VENV:-/tmp/drain3-venv}
[ -f "$PEER" ] || { echo "peer script $PEER not found (it sits beside the repository)" >&2; exit 1; }

cargo build --release -p palisade --manifest-path "$ROOT/Cargo.toml" >&2
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/palisade

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q drain3 >&2
fi
"$VENV/bin/python" -c 'import drain3' 2>/dev/null || "$VENV/bin/pip" install -q drain3 >&2
"$VENV/bin/python" -c 'import importlib.metadata as m; print("drain3", m.version("drain3"))'
"$VENV/bin/python" "$PEER" --palisade "$BIN" --drain3 --repeat "$REPEAT"
