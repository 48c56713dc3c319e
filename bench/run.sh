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
#   bench/run.sh wire-fanout [SUBS [RATE [SECONDS]]]
#       fan-out latency through clients of the wire protocol, in-process as
#       bench/compare.sh's peers' clients are (bench/wire_fanout_bench.c):
#       default 20 subscribers at 5,000 events/s for 10 s. One run.
#   bench/run.sh wire-catchup [N [WINDOW]]
#       an offline subscriber's catch-up through a client of the wire
#       protocol (bench/wire_catchup_bench.c): N (200000) completions
#       published (WINDOW, 4096, in flight) while it is away, then its
#       receiving rate (its feed window is the agent's, 4096). One run.
#   bench/run.sh search [POSTINGS [QUERIES]]
#       search latency (p50/p99/max) on POSTINGS varied postings (default
#       100000), at the hub through the wire protocol and over an agent's
#       replica (bench/search_bench.c). One run.
#   bench/run.sh report [REPEATS [ENTERPRISES [RECORDS_PER_YEAR [POSTINGS_PER_YEAR]]]]
#       the plan's reports at the hub on a Changzhi-sized state (13 schools,
#       3000 enterprises, 50000 records a year and 3000 postings a year for
#       2025 and 2026), published through the wire protocol in one session
#       per institution: each report's round trip (p50/max of REPEATS,
#       default 5) and how long a publish waits for its ack while one is
#       computed (bench/report_bench.c). One run, a few minutes.
#   bench/run.sh metrics [RECORDS]
#       what the HTTP listener costs the durable publish rate: runs without
#       it, with it idle, and with it scraped (/metrics and /status every
#       100 ms by curl on the same cores, ten times what a Prometheus at 1 s
#       asks), alternating, three runs each.
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
if [ "${1:-}" = wire-fanout ] || [ "${1:-}" = wire-catchup ]; then
    what=${1#wire-}
    shift
    echo "# $(nproc) cores, $(uname -sr), store in $base"
    "$build/bin/wire_${what}_bench" "$build/bin" "$PWD/config" "$base" "$@"
    exit
fi
if [ "${1:-}" = search ]; then
    shift
    "$build/bin/search_bench" "$build/bin" "$PWD/config" "$base" "$@"
    exit
fi
if [ "${1:-}" = report ]; then
    shift
    echo "# $(nproc) cores, $(uname -sr), store in $base"
    "$build/bin/report_bench" "$build/bin" "$PWD/config" "$base" "$@"
    exit
fi
if [ "${1:-}" = metrics ]; then
    records=${2:-200000}
    scrape() { # scrape DIR: asks the hub in DIR for its metrics until it is gone
        local f=$1/hub/http_endpoint
        for _ in $(seq 100); do [ -s "$f" ] && break; sleep 0.05; done
        [ -s "$f" ] || { echo "run.sh: the hub in $1 has no HTTP listener to scrape" >&2; return 1; }
        local ep
        ep=$(cat "$f")
        while curl -sf --max-time 2 "http://$ep/metrics" -o /dev/null &&
              curl -sf --max-time 2 "http://$ep/status" -o /dev/null; do sleep 0.1; done
    }
    for run in 1 2 3; do
        for http in off idle scraped; do
            dir=$base/$run-$http
            mkdir -p "$dir"
            [ $http = scraped ] && scrape "$dir" &
            listen="http_listen ="
            [ $http = off ] || listen="http_listen = 127.0.0.1:0"
            CJX_BENCH_HUB_INI="$listen" "$build/bin/publish_bench" "$build/bin" "$PWD/config" \
                "$dir" "$records" | sed "s/^/http=$http /"
            wait
        done
    done
    exit
fi
for run in 1 2 3; do
    mkdir -p "$base/$run"
    "$build/bin/publish_bench" "$build/bin" "$PWD/config" "$base/$run" "$@"
done
