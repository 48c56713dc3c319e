#!/usr/bin/env bash
# e2e_search — `cjx search` at the hub and over a replica (--local): Chinese
# keywords found by any two-character piece, every keyword required, titles
# first, filters, why each matched; `cjx recommend` for a major and for a
# person of the college's records, refused after their opt-out; records the
# caller may read, by kind, keywords and filters; an update,
# a fill and a rebuilt index (cjx-hub --reindex) change what is found; the
# replica answers with the hub down; indexing waits out a burst of publishes,
# at the hub and in a replica.
. "$(dirname "$0")/lib.sh"

ENT=91140400MA0K7C2D3J   # an enterprise
COL=12140400405710843M   # a college

# posting REF TITLE DESCRIPTION REQUIREMENTS DIVISION MAJOR PAY_MIN PAY_MAX
posting() {
    printf '{"posting":{"ref":"%s","title":"%s","description":"%s","requirements":"%s","division_code":"%s","cluster":"INFORMATION_TECH","industry_code":"6511","major_codes":["%s"],"valid_from":"%s","valid_until":"%s","job":{"headcount":2,"employer_name":"长治云算科技有限公司","content":"%s","pay_min_yuan":%s,"pay_max_yuan":%s}}}\n' \
        "$1" "$2" "$3" "$4" "$5" "$6" "$VALID_FROM" "$VALID_UNTIL" "$3" "$7" "$8"
}

start_hub
make_agent ent $ENT
make_agent col $COL
echo "search_burst_entries = 8" >>"$T/col.ini"   # its replica's index waits out bursts of 8
start_agent ent
start_agent col

note "postings published; the college's replica holds them"
{
    posting J-1 "软件技术专业实习生" "参与政务系统开发" "软件技术专业在校生" 140403 510203 3000 4000
    posting J-2 "半导体封装工程师" "负责封装产线，需要软件基础" "熟悉软件测试" 140404 510101 5000 8000
    posting J-3 "电工" "维护产线设备" "持电工证" 140403 460301 4000 6000
    posting J-4 "Java Developer 后端开发" "Spring Boot services" "3 years Java" 140405 510203 9000 15000
} | cjx ent post >/dev/null
wait_until 20 outbox_empty ent || fail "ent's outbox never emptied"
wait_until 20 cjx col verify || fail "the college's replica does not agree with the hub"

refs() { jq -r '.stored.item.posting.ref' | paste -sd' ' -; }   # the refs of --json results, in order
both() { # both ARGS...: the hub's and the replica's answers must be the same refs
    local hub local_ cmd=(search)
    if [ "$1" = --recommend-major ]; then cmd=(recommend --major "$2"); shift 2; fi
    hub=$(cjx col "${cmd[@]}" --json "$@" | refs)
    local_=$(cjx col "${cmd[@]}" --local --json "$@" | refs)
    [ "$hub" = "$local_" ] || fail "search $*: the hub finds '$hub', the replica '$local_'"
    echo "$hub"
}

[ "$(both 软件)" = "J-1 J-2" ] || fail "软件 should find J-1 (title) before J-2 (description): $(both 软件)"
cjx col search --json 软件 | head -n1 | jq -e '.why == "软件: title requirements"' >/dev/null \
    || fail "the first result does not say it matched in the title: $(cjx col search --json 软件 | head -n1 | jq -c .why)"
[ "$(both 软件开发)" = "J-1" ] || fail "软件开发 needs both 软件 and 开发: $(both 软件开发)"
[ "$(both 电工证)" = "J-3" ] || fail "电工证: $(both 电工证)"
[ "$(both java)" = "J-4" ] || fail "java (any case): $(both java)"
[ "$(both 护理)" = "" ] || fail "护理 matches nothing: $(both 护理)"

note "filters"
[ "$(both --county 140403)" = "J-3 J-1" ] || fail "--county 140403, newest first: $(both --county 140403)"
[ "$(both --major 510203)" = "J-4 J-1" ] || fail "--major 510203: $(both --major 510203)"
[ "$(both --pay-min 8000)" = "J-4 J-2" ] || fail "--pay-min 8000: $(both --pay-min 8000)"
[ "$(both --kind internship)" = "" ] || fail "--kind internship: $(both --kind internship)"
[ "$(both 软件 --county 1404 --major 510101)" = "J-2" ] || fail "keywords and filters together"
[ "$(both --per-page 2 --page 2 --county 1404)" = "J-2 J-1" ] || fail "page 2 of 2: $(both --per-page 2 --page 2 --county 1404)"
cjx col search 软件 | matches '2 of 2 shown' || fail "the text output does not count the results"
if cjx col search --cluster NOSUCH 2>"$T/err"; then fail "an unknown cluster was taken"; fi
grep -q 'unknown cluster' "$T/err" || fail "the refusal does not say why: $(cat "$T/err")"

