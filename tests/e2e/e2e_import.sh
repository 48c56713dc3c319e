#!/usr/bin/env bash
# e2e_import — institutions sync by dropping files: the agents' inboxes take
# a GB18030 CSV and a UTF-8-with-BOM CSV with Chinese headers, flat JSON
# rows and JSON Lines; each file lands in done/ and its rows at the hub. The
# same file dropped twice changes nothing; a file with bad rows goes to
# failed/ with NAME.errors.csv naming row, column, value and reason, and
# stores nothing (or only its valid rows, when the config says so); an
# updated complete export updates one posting and withdraws the one it
# lacks; `cjx import --status` tells the last file; `cjx template` makes a
# CSV that imports as it is.
. "$(dirname "$0")/lib.sh"

DATA=$(cd "$(dirname "$0")/../data/import" && pwd)
ENT=91140400MA0K7C2D3J   # the code in the fixtures
COL=12140400405710843M

start_hub
make_agent ent $ENT
echo "inbox_dir = $T/ent-inbox" >>"$T/ent.ini"
make_agent col $COL
echo "inbox_dir = $T/col-inbox" >>"$T/col.ini"
start_agent ent
ENT_PID=$AGENT_PID
start_agent col
wait_until 20 test -d "$T/ent-inbox/failed" || fail "the ent agent made no inbox"
wait_until 20 test -d "$T/col-inbox/failed" || fail "the col agent made no inbox"

# drop INBOX FILE [NAME]: written under a hidden name, then renamed in.
drop() {
    local name=${3:-$(basename "$2")}
    cp "$2" "$1/.$name.tmp"
    mv "$1/.$name.tmp" "$1/$name"
}
count() { cjx "$1" list --kind "$2" | wc -l; }
last() { cjx "$1" import --status | grep -o "\"$2\": *[^,}]*" | head -n1 | sed 's/.*: *//'; }

note "a GB18030 CSV with Chinese headers goes to done/ and its 3 jobs to the hub"
drop "$T/ent-inbox" "$DATA/job-gb18030.csv"
wait_until 60 test -f "$T/ent-inbox/done/job-gb18030.csv" || fail "job-gb18030.csv not in done/"
wait_until 60 outbox_empty ent || fail "the ent outbox never emptied"
[ "$(count ent job)" = 3 ] || fail "the hub holds $(count ent job) jobs, expected 3"
jobs=$(cjx ent list --kind job)
grep -q '"title": *"设备维护工程师"' <<<"$jobs" || fail "a GB18030 title did not arrive as UTF-8"
grep -q '"valid_until": *"2099-12-31"' <<<"$jobs" || fail "20991231 was not read as a date"
grep -q '"pay_max_yuan": *7500' <<<"$jobs" || fail "\"7,500\" was not read as 7500"

note "a UTF-8 CSV with a BOM, its kind from its Chinese name: 2 internships"
drop "$T/ent-inbox" "$DATA/岗位实习-2026春.csv"
wait_until 60 test -f "$T/ent-inbox/done/岗位实习-2026春.csv" || fail "the internship file not in done/"
wait_until 60 outbox_empty ent || fail "the ent outbox never emptied"
[ "$(count ent internship)" = 2 ] || fail "the hub holds $(count ent internship) internships"

note "the same file dropped again: done/ keeps both, the hub gets nothing new"
drop "$T/ent-inbox" "$DATA/job-gb18030.csv"
wait_until 60 test -f "$T/ent-inbox/done/job-gb18030.1.csv" || fail "the second drop not in done/"
[ "$(last ent unchanged)" = 3 ] || fail "the second drop did not find its 3 rows unchanged"
[ "$(last ent stored)" = 0 ] || fail "the second drop stored $(last ent stored) items"
wait_until 60 outbox_empty ent || fail "the ent outbox never emptied"
[ "$(count ent job)" = 3 ] || fail "after the second drop the hub holds $(count ent job) job entries"

note "bad rows: failed/ with a report, nothing stored"
drop "$T/ent-inbox" "$DATA/job-bad-rows.csv"
report="$T/ent-inbox/failed/job-bad-rows.csv.errors.csv"
# the report is written before the file moves: the move is the final state
wait_until 60 test -f "$T/ent-inbox/failed/job-bad-rows.csv" || fail "job-bad-rows.csv not in failed/"
test -f "$report" || fail "no $report"
for line in '^3,统一社会信用代码,91140400MA0K7C2D3K,.*check character.*,check_char' \
            '^4,专业代码,519999,.*,major' \
            '^5,截止日期,2025/1/1,.*must be after valid_from.*,date' \
            '^6,招聘人数,三人,not a whole number,malformed'; do
    grep -q "$line" "$report" || fail "the report lacks $line: $(cat "$report")"
done
[ "$(grep -c '' "$report")" = 5 ] || fail "the report has other lines than a header and 4 rows"
[ "$(last ent refused)" = 4 ] && [ "$(last ent accepted)" = 1 ] || fail "status: $(cjx ent import --status)"
[ "$(last ent imported)" = false ] || fail "all_or_nothing imported the valid row"
[ "$(last ent file)" = '"job-bad-rows.csv"' ] || fail "status names $(last ent file)"
cjx ent list --kind job | matches GX-JOB-101 && fail "the good row of a failed file reached the hub"

