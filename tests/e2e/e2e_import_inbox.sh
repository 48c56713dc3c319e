#!/usr/bin/env bash
# e2e_import_inbox — how the inbox takes files: a file left in .work/ by an
# agent stopped mid-import is imported at start, and one dropped meanwhile
# under the same name too (each is taken into .work/ first); a file written in place in two goes is imported once,
# whole (it must settle first); a file that cannot be read goes to failed/
# with a one-line report; a row the hub refuses is sent again when its file
# is dropped again; `cjx import` keeps personal data off stderr.
. "$(dirname "$0")/lib.sh"

ENT=91140400MA0K7C2D3J
ROWS=${CJX_IMPORT_INBOX_ROWS:-5000}

start_hub
make_agent ent $ENT
printf 'inbox_dir = %s\nimport_settle_ms = 3000\n' "$T/inbox" >>"$T/ent.ini"
start_agent ent
wait_until 20 test -d "$T/inbox/.work" || fail "the agent made no inbox"

header='岗位编号,岗位名称,任职要求,区划代码,产业集群,专业代码,发布日期,截止日期,招聘人数,用人单位,工作内容,最低月薪,最高月薪'
row() { printf '%s,工程师%s,大专及以上,140400,半导体光电,510101,2026/3/1,2099/12/31,2,长治高新区光电科技有限公司,维修,5000,7000\n' "$1" "$1"; }
last() { cjx ent import --status | jq -r ".last.$1"; }
at_hub() { cjx ent list --kind job | grep -c "\"ref\": *\"$1\"" || true; }

note "a file left in .work/ (the agent stopped while importing it) and another of the same name"
# The agent is stopped with the large file half imported, as a crash would
# leave it, and a small file of the same name is dropped meanwhile: when the
# agent starts, it imports the one in .work/ first, and each reaches done/.
{ echo "$header"; awk -v n="$ROWS" 'BEGIN { for (i = 1; i <= n; i++)
    printf "GX-L-%06d,工程师,大专及以上,140400,半导体光电,510101,2026/3/1,2099/12/31,2,长治高新区光电科技有限公司,维修,5000,7000\n", i }'
} >"$T/big.csv"
{ echo "$header"; row GX-SMALL-1; } >"$T/small.csv"
kill -TERM "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null || true
cp "$T/big.csv" "$T/inbox/.work/job-same.csv"
cp "$T/small.csv" "$T/inbox/.job-same.tmp"
mv "$T/inbox/.job-same.tmp" "$T/inbox/job-same.csv"
start_agent ent
wait_until 300 test -f "$T/inbox/done/job-same.1.csv" || fail "the second file never reached done/: $(ls -R "$T/inbox")"
[ "$(grep -c '' "$T/inbox/done/job-same.csv")" = $((ROWS + 1)) ] || fail "done/job-same.csv is not the large file"
[ "$(grep -c '' "$T/inbox/done/job-same.1.csv")" = 2 ] || fail "done/job-same.1.csv is not the small file"
wait_until 300 outbox_empty ent || fail "the outbox never emptied"
[ "$(at_hub GX-SMALL-1)" = 1 ] || fail "the small file's row is not at the hub"
[ "$(at_hub "$(printf 'GX-L-%06d' "$ROWS")")" = 1 ] || fail "the large file's last row is not at the hub"

note "a file written in place in two goes is imported once it settled, whole"
{ echo "$header"; row GX-SLOW-1; } >"$T/inbox/job-slow.csv"   # closed: IN_CLOSE_WRITE
sleep 0.5                                                      # well within the settling
row GX-SLOW-2 >>"$T/inbox/job-slow.csv"                        # closed again
wait_until 30 test -f "$T/inbox/done/job-slow.csv" || fail "job-slow.csv not in done/"
[ "$(grep -c '' "$T/inbox/done/job-slow.csv")" = 3 ] || fail "done/job-slow.csv is not whole"
[ "$(last file)" = job-slow.csv ] && [ "$(last rows)" = 2 ] || fail "status: $(cjx ent import --status)"
sleep 2
[ -z "$(ls "$T/inbox/failed")" ] || fail "failed/ holds $(ls "$T/inbox/failed")"
wait_until 60 outbox_empty ent || fail "the outbox never emptied"
[ "$(at_hub GX-SLOW-2)" = 1 ] || fail "the second half of job-slow.csv is not at the hub"

note "a file that cannot be read: failed/ with a one-line report"
truncate -s 1100M "$T/inbox/job-huge.csv"
wait_until 30 test -f "$T/inbox/failed/job-huge.csv" || fail "job-huge.csv not in failed/"
report="$T/inbox/failed/job-huge.csv.errors.csv"
test -f "$report" || fail "no $report"
[ "$(grep -c '' "$report")" = 2 ] || fail "the report is not one line: $(cat "$report")"
grep -q '^0,,,.*1 GiB' "$report" || fail "the report does not say why: $(cat "$report")"
rm -f "$T/inbox/failed/job-huge.csv"

note "a row the hub refuses is sent again when its file is dropped again"
cat >"$T/outcome.jsonl" <<JSON
{"record":{"ref":"GO-ENT-1","year":2026,"graduate_outcome":{"graduate":{"pseudonym":"p:0011"},"school_credit_code":"12140400405710843M","major_code":"510203","graduation_year":2026,"destination_code":"10"}}}
JSON
refused() { cjx ent status --local | sed -n 's/.*"refused": \([0-9]*\).*/\1/p' | head -n1; }
cp "$T/outcome.jsonl" "$T/inbox/.o.tmp" && mv "$T/inbox/.o.tmp" "$T/inbox/outcome.jsonl"
wait_until 30 test -f "$T/inbox/done/outcome.jsonl" || fail "outcome.jsonl not in done/"
wait_equal 30 1 refused || fail "the hub did not refuse the enterprise's outcome: $(refused)"
cp "$T/outcome.jsonl" "$T/inbox/.o.tmp" && mv "$T/inbox/.o.tmp" "$T/inbox/outcome.jsonl"
wait_until 30 test -f "$T/inbox/done/outcome.1.jsonl" || fail "the second drop not in done/"
[ "$(last stored)" = 1 ] || fail "the refused row was not sent again: $(cjx ent import --status)"
wait_equal 30 2 refused || fail "the hub did not see the row again: refused $(refused)"

note "cjx import keeps personal data off stderr"
printf '身份证号,姓名,学校信用代码,专业代码,毕业年份,去向代码,年度\n110105194912310021,赵六,12140400405710843M,510203,2026,10,2026\n' \
    >"$T/毕业去向-pii.csv"
cjx ent import "$T/毕业去向-pii.csv" >"$T/out" 2>"$T/err" && fail "a bad ID number was imported"
grep -q '身份证号' "$T/err" || fail "the refusal does not name the column: $(cat "$T/err")"
printf '{"姓名" "赵六", "身份证号": "110105194912310021"}\n' >"$T/毕业去向-pii.jsonl"
cjx ent import "$T/毕业去向-pii.jsonl" >>"$T/out" 2>>"$T/err" && fail "bad JSON was imported"
grep -q 'line 1, column' "$T/err" || fail "the JSON fault is not told by line and column: $(cat "$T/err")"
if grep -q '赵六\|110105194912310021' "$T/err" "$T/out"; then
    fail "personal data on stderr: $(cat "$T/err")"
fi
echo "ok"