note "recommendations for a graduate of a major"
[ "$(both --recommend-major 510203)" = "J-4 J-1" ] || fail "510203: J-4 pays more: $(both --recommend-major 510203)"
[ "$(both --recommend-major 510203 --county 140403)" = "J-1 J-4" ] || fail "in 140403 J-1 comes first"
[ "$(both --recommend-major 510201)" = "J-4 J-1" ] || fail "a related major (5102xx) is recommended too"
[ "$(both --recommend-major 520201)" = "" ] || fail "nothing for a nursing graduate"
cjx col recommend --json --major 510203 --county 140403 | head -n1 | jq -e '.why | test("major 510203; county 140403")' \
    >/dev/null || fail "the recommendation does not say why"
if cjx col recommend 2>"$T/err"; then fail "a recommendation without a major was taken"; fi

note "recommendations for a person of the college's records, unless they opted out (PIPL art. 24)"
# graduate REF ID_NUMBER MAJOR; opt_out REF ID_NUMBER [LIFTED_DATE]: the agent pseudonymizes the IDs
graduate() {
    printf '{"record":{"ref":"%s","year":2026,"graduate_outcome":{"graduate":{"pii_id_number":"%s"},"school_credit_code":"%s","major_code":"%s","graduation_year":2026,"destination_code":"70"}}}\n' \
        "$1" "$2" "$COL" "$3"
}
opt_out() {
    printf '{"record":{"ref":"%s","year":2026,"recommendation_opt_out":{"person":{"pii_id_number":"%s"},"opt_out_date":"2026-09-01","lifted_date":"%s"}}}\n' \
        "$1" "$2" "${3:-}"
}
ID_A=11010519491231002X ID_B=110105198001010016
{ graduate GO-A $ID_A 510203; graduate GO-B $ID_B 510201; opt_out OPT-B $ID_B; } | cjx col post >/dev/null
wait_until 20 outbox_empty col || fail "col's outbox never emptied"
wait_until 20 cjx col verify || fail "the college's replica does not hold its records"
for where in "" --local; do
    [ "$(cjx col recommend --person GO-A --json $where | refs)" = "J-4 J-1" ] \
        || fail "GO-A (510203) $where: $(cjx col recommend --person GO-A --json $where | refs)"
done
cjx col recommend --person GO-A | matches 'For the person of graduate_outcome record "GO-A": major 510203' \
    || fail "the text output does not say whom it is for"
code=0; cjx col recommend --person GO-B >"$T/out" 2>"$T/err" || code=$?
[ $code = 3 ] || fail "GO-B opted out: exit $code, not 3"
[ ! -s "$T/out" ] || fail "something was recommended to a person who opted out: $(cat "$T/out")"
grep -q 'refused recommendations (PIPL art. 24).*"OPT-B" of 2026-09-01' "$T/err" \
    || fail "the refusal does not name the opt-out: $(cat "$T/err")"
if cjx col recommend --person NO-SUCH 2>"$T/err"; then fail "a recommendation for an unknown record"; fi
grep -q 'no record "NO-SUCH"' "$T/err" || fail "the refusal does not say why: $(cat "$T/err")"
if cjx ent recommend --person GO-A 2>"$T/err"; then fail "the enterprise recommended for the college's graduate"; fi
grep -q 'no record "GO-A" of this institution' "$T/err" || fail "another institution's record: $(cat "$T/err")"
opt_out OPT-B $ID_B 2026-10-01 | cjx col post >/dev/null
wait_until 20 outbox_empty col || fail "col's outbox never emptied"
wait_until 20 cjx col verify || fail "the replica does not hold the lifted opt-out"
[ "$(cjx col recommend --person GO-B --json | refs)" = "J-4 J-1" ] \
    || fail "GO-B lifted the opt-out (related major 5102xx): $(cjx col recommend --person GO-B --json | refs)"