note "JSON: flat rows with Chinese keys and people, and JSON Lines of whole items"
cat >"$T/outcomes.json" <<'JSON'
[{"身份证号": "11010519491231002X", "姓名": "赵六", "学校信用代码": "12140400405710843M",
  "专业代码": "510203", "毕业年份": 2026, "去向代码": "10", "年度": 2026},
 {"身份证号": "110105194912310089", "姓名": "钱七", "学校信用代码": "12140400405710843M",
  "专业代码": "520201", "毕业年份": 2026, "去向代码": "80", "年度": 2026}]
JSON
drop "$T/col-inbox" "$T/outcomes.json" 毕业去向-2026.json
for major in 510203 460301; do
    printf '{"record":{"ref":"PR-%s","year":2026,"purpose":"专业布局","programme_record":{"school_credit_code":"%s","major_code":"%s","total_hours":2600,"practice_hours":1400,"graduation_year":2027,"expected_graduates":80}}}\n' \
        $major $COL $major
done >"$T/programmes.jsonl"
drop "$T/col-inbox" "$T/programmes.jsonl"
wait_until 60 test -f "$T/col-inbox/done/programmes.jsonl" || fail "programmes.jsonl not in done/"
test -f "$T/col-inbox/done/毕业去向-2026.json" || fail "the outcomes not in done/: $(ls -R "$T/col-inbox")"
wait_until 60 outbox_empty col || fail "the col outbox never emptied"
[ "$(count col programme_record)" = 2 ] || fail "the hub holds $(count col programme_record) programmes"
outcomes=$(cjx col list --kind graduate_outcome)
[ "$(echo "$outcomes" | wc -l)" = 2 ] || fail "the hub holds other than 2 outcomes: $outcomes"
grep -q '"pseudonym": *"p:' <<<"$outcomes" || fail "no pseudonyms: $outcomes"
grep -q 'pii_\|赵六' <<<"$outcomes" && fail "personal data left the agent: $outcomes"

note "the config says valid_rows and complete exports: restart the agent"
kill -TERM "$ENT_PID"; wait "$ENT_PID" 2>/dev/null || true
printf 'import_policy = valid_rows\nimport_complete = 1\n' >>"$T/ent.ini"
start_agent ent
note "an updated complete export: GX-JOB-001 changed, GX-JOB-002 gone"
iconv -f GB18030 -t UTF-8 "$DATA/job-gb18030.csv" | grep -v GX-JOB-002 \
    | sed '/GX-JOB-001/s/2099年12月31日,6,/2099年12月31日,9,/' \
    | iconv -f UTF-8 -t GB18030 >"$T/job-gb18030.csv"
drop "$T/ent-inbox" "$T/job-gb18030.csv"
wait_until 60 test -f "$T/ent-inbox/done/job-gb18030.2.csv" || fail "the update not in done/"
[ "$(last ent withdrawn)" = 1 ] && [ "$(last ent stored)" = 2 ] || fail "status: $(cjx ent import --status)"
wait_until 60 outbox_empty ent || fail "the ent outbox never emptied"
jobs=$(cjx ent list --kind job)
[ "$(echo "$jobs" | grep -c '"change": *"update"')" = 1 ] || fail "not one update: $jobs"
[ "$(echo "$jobs" | grep -c '"change": *"withdraw"')" = 1 ] || fail "not one withdrawal: $jobs"
[ "$(grep '"withdraw"' <<<"$jobs" | grep -c GX-JOB-002)" = 1 ] || fail "GX-JOB-002 was not the one withdrawn"
cjx ent verify --wait 20 >/dev/null || fail "the ent replica does not match the hub"
[ "$(cjx ent list --local --kind job | wc -l)" = 2 ] || fail "the replica holds other than 2 open jobs"

note "bad rows under valid_rows: failed/ with a report, the valid row at the hub"
drop "$T/ent-inbox" "$DATA/job-bad-rows.csv"
wait_until 60 test -f "$T/ent-inbox/failed/job-bad-rows.1.csv" || fail "the second bad file not in failed/"
test -f "$T/ent-inbox/failed/job-bad-rows.1.csv.errors.csv" || fail "no second report"
[ "$(last ent imported)" = true ] || fail "valid_rows did not import the valid row"
wait_until 60 outbox_empty ent || fail "the ent outbox never emptied"
cjx ent list --kind job | matches GX-JOB-101 || fail "the valid row did not reach the hub"
[ "$(count ent job)" = 6 ] || fail "the hub holds $(count ent job) job entries, expected 6"

note "cjx template writes a CSV that cjx import takes as it is"
cjx col template programme_record >"$T/programme_record-template.csv"
head -n1 "$T/programme_record-template.csv" | matches '学校信用代码,专业代码' \
    || fail "template header: $(head -n1 "$T/programme_record-template.csv")"
out=$(cjx col import "$T/programme_record-template.csv") || fail "the template did not import: $out"
grep -q '1 stored' <<<"$out" || fail "the template row was not stored: $out"
wait_until 60 outbox_empty col || fail "the col outbox never emptied"
[ "$(count col programme_record)" = 3 ] || fail "the template's programme is not at the hub"
echo "ok"
