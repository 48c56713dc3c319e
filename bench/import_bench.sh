#!/usr/bin/env bash
# import_bench.sh — the end-to-end import rate: a CSV of ROWS job postings
# (default 100,000) is renamed into an agent's inbox, and the clock stops
# when the hub has acknowledged every row (the agent's outbox is empty).
# Builds cjx optimised (${BENCH_BUILD:-build-release}/) and runs the real
# hub and agent on 127.0.0.1, stores in a fresh folder under
# ${BENCH_DIR:-/var/tmp}. Three runs, each with fresh stores; prints the
# time until the file was in done/ (read, checked, stored in the outbox)
# and until the last acknowledgement, and the rows per second of the
# latter. Polls every 20 ms.
#
#   bench/import_bench.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-100000}
build=${BENCH_BUILD:-build-release}
scripts/build.sh "$build" -DCMAKE_BUILD_TYPE=Release -DCJX_TESTS=OFF >/dev/null
bin=$PWD/$build/bin
base=$(mktemp -d "${BENCH_DIR:-/var/tmp}/cjx-import-bench.XXXXXX")
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait; rm -rf "$base"' EXIT

{
    printf '\xEF\xBB\xBF岗位编号,岗位名称,任职要求,区划代码,产业集群,专业代码,发布日期,截止日期,招聘人数,用人单位,工作内容,最低月薪,最高月薪\r\n'
    awk -v n="$rows" 'BEGIN {
        for (i = 1; i <= n; i++)
            printf "GX-BIG-%06d,半导体封装工艺工程师%d,大专及以上,140400,半导体光电,\"510101,510401\",2026/3/1,2099年12月31日,%d,长治高新区光电科技有限公司,封装工艺优化,5500,8500\r\n", i, i, i % 9 + 1
    }'
} >"$base/job-bench.csv"
echo "# $(nproc) cores, $(uname -sr), $rows rows ($(du -h "$base/job-bench.csv" | cut -f1)), stores in $base"

now() { date +%s.%N; }
pending() {
    "$bin/cjx" -c "$dir/agent.ini" status --local 2>/dev/null \
        | sed -n 's/.*"pending": \([0-9]*\).*/\1/p' | head -n1
}

for run in 1 2 3; do
    dir=$base/run$run
    mkdir -p "$dir"
    printf '[hub]\ndata_dir = %s/hub\ncatalog_dir = %s/config\n' "$dir" "$PWD" >"$dir/hub.ini"
    "$bin/cjx-hub" -c "$dir/hub.ini" -l 'tcp://127.0.0.1:*' >"$dir/hub.log" 2>&1 &
    pids+=($!)
    until [ -s "$dir/hub/endpoint" ]; do sleep 0.05; done
    printf '[agent]\ncredit_code = 91140400MA0K7C2D3J\nhub = %s\ndata_dir = %s/agent\ncatalog_dir = %s/config\ninbox_dir = %s/inbox\n' \
        "$(cat "$dir/hub/endpoint")" "$dir" "$PWD" "$dir" >"$dir/agent.ini"
    "$bin/cjx-agent" -c "$dir/agent.ini" >"$dir/agent.log" 2>&1 &
    pids+=($!)
    until [ -d "$dir/inbox/done" ] && [ "$(pending)" = 0 ]; do sleep 0.05; done
    cp "$base/job-bench.csv" "$dir/inbox/.job-bench.tmp"
    t0=$(now)
    mv "$dir/inbox/.job-bench.tmp" "$dir/inbox/job-bench.csv"
    until [ -f "$dir/inbox/done/job-bench.csv" ]; do sleep 0.02; done
    t1=$(now)
    until [ "$(pending)" = 0 ]; do sleep 0.02; done
    t2=$(now)
    echo "$run $rows $t0 $t1 $t2" | awk '{ printf "run %d: in done/ after %.2f s, all acknowledged after %.2f s: %.0f rows/s\n", $1, $4 - $3, $5 - $3, $2 / ($5 - $3) }'
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait
    pids=()
done