note "records the caller may read, by kind, keywords and filters, newest first"
rrefs() { jq -r '.stored.item.record.ref' | paste -sd' ' -; }   # the refs of --json record results
# completion REF COURSE: a training completion of the enterprise's, its trainee pseudonymized
completion() {
    printf '{"record":{"ref":"%s","year":2026,"training_completion":{"trainee":{"pii_id_number":"%s"},"enterprise_credit_code":"%s","course_title":"%s","completion_date":"2026-06-30"}}}\n' \
        "$1" "$ID_A" "$ENT" "$2"
}
{ completion TC-1 "数控车床操作培训"; completion TC-2 "焊工安全培训"; } | cjx ent post >/dev/null
wait_until 20 outbox_empty ent || fail "ent's outbox never emptied"
[ "$(cjx col search --kind graduate_outcome --json | rrefs)" = "GO-B GO-A" ] \
    || fail "the college's graduate outcomes, newest first: $(cjx col search --kind graduate_outcome --json | rrefs)"
[ "$(cjx col search --kind graduate_outcome --major 510203 --json | rrefs)" = "GO-A" ] \
    || fail "--major 510203 among records: $(cjx col search --kind graduate_outcome --major 510203 --json | rrefs)"
[ "$(cjx ent search --kind graduate_outcome --json | rrefs)" = "" ] \
    || fail "the enterprise found the college's records, which the policy does not show it"
[ "$(cjx col search --kind training_completion --json | rrefs)" = "" ] \
    || fail "the college found the enterprise's records, which the policy does not show it"
[ "$(cjx ent search --kind training_completion 培训 --json | rrefs)" = "TC-2 TC-1" ] \
    || fail "培训 is in both courses: $(cjx ent search --kind training_completion 培训 --json | rrefs)"
[ "$(cjx ent search --kind training_completion 数控车床 --json | rrefs)" = "TC-1" ] \
    || fail "数控车床: $(cjx ent search --kind training_completion 数控车床 --json | rrefs)"
cjx ent search --kind training_completion 数控 --json | jq -e '.why == "数控: course_title"' >/dev/null \
    || fail "a record hit does not say why: $(cjx ent search --kind training_completion 数控 --json)"
cjx ent search --kind training_completion 数控 | matches '1. training_completion TC-1 · 2026' \
    || fail "the text output does not show the record"
completion TC-1 "电工进网作业培训" | cjx ent post >/dev/null
wait_until 20 outbox_empty ent || fail "ent's outbox never emptied"
[ "$(cjx ent search --kind training_completion 数控 --json | rrefs)" = "" ] \
    || fail "an updated record is found by its old words"
[ "$(cjx ent search --kind training_completion 电工 --json | rrefs)" = "TC-1" ] \
    || fail "an updated record is not found by its new words"
[ "$(cjx ent search --kind training_completion --per-page 1 --page 2 --json | rrefs)" = "TC-2" ] \
    || fail "page 2 of records: $(cjx ent search --kind training_completion --per-page 1 --page 2 --json | rrefs)"
if cjx ent search --kind training_completion --local 2>"$T/err"; then fail "records searched in the replica"; fi
grep -q 'records are searched at the hub' "$T/err" || fail "the refusal does not say why: $(cat "$T/err")"

note "an update and a fill change what is found, at the hub and in the replica"
posting J-3 "高级钳工" "维护产线设备" "持钳工证" 140403 460301 4000 6000 | cjx ent post >/dev/null
cjx ent fill J-2 >/dev/null
wait_until 20 outbox_empty ent || fail "ent's outbox never emptied"
wait_until 20 cjx col verify || fail "the replica does not agree after the update"
[ "$(both 电工)" = "" ] || fail "the old title is still found: $(both 电工)"
[ "$(both 钳工)" = "J-3" ] || fail "the new title is not found: $(both 钳工)"
[ "$(both 封装)" = "" ] || fail "a filled posting is found by default: $(both 封装)"
[ "$(cjx col search --json --all 封装 | refs)" = "J-2" ] || fail "--all does not find the filled posting"

note "the index follows the log beside the hub's loop: a search waits for what was acknowledged"
kill_hub TERM
HUB_INI_EXTRA="debug_search_delay_ms = 500" start_hub "$HUB_EP"
posting J-5 "数控机床操作工" "操作数控车床" "中专及以上" 140403 460301 4500 6500 | cjx ent post >/dev/null
wait_until 20 outbox_empty ent || fail "J-5 was never acknowledged"
[ "$(cjx col search --json 数控 | refs)" = "J-5" ] || fail "a search right after the ack misses J-5"

