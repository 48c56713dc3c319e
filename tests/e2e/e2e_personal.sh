#!/usr/bin/env bash
# e2e_personal — personal data: each person gets a keyed pseudonym at the
# owning agent; pii_ fields leave it only for record kinds the hub's policy
# names a receiver for ([personal]); the hub gives them to that receiver
# only, writing each delivery to a hash-chained audit log first, and strips
# them for everyone else; changing one byte of the log breaks `cjx audit
# verify`.
. "$(dirname "$0")/lib.sh"

COL=12140400405710843M   # the college: reports the records
EDU=111404000123456783   # 市教育局: named receiver of graduate outcomes' personal fields
HRB=11140400012345686X   # 市人社局: reads records, but not their personal fields
ID1=11010519491231002X
ID2=110105198001010016

HUB_INI_EXTRA="[personal]
graduate_outcome = $EDU"
start_hub
EP=$HUB_EP
make_agent col $COL
start_agent col
for who in edu hrb; do
    make_agent $who $([ $who = edu ] && echo $EDU || echo $HRB)
    cat >>"$T/$who.ini" <<INI

[subscription outcomes]
kinds = graduate_outcome
sink_file = $T/$who-outcomes.jsonl
INI
    start_agent $who
done

cat <<JSON | cjx col post >"$T/ids"
{"record":{"ref":"GO-1","year":2026,"graduate_outcome":{"graduate":{"pii_name":"张三","pii_id_number":"$ID1"},"school_credit_code":"$COL","major_code":"510203","graduation_year":2026,"destination_code":"10"}}}
{"record":{"ref":"TC-1","year":2026,"training_completion":{"trainee":{"pii_name":"李四","pii_id_number":"$ID2"},"enterprise_credit_code":"91140400MA0K7C2D3J","course_title":"电工","completion_date":"2026-09-30","hours":80}}}
JSON
GO=$(sed -n 1p "$T/ids"); TC=$(sed -n 2p "$T/ids")
wait_until 20 outbox_empty col || fail "the college's outbox never emptied"

note "pseudonyms are made at the agent; a kind no receiver is named for leaves it without pii_ fields"
cjx col get "$GO" | matches '"pseudonym":"p:[0-9a-f]\{16\}"' || fail "no pseudonym on the graduate outcome"
cjx col get "$TC" | matches '"pseudonym":"p:' || fail "no pseudonym on the training completion"
cjx hrb get "$TC" | matches pii_ && fail "the training completion reached the hub with personal fields"
grep -qa "$ID2" "$T/hub/data.mdb" && fail "the hub's store holds an ID number that should not have left the agent"

note "the named receiver gets the personal fields, others the record without them"
has() { [ -s "$T/$1-outcomes.jsonl" ]; }
wait_until 20 has edu && wait_until 20 has hrb || fail "the outcome did not reach both bureaus"
grep -q "\"pii_id_number\":\"$ID1\"" "$T/edu-outcomes.jsonl" || fail "the named receiver lacks the personal fields"
grep -q pii_ "$T/hrb-outcomes.jsonl" && fail "a receiver the policy does not name got personal fields"
pseudo=$(grep -o '"pseudonym":"[^"]*"' "$T/hrb-outcomes.jsonl")
grep -q "$pseudo" "$T/edu-outcomes.jsonl" || fail "the two bureaus do not see the same pseudonym"
cjx hrb get "$GO" | matches pii_ && fail "get gave personal fields to a receiver the policy does not name"
cjx edu get "$GO" | matches "$ID1" || fail "get did not give the named receiver the personal fields"

note "the audit log holds exactly the two deliveries to 市教育局, and its chain holds"
cjx edu audit >"$T/audit"
[ "$(wc -l <"$T/audit")" = 2 ] || fail "the audit log has $(wc -l <"$T/audit") entries, expected 2: $(cat "$T/audit")"
[ "$(grep -c "\"receiver\":\"$EDU\",\"record\":\"$GO\"" "$T/audit")" = 2 ] || fail "audit entries do not name receiver and record"
grep -q '"rule":"personal.graduate_outcome"' "$T/audit" || fail "audit entries do not name the rule"
cjx edu audit verify | matches '"intact":true' || fail "the intact chain does not verify"

note "an answer whose disclosure could not be recorded is not given: its batch fails to commit"
note "(debug_fail_audited_commits), the receiver is refused, the audit log keeps what it had"
kill_hub TERM
HUB_INI_EXTRA="debug_fail_audited_commits = 1
[personal]
graduate_outcome = $EDU" start_hub "$EP"
if out=$(cjx edu get "$GO" 2>&1); then fail "the answer was given though its batch failed: $out"; fi
echo "$out" | grep -q "$ID1" && fail "personal fields shown though their audit row was lost: $out"
echo "$out" | matches 'could not record what this answer discloses' || fail "no reason given: $out"
cjx edu get "$GO" | matches "$ID1" || fail "asked again, the named receiver did not get the personal fields"
[ "$(cjx edu audit | wc -l)" = 3 ] || fail "the audit log should have 3 entries: $(cjx edu audit)"
cjx edu audit verify | matches '"intact":true' || fail "the chain does not verify after the failed batch"

note "one byte changed in the log: verify fails"
kill_hub TERM
# LMDB copies pages on write: change every copy, the live one among them
offsets=$(grep -boa 'personal.graduate_outcom' "$T/hub/data.mdb" | cut -d: -f1)
[ -n "$offsets" ] || fail "no audit entry found in the store"
for offset in $offsets; do
    printf 'P' | dd of="$T/hub/data.mdb" bs=1 seek="$offset" conv=notrunc status=none
done
start_hub "$EP"
if cjx edu audit verify >"$T/verify"; then fail "verify passed after a byte was changed: $(cat "$T/verify")"; fi
grep -q '"broken_seq":[123]' "$T/verify" || fail "verify does not name the broken entry: $(cat "$T/verify")"
echo ok
