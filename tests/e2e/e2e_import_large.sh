#!/usr/bin/env bash
# e2e_import_large — a 100,000-row export dropped in the inbox: every row
# reaches the hub once, and `cjx import` shows its progress for a file this
# large even when stderr is no terminal. The time taken is printed, never
# checked (bench/import_bench.sh measures the rate on an optimised build).
. "$(dirname "$0")/lib.sh"

ROWS=${CJX_IMPORT_ROWS:-100000}
ENT=91140400MA0K7C2D3J

start_hub
make_agent ent $ENT
echo "inbox_dir = $T/inbox" >>"$T/ent.ini"
start_agent ent
wait_until 20 test -d "$T/inbox/done" || fail "the agent made no inbox"

# job-large.csv: ROWS job postings in UTF-8 with a BOM, Chinese headers.
{
    printf '\xEF\xBB\xBF岗位编号,岗位名称,任职要求,区划代码,产业集群,专业代码,发布日期,截止日期,招聘人数,用人单位,工作内容,最低月薪,最高月薪\r\n'
    awk -v n="$ROWS" 'BEGIN {
        for (i = 1; i <= n; i++)
            printf "GX-BIG-%06d,半导体封装工艺工程师%d,大专及以上,140400,半导体光电,\"510101,510401\",2026/3/1,2099年12月31日,%d,长治高新区光电科技有限公司,封装工艺优化,5500,8500\r\n", i, i, i % 9 + 1
    }'
} >"$T/job-large.csv"

note "cjx import --dry-run shows progress lines for a large file"
progress=$(cjx ent import --dry-run "$T/job-large.csv" 2>&1 >/dev/null)
grep -q 'cjx import: 50%' <<<"$progress" || fail "no progress shown: $progress"

note "$ROWS rows dropped in the inbox"
start=$(date +%s.%N)
cp "$T/job-large.csv" "$T/inbox/.job-large.tmp"
mv "$T/inbox/.job-large.tmp" "$T/inbox/job-large.csv"
wait_until 600 test -f "$T/inbox/done/job-large.csv" || fail "job-large.csv not in done/"
wait_until 600 outbox_empty ent || fail "the outbox never emptied"
end=$(date +%s.%N)
note "$(echo "$ROWS $start $end" | awk '{ printf "%d rows acknowledged in %.1f s (%.0f rows/s)", $1, $3 - $2, $1 / ($3 - $2) }')"
[ "$(cjx ent import --status | grep -o '"stored": *[0-9]*' | grep -o '[0-9]*$')" = "$ROWS" ] \
    || fail "status: $(cjx ent import --status)"
n=$(cjx ent list --kind job | grep -c '"change": *"new"')
[ "$n" = "$ROWS" ] || fail "the hub holds $n new jobs, expected $ROWS"
last=$(printf 'GX-BIG-%06d' "$ROWS")
cjx ent list --kind job --since "$((ROWS - 5))" | matches "\"ref\": *\"$last\"" \
    || fail "the last row $last is not at the hub"
echo "ok"
