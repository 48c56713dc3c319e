#!/usr/bin/env bash
# run.sh — builds cjx optimised (${BENCH_BUILD:-build-release}/) and runs a
# benchmark against the real hub and agents on 127.0.0.1. Stores live in a
# fresh folder under ${BENCH_DIR:-/var/tmp} (a real disk, not tmpfs).
#
#   bench/run.sh [RECORDS [SIZE [WINDOW]]]
#       the durable publish rate of one agent: 512-byte records, acknowledged
#       by the hub only after its LMDB transaction is synced. Three runs.
#   bench/run.sh feed [all | catchup [N] | fanout [SUBS [RATE [SECONDS]]] | rss [N]]
#       feeds: an offline subscriber's catch-up rate, fan-out latency to many
#       subscribers at a paced publish rate, and the hub's memory while one
#       subscriber is stopped (see bench/feed_bench.c). One run.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BENCH_BUILD:-build-release}
scripts/build.sh "$build" -DCMAKE_BUILD_TYPE=Release -DCJX_TESTS=OFF >/dev/null
base=$(mktemp -d "${BENCH_DIR:-/var/tmp}/cjx-bench.XXXXXX")
trap 'rm -rf "$base"' EXIT
if [ "${1:-}" = feed ]; then
    shift
    echo "# $(nproc) cores, $(uname -sr), store in $base"
    "$build/bin/feed_bench" "$build/bin" "$PWD/config" "$base" "$@"
    exit
fi
for run in 1 2 3; do
    mkdir -p "$base/$run"
    "$build/bin/publish_bench" "$build/bin" "$PWD/config" "$base/$run" "$@"
done
