#!/usr/bin/env bash
# Side-by-side benchmark: PostgreSQL 15 vs Rampart (see bench/README.md).
#   bench/run.sh                                   # defaults: 100000 rows, 10 s x 3 repeats
#   BENCH_SECONDS=5 BENCH_REPEATS=3 bench/run.sh   # shorter full run
#   RAMPART_BIN=/path/to/rampart bench/run.sh      # skip the cargo build
#   BENCH_SMOKE=1 RAMPART_BIN=... bench/run.sh     # smoke: every step once (~30 s), exit 1 if one fails
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(dirname "$HERE")"
cd "$REPO"

if [ -z "${RAMPART_BIN:-}" ]; then
  echo "bench: cargo build --release -p rampart --bin rampart" >&2
  cargo build --release -p rampart --bin rampart
  target="${CARGO_TARGET_DIR:-$REPO/target}"
  case "$target" in /*) ;; *) target="$REPO/$target" ;; esac
  RAMPART_BIN="$target/release/rampart"
fi
case "$RAMPART_BIN" in /*) ;; *) RAMPART_BIN="$PWD/$RAMPART_BIN" ;; esac
if [ ! -x "$RAMPART_BIN" ]; then
  echo "bench: rampart binary not found at $RAMPART_BIN" >&2
  exit 1
fi
export RAMPART_BIN

# bench.py stops both servers and removes their temp dirs on exit, on error and
# on SIGINT/SIGTERM/SIGHUP; forward those signals to it and wait for its cleanup.
child=""
forward() {
  trap '' INT TERM HUP
  if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then
    kill -TERM "$child" 2>/dev/null || true
    wait "$child" 2>/dev/null || true
  fi
  exit 130
}
trap forward INT TERM HUP
python3 -B "$HERE/bench.py" "$@" &
child=$!
set +e
wait "$child"
rc=$?
set -e
exit "$rc"