note "...and after a crash goes on from what it had indexed"
kill_hub TERM
HUB_INI_EXTRA="debug_search_delay_ms = 600000" start_hub "$HUB_EP"
cjx ent withdraw J-5 >/dev/null
wait_until 20 outbox_empty ent || fail "the withdrawal was never acknowledged"
search_lag() { metric cjx_search_lag; }
[ "$(search_lag)" -gt 0 ] || fail "cjx_search_lag does not show the index behind: $(search_lag)"
kill_hub KILL
start_hub "$HUB_EP"
[ "$(cjx col search --json 数控 | refs)" = "" ] || fail "the withdrawn J-5 is still found after the restart"
caught_up() { [ "$(search_lag)" = 0 ]; }   # agents' Hellos after the restart add entries too
wait_until 10 caught_up || fail "the index never caught up: cjx_search_lag is $(search_lag)"
[ "$(cjx col search --json --all 数控 | refs)" = "J-5" ] || fail "--all does not find the withdrawn J-5"

note "the index rebuilt from the store answers the same; the replica answers with the hub down"
before=$(cjx col search --json --all 软件 | refs)
kill_hub TERM
"$BIN/cjx-hub" -c "$T/hub.ini" --reindex >>"$T/hub.log" 2>&1 || fail "cjx-hub --reindex failed"
grep -q 'search index built: 5 postings' "$T/hub.log" || fail "--reindex did not say what it built"
[ "$(cjx col search --local --json 钳工 | refs)" = "J-3" ] || fail "the replica does not answer with the hub down"
start_hub "$HUB_EP"
[ "$(cjx col search --json --all 软件 | refs)" = "$before" ] || fail "the rebuilt index answers differently"

note "under a burst of publishes (400 at once, batches of 8 or more a burst) indexing waits"
note "for it to end; a search right after still finds the burst's last posting"
kill_hub TERM
HUB_INI_EXTRA="search_burst_entries = 8" start_hub "$HUB_EP"
BURSTER=91140403MA0K8E1F4K   # an enterprise publishing straight to the hub's socket
for i in $(seq 1001 1400); do job_json "$i"; done >"$T/burst.json"
kill -STOP "$HUB_PID"        # the 400 frames queue meanwhile and come in big batches
"$BIN/wire_probe" "$HUB_EP" "$BURSTER" publish-all "$T/burst.json" 1 >"$T/burst.out" &
burst_pid=$!
sleep 0.5
kill -CONT "$HUB_PID"
wait "$burst_pid"
grep -q "answered=400 acks=400 " "$T/burst.out" || fail "the burst was not acknowledged: $(cat "$T/burst.out")"
deferred() { metric cjx_search_deferred_total; }
waited() { [ "$(deferred)" -ge 1 ]; }
wait_until 5 waited || fail "indexing did not wait for the burst: cjx_search_deferred_total $(deferred)"
[ "$(cjx col search --json 1400 | refs)" = "JOB-1400" ] || fail "the burst's last posting is not found"

note "the college's replica took the burst in with its index waiting too, and caught up"
wait_until 20 cjx col verify || fail "the college's replica does not agree with the hub after the burst"
grep -q 'the search index waits for it to end' "$T/col.log" || fail "the replica's index did not wait for the burst"
caught_up_said() { grep -q 'the search index has caught up' "$T/col.log"; }
wait_until 10 caught_up_said || fail "the agent's replica index never caught up with the burst"
unindexed=$(cjx col status --local | jq -r .replica.unindexed)
[ "$unindexed" = 0 ] || fail "postings of the burst still wait for the replica's index: $unindexed"
[ "$(cjx col search --local --json 1400 | refs)" = "JOB-1400" ] || fail "the replica does not find the burst's last posting"

note "a search waiting for the index is parked, not holding the hub: publishes go on meanwhile"
kill_hub TERM
HUB_INI_EXTRA="debug_search_delay_ms = 600000" start_hub "$HUB_EP"
posting J-6 "叉车司机" "厂内物料转运" "持证上岗" 140403 460301 4000 5500 | cjx ent post >/dev/null
wait_until 20 outbox_empty ent || fail "J-6 was never acknowledged"
cjx col search --json 叉车 >"$T/parked.json" 2>&1 &
parked=$!
sleep 0.3 # the search is at the hub, waiting for J-6 to be indexed
posting J-7 "仓储管理员" "出入库与盘点" "中专及以上" 140403 460301 4000 5000 | cjx ent post >/dev/null
wait_until 20 outbox_empty ent || fail "J-7 was not acknowledged while a search waited"
kill -0 "$parked" 2>/dev/null ||
    fail "the search did not wait for the index, or held the hub while it did: $(cat "$T/parked.json")"
wait "$parked" || true # answered when its wait (2 s) is over, with what the index has
echo ok
