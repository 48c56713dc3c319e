#!/usr/bin/env bash
# e2e_publish — the durable publish path end to end: `cjx post` stores in the
# outbox and prints ids, cjx-agent delivers, the hub stores once, `cjx get`
# and `cjx list` read it back; bad input is refused by the CLI with the field
# named, and nothing is stored.
. "$(dirname "$0")/lib.sh"

ENT=91140400MA0K7C2D3J   # 长治高新区光电科技有限公司 (illustrative)
COL=12140400405710843M   # 长治职业技术学院 (illustrative code)

start_hub
make_agent ent $ENT
make_agent col $COL
start_agent ent
start_agent col

note "a job posting goes in and comes back"
id=$(job_json 1 | cjx ent post)
[ "$id" = "$ENT-1" ] || fail "post printed '$id', expected $ENT-1"
wait_until 20 outbox_empty ent || fail "outbox of ent never emptied"
got=$(cjx ent get "$id")
grep -q '"title": *"半导体封装工艺工程师 1"' <<<"$got" || fail "get lost the title: $got"
grep -q '"kind": *"job"' <<<"$got" || fail "get has no kind job: $got"
grep -q "\"publisher_credit_code\": *\"$ENT\"" <<<"$got" || fail "origin not set: $got"
n=$(cjx ent list --kind institution | wc -l)
[ "$n" = 2 ] || fail "the registry holds $n institutions, expected both agents"

note "a graduate outcome from the college, with a nested person"
cat >"$T/outcome.json" <<JSON
{"record":{"ref":"GO-2026-0001","year":2026,"purpose":"毕业生就业质量年度报告",
 "retention_days":1825,
 "graduate_outcome":{"graduate":{"pseudonym":"p:7f3a9c","birth_year":2004},
  "school_credit_code":"$COL","major_code":"510203","graduation_year":2026,
  "destination_code":"10","employer_credit_code":"$ENT","employer_name":"长治高新区光电科技有限公司",
  "employer_division_code":"140400","employer_industry_code":"3973","major_related":true,
  "pay_yuan_monthly":5200}}}
JSON
gid=$(cjx col post "$T/outcome.json")
[ "$gid" = "$COL-1" ] || fail "college post printed '$gid'"
wait_until 20 outbox_empty col || fail "outbox of col never emptied"
cjx col get "$gid" | matches '"destination_code": *"10"' || fail "outcome not read back"

note "several items in one post, as JSON lines and as an array"
ids=$( { job_json 2; job_json 3; job_json 4; } | cjx ent post)
[ "$(echo "$ids" | wc -l)" = 3 ] || fail "3 items should give 3 ids: $ids"
printf '[%s,%s]' "$(job_json 5)" "$(job_json 6)" | cjx ent post >/dev/null
wait_until 20 outbox_empty ent || fail "outbox of ent never emptied"
n=$(cjx ent list --kind job | wc -l)
[ "$n" = 6 ] || fail "list --kind job gave $n items, expected 6"
n=$(cjx col list --kind graduate_outcome | wc -l)
[ "$n" = 1 ] || fail "the college lists $n of its graduate outcomes, expected 1"
n=$(cjx ent list --kind graduate_outcome | wc -l)
[ "$n" = 0 ] || fail "the enterprise lists $n of the college's graduate outcomes: the policy shows it none"
s4=$(seq_of ent "$ENT-4")
n=$(cjx ent list --kind job --since "$s4" | wc -l)
[ "$n" = 2 ] || fail "list --since $s4 gave $n jobs, expected 2"
cjx ent list --kind job --since "$s4" --limit 1 | matches "\"id\": *\"$ENT-5\"" \
    || fail "list --limit 1 after $ENT-4 is not $ENT-5"

note "bad input: the CLI says which field and why, and stores nothing"
before=$(cjx ent status --local | sed -n 's/.*"next_seq": \([0-9]*\).*/\1/p')
expect_refused() { # expect_refused WHAT PATTERN: the input on stdin must be refused
    local what=$1 pattern=$2 err
    if err=$(cjx ent post 2>&1 >/dev/null); then fail "$what was accepted"; fi
    grep -q -- "$pattern" <<<"$err" || fail "$what: message '$err' lacks '$pattern'"
}
echo '{"posting": {"title": ' | expect_refused "malformed JSON" "malformed JSON"
echo '{"posting":{"title":"x","valid_from":"2026-01-01","valid_until":"2026-02-01","division_code":"140400","telepathy":{}}}' \
    | expect_refused "unknown kind" 'telepathy'
echo '{"posting":{"title":"x","valid_from":"2026-01-01","valid_until":"2026-02-01","division_code":"140400"}}' \
    | expect_refused "no kind" 'kind'
job_json 7 | sed 's/"employer_name"/"employer_credit_code":"91140400MA0K7C2D3A","employer_name"/' \
    | expect_refused "field not in the schema" 'posting.job.employer_credit_code'
job_json 8 | sed 's/"headcount":3,//' | expect_refused "missing headcount" 'posting.job.headcount'
sed "s/$ENT/91140400MA0K7C2D3K/" "$T/outcome.json" | expect_refused "wrong check character" 'check'
job_json 9 | sed "s/\"valid_until\":\"$VALID_UNTIL\"/\"valid_until\":\"2026-10-01\"/" \
    | expect_refused "valid_until before valid_from" 'posting.valid_until'
job_json 10 | sed 's/"division_code":"140400"/"division_code":"149999"/' \
    | expect_refused "unknown division" 'posting.division_code'
job_json 11 | sed 's/"510101"/"519999"/' | expect_refused "unknown major" 'posting.major_codes'
long=$(head -c 5000 /dev/zero | tr '\0' 'x')
job_json 14 | sed "s/负责封装产线工艺/$long/" | expect_refused "oversized description" 'posting.description'
{ job_json 12; job_json 13 | sed 's/"headcount":3/"headcount":-3/'; } \
    | expect_refused "one bad item among good ones" 'item 2'
after=$(cjx ent status --local | sed -n 's/.*"next_seq": \([0-9]*\).*/\1/p')
[ "$before" = "$after" ] || fail "refused posts moved the outbox from $before to $after"
[ "$(cjx ent list --kind job | wc -l)" = 6 ] || fail "the hub holds more than the 6 good jobs"

note "get of an unknown id fails"
if cjx ent get "$ENT-999" 2>/dev/null; then fail "get of an unknown id succeeded"; fi
echo "ok"
