#!/usr/bin/env bash
# run.sh — builds cjx optimised (build-release/) and measures the durable
# publish rate of one agent: 512-byte records, acknowledged by the hub only
# after its LMDB transaction is synced to disk. Three runs; the store lives
# in a fresh folder under ${BENCH_DIR:-/var/tmp} (a real disk, not tmpfs).
#
# usage: bench/run.sh [RECORDS [SIZE [WINDOW]]]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh build-release -DCMAKE_BUILD_TYPE=Release -DCJX_TESTS=OFF >/dev/null
base=$(mktemp -d "${BENCH_DIR:-/var/tmp}/cjx-bench.XXXXXX")
trap 'rm -rf "$base"' EXIT
for run in 1 2 3; do
    mkdir -p "$base/$run"
    build-release/bin/publish_bench build-release/bin "$PWD/config" "$base/$run" "$@"
done
