#!/usr/bin/env bash
# e2e_replica — guarantee 4: replicas converge. Three agents load the
# registry and the open postings as a snapshot, then follow updates; one of
# them is offline while postings are updated, filled, withdrawn and expired.
# Afterwards every replica matches the hub's digest of its view (cjx
# verify), a closed posting has left every replica, each institution holds
# its own records and no one else's, and the replicas answer while the hub
# is down. The bureau's feed shows each lifecycle change as an event.
. "$(dirname "$0")/lib.sh"

ENT=91140400MA0K7C2D3J   # an enterprise: publishes job postings
COL=12140400405710843M   # a college: a course posting and a graduate outcome
HRB=11140400012345686X   # 市人社局: offline for part of the run; follows jobs

yesterday=$(date -d yesterday +%F)
last_week=$(date -d '7 days ago' +%F)
outcome_json() {
    printf '{"record":{"ref":"GO-%s","year":2026,"graduate_outcome":{"graduate":{"pseudonym":"p:%s"},"school_credit_code":"%s","major_code":"510203","graduation_year":2026,"destination_code":"10"}}}\n' "$1" "$1" "$COL"
}
replica_jobs() { cjx "$1" list --local --kind job | wc -l; }
verify() { cjx "$1" verify --wait 30 >"$T/verify-$1.json" || fail "$1: replica differs from the hub: $(cat "$T/verify-$1.json")"; }

start_hub
EP=$HUB_EP
make_agent ent $ENT
make_agent col $COL
make_agent hrb $HRB
echo "kind = enterprise" >>"$T/ent.ini"
echo "kind = college" >>"$T/col.ini"
cat >>"$T/hrb.ini" <<INI
kind = bureau

[subscription jobs]
kinds = job
sink_file = $T/hrb-jobs.jsonl
INI

note "400 postings published before the agents first connect arrive as a snapshot of several pages"
start_agent ent
for n in $(seq 1 400); do job_json "$n"; done | cjx ent post >/dev/null
wait_until 30 outbox_empty ent || fail "ent's outbox never emptied"
start_agent col
start_agent hrb
hrb_pid=$AGENT_PID
cat <<JSON | cjx col post >/dev/null
{"posting":{"ref":"TC-2026-01","title":"电工技能提升培训","division_code":"140400","valid_from":"$VALID_FROM","valid_until":"$VALID_UNTIL","training_course":{"hours":80}}}
$(outcome_json 1)
JSON
wait_until 30 outbox_empty col || fail "col's outbox never emptied"
wait_equal 30 400 replica_jobs hrb || fail "hrb's replica has $(replica_jobs hrb) jobs, expected 400"
grep -q 'replica.snapshot.*loaded' "$T/hrb.log" || fail "hrb did not load a snapshot"
cjx hrb status --local | matches '"loaded": true' || fail "status does not show the replica loaded"
for who in ent col hrb; do verify $who; done
[ "$(cjx hrb list --local --kind institution | wc -l)" = 3 ] || fail "the registry in hrb's replica lacks an institution"
cjx hrb list --local --kind institution | matches '"kind":"INSTITUTION_BUREAU"' || fail "registry lost the institution kind"

note "while 市人社局 is offline: an update, a fill, a withdrawal, an expiry and a new posting"
kill -TERM "$hrb_pid"; wait "$hrb_pid" 2>/dev/null || true
job_json 3 | sed 's/半导体封装工艺工程师 3/高级封装工艺工程师 3/' | cjx ent post >/dev/null
cjx ent fill JOB-4 >/dev/null
cjx ent withdraw --note "岗位取消" JOB-5 >/dev/null
job_json 401 | sed "s/\"valid_from\":\"[^\"]*\"/\"valid_from\":\"$last_week\"/; s/\"valid_until\":\"[^\"]*\"/\"valid_until\":\"$yesterday\"/" \
    | cjx ent post >/dev/null
job_json 402 | cjx ent post >/dev/null
cjx ent withdraw JOB-999 >/dev/null    # refused at the hub: no such posting
outcome_json 2 | cjx col post >/dev/null
wait_until 30 outbox_empty ent && wait_until 30 outbox_empty col || fail "outboxes never emptied"
cjx ent status --local | matches '"refused": 1' || fail "withdrawing an unknown posting was not refused"
# (grep without -q: it reads all, so cjx never dies of SIGPIPE under pipefail)
expired() { cjx ent list --kind job | grep '"change":"expire"' >/dev/null; }
wait_until 30 expired || fail "the hub did not expire JOB-401 (valid until $yesterday)"

note "back online, 市人社局 catches up; every replica agrees with the hub"
start_agent hrb
for who in ent col hrb; do verify $who; done
for who in ent col hrb; do
    n=$(replica_jobs $who)
    [ "$n" = 399 ] || fail "$who's replica holds $n open jobs, expected 399 (400 + 1 new - filled - withdrawn)"
    for ref in JOB-4 JOB-5 JOB-401; do
        if cjx $who get --local "$ENT/$ref" >/dev/null 2>&1; then fail "$who's replica still holds closed $ref"; fi
    done
    cjx $who get --local "$ENT/JOB-3" | matches '高级封装工艺工程师 3' || fail "$who's replica missed the update of JOB-3"
done
[ "$(cjx col list --local --kind graduate_outcome | wc -l)" = 2 ] || fail "the college's replica lacks its own records"
[ "$(cjx hrb list --local --kind graduate_outcome | wc -l)" = 0 ] || fail "another institution's records reached hrb's replica"

note "the feed saw each change as an event"
for change in update fill withdraw expire; do
    grep -q "\"change\":\"$change\"" "$T/hrb-jobs.jsonl" || fail "no $change event in hrb's feed"
done
grep -q '"change":"withdraw","note":"岗位取消"' "$T/hrb-jobs.jsonl" || fail "the withdrawal's note did not reach the feed"

note "the replicas answer while the hub is down"
kill_hub KILL
[ "$(replica_jobs hrb)" = 399 ] || fail "hrb's replica does not answer without the hub"
cjx hrb get --local "$ENT-1" | matches '"ref":"JOB-1"' || fail "get --local by id failed"

note "a hub that lost its store: the replicas notice and load again"
rm -rf "$T/hub"
start_hub "$EP"
for who in ent col hrb; do verify $who; done
grep -q 'id=replica.reset' "$T/hrb.log" || fail "hrb did not notice the new hub store"
[ "$(replica_jobs hrb)" = 0 ] || fail "hrb's replica kept postings the new hub does not have"
echo ok
